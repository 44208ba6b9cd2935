//! The watchdog (`notice watch`) with the real binaries on loopback: a health endpoint the test controls
//! goes down (500, then silent, then refusing connections), the watchdog opens one "investigating" notice
//! with its watch token, and a phone running notice-client shows it in Dutch; the endpoint recovers and the
//! notice moves to "monitoring". Flapping makes one notice, a restart none extra, and with the server down
//! too the notice reaches the phone through the export directory, break-glass. Webhooks hear of each step.
//!
//! Short intervals (200 ms) stand in for the defaults (10 s); BENCHMARKS.md measures the defaults. Nothing
//! here sleeps to wait: every wait is a poll with a deadline on what the phone, the server or the
//! watchdog's /metrics show.

use std::path::Path;
use std::time::Duration;

use notice_client::{Client, Config, Timeouts};
use notice_tests::{
    Behaviour, HealthEndpoint, NoticeCommand, OutputExt as _, StaticSite, TestServer, TestWatchdog,
    WebhookReceiver, get, poll_until, request, watch_token,
};
use notice_types::{FeedId, Status, TrustedRoot, verify};
use serde_json::Value;

/// How long the test waits for something the watchdog does (debug builds on a busy 2-cpu machine).
const WAIT: Duration = Duration::from_secs(90);

const TITLE_EN: &str = "Logging in with your PIN does not work";
const TITLE_NL: &str = "Inloggen met je pincode werkt niet";
const TITLE_DE: &str = "Anmelden mit Ihrer PIN funktioniert nicht";

/// A watch.toml for one check of `health` named `keyshare`, webhooks to `hooks` (`/json` and `/slack`),
/// metrics on a free port, and `extra` (top-level keys, then sections such as `[breakglass]`) before the
/// webhooks.
fn config(
    dir: &Path,
    server: &str,
    health: &str,
    hooks: &WebhookReceiver,
    extra: &str,
) -> std::path::PathBuf {
    let text = format!(
        r#"state_dir = "{state}"
server = "{server}"
metrics_listen = "127.0.0.1:0"
log_format = "json"
api_timeout = "3s"
{extra}
[[webhook]]
url = "{json}"
format = "json"

[[webhook]]
url = "{slack}"
format = "slack"

[[check]]
name = "keyshare"
url = "{health}"
interval = "200ms"
timeout = "500ms"
raise_after = 3
recover_after = 2

[check.notice]
severity = "outage"
link = "https://example.org/status"
title = {{ en = "{TITLE_EN}", nl = "{TITLE_NL}", de = "{TITLE_DE}" }}
body = {{ en = "We know, and we are investigating.", nl = "We weten het en zoeken uit wat er aan de hand is.", de = "Wir wissen es und untersuchen das." }}
"#,
        state = dir.join("state").display(),
        json = hooks.url("/json"),
        slack = hooks.url("/slack"),
    );
    let path = dir.join("watch.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A phone with the app's library, its own state directory and a Dutch locale.
struct Phone {
    client: Client,
    _state: tempfile::TempDir,
}

impl Phone {
    fn new(server: &TestServer, mirrors: &[String]) -> Phone {
        let state = tempfile::tempdir().unwrap();
        let root = std::fs::read(server.root_path()).unwrap();
        let mut config = Config::new(FeedId::parse(server.feed_id()).unwrap(), root, state.path());
        config.mirrors = mirrors.to_vec();
        config.context.locales = vec!["nl_NL".to_owned()];
        config.timeouts = Timeouts {
            connect: Duration::from_millis(500),
            mirror: Duration::from_millis(1500),
            deadline: Duration::from_secs(3),
            min_refresh_interval: Duration::ZERO,
        };
        Phone {
            client: Client::new(config).unwrap(),
            _state: state,
        }
    }

    /// Refreshes until the watchdog's notice shows with `status`; returns (title, status).
    fn wait_for(&self, status: Status) -> (String, Status) {
        poll_until("the watchdog's notice to show on the phone", WAIT, || {
            let _ = self.client.refresh(notice_client::system_now());
            let shown = self.client.notices(notice_client::system_now()).notices;
            shown
                .into_iter()
                .find(|n| n.id.as_str().starts_with("watch-keyshare-") && n.status == status)
                .map(|n| (n.title, n.status))
        })
    }
}

/// The records of the watchdog's notices on `server` (all states), read with the admin token.
fn watch_notices(server: &TestServer) -> Vec<Value> {
    let reply = request(
        "GET",
        &format!("{}/v1/admin/notices?all=true", server.url()),
        Some(server.token()),
        None,
    );
    assert_eq!(reply.status, 200);
    reply.json()["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["notice"]["id"]
                .as_str()
                .unwrap()
                .starts_with("watch-keyshare-")
        })
        .cloned()
        .collect()
}

/// A metric of the watchdog, 0 when absent.
fn metric(watchdog: &TestWatchdog, series: &str) -> f64 {
    watchdog.metric(series).unwrap_or(0.0)
}

/// Waits until the watchdog has run at least `more` checks of `keyshare` that failed, beyond what it had.
fn wait_for_failures(watchdog: &TestWatchdog, more: f64) {
    let series = "notice_watch_check_runs_total{check=\"keyshare\",result=\"failure\"}";
    let from = metric(watchdog, series);
    poll_until("more failed checks", WAIT, || {
        (metric(watchdog, series) >= from + more).then_some(())
    });
}

/// Waits until webhook path `path` received an event `event`; returns its body.
fn wait_for_hook(hooks: &WebhookReceiver, path: &str, event: &str) -> Value {
    poll_until("the webhook event", WAIT, || {
        hooks.bodies(path).into_iter().find(|b| match path {
            "/slack" => b["text"].as_str().is_some_and(|t| t.contains(event)),
            _ => b["event"] == event,
        })
    })
}

#[test]
fn a_failing_health_endpoint_becomes_a_dutch_notice_and_moves_to_monitoring_when_it_recovers() {
    let server = TestServer::start();
    let token = watch_token(&server, "watchdog");
    let mut health = HealthEndpoint::start();
    let hooks = WebhookReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &server.url(), &health.url(), &hooks, "");
    let watchdog = TestWatchdog::start(&config, &[], &[("NOTICE_TOKEN", &token)]);
    let phone = Phone::new(&server, &[format!("{}/v1/feed.json", server.url())]);
    poll_until("the first successful check", WAIT, || {
        (metric(&watchdog, "notice_watch_check_up{check=\"keyshare\"}") == 1.0).then_some(())
    });
    assert!(
        watch_notices(&server).is_empty(),
        "a healthy service opens nothing"
    );

    // The service answers 500: within three checks, the notice is in the signed feed, in Dutch.
    health.set(Behaviour::Status(500));
    let (title, status) = phone.wait_for(Status::Investigating);
    assert_eq!((title.as_str(), status), (TITLE_NL, Status::Investigating));

    // It stops answering, then refuses connections: still failing, still the one notice.
    health.set(Behaviour::Silent);
    wait_for_failures(&watchdog, 3.0);
    health.set(Behaviour::Refusing);
    wait_for_failures(&watchdog, 3.0);
    let notices = watch_notices(&server);
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert_eq!(notices[0]["notice"]["status"], "investigating");

    // It recovers: the notice moves to monitoring, and stays open for a person to resolve.
    health.set(Behaviour::Up);
    let (title, status) = phone.wait_for(Status::Monitoring);
    assert_eq!((title.as_str(), status), (TITLE_NL, Status::Monitoring));
    let notices = watch_notices(&server);
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0]["state"], "active");
    let id = notices[0]["notice"]["id"].as_str().unwrap().to_owned();

    // The team heard of each step, in both formats, with the notice's id.
    for event in ["raised", "recovered"] {
        let json = wait_for_hook(&hooks, "/json", event);
        assert_eq!(json["check"], "keyshare");
        assert_eq!(json["notice_id"], id.as_str());
        assert!(json["at"].is_string() && json["message"].as_str().unwrap().contains(&id));
        wait_for_hook(&hooks, "/slack", &id);
    }
    let raised = wait_for_hook(&hooks, "/json", "raised");
    let message = raised["message"].as_str().unwrap();
    assert!(
        message.contains("HTTP 500") && message.contains(&server.url()),
        "{message}"
    );
    let texts: Vec<Value> = hooks.bodies("/slack");
    assert!(
        texts.iter().all(|t| !t.to_string().contains(&token)),
        "no token in a message"
    );

    // The audit log names the watchdog's token and its scope.
    let audit = request(
        "GET",
        &format!("{}/v1/admin/audit", server.url()),
        Some(server.token()),
        None,
    )
    .json();
    let create = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "create" && e["notice_id"] == id.as_str())
        .expect("an audit row of the create");
    assert_eq!(
        (&create["actor"], &create["scope"]),
        (&Value::from("watchdog"), &Value::from("watch"))
    );
}

#[test]
fn a_flapping_endpoint_creates_one_notice_not_many() {
    let server = TestServer::start();
    let token = watch_token(&server, "watchdog");
    let mut health = HealthEndpoint::start();
    let hooks = WebhookReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &server.url(), &health.url(), &hooks, "");
    let watchdog = TestWatchdog::start(&config, &[], &[("NOTICE_TOKEN", &token)]);
    // Down for three checks, up for two, over and over.
    health.set(Behaviour::Script(vec![500, 500, 500, 200, 200]));
    poll_until("the check to raise while flapping", WAIT, || {
        let raised = metric(
            &watchdog,
            "notice_watch_transitions_total{check=\"keyshare\",to=\"raised\"}",
        );
        let recovered = metric(
            &watchdog,
            "notice_watch_transitions_total{check=\"keyshare\",to=\"recovered\"}",
        );
        (raised >= 3.0 && recovered >= 2.0).then_some(())
    });
    // The acting thread may still be on the last transition; what the server holds settles after it.
    health.set(Behaviour::Up);
    poll_until("one notice in monitoring after the flapping", WAIT, || {
        let notices = watch_notices(&server);
        (notices.len() == 1 && notices[0]["notice"]["status"] == "monitoring").then_some(())
    });
    let notices = watch_notices(&server);
    assert_eq!(
        notices.len(),
        1,
        "one notice for the whole flapping: {notices:#?}"
    );
    let timeline: Vec<&str> = notices[0]["notice"]["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert!(
        timeline.contains(&"monitoring") && timeline.contains(&"investigating"),
        "the one notice went back and forth: {timeline:?}"
    );
    assert!(wait_for_hook(&hooks, "/json", "reopened")["notice_id"].is_string());
}

#[test]
fn restarting_the_watchdog_while_the_check_fails_does_not_open_a_second_notice() {
    let server = TestServer::start();
    let token = watch_token(&server, "watchdog");
    let mut health = HealthEndpoint::start();
    let hooks = WebhookReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &server.url(), &health.url(), &hooks, "");
    let mut watchdog = TestWatchdog::start(&config, &[], &[("NOTICE_TOKEN", &token)]);
    health.set(Behaviour::Status(500));
    poll_until("the watchdog's notice on the server", WAIT, || {
        (watch_notices(&server).len() == 1).then_some(())
    });

    // A clean stop (systemd's SIGTERM) and a start: it remembers its notice.
    let status = watchdog.terminate();
    assert!(status.success(), "SIGTERM is a clean stop: {status}");
    watchdog.restart();
    wait_for_failures(&watchdog, 5.0);
    assert_eq!(
        metric(&watchdog, "notice_watch_open_notice{check=\"keyshare\"}"),
        1.0
    );

    // A crash, and the state file lost with it: it finds its open notice on the server by id.
    watchdog.kill9();
    std::fs::remove_file(dir.path().join("state/state.json")).unwrap();
    watchdog.restart();
    let adopted = wait_for_hook(&hooks, "/json", "adopted");
    wait_for_failures(&watchdog, 5.0);
    let notices = watch_notices(&server);
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert_eq!(adopted["notice_id"], notices[0]["notice"]["id"]);
    assert_eq!(
        hooks
            .bodies("/json")
            .iter()
            .filter(|b| b["event"] == "raised")
            .count(),
        1,
        "raised once"
    );
}

#[test]
fn with_the_server_down_as_well_the_notice_reaches_the_phone_through_the_export_directory() {
    let export = tempfile::tempdir().unwrap();
    let mut server = TestServer::builder()
        .serve_args(["--publish-to".as_ref(), export.path().as_os_str()])
        .start();
    let token = watch_token(&server, "watchdog");
    let site = StaticSite::serve(export.path());
    poll_until("the export's feed.json", WAIT, || {
        get(&format!("{}/feed.json", site.url()))
            .status
            .eq(&200)
            .then_some(())
    });
    let mut health = HealthEndpoint::start();
    let hooks = WebhookReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let breakglass = format!(
        "root = \"{}\"\n[breakglass]\nfeed_key = \"{}\"\nout = \"{}\"\nsite_lang = \"nl\"\n",
        server.root_path().display(),
        server.data_dir().join("feed-key.pem").display(),
        export.path().display()
    );
    let config = config(
        dir.path(),
        &server.url(),
        &health.url(),
        &hooks,
        &breakglass,
    );

    let mut watchdog = TestWatchdog::start(&config, &[], &[("NOTICE_TOKEN", &token)]);
    let phone = Phone::new(
        &server,
        &[
            format!("{}/v1/feed.json", server.url()),
            format!("{}/feed.json", site.url()),
        ],
    );
    poll_until("the first successful check", WAIT, || {
        (metric(&watchdog, "notice_watch_check_up{check=\"keyshare\"}") == 1.0).then_some(())
    });

    // Provider A goes dark, and the service with it.
    server.kill9();
    health.set(Behaviour::Status(500));
    let (title, _) = phone.wait_for(Status::Investigating);
    assert_eq!(title, TITLE_NL);
    let trusted =
        TrustedRoot::from_envelope_bytes(&std::fs::read(server.root_path()).unwrap()).unwrap();
    let copy = get(&format!("{}/feed.json", site.url()));
    let feed = verify(&copy.body, &trusted, None, notice_tests::now())
        .unwrap()
        .feed;
    assert!(
        feed.version > 1000,
        "break-glass versions jump ahead: {}",
        feed.version
    );
    let raised = wait_for_hook(&hooks, "/json", "raised");
    let message = raised["message"].as_str().unwrap();
    assert!(
        message.contains("break-glass") && message.contains("cannot reach the server"),
        "the message says exactly what happened: {message}"
    );

    // Provider A is back: it takes the copy in at start; the watchdog's next change goes through it, to the
    // notice it signed itself, with its watch token, and no second notice appears.
    server.restart();
    health.set(Behaviour::Up);
    let (_, status) = phone.wait_for(Status::Monitoring);
    assert_eq!(status, Status::Monitoring);
    let recovered = wait_for_hook(&hooks, "/json", "recovered");
    assert!(
        recovered["message"]
            .as_str()
            .unwrap()
            .contains(&server.url()),
        "through the server again: {recovered}"
    );
    let notices = watch_notices(&server);
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert_eq!(notices[0]["notice"]["status"], "monitoring");
    watchdog.kill9();
}

/// `root`, `[breakglass]` into the export directory `out` (and nothing else), and `[follow]` of the
/// server's feed every 200 ms: the configuration of the break-glass tests that start from the live feed.
fn breakglass_following(server: &TestServer, out: &Path) -> String {
    format!(
        "root = \"{}\"\n[breakglass]\nfeed_key = \"{}\"\nout = \"{}\"\nsite_lang = \"nl\"\n\
         [follow]\ninterval = \"200ms\"\n",
        server.root_path().display(),
        server.data_dir().join("feed-key.pem").display(),
        out.display()
    )
}

/// The export's document, verified as a phone verifies it, once it carries the watchdog's notice.
fn exported_with_watch_notice(server: &TestServer, out: &Path) -> notice_types::FeedPayload {
    let trusted =
        TrustedRoot::from_envelope_bytes(&std::fs::read(server.root_path()).unwrap()).unwrap();
    poll_until(
        "the watchdog's notice in the export directory",
        WAIT,
        || {
            let bytes = std::fs::read(out.join("feed.json")).ok()?;
            let feed = verify(&bytes, &trusted, None, notice_tests::now())
                .ok()?
                .feed;
            feed.notices
                .iter()
                .any(|n| n.id.as_str().starts_with("watch-keyshare-"))
                .then_some(feed)
        },
    )
}

#[test]
fn break_glass_into_a_fresh_export_directory_signs_on_top_of_the_feed_the_watchdog_followed() {
    let mut server = TestServer::start();
    let token = watch_token(&server, "watchdog");
    // Nothing publishes here: no feed.json until the watchdog breaks glass, and no `last` is configured.
    let export = tempfile::tempdir().unwrap();
    let site = StaticSite::serve(export.path());
    let mut health = HealthEndpoint::start();
    let hooks = WebhookReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let extra = breakglass_following(&server, export.path());
    let config = config(dir.path(), &server.url(), &health.url(), &hooks, &extra);
    let watchdog = TestWatchdog::start(&config, &[], &[("NOTICE_TOKEN", &token)]);
    let phone = Phone::new(
        &server,
        &[
            format!("{}/v1/feed.json", server.url()),
            format!("{}/feed.json", site.url()),
        ],
    );
    poll_until("the watchdog to have read the live feed", WAIT, || {
        (metric(&watchdog, "notice_watch_followed_feed_version") >= 1.0).then_some(())
    });
    assert!(!export.path().join("feed.json").exists());

    server.kill9();
    health.set(Behaviour::Status(500));
    let (title, _) = phone.wait_for(Status::Investigating);
    assert_eq!(title, TITLE_NL);
    let feed = exported_with_watch_notice(&server, export.path());
    assert!(
        feed.version > 1000,
        "break-glass jumps ahead: {}",
        feed.version
    );
    let raised = wait_for_hook(&hooks, "/json", "raised");
    let message = raised["message"].as_str().unwrap();
    assert!(message.contains("break-glass"), "{message}");
}

#[test]
fn break_glass_signs_on_top_of_the_newest_verified_document_not_a_stale_copy() {
    let mut server = TestServer::start();
    let token = watch_token(&server, "watchdog");
    // The export directory holds an old copy: the feed before the notice below.
    let export = tempfile::tempdir().unwrap();
    std::fs::write(
        export.path().join("feed.json"),
        get(&format!("{}/v1/feed.json", server.url())).body,
    )
    .unwrap();
    let mut health = HealthEndpoint::start();
    let hooks = WebhookReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let extra = breakglass_following(&server, export.path());
    let config = config(dir.path(), &server.url(), &health.url(), &hooks, &extra);
    let watchdog = TestWatchdog::start(&config, &[], &[("NOTICE_TOKEN", &token)]);

    // A person posts; the watchdog reads that version of the live feed.
    let posted = server
        .notice()
        .args(["post", "--yes", "--json", "--severity", "degraded"])
        .args(["--id", "slow-logins", "--title", "Logging in is slow"])
        .args(["--body", "It takes a minute."])
        .output();
    posted.assert_code(0);
    let version: Value = serde_json::from_slice(&posted.stdout).unwrap();
    let version = version["feed_version"].as_u64().unwrap();
    poll_until("the person's version followed", WAIT, || {
        (metric(&watchdog, "notice_watch_followed_feed_version") >= version as f64).then_some(())
    });

    server.kill9();
    health.set(Behaviour::Status(500));
    let feed = exported_with_watch_notice(&server, export.path());
    assert!(
        feed.notices.iter().any(|n| n.id.as_str() == "slow-logins"),
        "signed on top of the followed version {version}, not the stale copy: {:?}",
        feed.notices
            .iter()
            .map(|n| n.id.as_str())
            .collect::<Vec<_>>()
    );
    assert!(feed.version >= version + 1000, "{}", feed.version);
}

#[test]
fn without_break_glass_a_watchdog_whose_server_is_down_says_it_could_not_publish() {
    let mut server = TestServer::start();
    let token = watch_token(&server, "watchdog");
    let mut health = HealthEndpoint::start();
    let hooks = WebhookReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &server.url(), &health.url(), &hooks, "");
    let watchdog = TestWatchdog::start(&config, &[], &[("NOTICE_TOKEN", &token)]);
    server.kill9();
    health.set(Behaviour::Refusing);
    let failed = wait_for_hook(&hooks, "/json", "failed");
    let message = failed["message"].as_str().unwrap();
    assert!(
        message.contains("cannot reach the server")
            && message.contains("no break-glass is configured"),
        "{message}"
    );
    assert!(
        metric(
            &watchdog,
            "notice_watch_actions_total{action=\"create\",via=\"none\",result=\"failed\"}"
        ) >= 1.0
    );
}

#[test]
fn a_dry_run_publishes_nothing_and_once_from_cron_opens_one_notice() {
    let server = TestServer::start();
    let token = watch_token(&server, "watchdog");
    let mut health = HealthEndpoint::start();
    let hooks = WebhookReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &server.url(), &health.url(), &hooks, "");
    health.set(Behaviour::Status(503));

    let watchdog = TestWatchdog::start(&config, &["--dry-run"], &[("NOTICE_TOKEN", &token)]);
    poll_until("a dry-run create", WAIT, || {
        let series =
            "notice_watch_actions_total{action=\"create\",via=\"server\",result=\"dry_run\"}";
        (metric(&watchdog, series) >= 1.0).then_some(())
    });
    drop(watchdog);
    assert!(
        watch_notices(&server).is_empty(),
        "a dry run publishes nothing"
    );
    assert!(hooks.received().is_empty(), "nor tells anyone");
    assert!(
        !dir.path().join("state/state.json").exists(),
        "nor writes its state"
    );

    // From cron: each run checks once; the third failure in a row opens the notice, later runs add none.
    let once = || {
        let (mut command, _home) = NoticeCommand::new().into_parts();
        command
            .env("NOTICE_TOKEN", &token)
            .args(["watch", "--once", "--config"])
            .arg(&config);
        command.output().unwrap()
    };
    for run in 1..=5 {
        let out = once();
        assert!(out.status.success(), "run {run}: {}", out.describe());
        assert_eq!(
            watch_notices(&server).len(),
            usize::from(run >= 3),
            "after run {run}"
        );
    }
}

#[test]
fn a_watch_token_is_refused_for_every_command_outside_its_scope() {
    let server = TestServer::start();
    let token = watch_token(&server, "watchdog");
    let posted = server
        .notice()
        .args([
            "post",
            "--yes",
            "--json",
            "--severity",
            "outage",
            "--id",
            "by-a-person",
        ])
        .args(["--title", "Down", "--body", "Down."])
        .output();
    posted.assert_code(0);
    let export = tempfile::tempdir().unwrap();
    let document = export.path().join("feed.json");
    std::fs::write(
        &document,
        get(&format!("{}/v1/feed.json", server.url())).body,
    )
    .unwrap();
    let as_watchdog = || NoticeCommand::new().server(&server.url(), &token);
    let document = document.display().to_string();
    for args in [
        vec![
            "update",
            "by-a-person",
            "--status",
            "monitoring",
            "--message",
            "Fine.",
        ],
        vec!["resolve", "by-a-person"],
        vec!["edit", "by-a-person", "--title", "Changed", "--yes"],
        vec!["withdraw", "by-a-person", "--yes"],
        vec!["ingest", document.as_str()],
    ] {
        let out = as_watchdog().args(&args).output();
        out.assert_code(5);
        let stderr = out.stderr_text();
        assert!(stderr.contains("watch scope"), "{args:?}: {stderr}");
        assert!(!stderr.contains(&token), "never the token");
    }
    // What it may do: read, and post its own.
    as_watchdog().args(["list"]).output().assert_code(0);
    as_watchdog()
        .args([
            "post",
            "--yes",
            "--severity",
            "outage",
            "--id",
            "watch-keyshare-20260101-1",
        ])
        .args(["--title", "Down", "--body", "Down."])
        .output()
        .assert_code(0);
    as_watchdog()
        .args(["resolve", "watch-keyshare-20260101-1"])
        .output()
        .assert_code(0);
}

#[test]
fn every_publish_by_anyone_reaches_the_webhooks_and_a_hanging_webhook_blocks_nothing() {
    let server = TestServer::start();
    let token = watch_token(&server, "watchdog");
    let health = HealthEndpoint::start();
    let hooks = WebhookReceiver::start();
    let mut hanging = HealthEndpoint::start();
    hanging.set(Behaviour::Silent);
    let dir = tempfile::tempdir().unwrap();
    let follow = format!(
        "root = \"{}\"\n[follow]\ninterval = \"200ms\"\n[[webhook]]\nurl = \"{}\"\npublishes = true\n\
         [[webhook]]\nurl = \"{}\"\npublishes = true\ntimeout = \"1s\"\n",
        server.root_path().display(),
        hooks.url("/publishes"),
        hanging.url(),
    );
    let config = config(dir.path(), &server.url(), &health.url(), &hooks, &follow);
    let watchdog = TestWatchdog::start(&config, &[], &[("NOTICE_TOKEN", &token)]);
    poll_until("the followed feed's first version", WAIT, || {
        (metric(&watchdog, "notice_watch_followed_feed_version") >= 1.0).then_some(())
    });

    // A person posts (not the watchdog): the team hears what the phones now show.
    server
        .notice()
        .args([
            "post",
            "--yes",
            "--severity",
            "degraded",
            "--id",
            "slow-logins",
        ])
        .args([
            "--title",
            "Logging in is slow",
            "--body",
            "It takes a minute.",
        ])
        .output()
        .assert_code(0);
    let published = poll_until("the publish webhook", WAIT, || {
        hooks.bodies("/publishes").into_iter().find(|b| {
            b["event"] == "published"
                && b["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("slow-logins"))
        })
    });
    let message = published["message"].as_str().unwrap();
    assert!(
        message.contains("new slow-logins \"Logging in is slow\" (degraded, investigating)"),
        "{message}"
    );
    assert!(
        hooks.bodies("/json").is_empty(),
        "webhooks without `publishes` hear only the watchdog's actions"
    );
    // The silent webhook failed by its deadline; the watchdog went on checking all the while.
    poll_until("the hanging webhook to fail by its deadline", WAIT, || {
        (metric(&watchdog, "notice_watch_webhooks_total{result=\"failed\"}") >= 1.0).then_some(())
    });
    let runs = "notice_watch_check_runs_total{check=\"keyshare\",result=\"success\"}";
    let before = metric(&watchdog, runs);
    poll_until("three more successful checks", WAIT, || {
        (metric(&watchdog, runs) >= before + 3.0).then_some(())
    });
}

#[test]
fn after_a_configured_quiet_period_the_watchdog_resolves_its_notice() {
    let server = TestServer::start();
    let token = watch_token(&server, "watchdog");
    let mut health = HealthEndpoint::start();
    let hooks = WebhookReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &server.url(), &health.url(), &hooks, "");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace(
            "recover_after = 2\n",
            "recover_after = 2\nresolve_after = \"1s\"\n",
        ),
    )
    .unwrap();
    let _watchdog = TestWatchdog::start(&config, &[], &[("NOTICE_TOKEN", &token)]);
    health.set(Behaviour::Status(500));
    poll_until("the watchdog's notice on the server", WAIT, || {
        (watch_notices(&server).len() == 1).then_some(())
    });
    health.set(Behaviour::Up);
    let resolved = wait_for_hook(&hooks, "/json", "resolved");
    let notices = watch_notices(&server);
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0]["state"], "resolved");
    assert_eq!(resolved["notice_id"], notices[0]["notice"]["id"]);
    let statuses: Vec<&str> = notices[0]["notice"]["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["monitoring", "resolved"]);
}
