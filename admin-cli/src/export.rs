//! Copies of the feed for other providers: the signed document, root v1 and the status page as plain files
//! (`notice export`, and every break-glass write), written to a directory or straight into a bucket.
//!
//! What a copy holds is `notice_publish::export` (the same files, content types and caching as the server's
//! publish targets); writing it is `notice_copies::publish`: every file replaced in one step, `feed.json`
//! last, and never a lower version, the same version with other bytes, or over something that is not a
//! document of this feed.

use std::path::PathBuf;

use clap::Args;
use notice_copies::{Client, CopyError, Published, Target};
use notice_publish::NoticeRecord;
use notice_publish::export::{CachePolicy, files};
use notice_publish::status_page::{Lang, Site};
use notice_types::{FeedId, FeedPayload, Timestamp, TrustedRoot};
use serde::Serialize;

use crate::error::CliError;

/// The document, at the top of a copy.
pub const FEED_FILE: &str = notice_publish::export::FEED_FILE;

/// `Cache-Control: max-age` of the copies, as the server's default.
const COPY_MAX_AGE_SECS: u32 = 30;

/// How the status page presents itself: the same flags and environment variables as `notice-server serve`.
/// They apply to a feed that carries no site of its own; a feed signed by a configured server carries its
/// name, URL, language, time zone and components (`service`), and the export shows those, as the origin does.
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
    /// Site settings given by other means than flags (the watchdog's configuration file); `lang` as
    /// `--site-lang` takes it.
    pub fn new(name: Option<String>, lang: String, url: Option<String>) -> Self {
        Self {
            site_name: name,
            site_lang: lang,
            site_url: url,
        }
    }

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

/// Where copies go: `--out DIR` and `--to URL` (repeatable), as one list.
#[derive(Debug, Clone, Args)]
pub struct CopyArgs {
    /// Export directory (created if missing) [env: NOTICE_EXPORT_DIR]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// A copy to write: s3://BUCKET/PREFIX (endpoint, region and credentials as the AWS tools take them:
    /// AWS_* variables, profiles; or ?endpoint=&region=&profile=), file:///DIR or a directory (repeatable)
    #[arg(long = "to", value_name = "URL")]
    to: Vec<String>,
}

impl CopyArgs {
    /// The targets given; `NOTICE_EXPORT_DIR` when none is. An empty list when neither.
    pub fn targets(&self) -> Result<Vec<Target>, CliError> {
        targets(self.out.as_ref(), &self.to)
    }
}

/// The copies of `--out DIR` and `--to URL…`; `NOTICE_EXPORT_DIR` when none is given. An empty list when
/// neither.
pub fn targets(out: Option<&PathBuf>, to: &[String]) -> Result<Vec<Target>, CliError> {
    {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut texts: Vec<String> = out
            .iter()
            .map(|p| p.display().to_string())
            .chain(to.iter().cloned())
            .collect();
        if texts.is_empty() {
            texts.extend(env("NOTICE_EXPORT_DIR"));
        }
        texts
            .iter()
            .map(|text| {
                let target = Target::parse(text, &env).map_err(|e| copy_error(&e))?;
                if !target.is_writable() {
                    return Err(copy_error(&CopyError::NotWritable {
                        target: target.to_string(),
                    }));
                }
                Ok(target)
            })
            .collect()
    }
}

/// What one copy got.
#[derive(Debug, Clone, Serialize)]
pub struct CopyResult {
    /// The copy (no credentials).
    pub target: String,
    /// `written` or `refreshed` (already held these bytes; pages written again).
    pub result: &'static str,
    /// The version it held before, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<u64>,
}

/// What [`write`] did.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    /// The version now in every copy.
    pub version: u64,
    /// The version the (first) copy held before, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<u64>,
    /// Each copy.
    pub copies: Vec<CopyResult>,
    /// The files written, relative to a copy's root.
    pub files: Vec<String>,
}

/// Writes `document` (verified, carrying `feed`), root v1 (`root_v1`, when known), the status page rendered
/// at `now` and the history page (from `history`: the server's records, or `None` for what the feed
/// carries) to every target. Every copy is tried; the first failure is reported after.
#[allow(clippy::too_many_arguments)] // one call per caller, each argument a different thing
pub fn write(
    targets: &[Target],
    trusted: &TrustedRoot,
    document: &[u8],
    feed: &FeedPayload,
    root_v1: Option<&[u8]>,
    now: Timestamp,
    site: &Site,
    history: Option<&[NoticeRecord]>,
) -> Result<Exported, CliError> {
    let policy = CachePolicy {
        max_age_secs: COPY_MAX_AGE_SECS,
    };
    let from_feed;
    let history = match history {
        Some(records) => records,
        None => {
            from_feed = notice_publish::status_page::history::from_feed(feed);
            &from_feed
        }
    };
    let files = files(document, feed, root_v1, now, site, policy, history);
    let client = Client::new(std::time::Duration::from_secs(30));
    let mut copies = Vec::new();
    let mut failures = Vec::new();
    for target in targets {
        match notice_copies::publish(target, &client, trusted, &files, feed.version) {
            Ok(Published::Written { previous }) => copies.push(CopyResult {
                target: target.to_string(),
                result: "written",
                previous_version: previous,
            }),
            Ok(Published::Refreshed) => copies.push(CopyResult {
                target: target.to_string(),
                result: "refreshed",
                previous_version: Some(feed.version),
            }),
            Ok(Published::Ahead { version, .. }) => failures.push(CliError::usage_hint(
                format!(
                    "{target} holds feed version {version}, and this document is version {}: apps that read the copy would refuse it as a rollback; nothing was written there",
                    feed.version
                ),
                format!(
                    "the copy is ahead (a break-glass document?): take it into the server with `notice ingest {}`, then export again",
                    copy_document_argument(target)
                ),
            )),
            Err(e) => failures.push(copy_error(&e)),
        }
    }
    if let Some(first) = failures.into_iter().next() {
        return Err(first);
    }
    Ok(Exported {
        version: feed.version,
        previous_version: copies.first().and_then(|c| c.previous_version),
        copies,
        files: files.iter().map(|f| f.path.to_owned()).collect(),
    })
}

/// Where the document of a copy is, for messages.
pub fn copy_document(target: &Target) -> String {
    match target {
        Target::Dir(dir) => dir.join(FEED_FILE).display().to_string(),
        other => format!("{}/{FEED_FILE}", other.to_string().trim_end_matches('/')),
    }
}

/// The document of a copy as an argument of a command to run next (`notice ingest …`, `notice verify …`):
/// a bucket with the endpoint and region it was reached at, quoted for a shell where needed.
pub fn copy_document_argument(target: &Target) -> String {
    let text = match target {
        Target::S3(s3) => s3.url_of(FEED_FILE),
        other => copy_document(other),
    };
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-:=@+,".contains(c))
    {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// A copy that could not be read or written, as the CLI reports it: a failure (exit 1) when reading or
/// writing it failed, a usage error (exit 2) when it is not a copy of this feed or not a copy at all.
pub fn copy_error(error: &CopyError) -> CliError {
    if let CopyError::Failed { .. } = error {
        return CliError::CopyFailed {
            message: error.to_string(),
            hint: "check the path or bucket, the credentials (AWS_* variables or profile) and the network; nothing else was changed".to_owned(),
        };
    }
    let hint = match error {
        CopyError::Foreign { .. } => {
            "is it the right copy? Pick an empty directory or prefix, or move that file away"
        }
        CopyError::Conflict { .. } => {
            "two documents claim one version: take the copy's into the server with `notice ingest`, then export again"
        }
        _ => "give s3://BUCKET/PREFIX or a directory",
    };
    CliError::usage_hint(error.to_string(), hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_to_give_another_command_keeps_its_endpoint_and_is_quoted() {
        let env = |_: &str| None;
        let target = Target::parse(
            "s3://status/yivi?endpoint=https://s3.nl-ams.scw.cloud&region=nl-ams",
            &env,
        )
        .unwrap();
        assert_eq!(
            copy_document_argument(&target),
            "'s3://status/yivi/feed.json?endpoint=https://s3.nl-ams.scw.cloud&region=nl-ams'"
        );
        let dir = Target::parse("/srv/status copy", &env).unwrap();
        assert_eq!(copy_document_argument(&dir), "'/srv/status copy/feed.json'");
        let plain = Target::parse("/srv/status", &env).unwrap();
        assert_eq!(copy_document_argument(&plain), "/srv/status/feed.json");
    }
}
