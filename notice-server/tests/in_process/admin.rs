//! Admin API happy paths: create (and dry run), list, get, edit, updates, resolve, withdraw, audit, whoami.
//! Every write is checked against the signed feed that carries it.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use notice_types::{Severity, Status};
use serde_json::json;

use crate::harness::{Harness, maintenance, outage};

#[tokio::test]
async fn create_publishes_a_new_signed_feed_version_carrying_the_notice() {
    let h = Harness::new();
    let reply = h
        .admin_json(Method::POST, "/v1/admin/notices", outage())
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.header("cache-control"), "no-store");
    let json = reply.json();
    assert_eq!(json["state"], "active");
    assert_eq!(json["feed_version"], 2);
    assert_eq!(json["notice"]["revision"], 1);
    assert_eq!(json["notice"]["status"], "investigating");
    assert_eq!(json["notice"]["dismissible"], false);
    let id = json["notice"]["id"].as_str().unwrap();
    assert!(id.starts_with("2026-09-21-keyshare-"), "{id}");

    let feed = h.feed().await.feed;
    assert_eq!(feed.version, 2);
    assert_eq!(feed.notices.len(), 1);
    assert_eq!(feed.notices[0].id.as_str(), id);
    assert_eq!(feed.notices[0].severity, Severity::Outage);
    assert_eq!(
        serde_json::to_value(&feed.notices[0]).unwrap(),
        json["notice"]
    );
}

#[tokio::test]
async fn create_with_an_existing_id_conflicts() {
    let h = Harness::new();
    let mut body = outage();
    body["id"] = json!("keyshare-down");
    h.create(body.clone()).await;
    let reply = h.admin_json(Method::POST, "/v1/admin/notices", body).await;
    let (code, _) = reply.error(StatusCode::CONFLICT);
    assert_eq!(code, "conflict");
}

#[tokio::test]
async fn dry_run_shows_the_notice_as_published_and_stores_nothing() {
    let h = Harness::new();
    let audit_before = h.audit_rows().len();
    let reply = h
        .admin_json(
            Method::POST,
            "/v1/admin/notices?dry_run=true",
            maintenance(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(json["feed_version"], 2, "the version it would get");
    assert_eq!(json["notice"]["status"], "scheduled");
    assert_eq!(json["notice"]["dismissible"], true);

    assert_eq!(h.feed().await.feed.version, 1, "nothing published");
    let list = h
        .admin(Method::GET, "/v1/admin/notices?all=true", None)
        .await;
    assert_eq!(list.json()["notices"].as_array().unwrap().len(), 0);
    assert_eq!(h.audit_rows().len(), audit_before);
    // The next real write gets the version the dry run announced.
    let real = h
        .admin_json(Method::POST, "/v1/admin/notices", maintenance())
        .await;
    assert_eq!(real.json()["feed_version"], 2);
}

#[tokio::test]
async fn list_shows_active_notices_and_all_shows_every_state() {
    let h = Harness::new();
    let open = h.create(outage()).await;
    let resolved = h.create(outage()).await;
    let withdrawn = h.create(outage()).await;
    h.admin(
        Method::POST,
        &format!("/v1/admin/notices/{resolved}/resolve"),
        None,
    )
    .await;
    h.admin(
        Method::POST,
        &format!("/v1/admin/notices/{withdrawn}/withdraw"),
        None,
    )
    .await;

    let active = h.admin(Method::GET, "/v1/admin/notices", None).await.json();
    let ids: Vec<&str> = active["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["notice"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [open.as_str()]);
    assert_eq!(active["notices"][0]["state"], "active");

    let all = h
        .admin(Method::GET, "/v1/admin/notices?all=true", None)
        .await
        .json();
    let mut states: Vec<(String, String)> = all["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["notice"]["id"].as_str().unwrap().to_owned(),
                r["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    states.sort();
    let mut expected = vec![
        (open, "active".to_owned()),
        (resolved, "resolved".to_owned()),
        (withdrawn, "withdrawn".to_owned()),
    ];
    expected.sort();
    assert_eq!(states, expected);
}

#[tokio::test]
async fn get_returns_the_record_with_its_timeline() {
    let h = Harness::new();
    let id = h.create(outage()).await;
    h.admin_json(
        Method::POST,
        &format!("/v1/admin/notices/{id}/updates"),
        json!({"status": "identified", "message": {"en": "The database overheated."}}),
    )
    .await;
    let reply = h
        .admin(Method::GET, &format!("/v1/admin/notices/{id}"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(json["state"], "active");
    assert_eq!(
        json["notice"]["updates"][0]["message"]["en"],
        "The database overheated."
    );
    assert_eq!(json["notice"]["updates"][0]["status"], "identified");
}

#[tokio::test]
async fn edit_makes_a_new_revision_and_null_clears_optional_fields() {
    let h = Harness::new();
    let mut body = outage();
    body["link"] = json!("https://yivi.app/status");
    body["platforms"] = json!(["android"]);
    let id = h.create(body).await;
    h.clock.advance(Duration::from_secs(60));
    let reply = h
        .admin_json(
            Method::PATCH,
            &format!("/v1/admin/notices/{id}"),
            json!({"title": {"en": "PIN check is slow"}, "severity": "degraded", "link": null, "platforms": null}),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let json = reply.json();
    assert_eq!(json["notice"]["revision"], 2);
    assert_eq!(json["feed_version"], 3);
    let feed = h.feed().await.feed;
    let notice = &feed.notices[0];
    assert_eq!(notice.revision, 2);
    assert_eq!(notice.severity, Severity::Degraded);
    assert_eq!(notice.title.en(), "PIN check is slow");
    assert_eq!(notice.link, None);
    assert!(notice.platforms.is_empty());
    assert_eq!(notice.updated_at.unix(), notice.created_at.unix() + 60);
}

#[tokio::test]
async fn updates_append_to_the_timeline_and_set_the_status() {
    let h = Harness::new();
    let id = h.create(outage()).await;
    for (status, text) in [
        ("identified", "Found it."),
        ("monitoring", "Fixed, watching."),
    ] {
        h.clock.advance(Duration::from_secs(60));
        let reply = h
            .admin_json(
                Method::POST,
                &format!("/v1/admin/notices/{id}/updates"),
                json!({"status": status, "message": {"en": text, "de": text}}),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
    }
    let notice = &h.feed().await.feed.notices[0];
    assert_eq!(notice.status, Status::Monitoring);
    assert_eq!(notice.revision, 3);
    assert_eq!(notice.updates.len(), 2);
    assert_eq!(notice.updates[0].status, Status::Identified);
    assert!(notice.updates[0].at < notice.updates[1].at);
}

#[tokio::test]
async fn resolve_closes_with_a_localized_default_and_keeps_the_notice_in_the_feed() {
    let h = Harness::new();
    let id = h.create(outage()).await;
    let reply = h
        .admin(
            Method::POST,
            &format!("/v1/admin/notices/{id}/resolve"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["state"], "resolved");
    let notice = &h.feed().await.feed.notices[0];
    assert_eq!(notice.status, Status::Resolved);
    let message = &notice.updates.last().unwrap().message;
    assert_eq!(message.en(), "Resolved.");
    assert_eq!(message.languages().count(), 3, "en, nl, de");

    let mid = h.create(maintenance()).await;
    let reply = h
        .admin_json(
            Method::POST,
            &format!("/v1/admin/notices/{mid}/resolve"),
            json!({"message": {"en": "Done early."}}),
        )
        .await;
    assert_eq!(reply.json()["notice"]["status"], "completed");
    assert_eq!(
        reply.json()["notice"]["updates"][0]["message"]["en"],
        "Done early."
    );
}

#[tokio::test]
async fn withdraw_removes_the_notice_from_the_feed_at_once() {
    let h = Harness::new();
    let id = h.create(outage()).await;
    let reply = h
        .admin(
            Method::POST,
            &format!("/v1/admin/notices/{id}/withdraw"),
            Some("{}"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(json["state"], "withdrawn");
    assert_eq!(json["feed_version"], 3);
    let feed = h.feed().await.feed;
    assert_eq!(feed.version, 3);
    assert!(feed.notices.is_empty());
}

#[tokio::test]
async fn every_write_adds_exactly_one_audit_row_with_the_token_name() {
    let h = Harness::new();
    let mut conn = notice_server::open_database(&h.data).unwrap();
    let token = notice_server::issue_token(
        &mut conn,
        "alice",
        notice_server::Scope::Admin,
        "local",
        notice_types::Timestamp::from_unix(0),
    )
    .unwrap();
    let before = h.audit_rows().len();
    let create = h
        .admin_as(
            &token,
            Method::POST,
            "/v1/admin/notices",
            Some(&outage().to_string()),
        )
        .await;
    let id = create.json()["notice"]["id"].as_str().unwrap().to_owned();
    let writes: Vec<(Method, String, Option<String>)> = vec![
        (
            Method::PATCH,
            format!("/v1/admin/notices/{id}"),
            Some(json!({"title": {"en": "x"}}).to_string()),
        ),
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/updates"),
            Some(json!({"status": "identified", "message": {"en": "y"}}).to_string()),
        ),
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/resolve"),
            None,
        ),
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/withdraw"),
            None,
        ),
    ];
    for (method, path, body) in writes {
        let reply = h.admin_as(&token, method, &path, body.as_deref()).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{path}: {}",
            String::from_utf8_lossy(&reply.body)
        );
    }
    // Reads and a failed write add nothing.
    h.admin_as(&token, Method::GET, "/v1/admin/notices", None)
        .await;
    h.admin_as(
        &token,
        Method::POST,
        &format!("/v1/admin/notices/{id}/resolve"),
        None,
    )
    .await;

    let rows = h.audit_rows();
    let new: Vec<_> = rows[before..].to_vec();
    let actions: Vec<&str> = new.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(actions, ["create", "edit", "update", "resolve", "withdraw"]);
    for (i, (actor, _, notice_id, version)) in new.iter().enumerate() {
        assert_eq!(actor, "alice");
        assert_eq!(notice_id.as_deref(), Some(id.as_str()));
        assert_eq!(
            *version,
            Some(2 + i as u64),
            "each write carries its feed version"
        );
    }

    let api = h
        .admin(Method::GET, "/v1/admin/audit?limit=2", None)
        .await
        .json();
    let entries = api["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["action"], "withdraw", "newest first");
    assert_eq!(entries[0]["actor"], "alice");
    assert_eq!(entries[0]["notice_id"], id.as_str());
    assert_eq!(entries[0]["feed_version"], 6);
}

#[tokio::test]
async fn whoami_names_the_token_and_its_scope() {
    let h = Harness::new();
    let reply = h.admin(Method::GET, "/v1/admin/whoami", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"name": "admin", "scope": "admin"}));
}

#[tokio::test]
async fn a_notice_with_an_allowed_link_is_published() {
    let h = Harness::new();
    let mut body = outage();
    body["link"] = json!("https://yivi.app/status");
    h.create(body).await;
    assert_eq!(
        h.feed().await.feed.notices[0].link.as_deref(),
        Some("https://yivi.app/status")
    );
}
