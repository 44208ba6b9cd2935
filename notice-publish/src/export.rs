//! What a copy of the feed holds: the files any static host, bucket or CDN serves so that it is as good as the
//! origin, each with the `Content-Type` and `Cache-Control` the origin sends for it. The server pushes these
//! to its publish targets after every version; `notice export` writes the same files. Pure: the caller reads
//! and writes them.
//!
//! | path | what |
//! |---|---|
//! | `index.html`, `index.{nl,en,de}.html`, `feed.atom` | the status page and its Atom feed ([`crate::status_page`]) |
//! | `history.html`, `history.{nl,en,de}.html` | the history page ([`crate::status_page::history`]) |
//! | `v1/root.json` | root v1, what apps ship (when known) |
//! | `v1/feed.json` | the published document, at the origin's own path, so a host can take over its name |
//! | `feed.json` | the same bytes at the top, the file a copy's version is read from |
//!
//! [`files`] lists them in the order they must be written: pages first and `feed.json` last, so a copy
//! whose `feed.json` says version N also holds N's pages and document, and an interrupted write leaves the
//! previous `feed.json` (and so the previous version check) in place.

use notice_types::{FeedPayload, Timestamp};

use crate::record::NoticeRecord;
use crate::status_page::{self, Site, history};

/// The document at the top of a copy; its version is the copy's version.
pub const FEED_FILE: &str = "feed.json";
/// The document again, at the origin's path.
pub const SERVER_PATH_FEED_FILE: &str = "v1/feed.json";
/// Root v1, at the origin's path.
pub const ROOT_FILE: &str = "v1/root.json";
/// Content type of the documents.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// How long caches may keep what the origin serves. One policy for the origin's own answers and for every
/// copy, so a CDN in front of a bucket behaves as one in front of the origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// `max-age` of the feed and the pages, in seconds: short, so news reaches caches within a minute.
    pub max_age_secs: u32,
}

impl CachePolicy {
    /// `Cache-Control` of the feed: short `max-age`, `stale-while-revalidate`, and a week of `stale-if-error`
    /// so a CDN keeps serving the signed document when every origin is down (apps judge its freshness
    /// themselves by its signed expiry).
    pub fn feed(&self) -> String {
        format!(
            "public, max-age={}, stale-while-revalidate=60, stale-if-error=604800",
            self.max_age_secs
        )
    }

    /// `Cache-Control` of the status pages and the Atom feed: as the feed, but a day of `stale-if-error`
    /// rather than a week. A page is judged by people, not by a verifier: a cached page says by itself when
    /// its feed has expired (its script shows the stale banner, and "valid until" is at its top), but a day
    /// is as long as a cache should go on showing a page nobody can refresh rather than its own error, which
    /// sends people to the other copies. The feed keeps its week: apps check its signed expiry.
    pub fn pages(&self) -> String {
        format!(
            "public, max-age={}, stale-while-revalidate=60, stale-if-error=86400",
            self.max_age_secs
        )
    }

    /// `Cache-Control` of root v1, which never changes.
    pub fn root(&self) -> &'static str {
        "public, max-age=3600"
    }
}

/// One file of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// Path relative to the copy's root, `/`-separated.
    pub path: &'static str,
    /// `Content-Type` to serve it with.
    pub content_type: &'static str,
    /// `Cache-Control` to serve it with.
    pub cache_control: String,
    /// The bytes.
    pub body: Vec<u8>,
}

/// The files of a copy of `document` (the published bytes, carrying `feed`), with the status pages rendered
/// at `now` for `site` (or the site the feed describes), the history pages from `history` (the server's
/// records; [`history::from_feed`] without a database), root v1 when known, in write order (see the module
/// documentation).
pub fn files(
    document: &[u8],
    feed: &FeedPayload,
    root_v1: Option<&[u8]>,
    now: Timestamp,
    site: &Site,
    policy: CachePolicy,
    history: &[NoticeRecord],
) -> Vec<ExportFile> {
    let history_site = site.for_feed_payload(feed);
    let mut files: Vec<ExportFile> = status_page::render_all(feed, now, site)
        .into_iter()
        .chain(history::render_all_history(history, now, &history_site))
        .map(|page| ExportFile {
            path: page.name,
            content_type: page.content_type,
            cache_control: policy.pages(),
            body: page.body.into_bytes(),
        })
        .collect();
    if let Some(root) = root_v1 {
        files.push(ExportFile {
            path: ROOT_FILE,
            content_type: JSON_CONTENT_TYPE,
            cache_control: policy.root().to_owned(),
            body: root.to_vec(),
        });
    }
    for path in [SERVER_PATH_FEED_FILE, FEED_FILE] {
        files.push(ExportFile {
            path,
            content_type: JSON_CONTENT_TYPE,
            cache_control: policy.feed(),
            body: document.to_vec(),
        });
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use notice_types::FeedId;

    #[test]
    fn a_copy_holds_pages_root_and_the_document_twice_with_feed_json_last() {
        let feed = FeedPayload {
            feed_id: FeedId::parse("t/export").unwrap(),
            version: 7,
            issued_at: Timestamp::from_unix(1_000),
            expires_at: Timestamp::from_unix(2_000),
            notices: vec![],
            service: None,
        };
        let site = Site::for_feed(&feed.feed_id);
        let policy = CachePolicy { max_age_secs: 30 };
        let files = files(
            b"{doc}",
            &feed,
            Some(b"{root}"),
            feed.issued_at,
            &site,
            policy,
            &[],
        );
        let paths: Vec<&str> = files.iter().map(|f| f.path).collect();
        assert_eq!(
            paths,
            [
                "index.html",
                "index.nl.html",
                "index.en.html",
                "index.de.html",
                "feed.atom",
                "history.html",
                "history.nl.html",
                "history.en.html",
                "history.de.html",
                "v1/root.json",
                "v1/feed.json",
                "feed.json"
            ]
        );
        let last = files.last().unwrap();
        assert_eq!(last.body, b"{doc}");
        assert_eq!(last.content_type, "application/json");
        assert_eq!(
            last.cache_control,
            "public, max-age=30, stale-while-revalidate=60, stale-if-error=604800"
        );
        assert_eq!(files[9].cache_control, "public, max-age=3600");
        assert_eq!(
            files[0].cache_control,
            "public, max-age=30, stale-while-revalidate=60, stale-if-error=86400"
        );
        assert!(files[0].content_type.starts_with("text/html"));
        assert!(files[4].content_type.starts_with("application/atom+xml"));

        let without_root = super::files(b"{doc}", &feed, None, feed.issued_at, &site, policy, &[]);
        assert!(!without_root.iter().any(|f| f.path == ROOT_FILE));
    }
}
