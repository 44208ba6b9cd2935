//! notice-copies: reading and writing the copies of a feed that live on other providers: a directory (a
//! static host's root), an S3-compatible bucket, or, read-only, any http(s) URL that serves one.
//!
//! Phones trust signatures, not hosts, so a copy is as good as the origin as long as it is current and never
//! goes back. [`publish`] writes a copy (the files of `notice_publish::export`) and never replaces a higher
//! version, or the same version with other bytes, or anything that is not a document of the feed: it reads
//! what the copy holds first, and on S3 writes `feed.json` only if it is still what was read
//! (`If-Match`). A copy that is *ahead* (a break-glass document written there while the origin was down) is
//! reported, with its bytes, so the origin can take it in before it publishes anything.
//!
//! Blocking I/O with deadlines (ureq), so the `notice` CLI (no async runtime) and the server (on a blocking
//! thread) share this code.
//!
//! # Layout
//! - [`Target`]: where a copy lives, from `s3://…`, a path or an `https://` URL; shown without credentials.
//! - `s3`: bucket settings the way the AWS tools take them (environment, profiles), signed requests.
//! - `dir`: atomic writes into a directory.
//! - `http`: [`Client`], one HTTP exchange with a deadline and a size cap, no redirects.
//! - [`CopyError`]: why a copy could not be read or written.

mod dir;
mod error;
mod http;
mod s3;
mod target;

use notice_publish::export::{ExportFile, FEED_FILE, SERVER_PATH_FEED_FILE};
use notice_types::{TrustedRoot, dangerous_verify_ignoring_freshness, limits::MAX_DOCUMENT_BYTES};

pub use error::CopyError;
pub use http::{Client, Fetched};
pub use s3::S3Target;
pub use target::Target;

use s3::PutOutcome;

/// A copy's `feed.json` as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The bytes.
    pub document: Vec<u8>,
    /// The store's tag of the object, for a conditional write (S3).
    etag: Option<String>,
}

/// What [`publish`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// The copy now holds the new version; `previous` is the version it held before, if any.
    Written {
        /// The version held before.
        previous: Option<u64>,
    },
    /// The copy already held these exact bytes; the pages were written again (they show the time).
    Refreshed,
    /// The copy holds a higher version (a break-glass document?): nothing was written.
    Ahead {
        /// Its version.
        version: u64,
        /// Its bytes, verified under the trusted root except for freshness.
        document: Vec<u8>,
    },
}

/// Reads the copy's `feed.json` (at most the size any reader accepts); `None` when it has none.
pub fn read_document(target: &Target, client: &Client) -> Result<Option<Held>, CopyError> {
    let cap = MAX_DOCUMENT_BYTES as u64;
    match target {
        Target::Dir(path) => Ok(dir::read(path, FEED_FILE, cap)?.map(|document| Held {
            document,
            etag: None,
        })),
        Target::S3(s3) => Ok(s3.get(client, FEED_FILE, cap)?.map(|answer| Held {
            document: answer.body,
            etag: answer.etag,
        })),
        Target::Http(url) => {
            let url = document_url(url);
            let failed = |reason: String| CopyError::Failed {
                target: target.to_string(),
                action: "read",
                path: FEED_FILE.to_owned(),
                reason,
            };
            let answer = client.get(url.as_str(), cap).map_err(failed)?;
            match answer.status {
                200 => Ok(Some(Held {
                    document: answer.body,
                    etag: answer.etag,
                })),
                404 => Ok(None),
                status @ 300..=399 => Err(failed(format!(
                    "HTTP {status} redirect to {}; give that URL instead",
                    answer.location.as_deref().unwrap_or("(no Location)")
                ))),
                status => Err(failed(format!("HTTP {status}"))),
            }
        }
    }
}

/// The document URL of an http(s) copy: the URL itself when it names a `.json` file, else `feed.json` in
/// it (a copy's root, as `notice export` and the server's publish targets write it).
fn document_url(url: &url::Url) -> url::Url {
    if url.path().ends_with(".json") {
        return url.clone();
    }
    let mut base = url.clone();
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base.join(FEED_FILE).unwrap_or(base)
}

/// Writes `files` (from `notice_publish::export::files`, carrying `document` of `version`) to `target`,
/// unless the copy is ahead, holds the same version with other bytes, or holds something that is not a
/// document of `trusted`'s feed. See the crate documentation.
pub fn publish(
    target: &Target,
    client: &Client,
    trusted: &TrustedRoot,
    files: &[ExportFile],
    version: u64,
) -> Result<Published, CopyError> {
    if !target.is_writable() {
        return Err(CopyError::NotWritable {
            target: target.to_string(),
        });
    }
    let document = files
        .iter()
        .find(|f| f.path == FEED_FILE)
        .map(|f| f.body.as_slice())
        .unwrap_or_default();
    // A copy that changes between the read and the write (someone else writing) is read again.
    for attempt in 0..3 {
        let held = read_document(target, client)?;
        let previous = match &held {
            None => None,
            Some(held) => {
                let (_, feed) = dangerous_verify_ignoring_freshness(&held.document, trusted)
                    .map_err(|e| CopyError::Foreign {
                        target: target.to_string(),
                        feed_id: trusted.payload().feed_id.to_string(),
                        reason: e.to_string(),
                    })?;
                if feed.version > version {
                    if attempt > 0 {
                        // An earlier attempt may have written `v1/feed.json` before the other writer's
                        // `feed.json` won: put the winner's bytes at both paths again.
                        write_document_copy(target, client, files, &held.document)?;
                    }
                    return Ok(Published::Ahead {
                        version: feed.version,
                        document: held.document.clone(),
                    });
                }
                if feed.version == version {
                    if held.document != document {
                        return Err(CopyError::Conflict {
                            target: target.to_string(),
                            version,
                        });
                    }
                    write_files(target, client, files, false, None)?;
                    return Ok(Published::Refreshed);
                }
                Some(feed.version)
            }
        };
        let etag = held.as_ref().and_then(|h| h.etag.as_deref());
        if write_files(target, client, files, true, etag)? {
            return Ok(Published::Written { previous });
        }
    }
    Err(CopyError::Failed {
        target: target.to_string(),
        action: "write",
        path: FEED_FILE.to_owned(),
        reason:
            "it kept changing while this was written; is another server or operator writing it?"
                .to_owned(),
    })
}

/// Writes `document` to `v1/feed.json` with the content type and caching of `files`' copy of it.
fn write_document_copy(
    target: &Target,
    client: &Client,
    files: &[ExportFile],
    document: &[u8],
) -> Result<(), CopyError> {
    let Some(template) = files.iter().find(|f| f.path == SERVER_PATH_FEED_FILE) else {
        return Ok(());
    };
    let file = ExportFile {
        body: document.to_vec(),
        ..template.clone()
    };
    write_files(target, client, &[file], true, None).map(|_| ())
}

/// Writes the pages (and with `documents`, the documents, `feed.json` last and, on S3, only if it still
/// has `etag`). Returns false when `feed.json` changed since it was read (nothing of the documents written).
fn write_files(
    target: &Target,
    client: &Client,
    files: &[ExportFile],
    documents: bool,
    etag: Option<&str>,
) -> Result<bool, CopyError> {
    let is_document = |f: &ExportFile| f.path == FEED_FILE || f.path == SERVER_PATH_FEED_FILE;
    for file in files.iter().filter(|f| documents || !is_document(f)) {
        match target {
            Target::Dir(path) => dir::write(path, file.path, &file.body)?,
            Target::S3(s3) => {
                let condition = if file.path == FEED_FILE { etag } else { None };
                let put = |condition| {
                    s3.put(
                        client,
                        file.path,
                        &file.body,
                        file.content_type,
                        &file.cache_control,
                        condition,
                    )
                };
                match put(condition)? {
                    PutOutcome::Written => {}
                    PutOutcome::Changed => return Ok(false),
                    // The read before this write is the check then.
                    PutOutcome::Unsupported => {
                        put(None)?;
                    }
                }
            }
            Target::Http(_) => {
                return Err(CopyError::NotWritable {
                    target: target.to_string(),
                });
            }
        }
    }
    if let Target::Dir(path) = target {
        if let Some(parent) = path.join(SERVER_PATH_FEED_FILE).parent() {
            dir::sync(parent)?;
        }
        dir::sync(path)?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests;
