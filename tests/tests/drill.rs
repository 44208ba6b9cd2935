//! The post-mortem drill (1 July 2025): the operator's server goes down in the middle of an incident, and
//! users keep being told what is going on.
//!
//! One scenario with the real binaries on loopback: a primary `notice-server`, a `notice-server mirror` on
//! "another provider", an export directory served by a plain static file server (Python's), and the library
//! the app embeds (`notice-client`) configured with all three, for a Dutch and a French user.

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use notice_client::RefreshOutcome;
use notice_tests::{
    NoticeCommand, OutputExt as _, StaticSite, TestMirror, TestServer, get, poll_until,
};
use notice_types::{Status as NoticeStatus, TrustedRoot};

mod phone;
use phone::{DEADLINE, Phone, served_version};

/// Slack on top of [`DEADLINE`] for a loaded 2-cpu machine running debug builds: the refresh returns by its
/// deadline; this only bounds how late the test may notice.
const SLACK: Duration = Duration::from_secs(2);
/// How long the test waits for the mirror to follow its upstream.
const FOLLOW: Duration = Duration::from_secs(30);

const TITLE_EN: &str = "PIN validation is down";
const TITLE_NL: &str = "Pincode controleren werkt niet";
const TITLE_DE: &str = "PIN-Prüfung gestört";
const UPDATE_NL: &str = "Oorzaak gevonden: de database wordt overgezet.";

fn export(server: &TestServer, dir: &Path) {
    server
        .notice()
        .args(["export", "--out"])
        .arg(dir)
        .arg("--root")
        .arg(server.root_path())
        .output()
        .assert_code(0);
}

#[test]
fn users_keep_being_told_when_the_primary_dies_hangs_and_comes_back() {
    let mut primary = TestServer::start();
    let root = std::fs::read(primary.root_path()).unwrap();
    let trusted = TrustedRoot::from_envelope_bytes(&root).unwrap();
    let mirror = TestMirror::start(&primary.url(), &primary.root_path());
    let export_dir = tempfile::tempdir().unwrap();
    export(&primary, export_dir.path());
    let site = StaticSite::serve(export_dir.path());
    let primary_feed = format!("{}/v1/feed.json", primary.url());
    let mirror_feed = format!("{}/v1/feed.json", mirror.url());
    let static_feed = format!("{}/feed.json", site.url());
    let mirrors = [
        primary_feed.clone(),
        mirror_feed.clone(),
        static_feed.clone(),
    ];
    let dutch = Phone::new(primary.feed_id(), &root, &mirrors, "nl_NL");
    let french = Phone::new(primary.feed_id(), &root, &mirrors, "fr_FR");

    // 1. The operator posts an outage; the runbook exports after every change.
    let out = primary
        .notice()
        .args([
            "post",
            "--yes",
            "--json",
            "--severity",
            "outage",
            "--component",
            "keyshare",
        ])
        .args(["--id", "drill-outage", "--title", TITLE_EN, "--title"])
        .arg(format!("nl={TITLE_NL}"))
        .arg("--title")
        .arg(format!("de={TITLE_DE}"))
        .args([
            "--body",
            "You cannot log in right now. We are working on it.",
        ])
        .args(["--body", "nl=Inloggen lukt nu niet. We werken eraan."])
        .args([
            "--body",
            "de=Anmelden geht gerade nicht. Wir arbeiten daran.",
        ])
        .output();
    out.assert_code(0);
    let posted: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let version = posted["feed_version"].as_u64().unwrap();
    export(&primary, export_dir.path());

    assert_eq!(dutch.refresh(), RefreshOutcome::Updated { version });
    assert_eq!(french.refresh(), RefreshOutcome::Updated { version });
    assert_eq!(dutch.shown().0, TITLE_NL);
    assert_eq!(french.shown().0, TITLE_EN, "French falls back to English");
    assert_status_pages_tell_it_in_each_language(&primary.url(), export_dir.path());
    assert_eq!(
        std::fs::read(export_dir.path().join("feed.json")).unwrap(),
        get(&primary_feed).body,
        "the export is byte-identical to what the server serves"
    );
    poll_until("the mirror to serve the posted version", FOLLOW, || {
        (served_version(&mirror_feed, &trusted) == Some(version)).then_some(())
    });

    // 2. The primary's data center goes dark: kill -9.
    primary.kill9();
    assert_eq!(
        dutch.refresh(),
        RefreshOutcome::Unchanged {
            version: Some(version)
        }
    );
    assert!(dutch.error_of(&primary_feed).is_some());
    assert_eq!(dutch.error_of(&mirror_feed), None);
    assert_eq!(dutch.error_of(&static_feed), None);
    // A phone that never saw the feed (a fresh install) gets it from the others.
    let fresh = Phone::new(primary.feed_id(), &root, &mirrors, "nl");
    assert_eq!(fresh.refresh(), RefreshOutcome::Updated { version });
    assert_eq!(fresh.shown().0, TITLE_NL);

    // 3. The primary's address accepts connections and never answers (a hung load balancer).
    let black_hole = TcpListener::bind(primary.addr()).expect("take over the primary's address");
    let hung = Phone::new(primary.feed_id(), &root, &mirrors, "nl");
    let started = Instant::now();
    assert_eq!(hung.refresh(), RefreshOutcome::Updated { version });
    let took = started.elapsed();
    assert!(took <= DEADLINE + SLACK, "the refresh took {took:?}");
    assert!(hung.error_of(&primary_feed).is_some());

    // 4. Break-glass: the operator signs an update with the feed key, from the newest copy they can find,
    // straight into the static directory.
    let out = NoticeCommand::new()
        .server(&primary.url(), primary.token())
        .args([
            "update",
            "drill-outage",
            "--offline",
            "--json",
            "--status",
            "identified",
        ])
        .args([
            "--message",
            "Cause found: moving the database to another data center.",
        ])
        .arg("--message")
        .arg(format!("nl={UPDATE_NL}"))
        .arg("--feed-key")
        .arg(primary.data_dir().join("feed-key.pem"))
        .arg("--root")
        .arg(primary.root_path())
        .arg("--out")
        .arg(export_dir.path())
        .args(["--last", &mirror_feed])
        .output();
    out.assert_code(0);
    let offline: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let offline_version = offline["feed_version"].as_u64().unwrap();
    assert!(offline_version > version);
    assert_eq!(
        dutch.refresh(),
        RefreshOutcome::Updated {
            version: offline_version
        }
    );
    let (title, status, message) = dutch.shown();
    assert_eq!(
        (title.as_str(), status),
        (TITLE_NL, NoticeStatus::Identified)
    );
    assert_eq!(message.as_deref(), Some(UPDATE_NL));

    // 5. The primary comes back, takes in the break-glass document, and the next update reaches phones.
    drop(black_hole);
    primary.restart();
    primary
        .notice()
        .arg("ingest")
        .arg(export_dir.path().join("feed.json"))
        .output()
        .assert_code(0);
    let out = primary
        .notice()
        .args(["update", "drill-outage", "--json", "--status", "monitoring"])
        .args(["--message", "Fixed. We are keeping an eye on it."])
        .args(["--message", "nl=Opgelost. We houden het in de gaten."])
        .output();
    out.assert_code(0);
    let back: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let back_version = back["feed_version"].as_u64().unwrap();
    assert_eq!(back_version, offline_version + 1);
    assert_eq!(
        dutch.refresh(),
        RefreshOutcome::Updated {
            version: back_version
        }
    );
    assert_eq!(dutch.error_of(&primary_feed), None, "no rollback error");
    assert_eq!(dutch.shown().1, NoticeStatus::Monitoring);

    // Everything converges: the mirror follows, the static copy is exported again, nobody is behind.
    export(&primary, export_dir.path());
    poll_until("the mirror to follow the primary back", FOLLOW, || {
        (served_version(&mirror_feed, &trusted) == Some(back_version)).then_some(())
    });
    for phone in [&dutch, &french] {
        assert!(matches!(
            phone.refresh(),
            RefreshOutcome::Updated { version } | RefreshOutcome::Unchanged { version: Some(version) }
                if version == back_version
        ));
        for url in &mirrors {
            assert_eq!(phone.error_of(url), None, "{url}: {:#?}", phone.status());
        }
    }
    assert_eq!(french.shown().1, NoticeStatus::Monitoring);
}

/// The incident page (server and export) and its Atom feed carry the incident in every language.
fn assert_status_pages_tell_it_in_each_language(server: &str, export: &Path) {
    for (lang, title) in [("nl", TITLE_NL), ("en", TITLE_EN), ("de", TITLE_DE)] {
        let page = get(&format!("{server}/?lang={lang}"));
        assert_eq!(page.status, 200);
        let html = String::from_utf8(page.body).unwrap();
        assert!(html.contains(title), "/?lang={lang} lacks {title:?}");
        assert!(html.contains(&format!("lang=\"{lang}\"")), "/?lang={lang}");
        let file = std::fs::read_to_string(export.join(format!("index.{lang}.html"))).unwrap();
        assert!(file.contains(title), "index.{lang}.html lacks {title:?}");
    }

    for atom in [
        get(&format!("{server}/feed.atom")).body,
        std::fs::read(export.join("feed.atom")).unwrap(),
    ] {
        let feed = feed_rs::parser::parse(atom.as_slice()).expect("valid Atom");
        assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
        let titles: Vec<String> = feed
            .entries
            .iter()
            .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
            .collect();
        assert!(
            titles.iter().any(|t| t.contains(TITLE_EN)),
            "no entry for the outage: {titles:?}"
        );
    }
}
