//! What an on-call operator is warned of and helped with: cautions that need `--yes`, the component
//! registry's refusal, unique-prefix ids, labels in the preview's own language and local time next to UTC.

use notice_tests::{OutputExt as _, TestServer};

use super::{json, show};

/// Posts an outage on `component` with `id` (non-interactively), returning the run.
pub(crate) fn post_on(server: &TestServer, id: &str, component: &str) -> std::process::Output {
    server
        .notice()
        .args(["post", "--yes", "--severity", "outage", "--id", id])
        .args(["--component", component])
        .args(["--title", "Down", "--body", "It is down."])
        .output()
}

#[test]
fn a_second_open_outage_on_a_component_is_a_warning() {
    let server = TestServer::shared();
    post_on(&server, "second-outage-first", "second-outage-part").assert_code(0);
    let out = post_on(&server, "second-outage-again", "second-outage-part");
    out.assert_code(0);
    let stderr = out.stderr_text();
    assert!(
        stderr.contains(
            "warning: `second-outage-part` already has an open outage, `second-outage-first`"
        ),
        "{stderr}"
    );
    // The dry run tells what the write will: the caution is in the server's answer.
    let out = server
        .notice()
        .args(["post", "--dry-run", "--json", "--severity", "outage"])
        .args(["--component", "second-outage-part"])
        .args(["--title", "Down", "--body", "It is down."])
        .output();
    out.assert_code(0);
    assert!(
        json(&out)["cautions"][0]
            .as_str()
            .unwrap()
            .contains("already has an open outage")
    );
    // A different component: nothing to say.
    let out = post_on(&server, "second-outage-other", "second-outage-elsewhere");
    out.assert_code(0);
    assert!(
        !out.stderr_text().contains("warning:"),
        "{}",
        out.describe()
    );
}

#[test]
fn maintenance_set_in_progress_days_early_needs_yes() {
    let server = TestServer::shared();
    server
        .notice()
        .args([
            "post",
            "--yes",
            "--severity",
            "maintenance",
            "--id",
            "early-start",
        ])
        .args(["--starts", "+2d", "--ends", "+2d2h"])
        .args(["--title", "Upgrade", "--body", "Planned work."])
        .output()
        .assert_code(0);
    let update = |yes: bool| {
        let mut command = server
            .notice()
            .args(["update", "early-start", "--status", "in-progress"])
            .args(["--message", "Started."]);
        if yes {
            command = command.arg("--yes");
        }
        command.output()
    };
    let refused = update(false);
    refused.assert_code(7);
    let stderr = refused.stderr_text();
    assert!(
        stderr.contains("warning: maintenance `early-start` is set in progress before its start"),
        "{stderr}"
    );
    assert!(stderr.contains("add --yes"), "{stderr}");
    assert_eq!(
        show(&server, "early-start")["notice"]["status"],
        "scheduled"
    );

    let done = update(true);
    done.assert_code(0);
    assert!(
        done.stderr_text().contains("before its start"),
        "{}",
        done.describe()
    );
    assert_eq!(
        show(&server, "early-start")["notice"]["status"],
        "in_progress"
    );
}

#[test]
fn an_unknown_component_is_refused_with_did_you_mean() {
    let server = TestServer::start_with([
        "--component",
        "keyshare=PIN validation",
        "--component",
        "keyshare:nl=Pincode controleren",
        "--component",
        "issuance=Issuing cards",
        "--time-zone",
        "Europe/Amsterdam",
    ]);
    let out = post_on(&server, "typo", "keyshar");
    out.assert_code(5);
    let stderr = out.stderr_text();
    assert!(
        stderr.contains(
            "unknown component `keyshar`; did you mean `keyshare`? declared: keyshare, issuance"
        ),
        "{stderr}"
    );
    post_on(&server, "declared", "keyshare").assert_code(0);
    // The registry rides in the signed feed, for apps and copies.
    let feed = notice_tests::get(&format!("{}/v1/feed.json", server.url()));
    let document: serde_json::Value = serde_json::from_slice(&feed.body).unwrap();
    let payload = document["feed"]["payload"].as_str().unwrap();
    let payload = base64_decode(payload);
    let payload: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(payload["service"]["time_zone"], "Europe/Amsterdam");
    assert_eq!(
        payload["service"]["components"][0]["name"]["nl"],
        "Pincode controleren"
    );
}

/// Standard base64 with padding (the feed payload), decoded without another dependency.
fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.bytes().filter(|b| *b != b'=') {
        let value = ALPHABET.iter().position(|c| *c == byte).unwrap() as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

#[test]
fn ids_can_be_given_by_a_unique_prefix() {
    let server = TestServer::shared();
    post_on(&server, "prefix-alpha-1234", "prefix-part-a").assert_code(0);
    post_on(&server, "prefix-beta-1234", "prefix-part-b").assert_code(0);
    post_on(&server, "prefix-beta-5678", "prefix-part-c").assert_code(0);
    let out = server
        .notice()
        .args(["update", "prefix-alp", "--status", "identified"])
        .args(["--message", "Found."])
        .output();
    out.assert_code(0);
    assert!(
        out.stdout_text()
            .contains("prefix-alpha-1234 is now identified")
    );
    let out = server.notice().args(["resolve", "prefix-beta"]).output();
    out.assert_code(2);
    let stderr = out.stderr_text();
    assert!(
        stderr.contains(
            "`prefix-beta` is the start of 2 notice ids: prefix-beta-1234, prefix-beta-5678"
        ) || stderr.contains(
            "`prefix-beta` is the start of 2 notice ids: prefix-beta-5678, prefix-beta-1234"
        ),
        "{stderr}"
    );
    let out = server
        .notice()
        .args(["show", "prefix-beta-56", "--json"])
        .output();
    out.assert_code(0);
    assert_eq!(json(&out)["notice"]["id"], "prefix-beta-5678");
}

#[test]
fn the_preview_speaks_each_panels_language_and_shows_local_time() {
    let server = TestServer::shared();
    let out = server
        .notice()
        .env("TZ", "Europe/Amsterdam")
        .args([
            "post",
            "--dry-run",
            "--severity",
            "maintenance",
            "--id",
            "preview-langs",
        ])
        .args([
            "--starts",
            "2030-01-15T01:00:00Z",
            "--ends",
            "2030-01-15T03:00:00Z",
        ])
        .args([
            "--title",
            "Upgrade",
            "--title",
            "nl=Onderhoud",
            "--title",
            "de=Wartung",
        ])
        .args([
            "--body",
            "Planned.",
            "--body",
            "nl=Gepland.",
            "--body",
            "de=Geplant.",
        ])
        .output();
    out.assert_code(0);
    let text = out.stdout_text();
    for needle in [
        "ONDERHOUD · Gepland",
        "Van di 02:00 CET (2030-01-15T01:00:00Z) tot di 04:00 CET (2030-01-15T03:00:00Z)",
        "[gebruikers kunnen hem wegklikken]",
        "WARTUNG · Geplant",
        "Von Di 02:00 CET (2030-01-15T01:00:00Z) bis",
        "MAINTENANCE · Scheduled",
        "From Tue 02:00 CET",
        "starts 2030-01-15T01:00:00Z (Tue 02:00 CET, in ",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}
