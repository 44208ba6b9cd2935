//! `notice watch`: the watchdog (see [`crate::watch`]). `notice watch --config FILE` runs until SIGTERM or
//! Ctrl-C, `--once` runs every check once (cron), `--dry-run` only logs what it would do, and `notice watch
//! check --config FILE` validates the configuration and prints a summary.

use std::time::Duration;

use clap::{Args, Subcommand};

use super::Ctx;
use crate::error::CliError;
use crate::render;
use crate::watch::config::{self, Config, ProbeSpec};
use crate::watch::{self as engine, Mode};

const HELP: &str = "\
Failing health checks become an \"investigating\" notice, in nl/en/de, within 90 seconds with
the defaults (3 failed checks 10 s apart, 5 s each), posted through the admin API with a
token of scope watch, or break-glass into the copies when the server is down too. When the
check recovers the notice moves to \"monitoring\"; a person resolves it (or resolve_after).
One notice per incident, across restarts: the state file remembers it, and its id
(watch-CHECK-YYYYMMDD-N) finds it on the server.

The configuration (--config FILE, TOML; unknown keys are errors):
  state_dir = \"/var/lib/notice-watch\"  state file: which notice each check opened (required)
  server = \"https://notice.example.org\"  admin API [or --server, $NOTICE_SERVER]; the token
                              only from $NOTICE_TOKEN or --token (scope watch)
  ca_cert = \"/etc/notice/ca.pem\"  CA for the admin API and [follow] [or $NOTICE_CA_CERT]
  root = \"/etc/notice/root.json\"  the root the apps ship: break-glass and [follow] need it
  metrics_listen = \"127.0.0.1:9466\"  serve /metrics here [default: nowhere]
  log_format = \"text\"           text or json (logs on stderr; $NOTICE_LOG filters, e.g. debug)
  api_timeout = \"10s\"           an admin API call that takes longer means the server is down
  [breakglass]                  when the admin API is unreachable (or answers 5xx):
    feed_key = \"/etc/notice/feed-key.pem\"  [or $NOTICE_FEED_KEY]
    to = [\"s3://bucket/prefix\"]   copies written straight away (S3 settings as the AWS tools)
    out = \"/srv/notice-export\"    and/or an export directory (at least one of to, out)
    last = [\"https://mirror.example.net/v1/feed.json\"]  last known documents
                                [default: the copies' own feed.json]; with [follow], also the
                                newest feed it read (state_dir/last-feed.json), so a fresh
                                export directory works: the highest version that verifies wins
    feed_validity = \"72h\"  retention = \"72h\"  site_name, site_lang, site_url (status page)
  [follow]                      read the public feed; each new version, by anyone, becomes a
    feed = \"https://notice.example.org/v1/feed.json\"  `published` webhook [default: server's];
                                the newest verified one is kept for break-glass (also --once)
    interval = \"30s\"
  [[webhook]]                   team notifications (repeatable); never block the watchdog
    url = \"https://chat.example.org/hooks/…\"  only its host is ever logged
    format = \"json\"             json: {\"event\",\"check\",\"notice_id\",\"message\",\"at\"};
                                slack: {\"text\"} (Slack, Mattermost)
    publishes = false           also every new feed version (needs [follow])
    timeout = \"5s\"
  [[check]]                     one per health check (repeatable)
    name = \"keyshare\"           a-z, 0-9, '-'; in notice ids, metrics and logs
    url = \"https://keyshare.example.org/health\"  an HTTP(S) check, or:
    tcp = \"db.example.org:5432\"  a TCP connect check
    method = \"GET\"  expect_status = \"200-299\"  body_contains = \"ok\"  ca_cert = \"…\"  (HTTP)
    interval = \"10s\"  timeout = \"5s\"
    raise_after = 3             failures that raise (in a row, unless raise_window is larger:
    raise_window = 3            then raise_after failures among the last raise_window checks)
    recover_after = 3           successes in a row that recover (notice → monitoring)
    resolve_after = \"30m\"       resolve after this quiet time [default: a person resolves]
    component = \"keyshare\"      [default: the name]
    [check.notice]
      severity = \"outage\"       outage, degraded or info
      platforms = [\"android\", \"ios\"]  [default: all]
      link = \"https://status.yivi.app/\"  a host the root allows
      title = { en = \"…\", nl = \"…\", de = \"…\" }  body = { en = \"…\", nl = \"…\", de = \"…\" }
      monitoring = { en = \"…\", … }  investigating = { … }  resolved = { … }  the updates
                                [defaults: \"It works again…\", \"It fails again…\", the server's]
  Example: deploy/config/watch.toml.

Webhook events: raised, reopened, recovered, resolved, released (a person closed the
notice), adopted (an open notice found), failed (nothing could be published), published.

Examples:
  notice watch check --config /etc/notice/watch.toml
  notice watch --config /etc/notice/watch.toml
  notice watch --config watch.toml --dry-run          # log what it would do, publish nothing
  notice watch --config watch.toml --once             # from cron: each check once";

/// Run the watchdog.
#[derive(Debug, Args)]
// Not `args_conflicts_with_subcommands`: that also refuses the global flags (`--config`, `--server`, …)
// before the subcommand, and `notice watch --config watch.toml check` is how the issue writes it. The
// watchdog's own flags are refused with `check` in `run` instead.
#[command(after_help = HELP)]
pub struct WatchArgs {
    /// Check the configuration instead
    #[command(subcommand)]
    action: Option<WatchAction>,
    /// Run every check once, act on the results (with what earlier runs remembered) and exit: for cron
    #[arg(long)]
    once: bool,
    /// Only log what would be done: no notice, no break-glass, no webhook, no state written
    #[arg(long)]
    dry_run: bool,
}

/// `notice watch` subcommands.
#[derive(Debug, Subcommand)]
pub enum WatchAction {
    /// Validate the configuration (--config FILE, before or after `check`) and print a summary; exit 2
    /// with one line when it is wrong
    #[command(
        after_help = "Examples:\n  notice watch check --config /etc/notice/watch.toml\n  notice watch --config /etc/notice/watch.toml check"
    )]
    Check,
}

impl WatchArgs {
    /// Runs `notice watch`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        if matches!(self.action, Some(WatchAction::Check))
            && let Some(flag) = [("--once", self.once), ("--dry-run", self.dry_run)]
                .into_iter()
                .find_map(|(flag, given)| given.then_some(flag))
        {
            return Err(CliError::usage_hint(
                format!("{flag} cannot be used with `notice watch check`"),
                format!(
                    "`check` only validates the configuration; drop {flag}, or run the watchdog: notice watch --config FILE {flag}"
                ),
            ));
        }
        let path = ctx.global().config.clone().ok_or_else(|| {
            CliError::usage("notice watch needs its configuration: --config /etc/notice/watch.toml")
        })?;
        let config = config::load(&path)?;
        match self.action {
            Some(WatchAction::Check) => check(ctx, &config),
            None => {
                let mode = if self.once { Mode::Once } else { Mode::Forever };
                engine::run(ctx, config, mode, self.dry_run)
            }
        }
    }
}

fn seconds(duration: Duration) -> String {
    humantime::format_duration(duration).to_string()
}

/// `notice watch check`: the configuration in words; files it names are read, so a wrong path shows now.
/// Whatever is wrong is one line (exit 2) naming the file and the key.
fn check(ctx: &Ctx<'_>, config: &Config) -> Result<(), CliError> {
    engine::probes(config)?;
    engine::trusted_root(config)?;
    if let Some(key) = config.breakglass.as_ref().and_then(|b| b.feed_key.as_ref()) {
        crate::offline::read_key(key).map_err(|e| {
            config::file_error(
                &config.path,
                "breakglass.feed_key",
                &e,
                "give feed-key.pem from the server's data directory (readable by the watchdog's user)",
            )
        })?;
    }
    let mut out = format!(
        "{}: {} check(s); state in {}\n",
        config.path.display(),
        config.checks.len(),
        config.state_dir.display()
    );
    for check in &config.checks {
        let what = match &check.probe {
            ProbeSpec::Http {
                method,
                url,
                expect,
                body_contains,
                ..
            } => format!(
                "{method} {} expecting {expect}{}",
                config::shown_with_path(url),
                body_contains
                    .as_ref()
                    .map(|b| format!(" and `{b}`"))
                    .unwrap_or_default()
            ),
            ProbeSpec::Tcp { address } => format!("TCP {address}"),
        };
        let languages: Vec<String> = check
            .notice
            .title
            .iter()
            .map(|(lang, _)| lang.to_string())
            .collect();
        let resolve = check.resolve_after.map_or_else(
            || "a person resolves".to_owned(),
            |q| format!("resolved after {} quiet", seconds(q)),
        );
        out.push_str(&format!(
            "  {}: {what}, every {}, timeout {}; {}; {resolve}\n    notice: {} \"{}\" ({}), component {}; at most {} from failure to raised\n",
            check.name,
            seconds(check.interval),
            seconds(check.timeout),
            check.rule.describe(),
            check.notice.severity,
            check
                .notice
                .title
                .get(&notice_types::LanguageTag::en())
                .unwrap_or_default(),
            languages.join(", "),
            check.component,
            seconds(Config::worst_detection(check)),
        ));
        for lang in ["nl", "de"] {
            let tag = notice_types::LanguageTag::parse(lang)
                .map_err(|_| CliError::usage("internal: language tag"))?;
            if check.notice.title.get(&tag).is_none() || check.notice.body.get(&tag).is_none() {
                out.push_str(&format!(
                    "    note: no `{lang}` title or body: those users read English\n"
                ));
            }
        }
    }
    let settings = crate::watch::service_settings(ctx, config)?;
    engine::ca_roots(config, &settings)?;
    match (&settings.server, &settings.token) {
        (Some(server), Some(token)) => out.push_str(&format!(
            "server: {} ({}); token {} (not shown)\n",
            server.value, server.source, token.source
        )),
        (Some(server), None) => out.push_str(&format!(
            "server: {} ({}); no token yet: set NOTICE_TOKEN (scope watch) before running\n",
            server.value, server.source
        )),
        (None, _) => out.push_str("server: none: break-glass only\n"),
    }
    match &config.breakglass {
        Some(b) => {
            let mut into: Vec<String> = b.to.iter().map(|t| config::shown_url(t)).collect();
            into.extend(b.out.iter().map(|o| o.display().to_string()));
            let key = b.feed_key.as_ref().map_or_else(
                || "$NOTICE_FEED_KEY".to_owned(),
                |k| k.display().to_string(),
            );
            out.push_str(&format!(
                "break-glass: when the server is unreachable, signed with {key} into {}\n",
                into.join(", ")
            ));
            let nothing_known = b.last.is_empty()
                && b.to.is_empty()
                && config.follow.is_none()
                && b.out.as_ref().is_some_and(|o| !o.join(crate::export::FEED_FILE).exists())
                && !crate::watch::state::last_feed_path(&config.state_dir).exists();
            if nothing_known {
                out.push_str(
                    "  note: no last known document yet (no feed.json in out, no `last`, no [follow]): break-glass would fail; add [follow] or `last`\n",
                );
            }
        }
        None => out.push_str(
            "break-glass: not configured: with the server down, the watchdog can only report that it could not publish\n",
        ),
    }
    if let Some(follow) = &config.follow {
        out.push_str(&format!(
            "follow: {} every {}\n",
            config::shown_url(&follow.feed),
            seconds(follow.interval)
        ));
    }
    for webhook in &config.webhooks {
        out.push_str(&format!(
            "webhook: {} ({:?}{})\n",
            webhook.shown(),
            webhook.format,
            if webhook.publishes {
                ", also every publish"
            } else {
                ""
            }
        ));
    }
    if let Some(listen) = config.metrics_listen {
        out.push_str(&format!("metrics: http://{listen}/metrics\n"));
    }
    out.push_str("configuration OK\n");
    render::print(&out);
    Ok(())
}
