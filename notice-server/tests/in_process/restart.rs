//! Restarts: the stored document is served again as it was; versions never go down; a feed that aged while
//! the server was down is re-signed at start.

use std::time::Duration;

use axum::http::Method;
use notice_server::{Ticked, tick};

use crate::harness::{Harness, outage};

#[tokio::test]
async fn a_restart_serves_the_same_bytes_and_the_next_write_continues_the_versions() {
    let h = Harness::new();
    let id = h.create(outage()).await;
    let before = h.get("/v1/feed.json").await;

    let h = h.restart();
    let after = h.get("/v1/feed.json").await;
    assert_eq!(after.body, before.body, "same version, same bytes");
    assert_eq!(after.header("etag"), before.header("etag"));
    assert_eq!(
        tick(&h.state).await.unwrap(),
        Ticked::Idle,
        "no re-sign needed"
    );

    let reply = h
        .admin(
            Method::POST,
            &format!("/v1/admin/notices/{id}/resolve"),
            None,
        )
        .await;
    assert_eq!(reply.json()["feed_version"], 3);
}

#[tokio::test]
async fn a_feed_that_aged_while_down_is_re_signed_at_start() {
    let h = Harness::new();
    h.create(outage()).await;
    h.clock.advance(Duration::from_secs(5 * 3600));
    let h = h.restart();
    // `serve` runs one tick before it accepts connections.
    assert_eq!(tick(&h.state).await.unwrap(), Ticked::Published(3));
    assert_eq!(h.feed().await.feed.notices.len(), 1);
}
