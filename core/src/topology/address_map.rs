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
    /// # Errors
    ///
    /// A [`AddressMap::fallible`] mapping that failed: why, naming the announced address.
    pub fn apply(&self, announced: String) -> Result<String, String> {
        match self {
            AddressMap::Identity => Ok(announced),
            AddressMap::Table(t) => Ok(t.get(&announced).cloned().unwrap_or(announced)),
            AddressMap::Callback(f) => match f(&announced) {
                Ok(mapped) => Ok(mapped.unwrap_or(announced)),
                Err(why) => Err(format!("the address map failed for {announced}: {why}")),
            },
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
