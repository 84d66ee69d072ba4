//! One multiplexed, pipelined connection per node: a task owns the socket; callers queue
//! requests through a channel; replies are matched in order; writes are coalesced.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::BytesMut;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};

use crate::discovery;
use crate::error::Error;
use crate::options::ClientOptions;
use crate::resp::{Decoder, Value};

/// Why a request got no replies.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    /// Never written (connect or handshake failed, or the connection died first).
    NotSent(Error),
    /// Written, then the connection broke before every reply arrived.
    Lost(Error),
}

pub(crate) type Replies = Result<Vec<Value>, Failure>;

/// Encoded commands expecting `replies` replies. With `asking`, `ASKING` is written first and
/// the payload only after `ASKING` succeeded (nothing else is written in between).
struct Request {
    payload: BytesMut,
    replies: usize,
    asking: bool,
    tx: oneshot::Sender<Replies>,
}

/// The caller's side of a connection.
#[derive(Clone, Debug)]
pub(crate) struct ConnHandle {
    tx: mpsc::UnboundedSender<Request>,
    /// When the connection (handshake included) was up; `None` while connecting.
    connected: watch::Receiver<Option<std::time::Instant>>,
}

impl ConnHandle {
    /// Starts connecting to `addr` in the background; requests queue meanwhile.
    pub fn spawn(
        addr: Arc<str>,
        opts: Arc<ClientOptions>,
        tls: Option<Arc<rustls::ClientConfig>>,
        replica: bool,
    ) -> ConnHandle {
        let (tx, rx) = mpsc::unbounded_channel();
        let (up, connected) = watch::channel(None);
        tokio::spawn(run(addr, opts, tls, replica, rx, up));
        ConnHandle { tx, connected }
    }

    /// When the connection came up (at once if it is up); `None` if it never will (the
    /// connect failed or timed out: queued requests have their error already).
    pub async fn connected(&self) -> Option<std::time::Instant> {
        let mut rx = self.connected.clone();
        let at = rx.wait_for(Option::is_some).await.ok()?;
        *at
    }

    /// False once the connection task has ended.
    pub fn is_alive(&self) -> bool {
        !self.tx.is_closed()
    }

    /// Queues `payload` (expecting `replies` replies, ASKING-guarded if `asking`); `None`
    /// when the connection is already dead (nothing was sent).
    pub fn submit(
        &self,
        payload: BytesMut,
        replies: usize,
        asking: bool,
    ) -> Option<oneshot::Receiver<Replies>> {
        let (tx, rx) = oneshot::channel();
        let req = Request {
            payload,
            replies,
            asking,
            tx,
        };
        self.tx.send(req).ok().map(|()| rx)
    }
}

struct Pending {
    tx: Option<oneshot::Sender<Replies>>,
    want: usize,
    got: Vec<Value>,
    /// An `ASKING` reply guarding this request's payload.
    guard: Option<BytesMut>,
}

/// Plain TCP or TLS over TCP.
enum Stream {
    Tcp(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

async fn connect(
    addr: &str,
    opts: &ClientOptions,
    tls: Option<&Arc<rustls::ClientConfig>>,
    replica: bool,
) -> Result<Stream, Error> {
    let tcp = TcpStream::connect(addr)
        .await
        .map_err(|e| Error::io(addr, e))?;
    tcp.set_nodelay(true).map_err(|e| Error::io(addr, e))?;
    if let Some(k) = &opts.keepalive {
        k.apply(socket2::SockRef::from(&tcp))
            .map_err(|e| Error::io(addr, e))?;
    }
    let mut stream = match tls {
        None => Stream::Tcp(tcp),
        Some(cfg) => {
            let name = crate::tls::server_name(addr)?;
            let tls = tokio_rustls::TlsConnector::from(cfg.clone())
                .connect(name, tcp)
                .await
                .map_err(|e| crate::tls::handshake_error(addr, e))?;
            Stream::Tls(Box::new(tls))
        }
    };
    let hs = discovery::handshake(opts, replica);
    if hs.is_empty() {
        return Ok(stream);
    }
    let mut out = BytesMut::new();
    for c in &hs {
        c.write_resp(&mut out);
    }
    stream
        .write_all(&out)
        .await
        .map_err(|e| Error::io(addr, e))?;
    let mut rbuf = BytesMut::with_capacity(1024);
    let mut dec = Decoder::default();
    let mut replies = Vec::with_capacity(hs.len());
    while replies.len() < hs.len() {
        match dec.decode(&mut rbuf) {
            Ok(Some(Value::Push(_))) => {}
            Ok(Some(v)) => replies.push(v),
            Ok(None) => {
                let n = stream
                    .read_buf(&mut rbuf)
                    .await
                    .map_err(|e| Error::io(addr, e))?;
                if n == 0 {
                    return Err(Error::io(addr, eof()));
                }
            }
            Err(error) => {
                return Err(Error::Protocol {
                    node: addr.to_string(),
                    error,
                })
            }
        }
    }
    discovery::check_handshake(addr, &hs, &replies)?;
    Ok(stream)
}

fn eof() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        "the node closed the connection",
    )
}

async fn run(
    addr: Arc<str>,
    opts: Arc<ClientOptions>,
    tls: Option<Arc<rustls::ClientConfig>>,
    replica: bool,
    mut rx: mpsc::UnboundedReceiver<Request>,
    up: watch::Sender<Option<std::time::Instant>>,
) {
    let connected = tokio::time::timeout(
        opts.connect_timeout,
        connect(&addr, &opts, tls.as_ref(), replica),
    )
    .await;
    let mut stream = match connected {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return fail_queue(&mut rx, e),
        Err(_) => {
            let e = Error::io(
                &addr,
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    if tls.is_some() {
                        format!(
                            "connect and TLS handshake timed out after {:?}; check that this port serves TLS",
                            opts.connect_timeout
                        )
                    } else {
                        format!("connect timed out after {:?}", opts.connect_timeout)
                    },
                ),
            );
            return fail_queue(&mut rx, e);
        }
    };
    tracing::debug!(node = %addr, replica, "connected");
    up.send_replace(Some(std::time::Instant::now()));
    let mut pending: VecDeque<Pending> = VecDeque::new();
    let mut wbuf = BytesMut::with_capacity(16 * 1024);
    let mut rbuf = BytesMut::with_capacity(16 * 1024);
    let mut dec = Decoder::default();
    let mut guarded = false; // an ASKING reply is awaited: write nothing else meanwhile
    let mut open = true;
    let mut linger: Option<tokio::time::Instant> = None;
    loop {
        // Coalesce everything queued into one write.
        while open && !guarded {
            match rx.try_recv() {
                Ok(req) => guarded = enqueue(req, &mut wbuf, &mut pending),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => open = false,
            }
        }
        if !wbuf.is_empty() {
            let written = match stream.write_all(&wbuf).await {
                Ok(()) => stream.flush().await,
                Err(e) => Err(e),
            };
            if let Err(e) = written {
                return fail_all(&mut rx, pending, Error::io(&addr, e));
            }
            wbuf.clear();
        }
        if !open && pending.is_empty() {
            return;
        }
        if !open && linger.is_none() {
            // Every handle is gone (the client dropped this connection, e.g. after a
            // timeout): wait for the replies still due, but not forever.
            linger = Some(tokio::time::Instant::now() + opts.request_timeout);
        }
        if rbuf.capacity() - rbuf.len() < 4096 {
            rbuf.reserve(16 * 1024);
        }
        tokio::select! {
            _ = tokio::time::sleep_until(linger.unwrap_or_else(tokio::time::Instant::now)), if linger.is_some() => {
                let e = Error::io(&addr, std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "no reply within the request timeout; the connection was closed",
                ));
                return fail_all(&mut rx, pending, e);
            }
            req = rx.recv(), if open && !guarded => match req {
                Some(req) => guarded = enqueue(req, &mut wbuf, &mut pending),
                None => open = false,
            },
            read = stream.read_buf(&mut rbuf) => {
                match read {
                    Ok(0) => return fail_all(&mut rx, pending, Error::io(&addr, eof())),
                    Err(e) => return fail_all(&mut rx, pending, Error::io(&addr, e)),
                    Ok(_) => {}
                }
                loop {
                    let v = match dec.decode(&mut rbuf) {
                        Ok(Some(v)) => v,
                        Ok(None) => break,
                        Err(error) => {
                            let e = Error::Protocol { node: addr.to_string(), error };
                            return fail_all(&mut rx, pending, e);
                        }
                    };
                    if matches!(v, Value::Push(_)) {
                        continue; // out-of-band (RESP3 push): not a reply to a request
                    }
                    let Some(front) = pending.front_mut() else {
                        let e = Error::io(&addr, std::io::Error::new(std::io::ErrorKind::InvalidData, "reply without a request"));
                        return fail_all(&mut rx, pending, e);
                    };
                    if let Some(payload) = front.guard.take() {
                        guarded = false;
                        if v.is_error() {
                            // ASKING refused: the command is not sent; its caller gets the error.
                            let mut p = pending.pop_front().expect("front exists");
                            if let Some(tx) = p.tx.take() {
                                let _ = tx.send(Ok(vec![v; p.want]));
                            }
                        } else {
                            wbuf.extend_from_slice(&payload);
                        }
                        continue;
                    }
                    front.got.push(v);
                    if front.got.len() == front.want {
                        let mut p = pending.pop_front().expect("front exists");
                        if let Some(tx) = p.tx.take() {
                            let _ = tx.send(Ok(std::mem::take(&mut p.got)));
                        }
                    }
                }
            }
        }
    }
}

/// Adds a request to the write buffer; returns true when it is ASKING-guarded (the caller
/// then stops writing until the ASKING reply is in).
fn enqueue(req: Request, wbuf: &mut BytesMut, pending: &mut VecDeque<Pending>) -> bool {
    if req.asking {
        wbuf.extend_from_slice(b"*1\r\n$6\r\nASKING\r\n");
        pending.push_back(Pending {
            tx: Some(req.tx),
            want: req.replies,
            got: Vec::with_capacity(req.replies),
            guard: Some(req.payload),
        });
        true
    } else {
        wbuf.extend_from_slice(&req.payload);
        pending.push_back(Pending {
            tx: Some(req.tx),
            want: req.replies,
            got: Vec::with_capacity(req.replies),
            guard: None,
        });
        false
    }
}

fn fail_queue(rx: &mut mpsc::UnboundedReceiver<Request>, e: Error) {
    tracing::debug!(error = %e, "connection failed");
    rx.close();
    while let Ok(req) = rx.try_recv() {
        let _ = req.tx.send(Err(Failure::NotSent(e.clone())));
    }
}

fn fail_all(rx: &mut mpsc::UnboundedReceiver<Request>, pending: VecDeque<Pending>, e: Error) {
    for mut p in pending {
        if let Some(tx) = p.tx.take() {
            // A guarded payload that never left is safe to resend.
            let f = if p.guard.is_some() {
                Failure::NotSent(e.clone())
            } else {
                Failure::Lost(e.clone())
            };
            let _ = tx.send(Err(f));
        }
    }
    fail_queue(rx, e);
}
