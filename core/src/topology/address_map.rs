//! Translating the addresses nodes announce into addresses this client can reach.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// Maps announced `host:port` addresses to reachable ones (NAT, Docker, port forwards).
///
/// Applied to every address learned from CLUSTER SHARDS/SLOTS and from MOVED/ASK replies.
///
/// # Examples
///
/// ```
/// use slotwise::topology::AddressMap;
/// let map = AddressMap::table([("172.17.0.2:6379", "127.0.0.1:7000")]);
/// assert_eq!(map.apply("172.17.0.2:6379".into()), "127.0.0.1:7000");
/// assert_eq!(map.apply("10.0.0.9:6379".into()), "10.0.0.9:6379"); // unmapped: unchanged
///
/// let shift = AddressMap::callback(|addr: &str| addr.strip_prefix("10.0.0.").map(|rest| format!("127.0.0.{rest}")));
/// assert_eq!(shift.apply("10.0.0.5:7000".into()), "127.0.0.5:7000");
/// ```
#[derive(Clone, Default)]
pub enum AddressMap {
    /// Addresses are used as announced.
    #[default]
    Identity,
    /// A fixed table; unlisted addresses are used as announced.
    Table(Arc<HashMap<String, String>>),
    /// A function; `None` keeps the announced address.
    #[allow(clippy::type_complexity)]
    Callback(Arc<dyn Fn(&str) -> Option<String> + Send + Sync>),
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

    /// A function from announced `host:port` to reachable `host:port`.
    pub fn callback<F>(f: F) -> AddressMap
    where
        F: Fn(&str) -> Option<String> + Send + Sync + 'static,
    {
        AddressMap::Callback(Arc::new(f))
    }

    /// The reachable address for an announced one.
    pub fn apply(&self, announced: String) -> String {
        match self {
            AddressMap::Identity => announced,
            AddressMap::Table(t) => t.get(&announced).cloned().unwrap_or(announced),
            AddressMap::Callback(f) => f(&announced).unwrap_or(announced),
        }
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
