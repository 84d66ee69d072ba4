//! [`FakeNode`]: a scripted TCP server that speaks just enough RESP to force exact replies
//! (`-ASK`, `-TRYAGAIN`, `-CLUSTERDOWN`, garbage bytes, silence, hang-ups) at a client.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use bytes::BytesMut;
use slotwise::resp::{encode_value, Decoder, Value};

use crate::cluster::lock;
use crate::error::{HarnessError, Result};
use crate::poll::{poll_until, Poll};

/// What a [`FakeNode`] does with one received command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Write these bytes (anything: a valid reply, several, half of one, garbage).
    Raw(Vec<u8>),
    /// Write these bytes, then close the connection.
    RawThenClose(Vec<u8>),
    /// Close the connection without answering.
    Close,
    /// Answer neither this command nor any later one on this connection (later commands
    /// are still logged); the connection stays open until the client closes it or the
    /// fake node is dropped.
    Silence,
}

impl Reply {
    /// `+OK`.
    pub fn ok() -> Reply {
        Reply::simple("OK")
    }

    /// `+<text>`.
    pub fn simple(text: &str) -> Reply {
        Reply::Raw(format!("+{text}\r\n").into_bytes())
    }

    /// `-<text>`, e.g. `Reply::error("ASK 3999 127.0.0.1:7001")`.
    pub fn error(text: &str) -> Reply {
        Reply::Raw(format!("-{text}\r\n").into_bytes())
    }

    /// A bulk string.
    pub fn bulk(bytes: impl AsRef<[u8]>) -> Reply {
        Reply::value(&Value::Bulk(bytes::Bytes::copy_from_slice(bytes.as_ref())))
    }

    /// `:<n>`.
    pub fn int(n: i64) -> Reply {
        Reply::Raw(format!(":{n}\r\n").into_bytes())
    }

    /// The null bulk string `$-1`.
    pub fn nil() -> Reply {
        Reply::Raw(b"$-1\r\n".to_vec())
    }

    /// Any value, RESP-encoded.
    pub fn value(v: &Value) -> Reply {
        let mut out = BytesMut::new();
        encode_value(&mut out, v);
        Reply::Raw(out.to_vec())
    }
}

/// One command a [`FakeNode`] received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Which connection it came on (0 for the first accepted, then 1, 2, ...).
    pub connection: usize,
    /// The command's arguments.
    pub argv: Vec<Vec<u8>>,
}

type Script = Box<dyn FnMut(&[Vec<u8>]) -> Reply + Send>;

struct Shared {
    stop: AtomicBool,
    connections: AtomicUsize,
    log: Mutex<Vec<Received>>,
    script: Mutex<Script>,
    streams: Mutex<Vec<TcpStream>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

/// A fake node on `127.0.0.1:<free port>`, serving any number of connections on threads.
///
/// Every command (a RESP array of bulk strings) goes to the script, which returns the
/// [`Reply`]. Bytes that are not such a command close the connection. Dropping the fake node
/// closes every connection and joins its threads.
///
/// ```
/// use slotwise_testcluster::{AdminConn, FakeNode, Reply};
/// let fake = FakeNode::start(|argv: &[Vec<u8>]| match &argv[0][..] {
///     b"GET" => Reply::error("ASK 866 127.0.0.1:7001"),
///     _ => Reply::ok(),
/// })
/// .unwrap();
/// let mut c = AdminConn::connect(&fake.addr(), None, std::time::Duration::from_secs(5)).unwrap();
/// let reply = c.cmd(&["GET", "k"]).unwrap();
/// assert_eq!(&reply.as_error().unwrap()[..], b"ASK 866 127.0.0.1:7001");
/// assert_eq!(fake.commands(), vec![vec![b"GET".to_vec(), b"k".to_vec()]]);
/// ```
pub struct FakeNode {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FakeNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeNode")
            .field("addr", &self.addr)
            .field("commands", &self.command_count())
            .finish()
    }
}

impl FakeNode {
    /// Binds `127.0.0.1:0` and starts serving with `script`.
    pub fn start<F>(script: F) -> Result<FakeNode>
    where
        F: FnMut(&[Vec<u8>]) -> Reply + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| HarnessError::io("binding a fake node to 127.0.0.1:0", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| HarnessError::io("reading the fake node's address", e))?;
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
            script: Mutex::new(Box::new(script)),
            streams: Mutex::new(Vec::new()),
            workers: Mutex::new(Vec::new()),
        });
        let s = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name(format!("fake-node-{}", addr.port()))
            .spawn(move || accept_loop(listener, s))
            .map_err(|e| HarnessError::io("starting a fake node thread", e))?;
        Ok(FakeNode {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// "127.0.0.1:port".
    pub fn addr(&self) -> String {
        self.addr.to_string()
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every command received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared.log).clone()
    }

    /// The argv of every command received so far.
    pub fn commands(&self) -> Vec<Vec<Vec<u8>>> {
        lock(&self.shared.log)
            .iter()
            .map(|r| r.argv.clone())
            .collect()
    }

    /// How many commands arrived so far.
    pub fn command_count(&self) -> usize {
        lock(&self.shared.log).len()
    }

    /// How many connections were accepted so far.
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Polls until at least `n` commands arrived; false if `timeout` passes first.
    pub fn wait_for_commands(&self, n: usize, timeout: Duration) -> bool {
        matches!(
            poll_until(timeout, || Ok(if self.command_count() >= n {
                Poll::Ready(())
            } else {
                Poll::Pending(String::new())
            })),
            Ok(Ok(()))
        )
    }
}

impl Drop for FakeNode {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor blocked in accept().
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
        for s in lock(&self.shared.streams).drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
        let workers: Vec<_> = lock(&self.shared.workers).drain(..).collect();
        for w in workers {
            let _ = w.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let Ok(clone) = stream.try_clone() else {
            continue;
        };
        let id = shared.connections.fetch_add(1, Ordering::SeqCst);
        lock(&shared.streams).push(clone);
        let s = Arc::clone(&shared);
        if let Ok(worker) = thread::Builder::new()
            .name(format!("fake-node-conn-{id}"))
            .spawn(move || serve(stream, id, s))
        {
            lock(&shared.workers).push(worker);
        }
    }
}

/// The argv of a command frame: an array of bulk (or simple) strings.
fn argv_of(v: Value) -> Option<Vec<Vec<u8>>> {
    match v {
        Value::Array(items) if !items.is_empty() => items
            .into_iter()
            .map(|i| i.as_bytes().map(|b| b.to_vec()))
            .collect(),
        _ => None,
    }
}

fn serve(mut stream: TcpStream, connection: usize, shared: Arc<Shared>) {
    let mut decoder = Decoder::default();
    let mut buf = BytesMut::with_capacity(16 * 1024);
    let mut silent = false;
    let mut chunk = [0u8; 16 * 1024];
    loop {
        loop {
            let argv = match decoder.decode(&mut buf) {
                Ok(Some(v)) => match argv_of(v) {
                    Some(a) => a,
                    None => return,
                },
                Ok(None) => break,
                Err(_) => return,
            };
            lock(&shared.log).push(Received {
                connection,
                argv: argv.clone(),
            });
            if silent {
                continue;
            }
            let reply = (lock(&shared.script))(&argv);
            match reply {
                Reply::Raw(bytes) => {
                    if stream.write_all(&bytes).is_err() {
                        return;
                    }
                }
                Reply::RawThenClose(bytes) => {
                    let _ = stream.write_all(&bytes);
                    let _ = stream.shutdown(Shutdown::Both);
                    return;
                }
                Reply::Close => {
                    let _ = stream.shutdown(Shutdown::Both);
                    return;
                }
                Reply::Silence => silent = true,
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
    }
}
