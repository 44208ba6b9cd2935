//! The heartbeat: re-signs the feed when it gets old, so `expires_at` stays ahead even when nothing changes,
//! and publishes again when a resolved notice passes its retention.
//!
//! [`tick`] does one round and is what tests call after moving a [`crate::clock::ManualClock`]; [`run`] calls
//! it on a timer. A tick also picks up a version another process published (`rotate-feed-key` writes the same
//! database).

use std::future::Future;
use std::time::Duration;

use notice_publish::record::secs;
use notice_types::Timestamp;

use crate::http::AppState;
use crate::http::hot::HotDocument;
use crate::publishing::{AuditNote, Error, Mode, SYSTEM_ACTOR};
use crate::storage::audit::{Action, Actor};
use crate::storage::feeds;

/// Why the served document must be replaced at `now`, if it must.
pub(crate) fn due(
    doc: &HotDocument,
    heartbeat_interval: Duration,
    now: Timestamp,
) -> Option<Action> {
    if now >= doc.issued_at.plus_seconds(secs(heartbeat_interval)) {
        Some(Action::Heartbeat)
    } else if doc.refresh_at.is_some_and(|at| now >= at) {
        Some(Action::Retention)
    } else {
        None
    }
}

/// What a tick did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ticked {
    /// Nothing was due.
    Idle,
    /// Served a newer version another process had published.
    Loaded(u64),
    /// Signed and published a new version.
    Published(u64),
}

/// One heartbeat round: serve a version another process published; or, when a re-signing is due, first
/// take in a copy that is ahead of the server (`AppState::reconcile`), then publish the next version.
pub async fn tick(state: &AppState) -> Result<Ticked, Error> {
    let loaded = state
        .blocking(|state, conn| -> Result<Option<Ticked>, Error> {
            let served = state.hot.current();
            if feeds::latest_version(conn)? > served.version
                && let Some(feed) = feeds::latest_published(conn)?
            {
                state.install(&feed);
                return Ok(Some(Ticked::Loaded(feed.version)));
            }
            let due = due(
                &served,
                state.settings().heartbeat_interval,
                state.clock().now(),
            );
            Ok(due.is_none().then_some(Ticked::Idle))
        })
        .await??;
    if let Some(ticked) = loaded {
        return Ok(ticked);
    }
    // Whatever the copies hold, the heartbeat publishes; a copy that cannot be read is in the log.
    if let Err(e) = state.reconcile().await {
        tracing::warn!(error = %e, "the copies could not be reconciled before the heartbeat");
    }
    state
        .blocking(|state, conn| -> Result<Ticked, Error> {
            // Taking a copy in may have made the heartbeat unnecessary (a new document) or changed why.
            let Some(action) = due(
                &state.hot.current(),
                state.settings().heartbeat_interval,
                state.clock().now(),
            ) else {
                return Ok(Ticked::Idle);
            };
            let ((), version) = state.write(conn, Mode::Commit, |_, _, _| {
                Ok::<_, Error>((
                    (),
                    AuditNote {
                        actor: Actor::untokened(SYSTEM_ACTOR),
                        action,
                        notice_id: None,
                    },
                ))
            })?;
            Ok(Ticked::Published(version))
        })
        .await?
}

/// How often [`run`] checks that the database still takes writes (for `/readyz`).
const PROBE_EVERY: Duration = Duration::from_secs(30);

/// How often [`run`] looks: often enough to notice another process's version and a passed retention soon,
/// never more than the interval.
pub(crate) fn check_every(heartbeat_interval: Duration) -> Duration {
    heartbeat_interval.clamp(Duration::from_secs(1), Duration::from_secs(5))
}

/// Ticks until `shutdown` resolves. Errors are logged and retried at the next tick: a heartbeat that fails
/// (disk full) must not stop the next one.
pub(crate) async fn run(state: AppState, shutdown: impl Future<Output = ()>) {
    let every = check_every(state.settings().heartbeat_interval);
    let mut probed_at = std::time::Instant::now();
    state.probe_database().await;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(every) => {}
        }
        if probed_at.elapsed() >= PROBE_EVERY {
            probed_at = std::time::Instant::now();
            state.probe_database().await;
        }
        match tick(&state).await {
            Ok(Ticked::Idle) => {}
            Ok(Ticked::Loaded(version)) => {
                tracing::info!(version, "serving a version published by another process");
            }
            Ok(Ticked::Published(version)) => {
                tracing::info!(version, "heartbeat re-signed the feed")
            }
            Err(e) => tracing::error!(error = %e, "heartbeat failed; retrying at the next tick"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::feeds::StoredFeed;

    #[test]
    fn a_heartbeat_is_due_after_the_interval_and_retention_at_refresh() {
        let doc = HotDocument::build(&StoredFeed {
            version: 1,
            bytes: vec![],
            issued_at: Timestamp::from_unix(0),
            expires_at: Timestamp::from_unix(10_000),
            refresh_at: Some(Timestamp::from_unix(500)),
        });
        let hour = Duration::from_secs(3600);
        assert_eq!(due(&doc, hour, Timestamp::from_unix(499)), None);
        assert_eq!(
            due(&doc, hour, Timestamp::from_unix(500)),
            Some(Action::Retention)
        );
        assert_eq!(
            due(&doc, hour, Timestamp::from_unix(3600)),
            Some(Action::Heartbeat)
        );
    }
}
