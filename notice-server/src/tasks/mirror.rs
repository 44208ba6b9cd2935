//! `notice-server mirror`: a read-only replica of another notice server (or mirror, or static copy), run on
//! another provider so notices stay reachable when the origin's infrastructure is down.
//!
//! It polls the upstream's `/v1/feed.json` with the same code the app uses — a [`notice_client::Client`]
//! with the upstream as its only mirror: conditional GET (`If-None-Match`), a hard size cap while reading,
//! connect and total timeouts, `Retry-After`, and the full verification against the root it was given. The
//! client's state directory persists the last verified document and the version floor, so the mirror never
//! serves a lower version than it has seen, across restarts too. It serves the verified bytes unchanged at
//! the same paths as the origin through the same public routes ([`crate::http::replica_app`]): the feed
//! with its ETag, compressed variants and caching headers, the status pages, the Atom feed, `/healthz` and
//! `/metrics`; `/v1/root.json` when the root it was given is root v1 (the file apps ship). There is no admin
//! API. When the upstream fails, it keeps serving its last good copy; `/healthz` reports `stale` once the
//! upstream has not answered validly for four poll intervals.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use notice_client::{Client, ClientError, Config, RefreshOutcome, Timeouts};
use notice_types::{Timestamp, TrustedRoot, VerifyError};
use tokio::net::TcpListener;
use tokio::sync::watch;
use url::Url;

use notice_publish::status_page::Site;

use crate::clock::Clock;
use crate::http::hot::HotDocument;
use crate::http::pages::Pages;
use crate::http::served::{LastContact, PublicParts, PublicState, Staleness};
use crate::http::{
    ConnectionLimits, FeedFastPath, replica_app, serve_connections, serve_metrics_apart,
};
use crate::metrics::Metrics;
use crate::storage::feeds::StoredFeed;

/// How a mirror is set up.
#[derive(Debug, Clone)]
pub struct MirrorConfig {
    /// The upstreams, asked at once at every poll; the highest valid version among them is served. Each is
    /// a server's base URL (`https://notices.example.org`, `/v1/feed.json` is appended), a copy's root (a
    /// bucket or static host written by `--publish-to` or `notice export`: it has `v1/feed.json` too) or the
    /// full URL of a document ending in `.json`. `https://`, or `http://` to loopback.
    pub upstreams: Vec<Url>,
    /// The root envelope file to verify against (root.json from the origin's `init`, or a later version).
    pub trusted_root: Vec<u8>,
    /// A directory only this mirror uses: the last verified document and the version floor.
    pub state_dir: PathBuf,
    /// How often to ask the upstream.
    pub poll_interval: Duration,
    /// How long one poll may take, connecting included.
    pub timeout: Duration,
    /// `Cache-Control: max-age` of what it serves.
    pub cache_max_age_secs: u32,
    /// How long one request to the mirror may take.
    pub request_timeout: Duration,
    /// After the stop signal, how long requests in flight may take before the connections are closed.
    pub shutdown_timeout: Duration,
    /// Serve `/metrics` on this address only (not on the public one).
    pub metrics_listen: Option<SocketAddr>,
    /// The status page's site; `None`: named after the feed id, English.
    pub site: Option<Site>,
    /// PEM certificates of a private CA the upstreams' TLS may chain to, besides the public CAs.
    pub ca_certs_pem: Option<String>,
}

/// Why a mirror cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MirrorError {
    /// The root file is not a valid root envelope.
    #[error("the root file is not a valid root document: {0}")]
    Root(VerifyError),
    /// A setting cannot work.
    #[error("{0}")]
    Config(String),
    /// The embedded client refused the configuration or its state directory.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// What one poll did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// A newer version was verified and is served now.
    Updated(u64),
    /// The upstream confirmed what is served (or sent the same version).
    Unchanged(Option<u64>),
    /// The upstream asked to wait (`Retry-After`) until then; it was not asked.
    Waiting(Timestamp),
    /// No valid answer; the last good copy is still served. The reason, for the log.
    Failed(String),
}

impl PollOutcome {
    fn metric(&self) -> &'static str {
        match self {
            PollOutcome::Updated(_) => "updated",
            PollOutcome::Unchanged(_) => "unchanged",
            PollOutcome::Waiting(_) => "waiting",
            PollOutcome::Failed(_) => "failed",
        }
    }
}

/// A running mirror's parts. Cheap to clone.
#[derive(Clone)]
pub struct Mirror {
    client: Arc<Client>,
    public: PublicState,
    upstreams: Vec<Url>,
    poll_interval: Duration,
    request_timeout: Duration,
    shutdown_timeout: Duration,
    metrics_listen: Option<SocketAddr>,
    last_contact: Arc<LastContact>,
}

impl std::fmt::Debug for Mirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mirror")
            .field("upstreams", &self.upstream_list())
            .finish_non_exhaustive()
    }
}

/// The document URL of an upstream given as a base URL or as a document URL.
pub(crate) fn feed_url(upstream: &Url) -> Url {
    if upstream.path().ends_with(".json") {
        return upstream.clone();
    }
    let mut base = upstream.clone();
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base.join("v1/feed.json").unwrap_or(base)
}

impl Mirror {
    /// Opens the state directory (creating it) and serves the last verified document from it at once, if
    /// there is one. Blocking; no network.
    pub fn open(config: MirrorConfig, clock: Arc<dyn Clock>) -> Result<Self, MirrorError> {
        if config.poll_interval.is_zero() {
            return Err(MirrorError::Config(
                "--poll-interval must be longer than zero".to_owned(),
            ));
        }
        if config.timeout.is_zero() || config.timeout > Timeouts::MAX_DEADLINE {
            return Err(MirrorError::Config(format!(
                "--timeout must be between 1s and {}s",
                Timeouts::MAX_DEADLINE.as_secs()
            )));
        }
        let trusted =
            TrustedRoot::from_envelope_bytes(&config.trusted_root).map_err(MirrorError::Root)?;
        let root = trusted.payload().clone();
        if config.upstreams.is_empty() {
            return Err(MirrorError::Config(
                "give at least one --upstream: the origin, a bucket or a static copy".to_owned(),
            ));
        }
        let upstreams: Vec<Url> = config.upstreams.iter().map(feed_url).collect();
        let mut client_config = Config::new(
            root.feed_id.clone(),
            config.trusted_root.clone(),
            &config.state_dir,
        );
        client_config.mirrors = upstreams.iter().map(ToString::to_string).collect();
        client_config.ca_certs_pem = config.ca_certs_pem.clone();
        client_config.timeouts = Timeouts {
            connect: config.timeout.min(Duration::from_secs(5)),
            mirror: config.timeout,
            deadline: config.timeout,
            // The mirror paces itself by its poll interval; Retry-After still applies.
            min_refresh_interval: Duration::ZERO,
        };
        let client = Arc::new(Client::new(client_config)?);
        let last_contact = Arc::new(LastContact::default());
        let site = config.site.unwrap_or_else(|| Site::for_feed(&root.feed_id));
        let public = PublicState::new(
            PublicParts {
                // `/v1/root.json` is root v1, what apps ship; a later root is not that file.
                root_v1: (root.version == 1).then(|| Bytes::from(config.trusted_root.clone())),
                pages: Pages::new(site, trusted, None),
                clock,
                metrics: Arc::new(Metrics::default()),
                cache_max_age_secs: config.cache_max_age_secs,
                staleness: Staleness::Upstream {
                    after: config.poll_interval.saturating_mul(4),
                    last_contact: last_contact.clone(),
                },
                db: None,
                origin: None,
                metrics_apart: config.metrics_listen.is_some(),
            },
            None,
        );
        let mirror = Self {
            client,
            public,
            upstreams,
            poll_interval: config.poll_interval,
            request_timeout: config.request_timeout,
            shutdown_timeout: config.shutdown_timeout,
            metrics_listen: config.metrics_listen,
            last_contact,
        };
        let now = mirror.public.clock.now();
        // What the state directory held that could not be used (corrupt, another feed's or another setup's
        // state): the mirror starts from what is still good, and the operator hears why.
        for problem in mirror.client.status(now).storage_problems {
            tracing::warn!(
                file = %problem.file,
                code = %problem.code,
                state_dir = %config.state_dir.display(),
                "state directory: {}",
                problem.message
            );
        }
        if let Some(version) = mirror.install_held(now) {
            tracing::info!(
                version,
                "serving the last verified document from the state directory"
            );
        }
        Ok(mirror)
    }

    /// The document URLs polled, comma-separated (for logs).
    pub fn upstream_list(&self) -> String {
        let urls: Vec<&str> = self.upstreams.iter().map(Url::as_str).collect();
        urls.join(", ")
    }

    /// The mirror's router (public routes only).
    pub(crate) fn app(&self) -> Router {
        replica_app(self.public.clone(), self.request_timeout)
    }

    /// Serves the client's last verified document, if it is newer than the one served; returns its version.
    fn install_held(&self, now: Timestamp) -> Option<u64> {
        let bytes = self.client.document()?;
        let status = self.client.status(now);
        let (version, issued_at, expires_at) =
            (status.version?, status.issued_at?, status.expires_at?);
        let installed = self.public.install(HotDocument::build(&StoredFeed {
            version,
            bytes,
            issued_at,
            expires_at,
            refresh_at: None,
        }));
        installed.then_some(version)
    }

    /// Asks the upstream once (on a blocking thread: the client's fetching is synchronous) and serves what
    /// it verified.
    pub async fn poll(&self) -> PollOutcome {
        let now = self.public.clock.now();
        let client = self.client.clone();
        let refreshed = tokio::task::spawn_blocking(move || client.refresh(now)).await;
        let outcome = match refreshed {
            Err(e) => PollOutcome::Failed(format!("poll task failed: {e}")),
            Ok(Err(e)) => PollOutcome::Failed(format!("{e:#}")),
            Ok(Ok(RefreshOutcome::Updated { version })) => {
                self.last_contact.record(now);
                self.install_held(now);
                PollOutcome::Updated(version)
            }
            Ok(Ok(RefreshOutcome::Unchanged { version })) => {
                self.last_contact.record(now);
                // Also covers a first answer that confirmed the copy loaded from disk.
                self.install_held(now);
                PollOutcome::Unchanged(version)
            }
            Ok(Ok(RefreshOutcome::TooSoon { next_allowed_at })) => {
                PollOutcome::Waiting(next_allowed_at)
            }
            Ok(Ok(RefreshOutcome::AlreadyRunning)) => PollOutcome::Waiting(now.plus_seconds(1)),
        };
        self.public.metrics.record_poll(outcome.metric());
        outcome
    }

    /// Polls every interval until `shutdown` resolves. Failures are logged and the last good copy stays.
    pub(crate) async fn run_polls(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                outcome = self.poll() => match outcome {
                    PollOutcome::Updated(version) => {
                        tracing::info!(version, upstreams = %self.upstream_list(), "serving new feed version");
                    }
                    PollOutcome::Unchanged(_) => {}
                    PollOutcome::Waiting(until) => {
                        tracing::info!(%until, "upstream asked to wait (Retry-After)");
                    }
                    PollOutcome::Failed(reason) => {
                        tracing::warn!(upstreams = %self.upstream_list(), %reason, "poll failed; serving the last good copy");
                    }
                },
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(self.poll_interval) => {}
            }
        }
    }

    /// Serves on `listener` and polls beside it until `shutdown` resolves; then lets requests in flight
    /// finish.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let stop_metrics = stop_rx.clone();
        let poller = {
            let mirror = self.clone();
            tokio::spawn(async move { mirror.run_polls(stopped(stop_rx)).await })
        };
        // The origin's way of serving, fast path included: a mirror takes the same load when the origin is
        // down.
        let fast = FeedFastPath::new(self.public.clone());
        let limits = ConnectionLimits {
            header_timeout: self.request_timeout,
            shutdown_timeout: self.shutdown_timeout,
        };
        let metrics = match self.metrics_listen {
            Some(address) => Some(
                serve_metrics_apart(address, self.public.clone(), limits, stopped(stop_metrics))
                    .await?,
            ),
            None => None,
        };
        let result = serve_connections(listener, self.app(), fast, limits, shutdown).await;
        let _ = stop_tx.send(true);
        if let Some(metrics) = metrics {
            let _ = metrics.await;
        }
        if let Err(e) = poller.await {
            tracing::error!(error = %e, "poll task ended abnormally");
        }
        result
    }
}

async fn stopped(mut rx: watch::Receiver<bool>) {
    // An error means the sender is gone: stop as well.
    let _ = rx.wait_for(|stop| *stop).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstreams_are_bases_or_document_urls() {
        let check = |given: &str, expect: &str| {
            assert_eq!(
                feed_url(&Url::parse(given).unwrap()).as_str(),
                expect,
                "{given}"
            );
        };
        check(
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/v1/feed.json",
        );
        check(
            "https://a.example/notices",
            "https://a.example/notices/v1/feed.json",
        );
        check(
            "https://a.example/notices/",
            "https://a.example/notices/v1/feed.json",
        );
        check(
            "https://b.example/static/feed.json",
            "https://b.example/static/feed.json",
        );
    }
}
