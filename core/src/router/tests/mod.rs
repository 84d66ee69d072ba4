//! Unit tests of the sans-I/O router: decisions, node choice, refresh gating and plans.
//!
//! The fixture is a three-shard cluster on 127.0.0.1 (primaries 7000-7002 owning the usual
//! 0-5460 / 5461-10922 / 10923-16383 split, one replica each on 7003-7005). Time is passed
//! explicitly, so nothing sleeps and nothing opens a socket.

mod aggregate;
mod decide;
mod follow;
mod plan;
mod refresh;
mod routing;

use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::error::Error;
use crate::options::ClientOptions;
use crate::resp::Value;
use crate::slot::{key_slot, Slot};
use crate::topology::{Health, Node, Role, Shard, Topology};

use super::Router;

pub(super) const P0: &str = "127.0.0.1:7000";
pub(super) const P1: &str = "127.0.0.1:7001";
pub(super) const P2: &str = "127.0.0.1:7002";
pub(super) const R0: &str = "127.0.0.1:7003";
pub(super) const R1: &str = "127.0.0.1:7004";
pub(super) const R2: &str = "127.0.0.1:7005";

// Keys and the shard that owns them (slots checked in `fixture_keys_hash_where_expected`).
/// Slot 3300, shard 0.
pub(super) const K0: &str = "b";
/// Slot 3168, shard 0 (another slot of the same shard).
pub(super) const K0B: &str = "f";
/// Slot 7365, shard 1.
pub(super) const K1: &str = "c";
/// Slot 15495, shard 2.
pub(super) const K2: &str = "a";

pub(super) fn node(addr: &str, role: Role, health: Health) -> Node {
    Node {
        addr: addr.into(),
        id: None,
        role,
        health,
    }
}

pub(super) fn shard(primary: &str, replicas: &[&str], ranges: Vec<(u16, u16)>) -> Shard {
    Shard {
        primary: node(primary, Role::Primary, Health::Online),
        replicas: replicas
            .iter()
            .map(|r| node(r, Role::Replica, Health::Online))
            .collect(),
        ranges,
    }
}

pub(super) fn three_shards() -> Topology {
    Topology::from_shards(vec![
        shard(P0, &[R0], vec![(0, 5460)]),
        shard(P1, &[R1], vec![(5461, 10922)]),
        shard(P2, &[R2], vec![(10923, 16383)]),
    ])
}

pub(super) fn opts() -> ClientOptions {
    ClientOptions::new([P0])
}

pub(super) fn router_with(opts: ClientOptions) -> Router {
    let r = Router::new(opts);
    r.set_topology(three_shards());
    r
}

pub(super) fn router() -> Router {
    router_with(opts())
}

pub(super) fn slot(n: u16) -> Slot {
    Slot::new(n).expect("slot below 16384")
}

pub(super) fn err(text: &str) -> Value {
    Value::Error(Bytes::copy_from_slice(text.as_bytes()))
}

pub(super) fn bulk(text: &str) -> Value {
    Value::Bulk(Bytes::copy_from_slice(text.as_bytes()))
}

pub(super) fn simple(text: &str) -> Value {
    Value::Simple(Bytes::copy_from_slice(text.as_bytes()))
}

pub(super) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub(super) fn io_error(node: &str, msg: &str) -> Error {
    Error::io(
        node,
        std::io::Error::new(std::io::ErrorKind::ConnectionReset, msg.to_string()),
    )
}

pub(super) fn addr_of(a: Option<std::sync::Arc<str>>) -> Option<String> {
    a.map(|a| a.to_string())
}

/// A point in time for tests: a fixed base plus an offset.
pub(super) fn at(base: Instant, offset_ms: u64) -> Instant {
    base + ms(offset_ms)
}

#[test]
fn fixture_keys_hash_where_expected() {
    let t = three_shards();
    let owner = |k: &str| t.primary_of(key_slot(k.as_bytes())).map(|a| a.to_string());
    assert_eq!(key_slot(K0.as_bytes()).get(), 3300);
    assert_eq!(key_slot(K0B.as_bytes()).get(), 3168);
    assert_eq!(key_slot(K1.as_bytes()).get(), 7365);
    assert_eq!(key_slot(K2.as_bytes()).get(), 15495);
    assert_eq!(owner(K0).as_deref(), Some(P0));
    assert_eq!(owner(K0B).as_deref(), Some(P0));
    assert_eq!(owner(K1).as_deref(), Some(P1));
    assert_eq!(owner(K2).as_deref(), Some(P2));
}
