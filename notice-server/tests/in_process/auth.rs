//! Admin authentication: missing, wrong and revoked tokens, and rate limiting of failures per peer.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use notice_server::revoke_token;

use crate::harness::Harness;

fn whoami(token: Option<&str>) -> axum::http::Request<Body> {
    let mut builder = Harness::request(Method::GET, "/v1/admin/whoami");
    if let Some(token) = token {
        builder = builder.header("authorization", token);
    }
    builder.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn missing_wrong_and_malformed_tokens_are_401() {
    let h = Harness::new();
    let wrong = format!("Bearer {}x", h.token);
    let basic = "Basic YWRtaW46YWRtaW4=".to_owned();
    for header in [
        None,
        Some(wrong.as_str()),
        Some(basic.as_str()),
        Some("Bearer"),
    ] {
        let reply = h.send(whoami(header)).await;
        let (code, _) = reply.error(StatusCode::UNAUTHORIZED);
        assert_eq!(code, "unauthorized");
        assert_eq!(reply.header("www-authenticate"), "Bearer");
    }
    // Every admin route is protected, reads included.
    for (method, path) in [
        (Method::GET, "/v1/admin/notices"),
        (Method::POST, "/v1/admin/notices"),
        (Method::GET, "/v1/admin/notices/x"),
        (Method::PATCH, "/v1/admin/notices/x"),
        (Method::POST, "/v1/admin/notices/x/updates"),
        (Method::POST, "/v1/admin/notices/x/resolve"),
        (Method::POST, "/v1/admin/notices/x/withdraw"),
        (Method::GET, "/v1/admin/audit"),
        (Method::POST, "/v1/admin/ingest"),
        (Method::GET, "/v1/admin/whoami"),
    ] {
        let reply = h
            .send_from(
                Harness::request(method.clone(), path)
                    .body(Body::empty())
                    .unwrap(),
                Some(SocketAddr::from(([192, 0, 2, 99], 1))),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
}

#[tokio::test]
async fn a_revoked_token_stops_working_at_once() {
    let h = Harness::new();
    assert_eq!(
        h.admin(Method::GET, "/v1/admin/whoami", None).await.status,
        StatusCode::OK
    );
    // As `notice-server token revoke` does: another connection to the same database.
    let mut conn = notice_server::open_database(&h.data).unwrap();
    revoke_token(
        &mut conn,
        "admin",
        "local",
        notice_types::Timestamp::from_unix(0),
    )
    .unwrap();
    let reply = h.admin(Method::GET, "/v1/admin/whoami", None).await;
    assert_eq!(reply.error(StatusCode::UNAUTHORIZED).0, "unauthorized");
}

#[tokio::test]
async fn repeated_failures_from_one_peer_get_429_with_retry_after() {
    let h = Harness::new(); // default: 10 failures per minute
    let attacker = SocketAddr::from(([198, 51, 100, 7], 40000));
    let operator = SocketAddr::from(([203, 0, 113, 5], 40000));
    for _ in 0..10 {
        let reply = h
            .send_from(whoami(Some("Bearer guess")), Some(attacker))
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let reply = h
        .send_from(whoami(Some("Bearer guess")), Some(attacker))
        .await;
    let (code, _) = reply.error(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(code, "rate_limited");
    let retry: u64 = reply.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");

    // Failures are limited, never the valid token: the operator behind the same address gets in.
    let valid = format!("Bearer {}", h.token);
    let reply = h.send_from(whoami(Some(&valid)), Some(attacker)).await;
    assert_eq!(reply.status, StatusCode::OK);
    // ... while the guesses from there still get 429, the budget kept empty by each of them.
    let reply = h
        .send_from(whoami(Some("Bearer guess")), Some(attacker))
        .await;
    assert_eq!(reply.error(StatusCode::TOO_MANY_REQUESTS).0, "rate_limited");

    // Other peers are unaffected.
    let reply = h
        .send_from(whoami(Some("Bearer guess")), Some(operator))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    // After waiting as told, the peer may fail again.
    h.clock.advance(Duration::from_secs(60));
    let reply = h
        .send_from(whoami(Some("Bearer guess")), Some(attacker))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(h.metric("notice_auth_failures_total").await, 14.0);
}

#[tokio::test]
async fn a_burst_of_failures_from_one_address_never_stops_the_valid_token_from_there() {
    let h = Harness::new(); // default: 10 failures per minute
    let office = SocketAddr::from(([198, 51, 100, 7], 40000));
    let valid = format!("Bearer {}", h.token);
    for round in 0..100 {
        let guess = h
            .send_from(whoami(Some("Bearer ntk_guess")), Some(office))
            .await;
        assert!(
            matches!(
                guess.status,
                StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS
            ),
            "{}",
            guess.status
        );
        if round % 10 == 9 {
            let reply = h.send_from(whoami(Some(&valid)), Some(office)).await;
            assert_eq!(reply.status, StatusCode::OK, "after {} failures", round + 1);
        }
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_limit_applies_per_forwarded_client() {
    let h = Harness::with_settings(notice_server::config::Settings {
        trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
        ..Default::default()
    });
    let proxy = SocketAddr::from(([10, 0, 0, 2], 40000));
    let via_proxy = |client: &str, token: &str| {
        Harness::request(Method::GET, "/v1/admin/whoami")
            .header("authorization", token)
            .header("x-forwarded-for", client)
            .body(Body::empty())
            .unwrap()
    };
    for _ in 0..11 {
        h.send_from(via_proxy("198.51.100.7", "Bearer guess"), Some(proxy))
            .await;
    }
    let reply = h
        .send_from(via_proxy("198.51.100.7", "Bearer guess"), Some(proxy))
        .await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    // Someone else behind the same proxy has a budget of their own.
    let reply = h
        .send_from(via_proxy("203.0.113.5", "Bearer guess"), Some(proxy))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    // A client that is not a trusted proxy cannot pick its bucket with the header.
    let direct = SocketAddr::from(([192, 0, 2, 50], 40000));
    for _ in 0..11 {
        h.send_from(via_proxy("192.0.2.1", "Bearer guess"), Some(direct))
            .await;
    }
    let reply = h
        .send_from(via_proxy("192.0.2.2", "Bearer guess"), Some(direct))
        .await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    // And the valid token works from all of them.
    let valid = format!("Bearer {}", h.token);
    for (client, peer) in [("198.51.100.7", proxy), ("192.0.2.2", direct)] {
        let reply = h.send_from(via_proxy(client, &valid), Some(peer)).await;
        assert_eq!(reply.status, StatusCode::OK, "{client}");
    }
}
