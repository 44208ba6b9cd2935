//! `?dry_run=true` on every write route: the answer is what would be published (signed and all), and
//! nothing is stored, audited or served. The CLI previews every change this way before asking.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Harness, outage};

/// The served feed's version and the audit rows, which a dry run must leave alone.
async fn untouched(h: &Harness) -> (u64, usize) {
    (h.feed().await.feed.version, h.audit_rows().len())
}

#[tokio::test]
async fn a_dry_run_of_every_change_answers_the_result_and_changes_nothing() {
    let h = Harness::new();
    let id = h.create(outage()).await;
    let before = untouched(&h).await;
    let base = format!("/v1/admin/notices/{id}");
    for (method, path, body, status, revision) in [
        (
            Method::PATCH,
            base.clone(),
            json!({"title": {"en": "Still down"}}),
            "investigating",
            2,
        ),
        (
            Method::POST,
            format!("{base}/updates"),
            json!({"status": "identified", "message": {"en": "Found it."}}),
            "identified",
            2,
        ),
        (
            Method::POST,
            format!("{base}/resolve"),
            json!({}),
            "resolved",
            2,
        ),
        (
            Method::POST,
            format!("{base}/withdraw"),
            json!({}),
            "investigating",
            1,
        ),
    ] {
        let reply = h
            .admin_json(method.clone(), &format!("{path}?dry_run=true"), body)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{method} {path}: {:?}",
            reply.body
        );
        let answer = reply.json();
        assert_eq!(answer["notice"]["status"], status, "{path}");
        assert_eq!(answer["notice"]["revision"], revision, "{path}");
        assert_eq!(
            answer["feed_version"].as_u64(),
            Some(before.0 + 1),
            "the version it would get: {path}"
        );
        assert_eq!(
            untouched(&h).await,
            before,
            "nothing changed by {method} {path}"
        );
    }
    let stored = h.admin(Method::GET, &base, None).await.json();
    assert_eq!(stored["notice"]["revision"], 1);
    assert_eq!(stored["state"], "active");
}

#[tokio::test]
async fn a_dry_run_is_refused_exactly_as_the_write_would_be() {
    let h = Harness::new();
    let id = h.create(outage()).await;
    let reply = h
        .admin_json(
            Method::POST,
            &format!("/v1/admin/notices/{id}/updates?dry_run=true"),
            json!({"status": "in_progress", "message": {"en": "x"}}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::UNPROCESSABLE_ENTITY).1.as_deref(),
        Some("status")
    );
    let reply = h
        .admin_json(
            Method::POST,
            "/v1/admin/notices/no-such-notice/resolve?dry_run=true",
            json!({}),
        )
        .await;
    assert_eq!(reply.error(StatusCode::NOT_FOUND).0, "not_found");
    let reply = h
        .admin_json(
            Method::POST,
            &format!("/v1/admin/notices/{id}/resolve?dry_run=maybe"),
            json!({}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::UNPROCESSABLE_ENTITY).1.as_deref(),
        Some("dry_run")
    );
    let reply = h
        .admin_json(
            Method::POST,
            &format!("/v1/admin/notices/{id}/resolve?force=true"),
            json!({}),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::UNPROCESSABLE_ENTITY).1.as_deref(),
        Some("force")
    );
}
