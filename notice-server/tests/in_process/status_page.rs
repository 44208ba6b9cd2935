//! The status page and the Atom feed as the server serves them: languages, sections, escaping, the stale
//! banner, Atom validity, caching headers.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Harness, START};

fn text(reply: &crate::harness::Reply) -> String {
    String::from_utf8(reply.body.to_vec()).unwrap()
}

fn trilingual_outage() -> serde_json::Value {
    json!({
        "severity": "outage",
        "title": {"en": "PIN check is down", "nl": "PIN-controle werkt niet", "de": "PIN-Prüfung ausgefallen"},
        "body": {"en": "You cannot log in.", "nl": "Je kunt niet inloggen.", "de": "Sie können sich nicht anmelden."},
        "components": ["keyshare"]
    })
}

#[tokio::test]
async fn the_page_shows_the_incident_in_each_language_by_query_and_accept_language() {
    let h = Harness::new();
    h.create(trilingual_outage()).await;
    // (path, request headers, expected language, expected title)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case<'_>; 7] = [
        ("/?lang=nl", &[], "nl", "PIN-controle werkt niet"),
        ("/?lang=de", &[], "de", "PIN-Prüfung ausgefallen"),
        (
            "/?lang=en",
            &[("accept-language", "nl")],
            "en",
            "PIN check is down",
        ),
        (
            "/",
            &[("accept-language", "de-CH, de;q=0.9, en;q=0.5")],
            "de",
            "PIN-Prüfung ausgefallen",
        ),
        (
            "/",
            &[("accept-language", "fr, nl;q=0.7")],
            "nl",
            "PIN-controle werkt niet",
        ),
        ("/", &[], "en", "PIN check is down"),
        (
            "/index.nl.html",
            &[("accept-language", "de")],
            "nl",
            "PIN-controle werkt niet",
        ),
    ];
    for (path, headers, lang, title) in cases {
        let reply = h.get_with(path, headers).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.header("content-type"), "text/html; charset=utf-8");
        assert_eq!(reply.header("content-language"), lang, "{path} {headers:?}");
        let html = text(&reply);
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{path}");
        assert!(html.contains(title), "{path} {headers:?}: no {title:?}");
    }
    // Page words are translated too.
    assert!(text(&h.get("/index.de.html").await).contains("Aktuelle Störungen"));
    assert!(text(&h.get("/index.nl.html").await).contains("Actuele storingen"));
    assert!(text(&h.get("/index.html").await).contains("Current incidents"));
    // Only the negotiated page varies by language.
    assert_eq!(
        h.get("/").await.header("vary"),
        "Accept-Encoding, Accept-Language"
    );
    assert_eq!(
        h.get("/index.de.html").await.header("vary"),
        "Accept-Encoding"
    );
}

#[tokio::test]
async fn an_empty_feed_says_all_systems_operational() {
    let h = Harness::new();
    let html = text(&h.get("/").await);
    assert!(html.contains("All systems operational"), "{html}");
}

#[tokio::test]
async fn upcoming_maintenance_and_recently_resolved_have_their_own_sections() {
    let h = Harness::new();
    let starts = START + 2 * 3600;
    let maintenance = h
        .create(json!({
            "severity": "maintenance",
            "title": {"en": "Database upgrade"},
            "body": {"en": "Logging in is unavailable for an hour."},
            "show_from": notice_types::Timestamp::from_unix(START + 3600).to_string(),
            "starts_at": notice_types::Timestamp::from_unix(starts).to_string(),
            "ends_at": notice_types::Timestamp::from_unix(starts + 3600).to_string(),
        }))
        .await;
    let outage = h.create(trilingual_outage()).await;
    let reply = h
        .admin(
            Method::POST,
            &format!("/v1/admin/notices/{outage}/resolve"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);

    let html = text(&h.get("/index.en.html").await);
    let section = |html: &str, heading: &str| -> String {
        let start = html
            .find(&format!(">{heading}</h2>"))
            .unwrap_or_else(|| panic!("no section {heading:?} in\n{html}"));
        let rest = &html[start..];
        rest[..rest.find("</section>").unwrap()].to_owned()
    };
    let upcoming = section(&html, "Upcoming maintenance");
    assert!(
        upcoming.contains("Database upgrade"),
        "before show_from too"
    );
    assert!(upcoming.contains(&format!("id=\"notice-{maintenance}\"")));
    let resolved = section(&html, "Recently resolved");
    assert!(resolved.contains("PIN check is down"));
    assert!(
        resolved.contains("Resolved."),
        "the resolution update is shown"
    );
    assert!(!html.contains("Current incidents"));
    assert!(html.contains("All systems operational"));

    // The page follows the clock: once the window opens, the maintenance is in progress.
    h.clock.set(notice_types::Timestamp::from_unix(starts + 60));
    let html = text(&h.get("/index.en.html").await);
    let now = section(&html, "Maintenance in progress");
    assert!(now.contains("Database upgrade"));
    assert!(now.contains("<strong>In progress</strong>"));
    assert!(!html.contains("Upcoming maintenance"));
    let nl = text(&h.get("/index.nl.html").await);
    assert!(nl.contains("Er wordt onderhoud uitgevoerd"), "{nl}");
}

#[tokio::test]
async fn hostile_notice_text_is_shown_as_text_not_markup() {
    let h = Harness::new();
    h.create(json!({
        "severity": "outage",
        "title": {"en": "<script>alert('x')</script> down"},
        "body": {"en": "<img src=x onerror=alert(1)> & \"quotes\""},
    }))
    .await;
    for path in ["/", "/index.nl.html", "/feed.atom"] {
        let body = text(&h.get(path).await);
        assert!(!body.contains("<script>alert"), "{path}: {body}");
        assert!(!body.contains("<img"), "{path}: {body}");
    }
    let html = text(&h.get("/").await);
    assert!(
        html.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62; down"),
        "{html}"
    );
    let reply = h.get("/").await;
    let csp = reply.header("content-security-policy").to_owned();
    assert!(
        csp.starts_with("default-src 'none'; script-src 'sha256-"),
        "no script but the page's own may run even if escaping failed: {csp}"
    );
    assert_eq!(csp, notice_publish::status_page::page_csp());
    // The Atom parser gets the text back exactly.
    let atom: atom_syndication::Feed = text(&h.get("/feed.atom").await).parse().unwrap();
    assert_eq!(
        atom.entries[0].title.value,
        "[Outage] <script>alert('x')</script> down"
    );
}

#[tokio::test]
async fn an_expired_feed_shows_the_stale_banner() {
    let h = Harness::new();
    h.create(trilingual_outage()).await;
    // While fresh the banner waits, hidden, for the page's script to judge by the reader's clock.
    let fresh = text(&h.get("/").await);
    assert!(
        fresh.contains("data-expires=\"") && fresh.contains("\" hidden>"),
        "{fresh}"
    );
    // No heartbeat runs in these tests: the feed expires after 72 h.
    h.clock.advance(Duration::from_secs(73 * 3600));
    for (path, words) in [
        ("/index.en.html", "This information may be stale"),
        ("/index.nl.html", "Deze informatie is mogelijk verouderd"),
        (
            "/index.de.html",
            "Diese Informationen sind möglicherweise veraltet",
        ),
    ] {
        let html = text(&h.get(path).await);
        assert!(html.contains(words), "{path}: {html}");
        assert!(
            !html.contains("\" hidden>"),
            "{path}: rendered after expiry, shown without script"
        );
        assert!(
            html.contains("PIN check is down") || html.contains("PIN-"),
            "still shows the notices"
        );
    }
}

#[tokio::test]
async fn the_atom_feed_parses_with_one_entry_per_notice_and_update() {
    let h = Harness::new();
    let outage = h.create(trilingual_outage()).await;
    for status in ["identified", "monitoring"] {
        let reply = h
            .admin_json(
                Method::POST,
                &format!("/v1/admin/notices/{outage}/updates"),
                json!({"status": status, "message": {"en": format!("Now {status}.")}}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    let info = h
        .create(json!({"severity": "info", "title": {"en": "New app version"}, "body": {"en": "Update soon."}}))
        .await;
    h.admin(
        Method::POST,
        &format!("/v1/admin/notices/{info}/resolve"),
        None,
    )
    .await;

    let reply = h.get("/feed.atom").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header("content-type"),
        "application/atom+xml; charset=utf-8"
    );
    let atom: atom_syndication::Feed = text(&reply).parse().expect("valid Atom");
    // 2 notices + 2 updates + 1 resolution update.
    assert_eq!(atom.entries.len(), 5);
    assert_eq!(atom.id, "urn:notice:yivi-app/test");
    let ids: std::collections::BTreeSet<&str> =
        atom.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 5, "ids are unique");
    assert!(ids.contains(format!("urn:notice:yivi-app/test:notice:{outage}:update:1").as_str()));
    for entry in &atom.entries {
        assert!(entry.content.is_some(), "every entry has content");
    }
    let dutch: atom_syndication::Feed = text(&h.get("/feed.atom?lang=nl").await).parse().unwrap();
    assert_eq!(dutch.lang.as_deref(), Some("nl"));
    assert!(
        dutch
            .entries
            .iter()
            .any(|e| e.title.value.contains("PIN-controle werkt niet"))
    );
}

#[tokio::test]
async fn pages_have_etags_caching_headers_cors_head_and_304() {
    let h = Harness::new();
    h.create(trilingual_outage()).await;
    for path in [
        "/",
        "/index.html",
        "/index.de.html",
        "/feed.atom",
        "/history.html",
        "/history.nl.html",
    ] {
        let reply = h.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        // A day of stale-if-error for pages (the feed keeps its week): see `CachePolicy::pages`.
        assert_eq!(
            reply.header("cache-control"),
            "public, max-age=30, stale-while-revalidate=60, stale-if-error=86400"
        );
        assert_eq!(reply.header("access-control-allow-origin"), "*");
        assert_eq!(reply.header("x-notice-feed-version"), "2");
        let etag = reply.header("etag").to_owned();
        let again = h.get_with(path, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        let br = h.get_with(path, &[("accept-encoding", "br")]).await;
        assert_eq!(br.header("content-encoding"), "br");
        let head = h
            .send(
                Harness::request(Method::HEAD, path)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(head.status, StatusCode::OK, "{path}");
        assert!(head.body.is_empty());
        assert_eq!(head.header("etag"), etag);
    }
    // A change makes a new page with a new tag.
    let before = h.get("/index.en.html").await.header("etag").to_owned();
    h.create(json!({"severity": "info", "title": {"en": "Hello"}, "body": {"en": "World"}}))
        .await;
    let after = h.get("/index.en.html").await;
    assert_ne!(after.header("etag"), before);
    assert!(text(&after).contains("Announcements"));
}

#[tokio::test]
async fn the_history_page_keeps_what_the_feed_has_dropped() {
    let h = Harness::new();
    let outage = h.create(trilingual_outage()).await;
    let reply = h
        .admin(
            Method::POST,
            &format!("/v1/admin/notices/{outage}/resolve"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = text(&h.get("/history.en.html").await);
    assert!(html.contains("PIN check is down"), "{html}");
    assert!(html.contains("<span class=\"badge resolved\">"), "{html}");
    let nl = h.get("/history.nl.html").await;
    assert_eq!(nl.header("content-language"), "nl");
    assert!(nl.header("content-security-policy").contains("script-src"));
    // A week later the feed no longer carries it (retention: 72 h), the history still does.
    h.clock.advance(Duration::from_secs(7 * 86_400));
    h.create(json!({"severity": "info", "title": {"en": "Later"}, "body": {"en": "Later."}}))
        .await;
    assert!(!text(&h.get("/index.en.html").await).contains("PIN check is down"));
    assert!(text(&h.get("/history.en.html").await).contains("PIN check is down"));
    assert!(text(&h.get("/index.en.html").await).contains("href=\"history.en.html\""));
    // After 90 days it is gone from the page too.
    h.clock.advance(Duration::from_secs(90 * 86_400));
    h.create(json!({"severity": "info", "title": {"en": "Much later"}, "body": {"en": "Later."}}))
        .await;
    assert!(!text(&h.get("/history.en.html").await).contains("PIN check is down"));
}
