//! Where the server gets the time from.
//!
//! Everything time-dependent (feed expiry, heartbeat, retention, rate limiting) asks a [`Clock`], so tests can
//! move time forward with a [`ManualClock`] instead of sleeping.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use notice_types::Timestamp;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The current time, whole seconds, UTC.
    fn now(&self) -> Timestamp;
}

/// The operating system's wall clock: the one used in production.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from(chrono::Utc::now())
    }
}

/// A clock that only moves when told to; for tests.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Timestamp) -> Self {
        Self(Mutex::new(start))
    }

    /// Sets the time to `to` (may go backwards, like a badly set system clock).
    pub fn set(&self, to: Timestamp) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = to;
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now.plus_seconds(notice_publish::record::secs(by));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(Timestamp::from_unix(1_000));
        assert_eq!(clock.now(), Timestamp::from_unix(1_000));
        clock.advance(Duration::from_secs(3_600));
        assert_eq!(clock.now(), Timestamp::from_unix(4_600));
        clock.set(Timestamp::from_unix(10));
        assert_eq!(clock.now(), Timestamp::from_unix(10));
    }
}
