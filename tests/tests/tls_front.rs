//! The deploy kit's TLS front (`deploy/nginx/notice.conf`, run by Debian's nginx) in front of a real server,
//! with a private CA made by the test: the `notice` CLI posts through it with `--ca-cert` (and
//! `NOTICE_CA_CERT`), refuses it without; the library the app embeds fetches through it with the CA in its
//! configuration; metrics stay internal; plain HTTP only redirects.

use notice_client::RefreshOutcome;
use notice_tests::{NoticeCommand, OutputExt as _, TestPki, TestServer, TlsFront, get_trusting};

mod phone;
use phone::Phone;

#[test]
fn the_cli_and_the_client_go_through_the_tls_front_with_a_private_ca() {
    let server = TestServer::builder()
        .serve_args(["--trusted-proxy", "127.0.0.1/32"])
        .start();
    let pki = TestPki::new();
    let front = TlsFront::start(server.addr(), &pki);
    let cli = || NoticeCommand::new().server(&front.url(), server.token());

    // The operator's CLI: through TLS with the private CA, by flag or by environment.
    let out = cli()
        .arg("--ca-cert")
        .arg(pki.ca_cert())
        .args([
            "post",
            "--yes",
            "--json",
            "--severity",
            "outage",
            "--id",
            "pin-down",
        ])
        .args([
            "--title",
            "PIN validation is down",
            "--body",
            "We are working on it.",
        ])
        .output();
    out.assert_code(0);
    let posted: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let version = posted["feed_version"].as_u64().unwrap();
    cli()
        .env("NOTICE_CA_CERT", pki.ca_cert())
        .args(["list", "--json"])
        .output()
        .assert_code(0);

    // Without the CA the certificate is not trusted: a one-line error that says what to do.
    let refused = cli().args(["list"]).output();
    assert_ne!(refused.status.code(), Some(0));
    let message = refused.stderr_text();
    assert!(
        message.contains("--ca-cert") || message.contains("NOTICE_CA_CERT"),
        "{message}"
    );

    // The app's library, with the operator's CA in its configuration.
    let root = std::fs::read(server.root_path()).unwrap();
    let feed = format!("{}/v1/feed.json", front.url());
    let ca = std::fs::read_to_string(pki.ca_cert()).unwrap();
    let phone = Phone::with_config(
        server.feed_id(),
        &root,
        std::slice::from_ref(&feed),
        "en",
        |config| {
            config.ca_certs_pem = Some(ca.clone());
        },
    );
    assert_eq!(phone.refresh(), RefreshOutcome::Updated { version });
    assert_eq!(phone.shown().0, "PIN validation is down");
    // Without it, the fetch fails as a TLS error (the public CAs do not know this one).
    let stranger = Phone::new(server.feed_id(), &root, std::slice::from_ref(&feed), "en");
    assert!(stranger.try_refresh().is_err());
    assert_eq!(stranger.error_of(&feed).as_deref(), Some("tls_failed"));

    // Metrics stay internal, and plain HTTP answers nothing but a redirect to HTTPS.
    let through = get_trusting(
        &format!("{}/v1/feed.json", front.url()),
        Some(&pki.ca_cert()),
    );
    assert_eq!(through.status, 200);
    assert_eq!(
        through.header("x-notice-feed-version"),
        Some(version.to_string().as_str())
    );
    let metrics = get_trusting(&format!("{}/metrics", front.url()), Some(&pki.ca_cert()));
    assert_eq!(metrics.status, 404);
    let plain = get_trusting(&format!("{}/v1/admin/notices", front.plain_url()), None);
    assert_eq!(plain.status, 301);
    assert!(
        plain
            .header("location")
            .is_some_and(|l| l.starts_with("https://")),
        "{:?}",
        plain.headers
    );
}
