//! `Router::node_for`, replicas, refresh candidates and installing views.

use std::collections::HashSet;
use std::sync::Arc;

use crate::options::ReadPolicy;
use crate::topology::{Health, Topology};

use super::super::{Router, Target};
use super::*;

fn read(n: u16) -> Target {
    Target::Slot {
        slot: slot(n),
        readonly: true,
    }
}

fn write(n: u16) -> Target {
    Target::Slot {
        slot: slot(n),
        readonly: false,
    }
}

fn pick(r: &Router, t: &Target) -> String {
    addr_of(r.node_for(t)).expect("a node")
}

/// Shard 0 with two replicas, the second one failed.
fn with_failed_replica() -> Topology {
    let mut s0 = shard(P0, &[R0, "127.0.0.1:7006"], vec![(0, 5460)]);
    s0.replicas[1].health = Health::Failed;
    Topology::from_shards(vec![
        s0,
        shard(P1, &[R1], vec![(5461, 10922)]),
        shard(P2, &[R2], vec![(10923, 16383)]),
    ])
}

#[test]
fn primary_policy_sends_reads_and_writes_to_the_primary() {
    let r = router();
    for _ in 0..5 {
        assert_eq!(pick(&r, &read(0)), P0);
        assert_eq!(pick(&r, &write(0)), P0);
        assert_eq!(pick(&r, &read(5460)), P0);
        assert_eq!(pick(&r, &read(5461)), P1);
        assert_eq!(pick(&r, &write(10922)), P1);
        assert_eq!(pick(&r, &read(10923)), P2);
        assert_eq!(pick(&r, &write(16383)), P2);
    }
}

#[test]
fn prefer_replica_reads_from_a_replica_and_writes_to_the_primary() {
    let r = router_with(opts().read_policy(ReadPolicy::PreferReplica));
    for _ in 0..5 {
        assert_eq!(pick(&r, &read(0)), R0);
        assert_eq!(pick(&r, &read(6000)), R1);
        assert_eq!(pick(&r, &read(16000)), R2);
        assert_eq!(pick(&r, &write(0)), P0);
        assert_eq!(pick(&r, &write(6000)), P1);
    }
}

#[test]
fn prefer_replica_skips_failed_replicas_and_falls_back_to_the_primary() {
    let r = router_with(opts().read_policy(ReadPolicy::PreferReplica));
    r.set_topology(with_failed_replica());
    for _ in 0..10 {
        assert_eq!(pick(&r, &read(0)), R0);
    }
    let mut only_failed = shard(P0, &[R0], vec![(0, 16383)]);
    only_failed.replicas[0].health = Health::Failed;
    r.set_topology(Topology::from_shards(vec![only_failed]));
    for _ in 0..5 {
        assert_eq!(pick(&r, &read(0)), P0);
    }
    // Redis 7.0 reports every replica as loading (it gossips replication offset 0), so a
    // loading replica serves when none is online; an online one is preferred.
    let mut loading = shard(P0, &[R0], vec![(0, 16383)]);
    loading.replicas[0].health = Health::Loading;
    r.set_topology(Topology::from_shards(vec![loading]));
    assert_eq!(pick(&r, &read(0)), R0);
    let mut mixed = shard(P0, &[R0, R1], vec![(0, 16383)]);
    mixed.replicas[0].health = Health::Loading;
    r.set_topology(Topology::from_shards(vec![mixed]));
    for _ in 0..5 {
        assert_eq!(pick(&r, &read(0)), R1);
    }
    r.set_topology(Topology::from_shards(vec![shard(
        P0,
        &[],
        vec![(0, 16383)],
    )]));
    assert_eq!(pick(&r, &read(0)), P0);
}

#[test]
fn prefer_replica_spreads_reads_over_healthy_replicas() {
    let r = router_with(opts().read_policy(ReadPolicy::PreferReplica));
    r.set_topology(Topology::from_shards(vec![shard(
        P0,
        &[R0, R1],
        vec![(0, 16383)],
    )]));
    let seen: HashSet<String> = (0..10).map(|_| pick(&r, &read(0))).collect();
    assert_eq!(seen, HashSet::from([R0.to_string(), R1.to_string()]));
}

#[test]
fn round_robin_cycles_over_healthy_replicas_and_the_primary() {
    let r = router_with(opts().read_policy(ReadPolicy::RoundRobin));
    r.set_topology(with_failed_replica());
    let picks: Vec<String> = (0..6).map(|_| pick(&r, &read(0))).collect();
    let seen: HashSet<&str> = picks.iter().map(|s| s.as_str()).collect();
    assert_eq!(seen, HashSet::from([P0, R0]), "{picks:?}");
    // Consecutive reads alternate between the two.
    for w in picks.windows(2) {
        assert_ne!(w[0], w[1], "{picks:?}");
    }
    for _ in 0..5 {
        assert_eq!(pick(&r, &write(0)), P0);
    }
}

#[test]
fn round_robin_without_replicas_uses_the_primary() {
    let r = router_with(opts().read_policy(ReadPolicy::RoundRobin));
    r.set_topology(Topology::from_shards(vec![shard(
        P0,
        &[],
        vec![(0, 16383)],
    )]));
    for _ in 0..4 {
        assert_eq!(pick(&r, &read(7)), P0);
    }
}

#[test]
fn any_rotates_over_the_primaries_only() {
    let r = router_with(opts().read_policy(ReadPolicy::RoundRobin));
    let picks: Vec<String> = (0..6).map(|_| pick(&r, &Target::Any)).collect();
    let seen: HashSet<&str> = picks.iter().map(|s| s.as_str()).collect();
    assert_eq!(seen, HashSet::from([P0, P1, P2]), "{picks:?}");
}

#[test]
fn a_node_target_is_used_as_given() {
    let r = router();
    let t = Target::Node(Arc::from("10.9.9.9:1"));
    assert_eq!(pick(&r, &t), "10.9.9.9:1");
}

#[test]
fn unassigned_slots_and_an_empty_map_have_no_route() {
    let r = Router::new(opts());
    assert_eq!(r.node_for(&read(0)), None);
    assert_eq!(r.node_for(&write(0)), None);
    assert_eq!(r.node_for(&Target::Any), None);
    r.set_topology(Topology::from_shards(vec![shard(P0, &[R0], vec![(0, 99)])]));
    assert_eq!(addr_of(r.node_for(&write(99))).as_deref(), Some(P0));
    assert_eq!(r.node_for(&write(100)), None);
    assert_eq!(r.node_for(&read(100)), None);
}

#[test]
fn refresh_candidates_are_known_nodes_then_seeds_without_duplicates() {
    let r = router_with(ClientOptions::new([
        P0,
        "10.0.0.1:6379",
        R1,
        "10.0.0.2:6379",
    ]));
    let c = r.refresh_candidates();
    assert_eq!(c.len(), 8, "{c:?}");
    let known: HashSet<&str> = c[..6].iter().map(|s| s.as_str()).collect();
    assert_eq!(known, HashSet::from([P0, P1, P2, R0, R1, R2]));
    assert_eq!(&c[6..], ["10.0.0.1:6379", "10.0.0.2:6379"]);
    let unique: HashSet<&String> = c.iter().collect();
    assert_eq!(unique.len(), c.len());
}

#[test]
fn refresh_candidates_rotate_so_refreshes_spread_over_nodes() {
    let r = router();
    let firsts: HashSet<String> = (0..6).map(|_| r.refresh_candidates()[0].clone()).collect();
    assert!(firsts.len() > 1, "{firsts:?}");
}

#[test]
fn refresh_candidates_without_a_map_are_the_seeds() {
    let r = Router::new(ClientOptions::new(["10.0.0.1:6379", "10.0.0.2:6379"]));
    assert_eq!(r.refresh_candidates(), ["10.0.0.1:6379", "10.0.0.2:6379"]);
}

#[test]
fn refresh_candidates_have_no_duplicates_after_a_moved_to_a_replica() {
    // A failover promoted R0; a MOVED to it arrives before the refresh.
    let r = router();
    r.patch_slot(slot(0), R0);
    let c = r.refresh_candidates();
    let unique: HashSet<&String> = c.iter().collect();
    assert_eq!(unique.len(), c.len(), "{c:?}");
    assert_eq!(c.len(), 6, "{c:?}");
}

#[test]
fn patch_slot_to_the_current_owner_keeps_the_same_map() {
    let r = router();
    let before = r.topology();
    r.patch_slot(slot(0), P0);
    assert!(Arc::ptr_eq(&before, &r.topology()));
    r.patch_slot(slot(0), P1);
    assert!(!Arc::ptr_eq(&before, &r.topology()));
    assert_eq!(
        addr_of(r.topology().primary_of(slot(0)).cloned()).as_deref(),
        Some(P1)
    );
}

#[test]
fn install_views_picks_the_majority_and_counts_the_refresh() {
    let r = Router::new(opts());
    assert!(!r.install_views(Vec::new()));
    assert_eq!(r.stats().refreshes, 0);
    let stale = Topology::from_shards(vec![shard(P0, &[], vec![(0, 16383)])]);
    assert!(r.install_views(vec![stale, three_shards(), three_shards()]));
    assert_eq!(*r.topology(), three_shards());
    assert_eq!(r.stats().refreshes, 1);
}
