//! The feed's optional `service` (name, status page, time zone, component registry): verified and selected
//! like the rest of the signed payload, refused as a whole feed when it breaks a rule, and carried to the
//! user as component names in their language.

use notice_tests::{FeedOwner, HOUR, NoticeBuilder, at, text};
use notice_types::{
    Component, ComponentInfo, Context, FEED_PAYLOAD_TYPE, ServiceInfo, select, verify,
};

fn service() -> ServiceInfo {
    let mut service = ServiceInfo::named("Yivi");
    service.url = Some("https://status.yivi.app/".to_owned());
    service.time_zone = Some("Europe/Amsterdam".to_owned());
    service.components = vec![ComponentInfo {
        id: Component::parse("keyshare").unwrap(),
        name: text(&[("en", "PIN validation"), ("nl", "Pincode controleren")]),
    }];
    service
}

#[test]
fn a_feed_with_a_service_verifies_and_apps_get_component_names_in_their_language() {
    let owner = FeedOwner::new();
    let mut feed = owner.feed(3, 0, vec![NoticeBuilder::outage("o").build()]);
    feed.service = Some(service());
    let verified = verify(&owner.publish(&feed), &owner.trusted(), None, at(HOUR)).unwrap();
    assert_eq!(verified.feed.service, Some(service()));
    let dutch = Context {
        platform: None,
        app_version: None,
        locales: vec![notice_types::LanguageTag::parse("nl").unwrap()],
        dismissed: Default::default(),
    };
    let shown = select(&verified.feed, &dutch, at(HOUR));
    assert_eq!(shown[0].components, ["keyshare"]);
    assert_eq!(shown[0].component_names, ["Pincode controleren"]);
    assert_eq!(shown[0].created_at, feed.notices[0].created_at);
}

#[test]
fn a_broken_service_rejects_the_feed_and_writers_refuse_to_sign_it() {
    let owner = FeedOwner::new();
    let feed = owner.feed(3, 0, vec![]);
    let mut json: serde_json::Value = serde_json::to_value(&feed).unwrap();
    json["service"] = serde_json::json!({"name": "Yivi", "components": [
        {"id": "keyshare", "name": {"en": "A"}}, {"id": "keyshare", "name": {"en": "B"}}
    ]});
    let bytes = owner.publish_raw(FEED_PAYLOAD_TYPE, json.to_string().as_bytes(), &[2]);
    let err = verify(&bytes, &owner.trusted(), None, at(HOUR)).unwrap_err();
    assert_eq!(err.code(), "invalid_payload", "{err}");

    let mut bad = feed.clone();
    let mut broken = service();
    broken.time_zone = Some("Europe/".to_owned());
    bad.service = Some(broken);
    assert!(bad.validate().is_err());

    // Unknown fields inside `service` are ignored, as everywhere in signed payloads.
    json["service"] = serde_json::json!({"name": "Yivi", "colour": "blue"});
    let bytes = owner.publish_raw(FEED_PAYLOAD_TYPE, json.to_string().as_bytes(), &[2]);
    let verified = verify(&bytes, &owner.trusted(), None, at(HOUR)).unwrap();
    assert_eq!(verified.feed.service.unwrap().name, "Yivi");
}
