//! A blocking client used in a child after fork() reconnects on its own; the parent's
//! connections are untouched.

use slotwise::{blocking::Client, ClientOptions};
use slotwise_testcluster::{ClusterOptions, TestCluster};

#[test]
fn a_client_used_after_fork_reconnects_in_the_child_and_the_parent_keeps_working() {
    let cluster = TestCluster::start(ClusterOptions::default()).unwrap();
    let c = Client::connect(ClientOptions::new(cluster.seeds())).unwrap();
    for i in 0..50 {
        c.set(format!("fork:{i}"), i).unwrap();
    }
    // SAFETY: the child only uses the client (no locks are held by other threads here) and
    // leaves with _exit, never returning into the test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let ok = (0..50).all(|i| c.get::<i64>(format!("fork:{i}")).ok() == Some(i))
            && c.set("fork:child", "was here").is_ok();
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waiting for the child we just forked.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "child failed: {status}"
    );
    for i in 0..50 {
        assert_eq!(c.get::<i64>(format!("fork:{i}")).unwrap(), i);
    }
    assert_eq!(c.get::<String>("fork:child").unwrap(), "was here");
}
