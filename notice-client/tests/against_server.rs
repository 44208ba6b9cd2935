//! The client, and the C and Go examples built on its C ABI, against a real `notice-server` on 127.0.0.1:0:
//! a notice posted through the admin API reaches them, in the user's language, and stays visible after the
//! server dies.
//!
//! The harness builds the `notice-server` binary when it needs it (`notice_tests::bin_path`).
#![cfg(feature = "https")]

mod support;

use std::process::Command;
use std::time::Duration;

use notice_client::{Client, Config, Freshness, RefreshOutcome, Timeouts};
use notice_tests::{Loopback as _, TestServer};
use notice_types::FeedId;
use support::examples::{build_c_example, build_go_example, json_line, run};

/// Posts an outage in English, Dutch and German; returns its id.
fn post_outage(server: &TestServer) -> String {
    let body = serde_json::json!({
        "severity": "outage",
        "components": ["keyshare"],
        "title": {"en": "PIN validation is down", "nl": "Pincode controleren werkt niet", "de": "PIN-Prüfung gestört"},
        "body": {"en": "We are working on it.", "nl": "We werken eraan.", "de": "Wir arbeiten daran."},
    });
    let created = server.post("/v1/admin/notices", server.token(), body.to_string());
    assert_eq!(created.status, 201, "{:?}", created.json());
    created.json()["notice"]["id"].as_str().unwrap().to_owned()
}

fn config(server: &TestServer, state_dir: &std::path::Path, locale: &str) -> Config {
    let root = std::fs::read(server.root_path()).unwrap();
    let mut config = Config::new(FeedId::parse(server.feed_id()).unwrap(), root, state_dir);
    config.mirrors = vec![format!("{}/v1/feed.json", server.url())];
    config.context.locales = vec![locale.to_owned()];
    config.timeouts = Timeouts {
        connect: Duration::from_secs(2),
        mirror: Duration::from_secs(3),
        deadline: Duration::from_secs(5),
        min_refresh_interval: Duration::ZERO,
    };
    config
}

#[test]
fn a_posted_notice_reaches_the_client_and_survives_the_server_dying() {
    let mut server = TestServer::start();
    let id = post_outage(&server);
    let state = tempfile::tempdir().unwrap();

    let client = Client::new(config(&server, state.path(), "nl_NL")).unwrap();
    let now = notice_client::system_now();
    assert!(matches!(
        client.refresh(now).unwrap(),
        RefreshOutcome::Updated { .. } | RefreshOutcome::Unchanged { .. }
    ));
    let shown = client.notices(now);
    assert_eq!(shown.freshness, Freshness::Fresh);
    assert_eq!(shown.notices.len(), 1);
    assert_eq!(shown.notices[0].id.as_str(), id);
    assert_eq!(shown.notices[0].title, "Pincode controleren werkt niet");
    drop(client);

    // The origin dies. The next app start shows the last good notice at once, and a refresh that cannot reach
    // anything reports the failure without losing it.
    server.kill9();
    let client = Client::new(config(&server, state.path(), "de_DE")).unwrap();
    assert_eq!(client.notices(now).notices[0].title, "PIN-Prüfung gestört");
    let _ = client.refresh(now);
    assert_eq!(client.notices(now).notices[0].id.as_str(), id);
    let status = client.status(now);
    assert!(
        status.mirrors.iter().any(|m| m.last_error.is_some()),
        "{status:?}"
    );
}

#[test]
fn the_c_and_go_examples_show_a_notice_from_a_real_server() {
    let server = TestServer::start();
    post_outage(&server);
    let dir = tempfile::tempdir().unwrap();
    let root = server.root_path();
    let mirror = format!("{}/v1/feed.json", server.url());
    let env = |state: &str| {
        vec![
            ("NOTICE_FEED_ID", server.feed_id().to_owned()),
            ("NOTICE_ROOT", root.to_str().unwrap().to_owned()),
            (
                "NOTICE_STATE_DIR",
                dir.path().join(state).to_str().unwrap().to_owned(),
            ),
            ("NOTICE_MIRRORS", mirror.clone()),
            ("NOTICE_LOCALE", "nl_NL".to_owned()),
            ("NOTICE_MIN_REFRESH_INTERVAL_S", "0".to_owned()),
        ]
    };
    for (name, binary) in [
        ("C", build_c_example(dir.path())),
        ("Go", build_go_example(dir.path())),
    ] {
        let output = run(Command::new(&binary).envs(env(name)));
        assert!(output.status.success(), "the {name} example runs");
        let notices = json_line(&output, "notices: ");
        assert_eq!(notices["freshness"], "fresh", "{name}");
        assert_eq!(
            notices["notices"][0]["title"], "Pincode controleren werkt niet",
            "{name}"
        );
        assert_eq!(notices["notices"][0]["severity"], "outage", "{name}");
    }
}
