//! `notice verify`: check a published document (from the server, a mirror, a CDN or a file) exactly as a fresh
//! app install would: same size cap, same verifier, the current time. This is how an operator checks a
//! mirror.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use clap::Args;
use notice_types::{PublishedDocument, Timestamp, TrustedRoot, Verified, VerifyError, verify};
use serde::Serialize;

use super::{Ctx, print_json};
use crate::document::{self, Location};
use crate::error::CliError;
use crate::render::{self, BOLD, OK, WARN, relative, styled, when};

const EXAMPLES: &str = "\
Exits with 6 and the reason (tampered, another feed, expired, …) when it does not verify.

Examples:
  notice verify --root root.json https://notice.example.org/v1/feed.json
  notice verify --root root.json https://mirror.example.net/v1/feed.json
  notice verify --root root.json ./export/feed.json --json";

/// A document older than this gets a note: a live server re-signs on every heartbeat (hourly by default).
const STALE_AFTER_SECS: i64 = 3 * 3600;

/// Verify a published document exactly as the app does.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct VerifyArgs {
    /// The root the app ships (root.json from `notice-server init`)
    #[arg(long, value_name = "PATH")]
    root: PathBuf,
    /// The document: an http(s) URL or a file
    #[arg(value_name = "URL|FILE")]
    source: String,
    /// Print the result as JSON (also on failure)
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    ok: bool,
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    feed_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    root_version: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notices: Option<&'a [notice_types::Notice]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

impl VerifyArgs {
    /// Runs `notice verify`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let now = ctx.now();
        let result = self.check(ctx, now);
        if self.json {
            let report = match &result {
                Ok(verified) => Report {
                    ok: true,
                    source: &self.source,
                    feed_id: Some(verified.feed.feed_id.to_string()),
                    version: Some(verified.feed.version),
                    issued_at: Some(verified.feed.issued_at),
                    expires_at: Some(verified.feed.expires_at),
                    root_version: Some(verified.root.version),
                    notices: Some(&verified.feed.notices),
                    code: None,
                    message: None,
                },
                Err(CliError::Verification { code, message, .. }) => Report {
                    ok: false,
                    source: &self.source,
                    feed_id: None,
                    version: None,
                    issued_at: None,
                    expires_at: None,
                    root_version: None,
                    notices: None,
                    code: Some(code),
                    message: Some(message.clone()),
                },
                Err(_) => return result.map(drop),
            };
            print_json(&report)?;
            return result.map(drop);
        }
        let verified = result?;
        render::print(&summary(&self.source, &verified, now));
        Ok(())
    }

    fn check(&self, ctx: &Ctx<'_>, now: Timestamp) -> Result<Verified, CliError> {
        let trusted = load_root(&self.root)?;
        let location = Location::parse(&self.source)?;
        let bytes = document::read(&location, &ctx.http(5)?)?;
        verify(&bytes, &trusted, None, now)
            .map_err(|e| verification_error(location.to_string(), &e, &bytes, &trusted, now))
    }
}

/// Reads a root file (`--root`), as the app reads the one it ships.
pub fn load_root(path: &Path) -> Result<TrustedRoot, CliError> {
    let bytes = document::read_file(path)?;
    TrustedRoot::from_envelope_bytes(&bytes).map_err(|e| {
        CliError::usage_hint(
            format!("{} is not a valid root file: {e}", path.display()),
            "pass the root.json that `notice-server init` wrote (the file the app ships)",
        )
    })
}

/// What a verified document says, for people.
fn summary(source: &str, verified: &Verified, now: Timestamp) -> String {
    let feed = &verified.feed;
    let open = feed
        .notices
        .iter()
        .filter(|n| !n.status.is_closed())
        .count();
    let mut out = format!(
        "{} {source} verifies as the app verifies it\n  {:<9}{}\n  {:<9}{}\n  {:<9}{}\n  {:<9}{}\n  {:<9}v{}\n  {:<9}{} ({open} open)\n",
        styled(OK, "OK"),
        "feed",
        feed.feed_id,
        "version",
        styled(BOLD, feed.version),
        "issued",
        when(feed.issued_at, now),
        "expires",
        when(feed.expires_at, now),
        "root",
        verified.root.version,
        "notices",
        feed.notices.len(),
    );
    let mut notices: Vec<_> = feed.notices.iter().collect();
    notices.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(b.updated_at.cmp(&a.updated_at))
    });
    for notice in notices {
        out.push_str(&format!(
            "    {} {:<14} {}  {}\n",
            styled(
                render::severity_style(notice.severity),
                format!("{:<12}", notice.severity.as_str())
            ),
            notice.status.as_str(),
            notice.id,
            notice.title.en()
        ));
    }
    if now.unix() - feed.issued_at.unix() > STALE_AFTER_SECS {
        out.push_str(&format!(
            "{} signed {}; a live server re-signs on every heartbeat (hourly by default), so this copy may have stopped updating\n",
            styled(WARN, "note:"),
            relative(feed.issued_at, now)
        ));
    }
    out
}

/// A verification failure with the verifier's reason and code, and what it most likely means.
pub fn verification_error(
    what: String,
    error: &VerifyError,
    bytes: &[u8],
    trusted: &TrustedRoot,
    now: Timestamp,
) -> CliError {
    let expected = trusted.payload().feed_id.to_string();
    let hint = match error {
        VerifyError::BadSignature { .. }
        | VerifyError::ThresholdNotMet { .. }
        | VerifyError::MalformedBase64 { .. } => Some(
            "the bytes were changed after signing (a broken or tampered copy): fetch it again from the origin; if the origin serves these bytes too, treat it as a security incident".to_owned(),
        ),
        VerifyError::UnknownKey { .. } => Some(
            "no signature is by a key this root trusts: a wrong --root file, a document from another server, or a forgery".to_owned(),
        ),
        VerifyError::WrongFeedId { found, .. } => Some(format!(
            "this document is for feed `{found}`, the root is for `{expected}` (staging vs production?): check the URL and the --root file"
        )),
        VerifyError::RootChain { .. } => Some(match claimed_feed_id(bytes) {
            Some(claimed) if claimed != expected => format!(
                "this document claims to be for feed `{claimed}`, the root is for `{expected}`: it belongs to another feed (staging vs production?); check the URL and the --root file"
            ),
            _ => "the document's root chain does not start from this root: a wrong --root file, or a document from another server".to_owned(),
        }),
        VerifyError::RootRotation { .. } => Some(
            "a newer root version in the document is not properly signed by the one before it: do not trust this copy".to_owned(),
        ),
        VerifyError::Expired { expires_at, .. } => Some(format!(
            "this copy is frozen: it expired {}. A mirror or cache that stopped updating serves it; a live server re-signs on every heartbeat",
            relative(*expires_at, now)
        )),
        VerifyError::MalformedJson { .. } | VerifyError::WrongPayloadType { .. } => Some(
            "this is not a published Notice document (an error page? a root file? the right URL is …/v1/feed.json)".to_owned(),
        ),
        VerifyError::TooLarge { .. } => {
            Some("this is not a Notice document, or a broken or hostile copy".to_owned())
        }
        _ => None,
    };
    CliError::Verification {
        what,
        code: error.code(),
        message: error.to_string(),
        hint,
    }
}

/// The feed id the document's first root claims, without trusting it: only to explain a failure.
fn claimed_feed_id(bytes: &[u8]) -> Option<String> {
    let document = PublishedDocument::parse(bytes).ok()?;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&document.roots.first()?.payload)
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&payload).ok()?;
    value.get("feed_id")?.as_str().map(str::to_owned)
}
