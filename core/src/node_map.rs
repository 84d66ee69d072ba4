//! Maps keyed by node address (`host:port`), looked up on every request by both drivers'
//! connection pools: a small FNV-1a hasher instead of SipHash, whose HashDoS resistance
//! buys nothing for a handful of addresses that come from the cluster itself.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// FNV-1a, 64-bit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AddrHasher(u64);

impl Default for AddrHasher {
    fn default() -> Self {
        AddrHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for AddrHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type Build = BuildHasherDefault<AddrHasher>;

/// A map from node address to `V`.
pub(crate) type NodeMap<V> = HashMap<Arc<str>, V, Build>;

/// A set of node addresses.
pub(crate) type NodeSet = HashSet<Arc<str>, Build>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_hash_apart_and_look_up_by_str() {
        let mut m: NodeMap<u32> = NodeMap::default();
        for (i, port) in (7000..7100).enumerate() {
            m.insert(format!("127.0.0.1:{port}").into(), i as u32);
        }
        assert_eq!(m.len(), 100);
        assert_eq!(m.get("127.0.0.1:7042"), Some(&42));
        assert_eq!(m.get("127.0.0.1:8000"), None);
        let mut s = NodeSet::default();
        assert!(s.insert("10.0.0.1:6379".into()));
        assert!(!s.insert("10.0.0.1:6379".into()));
        assert!(s.remove("10.0.0.1:6379"));
    }

    #[test]
    fn fnv1a_check_values() {
        let h = |s: &[u8]| {
            let mut x = AddrHasher::default();
            x.write(s);
            x.finish()
        };
        assert_eq!(h(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(h(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(h(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
