//! Seeds that are down, unresolvable or not cluster nodes; AUTH with an ACL user on every
//! node, including nodes learned from redirects.

use std::time::Duration;

use slotwise::slot::key_slot;
use slotwise::{blocking::Client, ClientOptions, Error};
use slotwise_testcluster::{ClusterOptions, StandaloneRedis, TestCluster};

/// A loopback port nothing listens on.
fn dead_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap().to_string();
    drop(l);
    a
}

#[test]
fn seeds_first_down_all_down_unresolvable_and_standalone() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let short =
        |seeds: Vec<String>| ClientOptions::new(seeds).connect_timeout(Duration::from_millis(500));

    // First seed down (and one unresolvable): the next one is used.
    let mut seeds = vec![dead_addr(), "no-such-host.invalid:7000".to_string()];
    seeds.extend(cluster.seeds());
    let c = Client::connect(short(seeds)).unwrap();
    c.set("k", "v").unwrap();
    assert_eq!(c.topology().assigned_slots(), 16384);

    // All seeds down: a clear error naming each seed.
    let (a, b) = (dead_addr(), dead_addr());
    let err = Client::connect(short(vec![a.clone(), b.clone()])).unwrap_err();
    assert!(matches!(err, Error::NoSeedReachable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&a) && msg.contains(&b) && msg.contains("check the seed addresses"),
        "{msg}"
    );

    // A standalone Redis as the only seed: says cluster support is off there.
    let standalone = StandaloneRedis::start().unwrap();
    let err = Client::connect(short(vec![standalone.addr()])).unwrap_err();
    assert!(
        matches!(err, Error::ClusterSupportDisabled { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("cluster support is disabled"),
        "{err}"
    );

    // No seeds at all.
    let err = Client::connect(ClientOptions::new(Vec::<String>::new())).unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");

    // The async client reports the same.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = rt
        .block_on(slotwise::aio::Client::connect(short(vec![
            standalone.addr()
        ])))
        .unwrap_err();
    assert!(
        matches!(err, Error::ClusterSupportDisabled { .. }),
        "{err:?}"
    );
}

#[test]
fn acl_user_on_every_node_including_redirect_targets_and_wrong_password_fails_fast() {
    let cluster = TestCluster::start(ClusterOptions {
        acl_user: Some(("app".into(), "s3cret-pw".into())),
        ..ClusterOptions::default()
    })
    .unwrap();
    let opts = ClientOptions::new(cluster.seeds()).user("app", "s3cret-pw");
    let c = Client::connect(opts.clone()).unwrap();
    for i in 0..100 {
        c.set(format!("auth:{i}"), i).unwrap();
    }
    // Move a slot: the redirect target is reached with the same credentials.
    let key = "auth:7";
    let slot = key_slot(key.as_bytes()).get();
    let source = cluster.primary_for_slot(slot).unwrap();
    let target = cluster
        .primaries()
        .unwrap()
        .into_iter()
        .map(|n| n.addr)
        .find(|a| *a != source)
        .unwrap();
    cluster.move_slot(slot, &target).unwrap();
    let v: i64 = c.get(key).unwrap();
    assert_eq!(v, 7);
    assert!(c.stats().moved >= 1);

    // Wrong password: an authentication error, quickly, without the password in it.
    let bad = ClientOptions::new(cluster.seeds())
        .user("app", "wrong-pw")
        .connect_timeout(Duration::from_secs(1));
    let err = Client::connect(bad.clone()).unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(
        err.to_string().contains("check the username and password"),
        "{err}"
    );
    assert!(!err.to_string().contains("wrong-pw"));
    assert!(!format!("{err:?}").contains("wrong-pw"));
    assert!(!format!("{bad:?}").contains("wrong-pw"));
    assert!(!format!("{c:?}").contains("s3cret-pw"));

    // No credentials at all against a protected cluster: also an authentication error.
    let err = Client::connect(ClientOptions::new(cluster.seeds())).unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");

    // Async client with RESP3 (HELLO 3 AUTH ...) works against the same nodes.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let a = slotwise::aio::Client::connect(opts.protocol(slotwise::Protocol::Resp3))
            .await
            .unwrap();
        let v: i64 = a.get(key).await.unwrap();
        assert_eq!(v, 7);
        let h: std::collections::HashMap<String, String> = a.hgetall("nohash").await.unwrap();
        assert!(h.is_empty());
    });
}

#[test]
fn a_user_without_cluster_rights_gets_a_permission_error_not_an_authentication_error() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    for addr in cluster.addrs() {
        let mut admin = cluster.conn(&addr).unwrap();
        admin
            .cmd_str(&[
                "ACL",
                "SETUSER",
                "nocluster",
                "on",
                ">pw",
                "~*",
                "&*",
                "+@all",
                "-cluster",
            ])
            .unwrap();
    }
    let opts = ClientOptions::new(cluster.seeds())
        .user("nocluster", "pw")
        .connect_timeout(Duration::from_secs(2));
    let check = |err: Error| {
        assert!(matches!(err, Error::NoPermission { .. }), "{err:?}");
        assert_eq!(err.code(), "NOPERM");
        let msg = err.to_string();
        assert!(msg.contains("+cluster|shards +cluster|slots"), "{msg}");
        assert!(!msg.contains("check the username and password"), "{msg}");
        assert!(!msg.contains("pw\"") && !format!("{err:?}").contains(">pw"));
    };
    check(Client::connect(opts.clone()).unwrap_err());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    check(
        rt.block_on(slotwise::aio::Client::connect(opts))
            .unwrap_err(),
    );
    // With the grants the message names, the same user connects.
    for addr in cluster.addrs() {
        let mut admin = cluster.conn(&addr).unwrap();
        let mut rule = vec!["ACL", "SETUSER", "nocluster"];
        rule.extend(slotwise::error::GRANTS.split(' '));
        admin.cmd_str(&rule).unwrap();
    }
    let c = Client::connect(ClientOptions::new(cluster.seeds()).user("nocluster", "pw")).unwrap();
    c.set("perm:k", 1).unwrap();
}
