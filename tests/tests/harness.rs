//! The harness itself: a started server answers with its token, survives kill -9 with its data, and the
//! helpers behave as documented. Uses only `notice-server` (not the CLI).

use std::time::Duration;

use notice_tests::{
    SigningKit, TestServer, closed_port_url, get, is_listening, poll_until, request, try_poll_until,
};
use notice_types::{TrustedRoot, verify};

fn feed_version(server: &TestServer) -> u64 {
    let fetched = get(&format!("{}/v1/feed.json", server.url()));
    assert_eq!(fetched.status, 200);
    let root = std::fs::read(server.root_path()).unwrap();
    let trusted = TrustedRoot::from_envelope_bytes(&root).unwrap();
    verify(&fetched.body, &trusted, None, notice_tests::now())
        .expect("the served feed verifies against root.json")
        .feed
        .version
}

#[test]
fn a_started_server_serves_a_verifiable_feed_and_accepts_its_token() {
    let server = TestServer::start();
    assert!(server.url().starts_with("http://127.0.0.1:"));
    assert_eq!(server.feed_id(), notice_tests::FEED_ID);
    assert!(server.init_output().contains(server.token()));
    feed_version(&server);

    let whoami = request(
        "GET",
        &format!("{}/v1/admin/whoami", server.url()),
        Some(server.token()),
        None,
    );
    assert_eq!(whoami.status, 200);
    assert_eq!(whoami.json()["name"], "admin");

    let other = server.create_token("harness-test");
    assert_ne!(other, server.token());
    let whoami = request(
        "GET",
        &format!("{}/v1/admin/whoami", server.url()),
        Some(&other),
        None,
    );
    assert_eq!(whoami.json()["name"], "harness-test");

    let rejected = request(
        "GET",
        &format!("{}/v1/admin/whoami", server.url()),
        Some("ntk_wrong"),
        None,
    );
    assert_eq!(rejected.status, 401);
}

#[test]
fn kill9_stops_the_server_and_restart_serves_the_same_data_on_the_same_address() {
    let mut server = TestServer::start();
    let url = server.url();
    let body = br#"{"severity":"outage","title":{"en":"Down"},"body":{"en":"Down."},"id":"harness-kill9"}"#;
    let created = request(
        "POST",
        &format!("{url}/v1/admin/notices"),
        Some(server.token()),
        Some(body),
    );
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let version = created.json()["feed_version"].as_u64().unwrap();

    server.kill9();
    assert!(!server.is_running());
    assert!(!is_listening(&url));

    server.restart();
    assert!(server.is_running());
    assert_eq!(server.url(), url);
    assert!(feed_version(&server) >= version);
    let fetched = request(
        "GET",
        &format!("{url}/v1/admin/notices/harness-kill9"),
        Some(server.token()),
        None,
    );
    assert_eq!(fetched.status, 200);
}

#[test]
fn the_builder_passes_feed_id_link_hosts_and_serve_arguments() {
    let server = TestServer::builder()
        .feed_id("harness/custom")
        .link_hosts(&["status.example.net"])
        .serve_args(["--heartbeat-interval", "1h"])
        .start();
    let kit = SigningKit::from_data_dir(server.data_dir());
    assert_eq!(kit.root.feed_id.as_str(), "harness/custom");
    assert_eq!(kit.root.link_hosts, ["status.example.net"]);
}

#[test]
fn shared_servers_are_one_process_while_held() {
    let a = TestServer::shared();
    let b = TestServer::shared();
    assert_eq!(a.url(), b.url());
}

#[test]
fn poll_until_returns_the_first_value_and_try_poll_until_gives_up() {
    let mut calls = 0;
    let value = poll_until(Duration::from_secs(5), || {
        calls += 1;
        (calls == 3).then_some(calls)
    });
    assert_eq!(value, 3);
    assert_eq!(
        try_poll_until(Duration::from_millis(20), || None::<()>),
        None
    );
    assert!(!is_listening(&closed_port_url()));
}
