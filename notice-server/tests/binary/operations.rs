//! Running it for real, with faults injected: one server per data directory, a damaged or unwritable
//! database refused at start with what to do, shutdown bounded whatever clients do, stored documents kept
//! within their bound, backups taken while writing and restored.

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use notice_tests::{Loopback as _, TestServer, output_within, poll_until, request};
use notice_types::{TrustedRoot, dangerous_verify_ignoring_freshness};
use serde_json::Value;

use super::{e2e, outage, stderr, stdout};

/// How long a command that must refuse at once may take (debug builds on a busy machine).
const REFUSE_WITHIN: Duration = Duration::from_secs(60);

/// `notice-server serve` on `server`'s directory, which must exit by itself (it is killed after
/// [`REFUSE_WITHIN`], failing the test).
fn serve_expecting_refusal(server: &TestServer) -> Output {
    let mut command = server.command();
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    output_within(&mut command, REFUSE_WITHIN).expect("serve exits by itself instead of serving")
}

#[test]
fn a_second_server_on_the_same_directory_exits_naming_the_first() {
    let server = e2e().start();
    let out = serve_expecting_refusal(&server);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(
        message.contains("in use by notice-server serve (pid "),
        "names the holder: {message}"
    );
    assert!(message.contains("stop that server first"), "{message}");
    // The first one is untouched.
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn a_database_with_damaged_pages_is_refused_at_start_with_what_to_do() {
    let mut server = e2e().start();
    // Enough rows that the tables span interior pages.
    for n in 0..30 {
        let posted = server.post(
            "/v1/admin/notices",
            server.token(),
            outage(&format!("Outage number {n} with a longer title")),
        );
        assert_eq!(posted.status, 201, "{}", posted.text());
    }
    // SIGTERM closes the database cleanly: everything is in notice.db, no WAL beside it.
    server.terminate();
    let db = server.data_dir().join("notice.db");
    let mut bytes = std::fs::read(&db).unwrap();
    let page = 4096;
    assert!(
        bytes.len() > page * 4,
        "a database of {} bytes",
        bytes.len()
    );
    // Scribble over every page but the first (the header and schema): b-tree pages of every table.
    for at in (page..bytes.len()).step_by(7) {
        bytes[at] = 0xA5;
    }
    std::fs::write(&db, bytes).unwrap();

    let out = serve_expecting_refusal(&server);
    assert!(!out.status.success(), "stdout: {}", stdout(&out));
    let message = stderr(&out);
    assert!(message.contains("is damaged"), "{message}");
    assert!(
        message.contains("notice-server restore") && message.contains("notice-server recover"),
        "says what to do: {message}"
    );
}

#[test]
fn a_database_the_server_cannot_write_is_refused_at_start_with_what_to_do() {
    use std::os::unix::fs::PermissionsExt as _;
    let server = e2e().init();
    let db = server.data_dir().join("notice.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    let mut command = server.command();
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    // Root writes whatever the permissions say; run the server as an ordinary user, as in production.
    let mut command = if is_root() {
        hand_to_nobody(server.data_dir().parent().unwrap());
        as_nobody(&command)
    } else {
        command
    };
    let out = output_within(&mut command, REFUSE_WITHIN).expect("serve exits by itself");
    assert!(!out.status.success(), "stdout: {}", stdout(&out));
    let message = stderr(&out);
    assert!(message.contains("cannot be written"), "{message}");
    assert!(
        message.contains("writable"),
        "says what to check: {message}"
    );
}

fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(2) == Some("0"))
}

/// `nobody`'s user and group id.
const NOBODY: u32 = 65534;

/// Gives `dir` and everything in it to `nobody` (the data directory belongs to the server's user).
fn hand_to_nobody(dir: &Path) {
    std::os::unix::fs::chown(dir, Some(NOBODY), Some(NOBODY)).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            hand_to_nobody(&path);
        } else {
            std::os::unix::fs::chown(&path, Some(NOBODY), Some(NOBODY)).unwrap();
        }
    }
}

/// `command` run as `nobody` through util-linux's `setpriv`.
fn as_nobody(command: &std::process::Command) -> std::process::Command {
    let mut wrapped = std::process::Command::new("setpriv");
    wrapped
        .arg(format!("--reuid={NOBODY}"))
        .arg(format!("--regid={NOBODY}"))
        .arg("--clear-groups")
        .arg(command.get_program())
        .args(command.get_args());
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => wrapped.env(name, value),
            None => wrapped.env_remove(name),
        };
    }
    wrapped
}

#[test]
fn sigterm_with_a_client_stalled_mid_headers_exits_within_the_shutdown_limit() {
    let mut server = e2e().serve_args(["--shutdown-timeout", "1s"]).start();
    let mut stalled = std::net::TcpStream::connect(server.addr()).unwrap();
    // Half a request head, then nothing: the request timeout (30 s) would wait for it.
    stalled
        .write_all(b"GET /v1/feed.json HTTP/1.1\r\nHost: notice\r\n")
        .unwrap();
    // The server accepts connections in the order they came: once a later request is answered, the stalled
    // one has been accepted and is being read when the signal comes.
    assert_eq!(server.get("/healthz").status, 200);
    let started = Instant::now();
    let status = server.terminate();
    let took = started.elapsed();
    assert!(status.success(), "{status:?}");
    // The limit is 1 s; the rest is slack for a loaded machine, far below the 30 s it used to take.
    assert!(took < Duration::from_secs(10), "exited after {took:?}");
    drop(stalled);
}

#[test]
fn stored_documents_stay_within_the_bound_and_versions_still_only_go_up() {
    let mut server = e2e().serve_args(["--keep-versions", "5"]).start();
    let trusted =
        TrustedRoot::from_envelope_bytes(&std::fs::read(server.root_path()).unwrap()).unwrap();
    let early = server.get("/v1/feed.json").body;
    let mut versions = Vec::new();
    for n in 0..25 {
        let posted = server.post(
            "/v1/admin/notices",
            server.token(),
            outage(&format!("Outage {n}")),
        );
        assert_eq!(posted.status, 201, "{}", posted.text());
        versions.push(posted.json()["feed_version"].as_u64().unwrap());
        if n % 2 == 1 {
            let id = posted.json()["notice"]["id"].as_str().unwrap().to_owned();
            let resolved = server.post(
                &format!("/v1/admin/notices/{id}/resolve"),
                server.token(),
                "",
            );
            assert_eq!(resolved.status, 200, "{}", resolved.text());
            versions.push(resolved.json()["feed_version"].as_u64().unwrap());
        }
    }
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");

    // The backup reports what is stored: the newest five documents, not one per version.
    let backup = server.data_dir().parent().unwrap().join("count.db");
    let out = server.run([
        OsStr::new("backup"),
        OsStr::new("--out"),
        backup.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(", 5 published document(s)"),
        "{}",
        stdout(&out)
    );

    // The rules that read stored versions hold: a restart continues upward, and the first document
    // (pruned long ago) is refused by ingest as older than what is served.
    let latest = *versions.last().unwrap();
    server.restart();
    let after = server.post("/v1/admin/notices", server.token(), outage("After restart"));
    assert_eq!(after.json()["feed_version"].as_u64(), Some(latest + 1));
    let (_, first) = dangerous_verify_ignoring_freshness(&early, &trusted).unwrap();
    let ingest = request(
        "POST",
        &format!("{}/v1/admin/ingest", server.url()),
        Some(server.token()),
        Some(&early),
    );
    assert_eq!(ingest.status, 409, "{}", ingest.text());
    let error: Value = ingest.json();
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("version {}", first.version)),
        "{error:#}"
    );
}

#[test]
fn a_backup_taken_while_writing_restores_to_the_same_version_and_every_notice() {
    let mut server = e2e().start();
    let url = server.url();
    let token = server.token().to_owned();
    // A writer posting notices one after another, as fast as the server acknowledges them.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let writer = {
        let acknowledged = acknowledged.clone();
        std::thread::spawn(move || {
            for n in 0..40 {
                let posted = request(
                    "POST",
                    &format!("{url}/v1/admin/notices"),
                    Some(&token),
                    Some(outage(&format!("Outage {n}")).as_bytes()),
                );
                assert_eq!(posted.status, 201, "{}", posted.text());
                let id = posted.json()["notice"]["id"].as_str().unwrap().to_owned();
                acknowledged.lock().unwrap().push(id);
            }
        })
    };
    poll_until("the writer to get going", Duration::from_secs(60), || {
        (acknowledged.lock().unwrap().len() >= 5).then_some(())
    });
    let before_backup = acknowledged.lock().unwrap().clone();
    let backup = server.data_dir().parent().unwrap().join("under-load.db");
    let out = server.run([
        OsStr::new("backup"),
        OsStr::new("--out"),
        backup.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    let (version, notices) = backed_up(&report);
    writer.join().unwrap();
    assert!(
        notices >= before_backup.len(),
        "{report}: {} notices were acknowledged before",
        before_backup.len()
    );

    // The database is lost; the backup goes back in beside the keys. The backup is read-only (as on
    // write-once media) and is only read: restoring changes no byte of it.
    server.terminate();
    std::fs::remove_file(server.data_dir().join("notice.db")).unwrap();
    let mut read_only = std::fs::metadata(&backup).unwrap().permissions();
    read_only.set_readonly(true);
    std::fs::set_permissions(&backup, read_only).unwrap();
    let backup_bytes = std::fs::read(&backup).unwrap();
    let out = server.run([
        OsStr::new("restore"),
        OsStr::new("--from"),
        backup.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::read(&backup).unwrap() == backup_bytes,
        "restore wrote to the backup"
    );
    assert!(
        !server.data_dir().join("notice.db.restoring").exists(),
        "no leftover copy"
    );
    assert!(
        stdout(&out).contains(&format!("back at feed version {version}")),
        "{}",
        stdout(&out)
    );
    server.restart();
    let feed = server.get("/v1/feed.json");
    assert_eq!(
        feed.expect_header("x-notice-feed-version"),
        version.to_string()
    );
    let listed = server.get_auth("/v1/admin/notices?all=true", server.token());
    assert_eq!(listed.status, 200, "{}", listed.text());
    let ids: Vec<String> = listed.json()["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["notice"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), notices, "{ids:?}");
    for id in &before_backup {
        assert!(
            ids.contains(id),
            "{id} was acknowledged before the backup: {ids:?}"
        );
    }
    // The next version is ahead of any the lost database may have published after the backup.
    let next = server.post(
        "/v1/admin/notices",
        server.token(),
        outage("After the restore"),
    );
    assert_eq!(next.status, 201, "{}", next.text());
    assert_eq!(next.json()["feed_version"].as_u64(), Some(version + 1000));
}

/// The feed version and notice count in what `backup` printed.
fn backed_up(report: &str) -> (u64, usize) {
    let number_after = |label: &str| -> u64 {
        let (_, rest) = report
            .split_once(label)
            .unwrap_or_else(|| panic!("no `{label}` in: {report}"));
        rest.split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no number after `{label}` in: {report}"))
    };
    let version = number_after("feed version ");
    let (_, notices) = report
        .split_once(&format!("feed version {version}, "))
        .unwrap();
    let notices = notices.split(' ').next().unwrap().parse().unwrap();
    (version, notices)
}
