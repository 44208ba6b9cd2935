//! `notice keygen`: owner-only PKCS#8 keys that notice-types reads and signs with.

use notice_tests::{OutputExt as _, notice, now};
use notice_types::{
    FeedId, FeedPayload, PublicKey, PublishedDocument, RootPayload, SecretKey, sign_feed, sign_root,
};

fn keygen(role: &str, out: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "keygen".to_owned(),
        "--role".into(),
        role.into(),
        "--out".into(),
    ];
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    notice(args)
}

#[test]
fn keygen_writes_an_owner_only_pkcs8_key_and_its_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("root-key.pem");
    let out = keygen("root", &path, &[]);
    out.assert_code(0);

    let secret = SecretKey::from_pkcs8_pem(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let public = PublicKey::from_file_text(
        &std::fs::read_to_string(dir.path().join("root-key.pem.pub")).unwrap(),
    )
    .unwrap();
    assert_eq!(secret.public_key(), public);
    let text = out.stdout_text();
    assert!(text.contains(&public.to_string()), "{text}");
    assert!(text.contains(&public.key_id()), "{text}");
    assert!(!text.contains("PRIVATE KEY"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn keygen_refuses_to_overwrite_a_key_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feed-key.pem");
    keygen("feed", &path, &[]).assert_code(0);
    let before = std::fs::read(&path).unwrap();

    let out = keygen("feed", &path, &[]);
    out.assert_code(2);
    assert!(
        out.stderr_text().contains("refusing to overwrite"),
        "{}",
        out.describe()
    );
    assert_eq!(std::fs::read(&path).unwrap(), before, "the key was changed");

    keygen("feed", &path, &["--force"]).assert_code(0);
    assert_ne!(
        std::fs::read(&path).unwrap(),
        before,
        "--force did not replace the key"
    );
    let public = PublicKey::from_file_text(
        &std::fs::read_to_string(dir.path().join("feed-key.pem.pub")).unwrap(),
    )
    .unwrap();
    let secret = SecretKey::from_pkcs8_pem(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        secret.public_key(),
        public,
        "the .pub file does not match the new key"
    );
}

#[test]
fn keys_from_keygen_sign_a_document_that_notice_verify_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let root_path = dir.path().join("root.pem");
    let feed_path = dir.path().join("feed.pem");
    keygen("root", &root_path, &[]).assert_code(0);
    let out = keygen("feed", &feed_path, &["--json"]);
    out.assert_code(0);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["role"], "feed");

    let read = |p: &std::path::Path| {
        SecretKey::from_pkcs8_pem(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let (root_key, feed_key) = (read(&root_path), read(&feed_path));
    assert_eq!(report["public_key"], feed_key.public_key().to_string());
    let root = RootPayload {
        feed_id: FeedId::parse("keygen/test").unwrap(),
        version: 1,
        root_keys: vec![root_key.public_key()],
        root_threshold: 1,
        feed_keys: vec![feed_key.public_key()],
        feed_threshold: 1,
        link_hosts: vec![],
    };
    let root_envelope = sign_root(&root, &root, &[&root_key]).unwrap();
    let t = now();
    let feed = FeedPayload {
        feed_id: root.feed_id.clone(),
        version: 1,
        issued_at: t,
        expires_at: t.plus_seconds(3600),
        notices: vec![],
        service: None,
    };
    let document = PublishedDocument::assemble(
        vec![root_envelope.clone()],
        sign_feed(&feed, &root, &[&feed_key]).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("root.json"),
        serde_json::to_vec(&root_envelope).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.path().join("feed.json"), document).unwrap();
    let out = notice([
        "verify".to_owned(),
        "--root".into(),
        dir.path().join("root.json").display().to_string(),
        dir.path().join("feed.json").display().to_string(),
    ]);
    out.assert_code(0);
}
