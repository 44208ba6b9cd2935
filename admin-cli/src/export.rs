//! The static export directory: the signed document and the status page as plain files, for any static
//! host or bucket on another provider (`notice export`, and every break-glass write).
//!
//! # Files
//! | file | what |
//! |---|---|
//! | `feed.json` | the published document, byte for byte as the server serves it (apps verify it) |
//! | `v1/feed.json` | the same bytes at the server's path, so a host that takes over the origin's name needs no app change |
//! | `index.html`, `index.{nl,en,de}.html` | the status page, in the site's language and in each language |
//! | `feed.atom` | the Atom feed of the status page |
//!
//! # Writing
//! Every file goes to a temporary file in its own directory, is flushed to disk and renamed over the old
//! one, so a host serving the directory never sees half a file, and an interrupted export leaves the old
//! file (and no temporary one: it is deleted when the write fails). The pages are written before the
//! documents: the version check below reads `feed.json`, so running an interrupted export again finishes
//! it.
//!
//! # Never backwards
//! A directory that already holds a document of the same feed is only replaced by a higher version (or the
//! same bytes again, to refresh the pages): apps that read the copy have its version as their floor, and a
//! lower one would be refused as a rollback. A directory holding something else (another feed, garbage) is
//! refused: it is probably the wrong directory.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use notice_publish::status_page::{Lang, Site, render_all};
use notice_types::{
    FeedId, FeedPayload, Timestamp, TrustedRoot, dangerous_verify_ignoring_freshness,
};

use crate::document;
use crate::error::CliError;

/// The document, at the top of the directory.
pub const FEED_FILE: &str = "feed.json";
/// The document again, at the server's path.
pub const SERVER_PATH_FEED_FILE: &str = "v1/feed.json";

/// How the status page presents itself: the same flags and environment variables as `notice-server serve`.
#[derive(Debug, Clone, Args)]
pub struct SiteArgs {
    /// The service's name on the status page [default: the first part of the feed id]
    #[arg(long, env = "NOTICE_SITE_NAME", value_name = "NAME")]
    site_name: Option<String>,
    /// Language of index.html and feed.atom
    #[arg(long, env = "NOTICE_SITE_LANG", default_value = "en", value_parser = ["nl", "en", "de"])]
    site_lang: String,
    /// Public URL of the status page, for absolute links in the Atom feed
    #[arg(long, env = "NOTICE_SITE_URL", value_name = "URL")]
    site_url: Option<String>,
}

impl SiteArgs {
    /// The site for feed `feed_id`.
    pub fn site(&self, feed_id: &FeedId) -> Result<Site, CliError> {
        let lang: Lang = self.site_lang.parse().map_err(CliError::usage)?;
        let name = match &self.site_name {
            Some(name) => name.clone(),
            None => Site::for_feed(feed_id).name,
        };
        Site::new(&name, lang, self.site_url.as_deref())
            .map_err(|e| CliError::usage(format!("--{}: {}", e.field.replace('_', "-"), e.reason)))
    }
}

/// What [`write`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Exported {
    /// The directory.
    pub dir: PathBuf,
    /// The version now in it.
    pub version: u64,
    /// The version it held before, if any.
    pub previous_version: Option<u64>,
    /// The files written, relative to the directory.
    pub files: Vec<String>,
}

/// Writes `document` (verified, carrying `feed`) and the status page rendered at `now` into `dir`, creating
/// it if needed. Refuses to replace a higher version, or the same version with other bytes, or anything that
/// is not a document of `trusted`'s feed.
pub fn write(
    dir: &Path,
    trusted: &TrustedRoot,
    document: &[u8],
    feed: &FeedPayload,
    now: Timestamp,
    site: &Site,
) -> Result<Exported, CliError> {
    let previous_version = check_not_backwards(dir, trusted, document, feed.version)?;
    let server_path = dir.join(SERVER_PATH_FEED_FILE);
    let server_dir = server_path.parent().unwrap_or(dir);
    std::fs::create_dir_all(server_dir).map_err(|e| CliError::io("create", server_dir, e))?;

    let mut files = Vec::new();
    for page in render_all(feed, now, site) {
        write_atomically(dir, page.name, page.body.as_bytes())?;
        files.push(page.name.to_owned());
    }
    write_atomically(dir, SERVER_PATH_FEED_FILE, document)?;
    write_atomically(dir, FEED_FILE, document)?;
    files.push(SERVER_PATH_FEED_FILE.to_owned());
    files.push(FEED_FILE.to_owned());
    sync_dir(server_dir)?;
    sync_dir(dir)?;
    Ok(Exported {
        dir: dir.to_owned(),
        version: feed.version,
        previous_version,
        files,
    })
}

/// The version `dir` holds now, after checking that `document` (version `version`) may replace it.
fn check_not_backwards(
    dir: &Path,
    trusted: &TrustedRoot,
    document: &[u8],
    version: u64,
) -> Result<Option<u64>, CliError> {
    let path = dir.join(FEED_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let existing = document::read_file(&path)?;
    let (_, held) = dangerous_verify_ignoring_freshness(&existing, trusted).map_err(|e| {
        CliError::usage_hint(
            format!(
                "{} is not a document of feed `{}` ({e}); refusing to overwrite it",
                path.display(),
                trusted.payload().feed_id
            ),
            "is --out the right directory? Pick an empty one or move that file away",
        )
    })?;
    if held.version > version || (held.version == version && existing != document) {
        return Err(CliError::usage_hint(
            format!(
                "{} holds feed version {}, and this document is version {version}: apps that read the copy would refuse it as a rollback; nothing was written",
                path.display(),
                held.version
            ),
            "the directory is ahead (a break-glass document?): take it into the server with `notice ingest DIR/feed.json`, then export again",
        ));
    }
    Ok(Some(held.version))
}

/// Writes `bytes` to `dir/name` through a flushed temporary file in the same directory and a rename.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), CliError> {
    let path = dir.join(name);
    let parent = path.parent().unwrap_or(dir);
    let mut file = tempfile::Builder::new()
        .prefix(".notice-export-")
        .tempfile_in(parent)
        .map_err(|e| CliError::io("create a temporary file in", parent, e))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| CliError::io("write", &path, e))?;
    // World-readable like any published file (tempfile creates owner-only files).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| CliError::io("set permissions of", &path, e))?;
    }
    file.persist(&path)
        .map_err(|e| CliError::io("replace", &path, e.error))?;
    Ok(())
}

/// Makes the renames in `dir` durable (a no-op where directories cannot be opened, e.g. Windows).
fn sync_dir(dir: &Path) -> Result<(), CliError> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| CliError::io("flush", dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use notice_tests::{FeedOwner, NoticeBuilder};
    use notice_types::{FeedPayload, Severity};

    /// `yivi-app/test`, signed with key 7 as both root and feed key.
    fn kit() -> FeedOwner {
        FeedOwner::builder()
            .feed_id("yivi-app/test")
            .root_keys(&[7], 1)
            .feed_keys(&[7], 1)
            .link_hosts(&[])
            .build()
    }

    /// Feed `version` with one outage titled `title`, signed at 2026-09-21T14:13:20Z, valid for an hour.
    fn document(kit: &FeedOwner, version: u64, title: &str) -> (Vec<u8>, FeedPayload) {
        let at = Timestamp::from_unix(1_790_000_000);
        let notice = NoticeBuilder::new("n", Severity::Outage)
            .english(title, "body")
            .posted_at(at)
            .build();
        let feed = kit.feed_at(version, at, at.plus_seconds(3600), vec![notice]);
        (kit.publish(&feed), feed)
    }

    fn site() -> Site {
        Site::new("Yivi", Lang::En, None).unwrap()
    }

    /// [`write`] of a document from [`document`] into `dir`, rendered as of its signing.
    fn export(
        kit: &FeedOwner,
        dir: &Path,
        bytes: &[u8],
        feed: &FeedPayload,
    ) -> Result<Exported, CliError> {
        write(dir, &kit.trusted(), bytes, feed, feed.issued_at, &site())
    }

    #[test]
    fn an_export_holds_the_exact_bytes_twice_and_every_page() {
        let kit = kit();
        let dir = tempfile::tempdir().unwrap();
        let (bytes, feed) = document(&kit, 3, "PIN check is down");
        let exported = export(&kit, dir.path(), &bytes, &feed).unwrap();
        assert_eq!(exported.version, 3);
        assert_eq!(exported.previous_version, None);
        assert_eq!(std::fs::read(dir.path().join("feed.json")).unwrap(), bytes);
        assert_eq!(
            std::fs::read(dir.path().join("v1/feed.json")).unwrap(),
            bytes
        );
        for page in [
            "index.html",
            "index.nl.html",
            "index.en.html",
            "index.de.html",
        ] {
            let html = std::fs::read_to_string(dir.path().join(page)).unwrap();
            assert!(html.contains("PIN check is down"), "{page}");
        }
        assert!(
            std::fs::read_to_string(dir.path().join("feed.atom"))
                .unwrap()
                .contains("<feed")
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn an_export_never_goes_back_to_a_lower_version_or_other_bytes() {
        let kit = kit();
        let dir = tempfile::tempdir().unwrap();
        let (v5, feed5) = document(&kit, 5, "five");
        export(&kit, dir.path(), &v5, &feed5).unwrap();

        let (v4, feed4) = document(&kit, 4, "four");
        let err = export(&kit, dir.path(), &v4, &feed4).unwrap_err();
        assert!(err.to_string().contains("holds feed version 5"), "{err}");
        let (other5, other_feed5) = document(&kit, 5, "another five");
        export(&kit, dir.path(), &other5, &other_feed5).unwrap_err();
        assert_eq!(std::fs::read(dir.path().join("feed.json")).unwrap(), v5);

        // The same bytes again refresh the pages; a higher version replaces.
        export(&kit, dir.path(), &v5, &feed5).unwrap();
        let (v6, feed6) = document(&kit, 6, "six");
        let exported = export(&kit, dir.path(), &v6, &feed6).unwrap();
        assert_eq!(exported.previous_version, Some(5));
        assert_eq!(std::fs::read(dir.path().join("feed.json")).unwrap(), v6);
    }

    #[test]
    fn a_directory_holding_something_else_is_not_overwritten() {
        let kit = kit();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("feed.json"), b"{\"not\": \"ours\"}").unwrap();
        let (bytes, feed) = document(&kit, 1, "x");
        let err = export(&kit, dir.path(), &bytes, &feed).unwrap_err();
        assert!(err.to_string().contains("refusing to overwrite"), "{err}");
        assert_eq!(
            std::fs::read(dir.path().join("feed.json")).unwrap(),
            b"{\"not\": \"ours\"}"
        );
    }
}
