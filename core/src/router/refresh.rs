//! Coalescing and rate limiting of topology refreshes.

use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Decides when a topology refresh may start: many requests for a refresh before it runs
/// cause one refresh, two refreshes are at least `min_interval` apart, and one runs every
/// `period` even when nobody asked.
#[derive(Debug)]
pub struct RefreshGate {
    wanted: AtomicBool,
    running: AtomicBool,
    last: Mutex<Option<Instant>>,
    min_interval: Duration,
    period: Duration,
}

impl RefreshGate {
    /// A gate with the given spacing and period.
    pub fn new(min_interval: Duration, period: Duration) -> RefreshGate {
        RefreshGate {
            wanted: AtomicBool::new(false),
            running: AtomicBool::new(false),
            last: Mutex::new(None),
            min_interval,
            period,
        }
    }

    /// Marks a refresh as wanted.
    pub fn want(&self) {
        self.wanted.store(true, Release);
    }

    /// True when a refresh has been asked for and not yet started.
    pub fn is_wanted(&self) -> bool {
        self.wanted.load(Acquire)
    }

    fn since_last(&self, now: Instant) -> Option<Duration> {
        let last = match self.last.lock() {
            Ok(g) => *g,
            Err(p) => *p.into_inner(),
        };
        last.map(|l| now.saturating_duration_since(l))
    }

    /// Claims the right to refresh now. On `true` the caller must refresh and then call
    /// [`RefreshGate::end`].
    pub fn try_begin(&self, now: Instant) -> bool {
        let since = self.since_last(now);
        let due = self.wanted.load(Acquire) || since.is_none_or(|s| s >= self.period);
        if !due || since.is_some_and(|s| s < self.min_interval) {
            return false;
        }
        if self.running.swap(true, AcqRel) {
            return false;
        }
        self.wanted.store(false, Release);
        true
    }

    /// Marks the refresh claimed by [`RefreshGate::try_begin`] as finished; a failed one
    /// leaves the refresh wanted so it is tried again after `min_interval`.
    pub fn end(&self, now: Instant, ok: bool) {
        match self.last.lock() {
            Ok(mut g) => *g = Some(now),
            Err(p) => *p.into_inner() = Some(now),
        }
        if !ok {
            self.wanted.store(true, Release);
        }
        self.running.store(false, Release);
    }

    /// How long until a wanted refresh may start (zero if now), or until the next periodic
    /// one.
    pub fn next_due(&self, now: Instant) -> Duration {
        let Some(since) = self.since_last(now) else {
            return Duration::ZERO;
        };
        let wait = if self.wanted.load(Acquire) {
            self.min_interval
        } else {
            self.period
        };
        wait.saturating_sub(since)
    }
}
