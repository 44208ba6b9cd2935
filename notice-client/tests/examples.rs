//! The C and Go examples are built against the static library and run against a loopback mirror, online and
//! then offline. They use the system clock, so the documents here are signed around the real time.
//! A missing C compiler or Go toolchain fails these tests (CI installs `golang-go`); nothing is skipped.
//! Refreshing needs the `https` feature; ingesting works in every build.

mod support;

use std::path::Path;
use std::process::Command;

use notice_tests::{FeedOwner, NoticeBuilder};
use support::examples::{build_c_example, json_line, run};

// Refreshing (and so the Go example, which refreshes) needs the built-in HTTPS fetching.
#[cfg(feature = "https")]
use {
    notice_tests::{FakeMirror, refusing},
    serde_json::Value,
    std::path::PathBuf,
    std::process::Output,
    support::examples::build_go_example,
};

#[cfg(feature = "https")]
struct Scenario {
    owner: FeedOwner,
    mirror: FakeMirror,
    dir: tempfile::TempDir,
    root: PathBuf,
}

#[cfg(feature = "https")]
impl Scenario {
    fn new() -> Self {
        let owner = FeedOwner::new();
        let now = notice_client::system_now();
        let document = owner.publish(&owner.feed_at(
            1,
            now.plus_seconds(-60),
            now.plus_seconds(86_400),
            vec![
                NoticeBuilder::outage("keyshare-down")
                    .title(&[("en", "PIN validation is down"), ("nl", "PIN-controle werkt niet")])
                    .dismissible(true)
                    .build(),
            ],
        ));
        let mirror = FakeMirror::serving(document);
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root.json");
        std::fs::write(&root, owner.root_json()).unwrap();
        Self {
            owner,
            mirror,
            dir,
            root,
        }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// Online, then offline with a dismissal, then a configuration error: checks each run's output.
    /// `run_example` gets C-style arguments (`--dismiss ID` means revision 1) and adapts them.
    fn check(&self, run_example: impl Fn(&[&str], &[(&str, &str)]) -> Output) {
        let state = self.state();
        let state = state.to_str().unwrap();
        let root = self.root.to_str().unwrap();

        // Online: everything from the environment, as an app's launcher might set it.
        let online = run_example(
            &[],
            &[
                ("NOTICE_FEED_ID", self.owner.feed_id()),
                ("NOTICE_ROOT", root),
                ("NOTICE_STATE_DIR", state),
                ("NOTICE_MIRRORS", &self.mirror.url()),
                ("NOTICE_LOCALE", "nl_NL"),
                ("NOTICE_MIN_REFRESH_INTERVAL_S", "0"),
            ],
        );
        assert!(online.status.success());
        assert_eq!(json_line(&online, "refresh: ")["outcome"], "updated");
        let notices = json_line(&online, "notices: ");
        assert_eq!(notices["freshness"], "fresh");
        assert_eq!(notices["notices"][0]["title"], "PIN-controle werkt niet");
        // The app shows how long an incident has lasted: the JSON carries `created_at`, and the example
        // prints it as "since".
        let created = notices["notices"][0]["created_at"]
            .as_str()
            .unwrap()
            .to_owned();
        let stdout = String::from_utf8_lossy(&online.stdout);
        assert!(
            stdout.contains(&format!("since: keyshare-down {created} (")),
            "{stdout}"
        );
        assert_eq!(self.mirror.requests().len(), 1);

        // Offline, the next start: the refresh fails, the stored notice is still there, and dismissing works.
        let refusing = refusing();
        let offline_args = [
            "--feed-id",
            self.owner.feed_id(),
            "--root",
            root,
            "--state",
            state,
            "--mirror",
            &refusing,
            "--min-refresh-interval",
            "0",
        ];
        let offline = run_example(&offline_args, &[]);
        assert!(offline.status.success());
        assert!(String::from_utf8_lossy(&offline.stderr).contains("all_mirrors_failed"));
        assert_eq!(
            json_line(&offline, "notices: ")["notices"][0]["id"],
            "keyshare-down"
        );
        let dismissed = run_example(
            &[&offline_args[..], &["--dismiss", "keyshare-down"]].concat(),
            &[],
        );
        assert!(dismissed.status.success());
        assert_eq!(
            json_line(&dismissed, "notices: ")["notices"],
            Value::Array(vec![])
        );
        let status = json_line(&dismissed, "status: ");
        assert_eq!(status["version"], 1);
        assert_eq!(status["mirrors"][0]["last_error"]["code"], "connect_failed");

        // A configuration the library refuses: a clear error and a non-zero exit.
        let refused = run_example(
            &["--feed-id", "Not A Feed", "--root", root, "--state", state],
            &[],
        );
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("invalid_config"));
    }
}

#[cfg(feature = "https")]
#[test]
fn the_c_example_builds_against_the_static_library_and_runs() {
    let scenario = Scenario::new();
    let binary = build_c_example(scenario.dir.path());
    scenario.check(|args, env| {
        let args: Vec<&str> = match args.iter().position(|a| *a == "--dismiss") {
            // `--dismiss ID REVISION`
            Some(i) => [&args[..=i], &[args[i + 1], "1"]].concat(),
            None => args.to_vec(),
        };
        run(Command::new(&binary).args(&args).envs(env.iter().copied()))
    });
}

#[cfg(feature = "https")]
#[test]
fn the_go_example_builds_with_cgo_and_runs() {
    let scenario = Scenario::new();
    let binary = build_go_example(scenario.dir.path());

    scenario.check(|args, env| {
        // Go's flag package takes `--flag value` too; only the mirror and dismiss flags differ.
        let mut go_args: Vec<String> = Vec::new();
        for pair in args.chunks(2) {
            match pair {
                ["--dismiss", id] => go_args.extend(["-dismiss".to_owned(), format!("{id}:1")]),
                ["--mirror", url] => go_args.extend(["-mirrors".to_owned(), (*url).to_owned()]),
                other => go_args.extend(other.iter().map(|a| (*a).to_owned())),
            }
        }
        run(Command::new(&binary)
            .args(&go_args)
            .envs(env.iter().copied()))
    });
}

#[test]
fn the_c_example_ingests_a_document_and_refuses_a_tampered_one() {
    let dir = tempfile::tempdir().unwrap();
    let binary = build_c_example(dir.path());
    let owner = FeedOwner::new();
    let now = notice_client::system_now();
    let document = owner.publish(&owner.feed_at(
        4,
        now.plus_seconds(-60),
        now.plus_seconds(86_400),
        vec![NoticeBuilder::outage("keyshare-down").build()],
    ));
    let root = dir.path().join("root.json");
    std::fs::write(&root, owner.root_json()).unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(&good, &document).unwrap();
    let mut tampered_bytes = document.clone();
    let middle = tampered_bytes.len() / 2;
    tampered_bytes[middle] ^= 0x01;
    let tampered = dir.path().join("tampered.json");
    std::fs::write(&tampered, tampered_bytes).unwrap();
    let state = dir.path().join("state");
    let ingest = |file: &Path| {
        run(Command::new(&binary).args([
            "--feed-id",
            owner.feed_id(),
            "--root",
            root.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
            "--ingest",
            file.to_str().unwrap(),
        ]))
    };

    let accepted = ingest(&good);
    assert!(accepted.status.success());
    assert_eq!(json_line(&accepted, "ingest: ")["version"], 4);

    let refused = ingest(&tampered);
    assert!(refused.status.success(), "a refused document is not fatal");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("ingest failed (result 6)"));
    let notices = json_line(&refused, "notices: ");
    assert_eq!(notices["version"], 4);
    assert_eq!(notices["notices"][0]["id"], "keyshare-down");
}
