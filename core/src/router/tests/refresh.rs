//! `RefreshGate`: coalescing, spacing and the periodic refresh.

use std::time::{Duration, Instant};

use super::super::RefreshGate;
use super::*;

fn gate() -> RefreshGate {
    RefreshGate::new(ms(100), Duration::from_secs(30))
}

/// A gate that has completed one refresh at `t0`, with nothing wanted.
fn refreshed_at(t0: Instant) -> RefreshGate {
    let g = gate();
    assert!(g.try_begin(t0));
    g.end(t0, true);
    assert!(!g.is_wanted());
    g
}

#[test]
fn the_first_refresh_may_start_at_once() {
    let g = gate();
    assert!(!g.is_wanted());
    assert_eq!(g.next_due(Instant::now()), Duration::ZERO);
    assert!(g.try_begin(Instant::now()));
}

#[test]
fn many_wants_before_the_refresh_cause_exactly_one() {
    let g = gate();
    let t0 = Instant::now();
    for _ in 0..50 {
        g.want();
    }
    assert!(g.is_wanted());
    let begun = (0..10).filter(|_| g.try_begin(t0)).count();
    assert_eq!(begun, 1);
    assert!(!g.is_wanted(), "starting the refresh consumes the wants");
}

#[test]
fn concurrent_callers_start_one_refresh() {
    let g = std::sync::Arc::new(gate());
    g.want();
    let t0 = Instant::now();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let g = g.clone();
            std::thread::spawn(move || (0..100).filter(|_| g.try_begin(t0)).count())
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, 1);
}

#[test]
fn a_second_refresh_within_min_interval_is_refused() {
    let t0 = Instant::now();
    let g = refreshed_at(t0);
    g.want();
    assert!(!g.try_begin(t0));
    assert!(!g.try_begin(at(t0, 99)));
    assert!(g.is_wanted(), "a refused start keeps the refresh wanted");
    assert!(g.try_begin(at(t0, 100)));
    assert!(!g.is_wanted());
}

#[test]
fn after_end_and_min_interval_a_new_want_starts_a_refresh() {
    let t0 = Instant::now();
    let g = refreshed_at(t0);
    // Nothing wanted: no refresh even after min_interval.
    assert!(!g.try_begin(at(t0, 500)));
    g.want();
    assert!(g.try_begin(at(t0, 500)));
    g.end(at(t0, 600), true);
    g.want();
    assert!(
        !g.try_begin(at(t0, 650)),
        "spacing counts from the end of the last refresh"
    );
    assert!(g.try_begin(at(t0, 700)));
}

#[test]
fn a_periodic_refresh_is_due_after_the_period_without_any_want() {
    let t0 = Instant::now();
    let g = refreshed_at(t0);
    assert!(!g.try_begin(t0 + Duration::from_secs(29)));
    assert!(g.try_begin(t0 + Duration::from_secs(30)));
}

#[test]
fn a_failed_refresh_leaves_it_wanted_and_retries_after_min_interval() {
    let t0 = Instant::now();
    let g = gate();
    g.want();
    assert!(g.try_begin(t0));
    g.end(t0, false);
    assert!(g.is_wanted());
    assert!(!g.try_begin(at(t0, 50)));
    assert!(g.try_begin(at(t0, 100)));
}

#[test]
fn a_want_during_a_running_refresh_is_kept_for_the_next_one() {
    let t0 = Instant::now();
    let g = gate();
    assert!(g.try_begin(t0));
    g.want(); // e.g. a MOVED that the running refresh may already have missed
    assert!(!g.try_begin(t0), "only one refresh at a time");
    g.end(at(t0, 10), true);
    assert!(g.is_wanted());
    assert!(g.try_begin(at(t0, 110)));
}

#[test]
fn next_due_is_min_interval_when_wanted_else_the_period() {
    let t0 = Instant::now();
    let g = refreshed_at(t0);
    assert_eq!(g.next_due(t0), Duration::from_secs(30));
    assert_eq!(g.next_due(at(t0, 1000)), Duration::from_secs(29));
    assert_eq!(g.next_due(t0 + Duration::from_secs(31)), Duration::ZERO);
    g.want();
    assert_eq!(g.next_due(t0), ms(100));
    assert_eq!(g.next_due(at(t0, 40)), ms(60));
    assert_eq!(g.next_due(at(t0, 400)), Duration::ZERO);
}

#[test]
fn the_routers_gate_uses_the_configured_intervals() {
    let mut o = opts().refresh_interval(Duration::from_secs(5));
    o.min_refresh_interval = ms(250);
    let r = router_with(o);
    let g = r.refresh_gate();
    let t0 = Instant::now();
    assert!(g.try_begin(t0));
    g.end(t0, true);
    assert_eq!(g.next_due(t0), Duration::from_secs(5));
    r.request_refresh();
    assert!(g.is_wanted());
    assert_eq!(g.next_due(t0), ms(250));
    assert!(!g.try_begin(at(t0, 249)));
    assert!(g.try_begin(at(t0, 250)));
}
