//! Live resharding of more than 1,000 slots while readers and writers run: the application
//! sees zero errors and every value written reads back afterwards.

mod common;

use std::time::Duration;

use common::{verify_all, Load};
use slotwise::{blocking::Client, ClientOptions};
use slotwise_testcluster::{ClusterOptions, TestCluster};

#[test]
fn live_resharding_of_1200_slots_under_load_shows_the_application_no_error() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let client = Client::connect(ClientOptions::new(cluster.seeds())).unwrap();
    let primaries = cluster.primaries().unwrap();
    let (from, to) = (primaries[0].addr.clone(), primaries[1].addr.clone());

    let load = Load::start(&client, 4);
    load.wait_for_ops(500, Duration::from_secs(30));
    cluster.reshard(&from, &to, 1200).unwrap();
    load.wait_for_ops(500, Duration::from_secs(30));
    let report = load.stop();

    assert!(
        report.errors.is_empty(),
        "application saw errors: {:?}",
        &report.errors[..report.errors.len().min(5)]
    );
    assert!(report.wrong_reads.is_empty(), "{:?}", report.wrong_reads);
    let stats = client.stats();
    assert!(
        stats.moved + stats.ask > 0,
        "the reshard was not observed: {stats:?}"
    );
    let bad = verify_all(&client, &report.written);
    assert!(
        bad.is_empty(),
        "{} of {} values lost: {:?}",
        bad.len(),
        report.written.len(),
        &bad[..bad.len().min(5)]
    );
    println!(
        "reshard: {} ops, {} keys verified, {stats:?}",
        report.ok,
        report.written.len()
    );
}
