//! Post-to-visible latency: the time from sending an admin write until `GET /v1/feed.json` serves the feed
//! version that carries it, over many writes, against a running (release) server.
//!
//! `bench/post-to-visible.sh` starts a server and runs this; see BENCHMARKS.md. By hand:
//! `cargo run --release -p notice-server --example post_to_visible -- --server URL --token TOKEN`.
//!
//! Why a Rust program and not curl in a loop: a curl process per request costs milliseconds of fork, exec and
//! connection set-up, which is the same order as what is measured and varies with machine load. Here one
//! keep-alive connection carries the writes and another the reads (as an operator's CLI and a phone would),
//! and the clock is the monotonic `Instant`.
//!
//! How one write is timed: the clock starts right before the POST is sent (on its own thread); meanwhile this
//! thread GETs the feed every `--poll-interval-us` until a GET (read in full) shows a newer version, as phones
//! polling during the write would. That is the "visible" time; its resolution is one poll interval plus one
//! GET. A phone does not wait for the operator's answer, so neither does the poller; the POST's own round
//! trip is reported beside it. Polling back to back would measure faster, but on a small machine the poller
//! would then take CPU from the server's write.
//!
//! With `--visible-at URL` the poller reads that document instead of the server's (a publish target's
//! `v1/feed.json`, say the bucket behind the CDN, as `bench/write-to-bucket.sh` does): the body is verified
//! against the server's root v1 and its version is read from it, and a 404 counts as "not there yet". The
//! time from the write's answer to the version being readable there is reported too.
//!
//! The writes cycle create → update → withdraw, so the feed stays the size it had (plus at most one notice)
//! however many writes are made: it never reaches the 50-notice cap, and each write signs a realistic feed.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use clap::Parser;
use notice_types::{Timestamp, TrustedRoot, verify};
use serde_json::{Value, json};

/// A GET that has not seen the new version after this long is a failure, not a slow sample.
const VISIBLE_DEADLINE: Duration = Duration::from_secs(10);

/// Measures post-to-visible latency against a running notice-server.
#[derive(Debug, Parser)]
struct Args {
    /// Base URL of the server, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "NOTICE_SERVER")]
    server: String,
    /// An admin token.
    #[arg(long, env = "NOTICE_TOKEN", hide_env_values = true)]
    token: String,
    /// Writes measured.
    #[arg(long, default_value_t = 1000)]
    posts: usize,
    /// Writes made first and not measured (connection set-up, page cache, SQLite's WAL growing).
    #[arg(long, default_value_t = 30)]
    warmup: usize,
    /// Pause between two GETs of the poller, in microseconds.
    #[arg(long, default_value_t = 100)]
    poll_interval_us: u64,
    /// The `Accept-Encoding` the poller sends (`gzip` as Android's HTTP stack and most CDNs; `br` as iOS).
    #[arg(long, default_value = "gzip")]
    accept_encoding: String,
    /// Where the poller reads the document [default: the server's /v1/feed.json], e.g. a bucket's
    /// http://127.0.0.1:PORT/bucket/prefix/v1/feed.json.
    #[arg(long, value_name = "URL")]
    visible_at: Option<String>,
}

/// One kind of write in the cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    Create,
    Update,
    Withdraw,
}

const CYCLE: [Write; 3] = [Write::Create, Write::Update, Write::Withdraw];

/// One measured write.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// Which write of the run (warm-up included).
    n: usize,
    /// What it was.
    kind: Write,
    /// From sending the write until its answer was read.
    post: Duration,
    /// From sending the write until a GET served the version carrying it.
    visible: Duration,
}

impl Sample {
    /// From the write's answer until the version was readable (zero when it was readable first).
    fn after_answer(&self) -> Duration {
        self.visible.saturating_sub(self.post)
    }
}

struct Bench {
    base: String,
    bearer: String,
    writer: ureq::Agent,
    reader: ureq::Agent,
    poll_interval: Duration,
    accept_encoding: String,
    /// Another place to read the document, with the root to read its version by (`--visible-at`).
    elsewhere: Option<(String, TrustedRoot)>,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .proxy(None)
        .max_idle_connections_per_host(1)
        .build()
        .into()
}

fn text(en: &str, nl: &str, de: &str) -> Value {
    json!({ "en": en, "nl": nl, "de": de })
}

impl Bench {
    /// Sends one write; returns the feed version that carries it and the notice id.
    fn write(&self, kind: Write, id: Option<&str>, n: usize) -> anyhow::Result<(u64, String)> {
        let url = |tail: &str| format!("{}/v1/admin/notices{tail}", self.base);
        let id_path = |suffix: &str| -> anyhow::Result<String> {
            let id = id.context("update or withdraw without a notice")?;
            Ok(url(&format!("/{id}/{suffix}")))
        };
        let request = |url: String| self.writer.post(url).header("authorization", &self.bearer);
        let send_json = |url: String, body: Value| {
            request(url)
                .content_type("application/json")
                .send(&serde_json::to_vec(&body).unwrap_or_default()[..])
        };
        let mut response = match kind {
            Write::Create => {
                let body = json!({
                    "severity": "degraded",
                    "components": ["issuance"],
                    "title": text(
                        &format!("Issuing credentials is slow ({n})"),
                        &format!("Kaarten toevoegen gaat traag ({n})"),
                        &format!("Das Hinzufügen von Karten ist langsam ({n})"),
                    ),
                    "body": text(
                        "Adding cards to the app can take a few minutes. Cards you already have work as usual.",
                        "Kaarten toevoegen aan de app kan een paar minuten duren. Kaarten die je al hebt werken gewoon.",
                        "Das Hinzufügen von Karten kann einige Minuten dauern. Vorhandene Karten funktionieren wie gewohnt.",
                    ),
                });
                send_json(url(""), body)
            }
            Write::Update => {
                let body = json!({
                    "status": "identified",
                    "message": text(
                        "Cause found: a slow database replica. A fix is being rolled out.",
                        "Oorzaak gevonden: een trage databasekopie. Er wordt een oplossing uitgerold.",
                        "Ursache gefunden: eine langsame Datenbankkopie. Eine Lösung wird ausgerollt.",
                    ),
                });
                send_json(id_path("updates")?, body)
            }
            Write::Withdraw => request(id_path("withdraw")?).send_empty(),
        }
        .with_context(|| format!("{kind:?} request"))?;
        let status = response.status();
        let body: Value = serde_json::from_slice(&response.body_mut().read_to_vec()?)
            .with_context(|| format!("{kind:?}: HTTP {status}, body is not JSON"))?;
        ensure!(status.is_success(), "{kind:?}: HTTP {status}: {body}");
        let version = body["feed_version"]
            .as_u64()
            .with_context(|| format!("{kind:?}: no feed_version in {body}"))?;
        let id = body["notice"]["id"]
            .as_str()
            .with_context(|| format!("{kind:?}: no notice.id in {body}"))?
            .to_owned();
        Ok((version, id))
    }

    /// The version `GET /v1/feed.json` serves now, asking for `--accept-encoding`. The body is read in full:
    /// a response only counts once the client has it.
    fn served_version(&self) -> anyhow::Result<u64> {
        if let Some((url, trusted)) = &self.elsewhere {
            return self.version_at(url, trusted);
        }
        let mut response = self
            .reader
            .get(format!("{}/v1/feed.json", self.base))
            .header("accept-encoding", &self.accept_encoding)
            .call()
            .context("GET /v1/feed.json")?;
        ensure!(
            response.status() == 200,
            "GET /v1/feed.json: HTTP {}",
            response.status()
        );
        let version = response
            .headers()
            .get("x-notice-feed-version")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .context("GET /v1/feed.json: no x-notice-feed-version header")?;
        let body = response.body_mut().read_to_vec()?;
        ensure!(!body.is_empty(), "GET /v1/feed.json: empty body");
        Ok(version)
    }

    /// The version of the document at `url` (`--visible-at`), 0 while there is none.
    fn version_at(&self, url: &str, trusted: &TrustedRoot) -> anyhow::Result<u64> {
        let mut response = self
            .reader
            .get(url)
            .header("accept-encoding", &self.accept_encoding)
            .call()
            .with_context(|| format!("GET {url}"))?;
        if response.status() == 404 {
            return Ok(0);
        }
        ensure!(
            response.status() == 200,
            "GET {url}: HTTP {}",
            response.status()
        );
        let body = response
            .body_mut()
            .with_config()
            .limit(notice_types::limits::MAX_DOCUMENT_BYTES as u64)
            .read_to_vec()?;
        let (_, feed) = notice_types::dangerous_verify_ignoring_freshness(&body, trusted)
            .with_context(|| format!("{url} does not verify"))?;
        Ok(feed.version)
    }

    /// One write, and GETs until it is visible; `before` is the version served before the write.
    fn measure(
        &self,
        kind: Write,
        id: Option<&str>,
        n: usize,
        before: u64,
    ) -> anyhow::Result<(Sample, String, u64)> {
        let started = Instant::now();
        std::thread::scope(|scope| {
            let mut write = Some(scope.spawn(|| {
                let written = self.write(kind, id, n);
                (written, started.elapsed())
            }));
            // Poll until a newer version shows; then, once the write's answer says which version carries it,
            // on until that one (another writer, say the heartbeat, could have published in between).
            let mut seen = before;
            let mut visible = Duration::ZERO;
            let mut wanted = before + 1;
            let mut answer = None;
            loop {
                let version = self.served_version()?;
                if version > seen {
                    seen = version;
                    visible = started.elapsed();
                }
                if let Some(handle) = write.take_if(|h| h.is_finished()) {
                    let (written, post) = handle
                        .join()
                        .map_err(|_| anyhow::anyhow!("the write thread panicked"))?;
                    let (version, id) = written?;
                    wanted = version;
                    answer = Some((id, post));
                }
                if seen >= wanted && answer.is_some() {
                    break;
                }
                if started.elapsed() > VISIBLE_DEADLINE {
                    bail!("version {wanted} not served {VISIBLE_DEADLINE:?} after the write");
                }
                std::thread::sleep(self.poll_interval);
            }
            let (id, post) = answer.context("no answer")?;
            let sample = Sample {
                n,
                kind,
                post,
                visible,
            };
            Ok((sample, id, seen))
        })
    }

    /// `GET path` on the server, the body in full.
    fn get_bytes(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let mut response = self
            .reader
            .get(format!("{}{path}", self.base))
            .call()
            .with_context(|| format!("GET {path}"))?;
        ensure!(
            response.status() == 200,
            "GET {path}: HTTP {}",
            response.status()
        );
        Ok(response
            .body_mut()
            .with_config()
            .limit(notice_types::limits::MAX_DOCUMENT_BYTES as u64)
            .read_to_vec()?)
    }

    /// Fetches the served document and root v1 and verifies the document as an app would.
    fn check_final(&self, expect_version: u64) -> anyhow::Result<usize> {
        let trusted = TrustedRoot::from_envelope_bytes(&self.get_bytes("/v1/root.json")?)
            .context("root v1")?;
        let verified = verify(
            &self.get_bytes("/v1/feed.json")?,
            &trusted,
            None,
            Timestamp::from(chrono::Utc::now()),
        )
        .context("the served feed does not verify")?;
        ensure!(
            verified.feed.version >= expect_version,
            "served version {} is older than the last write's {expect_version}",
            verified.feed.version
        );
        Ok(verified.feed.notices.len())
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(name: &str, mut values: Vec<Duration>) -> (Duration, Duration) {
    values.sort();
    let (p50, p90, p99) = (
        percentile(&values, 0.50),
        percentile(&values, 0.90),
        percentile(&values, 0.99),
    );
    let max = values.last().copied().unwrap_or_default();
    println!(
        "{name:<28} p50 {:>7.3} ms   p90 {:>7.3} ms   p99 {:>7.3} ms   max {:>7.3} ms",
        ms(p50),
        ms(p90),
        ms(p99),
        ms(max)
    );
    (p50, p99)
}

fn run(args: Args) -> anyhow::Result<()> {
    ensure!(args.posts > 0, "--posts must be at least 1");
    let mut bench = Bench {
        base: args.server.trim_end_matches('/').to_owned(),
        bearer: format!("Bearer {}", args.token),
        writer: agent(),
        reader: agent(),
        poll_interval: Duration::from_micros(args.poll_interval_us),
        accept_encoding: args.accept_encoding.clone(),
        elsewhere: None,
    };
    if let Some(url) = &args.visible_at {
        let root = bench.get_bytes("/v1/root.json")?;
        let trusted = TrustedRoot::from_envelope_bytes(&root).context("root v1")?;
        bench.elsewhere = Some((url.clone(), trusted));
    }
    let mut samples = Vec::with_capacity(args.posts);
    let mut id: Option<String> = None;
    let mut served = bench.served_version()?;
    for n in 0..args.warmup + args.posts {
        let kind = CYCLE[n % CYCLE.len()];
        let (sample, written, seen) = bench
            .measure(kind, id.as_deref(), n, served)
            .with_context(|| format!("write {n} ({kind:?})"))?;
        served = seen;
        id = (kind != Write::Withdraw).then_some(written);
        if n >= args.warmup {
            samples.push(sample);
        }
    }
    // Leave the feed as it was: a notice created by the last cycle is withdrawn (not measured).
    if let Some(open) = id {
        bench.write(Write::Withdraw, Some(&open), 0)?;
    }
    let notices = bench.check_final(served)?;

    println!(
        "{} writes measured (cycle create → update → withdraw), {} warm-up writes not measured; \
         GETs with Accept-Encoding: {}, every {} µs + one GET",
        samples.len(),
        args.warmup,
        args.accept_encoding,
        args.poll_interval_us
    );
    let (p50, p99) = summary(
        "POST sent → GET shows it",
        samples.iter().map(|s| s.visible).collect::<Vec<_>>(),
    );
    let (post_p50, post_p99) = summary(
        "POST sent → POST answered",
        samples.iter().map(|s| s.post).collect::<Vec<_>>(),
    );
    let (answer_p50, answer_p99) = summary(
        "POST answered → GET shows it",
        samples.iter().map(Sample::after_answer).collect::<Vec<_>>(),
    );
    // The slowest writes, to tell a pattern (every Nth write: a database checkpoint) from noise.
    let mut slowest = samples.clone();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.visible));
    let shown: Vec<String> = slowest
        .iter()
        .take(12)
        .map(|s| format!("#{} {:?} {:.1}", s.n, s.kind, ms(s.visible)))
        .collect();
    println!("slowest (write, kind, ms): {}", shown.join(", "));
    // Median per hundred writes, to see whether writes get slower as the database grows.
    let trend: Vec<String> = samples
        .chunks(100)
        .map(|chunk| {
            let mut visible: Vec<Duration> = chunk.iter().map(|s| s.visible).collect();
            visible.sort();
            format!("{:.1}", ms(percentile(&visible, 0.5)))
        })
        .collect();
    println!("median per 100 writes (ms): {}", trend.join(" "));
    println!("final document verifies against root v1: version ≥ {served}, {notices} notices");
    // The line bench/post-to-visible.sh reads.
    println!(
        "RESULT p50_ms={:.3} p99_ms={:.3} post_p50_ms={:.3} post_p99_ms={:.3} posts={} answer_p50_ms={:.3} answer_p99_ms={:.3}",
        ms(p50),
        ms(p99),
        ms(post_p50),
        ms(post_p99),
        samples.len(),
        ms(answer_p50),
        ms(answer_p99)
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    match run(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
