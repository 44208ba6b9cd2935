//! The link rule: strict, ASCII-only, and never wider than the WHATWG-parser rule it replaced.
//!
//! `whatwg_rule` below is that earlier rule, written with the `url` crate exactly as notice-types had it: an
//! absolute https URL with a domain host, no user name, password or port, whose serialization equals the
//! text. Every link the new check accepts must pass it, with the same host; links it refuses may or may not.

use notice_types::{check_link, check_link_syntax};
use proptest::prelude::*;

/// The rule before: `Some(host)` when the WHATWG parser accepted the link.
fn whatwg_rule(link: &str) -> Option<String> {
    if link.len() > notice_types::limits::MAX_LINK_BYTES {
        return None;
    }
    let url = url::Url::parse(link).ok()?;
    let plain = url.scheme() == "https"
        && url.username().is_empty()
        && url.password().is_none()
        && url.port().is_none()
        && matches!(url.host(), Some(url::Host::Domain(_)))
        && url.as_str() == link;
    plain.then(|| url.host_str().unwrap_or_default().to_owned())
}

/// Asserts the new rule accepts `link` only if the old one did, with the same host.
fn never_wider(link: &str) {
    if let Ok(host) = check_link_syntax(link) {
        assert_eq!(
            whatwg_rule(link).as_deref(),
            Some(host),
            "{link:?} is accepted now but was not before (or its host differs)"
        );
    }
}

fn hosts() -> Vec<String> {
    vec!["yivi.app".to_owned(), "status.yivi.app".to_owned()]
}

#[test]
fn ordinary_links_are_accepted() {
    for (link, host) in [
        ("https://yivi.app/", "yivi.app"),
        ("https://yivi.app/status", "yivi.app"),
        (
            "https://status.yivi.app/incidents/2026-07-01",
            "status.yivi.app",
        ),
        ("https://yivi.app/status?lang=nl&from=app", "yivi.app"),
        ("https://yivi.app/status#keyshare", "yivi.app"),
        ("https://yivi.app/a/b/?q=1/2?3#frag/ment?x", "yivi.app"),
        ("https://yivi.app/caf%C3%A9", "yivi.app"),
        ("https://yivi.app/~user/(x)*+,;=:@!$&'", "yivi.app"),
        ("https://yivi.app/?", "yivi.app"),
        ("https://yivi.app/#", "yivi.app"),
        ("https://yivi.app//double", "yivi.app"),
        ("https://a-b.c-d.example/", "a-b.c-d.example"),
        ("https://1.example/", "1.example"),
    ] {
        assert_eq!(check_link_syntax(link).unwrap(), host, "{link}");
        never_wider(link);
    }
    assert!(check_link("https://status.yivi.app/x", &hosts()).is_ok());
}

#[test]
fn disguises_and_non_normal_forms_are_refused_with_a_reason() {
    for (bad, why) in [
        // Scheme.
        ("http://yivi.app/", "https"),
        ("HTTPS://yivi.app/", "normal form"),
        ("https:yivi.app/", "https"),
        ("https:/yivi.app/", "https"),
        ("javascript:alert(1)", "https"),
        ("//yivi.app/", "https"),
        (" https://yivi.app/", "https"),
        // User info: the classic `trusted@evil` disguise, in every spelling.
        ("https://yivi.app@evil.example/", "user name"),
        ("https://yivi.app:x@evil.example/", "user name"),
        ("https://@yivi.app/", "user name"),
        ("https://yivi.app%40evil.example/", "lowercase ASCII domain"),
        // Ports, even the default one.
        ("https://yivi.app:443/", "port"),
        ("https://yivi.app:/", "port"),
        ("https://yivi.app:8443/", "port"),
        // IP literals and what a URL parser reads as IPv4.
        ("https://192.0.2.1/", "IP address"),
        ("https://[::1]/", "IP address"),
        ("https://0x7f.1/", "IP address"),
        ("https://yivi.123/", "IP address"),
        ("https://3232235777/", "domain"),
        // Hosts that are not plain lowercase ASCII names.
        ("https://YIVI.app/", "normal form"),
        ("https://yivi.app./", "lowercase ASCII domain"),
        ("https://.yivi.app/", "lowercase ASCII domain"),
        ("https://yivi..app/", "lowercase ASCII domain"),
        ("https://-yivi.app/", "lowercase ASCII domain"),
        ("https://yivi_app.example/", "lowercase ASCII domain"),
        ("https://yívi.app/", "lowercase ASCII domain"),
        ("https://xn--yvi-cla.app/", "xn--"),
        ("https://yivi.xn--p1ai/", "xn--"),
        ("https://yivi%2eapp/", "lowercase ASCII domain"),
        ("https://yivi.app\\evil.example/", "lowercase ASCII domain"),
        ("https://localhost/", "dot"),
        ("https:///yivi.app/", "domain"),
        // What a URL parser would rewrite.
        ("https://yivi.app", "normal form"),
        ("https://yivi.app?x", "normal form"),
        ("https://yivi.app/a/../b", "normal form"),
        ("https://yivi.app/./b", "normal form"),
        ("https://yivi.app/a/..", "normal form"),
        ("https://yivi.app/%2e%2e/b", "%2e"),
        ("https://yivi.app/.%2E/b", "%2e"),
        ("https://yivi.app/a\\b", "percent-encode"),
        ("https://yivi.app/a b", "percent-encode"),
        ("https://yivi.app/a\tb", "percent-encode"),
        ("https://yivi.app/<script>", "percent-encode"),
        ("https://yivi.app/a\"b", "percent-encode"),
        ("https://yivi.app/`", "percent-encode"),
        ("https://yivi.app/{x}", "percent-encode"),
        ("https://yivi.app/café", "percent-encode"),
        ("https://yivi.app/?q='x'", "query"),
        ("https://yivi.app/#a#b", "fragment"),
        ("https://yivi.app/%zz", "percent-encoded byte"),
        ("https://yivi.app/%4", "percent-encoded byte"),
        ("https://yivi.app/\u{202E}ppa.live", "percent-encode"),
    ] {
        let err = check_link_syntax(bad).expect_err(bad);
        assert!(err.reason.contains(why), "{bad:?}: {}", err.reason);
        never_wider(bad);
    }
    let long = format!("https://yivi.app/{}", "a".repeat(500));
    assert!(
        check_link_syntax(&long)
            .unwrap_err()
            .reason
            .contains("longer than")
    );
}

#[test]
fn the_host_must_be_allowed_exactly() {
    for bad in [
        "https://evil.example/",
        "https://yivi.app.evil.example/",
        "https://evilyivi.app/",
        "https://evil.example/https://yivi.app/",
        "https://evil.example/?next=https://yivi.app/",
        "https://evil.example/#yivi.app",
        "https://www.yivi.app/",
    ] {
        let err = check_link(bad, &hosts()).unwrap_err();
        assert!(err.reason.contains("not allowed"), "{bad}: {err}");
    }
    assert!(
        check_link("https://yivi.app/", &[])
            .unwrap_err()
            .reason
            .contains("no links")
    );
}

/// Pieces a hostile or careless link is made of, so that random links hit the interesting cases often.
fn link_strategy() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec![
        "https://",
        "http://",
        "HTTPS://",
        "https:",
        "https:/",
        "https:///",
        "https:\\\\",
        "",
    ]);
    let userinfo = prop::sample::select(vec!["", "", "", "user@", "yivi.app@", "a:b@", "@", "%40"]);
    let label = prop::sample::select(vec![
        "yivi",
        "app",
        "a",
        "1",
        "0x7f",
        "xn--yvi-cla",
        "xn--",
        "YIVI",
        "-a",
        "a-",
        "a--b",
        "",
        "é",
        "%2e",
        "0",
        "255",
        "localhost",
        "_a",
        "a_b",
    ]);
    let host = prop::collection::vec(label, 1..4).prop_map(|labels| labels.join("."));
    let host = prop_oneof![
        host,
        prop::sample::select(vec![
            "yivi.app".to_owned(),
            "[::1]".to_owned(),
            "192.0.2.1".to_owned(),
            "yivi.app.".to_owned(),
            "yivi.123".to_owned(),
            "example.0x1".to_owned(),
        ]),
    ];
    let port = prop::sample::select(vec!["", "", "", ":443", ":", ":8443", ":0"]);
    let piece = prop::sample::select(vec![
        "/", "/", "a", "b/", ".", "..", "%2e", "%2E", "%", "%4", "%41", "?", "#", "'", "\\", " ",
        "\t", "é", "~", "@", ":", ";", "=", "&", "`", "{", "}", "<", ">", "\"", "|", "^", "[", "]",
        "!", "$", "(", ")", "*", "+", ",", "-", "_", "\u{0}", "\n", "\u{7f}",
    ]);
    let rest = prop::collection::vec(piece, 0..10).prop_map(|pieces| pieces.concat());
    (scheme, userinfo, host, port, rest).prop_map(|(s, u, h, p, r)| format!("{s}{u}{h}{p}{r}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    /// Never wider: whatever the strict check accepts, the WHATWG rule accepted, with the same host.
    #[test]
    fn accepts_nothing_the_whatwg_rule_refused(link in link_strategy()) {
        never_wider(&link);
        // And the allow-list decision agrees wherever the new check accepts.
        if check_link(&link, &hosts()).is_ok() {
            let host = whatwg_rule(&link);
            prop_assert!(host.is_some_and(|h| hosts().contains(&h)), "{link:?}");
        }
    }

    /// The same over arbitrary printable ASCII after `https://yivi.app`.
    #[test]
    fn arbitrary_paths_are_never_wider(rest in "[ -~]{0,40}") {
        never_wider(&format!("https://yivi.app{rest}"));
        never_wider(&format!("https://yivi.app/{rest}"));
    }
}
