//! The copies on other providers: the publish targets the server writes after every version, and the copies
//! it only watches. Phones trust signatures, not hosts, so these are as good as the origin as long as they
//! are current; and one of them may be *ahead* of the origin (a break-glass document written there while
//! the origin was down), which the origin must take in before it publishes anything lower.
//!
//! [`Copies::look`] reads every copy's `feed.json` at once with a short deadline; [`reconcile`] takes in the
//! highest valid document found above the server's latest version. [`Copies::upload`] writes one version to
//! one target (never over a higher one: `notice_copies::publish`), and each target's last success, version
//! and error are kept for `/metrics`, the log and the admin API. Blocking: call on a blocking thread.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use notice_copies::{Client, CopyError, Published, Target};
use notice_publish::export::ExportFile;
use notice_publish::{CopyKind, CopyState, IngestReport};
use notice_types::{Timestamp, TrustedRoot, dangerous_verify_ignoring_freshness};
use rusqlite::Connection;

use super::ingest::{self, IngestFailure, Ingested};
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::storage::audit::Actor;
use crate::storage::{DataDir, feeds};

/// How long one read or write of a copy may take before it counts as failed. Reads before a write share
/// this deadline, so an unreachable bucket delays an operator's change by at most this long.
const COPY_TIMEOUT: Duration = Duration::from_secs(5);

/// The copies of one server.
#[derive(Debug)]
pub(crate) struct Copies {
    targets: Vec<Copy>,
    watched: Vec<Copy>,
    client: Client,
    metrics: Arc<Metrics>,
}

#[derive(Debug)]
struct Copy {
    target: Target,
    state: Mutex<CopyState>,
}

impl Copy {
    fn new(target: Target, kind: CopyKind) -> Self {
        Self {
            state: Mutex::new(CopyState::new(target.to_string(), kind)),
            target,
        }
    }

    fn state(&self) -> CopyState {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn update(&self, change: impl FnOnce(&mut CopyState)) -> CopyState {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut state);
        state.clone()
    }
}

/// What [`Copies::look`] saw in one copy.
#[derive(Debug)]
pub(crate) struct Seen {
    /// The copy, for messages.
    pub target: String,
    /// Its `feed.json`, if it has one, or why it could not be read.
    pub document: Result<Option<Vec<u8>>, CopyError>,
}

/// What one upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Uploaded {
    /// The copy holds the version now.
    Done,
    /// The copy is ahead of the server (a break-glass document): nothing written; reconcile.
    Ahead(u64),
}

impl Copies {
    /// The copies `settings` names; none is fine (the server then keeps no copies itself).
    pub(crate) fn new(settings: &Settings, metrics: Arc<Metrics>) -> Self {
        Self {
            targets: settings
                .publish_to
                .iter()
                .map(|t| Copy::new(t.clone(), CopyKind::Publish))
                .collect(),
            watched: settings
                .watch
                .iter()
                .map(|t| Copy::new(t.clone(), CopyKind::Watch))
                .collect(),
            client: Client::new(COPY_TIMEOUT),
            metrics,
        }
    }

    /// Whether there is any copy to look at.
    pub(crate) fn is_empty(&self) -> bool {
        self.targets.is_empty() && self.watched.is_empty()
    }

    /// How many publish targets there are.
    pub(crate) fn target_count(&self) -> usize {
        self.targets.len()
    }

    /// The state of every copy, publish targets first.
    pub(crate) fn states(&self) -> Vec<CopyState> {
        self.targets
            .iter()
            .chain(&self.watched)
            .map(Copy::state)
            .collect()
    }

    /// Reads every copy's `feed.json` at once (each within the copy deadline).
    pub(crate) fn look(&self, now: Timestamp) -> Vec<Seen> {
        let copies: Vec<&Copy> = self.targets.iter().chain(&self.watched).collect();
        std::thread::scope(|scope| {
            let reads: Vec<_> = copies
                .iter()
                .map(|copy| {
                    scope.spawn(|| {
                        notice_copies::read_document(&copy.target, &self.client)
                            .map(|held| held.map(|h| h.document))
                    })
                })
                .collect();
            copies
                .iter()
                .zip(reads)
                .map(|(copy, read)| {
                    let document = read.join().unwrap_or_else(|_| {
                        Err(CopyError::Failed {
                            target: copy.target.to_string(),
                            action: "read",
                            path: "feed.json".to_owned(),
                            reason: "the reading thread failed".to_owned(),
                        })
                    });
                    let state = copy.update(|state| match &document {
                        Ok(_) => state.seen(now),
                        Err(e) => state.failed(now, e.to_string()),
                    });
                    self.metrics.record_copy(&state);
                    Seen {
                        target: copy.target.to_string(),
                        document,
                    }
                })
                .collect()
        })
    }

    /// Writes `files` (version `version`) to publish target `index`, recording the outcome.
    pub(crate) fn upload(
        &self,
        index: usize,
        trusted: &TrustedRoot,
        files: &[ExportFile],
        version: u64,
        now: Timestamp,
    ) -> Result<Uploaded, CopyError> {
        let Some(copy) = self.targets.get(index) else {
            return Ok(Uploaded::Done);
        };
        let result = notice_copies::publish(&copy.target, &self.client, trusted, files, version);
        let state = copy.update(|state| match &result {
            Ok(Published::Written { .. } | Published::Refreshed) => state.written(now, version),
            Ok(Published::Ahead { version: ahead, .. }) => state.ahead(now, *ahead),
            Err(e) => state.failed_writing(now, e.to_string()),
        });
        self.metrics.record_copy(&state);
        match result {
            Ok(Published::Written { previous }) => {
                tracing::info!(target = %copy.target, version, ?previous, "copy written");
                Ok(Uploaded::Done)
            }
            Ok(Published::Refreshed) => Ok(Uploaded::Done),
            Ok(Published::Ahead { version: ahead, .. }) => {
                tracing::warn!(target = %copy.target, ahead, ours = version, "copy is ahead of the server: taking it in");
                Ok(Uploaded::Ahead(ahead))
            }
            Err(e) => {
                tracing::warn!(target = %copy.target, version, error = %e, "copy not written; retrying");
                Err(e)
            }
        }
    }

    /// The version publish target `index` holds, as far as is known.
    pub(crate) fn target_version(&self, index: usize) -> Option<u64> {
        self.targets.get(index).and_then(|c| c.state().version)
    }
}

/// What [`reconcile`] found and did.
#[derive(Debug, Default)]
pub(crate) struct Reconciled {
    /// The document taken in, if a copy was ahead.
    pub ingested: Option<Ingested>,
    /// Where it came from.
    pub source: Option<String>,
    /// What the operator should know: copies that could not be read, or hold what cannot be taken in.
    pub warnings: Vec<String>,
}

/// Takes in the highest document among `seen` that verifies under the server's root and is above its
/// latest version, the way `ingest` does (it never reopens what the server closed). Copies that could not
/// be read, or hold something that cannot be taken in, become warnings. Blocking.
pub(crate) fn reconcile(
    conn: &mut Connection,
    dir: &DataDir,
    settings: &Settings,
    trusted: &TrustedRoot,
    seen: Vec<Seen>,
    now: Timestamp,
) -> Result<Reconciled, IngestFailure> {
    let latest = feeds::latest_version(conn)?;
    let mut result = Reconciled::default();
    let mut best: Option<(u64, Vec<u8>, String)> = None;
    for Seen { target, document } in seen {
        match document {
            Err(e) => result.warnings.push(format!(
                "could not read the copy {target} ({e}); a newer document there would not be seen"
            )),
            Ok(None) => {}
            Ok(Some(bytes)) => match dangerous_verify_ignoring_freshness(&bytes, trusted) {
                Err(e) => result.warnings.push(format!(
                    "the copy {target} holds a document that does not verify under this server's root ({e}); it was left alone"
                )),
                Ok((_, feed)) if feed.version > latest => {
                    if best.as_ref().is_none_or(|(v, _, _)| feed.version > *v) {
                        best = Some((feed.version, bytes, target));
                    }
                }
                Ok(_) => {}
            },
        }
    }
    let Some((version, bytes, source)) = best else {
        return Ok(result);
    };
    let actor = Actor::untokened(format!("system (copy {source})"));
    match ingest::ingest(conn, dir, settings, &bytes, &actor, now, &BTreeSet::new()) {
        Ok(ingested) => {
            tracing::info!(version, %source, "took in a newer document found in a copy (break-glass)");
            result.ingested = Some(ingested);
            result.source = Some(source);
        }
        Err(IngestFailure::Refused(e)) => result.warnings.push(format!(
            "the copy {source} holds version {version}, above the server's {latest}, which cannot be taken in ({e}); phones that read it will refuse the server's versions until they pass it"
        )),
        Err(e) => return Err(e),
    }
    Ok(result)
}

/// What the answer to a write says of a reconcile: the document taken in, if any.
pub(crate) fn describe(report: &IngestReport, source: &str) -> String {
    format!(
        "took in version {} from the copy {source} (a document signed without the server) before this change",
        report.feed_version
    )
}
