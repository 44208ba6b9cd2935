//! `notice watch`: the first message nobody has to write. Health checks of the service (HTTP(S), TCP), an
//! alerting rule with hysteresis per check, and, when a check raises, one "investigating" notice in nl/en/de
//! through the admin API with a watch token, or break-glass into the copies when the server is down too.
//! When the check recovers the notice moves to "monitoring"; resolving is left to a person unless a quiet
//! period is configured. Webhooks tell the team what the phones show; `/metrics` and the log tell the rest.
//!
//! Blocking code on threads (the CLI links no async runtime): every check on a thread of its own, so a slow
//! check never delays another; one thread that acts (posting is serialized, so two checks raising at once
//! never break glass on top of the same copy), webhook delivery behind a bounded queue, the metrics
//! server, and the feed follower. SIGTERM and Ctrl-C stop everything within a check's timeout.
//!
//! # Layout
//! - [`config`]: the TOML file, strict; the defaults that meet the 90-second goal.
//! - [`probe`]: the checks themselves. [`rule`]: raise and recover, with hysteresis.
//! - [`act`]: what is done about a check: open, move, resolve its notice, online or break-glass.
//! - [`state`]: the state file (atomic, locked) that keeps it from opening a second notice, and the newest
//!   document read of the live feed, break-glass's last known document when the copies have none yet.
//! - [`notify`]: webhooks. [`follow`]: the public feed, for "published" webhooks and that document.
//!   [`metrics`]: `/metrics`.

pub mod act;
pub mod config;
pub mod follow;
pub mod metrics;
pub mod notify;
pub mod probe;
pub mod rule;
pub mod state;

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use notice_types::Timestamp;

use crate::commands::Ctx;
use crate::config::{Flags, Settings};
use crate::error::CliError;
use crate::http::Http;
use crate::offline::{BreakglassSettings, OfflineArgs};
use crate::watch::act::{Actions, Progress, Why};
use crate::watch::config::{Check, Config, LogFormat};
use crate::watch::metrics::Metrics;
use crate::watch::notify::Notifier;
use crate::watch::probe::{Outcome, Probe};
use crate::watch::rule::{Health, Transition};
use crate::watch::state::{State, StateDir};

/// How often the acting thread looks at every check without being woken (retries, the quiet period).
const TICK: Duration = Duration::from_millis(250);
/// How long webhooks still queued may take to go out at exit.
const WEBHOOK_GRACE: Duration = Duration::from_secs(3);

/// A stop signal every thread waits on.
#[derive(Default)]
pub struct Stop {
    stopped: Mutex<bool>,
    changed: Condvar,
}

impl Stop {
    fn lock(&self) -> MutexGuard<'_, bool> {
        self.stopped.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Asks everything to stop.
    pub fn trigger(&self) {
        *self.lock() = true;
        self.changed.notify_all();
    }

    /// Whether a stop was asked for.
    pub fn is_set(&self) -> bool {
        *self.lock()
    }

    /// Waits up to `timeout`; true when a stop was asked for.
    pub fn wait(&self, timeout: Duration) -> bool {
        let guard = self.lock();
        let (guard, _) = self
            .changed
            .wait_timeout_while(guard, timeout, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        *guard
    }
}

/// The command's clock (`Ctx::now`), moving on: with `--now` (rehearsals, tests) time starts there and runs
/// at the normal pace, so quiet periods and retries still pass.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Option<(Timestamp, Instant)>,
}

impl Clock {
    /// The clock of `ctx`.
    pub fn of(ctx: &Ctx<'_>) -> Self {
        Self {
            start: ctx.global().now.map(|at| (at, Instant::now())),
        }
    }

    /// Now.
    pub fn now(&self) -> Timestamp {
        match self.start {
            Some((at, since)) => at.plus_seconds(since.elapsed().as_secs() as i64),
            None => Timestamp::from(chrono::Utc::now()),
        }
    }
}

/// How `notice watch` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Until SIGTERM or Ctrl-C.
    Forever,
    /// Every check once, act, exit (cron).
    Once,
}

/// What the checks' threads and the acting thread share about one check.
#[derive(Default)]
struct Live {
    health: Health,
    last: Option<Outcome>,
    transition: Option<Transition>,
}

/// Everything a run holds.
struct Watchdog<'a> {
    config: Config,
    clock: Clock,
    actions: Actions<'a>,
    live: Arc<Vec<Mutex<Live>>>,
    state: State,
    state_dir: StateDir,
    metrics: Arc<Metrics>,
    dry_run: bool,
}

fn lock(live: &Mutex<Live>) -> MutexGuard<'_, Live> {
    live.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Sets up logging on stderr: text for people, JSON for log shippers; `NOTICE_LOG` filters (default info).
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("NOTICE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        // As every other output of the CLI: `--color`, NO_COLOR and whether stderr is a terminal decide.
        .with_ansi(anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never)
        .with_writer(std::io::stderr);
    // Only fails when a subscriber is already set, which nothing else in this process does.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// The admin API settings: flags, environment, then the watch configuration (never the CLI's own file).
pub fn service_settings(ctx: &Ctx<'_>, config: &Config) -> Result<Settings, CliError> {
    let global = ctx.global();
    let flags = Flags {
        server: global.server.clone(),
        token: global.token.clone(),
        config: None,
        ca_cert: global.ca_cert.clone(),
    };
    crate::config::resolve_for_service(
        &flags,
        |name| std::env::var(name).ok(),
        &config.path,
        config.server.clone(),
        config.ca_cert.clone(),
    )
}

/// The probe of every check. A `ca_cert` that cannot be read or holds no certificate is a wrong
/// configuration: one line naming the file and the key (exit 2).
pub fn probes(config: &Config) -> Result<Vec<Probe>, CliError> {
    config
        .checks
        .iter()
        .enumerate()
        .map(|(i, check)| {
            Probe::new(check, &config.path).map_err(|e| {
                config::file_error(
                    &config.path,
                    &format!("check[{i}].ca_cert"),
                    &e,
                    "give the PEM file of the CA that signed the checked server's certificate",
                )
            })
        })
        .collect()
}

/// The root of the configuration (`root`), read and checked, if one is given; else one line naming the
/// file and the key (exit 2).
pub fn trusted_root(config: &Config) -> Result<Option<notice_types::TrustedRoot>, CliError> {
    config
        .root
        .as_ref()
        .map(|root| {
            crate::commands::verify::load_root(root).map_err(|e| {
                config::file_error(
                    &config.path,
                    "root",
                    &e,
                    "give the root.json the apps ship (notice-server init wrote it into its data directory)",
                )
            })
        })
        .transpose()
}

/// The CA certificates for the admin API and the followed feed (`ca_cert`, `--ca-cert`, `NOTICE_CA_CERT`),
/// if any; one line saying which setting to fix when they cannot be used (exit 2).
pub fn ca_roots(
    config: &Config,
    settings: &Settings,
) -> Result<Option<ureq::tls::RootCerts>, CliError> {
    let Some(ca_cert) = &settings.ca_cert else {
        return Ok(None);
    };
    crate::http::load_roots(ca_cert).map(Some).map_err(|e| {
        let what_to_do = "give the PEM file of the CA that signed the server's certificate";
        match &ca_cert.source {
            crate::error::Source::File(_) => {
                config::file_error(&config.path, "ca_cert", &e, what_to_do)
            }
            source => {
                // An I/O error names the file, not the setting it came from.
                let from = match &e {
                    CliError::Io { .. } => format!(" ({source})"),
                    _ => String::new(),
                };
                CliError::usage(format!(
                    "{e}{from}; {}",
                    e.hint().unwrap_or_else(|| what_to_do.to_owned())
                ))
            }
        }
    })
}

/// Runs the watchdog with `config` until stopped (or once).
pub fn run(ctx: &Ctx<'_>, config: Config, mode: Mode, dry_run: bool) -> Result<(), CliError> {
    init_logging(config.log_format);
    let clock = Clock::of(ctx);
    let settings = service_settings(ctx, &config)?;
    let ctx = ctx.with_settings(settings.clone());
    let probes = probes(&config)?;
    let roots = ca_roots(&config, &settings)?;
    // Read now, so that a wrong path stops the start rather than the first break-glass.
    let trusted = trusted_root(&config)?;
    let server = match (&settings.server, &settings.token) {
        (Some(_), Some(_)) => Some((
            settings.clone(),
            Http::new(config.api_timeout, 0, false, roots.clone()),
        )),
        (Some(server), None) => {
            return Err(CliError::usage_hint(
                format!(
                    "the server is {} ({}), but no token is given",
                    server.value, server.source
                ),
                "set NOTICE_TOKEN (in /etc/notice/watch.env) to a token made with `notice-server token create --scope watch watchdog`",
            ));
        }
        (None, _) => None,
    };
    if server.is_none() && config.breakglass.is_none() {
        return Err(CliError::usage_hint(
            format!(
                "{}: nowhere to publish: no server and no [breakglass]",
                config.path.display()
            ),
            "give `server = \"https://notice.example.org\"` (and NOTICE_TOKEN), a [breakglass] section, or both",
        ));
    }
    let breakglass = config.breakglass.as_ref().map(|b| {
        OfflineArgs::from(BreakglassSettings {
            feed_keys: b.feed_key.iter().cloned().collect(),
            root: config.root.clone(),
            last: b.last.clone(),
            out: b.out.clone(),
            to: b.to.clone(),
            kept: Some(state::last_feed_path(&config.state_dir)),
            feed_validity: b.feed_validity,
            retention: b.retention,
            site: crate::export::SiteArgs::new(
                b.site_name.clone(),
                b.site_lang.clone(),
                b.site_url.clone(),
            ),
        })
    });
    // A dry run writes nothing, not even the state directory or its lock file.
    let state_dir = if dry_run {
        StateDir::read_only(&config.state_dir)
    } else {
        StateDir::open(&config.state_dir)?
    };
    let (state, note) = state_dir.load()?;
    if let Some(note) = note {
        tracing::warn!("{note}");
    }
    if let Some((settings, http)) = &server {
        introduce(settings, http);
    }
    let metrics = Arc::new(Metrics::default());
    let (notifier, delivery) = Notifier::start(config.webhooks.clone(), metrics.clone(), dry_run);
    let live: Vec<Mutex<Live>> = config
        .checks
        .iter()
        .map(|check| {
            let saved = state.checks.get(&check.name).cloned().unwrap_or_default();
            metrics.add_check(
                &check.name,
                saved.health.is_raised(),
                saved.incident.is_some(),
            );
            Mutex::new(Live {
                health: saved.health,
                last: None,
                transition: None,
            })
        })
        .collect();
    let actions = Actions::new(
        &ctx,
        server,
        breakglass,
        dry_run,
        notifier.clone(),
        metrics.clone(),
    );
    let mut watchdog = Watchdog {
        config,
        clock,
        actions,
        live: Arc::new(live),
        state,
        state_dir,
        metrics,
        dry_run,
    };
    let result = match mode {
        Mode::Once => watchdog.once(&probes, roots, trusted),
        Mode::Forever => watchdog.forever(probes, &notifier, roots, trusted),
    };
    drop(watchdog);
    drop(notifier);
    delivery.finish(WEBHOOK_GRACE);
    result
}

/// Says which token the watchdog runs with, and warns when it has more power than it needs.
fn introduce(settings: &Settings, http: &Http) {
    let Ok(api) = crate::api::Api::new(settings, http.clone()) else {
        return;
    };
    match api.whoami() {
        Ok(me) if me.scope.as_deref() == Some("watch") => {
            tracing::info!(server = %api.server(), token = %me.name, "admin API reachable; token of scope watch");
        }
        Ok(me) => tracing::warn!(
            server = %api.server(),
            token = %me.name,
            scope = me.scope.as_deref().unwrap_or("admin"),
            "this token can do everything; give the watchdog its own: notice-server token create --scope watch watchdog"
        ),
        Err(e) => tracing::warn!(
            error = %e,
            "the admin API does not answer now; the watchdog runs anyway (break-glass when configured)"
        ),
    }
}

impl Watchdog<'_> {
    /// Takes `outcome` of check `index` in; returns its transition, if any.
    fn record(&self, index: usize, outcome: Outcome) -> Option<Transition> {
        let check = &self.config.checks[index];
        record(&self.live[index], check, outcome, &self.metrics)
    }

    /// One step for every check; `retry_at` gates checks whose last write failed.
    fn act(&mut self, retry_at: &mut [Option<Instant>]) -> (bool, bool) {
        let now = self.clock.now();
        let mut changed = false;
        let mut failed = false;
        for (index, check) in self.config.checks.iter().enumerate() {
            if retry_at[index].is_some_and(|at| Instant::now() < at) {
                continue;
            }
            let (raised, transition, detail) = {
                let live = lock(&self.live[index]);
                (
                    live.health.is_raised(),
                    live.transition
                        .map(|t| t.describe())
                        .unwrap_or_else(|| "as last saved".to_owned()),
                    live.last
                        .as_ref()
                        .map_or_else(|| "no check run yet".to_owned(), |o| o.detail.clone()),
                )
            };
            let state = self.state.checks.entry(check.name.clone()).or_default();
            let why = Why {
                transition: &transition,
                detail: &detail,
            };
            match self.actions.step(check, state, raised, &why, now) {
                Progress::Idle => retry_at[index] = None,
                Progress::Changed => {
                    changed = true;
                    retry_at[index] = None;
                }
                Progress::Failed => {
                    failed = true;
                    retry_at[index] = Some(Instant::now() + check.interval);
                }
            }
        }
        (changed, failed)
    }

    /// Writes the state file (not in a dry run).
    fn save(&mut self, followed: Option<u64>) {
        for (index, check) in self.config.checks.iter().enumerate() {
            let health = lock(&self.live[index]).health.clone();
            self.state
                .checks
                .entry(check.name.clone())
                .or_default()
                .health = health;
        }
        if followed.is_some() {
            self.state.followed_version = followed;
        }
        if self.dry_run {
            return;
        }
        if let Err(e) = self.state_dir.save(&self.state) {
            tracing::error!(error = %e, "cannot write the state file; a restart may not know the open notices (it finds them on the server by id)");
        }
    }

    /// `--once`: every check once (in parallel; with break-glass and `[follow]`, the followed feed is read
    /// and kept alongside), act, save, exit.
    fn once(
        &mut self,
        probes: &[Probe],
        roots: Option<ureq::tls::RootCerts>,
        trusted: Option<notice_types::TrustedRoot>,
    ) -> Result<(), CliError> {
        let follow = match (&self.config.follow, trusted) {
            (Some(follow), Some(trusted)) if self.config.breakglass.is_some() && !self.dry_run => {
                Some((follow, trusted))
            }
            _ => None,
        };
        let (api_timeout, state_dir, now) = (
            self.config.api_timeout,
            &self.config.state_dir,
            self.clock.now(),
        );
        let outcomes: Vec<Outcome> = std::thread::scope(|scope| {
            let following = follow.map(|(follow, trusted)| {
                scope.spawn(move || {
                    let http = Http::new(api_timeout, 5, false, roots);
                    follow::keep_once(follow, &http, &trusted, state_dir, now);
                })
            });
            let running: Vec<_> = probes.iter().map(|p| scope.spawn(|| p.run())).collect();
            if let Some(following) = following {
                let _ = following.join();
            }
            running
                .into_iter()
                .zip(&self.config.checks)
                .map(|(handle, check)| {
                    handle.join().unwrap_or_else(|_| Outcome {
                        ok: false,
                        latency: check.timeout,
                        detail: "the check crashed".to_owned(),
                    })
                })
                .collect()
        });
        for (index, outcome) in outcomes.into_iter().enumerate() {
            self.record(index, outcome);
        }
        let mut retry = vec![None; self.config.checks.len()];
        let (_, failed) = self.act(&mut retry);
        self.save(None);
        if failed {
            return Err(CliError::Unpublished {
                message:
                    "a notice could not be published (the log above says why); the next run tries again"
                        .to_owned(),
            });
        }
        Ok(())
    }

    /// Until SIGTERM or Ctrl-C: a thread per check, the follower, metrics; this thread acts.
    fn forever(
        &mut self,
        probes: Vec<Probe>,
        notifier: &Notifier,
        roots: Option<ureq::tls::RootCerts>,
        trusted: Option<notice_types::TrustedRoot>,
    ) -> Result<(), CliError> {
        let stop = Arc::new(Stop::default());
        {
            let stop = stop.clone();
            if let Err(e) = ctrlc::set_handler(move || stop.trigger()) {
                tracing::warn!(error = %e, "cannot catch SIGTERM/Ctrl-C; stopping will not be clean");
            }
        }
        let mut announce = format!(
            "notice watch: watching {} check(s) ({})",
            self.config.checks.len(),
            self.config
                .checks
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let metrics_thread = match self.config.metrics_listen {
            Some(listen) => {
                let (bound, thread) = metrics::serve(listen, self.metrics.clone(), stop.clone())?;
                announce.push_str(&format!("; metrics on http://{bound}/metrics"));
                Some(thread)
            }
            None => None,
        };
        if self.dry_run {
            announce.push_str("; dry run: nothing is published");
        }
        // stdout: the one line a supervisor or a test waits for.
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{announce}");
        let _ = stdout.flush();
        drop(stdout);
        tracing::info!("{announce}");

        let (events, woken) = mpsc::channel::<usize>();
        let mut threads = Vec::new();
        for (index, probe) in probes.into_iter().enumerate() {
            let check = self.config.checks[index].clone();
            let live = self.live.clone();
            let (events, thread_stop, metrics) =
                (events.clone(), stop.clone(), self.metrics.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("check-{}", check.name))
                .spawn(move || {
                    watch_check(
                        index,
                        &check,
                        &probe,
                        &live,
                        &metrics,
                        &events,
                        &thread_stop,
                    )
                });
            match spawned {
                Ok(thread) => threads.push(thread),
                Err(e) => {
                    stop.trigger();
                    return Err(CliError::usage(format!("cannot start a check thread: {e}")));
                }
            }
        }
        drop(events);

        let seen = Arc::new(AtomicU64::new(self.state.followed_version.unwrap_or(0)));
        if let (Some(follow), Some(trusted)) = (self.config.follow.clone(), trusted) {
            let follower = follow::Follower {
                follow,
                keep: (!self.dry_run)
                    .then(|| state::KeptFeed::open(&self.config.state_dir, &trusted)),
                trusted,
                http: Http::new(self.config.api_timeout, 5, false, roots),
                notifier: notifier.clone(),
                metrics: self.metrics.clone(),
                clock: self.clock,
                seen: seen.clone(),
            };
            let stop = stop.clone();
            let spawned = std::thread::Builder::new()
                .name("follow".to_owned())
                .spawn(move || follower.run(&stop));
            match spawned {
                Ok(thread) => threads.push(thread),
                Err(e) => tracing::warn!(error = %e, "cannot follow the feed"),
            }
        }
        let mut retry_at = vec![None; self.config.checks.len()];
        let followed = || Some(seen.load(Ordering::Relaxed)).filter(|v| *v > 0);
        loop {
            // Woken by a transition, or every tick for retries and quiet periods.
            let mut woke = woken.recv_timeout(TICK).is_ok();
            while woken.try_recv().is_ok() {
                woke = true;
            }
            if stop.is_set() {
                break;
            }
            let (changed, _) = self.act(&mut retry_at);
            if changed || woke {
                self.save(followed());
            }
        }
        tracing::info!("stopping: waiting for running checks to finish");
        for thread in threads {
            let _ = thread.join();
        }
        if let Some(thread) = metrics_thread {
            let _ = thread.join();
        }
        self.save(followed());
        tracing::info!("stopped");
        Ok(())
    }
}

/// Takes `outcome` in for `check`: metrics, log, health; returns the transition, if any.
fn record(
    live: &Mutex<Live>,
    check: &Check,
    outcome: Outcome,
    metrics: &Metrics,
) -> Option<Transition> {
    metrics.result(&check.name, outcome.ok, outcome.latency);
    if outcome.ok {
        tracing::debug!(check = %check.name, latency_ms = outcome.latency.as_millis() as u64, "{}", outcome.detail);
    } else {
        tracing::info!(check = %check.name, latency_ms = outcome.latency.as_millis() as u64, "check failed: {}", outcome.detail);
    }
    let transition = {
        let mut live = lock(live);
        let transition = live.health.record(&check.rule, outcome.ok);
        if transition.is_some() {
            live.transition = transition;
        }
        live.last = Some(outcome.clone());
        transition
    };
    if let Some(transition) = transition {
        let raised = matches!(transition, Transition::Raised { .. });
        metrics.transition(&check.name, raised);
        tracing::warn!(
            check = %check.name,
            event = if raised { "check_raised" } else { "check_recovered" },
            "{} {}: {} (last: {})",
            check.name,
            if raised { "raised" } else { "recovered" },
            transition.describe(),
            outcome.detail
        );
    }
    transition
}

/// The thread of one check: run it every interval (counted from the start of the last run, so a slow check
/// keeps its pace), take the result in, wake the acting thread on a transition.
fn watch_check(
    index: usize,
    check: &Check,
    probe: &Probe,
    live: &[Mutex<Live>],
    metrics: &Metrics,
    events: &Sender<usize>,
    stop: &Stop,
) {
    loop {
        let started = Instant::now();
        let outcome = probe.run();
        if stop.is_set() {
            return;
        }
        if record(&live[index], check, outcome, metrics).is_some() {
            // The acting thread is gone only when stopping.
            let _ = events.send(index);
        }
        let next = started + check.interval;
        if stop.wait(next.saturating_duration_since(Instant::now())) {
            return;
        }
    }
}
