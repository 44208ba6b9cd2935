//! `Client::refresh`: ask every mirror at once, verify each answer as it arrives, keep the highest valid
//! version, and return by the overall deadline. Why parallel: see [`crate::fetch`].

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::Instant;

use notice_types::{Timestamp, VerifyError};

use super::{Client, IngestOutcome, Inner, RefreshOutcome};
use crate::config::MAX_RETRY_AFTER;
use crate::error::ClientError;
use crate::fetch::{self, FetchError, Limits, Request, Response};
use crate::status::ErrorInfo;

/// Clears the "refresh running" flag however the refresh ends, panics included.
struct Running<'a>(&'a AtomicBool);

impl<'a> Running<'a> {
    fn start(flag: &'a AtomicBool) -> Option<Self> {
        flag.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| Self(flag))
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// What the answers added up to.
#[derive(Default)]
struct Tally {
    updated: bool,
    answered: bool,
    failures: Vec<(String, ErrorInfo)>,
}

impl Client {
    /// Fetches the published document from every mirror in parallel, verifies each answer like
    /// [`Client::ingest`], and keeps the highest valid version. Blocks for at most the overall deadline
    /// (default 10 s): call it from a background thread, on start and on resume. Sends no identifier.
    ///
    /// Without touching the network it returns [`RefreshOutcome::TooSoon`] before the minimum refresh
    /// interval has passed (or while every mirror's Retry-After runs), and
    /// [`RefreshOutcome::AlreadyRunning`] while another refresh of this client runs. Fails only when no
    /// mirror gave a valid answer; the last good feed is kept and per-mirror errors are in
    /// [`Client::status`].
    pub fn refresh(&self, now: Timestamp) -> Result<RefreshOutcome, ClientError> {
        if self.settings.mirrors.is_empty() {
            return Err(ClientError::NoMirrors);
        }
        let Some(_running) = Running::start(&self.refreshing) else {
            return Ok(RefreshOutcome::AlreadyRunning);
        };
        let requests = match self.plan(now) {
            Ok(requests) => requests,
            Err(next_allowed_at) => return Ok(RefreshOutcome::TooSoon { next_allowed_at }),
        };

        let limits = Limits {
            connect: self.settings.timeouts.connect,
            total: self.settings.timeouts.mirror,
            extra_roots: self.settings.extra_roots.clone(),
        };
        let deadline = Instant::now() + self.settings.timeouts.deadline;
        let mut pending: BTreeSet<usize> = requests.iter().map(|r| r.index).collect();
        let answers = fetch::spawn_all(requests, limits, now);
        let mut tally = Tally::default();
        while !pending.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            match answers.recv_timeout(left) {
                Ok((index, answer)) => {
                    pending.remove(&index);
                    let mut inner = self.lock();
                    self.take_answer(&mut inner, index, answer, now, &mut tally);
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }

        let mut inner = self.lock();
        for index in pending {
            let error = ErrorInfo {
                code: "deadline".to_owned(),
                message: format!(
                    "no answer within the overall deadline of {} ms",
                    self.settings.timeouts.deadline.as_millis()
                ),
                at: now,
            };
            self.mirror_failed(&mut inner, index, error, &mut tally);
        }
        self.schedule_next(&mut inner, now);
        let version = inner.feed.as_ref().map(|f| f.version);
        let result = match (tally.updated, tally.answered, version) {
            (true, _, Some(version)) => Ok(RefreshOutcome::Updated { version }),
            (_, true, _) => Ok(RefreshOutcome::Unchanged { version }),
            _ => Err(ClientError::AllMirrorsFailed {
                failures: tally.failures,
            }),
        };
        match &result {
            Ok(_) => {
                inner.saved.last_success_at = Some(now);
                inner.last_error = None;
            }
            Err(e) => {
                inner.last_error = Some(ErrorInfo {
                    code: e.code().to_owned(),
                    message: e.to_string(),
                    at: now,
                });
            }
        }
        self.persist(&mut inner);
        result
    }

    /// Checks the minimum interval and Retry-After, and lists what to ask; `Err` is the time to come back.
    fn plan(&self, now: Timestamp) -> Result<Vec<Request>, Timestamp> {
        let mut inner = self.lock();
        let interval = self.settings.timeouts.min_refresh_interval.as_secs();
        let interval = i64::try_from(interval).unwrap_or(i64::MAX);
        let max_wait = interval.saturating_add(MAX_RETRY_AFTER.as_secs() as i64);
        if let Some(next) = waiting_until(inner.saved.next_refresh_at, now, max_wait) {
            return Err(next);
        }
        let have_copy = inner.feed.is_some();
        let mut requests = Vec::new();
        let mut earliest_retry: Option<Timestamp> = None;
        for (index, url) in self.settings.mirrors.iter().enumerate() {
            let record = inner.saved.mirrors.entry(url.to_string()).or_default();
            let retry = waiting_until(
                record.retry_after_until,
                now,
                MAX_RETRY_AFTER.as_secs() as i64,
            );
            if let Some(until) = retry {
                earliest_retry = Some(earliest_retry.map_or(until, |e| e.min(until)));
                continue;
            }
            record.last_attempt_at = Some(now);
            requests.push(Request {
                index,
                url: url.clone(),
                etag: record.etag.clone().filter(|_| have_copy),
            });
        }
        if requests.is_empty() {
            // Every mirror asked to wait: come back when the first of them allows it.
            let next = earliest_retry.unwrap_or(now.plus_seconds(interval));
            inner.saved.next_refresh_at = Some(next);
            self.persist(&mut inner);
            return Err(next);
        }
        inner.saved.last_attempt_at = Some(now);
        inner.saved.next_refresh_at = Some(now.plus_seconds(interval));
        Ok(requests)
    }

    fn take_answer(
        &self,
        inner: &mut Inner,
        index: usize,
        answer: Result<Response, FetchError>,
        now: Timestamp,
        tally: &mut Tally,
    ) {
        match answer {
            Ok(Response::NotModified) => {
                let url = self.url(index);
                let served = inner.saved.mirrors.get(&url).and_then(|r| r.last_version);
                let held = inner.feed.as_ref().map(|f| f.version);
                match (served, held) {
                    // Still the version we hold (or one we know nothing against): a valid answer.
                    (Some(served), Some(held)) if served >= held => {
                        self.mirror_answered(inner, index, None, now, tally);
                    }
                    // Still serving a version below the one held: a stale mirror, as if it had sent it.
                    (Some(served), Some(held)) => {
                        let error = ErrorInfo {
                            code: "rolled_back".to_owned(),
                            message: format!(
                                "still serves feed version {served}, older than version {held} already seen"
                            ),
                            at: now,
                        };
                        self.mirror_rejected(inner, index, error, tally);
                    }
                    _ => {
                        let error = ErrorInfo {
                            code: "unexpected_not_modified".to_owned(),
                            message: "answered 304 Not Modified without a copy to confirm"
                                .to_owned(),
                            at: now,
                        };
                        self.mirror_rejected(inner, index, error, tally);
                    }
                }
            }
            Ok(Response::Document { bytes, etag }) => match self.apply(inner, &bytes, now) {
                Ok(outcome) => {
                    let version = match outcome {
                        IngestOutcome::Updated { version } => {
                            tally.updated = true;
                            version
                        }
                        IngestOutcome::Unchanged { version } => version,
                    };
                    self.mirror_answered(inner, index, Some((version, etag)), now, tally);
                }
                Err(error) => {
                    if let VerifyError::RolledBack { found, .. } = &error {
                        // Tell the operator which version the stale mirror is stuck at.
                        let url = self.url(index);
                        inner.saved.mirrors.entry(url).or_default().last_version = Some(*found);
                    }
                    let error = ErrorInfo {
                        code: error.code().to_owned(),
                        message: error.to_string(),
                        at: now,
                    };
                    self.mirror_rejected(inner, index, error, tally);
                }
            },
            Err(error) => {
                if let FetchError::Status {
                    retry_after: Some(until),
                    ..
                } = &error
                {
                    let capped = (*until).min(now.plus_seconds(MAX_RETRY_AFTER.as_secs() as i64));
                    let url = self.url(index);
                    inner
                        .saved
                        .mirrors
                        .entry(url)
                        .or_default()
                        .retry_after_until = Some(capped);
                }
                let error = ErrorInfo {
                    code: error.code().to_owned(),
                    message: error.to_string(),
                    at: now,
                };
                self.mirror_failed(inner, index, error, tally);
            }
        }
    }

    /// A valid answer: a verified document (`Some((version, etag))`) or a 304.
    fn mirror_answered(
        &self,
        inner: &mut Inner,
        index: usize,
        document: Option<(u64, Option<String>)>,
        now: Timestamp,
        tally: &mut Tally,
    ) {
        tally.answered = true;
        let record = inner.saved.mirrors.entry(self.url(index)).or_default();
        if let Some((version, etag)) = document {
            record.last_version = Some(version);
            record.etag = etag;
        }
        record.last_success_at = Some(now);
        record.last_error = None;
        record.retry_after_until = None;
    }

    /// The mirror answered, but with something that did not verify (or a stale version): forget its ETag
    /// so a later 304 can never confirm that content.
    fn mirror_rejected(
        &self,
        inner: &mut Inner,
        index: usize,
        error: ErrorInfo,
        tally: &mut Tally,
    ) {
        let url = self.url(index);
        inner.saved.mirrors.entry(url).or_default().etag = None;
        self.mirror_failed(inner, index, error, tally);
    }

    /// No usable answer. The ETag stays: it still describes what the mirror last served validly.
    fn mirror_failed(&self, inner: &mut Inner, index: usize, error: ErrorInfo, tally: &mut Tally) {
        let url = self.url(index);
        let record = inner.saved.mirrors.entry(url.clone()).or_default();
        record.last_error = Some(error.clone());
        tally.failures.push((url, error));
    }

    /// After the answers: no sooner than the minimum interval, and not before every mirror allows it.
    fn schedule_next(&self, inner: &mut Inner, now: Timestamp) {
        let max_wait = MAX_RETRY_AFTER.as_secs() as i64;
        let all_waiting: Option<Timestamp> = self
            .settings
            .mirrors
            .iter()
            .map(|url| {
                inner
                    .saved
                    .mirrors
                    .get(url.as_str())
                    .and_then(|r| waiting_until(r.retry_after_until, now, max_wait))
            })
            .collect::<Option<Vec<_>>>()
            .and_then(|untils| untils.into_iter().min());
        if let Some(until) = all_waiting {
            let next = inner.saved.next_refresh_at.map_or(until, |n| n.max(until));
            inner.saved.next_refresh_at = Some(next);
        }
    }

    fn url(&self, index: usize) -> String {
        self.settings
            .mirrors
            .get(index)
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

/// `until` if it is still ahead of `now` and not implausibly far ahead. A wait longer than `max_wait`
/// seconds can only come from a clock that was set back since it was recorded; honouring it would stop
/// refreshing for as long as the clock was off.
fn waiting_until(until: Option<Timestamp>, now: Timestamp, max_wait: i64) -> Option<Timestamp> {
    until.filter(|u| *u > now && u.unix().saturating_sub(now.unix()) <= max_wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_recorded_before_the_clock_was_set_back_is_not_honoured() {
        let now = Timestamp::from_unix(1_000_000);
        assert_eq!(
            waiting_until(Some(now.plus_seconds(30)), now, 60),
            Some(now.plus_seconds(30))
        );
        assert_eq!(waiting_until(Some(now), now, 60), None);
        assert_eq!(waiting_until(Some(now.plus_seconds(-5)), now, 60), None);
        assert_eq!(waiting_until(Some(now.plus_seconds(86_400)), now, 60), None);
        assert_eq!(waiting_until(None, now, 60), None);
    }
}
