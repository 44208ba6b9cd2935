//! Break-glass: documents signed offline from the last known feed ([`notice_server::offline`]) and taken in
//! by the server again (`POST /v1/admin/ingest`).

use std::time::Duration;

use axum::http::{Method, StatusCode};
use notice_publish::NoticeChange;
use notice_publish::breakglass::{self as offline, Draft, OfflineOptions};
use notice_server::clock::Clock as _;
use notice_server::{Ticked, tick};
use notice_tests::FeedOwner;
use notice_types::{FeedPayload, NoticeId, Status, TrustState, TrustedRoot, verify};
use serde_json::json;

use crate::harness::{Harness, outage};

/// What an operator's laptop does: the last known document + one change → a new signed document.
fn break_glass(h: &Harness, last: &[u8], draft: Draft, options: &OfflineOptions) -> Vec<u8> {
    let trusted = TrustedRoot::from_envelope_bytes(&h.root_json).unwrap();
    let (root, feed) = offline::open_last_known(last, &trusted).unwrap();
    let write = offline::apply(&feed, &root, draft, h.clock.now(), options, || 0x3f9a).unwrap();
    let key = notice_server::read_key(&h.data.feed_key()).unwrap();
    offline::sign(last, &trusted, &write.feed, &[&key]).unwrap()
}

fn change(id: &str, change: NoticeChange) -> Draft {
    Draft::Change {
        id: NoticeId::parse(id).unwrap(),
        change,
    }
}

fn from_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).unwrap()
}

async fn ingest(h: &Harness, bytes: &[u8]) -> crate::harness::Reply {
    h.admin(
        Method::POST,
        "/v1/admin/ingest",
        Some(std::str::from_utf8(bytes).unwrap()),
    )
    .await
}

/// A phone: verifies what it is given against root v1 and remembers the state.
struct Phone {
    trusted: TrustedRoot,
    state: Option<TrustState>,
}

impl Phone {
    fn new(h: &Harness) -> Self {
        Self {
            trusted: TrustedRoot::from_envelope_bytes(&h.root_json).unwrap(),
            state: None,
        }
    }

    fn accept(&mut self, bytes: &[u8], h: &Harness) -> FeedPayload {
        let verified = verify(bytes, &self.trusted, self.state.as_ref(), h.clock.now())
            .unwrap_or_else(|e| panic!("the phone refused it: {} ({e})", e.code()));
        self.state = Some(verified.state);
        verified.feed
    }
}

#[tokio::test]
async fn a_break_glass_document_is_ingested_and_the_next_write_continues_above_it() {
    let h = Harness::new();
    let down = h.create(outage()).await;
    let info = h
        .create(json!({"severity": "info", "title": {"en": "Welcome"}, "body": {"en": "Hello."}}))
        .await;
    let last_known = h.get("/v1/feed.json").await.body.to_vec();
    let mut phone = Phone::new(&h);
    phone.accept(&last_known, &h);

    // The server heartbeats on (a version the operator never sees), then becomes unreachable.
    h.clock.advance(Duration::from_secs(3600));
    assert_eq!(tick(&h.state).await.unwrap(), Ticked::Published(4));

    // Offline: an update to the outage, the welcome withdrawn, a new notice; each from the previous copy.
    h.clock.advance(Duration::from_secs(60));
    let options = OfflineOptions::default();
    let update = from_json(
        json!({"status": "identified", "message": {"en": "The database overheated.", "nl": "De database is oververhit."}}),
    );
    let first = break_glass(
        &h,
        &last_known,
        change(&down, NoticeChange::Update(update)),
        &options,
    );
    let second = break_glass(&h, &first, change(&info, NoticeChange::Withdraw), &options);
    let third = break_glass(
        &h,
        &second,
        Draft::Create(from_json(json!({
            "severity": "degraded",
            "title": {"en": "Logins are slow"},
            "body": {"en": "Expect delays."},
            "components": ["keyshare"]
        }))),
        &options,
    );
    let seen = phone.accept(&third, &h);
    assert_eq!(
        seen.version, 3003,
        "two offline documents later: 3 + 3 × 1000"
    );
    let added = "2026-09-21-keyshare-3f9a";
    assert!(seen.notice(&NoticeId::parse(added).unwrap()).is_some());

    // The server is back and takes it in.
    let reply = ingest(&h, &third).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let report = reply.json();
    assert_eq!(report["feed_version"], 3003);
    assert_eq!(report["previous_version"], 4);
    assert_eq!(report["expired"], false);
    assert_eq!(report["notices"]["updated"], json!([down]));
    assert_eq!(report["notices"]["withdrawn"], json!([info]));
    assert_eq!(report["notices"]["added"], json!([added]));

    // Served byte for byte until the next write.
    let served = h.get("/v1/feed.json").await;
    assert_eq!(served.body.to_vec(), third);
    assert_eq!(served.header("x-notice-feed-version"), "3003");
    let record = h
        .admin(Method::GET, &format!("/v1/admin/notices/{down}"), None)
        .await
        .json();
    assert_eq!(record["notice"]["revision"], 2);
    assert_eq!(record["notice"]["status"], "identified");
    assert_eq!(
        record["notice"]["updates"][0]["message"]["nl"],
        "De database is oververhit."
    );
    let all = h
        .admin(Method::GET, "/v1/admin/notices?all=true", None)
        .await
        .json();
    let state_of = |id: &str| {
        all["notices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["notice"]["id"] == id)
            .map(|r| r["state"].clone())
    };
    assert_eq!(state_of(&info), Some(json!("withdrawn")));
    assert_eq!(state_of(added), Some(json!("active")));

    // The next write goes on from the ingested version, and the phone accepts it: no rollback.
    let resolved = h
        .admin(
            Method::POST,
            &format!("/v1/admin/notices/{down}/resolve"),
            None,
        )
        .await;
    assert_eq!(resolved.json()["feed_version"], 3004);
    let next = phone.accept(&h.get("/v1/feed.json").await.body, &h);
    assert_eq!(next.version, 3004);
    let ids: Vec<&str> = next.notices.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        ids,
        [down.as_str(), added],
        "nothing lost, the withdrawn one stays out"
    );
    let resolved_notice = next.notice(&NoticeId::parse(&down).unwrap()).unwrap();
    assert_eq!(resolved_notice.status, Status::Resolved);
    assert_eq!(
        resolved_notice.updates.len(),
        2,
        "the offline update is kept"
    );

    let audit = h.audit_rows();
    assert!(
        audit.contains(&("admin".to_owned(), "ingest".to_owned(), None, Some(3003))),
        "{audit:?}"
    );
}

#[tokio::test]
async fn a_version_not_above_the_latest_is_refused_with_409_naming_both() {
    let h = Harness::new();
    h.create(outage()).await;
    h.create(outage()).await;
    let last_known = h.get("/v1/feed.json").await.body.to_vec();
    let trusted = TrustedRoot::from_envelope_bytes(&h.root_json).unwrap();
    let (_, mut feed) = offline::open_last_known(&last_known, &trusted).unwrap();
    let key = notice_server::read_key(&h.data.feed_key()).unwrap();
    for version in [2, 3] {
        feed.version = version;
        feed.notices.pop();
        let bytes = offline::sign(&last_known, &trusted, &feed, &[&key]).unwrap();
        let reply = ingest(&h, &bytes).await;
        let (code, _) = reply.error(StatusCode::CONFLICT);
        assert_eq!(code, "conflict");
        let message = reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            message.contains(&format!("document version {version}"))
                && message.contains("latest version 3"),
            "{message}"
        );
    }
    // The same document twice: the second time there is nothing to do, and it says so.
    let options = OfflineOptions::default();
    let bytes = break_glass(
        &h,
        &last_known,
        Draft::Create(from_json(outage())),
        &options,
    );
    assert_eq!(ingest(&h, &bytes).await.status, StatusCode::OK);
    let again = ingest(&h, &bytes).await;
    again.error(StatusCode::CONFLICT);
    assert!(
        again.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already")
    );
    assert_eq!(
        h.get("/v1/feed.json").await.body.to_vec(),
        bytes,
        "nothing changed"
    );
}

#[tokio::test]
async fn a_document_not_signed_by_a_feed_key_of_the_root_is_refused_with_422() {
    let h = Harness::new();
    let last_known = h.get("/v1/feed.json").await.body.to_vec();
    let trusted = TrustedRoot::from_envelope_bytes(&h.root_json).unwrap();
    let (_, mut feed) = offline::open_last_known(&last_known, &trusted).unwrap();
    feed.version = 1000;
    // The server's own root chain, and the feed signed by key 7, which that root does not list.
    let bytes = FeedOwner::from_data_dir(h.data.path()).publish_feed_with(&feed, &[7]);
    let reply = ingest(&h, &bytes).await;
    let (code, _) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "invalid_document");
    assert_eq!(
        h.get("/v1/feed.json").await.header("x-notice-feed-version"),
        "1"
    );

    let reply = ingest(&h, b"{\"roots\": [], \"feed\": 1}").await;
    assert_eq!(
        reply.error(StatusCode::UNPROCESSABLE_ENTITY).0,
        "invalid_document"
    );
    let huge = format!("\"{}\"", "x".repeat(600 * 1024));
    assert_eq!(
        ingest(&h, huge.as_bytes())
            .await
            .error(StatusCode::PAYLOAD_TOO_LARGE)
            .0,
        "payload_too_large"
    );
}

#[tokio::test]
async fn an_expired_break_glass_document_is_accepted_and_re_signed_at_the_next_tick() {
    let h = Harness::new();
    let id = h.create(outage()).await;
    let last_known = h.get("/v1/feed.json").await.body.to_vec();
    let short = OfflineOptions {
        feed_validity: Duration::from_secs(600),
        ..OfflineOptions::default()
    };
    let bytes = break_glass(
        &h,
        &last_known,
        change(&id, NoticeChange::Resolve(Default::default())),
        &short,
    );
    // The server comes back after the document expired: apps saw it, so it is still the floor.
    h.clock.advance(Duration::from_secs(3600));
    let reply = ingest(&h, &bytes).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["expired"], true);
    assert_eq!(tick(&h.state).await.unwrap(), Ticked::Published(1003));
    let fresh = h.feed().await;
    assert_eq!(fresh.feed.version, 1003);
    assert_eq!(fresh.feed.notices[0].status, Status::Resolved);
}

#[tokio::test]
async fn an_offline_change_is_what_the_server_would_have_published() {
    let h = Harness::new();
    let id = h.create(outage()).await;
    let last_known = h.get("/v1/feed.json").await.body.to_vec();
    let trusted = TrustedRoot::from_envelope_bytes(&h.root_json).unwrap();
    let (root, feed) = offline::open_last_known(&last_known, &trusted).unwrap();
    let options = OfflineOptions::default();
    h.clock.advance(Duration::from_secs(90));

    // Create: the server's dry run and the offline result are the same notice.
    let mut draft = outage();
    draft["id"] = json!("offline-parity");
    draft["severity"] = json!("maintenance");
    draft["starts_at"] = json!("2026-10-01T01:00:00Z");
    draft["ends_at"] = json!("2026-10-01T02:00:00Z");
    draft["title"] = json!({"en": "Upgrade", "de": "Aktualisierung"});
    let server = h
        .admin_json(
            Method::POST,
            "/v1/admin/notices?dry_run=true",
            draft.clone(),
        )
        .await
        .json();
    let offline = offline::apply(
        &feed,
        &root,
        Draft::Create(from_json(draft)),
        h.clock.now(),
        &options,
        || 0,
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(&offline.record.notice).unwrap(),
        server["notice"]
    );
    assert_eq!(offline.feed.version, 1002);
    assert_eq!(offline.feed.notices.len(), 2);

    // Resolve: the same revision, status, timeline and default message.
    let offline = offline::apply(
        &feed,
        &root,
        change(&id, NoticeChange::Resolve(Default::default())),
        h.clock.now(),
        &options,
        || 0,
    )
    .unwrap();
    let server = h
        .admin(
            Method::POST,
            &format!("/v1/admin/notices/{id}/resolve"),
            None,
        )
        .await
        .json();
    assert_eq!(
        serde_json::to_value(&offline.record.notice).unwrap(),
        server["notice"]
    );
    assert_eq!(server["state"], "resolved");

    // Refusals are the admin API's, code for code.
    let err = offline::apply(
        &offline.feed,
        &root,
        change(&id, NoticeChange::Resolve(Default::default())),
        h.clock.now(),
        &options,
        || 0,
    )
    .unwrap_err();
    assert_eq!(err.code(), "conflict");
    let err = offline::apply(
        &feed,
        &root,
        change("no-such-notice", NoticeChange::Withdraw),
        h.clock.now(),
        &options,
        || 0,
    )
    .unwrap_err();
    assert_eq!(err.code(), "not_found");
    let bad: notice_publish::CreateNotice =
        from_json(json!({"severity": "outage", "title": {"nl": "Storing"}, "body": {"en": "x"}}));
    let err = offline::apply(
        &feed,
        &root,
        Draft::Create(bad),
        h.clock.now(),
        &options,
        || 0,
    )
    .unwrap_err();
    assert_eq!(err.code(), "invalid_field");
    assert!(err.to_string().contains("title.en"), "{err}");
}
