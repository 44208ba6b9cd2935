//! `notice export`: the published document and the status page as plain files, for static hosts and buckets
//! on other providers. Reads the live feed from the server (no token needed) or any published copy, verifies
//! it as the app does, and updates the directory in place (see [`crate::export`]).

use std::path::PathBuf;

use clap::Args;
use notice_types::{TrustedRoot, verify};

use super::verify::{load_root, verification_error};
use super::{Ctx, print_json};
use crate::api::Api;
use crate::document::{self, Location};
use crate::error::CliError;
use crate::export::{self, SiteArgs};
use crate::render::{self, BOLD, OK, WARN, styled};

const EXAMPLES: &str = "\
Writes feed.json (the exact bytes the server serves, also as v1/feed.json), index.html,
index.nl.html, index.en.html, index.de.html and feed.atom. Each file is replaced in one
step; the directory never goes back to a lower version. Run it after every change (or
every minute from cron) and sync the directory to hosts on other providers.

Examples:
  notice export --out ./export --root root.json
  notice export --out ./export --root root.json --site-name Yivi --site-lang nl
  notice export --out ./export --root root.json --from https://mirror.example.net/v1/feed.json
  rclone sync ./export bucket:status    # any static host or bucket";

/// Write the feed and the status page as static files.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ExportArgs {
    /// The directory to write (created if missing) [env: NOTICE_EXPORT_DIR]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Where the document comes from: a URL or a file [default: the server's /v1/feed.json]
    #[arg(long, value_name = "URL|FILE")]
    from: Option<String>,
    /// Verify against this root file (what the app ships) [env: NOTICE_ROOT] [default, only when
    /// exporting from the server: the server's /v1/root.json]
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
        let out = self
            .out
            .clone()
            .or_else(|| std::env::var_os("NOTICE_EXPORT_DIR").map(PathBuf::from))
            .ok_or_else(|| {
                CliError::usage_hint(
                    "no export directory given",
                    "pass --out DIR (the directory your static hosts serve) or set NOTICE_EXPORT_DIR",
                )
            })?;
        let root = self
            .root
            .clone()
            .or_else(|| std::env::var_os("NOTICE_ROOT").map(PathBuf::from));
        let (what, bytes, trusted) = match &self.from {
            Some(from) => {
                let root = root.ok_or_else(|| {
                    CliError::usage_hint(
                        "--from needs --root: a copy is only exported after it verifies",
                        "pass --root root.json (the file the app ships) or set NOTICE_ROOT",
                    )
                })?;
                let trusted = load_root(&root)?;
                let location = Location::parse(from);
                let bytes = document::read(&location, &ctx.http(5))?;
                (location.to_string(), bytes, trusted)
            }
            None => {
                // Public documents may be redirected (to a CDN), unlike admin calls.
                let api = Api::new(&ctx.settings()?, ctx.http(5))?;
                let trusted = match &root {
                    Some(path) => load_root(path)?,
                    None => {
                        render::eprint(&format!(
                            "{} verifying against the server's own /v1/root.json; pass --root to pin the root the app ships\n",
                            styled(WARN, "note:")
                        ));
                        TrustedRoot::from_envelope_bytes(&api.public("/v1/root.json")?).map_err(
                            |e| CliError::BadResponse {
                                url: format!("{}/v1/root.json", api.server()),
                                detail: format!("not a root document: {e}"),
                            },
                        )?
                    }
                };
                let bytes = api.public("/v1/feed.json")?;
                (format!("{}/v1/feed.json", api.server()), bytes, trusted)
            }
        };
        let now = ctx.now();
        let verified = verify(&bytes, &trusted, None, now)
            .map_err(|e| verification_error(what.clone(), &e, &bytes, &trusted, now))?;
        let site = self.site.site(&verified.feed.feed_id)?;
        let exported = export::write(&out, &trusted, &bytes, &verified.feed, now, &site)?;
        if self.json {
            return print_json(&exported);
        }
        let change = match exported.previous_version {
            Some(previous) if previous == exported.version => {
                format!("still feed version {} (pages refreshed)", exported.version)
            }
            Some(previous) => format!("feed version {previous} → {}", exported.version),
            None => format!("feed version {}", exported.version),
        };
        render::print(&format!(
            "{} {what} to {}: {change}\n  files:    {}\n  check:    notice verify --root ROOT {}\n",
            styled(OK, "Exported"),
            styled(BOLD, out.display()),
            exported.files.join(", "),
            out.join(export::FEED_FILE).display(),
        ));
        Ok(())
    }
}
