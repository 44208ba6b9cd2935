//! `notice root prepare|sign|check`: a ceremony on files alone (publishing is in the end-to-end test
//! `tests/tests/root_ceremony.rs`).

use std::path::{Path, PathBuf};

use notice_tests::{FeedOwner, OutputExt as _, key, notice};
use notice_types::{TrustedRoot, verify_root_chain};

/// Root v1 with root keys 1, 3, 5 (2 of 3) in `dir`: (root.json, the key files by seed).
fn two_of_three(dir: &Path) -> (FeedOwner, PathBuf) {
    let owner = FeedOwner::builder().root_keys(&[1, 3, 5], 2).build();
    let root = dir.join("root.json");
    std::fs::write(&root, owner.root_json()).unwrap();
    for seed in [1u8, 3, 5, 9] {
        let pem = key(seed).to_pkcs8_pem().unwrap();
        std::fs::write(dir.join(format!("key-{seed}.pem")), pem.as_bytes()).unwrap();
    }
    (owner, root)
}

fn run(args: &[&str]) -> std::process::Output {
    notice(args.iter().copied())
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_rotation_file_collects_signatures_until_both_thresholds_are_met() {
    let dir = tempfile::tempdir().unwrap();
    let (owner, root) = two_of_three(dir.path());
    let rotation = dir.path().join("rotation.json");
    run(&[
        "root",
        "prepare",
        "--from",
        path(&root),
        "--add-link-host",
        "status.yivi.app",
        "--remove-root-key",
        &key(5).public_key().key_id(),
        "--add-root-key",
        &key(7).public_key().to_string(),
        "--out",
        path(&rotation),
    ])
    .assert_code(0)
    .assert_stdout_contains("link hosts: + status.yivi.app");
    let check = || run(&["root", "check", path(&rotation), "--current", path(&root)]);
    check()
        .assert_code(5)
        .assert_stderr_contains("2 more signature(s) of v1's root keys (0 of 2)");
    let sign = |seed: u8| {
        run(&[
            "root",
            "sign",
            path(&rotation),
            "--key",
            path(&dir.path().join(format!("key-{seed}.pem"))),
        ])
    };
    sign(1)
        .assert_code(0)
        .assert_stdout_contains("Signed root v2");
    sign(1)
        .assert_code(0)
        .assert_stdout_contains("Already signed");
    // Key 5 leaves with this rotation: it counts for v1 only.
    sign(5).assert_code(0);
    check()
        .assert_code(5)
        .assert_stderr_contains("1 more signature(s) of v2's root keys (1 of 2)");
    // Key 9 is in neither root.
    sign(9)
        .assert_code(5)
        .assert_stderr_contains("neither root v1 nor root v2");
    sign(3).assert_code(0);
    check().assert_code(0).assert_stdout_contains("Ready");
    let json = run(&["root", "check", path(&rotation), "--json"]);
    json.assert_code(0);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["ready"], true);
    assert_eq!(report["current"]["signed"].as_array().unwrap().len(), 3);
    // What the file carries is what apps accept, from the root they ship.
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&rotation).unwrap()).unwrap();
    let next: notice_types::Envelope = serde_json::from_value(file["next"].clone()).unwrap();
    let mut chain = owner.chain().to_vec();
    chain.push(next);
    let v2 = verify_root_chain(&chain, &owner.trusted()).unwrap();
    assert_eq!(v2.link_hosts, vec!["yivi.app", "status.yivi.app"]);
    assert!(v2.root_keys.contains(&key(7).public_key()));
    assert!(!v2.root_keys.contains(&key(5).public_key()));

    // The next ceremony starts from the rotation published last.
    let r3 = dir.path().join("rotation-v3.json");
    run(&[
        "root",
        "prepare",
        "--from",
        path(&rotation),
        "--root-threshold",
        "1",
        "--out",
        path(&r3),
    ])
    .assert_code(0)
    .assert_stdout_contains("root v3");
    for seed in [1, 3] {
        let key_path = dir.path().join(format!("key-{seed}.pem"));
        run(&["root", "sign", path(&r3), "--key", path(&key_path)]).assert_code(0);
    }
    run(&["root", "check", path(&r3), "--current", path(&root)])
        .assert_code(0)
        .assert_stdout_contains("v2 root keys (old): 2 of 2");
}

#[test]
fn mistakes_are_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let (_, root) = two_of_three(dir.path());
    let rotation = dir.path().join("rotation.json");
    let prepare = |extra: &[&str]| {
        let mut args = vec![
            "root",
            "prepare",
            "--from",
            path(&root),
            "--out",
            path(&rotation),
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    prepare(&[])
        .assert_code(5)
        .assert_stderr_contains("nothing to change");
    prepare(&["--root-threshold", "4"])
        .assert_code(5)
        .assert_stderr_contains("root_threshold");
    prepare(&["--add-root-key", "not-a-key"])
        .assert_code(2)
        .assert_stderr_contains("neither a public key");
    prepare(&["--remove-feed-key", &key(9).public_key().key_id()])
        .assert_code(5)
        .assert_stderr_contains("is not in root v1");
    prepare(&["--root-threshold", "3"]).assert_code(0);
    prepare(&["--root-threshold", "3"])
        .assert_code(2)
        .assert_stderr_contains("--force");
    run(&[
        "root",
        "publish",
        path(&rotation),
        "--server",
        "http://127.0.0.1:9",
    ])
    .assert_code(2)
    .assert_stderr_contains("no signatures yet");
    // A root file of another feed is not the root to check against.
    let other = dir.path().join("other.json");
    std::fs::write(&other, FeedOwner::for_feed("yivi-app/staging").root_json()).unwrap();
    let out = run(&["root", "check", path(&rotation), "--current", path(&other)]);
    out.assert_code(5);
    // Not a rotation file.
    run(&["root", "check", path(&root)])
        .assert_code(2)
        .assert_stderr_contains("not a usable rotation file");
    assert!(TrustedRoot::from_envelope_bytes(&std::fs::read(&root).unwrap()).is_ok());
}

#[test]
fn a_rotation_is_published_break_glass_into_the_copies_with_the_new_feed_key() {
    let dir = tempfile::tempdir().unwrap();
    let (owner, root) = two_of_three(dir.path());
    for seed in [2u8, 4] {
        let pem = key(seed).to_pkcs8_pem().unwrap();
        std::fs::write(dir.path().join(format!("key-{seed}.pem")), pem.as_bytes()).unwrap();
    }
    let export = dir.path().join("export");
    std::fs::create_dir(&export).unwrap();
    let last = owner.document(
        7,
        vec![notice_tests::NoticeBuilder::outage("keyshare").build()],
    );
    std::fs::write(export.join("feed.json"), &last).unwrap();
    let rotation = dir.path().join("rotation.json");
    run(&[
        "root",
        "prepare",
        "--from",
        path(&export.join("feed.json")),
        "--add-feed-key",
        &key(4).public_key().to_string(),
        "--remove-feed-key",
        &key(2).public_key().key_id(),
        "--out",
        path(&rotation),
    ])
    .assert_code(0);
    for seed in [1, 3] {
        let key_path = dir.path().join(format!("key-{seed}.pem"));
        run(&["root", "sign", path(&rotation), "--key", path(&key_path)]).assert_code(0);
    }
    let publish = |feed_key: &str| {
        run(&[
            "root",
            "publish",
            path(&rotation),
            "--offline",
            "--feed-key",
            path(&dir.path().join(feed_key)),
            "--root",
            path(&root),
            "--out",
            path(&export),
        ])
    };
    // The old feed key is not one root v2 lists: apps would refuse what it signs.
    publish("key-2.pem")
        .assert_code(2)
        .assert_stderr_contains("not a feed key of root version 2");
    publish("key-4.pem")
        .assert_code(0)
        .assert_stdout_contains("Published root v2 break-glass");
    let document = std::fs::read(export.join("feed.json")).unwrap();
    let verified = owner.verify(&document, None, notice_tests::now()).unwrap();
    assert_eq!(verified.root.version, 2);
    assert_eq!(verified.feed.version, 1007);
    assert_eq!(verified.feed.notices.len(), 1);
    assert_eq!(verified.root.feed_keys, vec![key(4).public_key()]);
}
