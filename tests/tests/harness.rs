//! The harness itself: a started server answers with its token, survives kill -9 with its data, and the
//! helpers behave as documented. Uses only `notice-server` (not the CLI).

use std::time::Duration;

use notice_tests::{
    FeedOwner, Loopback as _, TestServer, closed_port_url, is_listening, poll_until, try_poll_until,
};
use notice_types::{TrustedRoot, verify};

fn feed_version(server: &TestServer) -> u64 {
    let fetched = server.get("/v1/feed.json");
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

    let whoami = server.get_auth("/v1/admin/whoami", server.token());
    assert_eq!(whoami.status, 200);
    assert_eq!(whoami.json()["name"], "admin");

    let other = server.create_token("harness-test");
    assert_ne!(other, server.token());
    let whoami = server.get_auth("/v1/admin/whoami", &other);
    assert_eq!(whoami.json()["name"], "harness-test");

    let rejected = server.get_auth("/v1/admin/whoami", "ntk_wrong");
    assert_eq!(rejected.status, 401);
}

#[test]
fn kill9_stops_the_server_and_restart_serves_the_same_data_on_the_same_address() {
    let mut server = TestServer::start();
    let url = server.url();
    let body = br#"{"severity":"outage","title":{"en":"Down"},"body":{"en":"Down."},"id":"harness-kill9"}"#;
    let created = server.post("/v1/admin/notices", server.token(), body);
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
    let fetched = server.get_auth("/v1/admin/notices/harness-kill9", server.token());
    assert_eq!(fetched.status, 200);
}

#[test]
fn the_builder_passes_feed_id_link_hosts_and_serve_arguments() {
    let server = TestServer::builder()
        .feed_id("harness/custom")
        .link_hosts(&["status.example.net"])
        .serve_args(["--heartbeat-interval", "1h"])
        .start();
    let owner = FeedOwner::from_data_dir(server.data_dir());
    assert_eq!(owner.feed_id(), "harness/custom");
    assert_eq!(owner.root().link_hosts, ["status.example.net"]);
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
    let value = poll_until("the third call", Duration::from_secs(5), || {
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
