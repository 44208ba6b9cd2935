//! Public endpoints: feed caching headers, conditional requests, compression, HEAD, root, health, metrics.

use std::io::Read as _;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use sha2::{Digest as _, Sha256};

use crate::harness::{Harness, outage};

#[tokio::test]
async fn feed_has_strong_etag_cache_headers_cors_and_verifies_against_root_from_init() {
    let h = Harness::new();
    let reply = h.get("/v1/feed.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(
        reply.header("etag"),
        format!("\"{}\"", hex::encode(Sha256::digest(&reply.body)))
    );
    assert_eq!(
        reply.header("cache-control"),
        "public, max-age=30, stale-while-revalidate=60, stale-if-error=604800"
    );
    assert_eq!(reply.header("access-control-allow-origin"), "*");
    assert!(
        reply
            .headers
            .get_all("vary")
            .iter()
            .any(|v| v == "Accept-Encoding")
    );
    assert_eq!(reply.header("content-length"), reply.body.len().to_string());
    let verified = h.feed().await;
    assert_eq!(verified.feed.version, 1);
    assert!(
        verified.feed.notices.is_empty(),
        "a new feed is a signed all-clear"
    );
    assert_eq!(verified.feed.feed_id.as_str(), "yivi-app/test");
}

#[tokio::test]
async fn cache_max_age_is_configurable() {
    let h = Harness::with_settings(notice_server::config::Settings {
        cache_max_age_secs: 10,
        ..Default::default()
    });
    let reply = h.get("/v1/feed.json").await;
    assert!(
        reply
            .header("cache-control")
            .starts_with("public, max-age=10,")
    );
}

#[tokio::test]
async fn if_none_match_gives_304_for_the_current_etag_in_any_form() {
    let h = Harness::new();
    let first = h.get("/v1/feed.json").await;
    let etag = first.header("etag").to_owned();
    let weak = format!("W/{etag}");
    let listed = format!("\"nope\", {etag}");
    for value in [etag.as_str(), weak.as_str(), listed.as_str(), "*"] {
        let reply = h
            .get_with("/v1/feed.json", &[("if-none-match", value)])
            .await;
        assert_eq!(reply.status, StatusCode::NOT_MODIFIED, "{value}");
        assert!(reply.body.is_empty());
        assert_eq!(reply.header("etag"), etag);
        assert!(reply.header("cache-control").contains("max-age"));
        assert!(
            reply
                .headers
                .get_all("vary")
                .iter()
                .any(|v| v == "Accept-Encoding")
        );
    }
    // After a change the old tag no longer matches.
    h.create(outage()).await;
    let reply = h
        .get_with("/v1/feed.json", &[("if-none-match", &etag)])
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_ne!(reply.header("etag"), etag);
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn compression_follows_accept_encoding_and_variants_hold_the_same_bytes() {
    let h = Harness::new();
    h.create(outage()).await;
    let plain = h.get("/v1/feed.json").await;
    assert!(plain.headers.get("content-encoding").is_none());

    let br = h
        .get_with("/v1/feed.json", &[("accept-encoding", "gzip, deflate, br")])
        .await;
    assert_eq!(br.header("content-encoding"), "br");
    assert_eq!(unbrotli(&br.body), plain.body);
    assert_ne!(
        br.header("etag"),
        plain.header("etag"),
        "each variant has its own strong tag"
    );

    let gzip = h
        .get_with("/v1/feed.json", &[("accept-encoding", "br;q=0, gzip")])
        .await;
    assert_eq!(gzip.header("content-encoding"), "gzip");
    assert_eq!(gunzip(&gzip.body), plain.body);

    let none = h
        .get_with("/v1/feed.json", &[("accept-encoding", "gzip;q=0, br;q=0")])
        .await;
    assert!(none.headers.get("content-encoding").is_none());
    assert_eq!(none.body, plain.body);

    // A 304 for a compressed variant's tag too.
    let reply = h
        .get_with(
            "/v1/feed.json",
            &[
                ("accept-encoding", "br"),
                ("if-none-match", br.header("etag")),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn head_gives_the_headers_without_the_body() {
    let h = Harness::new();
    let get = h.get("/v1/feed.json").await;
    let head = h
        .send(
            Harness::request(Method::HEAD, "/v1/feed.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
    assert_eq!(head.header("etag"), get.header("etag"));
    assert_eq!(head.header("content-length"), get.body.len().to_string());
}

#[tokio::test]
async fn cors_preflight_is_answered_for_the_feed() {
    let h = Harness::new();
    let reply = h
        .send(
            Harness::request(Method::OPTIONS, "/v1/feed.json")
                .header("origin", "https://status.example")
                .header("access-control-request-method", "GET")
                .header("access-control-request-headers", "if-none-match")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.status);
    assert_eq!(reply.header("access-control-allow-origin"), "*");
}

#[tokio::test]
async fn root_json_is_the_file_init_wrote() {
    let h = Harness::new();
    let reply = h.get("/v1/root.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, h.root_json);
    assert_eq!(reply.header("access-control-allow-origin"), "*");
    assert!(notice_types::TrustedRoot::from_envelope_bytes(&reply.body).is_ok());
}

#[tokio::test]
async fn healthz_reports_version_age_and_freshness() {
    let h = Harness::new();
    h.clock.advance(std::time::Duration::from_secs(120));
    let reply = h.get("/healthz").await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["feed_version"], 1);
    assert_eq!(json["feed_age_seconds"], 120);
    assert_eq!(json["expires_in_seconds"], 72 * 3600 - 120);

    // Without a heartbeat (none runs in these tests unless ticked), the feed goes stale, then expires.
    h.clock.advance(std::time::Duration::from_secs(3 * 3600));
    assert_eq!(h.get("/healthz").await.json()["status"], "stale");
    h.clock.advance(std::time::Duration::from_secs(72 * 3600));
    assert_eq!(h.get("/healthz").await.json()["status"], "expired");
}

#[tokio::test]
async fn metrics_show_requests_by_route_feed_version_age_and_publish_latency() {
    let h = Harness::new();
    h.create(outage()).await;
    h.get("/v1/feed.json").await;
    h.get("/v1/feed.json").await;
    h.get("/nope").await;
    h.clock.advance(std::time::Duration::from_secs(7));
    let reply = h.get("/metrics").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply
            .header("content-type")
            .starts_with("text/plain; version=0.0.4")
    );
    let text = String::from_utf8(reply.body.to_vec()).unwrap();
    for line in [
        "notice_http_requests_total{route=\"/v1/feed.json\",method=\"GET\",status=\"200\"} 2",
        "notice_http_requests_total{route=\"/v1/admin/notices\",method=\"POST\",status=\"201\"} 1",
        "notice_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1",
        "notice_feed_version 2",
        "notice_feed_age_seconds 7",
        "notice_publish_duration_seconds_count 1",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in\n{text}"
        );
    }
}

#[tokio::test]
async fn public_gets_use_neither_the_database_nor_the_signer() {
    let h = Harness::new();
    h.create(outage()).await;
    let db_before = h.metric("notice_db_operations_total").await;
    let signed_before = h.metric("notice_feed_signatures_total").await;
    let built_before = h.metric("notice_feed_builds_total").await;
    for accept in ["", "gzip", "br", "identity"] {
        for _ in 0..10 {
            let reply = h
                .get_with("/v1/feed.json", &[("accept-encoding", accept)])
                .await;
            assert_eq!(reply.status, StatusCode::OK);
        }
    }
    h.get("/v1/root.json").await;
    h.get("/healthz").await;
    for path in [
        "/",
        "/?lang=de",
        "/index.html",
        "/index.nl.html",
        "/index.en.html",
        "/index.de.html",
        "/feed.atom",
        "/metrics",
    ] {
        for accept in ["", "gzip", "br"] {
            let reply = h.get_with(path, &[("accept-encoding", accept)]).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}");
        }
    }
    assert_eq!(
        h.metric("notice_db_operations_total").await,
        db_before,
        "public reads must not touch the database"
    );
    assert_eq!(
        h.metric("notice_feed_signatures_total").await,
        signed_before,
        "nor sign"
    );
    assert_eq!(
        h.metric("notice_feed_builds_total").await,
        built_before,
        "nor rebuild the document"
    );
}
