//! Prometheus metrics in the text exposition format, written by hand (a handful of series does not need a
//! metrics framework).
//!
//! Series:
//! - `notice_http_requests_total{route,method,status}`: requests by matched route (never the raw path) and
//!   method (the standard ones, anything else as `other`), so scanners cannot blow up the label set. Feed
//!   GETs and HEADs answered 200 or 304, nearly all traffic, are counted with plain atomics: no lock and no
//!   allocation on the hot path.
//! - `notice_feed_version`, `notice_feed_age_seconds`, `notice_feed_expires_in_seconds`: the served feed.
//! - `notice_publish_duration_seconds`: histogram of write + sign + commit + swap.
//! - `notice_feed_signatures_total`, `notice_feed_builds_total`: how often a feed was signed and a served
//!   document built; the public read path adds to neither.
//! - `notice_db_operations_total`: database uses; the public read path adds nothing either.
//! - `notice_auth_failures_total`: rejected admin credentials.
//! - `notice_page_renders_total`: status pages and Atom feeds rendered (once per page per change, not per
//!   request).
//! - `notice_mirror_polls_total{result}`: a mirror's polls of its upstream (`updated`, `unchanged`,
//!   `failed`, `waiting` for a Retry-After); only on a mirror.
//!
//! - `notice_db_writable`: 1 while the database takes the probe write, and checked again after any write that
//!   fails (origin only); alert on 0.
//! - `notice_copy_up{target,kind}` (1 while the last read or write of a copy on another provider worked),
//!   `notice_copy_version{target,kind}`, `notice_copy_last_success_timestamp_seconds{target,kind}`,
//!   `notice_copy_failures_total{target,kind}`: the publish targets and watched copies; only with copies.
//!
//! Before a mirror has its first document, the feed gauges are absent rather than zero.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::http::Method;
use notice_publish::{CopyKind, CopyState};
use notice_types::Timestamp;

/// Upper bounds of the publish latency histogram, in seconds.
const LATENCY_BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// The route whose common answers have their own counters.
const FEED_ROUTE: &str = "/v1/feed.json";

/// The served feed, as the gauges show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FeedGauges {
    /// Its version.
    pub(crate) version: u64,
    /// When it was signed.
    pub(crate) issued_at: Timestamp,
    /// When it expires.
    pub(crate) expires_at: Timestamp,
}

/// Counters and histograms of one server.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    /// `[GET, HEAD] × [200, 304]` of the feed route.
    feed: [[AtomicU64; 2]; 2],
    requests: Mutex<BTreeMap<(String, &'static str, u16), u64>>,
    signatures: AtomicU64,
    builds: AtomicU64,
    auth_failures: AtomicU64,
    latency: Mutex<Histogram>,
    polls: Mutex<BTreeMap<&'static str, u64>>,
    /// Copies by target: the last state and the number of failed attempts.
    copies: Mutex<BTreeMap<String, (CopyState, u64)>>,
    /// The last database probe: 0 unknown (a mirror), 1 writable, 2 not writable.
    database: AtomicU64,
}

/// The method as a label: the standard methods by name, anything else (hyper accepts any token) as `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

#[derive(Debug, Default)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    /// Counts one answered request.
    pub(crate) fn record_request(&self, route: &str, method: &Method, status: u16) {
        if route == FEED_ROUTE {
            let head = *method == Method::HEAD;
            if (head || *method == Method::GET) && matches!(status, 200 | 304) {
                return self.record_feed(head, status == 304);
            }
        }
        let mut requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        *requests
            .entry((route.to_owned(), method_label(method), status))
            .or_default() += 1;
    }

    /// Counts one feed GET (or HEAD) answered 200 (or 304 Not Modified).
    pub(crate) fn record_feed(&self, head: bool, not_modified: bool) {
        self.feed[usize::from(head)][usize::from(not_modified)].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one feed signature.
    pub(crate) fn record_signing(&self) {
        self.signatures.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one served document built (hashed and compressed).
    pub(crate) fn record_build(&self) {
        self.builds.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one rejected admin credential.
    pub(crate) fn record_auth_failure(&self) {
        self.auth_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Records how long one publish took.
    pub(crate) fn record_publish(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        let mut histogram = self.latency.lock().unwrap_or_else(PoisonError::into_inner);
        for (bucket, bound) in histogram.buckets.iter_mut().zip(LATENCY_BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// Counts one poll of a mirror's upstream by its result.
    pub(crate) fn record_poll(&self, result: &'static str) {
        let mut polls = self.polls.lock().unwrap_or_else(PoisonError::into_inner);
        *polls.entry(result).or_default() += 1;
    }

    /// Records whether the database took the last probe write.
    pub(crate) fn record_database(&self, writable: bool) {
        self.database
            .store(if writable { 1 } else { 2 }, Ordering::Relaxed);
    }

    /// Records the state of a copy after an attempt.
    pub(crate) fn record_copy(&self, state: &CopyState) {
        let mut copies = self.copies.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = copies
            .entry(state.target.clone())
            .or_insert_with(|| (state.clone(), 0));
        if state.is_failing() {
            entry.1 += 1;
        }
        entry.0 = state.clone();
    }

    /// Feeds signed since start.
    pub(crate) fn signatures(&self) -> u64 {
        self.signatures.load(Ordering::Relaxed)
    }

    /// Served documents built since start.
    pub(crate) fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    /// The exposition text: `doc` is the served document (none yet on a new mirror), `db_operations` the
    /// database use count (none on a mirror), `page_renders` how many pages were rendered.
    pub(crate) fn render(
        &self,
        doc: Option<FeedGauges>,
        now: Timestamp,
        db_operations: Option<u64>,
        page_renders: u64,
    ) -> String {
        let mut out = String::new();
        let mut requests = self
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for (head, method) in [(false, "GET"), (true, "HEAD")] {
            for (not_modified, status) in [(false, 200), (true, 304)] {
                let count =
                    self.feed[usize::from(head)][usize::from(not_modified)].load(Ordering::Relaxed);
                if count > 0 {
                    requests.insert((FEED_ROUTE.to_owned(), method, status), count);
                }
            }
        }
        header(
            &mut out,
            "notice_http_requests_total",
            "counter",
            "HTTP requests answered, by matched route, method and status.",
        );
        for ((route, method, status), count) in requests.iter() {
            let _ = writeln!(
                out,
                "notice_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {count}",
                escape(route),
                escape(method)
            );
        }

        if let Some(doc) = doc {
            gauge(
                &mut out,
                "notice_feed_version",
                "Version of the feed document being served.",
                doc.version as f64,
            );
            gauge(
                &mut out,
                "notice_feed_age_seconds",
                "Seconds since the served feed was signed (issued_at).",
                (now.unix() - doc.issued_at.unix()) as f64,
            );
            gauge(
                &mut out,
                "notice_feed_expires_in_seconds",
                "Seconds until the served feed expires; alert well before zero.",
                (doc.expires_at.unix() - now.unix()) as f64,
            );
        }
        counter(
            &mut out,
            "notice_feed_signatures_total",
            "Feed payloads signed since start.",
            self.signatures(),
        );
        counter(
            &mut out,
            "notice_feed_builds_total",
            "Served documents built (hashed and compressed) since start.",
            self.builds(),
        );
        if let Some(db_operations) = db_operations {
            counter(
                &mut out,
                "notice_db_operations_total",
                "Database operations since start.",
                db_operations,
            );
        }
        counter(
            &mut out,
            "notice_page_renders_total",
            "Status pages and Atom feeds rendered since start.",
            page_renders,
        );
        let polls = self.polls.lock().unwrap_or_else(PoisonError::into_inner);
        if !polls.is_empty() {
            header(
                &mut out,
                "notice_mirror_polls_total",
                "counter",
                "Polls of the upstream by result.",
            );
            for (result, count) in polls.iter() {
                let _ = writeln!(
                    out,
                    "notice_mirror_polls_total{{result=\"{result}\"}} {count}"
                );
            }
        }
        drop(polls);
        self.render_copies(&mut out);
        match self.database.load(Ordering::Relaxed) {
            0 => {}
            probe => gauge(
                &mut out,
                "notice_db_writable",
                "1 while the database takes writes (probed every 30 s, and checked after any write that fails); 0 when writes fail.",
                f64::from(u8::from(probe == 1)),
            ),
        }
        counter(
            &mut out,
            "notice_auth_failures_total",
            "Admin requests rejected for a missing, wrong or revoked token.",
            self.auth_failures.load(Ordering::Relaxed),
        );

        let histogram = self.latency.lock().unwrap_or_else(PoisonError::into_inner);
        header(
            &mut out,
            "notice_publish_duration_seconds",
            "histogram",
            "Time from the start of a write to the new document being served.",
        );
        for (bound, count) in LATENCY_BUCKETS.iter().zip(histogram.buckets) {
            let _ = writeln!(
                out,
                "notice_publish_duration_seconds_bucket{{le=\"{bound}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "notice_publish_duration_seconds_bucket{{le=\"+Inf\"}} {}",
            histogram.count
        );
        let _ = writeln!(out, "notice_publish_duration_seconds_sum {}", histogram.sum);
        let _ = writeln!(
            out,
            "notice_publish_duration_seconds_count {}",
            histogram.count
        );
        out
    }
}

impl Metrics {
    fn render_copies(&self, out: &mut String) {
        let copies = self.copies.lock().unwrap_or_else(PoisonError::into_inner);
        if copies.is_empty() {
            return;
        }
        let label = |state: &CopyState| {
            let kind = match state.kind {
                CopyKind::Publish => "publish",
                CopyKind::Watch => "watch",
            };
            format!("target=\"{}\",kind=\"{kind}\"", escape(&state.target))
        };
        header(
            out,
            "notice_copy_up",
            "gauge",
            "1 while the last read or write of a copy on another provider worked.",
        );
        for (state, _) in copies.values() {
            let up = u8::from(!state.is_failing());
            let _ = writeln!(out, "notice_copy_up{{{}}} {up}", label(state));
        }
        header(
            out,
            "notice_copy_version",
            "gauge",
            "The feed version a copy holds, as far as the server knows.",
        );
        for (state, _) in copies.values() {
            if let Some(version) = state.version {
                let _ = writeln!(out, "notice_copy_version{{{}}} {version}", label(state));
            }
        }
        header(
            out,
            "notice_copy_last_success_timestamp_seconds",
            "gauge",
            "When a copy was last read or written without error (Unix seconds).",
        );
        for (state, _) in copies.values() {
            if let Some(at) = state.last_success_at {
                let _ = writeln!(
                    out,
                    "notice_copy_last_success_timestamp_seconds{{{}}} {}",
                    label(state),
                    at.unix()
                );
            }
        }
        header(
            out,
            "notice_copy_failures_total",
            "counter",
            "Failed reads and writes of a copy.",
        );
        for (state, failures) in copies.values() {
            let _ = writeln!(
                out,
                "notice_copy_failures_total{{{}}} {failures}",
                label(state)
            );
        }
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    header(out, name, "gauge", help);
    let _ = writeln!(out, "{name} {value}");
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    header(out, name, "counter", help);
    let _ = writeln!(out, "{name} {value}");
}

/// Label values escape backslash, quote and newline.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_lists_requests_feed_state_and_latency() {
        let metrics = Metrics::default();
        metrics.record_request("/v1/feed.json", &Method::GET, 200);
        metrics.record_request("/v1/feed.json", &Method::GET, 200);
        metrics.record_request("/v1/feed.json", &Method::GET, 304);
        metrics.record_request("/v1/feed.json", &Method::POST, 405);
        let invented = Method::from_bytes(b"BREW").unwrap();
        metrics.record_request("unmatched", &invented, 404);
        metrics.record_request("unmatched", &Method::from_bytes(b"STEEP").unwrap(), 404);
        metrics.record_publish(Duration::from_millis(20));
        let doc = FeedGauges {
            version: 7,
            issued_at: Timestamp::from_unix(100),
            expires_at: Timestamp::from_unix(1000),
        };
        metrics.record_poll("updated");
        let text = metrics.render(Some(doc), Timestamp::from_unix(130), Some(3), 4);
        for line in [
            "notice_http_requests_total{route=\"/v1/feed.json\",method=\"GET\",status=\"200\"} 2",
            "notice_http_requests_total{route=\"/v1/feed.json\",method=\"GET\",status=\"304\"} 1",
            "notice_http_requests_total{route=\"/v1/feed.json\",method=\"POST\",status=\"405\"} 1",
            "notice_http_requests_total{route=\"unmatched\",method=\"other\",status=\"404\"} 2",
            "notice_feed_version 7",
            "notice_feed_age_seconds 30",
            "notice_feed_expires_in_seconds 870",
            "notice_db_operations_total 3",
            "notice_page_renders_total 4",
            "notice_mirror_polls_total{result=\"updated\"} 1",
            "notice_publish_duration_seconds_bucket{le=\"0.01\"} 0",
            "notice_publish_duration_seconds_bucket{le=\"0.025\"} 1",
            "notice_publish_duration_seconds_count 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
    }

    #[test]
    fn a_mirror_without_a_document_has_no_feed_or_database_series() {
        let text = Metrics::default().render(None, Timestamp::from_unix(1), None, 0);
        assert!(!text.contains("notice_feed_version"));
        assert!(!text.contains("notice_db_operations_total"));
        assert!(text.contains("notice_page_renders_total 0"));
    }

    #[test]
    fn copies_have_their_state_version_last_success_and_failures() {
        let metrics = Metrics::default();
        let mut state = CopyState::new("s3://b/p".to_owned(), CopyKind::Publish);
        state.failed(Timestamp::from_unix(100), "refused".to_owned());
        metrics.record_copy(&state);
        metrics.record_copy(&state);
        let text = metrics.render(None, Timestamp::from_unix(130), None, 0);
        for line in [
            "notice_copy_up{target=\"s3://b/p\",kind=\"publish\"} 0",
            "notice_copy_failures_total{target=\"s3://b/p\",kind=\"publish\"} 2",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
        state.written(Timestamp::from_unix(200), 9);
        metrics.record_copy(&state);
        let text = metrics.render(None, Timestamp::from_unix(230), None, 0);
        for line in [
            "notice_copy_up{target=\"s3://b/p\",kind=\"publish\"} 1",
            "notice_copy_version{target=\"s3://b/p\",kind=\"publish\"} 9",
            "notice_copy_last_success_timestamp_seconds{target=\"s3://b/p\",kind=\"publish\"} 200",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
