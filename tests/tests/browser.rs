//! The status page in a real browser (headless Chromium), as a visitor sees a static copy in an outage:
//! exported by `notice export` while the feed was fresh, served by a plain static host, and opened after
//! the feed expired. The page's own script must show the stale banner without any server; with a fresh
//! feed it must not. And the page must fit a phone 390 px wide.

use std::path::Path;

use notice_tests::{
    FeedOwner, NoticeBuilder, NoticeCommand, OutputExt as _, StaticSite, dump_dom, now,
};
use notice_types::{Component, ComponentInfo, LanguageTag, LocalizedText, ServiceInfo, Timestamp};

const DAY: i64 = 86_400;

/// The site the origin signs into its feed: Yivi, Dutch by default, Amsterdam time, one component.
fn service() -> ServiceInfo {
    let mut service = ServiceInfo::named("Yivi");
    service.time_zone = Some("Europe/Amsterdam".to_owned());
    service.lang = Some(LanguageTag::parse("nl").unwrap());
    service.components = vec![ComponentInfo {
        id: Component::parse("keyshare").unwrap(),
        name: LocalizedText::from_pairs([
            (LanguageTag::en(), "PIN validation"),
            (LanguageTag::parse("nl").unwrap(), "Pincode controleren"),
        ])
        .unwrap(),
    }];
    service
}

/// `notice export` of a feed issued at `issued` and valid until `expires`, run with its clock at
/// `issued + 1 min` (as it ran back then), into `out`.
fn export(kit: &FeedOwner, dir: &Path, out: &Path, issued: Timestamp, expires: Timestamp) {
    let outage = NoticeBuilder::outage("keyshare-down")
        .posted_at(issued)
        .components(&["keyshare"])
        .link(None)
        .build();
    let mut feed = kit.feed_at(7, issued, expires, vec![outage]);
    feed.service = Some(service());
    let document = dir.join("document.json");
    std::fs::write(&document, kit.publish(&feed)).unwrap();
    let root = dir.join("root.json");
    std::fs::write(&root, kit.root_json()).unwrap();
    NoticeCommand::new()
        .arg("--now")
        .arg(issued.plus_seconds(60).to_string())
        .arg("export")
        .arg("--from")
        .arg(&document)
        .arg("--root")
        .arg(&root)
        .arg("--out")
        .arg(out)
        .output()
        .assert_code(0);
}

/// The opening tag of the stale banner in `dom`.
fn stale_banner(dom: &str) -> &str {
    let start = dom
        .find("<section id=\"stale\"")
        .unwrap_or_else(|| panic!("no stale banner element in\n{dom}"));
    let end = start + dom[start..].find('>').unwrap();
    &dom[start..=end]
}

#[test]
fn an_exported_page_shows_the_stale_banner_once_its_feed_expired_without_any_server() {
    let kit = FeedOwner::for_feed("yivi-app/browser");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export");
    // Exported four days ago, while fresh; the feed expired a day ago.
    let issued = now().plus_seconds(-4 * DAY);
    export(&kit, dir.path(), &out, issued, issued.plus_seconds(3 * DAY));
    let page = std::fs::read_to_string(out.join("index.nl.html")).unwrap();
    assert!(
        stale_banner(&page).ends_with(" hidden>"),
        "rendered while fresh, the banner is hidden: {}",
        stale_banner(&page)
    );
    let site = StaticSite::serve(&out);

    let dom = dump_dom(&format!("{}/index.nl.html", site.url()), 390, 844);
    let banner = stale_banner(&dom);
    assert!(
        !banner.contains("hidden"),
        "the script did not unhide it: {banner}"
    );
    assert!(
        dom.contains("Deze informatie is mogelijk verouderd"),
        "{dom}"
    );
    assert!(dom.contains("class=\" is-stale\""), "{dom}");
    // What it still says: the outage, and when it was last confirmed, at the top.
    assert!(dom.contains("Ernstige storing"));
    assert!(
        dom.contains("<p class=\"confirmed\" id=\"confirmed\"><strong>Laatst bevestigd</strong>")
    );

    // The default page is Dutch too (the feed says so), and the English one shows the same banner.
    let dom = dump_dom(&format!("{}/index.en.html", site.url()), 1280, 900);
    assert!(!stale_banner(&dom).contains("hidden"), "{dom}");
    assert!(dom.contains("This information may be stale"));
}

#[test]
fn an_exported_page_with_a_fresh_feed_shows_no_stale_banner() {
    let kit = FeedOwner::for_feed("yivi-app/browser");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export");
    let issued = now().plus_seconds(-120);
    export(&kit, dir.path(), &out, issued, issued.plus_seconds(3 * DAY));
    let site = StaticSite::serve(&out);
    for page in ["index.html", "index.nl.html", "index.de.html"] {
        let dom = dump_dom(&format!("{}/{page}", site.url()), 390, 844);
        assert!(
            stale_banner(&dom).ends_with(" hidden=\"\">")
                || stale_banner(&dom).ends_with(" hidden>"),
            "{page}: {}",
            stale_banner(&dom)
        );
        assert!(!dom.contains("class=\" is-stale\""), "{page}");
        assert!(
            dom.contains("data-component=\"keyshare\""),
            "{page}: component list"
        );
    }
}

/// A test page next to the export that loads the status page in a 390 px frame and writes what the layout
/// measured into its own DOM (the status page's policy allows no script but its own; this page is ours).
const MEASURE: &str = r#"<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="PAGE" style="width:390px;height:844px;border:0"></iframe>
<pre id="out">not measured</pre>
<script>
document.getElementById('f').addEventListener('load', function () {
  var d = this.contentDocument, wide = [];
  d.querySelectorAll('body *').forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > 390.5) wide.push(e.tagName + (e.id ? '#' + e.id : '') + ':' + Math.round(r.right));
  });
  document.getElementById('out').textContent = 'scrollWidth=' + d.documentElement.scrollWidth +
    ' clientWidth=' + d.documentElement.clientWidth + ' wide=[' + wide.slice(0, 8).join(',') + ']';
});
</script></body></html>"#;

#[test]
fn the_page_fits_a_phone_390_px_wide() {
    let kit = FeedOwner::for_feed("yivi-app/browser");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export");
    let issued = now().plus_seconds(-4 * DAY);
    export(&kit, dir.path(), &out, issued, issued.plus_seconds(3 * DAY));
    for page in ["index.nl.html", "index.de.html", "history.nl.html"] {
        let harness = format!("measure-{page}");
        std::fs::write(out.join(&harness), MEASURE.replace("PAGE", page)).unwrap();
        let site = StaticSite::serve(&out);
        let dom = dump_dom(&format!("{}/{harness}", site.url()), 390, 844);
        let measured = dom
            .split("<pre id=\"out\">")
            .nth(1)
            .and_then(|rest| rest.split("</pre>").next())
            .unwrap_or_default();
        assert!(
            measured.starts_with("scrollWidth="),
            "{page}: not measured: {dom}"
        );
        assert!(
            measured.contains("scrollWidth=390 clientWidth=390 wide=[]"),
            "{page} is wider than 390 px: {measured}"
        );
    }
}
