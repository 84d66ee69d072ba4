//! Client options, shared by the async and blocking clients and every binding.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::topology::AddressMap;

/// Where reads may be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadPolicy {
    /// Every command goes to the slot's primary (default; always reads your writes).
    #[default]
    Primary,
    /// Read-only commands go to a healthy replica when the shard has one, else the primary.
    PreferReplica,
    /// Read-only commands rotate over the shard's healthy replicas and its primary.
    RoundRobin,
}

/// Username and password for AUTH / HELLO. Never printed: `Debug` shows only the username.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// ACL user; `None` authenticates the `default` user with a password only.
    pub username: Option<String>,
    /// The password.
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// TLS settings (rustls). Verification is on unless explicitly disabled.
///
/// ```
/// use slotwise::TlsOptions;
/// let tls = TlsOptions {
///     ca_file: Some("ca.crt".into()),
///     // For nodes that require client certificates (`tls-auth-clients yes`).
///     client_cert_file: Some("client.crt".into()),
///     client_key_file: Some("client.key".into()),
///     ..TlsOptions::default()
/// };
/// # let _ = tls;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// PEM file with the CA certificates to trust instead of the built-in roots.
    pub ca_file: Option<PathBuf>,
    /// Skip certificate verification (testing only).
    pub insecure_skip_verify: bool,
    /// PEM file with the client certificate (and any intermediates) to present to nodes that
    /// require one (`tls-auth-clients yes`). Needs [`TlsOptions::client_key_file`].
    pub client_cert_file: Option<PathBuf>,
    /// PEM file with the client certificate's private key (PKCS#8, PKCS#1 or SEC1).
    pub client_key_file: Option<PathBuf>,
}

/// The RESP protocol version spoken after connecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// RESP2 (works with every server).
    #[default]
    Resp2,
    /// RESP3 via `HELLO 3` (maps, sets, doubles, pushes).
    Resp3,
}

/// Every tunable of a client, with sensible defaults.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use slotwise::{ClientOptions, ReadPolicy};
/// let opts = ClientOptions::new(["127.0.0.1:7000", "127.0.0.1:7001"])
///     .request_timeout(Duration::from_secs(2))
///     .read_policy(ReadPolicy::PreferReplica)
///     .password("secret");
/// assert!(!format!("{opts:?}").contains("secret"));
/// ```
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Seed nodes (`host:port`); any may be down.
    pub seeds: Vec<String>,
    /// Time to establish one TCP (and TLS) connection plus handshake.
    pub connect_timeout: Duration,
    /// Deadline for one request, including every redirect and retry.
    pub request_timeout: Duration,
    /// Redirects (MOVED/ASK) one request may follow.
    pub max_redirects: u32,
    /// Retries (TRYAGAIN, CLUSTERDOWN, LOADING, connection errors) one request may make.
    pub max_retries: u32,
    /// First retry delay; doubles per retry, with jitter.
    pub retry_base_delay: Duration,
    /// Largest retry delay.
    pub retry_max_delay: Duration,
    /// Background topology refresh period (also refreshes on MOVED and failures).
    pub refresh_interval: Duration,
    /// Least time between two topology refreshes (storms of MOVED cause one refresh).
    pub min_refresh_interval: Duration,
    /// Where reads go.
    pub read_policy: ReadPolicy,
    /// Announced-to-reachable address translation.
    pub address_map: AddressMap,
    /// AUTH / ACL credentials, sent on every connection.
    pub credentials: Option<Credentials>,
    /// TLS; `None` for plain TCP.
    pub tls: Option<TlsOptions>,
    /// RESP2 or RESP3.
    pub protocol: Protocol,
    /// The connection name (`CLIENT SETNAME`) sent on every connection; `None` sends none.
    pub client_name: Option<String>,
    /// The library name (`CLIENT SETINFO LIB-NAME`) sent on every connection. A server
    /// without `CLIENT SETINFO` (before Redis 7.2) refuses it; the refusal is ignored.
    pub lib_name: Option<String>,
    /// The library version (`CLIENT SETINFO LIB-VER`), likewise.
    pub lib_version: Option<String>,
    /// TCP keepalive on every node connection; `None` leaves it off.
    pub keepalive: Option<Keepalive>,
}

/// TCP keepalive (`SO_KEEPALIVE`) settings: the OS probes a connection after `idle` without
/// traffic, then every `interval`, and drops it after `retries` unanswered probes. A `None`
/// keeps the OS default. `interval` and `retries` apply on Linux, Android, macOS, iOS,
/// FreeBSD, NetBSD and Windows only (other systems have no such per-socket settings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keepalive {
    /// Time without traffic before the first probe (`TCP_KEEPIDLE`).
    pub idle: Option<Duration>,
    /// Time between probes (`TCP_KEEPINTVL`).
    pub interval: Option<Duration>,
    /// Unanswered probes before the connection is dropped (`TCP_KEEPCNT`).
    pub retries: Option<u32>,
}

impl Keepalive {
    /// Turns keepalive on for `socket` with these settings.
    pub(crate) fn apply(&self, socket: socket2::SockRef<'_>) -> std::io::Result<()> {
        let mut params = socket2::TcpKeepalive::new();
        if let Some(t) = self.idle {
            params = params.with_time(t);
        }
        #[cfg(any(
            target_os = "linux",
            target_os = "android",
            target_os = "macos",
            target_os = "ios",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "windows"
        ))]
        {
            if let Some(i) = self.interval {
                params = params.with_interval(i);
            }
            if let Some(n) = self.retries {
                params = params.with_retries(n);
            }
        }
        socket.set_tcp_keepalive(&params)
    }
}

impl ClientOptions {
    /// The timeouts in force, for error messages.
    pub(crate) fn timeouts(&self) -> crate::error::Timeouts {
        crate::error::Timeouts {
            request: self.request_timeout,
            connect: self.connect_timeout,
        }
    }

    /// An [`Error::Timeout`](crate::Error::Timeout) for a request that began at `started`
    /// and gave up now.
    pub(crate) fn timed_out(
        &self,
        slot: Option<crate::slot::Slot>,
        started: std::time::Instant,
        attempts: Vec<crate::error::Attempt>,
    ) -> crate::Error {
        crate::Error::Timeout {
            slot,
            after: started.elapsed(),
            limits: self.timeouts(),
            attempts,
        }
    }

    /// How long a request of `cmds` (a command, or a pipeline's commands) may take: the
    /// request timeout, plus the longest time one of them may block on the server (BLPOP 5,
    /// XREAD BLOCK 100...). The drivers give each request this deadline; bindings that hold
    /// a request back (while the client connects) bound the wait by it too.
    pub fn request_budget<'a>(&self, cmds: impl IntoIterator<Item = &'a crate::Cmd>) -> Duration {
        let wait = cmds
            .into_iter()
            .map(|c| crate::command::block_for(c).wait())
            .max()
            .unwrap_or_default();
        self.request_timeout.saturating_add(wait)
    }

    /// The timeout of a request a binding held back while the client discovered the
    /// cluster (its deadline passed `after` it was issued): still discovering, or (with
    /// `connected_after`) discovered that far into the deadline with no reply in the rest.
    pub fn discovery_timeout(
        &self,
        after: Duration,
        connected_after: Option<Duration>,
    ) -> crate::Error {
        let outcome = match connected_after {
            None => "the client was still discovering the cluster from its seeds".to_string(),
            Some(d) => format!(
                "the client discovered the cluster only after {} of the deadline; no reply \
                 came in the rest",
                crate::error::human(d)
            ),
        };
        crate::Error::Timeout {
            slot: None,
            after,
            limits: self.timeouts(),
            attempts: vec![crate::error::Attempt {
                node: self.seeds.join(", "),
                outcome,
            }],
        }
    }

    /// Options with defaults and the given seeds.
    pub fn new<I, S>(seeds: I) -> ClientOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ClientOptions {
            seeds: seeds.into_iter().map(Into::into).collect(),
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(5),
            max_redirects: 16,
            max_retries: 32,
            retry_base_delay: Duration::from_millis(10),
            retry_max_delay: Duration::from_millis(500),
            refresh_interval: Duration::from_secs(30),
            min_refresh_interval: Duration::from_millis(100),
            read_policy: ReadPolicy::Primary,
            address_map: AddressMap::Identity,
            credentials: None,
            tls: None,
            protocol: Protocol::Resp2,
            client_name: None,
            lib_name: None,
            lib_version: None,
            keepalive: None,
        }
    }

    /// The longest any timeout or delay may be: longer values (such as `Duration::MAX` for
    /// "no limit") are capped to it, so deadline arithmetic can never overflow.
    pub const MAX_WAIT: Duration = Duration::from_secs(365 * 24 * 3600);

    /// These options with every duration capped to [`ClientOptions::MAX_WAIT`], the refresh
    /// period at least the least refresh interval, and the least delay at least 1 ms.
    /// The clients apply this when they are created.
    pub fn normalized(mut self) -> ClientOptions {
        let cap = |d: &mut Duration| *d = (*d).min(Self::MAX_WAIT);
        cap(&mut self.connect_timeout);
        cap(&mut self.request_timeout);
        cap(&mut self.retry_base_delay);
        cap(&mut self.retry_max_delay);
        cap(&mut self.refresh_interval);
        cap(&mut self.min_refresh_interval);
        self.min_refresh_interval = self.min_refresh_interval.max(Duration::from_millis(1));
        self.refresh_interval = self.refresh_interval.max(self.min_refresh_interval);
        self
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Sets the per-request deadline.
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.request_timeout = d;
        self
    }

    /// Sets the redirect budget.
    pub fn max_redirects(mut self, n: u32) -> Self {
        self.max_redirects = n;
        self
    }

    /// Sets the retry budget and backoff bounds.
    pub fn retries(mut self, max: u32, base: Duration, cap: Duration) -> Self {
        self.max_retries = max;
        self.retry_base_delay = base;
        self.retry_max_delay = cap;
        self
    }

    /// Sets the periodic refresh interval.
    pub fn refresh_interval(mut self, d: Duration) -> Self {
        self.refresh_interval = d;
        self
    }

    /// Sets the read policy.
    pub fn read_policy(mut self, p: ReadPolicy) -> Self {
        self.read_policy = p;
        self
    }

    /// Sets the address map.
    pub fn address_map(mut self, m: AddressMap) -> Self {
        self.address_map = m;
        self
    }

    /// Authenticates the default user with a password.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.credentials = Some(Credentials {
            username: None,
            password: password.into(),
        });
        self
    }

    /// Authenticates an ACL user.
    pub fn user(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some(Credentials {
            username: Some(username.into()),
            password: password.into(),
        });
        self
    }

    /// Enables TLS.
    pub fn tls(mut self, tls: TlsOptions) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Chooses RESP2 or RESP3.
    pub fn protocol(mut self, p: Protocol) -> Self {
        self.protocol = p;
        self
    }

    /// Names every connection (`CLIENT SETNAME`).
    pub fn client_name(mut self, name: impl Into<String>) -> Self {
        self.client_name = Some(name.into());
        self
    }

    /// Turns TCP keepalive on for every node connection.
    pub fn keepalive(mut self, k: Keepalive) -> Self {
        self.keepalive = Some(k);
        self
    }

    /// Tells every connection's server the library name and version (`CLIENT SETINFO`);
    /// `None` leaves either unset.
    pub fn lib_info(mut self, name: Option<String>, version: Option<String>) -> Self {
        self.lib_name = name;
        self.lib_version = version;
        self
    }
}

#[cfg(test)]
mod normalized_tests {
    use super::*;

    #[test]
    fn keepalive_sets_the_socket_options() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let sock = socket2::SockRef::from(&stream);
        assert!(!sock.keepalive().unwrap());
        let k = Keepalive {
            idle: Some(Duration::from_secs(42)),
            interval: Some(Duration::from_secs(7)),
            retries: Some(4),
        };
        k.apply(socket2::SockRef::from(&stream)).unwrap();
        assert!(sock.keepalive().unwrap());
        #[cfg(target_os = "linux")]
        {
            assert_eq!(sock.tcp_keepalive_time().unwrap(), Duration::from_secs(42));
            assert_eq!(
                sock.tcp_keepalive_interval().unwrap(),
                Duration::from_secs(7)
            );
            assert_eq!(sock.tcp_keepalive_retries().unwrap(), 4);
        }
    }

    #[test]
    fn normalized_caps_endless_waits_and_orders_the_refresh_intervals() {
        let mut o = ClientOptions::new(["a:1"]);
        o.request_timeout = Duration::MAX;
        o.connect_timeout = Duration::MAX;
        o.refresh_interval = Duration::from_millis(1);
        o.min_refresh_interval = Duration::ZERO;
        let n = o.normalized();
        assert_eq!(n.request_timeout, ClientOptions::MAX_WAIT);
        assert_eq!(n.connect_timeout, ClientOptions::MAX_WAIT);
        assert_eq!(n.min_refresh_interval, Duration::from_millis(1));
        assert!(n.refresh_interval >= n.min_refresh_interval);
        // Deadline arithmetic with the capped values cannot overflow.
        let _ = std::time::Instant::now() + n.request_timeout + n.connect_timeout;
    }
}
