//! `notice export`: the published document, root v1 and the status page as plain files, for static hosts and
//! buckets on other providers. Reads the live feed from the server (no token needed) or any published copy,
//! verifies it as the app does, and updates each copy in place (see [`crate::export`]).

use std::path::PathBuf;

use clap::Args;
use notice_types::{TrustedRoot, verify};

use super::verify::{load_root, verification_error};
use super::{Ctx, print_json};
use crate::api::Api;
use crate::document::{self, Location};
use crate::error::CliError;
use crate::export::{self, CopyArgs, SiteArgs};
use crate::render::{self, BOLD, OK, WARN, styled};

const EXAMPLES: &str = "\
Writes feed.json (the exact bytes the server serves, also as v1/feed.json), v1/root.json,
index.html, index.nl.html, index.en.html, index.de.html, history.html, history.nl.html,
history.en.html, history.de.html and feed.atom, to a directory
(--out) or straight into buckets (--to s3://BUCKET/PREFIX, repeatable). Each file is
replaced in one step; a copy never goes back to a lower version. A server with
--publish-to does this itself after every version; this is for everything else.

Examples:
  notice export --out ./export --root root.json
  notice export --out ./export --root root.json --site-name Yivi --site-lang nl
  notice export --out ./export --root root.json --from https://mirror.example.net/v1/feed.json
  AWS_PROFILE=backup notice export --to s3://notice-status/yivi --root root.json
  notice export --to 's3://notice/yivi?endpoint=https://s3.nl-ams.scw.cloud&region=nl-ams' \\
      --root root.json";

/// Write the feed and the status page as static files.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ExportArgs {
    #[command(flatten)]
    copies: CopyArgs,
    /// Where the document comes from: a URL or a file [default: the server's /v1/feed.json]
    #[arg(long, value_name = "URL|FILE")]
    from: Option<String>,
    /// Verify against this root file (what the app ships) [env: NOTICE_ROOT] [default: the server's
    /// /v1/root.json; with --from, the root.json published beside the document (or v1/root.json below it)]
    #[arg(long, value_name = "PATH")]
    root: Option<PathBuf>,
    #[command(flatten)]
    site: SiteArgs,
    /// Print what was written as JSON
    #[arg(long)]
    json: bool,
}

impl ExportArgs {
    /// Runs `notice export`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let targets = self.copies.targets()?;
        if targets.is_empty() {
            return Err(CliError::usage_hint(
                "no copy to write given",
                "pass --out DIR (the directory your static hosts serve), --to s3://BUCKET/PREFIX, or set NOTICE_EXPORT_DIR",
            ));
        }
        let root = self
            .root
            .clone()
            .or_else(|| std::env::var_os("NOTICE_ROOT").map(PathBuf::from));
        // The history page: from the server's records when it is the source and the token allows, else from
        // what the feed still carries (a copy has no database).
        let mut history = None;
        let (what, bytes, trusted, root_v1) = match &self.from {
            Some(from) => {
                let location = Location::parse(from)?;
                let http = ctx.http(5)?;
                // The document first: one that cannot be read is the error to report, not a missing root.
                let bytes = document::read(&location, &http)?;
                let (trusted, root_v1) = match &root {
                    Some(root) => (load_root(root)?, document::read_file(root)?),
                    None => root_beside(&location, &http)?,
                };
                (location.to_string(), bytes, trusted, root_v1)
            }
            None => {
                // Public documents may be redirected (to a CDN), unlike admin calls.
                let settings = ctx.settings()?;
                let api = Api::new(&settings, ctx.http_with(&settings, 5)?)?;
                let (trusted, root_v1) = match &root {
                    Some(path) => (load_root(path)?, document::read_file(path)?),
                    None => {
                        render::eprint(&format!(
                            "{} verifying against the server's own /v1/root.json; pass --root to pin the root the app ships\n",
                            styled(WARN, "note:")
                        ));
                        let root_v1 = api.public("/v1/root.json")?;
                        let trusted = TrustedRoot::from_envelope_bytes(&root_v1).map_err(|e| {
                            CliError::BadResponse {
                                url: format!("{}/v1/root.json", api.server()),
                                detail: format!("not a root document: {e}"),
                            }
                        })?;
                        (trusted, root_v1)
                    }
                };
                let bytes = api.public("/v1/feed.json")?;
                match api.list(true) {
                    Ok(records) => history = Some(records),
                    Err(e) => render::eprint(&format!(
                        "{} the history page lists only what the feed carries: the server's full list needs a token ({e})\n",
                        styled(WARN, "note:")
                    )),
                }
                (
                    format!("{}/v1/feed.json", api.server()),
                    bytes,
                    trusted,
                    root_v1,
                )
            }
        };
        let now = ctx.now();
        let verified = verify(&bytes, &trusted, None, now)
            .map_err(|e| verification_error(what.clone(), &e, &bytes, &trusted, now))?;
        let site = self.site.site(&verified.feed.feed_id)?;
        let exported = export::write(
            &targets,
            &trusted,
            &bytes,
            &verified.feed,
            Some(&root_v1),
            now,
            &site,
            history.as_deref(),
        )?;
        if self.json {
            return print_json(&exported);
        }
        let mut text = String::new();
        for (copy, target) in exported.copies.iter().zip(&targets) {
            let change = match copy.previous_version {
                Some(previous) if previous == exported.version => {
                    format!("still feed version {} (pages refreshed)", exported.version)
                }
                Some(previous) => format!("feed version {previous} → {}", exported.version),
                None => format!("feed version {}", exported.version),
            };
            text.push_str(&format!(
                "{} {what} to {}: {change}\n  check:    notice verify --root ROOT {}\n",
                styled(OK, "Exported"),
                styled(BOLD, &copy.target),
                export::copy_document_argument(target),
            ));
        }
        text.push_str(&format!("  files:    {}\n", exported.files.join(", ")));
        render::print(&text);
        Ok(())
    }
}

/// For `--from` without `--root`: the root published beside the document, as the server, a mirror and
/// every copy publish it (`root.json` beside `v1/feed.json`, `v1/root.json` below a copy's top-level
/// `feed.json`), with a note that it is trusted as found. Checks only that the document is consistent with
/// what its host publishes: `--root` pins the root the app ships.
fn root_beside(
    location: &Location,
    http: &crate::http::Http,
) -> Result<(TrustedRoot, Vec<u8>), CliError> {
    for candidate in roots_beside(location) {
        let Ok(bytes) = document::read(&candidate, http) else {
            continue;
        };
        let Ok(trusted) = TrustedRoot::from_envelope_bytes(&bytes) else {
            continue;
        };
        render::eprint(&format!(
            "{} verifying against {candidate}, the root published beside the document; pass --root to pin the root the app ships\n",
            styled(WARN, "note:")
        ));
        return Ok((trusted, bytes));
    }
    Err(CliError::usage_hint(
        format!("--from {location}: no --root given and no root.json found beside it"),
        "pass --root root.json (the file the app ships) or set NOTICE_ROOT",
    ))
}

/// Where a root may be published beside the document at `location`, in the order to try.
fn roots_beside(location: &Location) -> Vec<Location> {
    match location {
        Location::File(path) => {
            let dir = path.parent().unwrap_or_else(|| std::path::Path::new(""));
            vec![
                Location::File(dir.join("root.json")),
                Location::File(dir.join("v1").join("root.json")),
            ]
        }
        Location::Url(url) => {
            let Some(dir) = url_directory(url) else {
                return Vec::new();
            };
            vec![
                Location::Url(format!("{dir}root.json")),
                Location::Url(format!("{dir}v1/root.json")),
            ]
        }
        // A bucket copy's settings come from the environment; its root is read with --root.
        Location::Copy(_) => Vec::new(),
    }
}

/// `https://host/a/b/feed.json?x` → `https://host/a/b/`; `https://host` → `https://host/`.
fn url_directory(url: &str) -> Option<String> {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    let host_start = without_query.find("://")? + 3;
    match without_query[host_start..].rfind('/') {
        Some(slash) => Some(without_query[..=host_start + slash].to_owned()),
        None => Some(format!("{without_query}/")),
    }
}

#[cfg(test)]
mod tests {
    use super::url_directory;

    #[test]
    fn a_documents_directory_keeps_scheme_host_and_path_and_drops_the_query() {
        for (url, dir) in [
            (
                "https://mirror.example.net/v1/feed.json",
                "https://mirror.example.net/v1/",
            ),
            (
                "https://cdn.example.org/feed.json?x=1#y",
                "https://cdn.example.org/",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/"),
            ("https://host/a/", "https://host/a/"),
        ] {
            assert_eq!(url_directory(url).as_deref(), Some(dir), "{url}");
        }
        assert_eq!(url_directory("not a url"), None);
    }
}
