//! Polling with a deadline: every wait in the harness goes through [`poll_until`].

use std::thread;
use std::time::{Duration, Instant};

use crate::error::Result;

/// One observation of a polled condition.
pub(crate) enum Poll<T> {
    /// The condition holds; stop polling.
    Ready(T),
    /// Not yet; the text says what is missing (reported if the deadline passes).
    Pending(String),
}

/// Calls `check` until it returns [`Poll::Ready`], an error (returned at once), or `timeout`
/// passes (`Ok(Err(last pending reason))`). The pause between checks grows from 5 ms to 100 ms.
pub(crate) fn poll_until<T>(
    timeout: Duration,
    mut check: impl FnMut() -> Result<Poll<T>>,
) -> Result<Result<T, String>> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(5);
    loop {
        let last = match check()? {
            Poll::Ready(v) => return Ok(Ok(v)),
            Poll::Pending(why) => why,
        };
        let now = Instant::now();
        if now >= deadline {
            return Ok(Err(last));
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}
