//! [`AdminConn`]: a small blocking connection for administering and probing nodes.
//!
//! It speaks RESP2 over a `std::net::TcpStream` with read/write timeouts, encodes with
//! [`slotwise::resp::encode_command`] and decodes with [`slotwise::resp::Decoder`]. It is a
//! test tool, not a client: no redirects, no reconnects.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use bytes::BytesMut;
use slotwise::resp::{encode_command, Decoder, Value};

use crate::error::{HarnessError, Result};

/// Credentials for connecting to nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// `AUTH <password>` as the default user (`requirepass`).
    Password(String),
    /// `AUTH <user> <password>` as an ACL user.
    User {
        /// The ACL user name.
        user: String,
        /// Its password.
        password: String,
    },
}

impl Auth {
    /// The arguments of the `AUTH` command for these credentials.
    pub fn auth_args(&self) -> Vec<&str> {
        match self {
            Auth::Password(p) => vec!["AUTH", p],
            Auth::User { user, password } => vec!["AUTH", user, password],
        }
    }

    /// The trailing `MIGRATE` arguments (`AUTH pass` or `AUTH2 user pass`).
    pub fn migrate_args(&self) -> Vec<&str> {
        match self {
            Auth::Password(p) => vec!["AUTH", p],
            Auth::User { user, password } => vec!["AUTH2", user, password],
        }
    }
}

/// Default timeout for connecting, reading and writing.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// A blocking RESP2 connection to one node.
///
/// Error replies are values ([`Value::Error`]) for [`AdminConn::cmd`], so tests can assert on
/// `-MOVED` / `-ASK`; [`AdminConn::cmd_ok`] turns them into [`HarnessError::ErrorReply`].
#[derive(Debug)]
pub struct AdminConn {
    stream: TcpStream,
    addr: String,
    out: BytesMut,
    buf: BytesMut,
    decoder: Decoder,
}

impl AdminConn {
    /// Connects to `addr` ("host:port"), then authenticates with `auth` if given.
    ///
    /// `timeout` bounds the connect and every later read and write.
    pub fn connect(addr: &str, auth: Option<&Auth>, timeout: Duration) -> Result<AdminConn> {
        let sock = addr
            .to_socket_addrs()
            .map_err(|e| HarnessError::io(format!("resolving {addr}"), e))?
            .next()
            .ok_or_else(|| HarnessError::Invalid(format!("{addr} resolves to no address")))?;
        let stream = TcpStream::connect_timeout(&sock, timeout)
            .map_err(|e| HarnessError::io(format!("connecting to {addr}"), e))?;
        let _ = stream.set_nodelay(true);
        let mut conn = AdminConn {
            stream,
            addr: addr.to_string(),
            out: BytesMut::new(),
            buf: BytesMut::with_capacity(16 * 1024),
            decoder: Decoder::default(),
        };
        conn.set_timeout(timeout)?;
        if let Some(auth) = auth {
            let reply = conn.cmd(&auth.auth_args())?;
            if let Some(e) = reply.as_error() {
                return Err(HarnessError::ErrorReply {
                    addr: conn.addr.clone(),
                    command: "AUTH".into(),
                    message: String::from_utf8_lossy(e).into_owned(),
                });
            }
        }
        Ok(conn)
    }

    /// The address this connection was opened to.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Changes the read and write timeout.
    pub fn set_timeout(&mut self, timeout: Duration) -> Result<()> {
        self.stream
            .set_read_timeout(Some(timeout))
            .and_then(|_| self.stream.set_write_timeout(Some(timeout)))
            .map_err(|e| HarnessError::io(format!("setting timeouts on {}", self.addr), e))
    }

    /// Sends one command and reads its reply; error replies are returned as values.
    pub fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Value> {
        self.send(args)?;
        self.read_reply()
    }

    /// Like [`AdminConn::cmd`], but an error reply becomes [`HarnessError::ErrorReply`].
    pub fn cmd_ok<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Value> {
        let reply = self.cmd(args)?;
        match reply.as_error() {
            Some(e) => Err(HarnessError::ErrorReply {
                addr: self.addr.clone(),
                command: render_command(args),
                message: String::from_utf8_lossy(e).into_owned(),
            }),
            None => Ok(reply),
        }
    }

    /// Convenience for string commands: the reply as text (`Ok(None)` for nil; integers are
    /// formatted); error replies and aggregate replies are errors.
    ///
    /// ```no_run
    /// # fn f(conn: &mut slotwise_testcluster::AdminConn) -> slotwise_testcluster::Result<()> {
    /// conn.cmd_str(&["SET", "k", "v"])?;
    /// assert_eq!(conn.cmd_str(&["GET", "k"])?.as_deref(), Some("v"));
    /// # Ok(()) }
    /// ```
    pub fn cmd_str(&mut self, args: &[&str]) -> Result<Option<String>> {
        match self.cmd_ok(args)? {
            Value::Nil => Ok(None),
            Value::Int(i) => Ok(Some(i.to_string())),
            v => match v.as_bytes() {
                Some(b) => Ok(Some(String::from_utf8_lossy(b).into_owned())),
                None => Err(HarnessError::UnexpectedReply {
                    addr: self.addr.clone(),
                    command: render_command(args),
                    reply: format!("{v:?}"),
                }),
            },
        }
    }

    /// Writes all commands, then reads one reply per command (error replies as values).
    pub fn pipeline<C, A>(&mut self, cmds: &[C]) -> Result<Vec<Value>>
    where
        C: AsRef<[A]>,
        A: AsRef<[u8]>,
    {
        self.out.clear();
        for c in cmds {
            encode_command(&mut self.out, c.as_ref().iter().map(|a| a.as_ref()));
        }
        self.flush()?;
        (0..cmds.len()).map(|_| self.read_reply()).collect()
    }

    /// Writes one command without reading its reply (pair with [`AdminConn::read_reply`]).
    pub fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<()> {
        self.out.clear();
        encode_command(&mut self.out, args.iter().map(|a| a.as_ref()));
        self.flush()
    }

    fn flush(&mut self) -> Result<()> {
        let r = self.stream.write_all(&self.out);
        self.out.clear();
        r.map_err(|e| HarnessError::io(format!("writing to {}", self.addr), e))
    }

    /// Reads the next reply (error replies as values).
    pub fn read_reply(&mut self) -> Result<Value> {
        loop {
            match self.decoder.decode(&mut self.buf) {
                Ok(Some(v)) => return Ok(v),
                Ok(None) => {}
                Err(e) => {
                    return Err(HarnessError::Protocol {
                        addr: self.addr.clone(),
                        message: e.to_string(),
                    })
                }
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = self
                .stream
                .read(&mut chunk)
                .map_err(|e| HarnessError::io(format!("reading a reply from {}", self.addr), e))?;
            if n == 0 {
                return Err(HarnessError::io(
                    format!("reading a reply from {}", self.addr),
                    std::io::ErrorKind::UnexpectedEof.into(),
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// Renders a command for error messages: the first three arguments (enough to name the
/// command, short of the credentials `AUTH`/`MIGRATE ... AUTH2` carry further on).
pub(crate) fn render_command<A: AsRef<[u8]>>(args: &[A]) -> String {
    if args
        .first()
        .is_some_and(|a| a.as_ref().eq_ignore_ascii_case(b"AUTH"))
    {
        return "AUTH ...".into();
    }
    let mut s: Vec<String> = args
        .iter()
        .take(3)
        .map(|a| String::from_utf8_lossy(a.as_ref()).into_owned())
        .collect();
    if args.len() > 3 {
        s.push("...".into());
    }
    s.join(" ")
}

/// The text of a bulk/simple/verbatim reply, or `None`.
pub(crate) fn text(v: &Value) -> Option<String> {
    v.as_bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
}
