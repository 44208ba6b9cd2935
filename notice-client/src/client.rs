//! The client an app embeds: verified feed in memory and on disk, refresh, ingest, selection, dismissals.
//!
//! # Concurrency
//! `Client` is `Send + Sync`; every method takes `&self`. State sits behind one mutex that is held only for
//! in-memory work and the small state-file writes, never while waiting for the network: a refresh collects
//! its requests under the lock, releases it, and takes it again briefly for each answer. So `notices()` on
//! the UI thread never waits for a refresh running on a background thread. A second `refresh` while one is
//! running returns [`RefreshOutcome::AlreadyRunning`] at once instead of queueing.
//!
//! # Time
//! Every call that judges time takes `now` (Unix seconds in the C ABI): expiry, maintenance windows, the
//! minimum refresh interval and Retry-After are all evaluated against it, so hosts and tests control the
//! clock. Network timeouts are real durations.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use notice_types::{
    Change, Context, Dismissal, FeedPayload, LanguageTag, NoticeId, Timestamp, TrustState,
    VerifyError, dangerous_verify_ignoring_freshness, select, verify,
};
use serde::{Deserialize, Serialize};

use crate::config::{AppContext, Config, Settings};
use crate::error::ClientError;
use crate::state::{StateFile, Store, merge_floors};
use crate::status::{ErrorInfo, Freshness, MirrorStatus, Notices, Status, StorageProblem};

/// What a refresh did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RefreshOutcome {
    /// A newer feed was verified and stored; `notices()` shows it now.
    Updated {
        /// The feed version now shown.
        version: u64,
    },
    /// At least one mirror answered validly and nothing is newer than what is held.
    Unchanged {
        /// The feed version held, if any.
        version: Option<u64>,
    },
    /// The minimum refresh interval (or every mirror's Retry-After) has not passed; nothing was fetched.
    TooSoon {
        /// The earliest time a refresh will go to the network.
        next_allowed_at: Timestamp,
    },
    /// Another refresh of this client is running; nothing was fetched.
    AlreadyRunning,
}

/// What an ingest did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum IngestOutcome {
    /// A newer feed was verified and stored (or the held version was restored after its file was lost).
    Updated {
        /// The feed version now shown.
        version: u64,
    },
    /// The document is the version already held, byte for byte.
    Unchanged {
        /// That version.
        version: u64,
    },
}

/// The notice client. See the crate documentation for an overview.
pub struct Client {
    settings: Settings,
    store: Store,
    inner: Mutex<Inner>,
    /// Set while a refresh runs, so a second one returns at once instead of doubling the traffic.
    #[cfg(feature = "https")]
    refreshing: std::sync::atomic::AtomicBool,
}

struct Inner {
    context: AppContext,
    locales: Vec<LanguageTag>,
    saved: StateFile,
    feed: Option<FeedPayload>,
    /// The exact bytes `feed` was verified from.
    document: Option<Vec<u8>>,
    last_error: Option<ErrorInfo>,
    load_problems: Vec<StorageProblem>,
    write_problems: BTreeMap<String, StorageProblem>,
}

impl Client {
    /// Opens the client: validates `config`, creates the state directory if needed, and loads what was
    /// remembered. The last verified document is verified again before it is shown, so `notices()` works at
    /// once, offline. Corrupt or missing state is reported in [`Client::status`], never fatal; the rollback
    /// floor is the highest one any intact state file still holds. Does no network I/O.
    pub fn new(config: Config) -> Result<Self, ClientError> {
        let settings = config.validate()?;
        let store = Store::open(&settings.state_dir).map_err(|e| ClientError::StateDir {
            path: settings.state_dir.display().to_string(),
            detail: e.to_string(),
        })?;
        let loaded = store.load();
        let mut problems = loaded.problems;
        let feed_id = settings.trusted.payload().feed_id.clone();
        let other_feed = |file: &str, found: &TrustState| {
            StorageProblem::new(
                file,
                "state_for_other_feed",
                format!(
                    "holds state for feed {:?}, not {:?}; ignored",
                    found.root.feed_id.as_str(),
                    feed_id.as_str()
                ),
            )
        };

        // State another setup of this feed id left (every development setup is `notice/dev`): its root at the
        // shipped root's version is another root. Ignored as a whole, as state of another feed is.
        let other_root = |file: &str, found: &TrustState| {
            StorageProblem::new(
                file,
                "state_for_other_root",
                format!(
                    "holds state for another root v{} of feed {:?} than the one this app ships; ignored",
                    found.root.version,
                    feed_id.as_str()
                ),
            )
        };
        let foreign = |file: &str, found: &TrustState| {
            if found.root.feed_id != feed_id {
                Some(other_feed(file, found))
            } else if found.contradicts(&settings.trusted) {
                Some(other_root(file, found))
            } else {
                None
            }
        };

        let on_disk = loaded.state.as_ref().map(|s| s.trust.clone());
        let mut saved = match loaded.state {
            Some(state) if foreign("state.json", &state.trust).is_none() => state,
            found => {
                if let Some(problem) = found.and_then(|state| foreign("state.json", &state.trust)) {
                    problems.push(problem);
                }
                StateFile {
                    trust: TrustState::new(&settings.trusted),
                    dismissals: Default::default(),
                    mirrors: Default::default(),
                    next_refresh_at: None,
                    last_success_at: None,
                    last_attempt_at: None,
                }
            }
        };
        if let Some(floor) = loaded.floor {
            match foreign("floor.json", &floor) {
                None => saved.trust = merge_floors(saved.trust, floor),
                Some(problem) => problems.push(problem),
            }
        }
        // Forget mirrors no longer configured.
        let configured: Vec<String> = settings.mirrors.iter().map(|u| u.to_string()).collect();
        saved.mirrors.retain(|url, _| configured.contains(url));

        let mut feed = None;
        let mut document = None;
        if loaded.document.is_none() && saved.trust.feed.is_some() {
            problems.push(StorageProblem::new(
                "document.json",
                "missing",
                "a feed was verified before but its document is gone; the floor still holds",
            ));
        }
        if let Some(bytes) = loaded.document {
            match reverify(&bytes, &settings.trusted, &saved.trust) {
                Ok(verified) => {
                    saved.trust = verified.state;
                    feed = Some(verified.feed);
                    document = Some(bytes);
                }
                Err(e) => problems.push(StorageProblem::new(
                    "document.json",
                    e.code(),
                    format!("stored document refused, not shown: {e}"),
                )),
            }
        }
        if feed.is_none() {
            // A 304 would confirm a copy we no longer have: ask for full bodies.
            for record in saved.mirrors.values_mut() {
                record.etag = None;
            }
        }

        let context = settings.context.clone();
        let mut inner = Inner {
            locales: context.language_tags(),
            context,
            saved,
            feed,
            document,
            last_error: None,
            load_problems: problems,
            write_problems: BTreeMap::new(),
        };
        if !inner.load_problems.is_empty() || on_disk.as_ref() != Some(&inner.saved.trust) {
            // Repair at once: rewrite both state files from the merged floor, so one intact copy becomes two
            // (and a document newer than the state, left by a crash between the two writes, is recorded).
            persist(&store, &mut inner);
        }
        Ok(Self {
            settings,
            store,
            inner: Mutex::new(inner),
            #[cfg(feature = "https")]
            refreshing: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Verifies a published document the host fetched itself (the sans-I/O path) exactly as `refresh`
    /// would, and keeps it if it is newer. On error the last good feed is kept.
    pub fn ingest(&self, bytes: &[u8], now: Timestamp) -> Result<IngestOutcome, ClientError> {
        let mut inner = self.lock();
        match self.apply(&mut inner, bytes, now) {
            Ok(outcome) => {
                inner.saved.last_success_at = Some(now);
                inner.last_error = None;
                self.persist(&mut inner);
                Ok(outcome)
            }
            Err(e) => {
                inner.last_error = Some(ErrorInfo {
                    code: e.code().to_owned(),
                    message: e.to_string(),
                    at: now,
                });
                Err(ClientError::Rejected(e))
            }
        }
    }

    /// What to show at `now`, from the last verified feed, for the current context: active window,
    /// targeting, dismissals, language fallback, most severe first. No I/O; works offline. Scheduled
    /// maintenance appears, becomes `in_progress` and disappears by `now` alone.
    pub fn notices(&self, now: Timestamp) -> Notices {
        let inner = self.lock();
        let Some(feed) = &inner.feed else {
            return Notices {
                freshness: Freshness::None,
                version: None,
                notices: Vec::new(),
            };
        };
        let context = Context {
            platform: inner.context.platform,
            app_version: inner.context.app_version.clone(),
            locales: inner.locales.clone(),
            dismissed: inner.saved.dismissals.clone(),
        };
        Notices {
            freshness: freshness(feed, &inner.saved.trust, now),
            version: Some(feed.version),
            notices: select(feed, &context, now),
        }
    }

    /// The exact bytes of the document the shown feed was verified from (the one [`Client::notices`]
    /// answers from), or `None` before the first verified document. For hosts that pass the document on
    /// unchanged, such as a mirror that re-serves it byte for byte; no I/O.
    pub fn document(&self) -> Option<Vec<u8>> {
        self.lock().document.clone()
    }

    /// Hides one revision of a notice for this user (persisted). A later revision shows again. Refused for a
    /// notice of the current feed that is not dismissible.
    pub fn dismiss(&self, id: &NoticeId, revision: u64) -> Result<(), ClientError> {
        if revision == 0 {
            return Err(ClientError::InvalidArgument(
                "revision starts at 1".to_owned(),
            ));
        }
        let mut inner = self.lock();
        if let Some(notice) = inner.feed.as_ref().and_then(|f| f.notice(id))
            && notice.revision == revision
            && !notice.dismissible
        {
            return Err(ClientError::NotDismissible {
                id: id.to_string(),
                revision,
            });
        }
        let dismissal = Dismissal {
            id: id.clone(),
            revision,
        };
        inner.saved.dismissals.insert(dismissal.clone());
        let feed = inner.feed.clone();
        prune_dismissals(&mut inner.saved, feed.as_ref(), Some(&dismissal));
        self.persist(&mut inner);
        Ok(())
    }

    /// Replaces who is looking (the user switched language, the app was updated). Not persisted: pass it
    /// in the configuration on every start.
    pub fn set_context(&self, context: AppContext) {
        let mut inner = self.lock();
        inner.locales = context.language_tags();
        inner.context = context;
    }

    /// The client's state at `now`.
    pub fn status(&self, now: Timestamp) -> Status {
        let inner = self.lock();
        let feed = inner.feed.as_ref();
        let mirrors = self
            .settings
            .mirrors
            .iter()
            .map(|url| {
                let record = inner
                    .saved
                    .mirrors
                    .get(url.as_str())
                    .cloned()
                    .unwrap_or_default();
                MirrorStatus {
                    url: url.to_string(),
                    last_attempt_at: record.last_attempt_at,
                    last_success_at: record.last_success_at,
                    last_version: record.last_version,
                    last_error: record.last_error,
                    retry_after_until: record.retry_after_until,
                }
            })
            .collect();
        let mut storage_problems = inner.load_problems.clone();
        storage_problems.extend(inner.write_problems.values().cloned());
        Status {
            feed_id: self.settings.trusted.payload().feed_id.to_string(),
            root_version: inner.saved.trust.root.version,
            version: feed.map(|f| f.version),
            floor_version: inner.saved.trust.feed.as_ref().map(|m| m.version),
            issued_at: feed.map(|f| f.issued_at),
            expires_at: feed.map(|f| f.expires_at),
            freshness: feed.map_or(Freshness::None, |f| freshness(f, &inner.saved.trust, now)),
            last_success_at: inner.saved.last_success_at,
            last_attempt_at: inner.saved.last_attempt_at,
            next_refresh_at: inner.saved.next_refresh_at,
            last_error: inner.last_error.clone(),
            mirrors,
            storage_problems,
        }
    }

    /// Verifies `bytes` against the current state and, if valid, makes it the shown feed.
    fn apply(
        &self,
        inner: &mut Inner,
        bytes: &[u8],
        now: Timestamp,
    ) -> Result<IngestOutcome, VerifyError> {
        let verified = verify(bytes, &self.settings.trusted, Some(&inner.saved.trust), now)?;
        let version = verified.feed.version;
        let replace = verified.change == Change::NewVersion || inner.feed.is_none();
        inner.saved.trust = verified.state;
        if !replace {
            return Ok(IngestOutcome::Unchanged { version });
        }
        // The document first, then the state that names it: after a crash in between, the newer document
        // is still accepted on start (it verifies above the older floor).
        let result = self.store.save_document(bytes);
        note_write(inner, "document.json", result);
        prune_dismissals(&mut inner.saved, Some(&verified.feed), None);
        inner.feed = Some(verified.feed);
        inner.document = Some(bytes.to_vec());
        Ok(IngestOutcome::Updated { version })
    }

    fn persist(&self, inner: &mut Inner) {
        persist(&self.store, inner);
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every mutation completes before anything that could panic, so a poisoned lock still guards a
        // consistent state; refusing to serve notices because of an earlier panic would be worse.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Writes `state.json` and `floor.json`; a failure is kept for `status()`, the in-memory state stays.
fn persist(store: &Store, inner: &mut Inner) {
    let result = store.save_state(&inner.saved);
    match result {
        Ok(()) => {
            inner.write_problems.remove("state.json");
            inner.write_problems.remove("floor.json");
        }
        Err(problem) => {
            inner.write_problems.insert(problem.file.clone(), problem);
        }
    }
}

fn note_write(inner: &mut Inner, file: &str, result: Result<(), StorageProblem>) {
    match result {
        Ok(()) => {
            inner.write_problems.remove(file);
        }
        Err(problem) => {
            inner.write_problems.insert(file.to_owned(), problem);
        }
    }
}

/// Verifies the stored document at start. It is judged as of the newest `issued_at` verified before (or,
/// when every floor file was lost, as of its own signing time, read with the freshness-free check only for
/// that): its expiry is reported separately by [`Freshness`], and the full `verify` still refuses a copy
/// that was altered, belongs to another feed, or lies below the floor.
fn reverify(
    bytes: &[u8],
    trusted: &notice_types::TrustedRoot,
    trust: &TrustState,
) -> Result<notice_types::Verified, VerifyError> {
    let as_of = match trust.last_issued_at {
        Some(at) => at,
        None => {
            dangerous_verify_ignoring_freshness(bytes, trusted)?
                .1
                .issued_at
        }
    };
    verify(bytes, trusted, Some(trust), as_of)
}

fn freshness(feed: &FeedPayload, trust: &TrustState, now: Timestamp) -> Freshness {
    if feed.is_expired(now, trust.last_issued_at) {
        Freshness::Expired
    } else {
        Freshness::Fresh
    }
}

/// Keeps only dismissals of notice revisions in `feed` (plus `keep`, just made): a new revision shows again,
/// and the set stays bounded by the feed's size.
fn prune_dismissals(saved: &mut StateFile, feed: Option<&FeedPayload>, keep: Option<&Dismissal>) {
    saved.dismissals.retain(|d| {
        keep == Some(d)
            || feed
                .and_then(|f| f.notice(&d.id))
                .is_some_and(|n| n.revision == d.revision)
    });
}

#[cfg(feature = "https")]
mod refresh;

// The C ABI and multi-threaded hosts rely on this.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Client>();
};

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("feed_id", &self.settings.trusted.payload().feed_id)
            .field("mirrors", &self.settings.mirrors.len())
            .finish_non_exhaustive()
    }
}
