//! The watchdog's `/metrics` (Prometheus text): each check's last result and latency, its counts, whether it
//! is raised and has an open notice; actions by kind, route and result; webhook deliveries; the followed
//! feed's version. Served by a small blocking HTTP server (`tiny_http`) on its own thread: the CLI links no
//! async runtime.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::CliError;
use crate::watch::Stop;

/// Everything counted.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    checks: BTreeMap<String, CheckMetrics>,
    actions: BTreeMap<(&'static str, &'static str, &'static str), u64>,
    webhooks: BTreeMap<&'static str, u64>,
    followed_version: Option<u64>,
}

#[derive(Default)]
struct CheckMetrics {
    up: Option<bool>,
    latency_seconds: f64,
    successes: u64,
    failures: u64,
    raised: bool,
    raised_total: u64,
    recovered_total: u64,
    open_notice: bool,
}

impl Metrics {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers `check` so it is listed before its first result.
    pub fn add_check(&self, check: &str, raised: bool, open_notice: bool) {
        let mut inner = self.lock();
        let entry = inner.checks.entry(check.to_owned()).or_default();
        entry.raised = raised;
        entry.open_notice = open_notice;
    }

    /// One result of `check`.
    pub fn result(&self, check: &str, ok: bool, latency: Duration) {
        let mut inner = self.lock();
        let entry = inner.checks.entry(check.to_owned()).or_default();
        entry.up = Some(ok);
        entry.latency_seconds = latency.as_secs_f64();
        if ok {
            entry.successes += 1;
        } else {
            entry.failures += 1;
        }
    }

    /// `check` raised (`true`) or recovered.
    pub fn transition(&self, check: &str, raised: bool) {
        let mut inner = self.lock();
        let entry = inner.checks.entry(check.to_owned()).or_default();
        entry.raised = raised;
        if raised {
            entry.raised_total += 1;
        } else {
            entry.recovered_total += 1;
        }
    }

    /// Whether the watchdog has an open notice for `check`.
    pub fn open_notice(&self, check: &str, open: bool) {
        self.lock()
            .checks
            .entry(check.to_owned())
            .or_default()
            .open_notice = open;
    }

    /// An action (`create`, `update`, `resolve`) through `via` (`server`, `break_glass`, `none`) with
    /// `result` (`ok`, `failed`, `dry_run`).
    pub fn action(&self, action: &'static str, via: &'static str, result: &'static str) {
        *self
            .lock()
            .actions
            .entry((action, via, result))
            .or_default() += 1;
    }

    /// A webhook delivery: `sent`, `failed`, `dropped`.
    pub fn webhook(&self, result: &'static str) {
        *self.lock().webhooks.entry(result).or_default() += 1;
    }

    /// The version of the followed feed.
    pub fn followed(&self, version: u64) {
        self.lock().followed_version = Some(version);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let inner = self.lock();
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, rows: Vec<(String, String)>| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (labels, value) in rows {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        let per_check = |f: &dyn Fn(&CheckMetrics) -> Option<String>| -> Vec<(String, String)> {
            inner
                .checks
                .iter()
                .filter_map(|(name, m)| f(m).map(|v| (format!("{{check=\"{name}\"}}"), v)))
                .collect()
        };
        family(
            "notice_watch_check_up",
            "gauge",
            "Whether the check's last run succeeded (1) or failed (0).",
            per_check(&|m| m.up.map(|up| u8::from(up).to_string())),
        );
        family(
            "notice_watch_check_latency_seconds",
            "gauge",
            "How long the check's last run took.",
            per_check(&|m| m.up.map(|_| m.latency_seconds.to_string())),
        );
        let mut results = Vec::new();
        for (name, m) in &inner.checks {
            results.push((
                format!("{{check=\"{name}\",result=\"success\"}}"),
                m.successes.to_string(),
            ));
            results.push((
                format!("{{check=\"{name}\",result=\"failure\"}}"),
                m.failures.to_string(),
            ));
        }
        family(
            "notice_watch_check_runs_total",
            "counter",
            "Runs of the check by result.",
            results,
        );
        family(
            "notice_watch_check_raised",
            "gauge",
            "Whether the check is raised by its alerting rule (1) or not (0).",
            per_check(&|m| Some(u8::from(m.raised).to_string())),
        );
        let mut transitions = Vec::new();
        for (name, m) in &inner.checks {
            transitions.push((
                format!("{{check=\"{name}\",to=\"raised\"}}"),
                m.raised_total.to_string(),
            ));
            transitions.push((
                format!("{{check=\"{name}\",to=\"recovered\"}}"),
                m.recovered_total.to_string(),
            ));
        }
        family(
            "notice_watch_transitions_total",
            "counter",
            "Times the check raised or recovered.",
            transitions,
        );
        family(
            "notice_watch_open_notice",
            "gauge",
            "Whether the watchdog has an open notice for the check.",
            per_check(&|m| Some(u8::from(m.open_notice).to_string())),
        );
        family(
            "notice_watch_actions_total",
            "counter",
            "Notice writes by action (create, update, resolve), route (server, break_glass, none) and result.",
            inner
                .actions
                .iter()
                .map(|((action, via, result), n)| {
                    (
                        format!("{{action=\"{action}\",via=\"{via}\",result=\"{result}\"}}"),
                        n.to_string(),
                    )
                })
                .collect(),
        );
        family(
            "notice_watch_webhooks_total",
            "counter",
            "Webhook deliveries by result (sent, failed, dropped).",
            inner
                .webhooks
                .iter()
                .map(|(result, n)| (format!("{{result=\"{result}\"}}"), n.to_string()))
                .collect(),
        );
        if let Some(version) = inner.followed_version {
            family(
                "notice_watch_followed_feed_version",
                "gauge",
                "The version of the public feed last seen.",
                vec![(String::new(), version.to_string())],
            );
        }
        out
    }
}

/// Serves `/metrics` on `listen` until `stop`; returns the bound address (for port 0) and the thread.
pub fn serve(
    listen: SocketAddr,
    metrics: Arc<Metrics>,
    stop: Arc<Stop>,
) -> Result<(SocketAddr, JoinHandle<()>), CliError> {
    let server = tiny_http::Server::http(listen).map_err(|e| {
        CliError::usage_hint(
            format!("cannot serve /metrics on {listen}: {e}"),
            "pick a free address for metrics_listen, or leave it out",
        )
    })?;
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| CliError::usage(format!("metrics_listen {listen} is not an IP address")))?;
    let thread = std::thread::Builder::new()
        .name("metrics".to_owned())
        .spawn(move || {
            while !stop.is_set() {
                let request = match server.recv_timeout(Duration::from_millis(200)) {
                    Ok(Some(request)) => request,
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::warn!(error = %e, "metrics server stopped");
                        return;
                    }
                };
                let response = if request.url() == "/metrics"
                    && matches!(
                        request.method(),
                        tiny_http::Method::Get | tiny_http::Method::Head
                    ) {
                    let header = tiny_http::Header::from_bytes(
                        &b"content-type"[..],
                        &b"text/plain; version=0.0.4; charset=utf-8"[..],
                    );
                    let mut response = tiny_http::Response::from_string(metrics.render());
                    if let Ok(header) = header {
                        response = response.with_header(header);
                    }
                    response
                } else {
                    tiny_http::Response::from_string("only /metrics is here\n")
                        .with_status_code(404)
                };
                // A client that went away is its own problem.
                let _ = request.respond(response);
            }
        })
        .map_err(|e| CliError::usage(format!("cannot start the metrics thread: {e}")))?;
    Ok((bound, thread))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_has_one_series_per_check_and_result() {
        let metrics = Metrics::default();
        metrics.add_check("keyshare", false, false);
        metrics.result("keyshare", false, Duration::from_millis(1500));
        metrics.transition("keyshare", true);
        metrics.action("create", "server", "ok");
        let text = metrics.render();
        for line in [
            "notice_watch_check_up{check=\"keyshare\"} 0",
            "notice_watch_check_latency_seconds{check=\"keyshare\"} 1.5",
            "notice_watch_check_runs_total{check=\"keyshare\",result=\"failure\"} 1",
            "notice_watch_check_raised{check=\"keyshare\"} 1",
            "notice_watch_transitions_total{check=\"keyshare\",to=\"raised\"} 1",
            "notice_watch_actions_total{action=\"create\",via=\"server\",result=\"ok\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
    }
}
