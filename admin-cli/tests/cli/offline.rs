//! Break-glass: `--offline` on the commands that change notices, and `notice ingest` when the server is back.

use std::path::{Path, PathBuf};

use notice_tests::{NoticeCommand, OutputExt as _, TestServer, closed_port_url, get};
use serde_json::Value;

use super::{json, post_outage, show};

/// A server with one outage, exported to a directory, as an operator has it when the server goes down.
struct Setup {
    server: TestServer,
    export: tempfile::TempDir,
}

impl Setup {
    fn new(id: &str) -> Setup {
        let server = TestServer::start();
        post_outage(&server, id);
        let export = tempfile::tempdir().unwrap();
        server
            .notice()
            .args(["export", "--out"])
            .arg(export.path())
            .arg("--root")
            .arg(server.root_path())
            .output()
            .assert_code(0);
        Setup { server, export }
    }

    fn feed_key(&self) -> PathBuf {
        self.server.data_dir().join("feed-key.pem")
    }

    fn dir(&self) -> &Path {
        self.export.path()
    }

    /// `notice ARGS --offline …` with the server unreachable, the key, root and directory from the
    /// environment, as an operator's break-glass runbook would set them.
    fn offline(&self) -> NoticeCommand {
        NoticeCommand::new()
            .server(&closed_port_url(), "ntk_unused")
            .env("NOTICE_FEED_KEY", self.feed_key())
            .env("NOTICE_ROOT", self.server.root_path())
            .env("NOTICE_EXPORT_DIR", self.dir())
    }

    /// The export directory's feed.json, byte for byte.
    fn exported_bytes(&self) -> Vec<u8> {
        std::fs::read(self.dir().join("feed.json")).unwrap()
    }

    /// `notice verify --json` of the export directory's feed.json: version, notices and more.
    fn exported(&self) -> Value {
        let out = self
            .server
            .notice()
            .args(["verify", "--json", "--root"])
            .arg(self.server.root_path())
            .arg(self.dir().join("feed.json"))
            .output();
        out.assert_code(0);
        json(&out)
    }

    fn exported_version(&self) -> u64 {
        self.exported()["version"].as_u64().unwrap()
    }

    fn exported_notices(&self) -> Vec<Value> {
        self.exported()["notices"].as_array().unwrap().clone()
    }
}

#[test]
fn an_offline_post_signs_a_higher_version_without_the_server_and_exports_it() {
    let setup = Setup::new("offline-base");
    let out = setup
        .offline()
        .args([
            "post",
            "--offline",
            "--yes",
            "--json",
            "--severity",
            "outage",
        ])
        .args([
            "--id",
            "offline-new",
            "--title",
            "Login is down",
            "--title",
            "nl=Inloggen werkt niet",
        ])
        .args(["--body", "We are on it.", "--body", "nl=We werken eraan."])
        .output();
    out.assert_code(0);
    let report = json(&out);
    assert_eq!(report["offline"], true);
    assert_eq!(report["previous_version"], 2);
    assert_eq!(
        report["feed_version"], 1002,
        "versions jump ahead: {report}"
    );
    assert_eq!(report["notice"]["id"], "offline-new");
    out.assert_stderr_contains("Break-glass");

    assert_eq!(setup.exported_version(), 1002);
    let ids: Vec<_> = setup
        .exported_notices()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["offline-base", "offline-new"]);
    let page = std::fs::read_to_string(setup.dir().join("index.nl.html")).unwrap();
    assert!(page.contains("Inloggen werkt niet"), "{page}");
    assert_eq!(
        setup.exported_bytes(),
        std::fs::read(setup.dir().join("v1/feed.json")).unwrap()
    );
}

#[test]
fn the_newest_of_several_last_known_documents_is_the_base() {
    let setup = Setup::new("offline-newest");
    // The server moved on after the export: the export is behind, the server is not.
    post_outage(&setup.server, "offline-newest-2");
    let out = setup
        .offline()
        .args([
            "update",
            "offline-newest-2",
            "--offline",
            "--json",
            "--status",
            "identified",
        ])
        .args(["--message", "Found it."])
        .arg("--last")
        .arg(setup.dir().join("feed.json"))
        .arg("--last")
        .arg(format!("{}/v1/feed.json", setup.server.url()))
        .output();
    out.assert_code(0);
    let report = json(&out);
    assert_eq!(report["previous_version"], 3, "{report}");
    assert_eq!(report["feed_version"], 1003);
    assert_eq!(report["notice"]["status"], "identified");
}

#[test]
fn offline_update_edit_resolve_and_withdraw_change_the_last_known_feed() {
    let setup = Setup::new("offline-life");
    post_outage(&setup.server, "offline-life-2");
    setup
        .server
        .notice()
        .args(["export", "--out"])
        .arg(setup.dir())
        .arg("--root")
        .arg(setup.server.root_path())
        .output()
        .assert_code(0);

    setup
        .offline()
        .args([
            "update",
            "offline-life",
            "--offline",
            "--status",
            "identified",
        ])
        .args([
            "--message",
            "Cause found.",
            "--message",
            "nl=Oorzaak gevonden.",
        ])
        .output()
        .assert_code(0);
    setup
        .offline()
        .args([
            "edit",
            "offline-life",
            "--offline",
            "--yes",
            "--title",
            "nl=Storing",
        ])
        .output()
        .assert_code(0);
    setup
        .offline()
        .args(["resolve", "offline-life", "--offline", "--yes"])
        .output()
        .assert_code(0);
    setup
        .offline()
        .args(["withdraw", "offline-life-2", "--offline", "--yes"])
        .output()
        .assert_code(0);

    // Every offline document jumps ahead again: the server may have ingested the previous one.
    assert_eq!(setup.exported_version(), 3 + 4 * 1000);
    let notices = setup.exported_notices();
    assert_eq!(
        notices.len(),
        1,
        "the withdrawn notice left the feed: {notices:?}"
    );
    let notice = &notices[0];
    assert_eq!(notice["id"], "offline-life");
    assert_eq!(notice["status"], "resolved");
    assert_eq!(notice["title"]["nl"], "Storing");
    assert_eq!(
        notice["revision"], 4,
        "update, edit and resolve are revisions"
    );
    let statuses: Vec<_> = notice["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, ["identified", "resolved"]);
}

#[test]
fn offline_changes_are_refused_as_the_server_refuses_them_and_nothing_is_written() {
    let setup = Setup::new("offline-refused");
    let before = setup.exported_bytes();
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec![
                "post",
                "--severity",
                "maintenance",
                "--title",
                "Work",
                "--body",
                "Soon.",
            ],
            5,
            "--starts",
        ),
        (
            vec![
                "update",
                "no-such-notice",
                "--status",
                "identified",
                "--message",
                "x",
            ],
            5,
            "the feed carries: offline-refused",
        ),
        (
            vec![
                "update",
                "offline-refused",
                "--status",
                "scheduled",
                "--message",
                "x",
            ],
            5,
            "status",
        ),
        (
            vec![
                "post",
                "--severity",
                "info",
                "--title",
                "nl=Alleen",
                "--body",
                "x",
            ],
            2,
            "--title",
        ),
    ];
    for (args, code, says) in cases {
        let mut command = setup.offline().args(&args).arg("--offline");
        if args[0] == "post" {
            command = command.arg("--yes");
        }
        let out = command.output();
        out.assert_code(code);
        assert!(
            out.stderr_text().contains(says),
            "{args:?}: {}",
            out.describe()
        );
    }
    assert_eq!(setup.exported_bytes(), before);
}

#[test]
fn offline_needs_the_right_key_root_and_directory_and_says_which_is_missing() {
    let setup = Setup::new("offline-setup");
    let post = [
        "post",
        "--offline",
        "--yes",
        "--severity",
        "info",
        "--title",
        "t",
        "--body",
        "b",
    ];

    let out = setup
        .offline()
        .env_remove("NOTICE_FEED_KEY")
        .args(post)
        .output();
    out.assert_code(2);
    out.assert_stderr_contains("--feed-key");

    let out = setup
        .offline()
        .env_remove("NOTICE_ROOT")
        .args(post)
        .output();
    out.assert_code(2);
    out.assert_stderr_contains("--root");

    let empty = tempfile::tempdir().unwrap();
    let out = setup
        .offline()
        .args(post)
        .arg("--out")
        .arg(empty.path())
        .output();
    out.assert_code(2);
    out.assert_stderr_contains("--last");

    // The root key is not a feed key: apps would reject what it signs.
    let out = setup
        .offline()
        .args(post)
        .arg("--feed-key")
        .arg(setup.server.data_dir().join("root-key.pem"))
        .output();
    out.assert_code(2);
    out.assert_stderr_contains("is not a feed key");
    let secret = std::fs::read_to_string(setup.server.data_dir().join("root-key.pem")).unwrap();
    let body = secret.lines().nth(1).unwrap();
    assert!(
        !out.stderr_text().contains(body),
        "a key leaked into the error"
    );
}

#[test]
fn an_offline_post_without_a_terminal_and_without_yes_refuses_before_signing() {
    let setup = Setup::new("offline-ask");
    let before = setup.exported_bytes();
    let out = setup
        .offline()
        .args([
            "post",
            "--offline",
            "--severity",
            "info",
            "--title",
            "t",
            "--body",
            "b",
        ])
        .output();
    out.assert_code(7);
    assert_eq!(setup.exported_bytes(), before);
}

#[test]
fn ingest_makes_the_server_continue_above_the_offline_document_with_its_changes() {
    let setup = Setup::new("offline-ingest");
    setup
        .offline()
        .args([
            "update",
            "offline-ingest",
            "--offline",
            "--status",
            "identified",
        ])
        .args(["--message", "Signed while the server was down."])
        .output()
        .assert_code(0);
    let document = setup.exported_bytes();

    let out = setup
        .server
        .notice()
        .arg("ingest")
        .arg(setup.dir().join("feed.json"))
        .output();
    out.assert_code(0);
    out.assert_stdout_contains("feed version 1002");
    // Served byte for byte until the next change, then the server continues above it.
    assert_eq!(
        get(&format!("{}/v1/feed.json", setup.server.url())).body,
        document
    );
    let record = show(&setup.server, "offline-ingest");
    assert_eq!(record["notice"]["status"], "identified");
    let out = setup
        .server
        .notice()
        .args([
            "update",
            "offline-ingest",
            "--json",
            "--status",
            "monitoring",
        ])
        .args(["--message", "Back online."])
        .output();
    out.assert_code(0);
    assert_eq!(json(&out)["feed_version"], 1003);

    // The same document again is not above the server's version any more.
    let out = setup
        .server
        .notice()
        .arg("ingest")
        .arg(setup.dir().join("feed.json"))
        .output();
    out.assert_code(5);
    out.assert_stderr_contains("1003");
}
