//! `Router::decide`: what happens after each kind of outcome.

use std::time::{Duration, Instant};

use crate::error::Error;
use crate::resp::{ClusterDownReason, ServerErrorKind, Value};
use crate::topology::AddressMap;

use super::super::{Action, Outcome, Router};
use super::*;

fn reply(
    r: &Router,
    st: &mut super::super::RequestState,
    from: &str,
    v: Value,
    now: Instant,
) -> Action {
    r.decide(st, from, Outcome::Reply(v), true, now)
}

fn primary(r: &Router, n: u16) -> Option<String> {
    r.topology().primary_of(slot(n)).map(|a| a.to_string())
}

#[track_caller]
fn assert_retry(a: &Action) -> (Duration, bool) {
    match a {
        Action::Retry { delay, reconnect } => (*delay, *reconnect),
        other => panic!("expected a retry, got {other:?}"),
    }
}

#[track_caller]
fn done_err(a: Action) -> Error {
    match a {
        Action::Done(Err(e)) => e,
        other => panic!("expected a final error, got {other:?}"),
    }
}

#[test]
fn a_plain_reply_is_handed_to_the_caller_untouched() {
    let r = router();
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), now);
    match reply(&r, &mut st, P0, bulk("v"), now) {
        Action::Done(Ok(v)) => assert_eq!(v, bulk("v")),
        other => panic!("{other:?}"),
    }
    match reply(&r, &mut st, P0, Value::Nil, now) {
        Action::Done(Ok(Value::Nil)) => {}
        other => panic!("{other:?}"),
    }
    assert!(st.attempts.is_empty());
    assert!(!r.refresh_gate().is_wanted());
    assert_eq!(r.stats(), crate::stats::Stats::default());
}

#[test]
fn follows_moved_patches_the_slot_at_once_and_asks_for_a_refresh() {
    let r = router();
    let now = Instant::now();
    assert_eq!(primary(&r, 3999).as_deref(), Some(P0));
    assert!(!r.refresh_gate().is_wanted());
    let mut st = r.new_request(Some(slot(3999)), now);
    let a = reply(&r, &mut st, P0, err("MOVED 3999 127.0.0.1:7002"), now);
    match a {
        Action::Redirect { addr, asking } => {
            assert_eq!(&*addr, P2);
            assert!(!asking);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(primary(&r, 3999).as_deref(), Some(P2));
    // Only that slot moved.
    assert_eq!(primary(&r, 3998).as_deref(), Some(P0));
    assert_eq!(primary(&r, 4000).as_deref(), Some(P0));
    assert!(r.refresh_gate().is_wanted());
    assert_eq!(r.stats().moved, 1);
    assert_eq!(r.stats().ask, 0);
    assert_eq!(st.redirects, 1);
    assert_eq!(st.retries, 0);
    assert_eq!(st.attempts.len(), 1);
    assert_eq!(st.attempts[0].node, P0);
    assert_eq!(st.attempts[0].outcome, "MOVED 3999 127.0.0.1:7002");
}

#[test]
fn moved_for_another_slot_than_the_request_tracks_the_redirected_slot() {
    let r = router();
    let now = Instant::now();
    let mut st = r.new_request(None, now);
    reply(&r, &mut st, P0, err("MOVED 12 127.0.0.1:7001"), now);
    assert_eq!(st.slot, Some(slot(12)));
    assert_eq!(primary(&r, 12).as_deref(), Some(P1));
}

#[test]
fn moved_to_an_unknown_node_adds_it_as_the_slots_primary() {
    let r = router();
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(100)), now);
    let a = reply(&r, &mut st, P0, err("MOVED 100 10.1.1.1:6379"), now);
    assert!(
        matches!(a, Action::Redirect { ref addr, asking: false } if &**addr == "10.1.1.1:6379")
    );
    assert_eq!(primary(&r, 100).as_deref(), Some("10.1.1.1:6379"));
    assert_eq!(primary(&r, 101).as_deref(), Some(P0));
}

#[test]
fn follows_ask_without_updating_the_slot_map() {
    let r = router();
    let now = Instant::now();
    let before = r.topology();
    let mut st = r.new_request(Some(slot(3999)), now);
    let a = reply(&r, &mut st, P0, err("ASK 3999 127.0.0.1:7002"), now);
    match a {
        Action::Redirect { addr, asking } => {
            assert_eq!(&*addr, P2);
            assert!(asking);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(primary(&r, 3999).as_deref(), Some(P0));
    assert_eq!(*r.topology(), *before);
    assert!(
        !r.refresh_gate().is_wanted(),
        "ASK is transient: no refresh"
    );
    assert_eq!(r.stats().ask, 1);
    assert_eq!(r.stats().moved, 0);
    assert_eq!(st.redirects, 1);
}

#[test]
fn blob_error_replies_are_classified_like_simple_errors() {
    let r = router();
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3999)), now);
    let v = Value::BlobError(Bytes::from_static(b"MOVED 3999 127.0.0.1:7001"));
    let a = reply(&r, &mut st, P0, v, now);
    assert!(matches!(a, Action::Redirect { ref addr, asking: false } if &**addr == P1));
}

#[test]
fn moved_with_empty_host_uses_the_answering_nodes_host() {
    let r = router();
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3999)), now);
    let a = reply(&r, &mut st, P0, err("MOVED 3999 :7002"), now);
    assert!(
        matches!(a, Action::Redirect { ref addr, asking: false } if &**addr == P2),
        "{a:?}"
    );
    assert_eq!(primary(&r, 3999).as_deref(), Some(P2));
}

#[test]
fn ask_with_empty_host_uses_the_answering_nodes_host() {
    let r = router();
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3999)), now);
    let a = reply(&r, &mut st, P0, err("ASK 3999 :7001"), now);
    assert!(
        matches!(a, Action::Redirect { ref addr, asking: true } if &**addr == P1),
        "{a:?}"
    );
}

#[test]
fn moved_with_empty_host_from_an_ipv6_node_keeps_the_brackets() {
    let r = Router::new(ClientOptions::new(["[::1]:7000"]));
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3999)), now);
    let a = reply(&r, &mut st, "[::1]:7000", err("MOVED 3999 :7002"), now);
    assert!(
        matches!(a, Action::Redirect { ref addr, .. } if &**addr == "[::1]:7002"),
        "{a:?}"
    );
    assert_eq!(primary(&r, 3999).as_deref(), Some("[::1]:7002"));
}

#[test]
fn moved_to_an_ipv6_host_gets_brackets() {
    for text in ["MOVED 3999 ::1:7002", "MOVED 3999 [::1]:7002"] {
        let r = router();
        let now = Instant::now();
        let mut st = r.new_request(Some(slot(3999)), now);
        let a = reply(&r, &mut st, P0, err(text), now);
        assert!(
            matches!(a, Action::Redirect { ref addr, .. } if &**addr == "[::1]:7002"),
            "{text}: {a:?}"
        );
    }
}

#[test]
fn moved_to_an_unknown_endpoint_retries_after_a_refresh_without_touching_the_map() {
    let r = router();
    let now = Instant::now();
    let before = r.topology();
    let mut st = r.new_request(Some(slot(3999)), now);
    let a = reply(&r, &mut st, P0, err("MOVED 3999 ?:7002"), now);
    let (delay, reconnect) = assert_retry(&a);
    assert!(!reconnect);
    assert!(delay <= r.options().retry_max_delay);
    assert!(r.refresh_gate().is_wanted());
    assert_eq!(*r.topology(), *before);
    assert_eq!(st.retries, 1);
    assert_eq!(st.redirects, 0);
}

#[test]
fn moved_back_to_the_node_that_sent_it_reconnects_instead_of_looping() {
    let r = router();
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3999)), now);
    let a = reply(&r, &mut st, P0, err("MOVED 3999 127.0.0.1:7000"), now);
    let (delay, reconnect) = assert_retry(&a);
    assert_eq!(delay, Duration::ZERO);
    assert!(reconnect);
    assert!(r.refresh_gate().is_wanted());
    assert_eq!(primary(&r, 3999).as_deref(), Some(P0));
    // Still bounded by the redirect budget.
    assert_eq!(st.redirects, 1);
}

#[test]
fn moved_targets_go_through_the_address_map() {
    let map = AddressMap::table([("172.17.0.4:6379", P2)]);
    let r = router_with(opts().address_map(map));
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3999)), now);
    let a = reply(&r, &mut st, P0, err("MOVED 3999 172.17.0.4:6379"), now);
    assert!(
        matches!(a, Action::Redirect { ref addr, .. } if &**addr == P2),
        "{a:?}"
    );
    assert_eq!(primary(&r, 3999).as_deref(), Some(P2));
    let mut st = r.new_request(Some(slot(4000)), now);
    let a = reply(&r, &mut st, P0, err("ASK 4000 172.17.0.4:6379"), now);
    assert!(
        matches!(a, Action::Redirect { ref addr, asking: true } if &**addr == P2),
        "{a:?}"
    );
}

#[test]
fn a_redirect_the_address_map_cannot_map_fails_the_request_and_leaves_the_map_alone() {
    let map = AddressMap::fallible(|a: &str| Err(format!("{a} is not ours")));
    let r = router_with(opts().address_map(map));
    let now = Instant::now();
    let before = primary(&r, 3999);
    let mut st = r.new_request(Some(slot(3999)), now);
    let a = reply(&r, &mut st, P0, err("MOVED 3999 172.17.0.4:6379"), now);
    match a {
        Action::Done(Err(Error::Config(m))) => assert!(
            m.contains("the address map failed for 172.17.0.4:6379: 172.17.0.4:6379 is not ours"),
            "{m}"
        ),
        other => panic!("expected a configuration error, got {other:?}"),
    }
    assert_eq!(primary(&r, 3999), before, "the slot map is not patched");
}

#[test]
fn moved_back_to_the_sender_is_detected_after_the_address_map() {
    let map = AddressMap::table([("172.17.0.2:6379", P0)]);
    let r = router_with(opts().address_map(map));
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3999)), now);
    let a = reply(&r, &mut st, P0, err("MOVED 3999 172.17.0.2:6379"), now);
    assert!(assert_retry(&a).1);
}

#[test]
fn redirect_budget_spent_error_names_the_slot_nodes_tried_and_their_answers() {
    let r = router_with(opts().max_redirects(3));
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3999)), now);
    let nodes = [P0, P1];
    let mut last = None;
    for i in 0..=3 {
        let from = nodes[i % 2];
        let to = nodes[(i + 1) % 2];
        let a = reply(&r, &mut st, from, err(&format!("MOVED 3999 {to}")), now);
        if i < 3 {
            assert!(
                matches!(a, Action::Redirect { ref addr, .. } if &**addr == to),
                "redirect {i}: {a:?}"
            );
        } else {
            last = Some(a);
        }
    }
    let e = done_err(last.unwrap());
    match &e {
        Error::RedirectBudget {
            slot: s,
            redirects,
            attempts,
        } => {
            assert_eq!(*s, Some(slot(3999)));
            assert_eq!(
                *redirects, 3,
                "the message counts redirects followed, not tries"
            );
            assert_eq!(attempts.len(), 4);
            assert_eq!(attempts[0].node, P0);
            assert_eq!(attempts[1].node, P1);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.code(), "REDIRECT_BUDGET");
    let msg = e.to_string();
    assert!(msg.contains("slot 3999"), "{msg}");
    assert!(msg.contains("gave up after 3 redirects"), "{msg}");
    assert!(msg.contains(P0) && msg.contains(P1), "{msg}");
    assert!(msg.contains("MOVED 3999 127.0.0.1:7001"), "{msg}");
    assert!(msg.contains("MOVED 3999 127.0.0.1:7000"), "{msg}");
    assert_eq!(r.stats().moved, 3);
}

#[test]
fn ask_redirects_count_against_the_same_budget() {
    let r = router_with(opts().max_redirects(2));
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(10)), now);
    assert!(matches!(
        reply(&r, &mut st, P0, err("ASK 10 127.0.0.1:7001"), now),
        Action::Redirect { .. }
    ));
    assert!(matches!(
        reply(&r, &mut st, P1, err("MOVED 10 127.0.0.1:7002"), now),
        Action::Redirect { .. }
    ));
    let e = done_err(reply(&r, &mut st, P2, err("ASK 10 127.0.0.1:7000"), now));
    assert!(matches!(e, Error::RedirectBudget { .. }), "{e:?}");
}

#[test]
fn tryagain_and_loading_retry_after_a_bounded_backoff_without_a_refresh() {
    for text in [
        "TRYAGAIN Multiple keys request during rehashing of slot",
        "LOADING Redis is loading the dataset in memory",
    ] {
        let r = router_with(opts().retries(5, ms(20), ms(200)));
        let now = Instant::now();
        let mut st = r.new_request(Some(slot(3300)), now);
        for n in 0..5u32 {
            let a = reply(&r, &mut st, P0, err(text), now);
            let (delay, reconnect) = assert_retry(&a);
            assert!(!reconnect, "{text}");
            let nominal = (ms(20) * (1 << n)).min(ms(200));
            assert!(delay >= ms(10), "{text}: {delay:?} below base/2");
            assert!(delay <= ms(200), "{text}: {delay:?} above the cap");
            assert!(
                delay >= nominal / 2 && delay < nominal,
                "{text} retry {n}: {delay:?}"
            );
        }
        assert_eq!(st.retries, 5);
        assert_eq!(r.stats().retries, 5);
        assert!(!r.refresh_gate().is_wanted(), "{text} needs no refresh");
        assert_eq!(st.attempts.len(), 5);
        assert!(st
            .attempts
            .iter()
            .all(|a| a.node == P0 && a.outcome == text));
    }
}

#[test]
fn clusterdown_readonly_and_masterdown_retry_and_ask_for_a_refresh() {
    let cases = [
        (
            "CLUSTERDOWN The cluster is down",
            Some(ClusterDownReason::Down),
        ),
        (
            "CLUSTERDOWN The cluster is down and only accepts read commands",
            Some(ClusterDownReason::ReadOnly),
        ),
        (
            "CLUSTERDOWN Hash slot not served",
            Some(ClusterDownReason::SlotNotServed),
        ),
        (
            "READONLY You can't write against a read only replica.",
            None,
        ),
        (
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
            None,
        ),
    ];
    for (text, reason) in cases {
        let r = router();
        let now = Instant::now();
        let mut st = r.new_request(Some(slot(3300)), now);
        let a = r.decide(&mut st, P0, Outcome::Reply(err(text)), false, now);
        let (delay, reconnect) = assert_retry(&a);
        assert!(!reconnect, "{text}");
        assert!(delay <= r.options().retry_max_delay, "{text}");
        assert!(
            r.refresh_gate().is_wanted(),
            "{text} must ask for a refresh"
        );
        assert_eq!(r.stats().retries, 1, "{text}");
        assert_eq!(st.attempts[0].outcome, text);
        if let Some(reason) = reason {
            assert_eq!(
                crate::resp::ServerError::parse(text.as_bytes()).kind,
                ServerErrorKind::ClusterDown(reason)
            );
        }
    }
}

#[test]
fn retry_budget_exhausted_returns_the_last_server_error() {
    let r = router_with(opts().retries(2, ms(1), ms(1)));
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), now);
    assert_retry(&reply(&r, &mut st, P0, err("TRYAGAIN busy"), now));
    assert_retry(&reply(&r, &mut st, P0, err("TRYAGAIN busy"), now));
    let e = done_err(reply(
        &r,
        &mut st,
        P0,
        err("CLUSTERDOWN Hash slot not served"),
        now,
    ));
    match &e {
        Error::Server { error, node } => {
            assert_eq!(node, P0);
            assert_eq!(error.text, "CLUSTERDOWN Hash slot not served");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.code(), "CLUSTERDOWN");
    assert!(e.is_transient());
    assert_eq!(r.stats().retries, 2);
}

#[test]
fn zero_retry_budget_fails_on_the_first_transient_error() {
    let r = router_with(opts().retries(0, ms(1), ms(1)));
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), now);
    let e = done_err(reply(&r, &mut st, P0, err("LOADING dataset"), now));
    assert_eq!(e.code(), "LOADING");
}

#[test]
fn a_backoff_that_would_pass_the_deadline_ends_with_a_timeout_listing_the_attempts() {
    let r = router_with(
        opts()
            .request_timeout(ms(1000))
            .retries(10, ms(10), ms(100)),
    );
    let start = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), start);
    assert_retry(&reply(&r, &mut st, P0, err("TRYAGAIN one"), at(start, 100)));
    // 995 ms in, the second retry waits at least 10 ms: past the deadline.
    let e = done_err(reply(&r, &mut st, P1, err("LOADING two"), at(start, 995)));
    match &e {
        Error::Timeout {
            slot: s,
            after,
            limits,
            attempts,
        } => {
            assert_eq!(*s, Some(slot(3300)));
            // How long it really ran, and the timeout in force.
            assert_eq!(*after, ms(995));
            assert_eq!(limits.request, ms(1000));
            assert_eq!(attempts.len(), 2);
            assert_eq!(attempts[1].node, P1);
        }
        other => panic!("{other:?}"),
    }
    let msg = e.to_string();
    assert!(msg.contains("slot 3300"), "{msg}");
    assert!(
        msg.contains("TRYAGAIN one") && msg.contains("LOADING two"),
        "{msg}"
    );
    assert!(msg.contains(P0) && msg.contains(P1), "{msg}");
    assert_eq!(e.code(), "TIMEOUT");
}

#[test]
fn a_deadline_shorter_than_the_first_backoff_times_out_at_once() {
    let r = router_with(opts().request_timeout(ms(5)).retries(10, ms(100), ms(100)));
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), now);
    let e = done_err(reply(&r, &mut st, P0, err("TRYAGAIN x"), now));
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    assert_eq!(st.retries, 0);
    assert_eq!(r.stats().retries, 0);
}

#[test]
fn not_sent_is_retried_on_a_fresh_connection_after_a_refresh() {
    let r = router();
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), now);
    let a = r.decide(
        &mut st,
        P0,
        Outcome::NotSent(io_error(P0, "connection refused")),
        false,
        now,
    );
    let (_, reconnect) = assert_retry(&a);
    assert!(reconnect);
    assert!(r.refresh_gate().is_wanted());
    assert_eq!(st.attempts[0].node, P0);
    assert!(st.attempts[0].outcome.contains("connection refused"));
}

#[test]
fn not_sent_after_the_retry_budget_returns_the_connection_error() {
    let r = router_with(opts().retries(1, ms(1), ms(1)));
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), now);
    assert_retry(&r.decide(
        &mut st,
        P0,
        Outcome::NotSent(io_error(P0, "refused")),
        false,
        now,
    ));
    let e = done_err(r.decide(
        &mut st,
        P0,
        Outcome::NotSent(io_error(P0, "refused again")),
        false,
        now,
    ));
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("refused again"));
}

#[test]
fn not_sent_because_of_credentials_or_config_is_final() {
    let r = router();
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), now);
    let auth = Error::Auth {
        node: P0.into(),
        message: "WRONGPASS invalid username-password pair".into(),
    };
    let e = done_err(r.decide(&mut st, P0, Outcome::NotSent(auth), true, now));
    assert!(matches!(e, Error::Auth { .. }));
    let e = done_err(r.decide(
        &mut st,
        P0,
        Outcome::NotSent(Error::Config("bad".into())),
        true,
        now,
    ));
    assert!(matches!(e, Error::Config(_)));
    assert_eq!(st.retries, 0);
}

#[test]
fn a_lost_reply_of_a_read_is_retried_on_a_fresh_connection() {
    let r = router();
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), now);
    let a = r.decide(&mut st, P0, Outcome::Lost(io_error(P0, "reset")), true, now);
    let (_, reconnect) = assert_retry(&a);
    assert!(reconnect);
    assert!(r.refresh_gate().is_wanted());
}

#[test]
fn a_lost_reply_of_a_write_is_reported_as_maybe_applied() {
    let r = router();
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), now);
    let e = done_err(r.decide(
        &mut st,
        P0,
        Outcome::Lost(io_error(P0, "reset by peer")),
        false,
        now,
    ));
    assert!(
        matches!(e, Error::Io { ref node, .. } if node == P0),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(msg.contains("may or may not have been applied"), "{msg}");
    assert!(msg.contains("reset by peer"), "{msg}");
    assert!(r.refresh_gate().is_wanted());
    assert_eq!(st.retries, 0);
}

#[test]
fn a_lost_reply_because_of_the_deadline_is_a_timeout() {
    let r = router();
    let start = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), start);
    let timeout = Error::Timeout {
        slot: None,
        after: ms(5),
        limits: Default::default(),
        attempts: Vec::new(),
    };
    let now = start + r.options().request_timeout + ms(3);
    let e = done_err(r.decide(&mut st, P0, Outcome::Lost(timeout), true, now));
    match &e {
        Error::Timeout {
            slot: s,
            after,
            limits,
            attempts,
        } => {
            assert_eq!(*s, Some(slot(3300)));
            assert_eq!(*after, r.options().request_timeout + ms(3));
            assert_eq!(limits.request, r.options().request_timeout);
            assert_eq!(limits.connect, r.options().connect_timeout);
            assert_eq!(attempts.len(), 1);
            assert_eq!(attempts[0].node, P0);
        }
        other => panic!("{other:?}"),
    }
    assert!(r.refresh_gate().is_wanted());
}

#[test]
fn a_lost_reply_after_the_deadline_is_a_timeout_even_for_a_read() {
    let r = router_with(opts().request_timeout(ms(100)));
    let start = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), start);
    let e = done_err(r.decide(
        &mut st,
        P0,
        Outcome::Lost(io_error(P0, "reset")),
        true,
        at(start, 100),
    ));
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
}

#[test]
fn a_protocol_error_fails_fast_even_for_a_read() {
    let r = router();
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), now);
    let e = Error::Protocol {
        node: P0.into(),
        error: crate::resp::ProtocolError {
            kind: crate::resp::ProtocolErrorKind::ExpectedCrlf,
            offset: 7,
        },
    };
    let e = done_err(r.decide(&mut st, P0, Outcome::Lost(e), true, now));
    assert!(matches!(e, Error::Protocol { .. }), "{e:?}");
    assert_eq!(e.code(), "PROTOCOL");
    assert_eq!(st.retries, 0);
    assert_eq!(st.attempts.len(), 1);
    assert_eq!(r.stats().retries, 0);
}

#[test]
fn no_route_retries_after_asking_for_a_refresh() {
    let r = router();
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), now);
    let (_, reconnect) = assert_retry(&r.decide(&mut st, "-", Outcome::NoRoute, true, now));
    assert!(!reconnect);
    assert!(r.refresh_gate().is_wanted());
    assert_eq!(st.attempts[0].node, "-");
}

#[test]
fn no_route_until_the_budget_is_spent_is_a_clusterdown_naming_the_slot() {
    let r = router_with(opts().retries(1, ms(1), ms(1)));
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(42)), now);
    assert_retry(&r.decide(&mut st, "-", Outcome::NoRoute, true, now));
    let e = done_err(r.decide(&mut st, "-", Outcome::NoRoute, true, now));
    assert_eq!(e.code(), "CLUSTERDOWN");
    assert!(e.to_string().contains("slot 42"), "{e}");
    let mut st = r.new_request(None, now);
    assert_retry(&r.decide(&mut st, "-", Outcome::NoRoute, true, now));
    let e = done_err(r.decide(&mut st, "-", Outcome::NoRoute, true, now));
    assert!(e.to_string().contains("cluster map is empty"), "{e}");
}

#[test]
fn other_error_replies_are_the_commands_answer() {
    let r = router();
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), now);
    let text = "WRONGTYPE Operation against a key holding the wrong kind of value";
    let e = done_err(reply(&r, &mut st, P0, err(text), now));
    match &e {
        Error::Server { error, node } => {
            assert_eq!(error.code(), "WRONGTYPE");
            assert_eq!(error.kind, ServerErrorKind::Other);
            assert_eq!(error.text, text);
            assert_eq!(node, P0);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.code(), "WRONGTYPE");
    assert!(!e.is_transient());
    assert!(!r.refresh_gate().is_wanted());
    assert_eq!(st.retries, 0);
    for text in [
        "ERR syntax error",
        "NOPERM this user has no permissions",
        "CROSSSLOT Keys in request don't hash to the same slot",
    ] {
        let e = done_err(reply(&r, &mut st, P0, err(text), now));
        assert!(matches!(e, Error::Server { .. }), "{text}: {e:?}");
    }
}

#[test]
fn noauth_and_wrongpass_become_auth_errors() {
    let r = router();
    let now = Instant::now();
    for text in [
        "NOAUTH Authentication required.",
        "WRONGPASS invalid username-password pair or user is disabled.",
    ] {
        let mut st = r.new_request(Some(slot(3300)), now);
        let e = done_err(reply(&r, &mut st, P1, err(text), now));
        match &e {
            Error::Auth { node, message } => {
                assert_eq!(node, P1);
                assert_eq!(message, text);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(e.code(), "NOAUTH");
    }
}

#[test]
fn backoff_grows_exponentially_is_capped_and_jittered() {
    let r = router_with(opts().retries(10, ms(10), ms(100)));
    let nominal = [10u64, 20, 40, 80, 100, 100, 100];
    for _ in 0..200 {
        for (n, &nom) in nominal.iter().enumerate() {
            let d = r.backoff(n as u32);
            assert!(d >= ms(nom) / 2, "retry {n}: {d:?}");
            assert!(d < ms(nom), "retry {n}: {d:?}");
        }
        // Huge retry numbers neither overflow nor pass the cap.
        for n in [16, 17, 31, 32, 1000, u32::MAX] {
            let d = r.backoff(n);
            assert!(d >= ms(50) && d < ms(100), "retry {n}: {d:?}");
        }
    }
    let samples: std::collections::HashSet<Duration> = (0..64).map(|_| r.backoff(3)).collect();
    assert!(samples.len() > 1, "no jitter: {samples:?}");
}

#[test]
fn backoff_uses_the_whole_jitter_range() {
    let r = router_with(opts().retries(10, ms(1000), ms(1000)));
    let samples: Vec<f64> = (0..2000).map(|_| r.backoff(0).as_secs_f64()).collect();
    let lo = samples.iter().cloned().fold(f64::MAX, f64::min);
    let hi = samples.iter().cloned().fold(f64::MIN, f64::max);
    assert!((0.5..0.55).contains(&lo), "lowest {lo}");
    assert!(hi > 0.95 && hi < 1.0, "highest {hi}");
}

#[test]
fn the_attempt_trail_is_bounded() {
    let r = router_with(
        opts()
            .retries(1000, ms(1), ms(1))
            .request_timeout(Duration::from_secs(3600)),
    );
    let now = Instant::now();
    let mut st = r.new_request(Some(slot(3300)), now);
    for _ in 0..100 {
        assert_retry(&reply(&r, &mut st, P0, err("TRYAGAIN"), now));
    }
    assert_eq!(st.retries, 100);
    assert_eq!(st.attempts.len(), 32);
}

#[test]
fn host_of_strips_port_and_ipv6_brackets() {
    use super::super::host_of;
    assert_eq!(host_of("127.0.0.1:7000"), "127.0.0.1");
    assert_eq!(host_of("[::1]:7000"), "::1");
    assert_eq!(host_of("redis-0.example:6379"), "redis-0.example");
    assert_eq!(host_of("localhost"), "localhost");
}

#[test]
fn new_request_takes_the_configured_deadline() {
    let r = router_with(opts().request_timeout(ms(1234)));
    let now = Instant::now();
    let st = r.new_request(Some(slot(1)), now);
    assert_eq!(st.deadline, now + ms(1234));
    assert_eq!(st.timeout, ms(1234));
    assert_eq!((st.redirects, st.retries), (0, 0));
}

#[test]
fn an_invalid_redirect_is_a_protocol_error_quoting_it_and_changes_nothing() {
    for text in [
        "MOVED 99999 127.0.0.1:7001",
        "MOVED 7629 127.0.0.1:99999",
        "MOVED 7629",
        "ASK 7629 evil\r\nhost:7001",
    ] {
        let r = router();
        let before = r.topology();
        let now = Instant::now();
        let mut st = r.new_request(Some(slot(3300)), now);
        let e = done_err(reply(&r, &mut st, P0, err(text), now));
        assert!(matches!(e, Error::Protocol { .. }), "{text}: {e:?}");
        assert_eq!(e.code(), "PROTOCOL");
        let msg = e.to_string();
        assert!(msg.contains("invalid redirect"), "{msg}");
        assert!(msg.contains(P0), "names the node: {msg}");
        assert!(!msg.chars().any(char::is_control), "{msg:?}");
        let quoted = crate::error::escape_controls(text);
        assert!(msg.contains(&*quoted), "quotes the reply: {msg}");
        assert_eq!(r.topology(), before, "{text} must not touch the map");
        assert_eq!(r.stats().moved + r.stats().ask, 0);
    }
}
