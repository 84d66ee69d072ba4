//! Translating the addresses nodes announce into addresses this client can reach.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::error::escape_controls;

/// Maps announced `host:port` addresses to reachable ones (NAT, Docker, port forwards).
///
/// Applied to every address learned from CLUSTER SHARDS/SLOTS and from MOVED/ASK replies.
///
/// # Examples
///
/// ```
/// use slotwise::topology::AddressMap;
/// let map = AddressMap::table([("172.17.0.2:6379", "127.0.0.1:7000")]);
/// assert_eq!(map.apply("172.17.0.2:6379".into()).unwrap(), "127.0.0.1:7000");
/// assert_eq!(map.apply("10.0.0.9:6379".into()).unwrap(), "10.0.0.9:6379"); // unmapped
///
/// let shift = AddressMap::callback(|addr: &str| addr.strip_prefix("10.0.0.").map(|rest| format!("127.0.0.{rest}")));
/// assert_eq!(shift.apply("10.0.0.5:7000".into()).unwrap(), "127.0.0.5:7000");
///
/// // A mapping that can fail: the view or the redirect that needed it fails instead of
/// // going to an address the application did not choose.
/// let strict = AddressMap::fallible(|addr: &str| match addr.strip_prefix("10.0.0.") {
///     Some(rest) => Ok(Some(format!("127.0.0.{rest}"))),
///     None => Err(format!("{addr} is outside 10.0.0.0/24")),
/// });
/// assert!(strict.apply("192.168.1.1:7000".into()).unwrap_err().contains("outside"));
/// ```
#[derive(Clone, Default)]
pub enum AddressMap {
    /// Addresses are used as announced.
    #[default]
    Identity,
    /// A fixed table; unlisted addresses are used as announced.
    Table(Arc<HashMap<String, String>>),
    /// A function: `Ok(None)` keeps the announced address, `Err` says why the mapping is
    /// broken for it.
    #[allow(clippy::type_complexity)]
    Callback(Arc<dyn Fn(&str) -> Result<Option<String>, String> + Send + Sync>),
}

impl AddressMap {
    /// A table from announced to reachable `host:port`.
    pub fn table<I, A, B>(pairs: I) -> AddressMap
    where
        I: IntoIterator<Item = (A, B)>,
        A: Into<String>,
        B: Into<String>,
    {
        AddressMap::Table(Arc::new(
            pairs
                .into_iter()
                .map(|(a, b)| (a.into(), b.into()))
                .collect(),
        ))
    }

    /// A function from announced `host:port` to reachable `host:port` (`None`: keep it).
    pub fn callback<F>(f: F) -> AddressMap
    where
        F: Fn(&str) -> Option<String> + Send + Sync + 'static,
    {
        AddressMap::Callback(Arc::new(move |a| Ok(f(a))))
    }

    /// Like [`AddressMap::callback`], for a mapping that can fail (a user callback that
    /// raised, or answered something that is not an address): `Err(why)` makes the topology
    /// view or the redirect that needed the address fail with a configuration error, so
    /// that nothing is sent to an address the mapping did not choose.
    pub fn fallible<F>(f: F) -> AddressMap
    where
        F: Fn(&str) -> Result<Option<String>, String> + Send + Sync + 'static,
    {
        AddressMap::Callback(Arc::new(f))
    }

    /// The reachable address for an announced one.
    ///
    /// Every address the map chooses (a table value or a callback's answer) must be a usable
    /// `host:port` (see [`AddressMap::check_address`]); an unusable one is refused here, so
    /// nothing is ever sent to an address neither the application nor the cluster gave.
    ///
    /// # Errors
    ///
    /// The mapping failed ([`AddressMap::fallible`]) or chose an unusable address: why,
    /// naming the announced address and what the map answered (control characters escaped).
    pub fn apply(&self, announced: String) -> Result<String, String> {
        let mapped = match self {
            AddressMap::Identity => None,
            AddressMap::Table(t) => t.get(&announced).cloned(),
            AddressMap::Callback(f) => f(&announced).map_err(|why| {
                format!(
                    "the address map failed for {}: {}",
                    escape_controls(&announced),
                    escape_controls(&why)
                )
            })?,
        };
        let Some(mapped) = mapped else {
            return Ok(announced);
        };
        match AddressMap::check_address(&mapped) {
            Ok(()) => Ok(mapped),
            Err(problem) => Err(format!(
                "the address map maps {} to {mapped:?}, which is not an address: {problem}; \
                 map it to \"host:port\" (for example \"127.0.0.1:7000\" or \"[::1]:7000\") \
                 or keep the announced address",
                escape_controls(&announced)
            )),
        }
    }

    /// Checks that `addr` is an address the client can connect to: `host:port` with a
    /// non-empty host free of whitespace and control characters (an IPv6 address in
    /// brackets, `[::1]:7000`) and a decimal port from 1 to 65535. This is the one check
    /// every address map's outputs go through; bindings also use it to refuse bad table
    /// entries when the options are built.
    ///
    /// # Errors
    ///
    /// What is wrong with `addr`, as a phrase (`the port "-5" is not ...`).
    ///
    /// # Examples
    ///
    /// ```
    /// use slotwise::topology::AddressMap;
    /// assert!(AddressMap::check_address("127.0.0.1:7000").is_ok());
    /// assert!(AddressMap::check_address("[::1]:7000").is_ok());
    /// assert!(AddressMap::check_address("127.0.0.1:-5").unwrap_err().contains("port"));
    /// ```
    pub fn check_address(addr: &str) -> Result<(), String> {
        let Some((host, port)) = addr.rsplit_once(':') else {
            return Err("there is no \":port\" after the host".into());
        };
        let port_ok = !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|p| p > 0);
        if !port_ok {
            return Err(format!("the port {port:?} is not a number from 1 to 65535"));
        }
        if let Some(inner) = host.strip_prefix('[') {
            let Some(inner) = inner.strip_suffix(']') else {
                return Err(format!(
                    "the host {host:?} opens a bracket it does not close"
                ));
            };
            if inner.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!(
                    "the bracketed host {inner:?} is not an IPv6 address"
                ));
            }
            return Ok(());
        }
        if host.is_empty() {
            return Err("the host is empty".into());
        }
        if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!(
                "the host {host:?} contains whitespace or a control character"
            ));
        }
        if host.contains(':') {
            return Err(format!(
                "the IPv6 host {host:?} must be in brackets, as in \"[::1]:7000\""
            ));
        }
        if host.contains(['[', ']']) {
            return Err(format!("the host {host:?} has a stray bracket"));
        }
        Ok(())
    }

    /// `host` and `port` as one address, putting an IPv6 host in brackets (`[::1]:7000`).
    /// The port is written as given, so that [`AddressMap::check_address`] can name a wrong
    /// one (`-5`, `70000`) instead of a binding silently truncating it.
    pub fn join(host: &str, port: impl fmt::Display) -> String {
        if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        }
    }

    /// A table like [`AddressMap::table`], refusing an entry whose addresses are not usable
    /// (see [`AddressMap::check_address`]) at once instead of when a node announces it.
    ///
    /// # Errors
    ///
    /// The first bad entry: both its addresses and what is wrong.
    pub fn checked_table<I, A, B>(pairs: I) -> Result<AddressMap, String>
    where
        I: IntoIterator<Item = (A, B)>,
        A: Into<String>,
        B: Into<String>,
    {
        let mut table = HashMap::new();
        for (announced, reachable) in pairs {
            let (announced, reachable) = (announced.into(), reachable.into());
            for (which, addr) in [("announced", &announced), ("reachable", &reachable)] {
                if let Err(problem) = AddressMap::check_address(addr) {
                    return Err(format!(
                        "the address map entry {announced:?} -> {reachable:?} is not usable: \
                         the {which} address {addr:?} is not \"host:port\" ({problem}); \
                         write both as \"host:port\", for example \"127.0.0.1:7000\" or \
                         \"[::1]:7000\""
                    ));
                }
            }
            table.insert(announced, reachable);
        }
        Ok(AddressMap::Table(Arc::new(table)))
    }
}

impl fmt::Debug for AddressMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressMap::Identity => f.write_str("Identity"),
            AddressMap::Table(t) => f.debug_tuple("Table").field(t).finish(),
            AddressMap::Callback(_) => f.write_str("Callback(..)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usable_addresses_pass_the_check() {
        for ok in [
            "127.0.0.1:7000",
            "localhost:1",
            "[::1]:65535",
            "node-3.example:6379",
        ] {
            assert_eq!(AddressMap::check_address(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn unusable_addresses_are_refused_saying_what_is_wrong() {
        for (bad, problem) in [
            ("", "no \":port\""),
            ("127.0.0.1", "no \":port\""),
            ("127.0.0.1:", "port \"\" is not a number from 1 to 65535"),
            ("127.0.0.1:0", "port \"0\""),
            ("127.0.0.1:-5", "port \"-5\""),
            ("127.0.0.1:+7000", "port \"+7000\""),
            ("127.0.0.1:65536", "port \"65536\""),
            ("127.0.0.1:abc", "port \"abc\""),
            (":7000", "the host is empty"),
            ("127.0.0.1 :7000", "\"127.0.0.1 \" contains whitespace"),
            (
                "127.0.0.1\n:7000",
                "\"127.0.0.1\\n\" contains whitespace or a control",
            ),
            (
                "a\u{1b}b:7000",
                "\"a\\u{1b}b\" contains whitespace or a control",
            ),
            ("::1:7000", "must be in brackets"),
            ("[::1:7000", "opens a bracket"),
            ("[]:7000", "\"\" is not an IPv6 address"),
            ("[localhost]:7000", "\"localhost\" is not an IPv6 address"),
            ("a]:7000", "stray bracket"),
        ] {
            let e = AddressMap::check_address(bad).unwrap_err();
            assert!(e.contains(problem), "{bad:?}: {e}");
        }
    }

    #[test]
    fn join_brackets_ipv6_hosts_and_keeps_the_port_as_given() {
        assert_eq!(AddressMap::join("127.0.0.1", 7000), "127.0.0.1:7000");
        assert_eq!(AddressMap::join("::1", 7000), "[::1]:7000");
        assert_eq!(AddressMap::join("[::1]", 7000), "[::1]:7000");
        assert_eq!(AddressMap::join("h", -5), "h:-5");
        assert!(AddressMap::check_address(&AddressMap::join("h", -5)).is_err());
    }

    #[test]
    fn a_callback_answer_that_is_not_an_address_is_refused_naming_both_addresses() {
        let map = AddressMap::callback(|a: &str| match a {
            "10.0.0.1:6379" => Some("127.0.0.1:-5".into()),
            "10.0.0.2:6379" => Some("127.0.0.1\u{7}:7000".into()),
            "10.0.0.3:6379" => Some("127.0.0.1:7003".into()),
            _ => None,
        });
        let e = map.apply("10.0.0.1:6379".into()).unwrap_err();
        assert!(
            e.contains("maps 10.0.0.1:6379 to \"127.0.0.1:-5\", which is not an address"),
            "{e}"
        );
        assert!(
            e.contains("the port \"-5\" is not a number from 1 to 65535"),
            "{e}"
        );
        let e = map.apply("10.0.0.2:6379".into()).unwrap_err();
        assert!(e.contains("\"127.0.0.1\\u{7}:7000\""), "{e}");
        assert!(
            !e.contains('\u{7}'),
            "control characters are escaped: {e:?}"
        );
        assert_eq!(map.apply("10.0.0.3:6379".into()).unwrap(), "127.0.0.1:7003");
        assert_eq!(map.apply("10.0.0.4:6379".into()).unwrap(), "10.0.0.4:6379");
    }

    #[test]
    fn a_failing_callback_is_explained_with_control_characters_escaped() {
        let map = AddressMap::fallible(|_| Err("boom\r\n\u{1b}[31m".into()));
        let e = map.apply("10.0.0.1\u{0}:6379".into()).unwrap_err();
        assert_eq!(
            e,
            "the address map failed for 10.0.0.1\\x00:6379: boom\\r\\n\\x1b[31m"
        );
    }

    #[test]
    fn a_bad_table_value_is_refused_when_used_and_when_the_table_is_built() {
        let map = AddressMap::table([("10.0.0.1:6379", "127.0.0.1 :7000")]);
        let e = map.apply("10.0.0.1:6379".into()).unwrap_err();
        assert!(
            e.contains("maps 10.0.0.1:6379 to \"127.0.0.1 :7000\""),
            "{e}"
        );

        let e = AddressMap::checked_table([("10.0.0.1:6379", "127.0.0.1:99999")]).unwrap_err();
        assert!(
            e.contains("\"10.0.0.1:6379\" -> \"127.0.0.1:99999\" is not usable"),
            "{e}"
        );
        assert!(
            e.contains("the reachable address \"127.0.0.1:99999\""),
            "{e}"
        );
        let e = AddressMap::checked_table([("10.0.0.1", "127.0.0.1:7000")]).unwrap_err();
        assert!(e.contains("the announced address \"10.0.0.1\""), "{e}");

        let ok = AddressMap::checked_table([("10.0.0.1:6379", "[::1]:7000")]).unwrap();
        assert_eq!(ok.apply("10.0.0.1:6379".into()).unwrap(), "[::1]:7000");
    }
}
