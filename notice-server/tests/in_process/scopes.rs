//! Token scopes: a watch token (`notice-server token create --scope watch`, what `notice watch` runs with)
//! reads and creates notices and updates, resolves, edits and withdraws the ones it created; everything else
//! is 403 `forbidden`, and nothing changes. The audit log names the actor and its scope.

use axum::http::{Method, StatusCode};
use notice_publish::breakglass::{self, Draft, OfflineOptions};
use notice_server::clock::Clock as _;
use notice_server::{Access, Scope, routes};
use notice_types::TrustedRoot;
use serde_json::{Value, json};

use crate::harness::{Harness, outage};

/// A token of `scope` named `name`, as `notice-server token create` makes it.
fn token(h: &Harness, name: &str, scope: Scope) -> String {
    let mut conn = notice_server::open_database(&h.data).unwrap();
    notice_server::issue_token(&mut conn, name, scope, "local", h.clock.now()).unwrap()
}

fn watchdog_notice(id: &str) -> Value {
    json!({
        "id": id,
        "severity": "outage",
        "title": {"en": "PIN validation is down", "nl": "Pincode controleren werkt niet"},
        "body": {"en": "We know, and we are investigating."},
        "components": ["keyshare"]
    })
}

fn update(status: &str) -> String {
    json!({"status": status, "message": {"en": "Works again."}}).to_string()
}

/// The feed version the server serves now.
async fn served_version(h: &Harness) -> u64 {
    h.feed().await.feed.version
}

#[tokio::test]
async fn a_watch_token_is_refused_with_403_on_every_route_outside_its_scope() {
    let h = Harness::new();
    let watch = token(&h, "watchdog", Scope::Watch);
    let id = h.create(outage()).await;
    let before = served_version(&h).await;
    let admin_only: Vec<_> = routes()
        .into_iter()
        .filter(|r| r.access == Access::Admin)
        .collect();
    let paths: Vec<&str> = admin_only.iter().map(|r| r.path).collect();
    // The table decides; these are the routes the issue names, so a change to the table is a decision.
    // Editing and withdrawing are not among them: a watch token may do both to its own notices ("it cannot
    // edit or withdraw others'"), which `a_watch_token_cannot_change_notices_it_did_not_create` holds.
    for expected in [
        "/v1/admin/ingest",
        "/v1/admin/root",
        "/v1/admin/audit",
        "/v1/admin/copies",
    ] {
        assert!(paths.contains(&expected), "{expected} is not admin-only");
    }
    for route in admin_only {
        let path = route.path.replace("{id}", &id);
        for body in [
            None,
            Some("{}"),
            Some(r#"{"title": {"en": "Edited by the watchdog"}}"#),
        ] {
            let reply = h.admin_as(&watch, route.method.clone(), &path, body).await;
            let (code, _) = reply.error(StatusCode::FORBIDDEN);
            assert_eq!(code, "forbidden", "{} {path}", route.method);
            let message = reply.json()["error"]["message"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(
                message.contains("watch scope") && message.contains("admin token"),
                "{} {path}: the message says why and what to use: {message}",
                route.method
            );
            assert!(!message.contains(&watch), "the token is never echoed");
        }
    }
    // Token management is not in the admin API at all: only `notice-server token` on the host.
    assert!(routes().iter().all(|r| !r.path.contains("token")));
    assert_eq!(served_version(&h).await, before, "nothing was published");
    let record = h
        .admin(Method::GET, &format!("/v1/admin/notices/{id}"), None)
        .await
        .json();
    assert_eq!(record["state"], "active");
    assert_eq!(record["notice"]["revision"], 1);
}

#[tokio::test]
async fn a_watch_token_opens_updates_and_resolves_its_own_notice() {
    let h = Harness::new();
    let watch = token(&h, "watchdog", Scope::Watch);
    let whoami = h
        .admin_as(&watch, Method::GET, "/v1/admin/whoami", None)
        .await;
    assert_eq!(whoami.status, StatusCode::OK);
    assert_eq!(whoami.json(), json!({"name": "watchdog", "scope": "watch"}));

    let id = "watch-keyshare-20260921-1";
    let notice = watchdog_notice(id).to_string();
    let dry = h
        .admin_as(
            &watch,
            Method::POST,
            "/v1/admin/notices?dry_run=true",
            Some(&notice),
        )
        .await;
    assert_eq!(
        dry.status,
        StatusCode::OK,
        "a dry run, as `notice post` previews"
    );
    let created = h
        .admin_as(&watch, Method::POST, "/v1/admin/notices", Some(&notice))
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    for path in ["/v1/admin/notices", &format!("/v1/admin/notices/{id}")] {
        let read = h.admin_as(&watch, Method::GET, path, None).await;
        assert_eq!(read.status, StatusCode::OK, "{path}");
    }
    let path = format!("/v1/admin/notices/{id}/updates");
    let updated = h
        .admin_as(&watch, Method::POST, &path, Some(&update("monitoring")))
        .await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(updated.json()["notice"]["status"], "monitoring");
    let resolved = h
        .admin_as(
            &watch,
            Method::POST,
            &format!("/v1/admin/notices/{id}/resolve"),
            None,
        )
        .await;
    assert_eq!(resolved.status, StatusCode::OK);
    assert_eq!(resolved.json()["state"], "resolved");

    // The audit log (read with an admin token) names the actor and its scope for each write.
    let audit = h.admin(Method::GET, "/v1/admin/audit", None).await.json();
    let rows: Vec<(String, Option<String>, String)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["notice_id"] == id)
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["scope"].as_str().map(str::to_owned),
                e["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let watchdog = |action: &str| {
        (
            "watchdog".to_owned(),
            Some("watch".to_owned()),
            action.to_owned(),
        )
    };
    assert_eq!(
        rows,
        [watchdog("resolve"), watchdog("update"), watchdog("create")]
    );
    let init = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "init")
        .unwrap();
    assert!(
        init.get("scope").is_none(),
        "the command line has no token: {init}"
    );
}

#[tokio::test]
async fn a_watch_token_edits_and_withdraws_its_own_notice() {
    let h = Harness::new();
    let watch = token(&h, "watchdog", Scope::Watch);
    let id = "watch-keyshare-20260921-2";
    let created = h
        .admin_as(
            &watch,
            Method::POST,
            "/v1/admin/notices",
            Some(&watchdog_notice(id).to_string()),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let edited = h
        .admin_as(
            &watch,
            Method::PATCH,
            &format!("/v1/admin/notices/{id}"),
            Some(r#"{"title": {"en": "PIN validation is slow"}}"#),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.json());
    assert_eq!(edited.json()["notice"]["revision"], 2);
    // A false alarm: the watchdog's own notice is taken out of the feed.
    let withdrawn = h
        .admin_as(
            &watch,
            Method::POST,
            &format!("/v1/admin/notices/{id}/withdraw"),
            None,
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{:?}", withdrawn.json());
    assert_eq!(withdrawn.json()["state"], "withdrawn");
    assert!(
        h.feed()
            .await
            .feed
            .notices
            .iter()
            .all(|n| n.id.as_str() != id)
    );
}

#[tokio::test]
async fn a_watch_token_cannot_change_notices_it_did_not_create() {
    let h = Harness::new();
    let watch = token(&h, "watchdog", Scope::Watch);
    let other_watch = token(&h, "other-watchdog", Scope::Watch);
    let by_admin = h.create(outage()).await;
    let by_other = "watch-database-20260921-1";
    let created = h
        .admin_as(
            &other_watch,
            Method::POST,
            "/v1/admin/notices",
            Some(&watchdog_notice(by_other).to_string()),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let before = served_version(&h).await;
    let edit = r#"{"title": {"en": "Edited by the watchdog"}}"#.to_owned();
    for id in [by_admin.as_str(), by_other] {
        for (method, path, body) in [
            (
                Method::POST,
                format!("/v1/admin/notices/{id}/updates"),
                Some(update("monitoring")),
            ),
            (
                Method::POST,
                format!("/v1/admin/notices/{id}/resolve"),
                None,
            ),
            (
                Method::POST,
                format!("/v1/admin/notices/{id}/updates?dry_run=true"),
                Some(update("monitoring")),
            ),
            (
                Method::PATCH,
                format!("/v1/admin/notices/{id}"),
                Some(edit.clone()),
            ),
            (
                Method::POST,
                format!("/v1/admin/notices/{id}/withdraw"),
                None,
            ),
        ] {
            let reply = h.admin_as(&watch, method, &path, body.as_deref()).await;
            let (code, _) = reply.error(StatusCode::FORBIDDEN);
            assert_eq!(code, "forbidden", "{path}");
            let message = reply.json()["error"]["message"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(message.contains(id), "names the notice: {message}");
        }
    }
    // An unknown notice is still a 404, as for any token.
    let missing = h
        .admin_as(
            &watch,
            Method::POST,
            "/v1/admin/notices/watch-nothing-1/updates",
            Some(&update("monitoring")),
        )
        .await;
    assert_eq!(missing.error(StatusCode::NOT_FOUND).0, "not_found");
    assert_eq!(served_version(&h).await, before, "nothing was published");
    // An admin token changes the watchdog's notice as any other.
    let by_admin_token = h
        .admin(
            Method::POST,
            &format!("/v1/admin/notices/{by_other}/resolve"),
            None,
        )
        .await;
    assert_eq!(by_admin_token.status, StatusCode::OK);
}

#[tokio::test]
async fn a_watchdog_notice_that_came_in_with_a_break_glass_document_stays_the_watchdogs() {
    let h = Harness::new();
    let watch = token(&h, "watchdog", Scope::Watch);
    let last = h.get("/v1/feed.json").await.body.to_vec();
    // The watchdog could not reach the server and signed its notice itself; and someone with the feed key
    // posted another one the same way.
    let trusted = TrustedRoot::from_envelope_bytes(&h.root_json).unwrap();
    let key = notice_server::read_key(&h.data.feed_key()).unwrap();
    let mut document = last;
    for id in ["watch-keyshare-20260921-1", "2026-09-21-email-0001"] {
        let (root, feed) = breakglass::open_last_known(&document, &trusted).unwrap();
        let draft = Draft::Create(serde_json::from_value(watchdog_notice(id)).unwrap());
        let write = breakglass::apply(
            &feed,
            &root,
            draft,
            h.clock.now(),
            &OfflineOptions::default(),
            || 1,
        )
        .unwrap();
        document = breakglass::sign(&document, &trusted, &write.feed, &[&key]).unwrap();
    }
    let ingested = h
        .admin(
            Method::POST,
            "/v1/admin/ingest",
            Some(std::str::from_utf8(&document).unwrap()),
        )
        .await;
    assert_eq!(ingested.status, StatusCode::OK);

    let own = h
        .admin_as(
            &watch,
            Method::POST,
            "/v1/admin/notices/watch-keyshare-20260921-1/updates",
            Some(&update("monitoring")),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.json());
    let not_own = h
        .admin_as(
            &watch,
            Method::POST,
            "/v1/admin/notices/2026-09-21-email-0001/updates",
            Some(&update("monitoring")),
        )
        .await;
    assert_eq!(not_own.error(StatusCode::FORBIDDEN).0, "forbidden");
}
