//! Keeping the copies on other providers current, beside the HTTP server:
//! - one upload task per publish target: after every new version served, the target gets it (the document
//!   at both paths, root v1, the status pages, the history pages from the database and the Atom feed), off
//!   the request path, retried with
//!   backoff from one second to five minutes while it fails. One failing target never holds up the origin
//!   or the other targets.
//! - one watch task: every `--copy-check-interval` the copies are read, and one that is ahead of the server
//!   (a break-glass document) is taken in (`AppState::reconcile`), so it is noticed even when nobody writes.
//!
//! A target found ahead during an upload is reconciled at once.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use notice_publish::export::{CachePolicy, files};
use notice_types::dangerous_verify_ignoring_freshness;
use tokio::sync::watch;

use crate::http::AppState;
use crate::http::hot::HotDocument;
use crate::publishing::copies::Uploaded;

/// The first wait after a failed upload; it doubles up to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_secs(1);
/// The longest wait between attempts on a failing target.
const MAX_RETRY: Duration = Duration::from_secs(300);

/// Runs the upload and watch tasks until `shutdown` resolves. Nothing to do without copies.
pub(crate) async fn run(state: AppState, shutdown: impl Future<Output = ()>) {
    if state.copies.is_empty() {
        shutdown.await;
        return;
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    for index in 0..state.copies.target_count() {
        tasks.push(tokio::spawn(upload_loop(
            state.clone(),
            index,
            stop_rx.clone(),
        )));
    }
    tasks.push(tokio::spawn(watch_loop(state.clone(), stop_rx)));
    shutdown.await;
    let _ = stop_tx.send(true);
    for task in tasks {
        if let Err(e) = task.await {
            tracing::error!(error = %e, "a copy task ended abnormally");
        }
    }
}

/// Keeps publish target `index` at the served version.
async fn upload_loop(state: AppState, index: usize, mut stop: watch::Receiver<bool>) {
    let mut served = state.served.subscribe();
    let mut retry = FIRST_RETRY;
    loop {
        let doc = state.hot.current();
        let mut failed = false;
        if state.copies.target_version(index) != Some(doc.version) {
            match upload(&state, index, doc).await {
                Ok(Uploaded::Done) => retry = FIRST_RETRY,
                Ok(Uploaded::Ahead(_)) => {
                    if let Err(e) = state.reconcile().await {
                        tracing::warn!(error = %e, "a copy is ahead, and it could not be taken in");
                    }
                    // Taken in, the served version changed and the next round writes above it; not taken
                    // in (another root version?), wait before looking again.
                    failed = state.copies.target_version(index) > Some(state.hot.current().version);
                }
                Err(()) => failed = true,
            }
        }
        let wait = if failed {
            let wait = retry;
            retry = (retry * 2).min(MAX_RETRY);
            wait
        } else {
            // Until the next version; a long sleep only to wake up now and then.
            MAX_RETRY
        };
        tokio::select! {
            _ = stop.wait_for(|stop| *stop) => return,
            _ = served.changed() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// Writes `doc` to publish target `index` on a blocking thread.
async fn upload(state: &AppState, index: usize, doc: Arc<HotDocument>) -> Result<Uploaded, ()> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let bytes = &doc.identity;
        // Served bytes always verify (writers refuse what readers refuse); the payload renders the pages.
        let (_, feed) = dangerous_verify_ignoring_freshness(bytes, &state.trusted).map_err(|e| {
            tracing::error!(error = %e, version = doc.version, "the served document does not verify");
        })?;
        let now = state.clock().now();
        let policy = CachePolicy {
            max_age_secs: state.settings().cache_max_age_secs,
        };
        let history = state.public.pages.history_records(&feed);
        let files = files(
            bytes,
            &feed,
            state.public.root_v1.as_deref(),
            now,
            state.public.pages.site(),
            policy,
            &history,
        );
        state
            .copies
            .upload(index, &state.trusted, &files, doc.version, now)
            .map_err(|_| ())
    })
    .await
    .map_err(|e| tracing::error!(error = %e, "an upload task failed"))?
}

/// Reads the copies every `--copy-check-interval` and takes in one that is ahead.
async fn watch_loop(state: AppState, mut stop: watch::Receiver<bool>) {
    let every = state.settings().copy_check_interval;
    loop {
        tokio::select! {
            _ = stop.wait_for(|stop| *stop) => return,
            () = tokio::time::sleep(every) => {}
        }
        if let Err(e) = state.reconcile().await {
            tracing::warn!(error = %e, "the copies could not be reconciled");
        }
    }
}
