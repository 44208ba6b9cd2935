//! Heartbeat re-signing and retention, driven by the manual clock: no sleeping.

use std::time::Duration;

use axum::http::Method;
use notice_server::clock::Clock as _;
use notice_server::{Ticked, tick};
use notice_types::Status;

use crate::harness::{Harness, outage};

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn the_heartbeat_re_signs_with_a_fresh_expiry_once_per_interval() {
    let h = Harness::new();
    let first = h.feed().await.feed;
    assert_eq!(tick(&h.state).await.unwrap(), Ticked::Idle, "not due yet");

    h.clock.advance(HOUR - Duration::from_secs(1));
    assert_eq!(tick(&h.state).await.unwrap(), Ticked::Idle);

    h.clock.advance(Duration::from_secs(1));
    assert_eq!(tick(&h.state).await.unwrap(), Ticked::Published(2));
    let second = h.feed().await.feed;
    assert_eq!(second.version, 2);
    assert_eq!(second.issued_at, h.clock.now());
    assert_eq!(second.expires_at, h.clock.now().plus_seconds(72 * 3600));
    assert!(second.expires_at > first.expires_at);
    assert_eq!(
        tick(&h.state).await.unwrap(),
        Ticked::Idle,
        "once per interval"
    );

    let rows = h.audit_rows();
    let last = rows.last().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_str(), last.3),
        ("system", "heartbeat", Some(2))
    );
}

#[tokio::test]
async fn with_heartbeats_the_served_feed_never_expires() {
    let h = Harness::new();
    h.create(outage()).await;
    // Four days in hourly steps: longer than the 72 h validity.
    for _ in 0..96 {
        h.clock.advance(HOUR);
        tick(&h.state).await.unwrap();
        let feed = h.feed().await.feed; // verify() fails on an expired feed
        assert_eq!(feed.notices.len(), 1);
    }
}

#[tokio::test]
async fn a_resolved_notice_leaves_the_feed_after_the_retention() {
    let h = Harness::new();
    let id = h.create(outage()).await;
    h.admin(
        Method::POST,
        &format!("/v1/admin/notices/{id}/resolve"),
        None,
    )
    .await;
    let feed = h.feed().await.feed;
    assert_eq!(
        feed.notices[0].status,
        Status::Resolved,
        "still listed, closed"
    );

    // Heartbeats inside the retention keep it.
    h.clock.advance(71 * HOUR + HOUR / 2);
    assert!(matches!(
        tick(&h.state).await.unwrap(),
        Ticked::Published(_)
    ));
    assert_eq!(h.feed().await.feed.notices.len(), 1);

    // At the end of the retention a tick publishes without it, even between heartbeats.
    h.clock.advance(HOUR / 2);
    assert!(matches!(
        tick(&h.state).await.unwrap(),
        Ticked::Published(_)
    ));
    assert!(h.feed().await.feed.notices.is_empty());
    let last = h.audit_rows().pop().unwrap();
    assert_eq!(last.1, "retention");

    // The record stays, as resolved.
    let all = h
        .admin(Method::GET, "/v1/admin/notices?all=true", None)
        .await
        .json();
    assert_eq!(all["notices"][0]["state"], "resolved");
}

#[tokio::test]
async fn validity_must_exceed_the_heartbeat_interval() {
    let settings = notice_server::config::Settings {
        feed_validity: HOUR,
        heartbeat_interval: HOUR,
        ..Default::default()
    };
    let err = settings.validate().unwrap_err().to_string();
    assert!(
        err.contains("--feed-validity") && err.contains("--heartbeat-interval"),
        "{err}"
    );
}
