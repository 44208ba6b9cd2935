//! `notice-server mirror`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use notice_server::clock::SystemClock;
use notice_server::{Mirror, MirrorConfig, shutdown_signal};
use url::Url;

use super::{SiteArgs, run_listening};

/// Arguments of `mirror`.
#[derive(Debug, Args)]
pub struct MirrorArgs {
    /// What to replicate (repeatable; env: comma-separated): the origin's base URL such as
    /// https://notices.example.org (`/v1/feed.json` is appended), the root of a copy (a bucket's or static
    /// host's https URL, where the server's --publish-to or `notice export` write), or the full URL of a
    /// document ending in `.json`. All are asked at every poll; the highest valid version is served. https,
    /// or http to loopback.
    #[arg(long, env = "NOTICE_UPSTREAM", value_delimiter = ',', required = true)]
    upstream: Vec<Url>,

    /// The root document to verify against: root.json as written by the origin's `init` (what apps ship).
    #[arg(long, env = "NOTICE_ROOT")]
    root: PathBuf,

    /// Address to listen on. Port 0 picks a free port; the chosen address is printed as
    /// `listening on http://ADDR`.
    #[arg(long, env = "NOTICE_LISTEN", default_value = "127.0.0.1:8081")]
    listen: SocketAddr,

    /// Directory for the last verified document and the version floor (created if missing; used by this
    /// mirror only).
    #[arg(long, env = "NOTICE_STATE_DIR", default_value = "./notice-mirror")]
    state_dir: PathBuf,

    /// How often to ask the upstream for a new version.
    #[arg(long, env = "NOTICE_POLL_INTERVAL", default_value = "15s", value_parser = humantime::parse_duration)]
    poll_interval: Duration,

    /// How long one poll of the upstream may take, connecting included.
    #[arg(long, env = "NOTICE_UPSTREAM_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    timeout: Duration,

    /// Cache-Control max-age of what the mirror serves, in seconds (at most 60).
    #[arg(long, env = "NOTICE_CACHE_MAX_AGE", default_value_t = 30)]
    cache_max_age: u32,

    /// How long one request to the mirror may take before the answer is 408.
    #[arg(long, env = "NOTICE_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    request_timeout: Duration,

    /// After SIGTERM or Ctrl-C, how long requests in flight may take before their connections are closed.
    #[arg(long, env = "NOTICE_SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    shutdown_timeout: Duration,

    /// Serve /metrics on this address only, not on --listen (port 0 picks a free port; printed as
    /// `metrics listening on http://ADDR`).
    #[arg(long, env = "NOTICE_METRICS_LISTEN", value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,

    /// PEM file with the certificates of a private CA that upstreams' TLS certificates may chain to (an
    /// operator with their own PKI), trusted in addition to the public CAs.
    #[arg(long, env = "NOTICE_CA_CERT", value_name = "FILE")]
    ca_cert: Option<PathBuf>,

    #[command(flatten)]
    site: SiteArgs,
}

impl MirrorArgs {
    pub fn run(self) -> anyhow::Result<()> {
        if self.cache_max_age > notice_server::config::MAX_CACHE_MAX_AGE_SECS {
            anyhow::bail!(
                "--cache-max-age {} is above {} s: caches would hide a new notice for too long",
                self.cache_max_age,
                notice_server::config::MAX_CACHE_MAX_AGE_SECS
            );
        }
        let trusted_root = std::fs::read(&self.root).with_context(|| {
            format!(
                "cannot read the root file {}; pass --root with root.json from the origin's data directory",
                self.root.display()
            )
        })?;
        let feed_id = notice_types::TrustedRoot::from_envelope_bytes(&trusted_root)
            .with_context(|| format!("{} is not a valid root document", self.root.display()))?
            .payload()
            .feed_id
            .clone();
        let ca_certs_pem = self
            .ca_cert
            .as_ref()
            .map(|path| {
                std::fs::read_to_string(path).with_context(|| {
                    format!(
                        "cannot read the CA certificates {}; pass --ca-cert with the CA's PEM file",
                        path.display()
                    )
                })
            })
            .transpose()?;
        let config = MirrorConfig {
            ca_certs_pem,
            upstreams: self.upstream,
            trusted_root,
            state_dir: self.state_dir,
            poll_interval: self.poll_interval,
            timeout: self.timeout,
            cache_max_age_secs: self.cache_max_age,
            request_timeout: self.request_timeout,
            shutdown_timeout: self.shutdown_timeout,
            metrics_listen: self.metrics_listen,
            site: self.site.site(&feed_id)?,
        };
        let mirror = Mirror::open(config, Arc::new(SystemClock))
            .with_context(|| format!("cannot start the mirror of {}", self.root.display()))?;
        tracing::info!(upstreams = %mirror.upstream_list(), "mirroring");
        run_listening(self.listen, "mirror failed", |listener| {
            mirror.serve(listener, shutdown_signal())
        })
    }
}
