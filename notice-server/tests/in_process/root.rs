//! `POST /v1/admin/root`: root v(N+1) from a root key ceremony, refused before anything is stored unless
//! apps would accept it and the server can sign under it.

use axum::http::{Method, StatusCode};
use notice_publish::rotation::{RootChange, Rotation};
use notice_server::{prepare_feed_key, read_key};
use notice_types::{Envelope, PublishedDocument, SecretKey};

use crate::harness::{Harness, outage};

/// A rotation of `h`'s root v1 by `change`, signed by `signers`, as the body `POST /v1/admin/root` takes.
fn rotation(h: &Harness, change: &RootChange, signers: &[&SecretKey]) -> String {
    let v1: Envelope = serde_json::from_slice(&h.root_json).unwrap();
    let mut rotation = Rotation::prepare(vec![v1], change).unwrap();
    for key in signers {
        rotation.sign(key).unwrap();
    }
    serde_json::to_string(&rotation.envelope().unwrap()).unwrap()
}

fn stranger() -> SecretKey {
    SecretKey::from_seed(&[7; 32])
}

#[tokio::test]
async fn a_root_signed_by_too_few_root_keys_is_refused_and_nothing_is_stored() {
    let h = Harness::new();
    let root_key = read_key(&h.data.root_key()).unwrap();
    let change = RootChange {
        add_root_keys: vec![stranger().public_key()],
        root_threshold: Some(2),
        ..RootChange::default()
    };
    let audit = h.audit_rows().len();
    let body = rotation(&h, &change, &[&root_key]);
    let reply = h.admin(Method::POST, "/v1/admin/root", Some(&body)).await;
    let (code, _) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "root_rotation_rejected");
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2 required")
    );
    // Signed by the stranger alone: not by root v1.
    let body = rotation(&h, &change, &[&stranger()]);
    let reply = h.admin(Method::POST, "/v1/admin/root", Some(&body)).await;
    assert_eq!(
        reply.error(StatusCode::UNPROCESSABLE_ENTITY).0,
        "root_rotation_rejected"
    );
    assert_eq!(h.feed().await.root.version, 1);
    assert_eq!(h.audit_rows().len(), audit);
}

#[tokio::test]
async fn a_rotation_with_a_prepared_feed_key_is_published_and_the_server_signs_with_it() {
    let h = Harness::new();
    let root_key = read_key(&h.data.root_key()).unwrap();
    let old_feed = h.feed().await.root.feed_keys[0];
    let prepared = prepare_feed_key(&h.data).unwrap();
    assert!(prepared.created);
    assert_eq!(prepare_feed_key(&h.data).unwrap().public, prepared.public);
    let change = RootChange {
        add_feed_keys: vec![prepared.public],
        remove_feed_keys: vec![old_feed.key_id()],
        ..RootChange::default()
    };
    let body = rotation(&h, &change, &[&root_key]);

    let dry = h
        .admin(Method::POST, "/v1/admin/root?dry_run=true", Some(&body))
        .await;
    assert_eq!(
        dry.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&dry.body)
    );
    assert_eq!(h.feed().await.root.version, 1, "a dry run stores nothing");
    assert!(h.data.next_feed_key().exists());

    let reply = h.admin(Method::POST, "/v1/admin/root", Some(&body)).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["root_version"], 2);
    assert_eq!(reply.json()["feed_key_id"], prepared.public.key_id());
    let verified = h.feed().await;
    assert_eq!(verified.root.version, 2);
    assert_eq!(verified.root.feed_keys, vec![prepared.public]);
    assert!(!h.data.next_feed_key().exists(), "renamed into place");
    assert!(h.audit_rows().iter().any(|row| row.1 == "rotate_root"));

    // The next write is signed with the new key, also after a restart.
    let h = h.restart();
    h.create(outage()).await;
    let served = h.get("/v1/feed.json").await;
    let document = PublishedDocument::parse(&served.body).unwrap();
    assert_eq!(document.roots.len(), 2);
    assert_eq!(document.feed.signatures[0].keyid, prepared.public.key_id());
    assert_eq!(h.feed().await.feed.notices.len(), 1);

    // The same root again is not the next version.
    let reply = h.admin(Method::POST, "/v1/admin/root", Some(&body)).await;
    assert_eq!(reply.error(StatusCode::CONFLICT).0, "conflict");
}

#[tokio::test]
async fn a_root_listing_no_feed_key_the_server_holds_is_refused() {
    let h = Harness::new();
    let root_key = read_key(&h.data.root_key()).unwrap();
    let old_feed = h.feed().await.root.feed_keys[0];
    let change = RootChange {
        add_feed_keys: vec![stranger().public_key()],
        remove_feed_keys: vec![old_feed.key_id()],
        ..RootChange::default()
    };
    let body = rotation(&h, &change, &[&root_key]);
    let reply = h.admin(Method::POST, "/v1/admin/root", Some(&body)).await;
    assert_eq!(
        reply.error(StatusCode::UNPROCESSABLE_ENTITY).0,
        "feed_key_missing"
    );
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("prepare-feed-key")
    );
    // Two feed signatures: a server signs with one key.
    let change = RootChange {
        add_feed_keys: vec![stranger().public_key()],
        feed_threshold: Some(2),
        ..RootChange::default()
    };
    let body = rotation(&h, &change, &[&root_key]);
    let reply = h.admin(Method::POST, "/v1/admin/root", Some(&body)).await;
    assert_eq!(
        reply.error(StatusCode::UNPROCESSABLE_ENTITY).0,
        "feed_key_missing"
    );
    assert_eq!(h.feed().await.root.version, 1);
}
