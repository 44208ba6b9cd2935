//! Waiting for a condition with a deadline, instead of sleeping for a guessed time.

use std::time::{Duration, Instant};

/// Calls `check` until it returns `Some`, and returns that value; gives up after `timeout`.
///
/// Between attempts it backs off from 5 ms to 100 ms, so a fast condition is seen at once and a slow one
/// does not burn a core. For a plain condition return `cond.then_some(())`.
///
/// # Panics
/// When `timeout` passes without `check` returning `Some`, naming `what` was waited for.
pub fn poll_until<T>(what: &str, timeout: Duration, check: impl FnMut() -> Option<T>) -> T {
    match try_poll_until(timeout, check) {
        Some(value) => value,
        None => panic!("timed out after {timeout:?} waiting for {what}"),
    }
}

/// Like [`poll_until`], but returns `None` instead of panicking when time runs out.
pub fn try_poll_until<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(5);
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}
