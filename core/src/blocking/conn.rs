//! A plain blocking connection: the calling thread writes and reads the socket itself.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use smallvec::SmallVec;

use crate::discovery;
use crate::error::Error;
use crate::options::ClientOptions;
use crate::resp::{Decoder, Value};

/// The replies to one write: inline for one or two (no allocation for a lone command).
pub(crate) type Replies = SmallVec<[Value; 2]>;

/// Why a request got no replies.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    /// Written, then the connection broke (or the deadline passed) before every reply.
    Lost(Error),
    /// The deadline passed while waiting for replies.
    TimedOut,
}

/// Plain TCP or TLS over TCP.
enum SyncStream {
    Tcp(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl SyncStream {
    fn tcp(&self) -> &TcpStream {
        match self {
            SyncStream::Tcp(s) => s,
            SyncStream::Tls(s) => &s.sock,
        }
    }
}

impl Read for SyncStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            SyncStream::Tcp(s) => s.read(buf),
            SyncStream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for SyncStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            SyncStream::Tcp(s) => s.write(buf),
            SyncStream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            SyncStream::Tcp(s) => s.flush(),
            SyncStream::Tls(s) => s.flush(),
        }
    }
}

pub(crate) struct SyncConn {
    stream: SyncStream,
    rbuf: BytesMut,
    dec: Decoder,
    read_timeout: Option<Duration>,
    /// Reads land here first: no zero-filling of the decode buffer per read.
    scratch: Box<[u8]>,
    /// Requests are encoded here: one buffer reused for every write of the connection.
    wbuf: BytesMut,
    /// When the connection last finished a request (it is idle in the pool since then).
    last_used: Instant,
    pub(crate) addr: std::sync::Arc<str>,
}

/// The largest write buffer a connection keeps for its next request.
const MAX_KEPT_WRITE_BUFFER: usize = 64 * 1024;

fn timed_out(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, what.to_string())
}

impl SyncConn {
    /// Connects (trying every resolved address) and runs the handshake.
    pub fn connect(
        addr: std::sync::Arc<str>,
        opts: &ClientOptions,
        tls: Option<&std::sync::Arc<rustls::ClientConfig>>,
        replica: bool,
    ) -> Result<SyncConn, Error> {
        let deadline = Instant::now() + opts.connect_timeout;
        let resolved = addr.to_socket_addrs().map_err(|e| Error::io(&addr, e))?;
        let mut last = timed_out("the address resolved to nothing");
        let mut stream = None;
        for sa in resolved {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                last = timed_out("connect timed out");
                break;
            }
            match TcpStream::connect_timeout(&sa, left) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let stream = stream.ok_or_else(|| Error::io(&addr, last))?;
        stream.set_nodelay(true).map_err(|e| Error::io(&addr, e))?;
        if let Some(k) = &opts.keepalive {
            k.apply(socket2::SockRef::from(&stream))
                .map_err(|e| Error::io(&addr, e))?;
        }
        // A node that stops reading (paused, or a full receive window) must not hold a
        // write past the request timeout; the connection is dropped after such a failure.
        stream
            .set_write_timeout(Some(opts.request_timeout.max(Duration::from_millis(1))))
            .map_err(|e| Error::io(&addr, e))?;
        let stream = match tls {
            None => SyncStream::Tcp(stream),
            Some(cfg) => {
                let name = crate::tls::server_name(&addr)?;
                let session = rustls::ClientConnection::new(cfg.clone(), name)
                    .map_err(|e| Error::Config(format!("TLS: {e}")))?;
                let left = deadline
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1));
                stream
                    .set_read_timeout(Some(left))
                    .map_err(|e| Error::io(&addr, e))?;
                let mut tls = rustls::StreamOwned::new(session, stream);
                while tls.conn.is_handshaking() {
                    tls.conn
                        .complete_io(&mut tls.sock)
                        .map_err(|e| crate::tls::handshake_error(&addr, e))?;
                }
                SyncStream::Tls(Box::new(tls))
            }
        };
        let mut conn = SyncConn {
            stream,
            rbuf: BytesMut::with_capacity(16 * 1024),
            dec: Decoder::default(),
            read_timeout: None,
            scratch: vec![0u8; 32 * 1024].into_boxed_slice(),
            wbuf: BytesMut::new(),
            last_used: Instant::now(),
            addr,
        };
        let hs = discovery::handshake(opts, replica);
        if !hs.is_empty() {
            let mut out = BytesMut::new();
            for c in &hs {
                c.write_resp(&mut out);
            }
            let replies = conn
                .roundtrip(&out, hs.len(), deadline)
                .map_err(|f| match f {
                    Failure::Lost(e) => e,
                    Failure::TimedOut => Error::io(&conn.addr, timed_out("handshake timed out")),
                })?;
            discovery::check_handshake(&conn.addr, &hs, &replies)?;
        }
        Ok(conn)
    }

    /// Marks the end of a request (the connection goes back to the pool).
    pub fn touch(&mut self) {
        self.last_used = Instant::now();
    }

    /// True when a pooled connection has been idle long enough that the node may have
    /// closed it meanwhile, and a non-blocking peek shows it did (end of stream, a reset,
    /// or unexpected bytes). Writing a command to such a socket would make it look
    /// "sent but lost" and, for a write, not retryable.
    pub fn is_stale(&self) -> bool {
        if self.last_used.elapsed() < Duration::from_millis(1) {
            return false;
        }
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            let mut b = 0u8;
            // SAFETY: a 1-byte peek into a valid buffer on a socket we own.
            let n = unsafe {
                libc::recv(
                    self.stream.tcp().as_raw_fd(),
                    (&mut b as *mut u8).cast(),
                    1,
                    libc::MSG_PEEK | libc::MSG_DONTWAIT,
                )
            };
            if n >= 0 {
                return true; // EOF (0) or bytes nobody asked for
            }
            let err = std::io::Error::last_os_error();
            !matches!(
                err.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
            )
        }
        #[cfg(not(unix))]
        false
    }

    /// Writes `payload`; an error means the connection is unusable.
    pub fn write(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.stream
            .write_all(payload)
            .and_then(|()| self.stream.flush())
            .map_err(|e| Error::io(&self.addr, e))
    }

    /// Encodes a request with `fill` into the connection's reusable buffer and writes it;
    /// returns what `fill` returned (typically the number of replies to read). An error
    /// means the connection is unusable.
    pub fn write_with<T>(&mut self, fill: impl FnOnce(&mut BytesMut) -> T) -> Result<T, Error> {
        let mut buf = std::mem::take(&mut self.wbuf);
        buf.clear();
        let out = fill(&mut buf);
        let sent = self.write(&buf);
        // Keep a typical request's room, not the memory of one huge value.
        if buf.capacity() <= MAX_KEPT_WRITE_BUFFER {
            self.wbuf = buf;
        }
        sent.map(|()| out)
    }

    /// Reads `n` replies (out-of-band pushes skipped) before `deadline`.
    pub fn read(&mut self, n: usize, deadline: Instant) -> Result<Replies, Failure> {
        let mut out = Replies::with_capacity(n);
        while out.len() < n {
            match self.dec.decode(&mut self.rbuf) {
                Ok(Some(Value::Push(_))) => continue,
                Ok(Some(v)) => {
                    out.push(v);
                    continue;
                }
                Ok(None) => {}
                Err(error) => {
                    return Err(Failure::Lost(Error::Protocol {
                        node: self.addr.to_string(),
                        error,
                    }))
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Failure::TimedOut);
            }
            // Only touch the socket option when the remaining time changed noticeably.
            let want = Some(left.max(Duration::from_millis(1)));
            if self
                .read_timeout
                .is_none_or(|t| t > left || left - t > Duration::from_millis(50))
            {
                self.stream
                    .tcp()
                    .set_read_timeout(want)
                    .map_err(|e| Failure::Lost(Error::io(&self.addr, e)))?;
                self.read_timeout = want;
            }
            match self.stream.read(&mut self.scratch) {
                Ok(0) => {
                    return Err(Failure::Lost(Error::io(
                        &self.addr,
                        std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "the node closed the connection",
                        ),
                    )));
                }
                Ok(k) => self.rbuf.extend_from_slice(&self.scratch[..k]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    if Instant::now() >= deadline {
                        return Err(Failure::TimedOut);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Failure::Lost(Error::io(&self.addr, e))),
            }
        }
        Ok(out)
    }

    /// Writes then reads `n` replies.
    pub fn roundtrip(
        &mut self,
        payload: &[u8],
        n: usize,
        deadline: Instant,
    ) -> Result<Replies, Failure> {
        self.write(payload).map_err(Failure::Lost)?;
        self.read(n, deadline)
    }
}
