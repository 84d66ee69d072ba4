//! Error replies that steer routing, parsed into a typed form.

use std::fmt;

use crate::slot::Slot;
use crate::topology::AddressMap;

/// The host part of a redirect target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RedirectHost {
    /// A hostname or IP address (IPv6 without brackets).
    Name(String),
    /// `MOVED 3999 :6381`: the empty host means "the host of the connection that answered".
    SameAsConnection,
    /// `?`: the server does not know the endpoint; refresh the topology instead of connecting.
    Unknown,
}

/// Where a MOVED or ASK reply points.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Redirect {
    /// The slot the redirect is about.
    pub slot: Slot,
    /// The target host.
    pub host: RedirectHost,
    /// The target port.
    pub port: u16,
}

impl Redirect {
    /// The `host:port` to connect to, resolving the empty-host form against the host of the
    /// connection that answered. `None` for an unknown (`?`) endpoint.
    pub fn address(&self, answering_host: &str) -> Option<String> {
        match &self.host {
            RedirectHost::Name(h) => Some(AddressMap::join(h, self.port)),
            RedirectHost::SameAsConnection
                if answering_host.contains(':') && !answering_host.starts_with('[') =>
            {
                Some(format!("[{answering_host}]:{}", self.port))
            }
            RedirectHost::SameAsConnection => Some(format!("{answering_host}:{}", self.port)),
            RedirectHost::Unknown => None,
        }
    }
}

/// Which of the server's three CLUSTERDOWN texts was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterDownReason {
    /// `CLUSTERDOWN The cluster is down`.
    Down,
    /// `CLUSTERDOWN The cluster is down and only accepts read commands`.
    ReadOnly,
    /// `CLUSTERDOWN Hash slot not served`.
    SlotNotServed,
    /// Any other CLUSTERDOWN text.
    Other,
}

/// An error reply, classified by its leading code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerErrorKind {
    /// The slot lives elsewhere for good: update the map.
    Moved(Redirect),
    /// The slot is migrating and this key is already at the target: ASKING + retry there once.
    Ask(Redirect),
    /// Multi-key request during a slot migration: retry later.
    TryAgain,
    /// The cluster (or this slot) is not serving.
    ClusterDown(ClusterDownReason),
    /// The node is loading its dataset.
    Loading,
    /// A write reached a replica (for instance a demoted primary).
    ReadOnly,
    /// The replica lost its primary and does not serve stale data.
    MasterDown,
    /// The keys of one command hash to different slots.
    CrossSlot,
    /// Authentication is required (`NOAUTH`) or failed (`WRONGPASS`).
    Auth,
    /// The ACL user may not run this command or touch these keys.
    NoPerm,
    /// A `MOVED` or `ASK` reply that cannot be followed (slot out of range, no address, a
    /// port outside 1..65535, a host with whitespace or control characters): the node is
    /// broken or not a Redis Cluster node. The text says what is wrong.
    InvalidRedirect(&'static str),
    /// Any other error (`ERR`, `WRONGTYPE`, ...): returned to the caller as is.
    Other,
}

/// An error reply from a node: its text and what it means for routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    /// The classified kind.
    pub kind: ServerErrorKind,
    /// The full error text as sent (without the leading `-`).
    pub text: String,
}

impl ServerError {
    /// Classifies an error reply's text.
    ///
    /// # Examples
    ///
    /// ```
    /// use slotwise::resp::{ServerError, ServerErrorKind, RedirectHost};
    /// let e = ServerError::parse(b"MOVED 3999 127.0.0.1:6381");
    /// let ServerErrorKind::Moved(r) = e.kind else { panic!() };
    /// assert_eq!((r.slot.get(), r.port), (3999, 6381));
    /// assert_eq!(r.host, RedirectHost::Name("127.0.0.1".into()));
    /// ```
    ///
    /// Control characters in the text (a blob error may carry CR and LF) are escaped in
    /// [`ServerError::text`], so the text can go into messages and logs as it is.
    pub fn parse(text: &[u8]) -> ServerError {
        let raw = String::from_utf8_lossy(text);
        let kind = classify(&raw);
        let text = crate::error::escape_controls(&raw).into_owned();
        ServerError { kind, text }
    }

    /// The first word of the error (`MOVED`, `ERR`, `WRONGTYPE`, ...).
    pub fn code(&self) -> &str {
        self.text.split(' ').next().unwrap_or("")
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn classify(text: &str) -> ServerErrorKind {
    let (code, rest) = text.split_once(' ').unwrap_or((text, ""));
    match code {
        "MOVED" => parse_redirect(rest)
            .map_or_else(ServerErrorKind::InvalidRedirect, ServerErrorKind::Moved),
        "ASK" => {
            parse_redirect(rest).map_or_else(ServerErrorKind::InvalidRedirect, ServerErrorKind::Ask)
        }
        "TRYAGAIN" => ServerErrorKind::TryAgain,
        "CLUSTERDOWN" => ServerErrorKind::ClusterDown(match rest {
            "The cluster is down" => ClusterDownReason::Down,
            "The cluster is down and only accepts read commands" => ClusterDownReason::ReadOnly,
            "Hash slot not served" => ClusterDownReason::SlotNotServed,
            _ => ClusterDownReason::Other,
        }),
        "LOADING" => ServerErrorKind::Loading,
        "READONLY" => ServerErrorKind::ReadOnly,
        "MASTERDOWN" => ServerErrorKind::MasterDown,
        "CROSSSLOT" => ServerErrorKind::CrossSlot,
        "NOAUTH" | "WRONGPASS" => ServerErrorKind::Auth,
        "NOPERM" => ServerErrorKind::NoPerm,
        _ => ServerErrorKind::Other,
    }
}

/// `<slot> <host>:<port>`; the host may be empty, `?`, a name, or an IPv6 address (split on
/// the last `:`; brackets tolerated). Anything else says what is wrong with it.
fn parse_redirect(rest: &str) -> Result<Redirect, &'static str> {
    let (slot, endpoint) = rest
        .trim_end_matches(' ')
        .split_once(' ')
        .ok_or("no target address after the slot")?;
    let slot = slot
        .parse::<u16>()
        .ok()
        .and_then(Slot::new)
        .ok_or("the slot is not a number in 0..16383")?;
    let (host, port) = endpoint
        .rsplit_once(':')
        .ok_or("the target is not host:port")?;
    let port = port
        .parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or("the port is not a number in 1..65535")?;
    let host = match host {
        "" => RedirectHost::SameAsConnection,
        "?" => RedirectHost::Unknown,
        h => {
            let h = h.strip_prefix('[').unwrap_or(h);
            let h = h.strip_suffix(']').unwrap_or(h);
            if AddressMap::check_address(&AddressMap::join(h, port)).is_err() {
                return Err("the host is empty, not an IPv6 address in brackets, or contains whitespace or control characters");
            }
            RedirectHost::Name(h.to_string())
        }
    };
    Ok(Redirect { slot, host, port })
}
