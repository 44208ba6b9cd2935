//! Every bad input the issue lists, and the other errors of the contract, each with its JSON error body.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::harness::{Harness, maintenance, outage};

fn with(base: Value, key: &str, value: Value) -> Value {
    let mut body = base;
    body[key] = value;
    body
}

#[tokio::test]
async fn invalid_notices_are_refused_with_422_naming_the_field() {
    let h = Harness::new();
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "unknown severity",
            with(outage(), "severity", json!("apocalypse")),
            "severity",
        ),
        (
            "unknown status",
            with(outage(), "status", json!("panicking")),
            "status",
        ),
        (
            "status of the other lifecycle",
            with(outage(), "status", json!("scheduled")),
            "status",
        ),
        (
            "missing en title",
            with(outage(), "title", json!({"nl": "Storing"})),
            "title.en",
        ),
        (
            "missing en body",
            with(outage(), "body", json!({"de": "Störung"})),
            "body.en",
        ),
        (
            "bad language tag",
            with(outage(), "title", json!({"en": "x", "NL": "y"})),
            "title.NL",
        ),
        (
            "ends before starts",
            with(maintenance(), "ends_at", json!("2026-10-01T00:00:00Z")),
            "ends_at",
        ),
        (
            "ends in the past",
            with(outage(), "ends_at", json!("2020-01-01T00:00:00Z")),
            "ends_at",
        ),
        (
            "maintenance without a window",
            with(maintenance(), "starts_at", Value::Null),
            "starts_at",
        ),
        (
            "not a time",
            with(outage(), "show_from", json!("tomorrow")),
            "show_from",
        ),
        (
            "invalid semver requirement",
            with(outage(), "app_versions", json!(">>25")),
            "app_versions",
        ),
        (
            "non-https link",
            with(outage(), "link", json!("http://yivi.app/status")),
            "link",
        ),
        (
            "link host not allowed",
            with(outage(), "link", json!("https://evil.example/")),
            "link",
        ),
        (
            "link with credentials",
            with(outage(), "link", json!("https://yivi.app@evil.example/")),
            "link",
        ),
        (
            "title too long",
            with(outage(), "title", json!({"en": "x".repeat(201)})),
            "title.en",
        ),
        (
            "body too long",
            with(outage(), "body", json!({"en": "x".repeat(2001)})),
            "body.en",
        ),
        (
            "markup trick in text",
            with(outage(), "title", json!({"en": "yivi.app\u{202e}moc"})),
            "title.en",
        ),
        (
            "multi-line title",
            with(outage(), "title", json!({"en": "a\nb"})),
            "title.en",
        ),
        (
            "unknown field",
            with(outage(), "colour", json!("red")),
            "colour",
        ),
        (
            "bad component",
            with(outage(), "components", json!(["Key Share"])),
            "components[0]",
        ),
        (
            "unknown platform",
            with(outage(), "platforms", json!(["windows"])),
            "platforms[0]",
        ),
        ("bad id", with(outage(), "id", json!("../etc")), "id"),
        (
            "wrong type",
            with(outage(), "dismissible", json!("yes")),
            "dismissible",
        ),
        (
            "missing severity",
            json!({"title": {"en": "x"}, "body": {"en": "y"}}),
            "severity",
        ),
    ];
    for (what, body, field) in cases {
        let reply = h.admin_json(Method::POST, "/v1/admin/notices", body).await;
        let (code, got) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "invalid_field", "{what}");
        assert_eq!(got.as_deref(), Some(field), "{what}: {}", reply.json());
    }
    assert_eq!(h.feed().await.feed.version, 1, "nothing was published");
}

#[tokio::test]
async fn invalid_edits_updates_and_resolutions_name_the_field() {
    let h = Harness::new();
    let id = h.create(outage()).await;
    let cases: Vec<(Method, String, Value, &str)> = vec![
        (
            Method::PATCH,
            format!("/v1/admin/notices/{id}"),
            json!({"id": "other"}),
            "id",
        ),
        (
            Method::PATCH,
            format!("/v1/admin/notices/{id}"),
            json!({"title": null}),
            "title",
        ),
        (
            Method::PATCH,
            format!("/v1/admin/notices/{id}"),
            json!({"severity": "maintenance"}),
            "status",
        ),
        (
            Method::PATCH,
            format!("/v1/admin/notices/{id}"),
            json!({"link": "https://evil.example/"}),
            "link",
        ),
        (
            Method::PATCH,
            format!("/v1/admin/notices/{id}"),
            json!({"app_versions": "not semver"}),
            "app_versions",
        ),
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/updates"),
            json!({"status": "completed", "message": {"en": "x"}}),
            "status",
        ),
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/updates"),
            json!({"status": "unknown", "message": {"en": "x"}}),
            "status",
        ),
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/updates"),
            json!({"status": "identified", "message": {"nl": "x"}}),
            "message.en",
        ),
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/updates"),
            json!({"status": "identified", "message": {"en": "x".repeat(1001)}}),
            "message.en",
        ),
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/updates"),
            json!({"status": "identified"}),
            "message",
        ),
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/resolve"),
            json!({"message": {"fr": "x"}}),
            "message.en",
        ),
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/resolve"),
            json!({"note": "x"}),
            "note",
        ),
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/withdraw"),
            json!({"reason": "x"}),
            "reason",
        ),
    ];
    for (method, path, body, field) in cases {
        let reply = h.admin_json(method.clone(), &path, body.clone()).await;
        let (code, got) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "invalid_field", "{method} {path} {body}");
        assert_eq!(
            got.as_deref(),
            Some(field),
            "{method} {path} {body}: {}",
            reply.json()
        );
    }
    let empty = h
        .admin_json(Method::PATCH, &format!("/v1/admin/notices/{id}"), json!({}))
        .await;
    assert_eq!(
        empty.error(StatusCode::UNPROCESSABLE_ENTITY).0,
        "invalid_json"
    );
    assert_eq!(
        h.feed().await.feed.notices[0].revision,
        1,
        "nothing changed"
    );
}

#[tokio::test]
async fn malformed_json_is_400_and_an_oversized_body_is_413() {
    let h = Harness::new();
    let reply = h
        .admin(Method::POST, "/v1/admin/notices", Some("{\"severity\": "))
        .await;
    assert_eq!(reply.error(StatusCode::BAD_REQUEST).0, "invalid_json");
    let reply = h.admin(Method::POST, "/v1/admin/notices", Some("")).await;
    assert_eq!(reply.error(StatusCode::BAD_REQUEST).0, "invalid_json");
    let reply = h.admin(Method::POST, "/v1/admin/notices", Some("[]")).await;
    assert_eq!(
        reply.error(StatusCode::UNPROCESSABLE_ENTITY).0,
        "invalid_json"
    );

    let huge =
        json!({"severity": "outage", "title": {"en": "x"}, "body": {"en": "y".repeat(70 * 1024)}});
    let reply = h.admin_json(Method::POST, "/v1/admin/notices", huge).await;
    assert_eq!(
        reply.error(StatusCode::PAYLOAD_TOO_LARGE).0,
        "payload_too_large"
    );

    // Too large is what is wrong first, whatever the body claims to be (or when it claims nothing).
    for content_type in [Some("text/plain"), None] {
        let mut request = Harness::request(Method::POST, "/v1/admin/notices")
            .header("authorization", format!("Bearer {}", h.token));
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let reply = h
            .send(request.body(Body::from(vec![b'x'; 70 * 1024])).unwrap())
            .await;
        assert_eq!(
            reply.error(StatusCode::PAYLOAD_TOO_LARGE).0,
            "payload_too_large",
            "{content_type:?}"
        );
    }

    // Without a Content-Length (streamed), the limit holds as well.
    let stream = futures_like_stream(70 * 1024);
    let reply = h
        .send(
            Harness::request(Method::POST, "/v1/admin/notices")
                .header("authorization", format!("Bearer {}", h.token))
                .header("content-type", "application/json")
                .body(stream)
                .unwrap(),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::PAYLOAD_TOO_LARGE).0,
        "payload_too_large"
    );
}

/// A body without a declared length.
fn futures_like_stream(len: usize) -> Body {
    Body::from_stream(Body::from(vec![b' '; len]).into_data_stream())
}

#[tokio::test]
async fn unknown_notices_are_404_and_state_conflicts_are_409() {
    let h = Harness::new();
    for (method, path) in [
        (Method::GET, "/v1/admin/notices/nope"),
        (Method::PATCH, "/v1/admin/notices/nope"),
        (Method::POST, "/v1/admin/notices/nope/updates"),
        (Method::POST, "/v1/admin/notices/nope/resolve"),
        (Method::POST, "/v1/admin/notices/nope/withdraw"),
        (Method::GET, "/v1/admin/notices/..%2Fetc"),
    ] {
        let body = if method == Method::PATCH {
            Some(r#"{"title": {"en": "x"}}"#)
        } else if path.ends_with("updates") {
            Some(r#"{"status": "identified", "message": {"en": "x"}}"#)
        } else {
            None
        };
        let reply = h.admin(method.clone(), path, body).await;
        assert_eq!(
            reply.error(StatusCode::NOT_FOUND).0,
            "not_found",
            "{method} {path}"
        );
    }

    let id = h.create(outage()).await;
    h.admin(
        Method::POST,
        &format!("/v1/admin/notices/{id}/resolve"),
        None,
    )
    .await;
    let again = h
        .admin(
            Method::POST,
            &format!("/v1/admin/notices/{id}/resolve"),
            None,
        )
        .await;
    assert_eq!(again.error(StatusCode::CONFLICT).0, "conflict");

    h.admin(
        Method::POST,
        &format!("/v1/admin/notices/{id}/withdraw"),
        None,
    )
    .await;
    for (method, path, body) in [
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
        (
            Method::PATCH,
            format!("/v1/admin/notices/{id}"),
            Some(r#"{"title": {"en": "x"}}"#),
        ),
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/updates"),
            Some(r#"{"status": "identified", "message": {"en": "x"}}"#),
        ),
    ] {
        let reply = h.admin(method.clone(), &path, body).await;
        let (code, _) = reply.error(StatusCode::CONFLICT);
        assert_eq!(code, "conflict", "{method} {path}");
        assert!(
            reply.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("withdrawn")
        );
    }
}

#[tokio::test]
async fn a_full_feed_refuses_more_notices_with_409() {
    let h = Harness::new();
    for _ in 0..notice_types::limits::MAX_NOTICES {
        h.create(outage()).await;
    }
    let reply = h
        .admin_json(Method::POST, "/v1/admin/notices", outage())
        .await;
    assert_eq!(reply.error(StatusCode::CONFLICT).0, "conflict");
    assert_eq!(
        h.feed().await.feed.notices.len(),
        notice_types::limits::MAX_NOTICES
    );
}

#[tokio::test]
async fn bad_query_parameters_are_422_naming_them() {
    let h = Harness::new();
    for (path, field) in [
        ("/v1/admin/notices?all=maybe", "all"),
        ("/v1/admin/notices?colour=red", "colour"),
        ("/v1/admin/audit?limit=0", "limit"),
        ("/v1/admin/audit?limit=many", "limit"),
        ("/v1/admin/audit?limit=5000", "limit"),
        // Undecodable text too: a 422 naming the parameter (or `query` when its name is undecodable).
        ("/v1/admin/notices?all=%zz", "all"),
        ("/v1/admin/audit?limit=%zz", "limit"),
        ("/v1/admin/notices?%zz=1", "query"),
    ] {
        let reply = h.admin(Method::GET, path, None).await;
        let (code, got) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            (code.as_str(), got.as_deref()),
            ("invalid_field", Some(field)),
            "{path}"
        );
    }
    let reply = h
        .admin_json(Method::POST, "/v1/admin/notices?dry_run=perhaps", outage())
        .await;
    assert_eq!(
        reply.error(StatusCode::UNPROCESSABLE_ENTITY).1.as_deref(),
        Some("dry_run")
    );
}

#[tokio::test]
async fn unknown_paths_and_methods_get_json_errors() {
    let h = Harness::new();
    assert_eq!(
        h.get("/v2/feed.json").await.error(StatusCode::NOT_FOUND).0,
        "not_found"
    );
    assert_eq!(
        h.get("/v1/admin/nothing")
            .await
            .error(StatusCode::NOT_FOUND)
            .0,
        "not_found"
    );
    let reply = h
        .send(
            Harness::request(Method::DELETE, "/v1/feed.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        reply.error(StatusCode::METHOD_NOT_ALLOWED).0,
        "method_not_allowed"
    );
    let reply = h.admin(Method::DELETE, "/v1/admin/notices", None).await;
    assert_eq!(
        reply.error(StatusCode::METHOD_NOT_ALLOWED).0,
        "method_not_allowed"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// No input makes the server fail: random bytes and random JSON values get 4xx, never 5xx.
    #[test]
    fn no_body_makes_the_admin_api_fail(bytes in proptest::collection::vec(any::<u8>(), 0..512), text in ".{0,64}") {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let h = harness();
            for body in [
                String::from_utf8_lossy(&bytes).into_owned(),
                json!({"severity": "info", "title": {"en": text.clone()}, "body": {"en": text.clone()}}).to_string(),
                json!({"severity": "info", "title": {text.clone(): "x"}, "body": {"en": "y"}, "link": text.clone()}).to_string(),
            ] {
                for path in ["/v1/admin/notices", "/v1/admin/notices/x/updates"] {
                    let reply = h.admin(Method::POST, path, Some(&body)).await;
                    prop_assert!(!reply.status.is_server_error(), "{path} {body:?}: {}", reply.status);
                    if !reply.status.is_success() {
                        reply.error(reply.status);
                    }
                }
            }
            Ok(())
        })?;
    }
}

/// One harness for all proptest cases: creating keys and a database per case would dominate the run.
fn harness() -> &'static Harness {
    static HARNESS: std::sync::OnceLock<Harness> = std::sync::OnceLock::new();
    HARNESS.get_or_init(Harness::new)
}

#[tokio::test]
async fn a_body_that_is_not_declared_json_is_refused_with_415() {
    let h = Harness::new();
    let id = h.create(outage()).await;
    let body = outage().to_string();
    let send = |method: Method, path: String, content_type: Option<&'static str>, body: String| {
        let mut builder =
            Harness::request(method, &path).header("authorization", format!("Bearer {}", h.token));
        if let Some(content_type) = content_type {
            builder = builder.header("content-type", content_type);
        }
        builder.body(Body::from(body)).unwrap()
    };
    let writes = [
        (Method::POST, "/v1/admin/notices".to_owned(), body.clone()),
        (
            Method::PATCH,
            format!("/v1/admin/notices/{id}"),
            r#"{"title": {"en": "Edited"}}"#.to_owned(),
        ),
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/updates"),
            r#"{"status": "identified", "message": {"en": "Found it."}}"#.to_owned(),
        ),
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/resolve"),
            "{}".to_owned(),
        ),
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/withdraw"),
            "{}".to_owned(),
        ),
        (Method::POST, "/v1/admin/ingest".to_owned(), "{}".to_owned()),
        (Method::POST, "/v1/admin/root".to_owned(), "{}".to_owned()),
    ];
    for (method, path, body) in &writes {
        for content_type in [
            Some("text/plain"),
            Some("text/plain; charset=utf-8"),
            Some("application/x-www-form-urlencoded"),
            Some("application/jsonp"),
            None,
        ] {
            let reply = h
                .send(send(
                    method.clone(),
                    path.clone(),
                    content_type,
                    body.clone(),
                ))
                .await;
            let (code, _) = reply.error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
            assert_eq!(
                code, "unsupported_media_type",
                "{method} {path} {content_type:?}"
            );
            let message = reply.json()["error"]["message"].to_string();
            assert!(message.contains("application/json"), "{message}");
        }
    }
    // Nothing was changed by any of them.
    let record = h
        .admin(Method::GET, &format!("/v1/admin/notices/{id}"), None)
        .await;
    assert_eq!(record.json()["notice"]["revision"], 1);
    // JSON with parameters is JSON; an action without a body needs no type.
    let reply = h
        .send(send(
            Method::PATCH,
            format!("/v1/admin/notices/{id}"),
            Some("Application/JSON; charset=utf-8"),
            r#"{"title": {"en": "Edited"}}"#.to_owned(),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = h
        .send(send(
            Method::POST,
            format!("/v1/admin/notices/{id}/resolve"),
            None,
            String::new(),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn a_write_that_fails_on_a_damaged_database_makes_health_say_so_at_once() {
    let h = Harness::new();
    h.create(outage()).await;
    assert_eq!(h.get("/healthz").await.json()["status"], "ok");
    // The file is damaged under the running server: every page of it, its write-ahead log and the log's
    // index.
    let db = h.data.db();
    for file in [
        db.clone(),
        db.with_extension("db-wal"),
        db.with_extension("db-shm"),
    ] {
        if let Ok(len) = std::fs::metadata(&file).map(|m| m.len()) {
            std::fs::write(&file, vec![0x5a; len as usize]).unwrap();
        }
    }
    let reply = h
        .admin_json(Method::POST, "/v1/admin/notices", outage())
        .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    // From the failed write on, not from the next periodic probe (the manual clock never moves here).
    let health = h.get("/healthz").await;
    assert_eq!(
        health.status,
        StatusCode::OK,
        "liveness: the feed is still served"
    );
    assert_eq!(health.json()["status"], "database_not_writable");
    let ready = h.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    let text = String::from_utf8_lossy(&ready.body).to_string();
    assert!(
        text.contains("damaged"),
        "the advice fits a damaged file: {text}"
    );
    assert_eq!(h.metric("notice_db_writable").await, 0.0);
}
