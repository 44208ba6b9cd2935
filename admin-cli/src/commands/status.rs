//! `notice status`: what a user sees right now, computed from the live signed feed with the verifier and the
//! selection code the app runs, for a platform, app version and language.

use std::collections::BTreeSet;
use std::path::PathBuf;

use clap::Args;
use notice_types::{
    Context, LanguageTag, Platform, ShownNotice, Timestamp, TrustedRoot, select, verify,
};
use serde::Serialize;

use super::verify::{load_root, verification_error};
use notice_publish::{CopyKind, CopyState};

use super::{Ctx, PlatformArg, print_json};
use crate::api::Api;
use crate::error::CliError;
use crate::render::{self, BOLD, DIM, OK, WARN, styled, when};

const EXAMPLES: &str = "\
Needs only the server URL, no token: it reads the public feed, as the app does.
With an admin token it also lists the server's copies on other providers, and whether
each is current.

Examples:
  notice status
  notice status --lang nl --platform android --app-version 7.3.0
  notice status --lang de_DE --root root.json
  notice status --at 2026-12-01T02:30+01:00     # during planned maintenance";

/// What a user sees right now, from the live signed feed.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct StatusArgs {
    /// The user's platform [default: any]
    #[arg(long, value_enum)]
    platform: Option<PlatformArg>,
    /// The user's app version, e.g. 7.3.0 (7.3 and 7 read as 7.3.0 and 7.0.0) [default: any]
    #[arg(long, value_name = "VERSION", value_parser = app_version_arg)]
    app_version: Option<semver::Version>,
    /// The user's language, e.g. nl or de_DE; repeat for a preference list [default: en]
    #[arg(long, value_name = "LANG", value_parser = lang_arg)]
    lang: Vec<LanguageTag>,
    /// Verify against this root file (what the app ships) [default: the server's /v1/root.json]
    #[arg(long, value_name = "PATH")]
    root: Option<PathBuf>,
    /// Look at another moment than now (e.g. during planned maintenance)
    #[arg(long, value_name = "TIME", value_parser = crate::input::parse_time_arg)]
    at: Option<crate::input::TimeArg>,
    /// Print the feed facts and the notices as the app receives them, as JSON
    #[arg(long)]
    json: bool,
}

fn lang_arg(text: &str) -> Result<LanguageTag, String> {
    LanguageTag::from_locale(text)
        .ok_or_else(|| format!("`{text}` is not a language; examples: nl, de, de_DE, en-US"))
}

#[derive(Serialize)]
struct Report<'a> {
    server: String,
    feed_id: String,
    version: u64,
    issued_at: Timestamp,
    expires_at: Timestamp,
    root_version: u64,
    root_pinned: bool,
    at: Timestamp,
    platform: Option<Platform>,
    app_version: Option<String>,
    languages: Vec<String>,
    notices: &'a [ShownNotice],
    /// The server's copies on other providers, when a token was given to ask for them.
    #[serde(skip_serializing_if = "Option::is_none")]
    copies: Option<Vec<CopyState>>,
}

impl StatusArgs {
    /// Runs `notice status`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        // Public documents may be redirected (to a CDN), unlike admin calls.
        let settings = ctx.settings()?;
        let api = Api::new(&settings, ctx.http_with(&settings, 5)?)?;
        let trusted = self.trusted_root(&api)?;
        let bytes = api.public("/v1/feed.json")?;
        let now = ctx.now();
        let what = format!("{}/v1/feed.json", api.server());
        let verified = verify(&bytes, &trusted, None, now)
            .map_err(|e| verification_error(what, &e, &bytes, &trusted, now))?;
        let at = self.at.map_or(now, |t| t.at(now));
        let context = Context {
            platform: self.platform.map(Into::into),
            app_version: self.app_version.clone(),
            locales: self.lang.clone(),
            dismissed: BTreeSet::new(),
        };
        let shown = select(&verified.feed, &context, at);
        let copies = self.copies(ctx)?;

        if self.json {
            return print_json(&Report {
                server: api.server().to_string(),
                feed_id: verified.feed.feed_id.to_string(),
                version: verified.feed.version,
                issued_at: verified.feed.issued_at,
                expires_at: verified.feed.expires_at,
                root_version: verified.root.version,
                root_pinned: self.root.is_some(),
                at,
                platform: context.platform,
                app_version: self.app_version.as_ref().map(ToString::to_string),
                languages: self.lang.iter().map(ToString::to_string).collect(),
                notices: &shown,
                copies,
            });
        }

        let feed = &verified.feed;
        let mut out = format!(
            "{} feed {} version {} from {}\n  {:<9}{}\n  {:<9}{}\n\n",
            styled(OK, "Verified"),
            feed.feed_id,
            styled(BOLD, feed.version),
            api.server(),
            "issued",
            when(feed.issued_at, now),
            "expires",
            when(feed.expires_at, now),
        );
        let who = self.describe_user();
        let moment = if self.at.is_some() {
            format!("at {at}")
        } else {
            "now".to_owned()
        };
        if shown.is_empty() {
            out.push_str(&format!(
                "{who} sees {} {moment}: no notice applies (the feed holds {} notice(s)).\n",
                styled(BOLD, "nothing"),
                feed.notices.len()
            ));
        } else {
            out.push_str(&format!(
                "{who} sees {} notice(s) {moment}, in this order:\n\n",
                shown.len()
            ));
            for (i, notice) in shown.iter().enumerate() {
                let label = format!(
                    "{} of {} · {} · {}",
                    i + 1,
                    shown.len(),
                    notice.id,
                    notice.language
                );
                // Labels in the user's language (their first), as the app shows them.
                let user_lang = self.lang.first().cloned().unwrap_or_else(LanguageTag::en);
                out.push_str(&render::banner(&label, notice, &user_lang, at));
            }
        }
        if let Some(copies) = &copies {
            out.push_str(&copies_text(copies, feed.version, now));
        }
        render::print(&out);
        Ok(())
    }

    /// The server's copies (`GET /v1/admin/copies`), when a token is configured; without one, the public
    /// status is all there is.
    fn copies(&self, ctx: &Ctx<'_>) -> Result<Option<Vec<CopyState>>, CliError> {
        let settings = ctx.settings()?;
        if settings.token.is_none() {
            render::eprint(&format!(
                "{} the server's copies on other providers are not shown: they need an admin token (NOTICE_TOKEN or --token)\n",
                styled(DIM, "note:")
            ));
            return Ok(None);
        }
        // The status users see does not depend on this: a token that does not work here is a note.
        match Api::new(&settings, ctx.http_with(&settings, 0)?)?.copies() {
            Ok(copies) => Ok(Some(copies)),
            Err(e) => {
                render::eprint(&format!(
                    "{} the copies could not be listed ({e})\n",
                    styled(WARN, "note:")
                ));
                Ok(None)
            }
        }
    }

    fn trusted_root(&self, api: &Api) -> Result<TrustedRoot, CliError> {
        if let Some(path) = &self.root {
            return load_root(path);
        }
        render::eprint(&format!(
            "{} trusting the root served by {} itself; pin the root file the app ships with --root for a stronger check\n",
            styled(WARN, "note:"),
            api.server()
        ));
        let bytes = api.public("/v1/root.json")?;
        TrustedRoot::from_envelope_bytes(&bytes).map_err(|e| CliError::BadResponse {
            url: format!("{}/v1/root.json", api.server()),
            detail: format!("not a valid root: {e}"),
        })
    }

    fn describe_user(&self) -> String {
        let platform = self
            .platform
            .map(|p| Platform::from(p).as_str().to_owned())
            .unwrap_or_else(|| "any".to_owned());
        let version = self
            .app_version
            .as_ref()
            .map_or_else(|| "any".to_owned(), ToString::to_string);
        let langs = if self.lang.is_empty() {
            "en".to_owned()
        } else {
            self.lang
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!("A user (platform {platform}, app version {version}, language {langs})")
    }
}

/// The copies section of `notice status`: one line each, failing ones with their error.
fn copies_text(copies: &[CopyState], served: u64, now: Timestamp) -> String {
    if copies.is_empty() {
        return "\nCopies: none configured (notice-server serve --publish-to s3://… keeps them current).\n"
            .to_owned();
    }
    let mut out = String::from("\nCopies on other providers:\n");
    for copy in copies {
        let kind = match copy.kind {
            CopyKind::Publish => "publish",
            CopyKind::Watch => "watch",
        };
        let version = copy
            .version
            .map_or_else(|| "version unknown".to_owned(), |v| format!("version {v}"));
        let state = match (&copy.error, copy.failing_since) {
            (Some(error), since) => styled(
                WARN,
                format!(
                    "FAILING since {}: {error}",
                    since.map_or_else(|| "?".to_owned(), |at| when(at, now))
                ),
            ),
            (None, _) if copy.kind == CopyKind::Publish && copy.version == Some(served) => {
                styled(OK, "current")
            }
            (None, _) => match copy.last_success_at {
                Some(at) => format!("ok, last {}", when(at, now)),
                None => "not tried yet".to_owned(),
            },
        };
        out.push_str(&format!(
            "  {kind:<8}{} · {version} · {state}\n",
            copy.target
        ));
    }
    out
}

/// An app version as an app reports it: full semver, or a shorter `7.3` / `7` with the missing parts zero.
fn app_version_arg(text: &str) -> Result<semver::Version, String> {
    let padded = match text.matches('.').count() {
        0 if !text.is_empty() => format!("{text}.0.0"),
        1 => format!("{text}.0"),
        _ => text.to_owned(),
    };
    semver::Version::parse(&padded)
        .map_err(|e| format!("{e} (give a version such as 7.3.0; 7.3 and 7 also work)"))
}

#[cfg(test)]
mod tests {
    use super::app_version_arg;

    #[test]
    fn an_app_version_may_leave_out_its_minor_and_patch_parts() {
        for (given, read) in [
            ("7.3.1", "7.3.1"),
            ("7.3", "7.3.0"),
            ("7", "7.0.0"),
            ("7.4.0-beta.2", "7.4.0-beta.2"),
        ] {
            assert_eq!(app_version_arg(given).unwrap().to_string(), read);
        }
        for bad in ["", "seven", "7.x", "7..1"] {
            let err = app_version_arg(bad).unwrap_err();
            assert!(err.contains("such as 7.3.0"), "{bad:?}: {err}");
        }
    }
}
