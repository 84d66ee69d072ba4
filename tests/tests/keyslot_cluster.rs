//! `slotwise::slot::key_slot` agrees with a real server's `CLUSTER KEYSLOT` on keys built to
//! stress hash-tag parsing: binary bytes, braces anywhere, empty tags, nested and lone braces.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use slotwise::resp::Value;
use slotwise::slot::key_slot;
use slotwise_testcluster::{ClusterOptions, TestCluster};

fn hex(key: &[u8]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

fn keys() -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = [
        &b""[..],
        b"{",
        b"}",
        b"{}",
        b"}{",
        b"{{}}",
        b"{{}",
        b"{}}",
        b"{}{}",
        b"{{{{",
        b"}}}}",
        b"{a}",
        b"{a}{b}",
        b"{}{a}",
        b"{{a}}",
        b"a{b{c}d}e",
        b"foo",
        b"{user1000}.following",
        b"\x00{\x00}\x00",
        b"\xff{}\xff",
    ]
    .iter()
    .map(|k| k.to_vec())
    .collect();
    let mut rng = StdRng::seed_from_u64(0x5107_5e15);
    while keys.len() < 12_000 {
        let len = rng.random_range(0..40);
        let mut key: Vec<u8> = (0..len).map(|_| rng.random::<u8>()).collect();
        match rng.random_range(0..10) {
            // Only braces.
            0 => {
                key = (0..rng.random_range(1..8))
                    .map(|_| if rng.random_bool(0.5) { b'{' } else { b'}' })
                    .collect()
            }
            // An empty tag somewhere.
            1 => {
                let at = rng.random_range(0..=key.len());
                key.splice(at..at, *b"{}");
            }
            // Nested braces.
            2 => {
                let at = rng.random_range(0..=key.len());
                key.splice(at..at, *b"{{x}y}");
            }
            // Braces at random positions.
            _ => {
                for _ in 0..rng.random_range(0..5) {
                    let at = rng.random_range(0..=key.len());
                    let brace = if rng.random_bool(0.5) { b'{' } else { b'}' };
                    key.insert(at, brace);
                }
            }
        }
        keys.push(key);
    }
    keys
}

#[test]
fn key_slot_matches_cluster_keyslot() {
    let cluster = TestCluster::start(ClusterOptions {
        primaries: 1,
        replicas_per_primary: 0,
        ..ClusterOptions::default()
    })
    .unwrap();
    let mut conn = cluster.conn(&cluster.seeds()[0]).unwrap();
    let keys = keys();
    assert!(keys.len() >= 10_000);
    let mut mismatches = Vec::new();
    for batch in keys.chunks(1000) {
        let cmds: Vec<[&[u8]; 3]> = batch
            .iter()
            .map(|k| [&b"CLUSTER"[..], b"KEYSLOT", k])
            .collect();
        let replies = conn.pipeline(&cmds).unwrap();
        for (key, reply) in batch.iter().zip(replies) {
            let ours = i64::from(key_slot(key).get());
            if reply != Value::Int(ours) {
                mismatches.push(format!("key {} server {reply:?} ours {ours}", hex(key)));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches, first: {:#?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(10)]
    );
}
