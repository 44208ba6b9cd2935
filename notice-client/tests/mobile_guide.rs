//! MOBILE.md stays true: its notices JSON is exactly what the library hands the app for the feed it
//! describes, its status example has the keys the library writes, and its `#cgo` lines for gomobile are
//! the lines of the Go bridge the tests build.

mod support;

use std::collections::BTreeSet;

use notice_client::{Client, Config};
use notice_tests::FeedOwner;

/// The guide's "now": noon on the day of the post-mortem's outage.
fn t0() -> Timestamp {
    Timestamp::parse("2026-07-01T12:00:00Z").unwrap()
}

/// `t0()` plus `minutes`, as the guide's times read.
fn at(minutes: i64) -> Timestamp {
    t0().plus_seconds(minutes * 60)
}
use notice_types::{
    Component, LanguageTag, LocalizedText, Notice, NoticeId, Platform, Severity, Status, Timestamp,
    Update,
};
use serde_json::Value;

fn guide() -> String {
    std::fs::read_to_string(support::examples::crate_dir().join("../MOBILE.md")).unwrap()
}

/// The first fenced block after the line `<!-- {marker} -->`.
fn block_after(text: &str, marker: &str) -> String {
    let start = text
        .find(&format!("<!-- {marker} -->"))
        .unwrap_or_else(|| panic!("MOBILE.md has no <!-- {marker} --> marker"));
    let rest = &text[start..];
    let open = rest.find("```").unwrap();
    let body = &rest[open..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").unwrap()].to_owned()
}

fn text(pairs: &[(&str, &str)]) -> LocalizedText {
    LocalizedText::from_pairs(
        pairs
            .iter()
            .map(|(lang, text)| (LanguageTag::parse(lang).unwrap(), *text)),
    )
    .unwrap()
}

/// The feed the guide's example shows: an outage with two updates and tomorrow's maintenance.
fn guide_notices() -> Vec<Notice> {
    let outage = Notice {
        id: NoticeId::parse("2026-07-01-keyshare").unwrap(),
        revision: 2,
        severity: Severity::Outage,
        status: Status::Identified,
        title: text(&[
            ("en", "PIN validation is down"),
            ("nl", "Pincode controleren werkt niet"),
        ]),
        body: text(&[
            (
                "en",
                "You cannot log in with Yivi right now. Your data is safe.",
            ),
            (
                "nl",
                "Inloggen met Yivi lukt nu niet. Je gegevens zijn veilig.",
            ),
        ]),
        components: vec![Component::parse("keyshare").unwrap()],
        platforms: vec![],
        app_versions: None,
        created_at: at(-45),
        updated_at: at(-15),
        show_from: None,
        starts_at: Some(at(-45)),
        ends_at: None,
        dismissible: false,
        link: Some("https://yivi.app/status".to_owned()),
        updates: vec![
            Update {
                at: at(-45),
                status: Status::Investigating,
                message: text(&[
                    ("en", "We are investigating."),
                    ("nl", "We zoeken het uit."),
                ]),
            },
            Update {
                at: at(-15),
                status: Status::Identified,
                message: text(&[("en", "Cause found: a database failover.")]),
            },
        ],
    };
    let maintenance = Notice {
        id: NoticeId::parse("2026-07-02-maintenance").unwrap(),
        revision: 1,
        severity: Severity::Maintenance,
        status: Status::Scheduled,
        title: text(&[
            ("en", "Planned maintenance tonight"),
            ("nl", "Gepland onderhoud vannacht"),
        ]),
        body: text(&[
            ("en", "Between 02:00 and 04:00 UTC logging in may fail."),
            ("nl", "Tussen 02:00 en 04:00 UTC kan inloggen mislukken."),
        ]),
        components: vec![
            Component::parse("keyshare").unwrap(),
            Component::parse("issuance").unwrap(),
        ],
        platforms: vec![Platform::Android, Platform::Ios],
        app_versions: Some("<26.0.0".parse().unwrap()),
        created_at: at(-60),
        updated_at: at(-60),
        show_from: Some(at(-60)),
        starts_at: Some(at(14 * 60)),
        ends_at: Some(at(16 * 60)),
        dismissible: true,
        link: None,
        updates: vec![],
    };
    vec![outage, maintenance]
}

fn client(publisher: &FeedOwner, dir: &std::path::Path) -> Client {
    let config = Config::from_json(
        &serde_json::json!({
            "feed_id": publisher.feed_id(),
            "trusted_root": String::from_utf8(publisher.root_json()).unwrap(),
            "state_dir": dir,
            "context": {"platform": "android", "app_version": "25.3.1", "locales": ["nl_NL"]},
        })
        .to_string(),
    )
    .unwrap();
    let client = Client::new(config).unwrap();
    client
        .ingest(&publisher.document(8, guide_notices()), t0())
        .unwrap();
    client
}

#[test]
fn the_notices_json_in_the_guide_is_what_the_app_gets() {
    let publisher = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let client = client(&publisher, dir.path());
    // What notice_client_notices hands out: the same value, serialized by the same serde_json call.
    let actual = serde_json::to_value(client.notices(t0())).unwrap();
    let documented: Value = serde_json::from_str(&block_after(&guide(), "notices-json")).unwrap();
    assert_eq!(
        documented,
        actual,
        "MOBILE.md's notices JSON differs from the library's output:\n{}",
        serde_json::to_string_pretty(&actual).unwrap()
    );
    // The guide says "keys in this order": `Value` sorts keys, so the order is compared on the texts.
    let written = serde_json::to_string(&client.notices(t0())).unwrap();
    assert_eq!(
        keys_in_order(&block_after(&guide(), "notices-json")),
        keys_in_order(&written),
        "MOBILE.md's notices JSON lists keys in another order than the library writes them:\n{written}"
    );
}

/// Every object key of a JSON text with its path (`notices[].updates[].at`), in the order written.
fn keys_in_order(text: &str) -> Vec<String> {
    /// A JSON value that keeps its objects' keys in the order written (serde_json's `Value` sorts them).
    enum Ordered {
        Object(Vec<(String, Ordered)>),
        Array(Vec<Ordered>),
        Scalar,
    }
    impl<'de> serde::Deserialize<'de> for Ordered {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Any;
            impl<'de> serde::de::Visitor<'de> for Any {
                type Value = Ordered;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("any JSON value")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Ordered, A::Error> {
                    let mut entries = Vec::new();
                    while let Some(entry) = map.next_entry::<String, Ordered>()? {
                        entries.push(entry);
                    }
                    Ok(Ordered::Object(entries))
                }
                fn visit_seq<A: serde::de::SeqAccess<'de>>(
                    self,
                    mut seq: A,
                ) -> Result<Ordered, A::Error> {
                    let mut items = Vec::new();
                    while let Some(item) = seq.next_element::<Ordered>()? {
                        items.push(item);
                    }
                    Ok(Ordered::Array(items))
                }
                fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
                    Ok(Ordered::Scalar)
                }
                fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
                    Ok(Ordered::Scalar)
                }
                fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
                    Ok(Ordered::Scalar)
                }
                fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
                    Ok(Ordered::Scalar)
                }
                fn visit_str<E>(self, _: &str) -> Result<Ordered, E> {
                    Ok(Ordered::Scalar)
                }
                fn visit_unit<E>(self) -> Result<Ordered, E> {
                    Ok(Ordered::Scalar)
                }
            }
            deserializer.deserialize_any(Any)
        }
    }
    fn walk(value: &Ordered, prefix: &str, into: &mut Vec<String>) {
        match value {
            Ordered::Object(entries) => {
                for (key, value) in entries {
                    let path = format!("{prefix}.{key}");
                    into.push(path.clone());
                    walk(value, &path, into);
                }
            }
            Ordered::Array(items) => {
                for item in items {
                    walk(item, &format!("{prefix}[]"), into);
                }
            }
            Ordered::Scalar => {}
        }
    }
    let value: Ordered = serde_json::from_str(text).unwrap();
    let mut keys = Vec::new();
    walk(&value, "", &mut keys);
    keys
}

/// Every key path of a JSON value (`mirrors[].last_error.code`), to compare shapes whose values differ.
fn key_paths(value: &Value, prefix: &str, into: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let path = format!("{prefix}.{key}");
                into.insert(path.clone());
                key_paths(value, &path, into);
            }
        }
        Value::Array(items) => {
            for item in items {
                key_paths(item, &format!("{prefix}[]"), into);
            }
        }
        _ => {}
    }
}

#[test]
fn the_status_json_in_the_guide_has_the_keys_the_library_writes() {
    let publisher = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::config(&publisher, dir.path(), &[]);
    // A mirror that refuses connections, asked once, so the status has a mirror with an error.
    config.mirrors = vec!["http://127.0.0.1:9/v1/feed.json".to_owned()];
    let client = Client::new(config).unwrap();
    client
        .ingest(&publisher.document(8, guide_notices()), t0())
        .unwrap();
    #[cfg(feature = "https")]
    let _ = client.refresh(at(1));
    let actual = serde_json::to_value(client.status(at(1))).unwrap();
    let documented: Value = serde_json::from_str(&block_after(&guide(), "status-json")).unwrap();
    let (mut want, mut have) = (BTreeSet::new(), BTreeSet::new());
    key_paths(&documented, "", &mut want);
    key_paths(&actual, "", &mut have);
    // Every key the library writes is documented; with `https` the refresh above also fills in every
    // documented one (without it nothing is fetched, so the per-mirror error cannot appear).
    assert!(
        have.is_subset(&want),
        "undocumented: {:?}",
        have.difference(&want)
    );
    if cfg!(feature = "https") {
        assert!(
            want.is_subset(&have),
            "not written: {:?}",
            want.difference(&have)
        );
    }
}

#[test]
fn the_guides_cgo_lines_are_the_go_bridges() {
    let cgo = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| l.starts_with("#cgo android"))
            .map(str::to_owned)
            .collect()
    };
    let bridge = std::fs::read_to_string(
        support::examples::crate_dir().join("examples/go/notice/notice.go"),
    )
    .unwrap();
    let in_bridge = cgo(&bridge);
    assert_eq!(in_bridge.len(), 3, "one line per Android ABI");
    assert_eq!(cgo(&block_after(&guide(), "cgo-lines")), in_bridge);
}
