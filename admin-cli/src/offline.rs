//! Break-glass: `notice post|update|edit|resolve|withdraw --offline`, for when the server cannot be reached.
//!
//! The operator holds the feed key. The command reads the last known published documents (a mirror's URL,
//! the export directory, a saved copy), takes the newest that verifies under the root the apps ship, applies
//! the change with the server's own rules ([`notice_publish::breakglass`], which runs
//! [`notice_publish::change`]), signs the next document with the feed key and writes it, with the status
//! page, into an export directory ([`crate::export`]) for the static hosts. Apps accept it because its
//! version is higher than anything they have seen (the version jumps ahead, see
//! [`notice_publish::breakglass::OFFLINE_VERSION_JUMP`]); when the server is back, `notice ingest
//! DIR/feed.json` makes it the server's own, so versions keep going up and nothing is lost.
//!
//! Commands reach this through [`crate::backend::Backend`], the same interface as the admin API.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use notice_publish::breakglass::{self, BreakGlassError, Draft, OfflineOptions, OfflineWrite};
use notice_publish::rotation::Rotation;
use notice_publish::status_page::Site;
use notice_publish::{ChangeError, WriteResponse};
use notice_types::{
    Envelope, FeedPayload, Notice, NoticeId, PublishedDocument, RootPayload, SecretKey, Timestamp,
    TrustedRoot, VerifyError, verify,
};
use zeroize::Zeroizing;

use notice_copies::Target;

use crate::backend::Request;
use crate::commands::Ctx;
use crate::commands::verify::{load_root, verification_error};
use crate::document::{self, Location};
use crate::error::CliError;
use crate::export::{self, Exported, SiteArgs};
use crate::render::{self, WARN, styled};

/// The help heading of these flags.
const HEADING: &str = "Break-glass (the server is unreachable)";

/// Flags of break-glass publishing, shared by every command that changes notices.
#[derive(Debug, Args)]
pub struct OfflineArgs {
    /// Do not use the server: sign the change yourself with the feed key, on top of the newest last known
    /// document, into the copies --out and --to
    #[arg(long, help_heading = HEADING)]
    pub offline: bool,
    /// Feed signing key: feed-key.pem from the server's data directory (repeat when the root needs more
    /// than one) [env: NOTICE_FEED_KEY]
    #[arg(long = "feed-key", value_name = "PATH", requires = "offline", help_heading = HEADING)]
    feed_keys: Vec<PathBuf>,
    /// The root the apps ship (root.json); the last known document must verify under it [env: NOTICE_ROOT]
    #[arg(long, value_name = "PATH", requires = "offline", help_heading = HEADING)]
    root: Option<PathBuf>,
    /// A last known document: a mirror's URL, a bucket (s3://…) or a file (repeatable; the newest that
    /// verifies is used) [default: the feed.json of every copy --out/--to]
    #[arg(long = "last", value_name = "URL|FILE", requires = "offline", help_heading = HEADING)]
    last: Vec<String>,
    /// Export directory for the new document and status page [env: NOTICE_EXPORT_DIR]
    #[arg(long, value_name = "DIR", requires = "offline", help_heading = HEADING)]
    out: Option<PathBuf>,
    /// A copy apps read, written straight away: s3://BUCKET/PREFIX or a directory (repeatable; with
    /// --out, both are written)
    #[arg(long = "to", value_name = "URL", requires = "offline", help_heading = HEADING)]
    to: Vec<String>,
    /// How long the signed document is valid (as the server's --feed-validity)
    #[arg(long, value_name = "DURATION", default_value = "72h", value_parser = humantime::parse_duration, help_heading = HEADING)]
    feed_validity: Duration,
    /// How long resolved notices stay in the feed (as the server's --retention)
    #[arg(long, value_name = "DURATION", default_value = "72h", value_parser = humantime::parse_duration, help_heading = HEADING)]
    retention: Duration,
    #[command(flatten, next_help_heading = HEADING)]
    site: SiteArgs,
    /// A last known document the watchdog keeps (the newest it read of the live feed), taken next to the
    /// others when the file exists; not a flag.
    #[arg(skip)]
    kept: Option<PathBuf>,
}

/// Everything a break-glass write needs, checked before anything is changed.
pub struct Breakglass {
    trusted: TrustedRoot,
    keys: Vec<SecretKey>,
    last: LastKnown,
    targets: Vec<Target>,
    root_v1: Vec<u8>,
    site: Site,
    options: OfflineOptions,
}

/// The newest verified last known document.
struct LastKnown {
    /// Its root chain, which the new document carries on.
    roots: Vec<Envelope>,
    root: RootPayload,
    feed: FeedPayload,
    source: String,
}

/// A break-glass change worked out and not yet signed.
pub struct Prepared(OfflineWrite);

impl Prepared {
    /// The answer the admin API would give: the notice, its state, the new feed version.
    pub fn response(&self) -> WriteResponse {
        let mut response = WriteResponse::new(self.0.record.clone(), self.0.feed.version);
        response.cautions = self.0.cautions.clone();
        response
    }
}

/// What break-glass publishing needs, given by other means than flags (the watchdog's configuration file).
/// Unset values fall back to the environment variables, as the flags do.
pub struct BreakglassSettings {
    /// Feed key files (`--feed-key`).
    pub feed_keys: Vec<PathBuf>,
    /// The root the apps ship (`--root`).
    pub root: Option<PathBuf>,
    /// Last known documents (`--last`).
    pub last: Vec<String>,
    /// The export directory (`--out`).
    pub out: Option<PathBuf>,
    /// Copies written straight away (`--to`).
    pub to: Vec<String>,
    /// A last known document kept by the watchdog (the newest it read of the live feed): taken next to
    /// `last` (or the copies' own documents) when the file exists; the highest version that verifies wins.
    pub kept: Option<PathBuf>,
    /// Validity of the signed document (`--feed-validity`).
    pub feed_validity: Duration,
    /// How long resolved notices stay (`--retention`).
    pub retention: Duration,
    /// The status page's settings.
    pub site: SiteArgs,
}

impl From<BreakglassSettings> for OfflineArgs {
    fn from(settings: BreakglassSettings) -> Self {
        Self {
            offline: true,
            feed_keys: settings.feed_keys,
            root: settings.root,
            last: settings.last,
            out: settings.out,
            to: settings.to,
            kept: settings.kept,
            feed_validity: settings.feed_validity,
            retention: settings.retention,
            site: settings.site,
        }
    }
}

impl OfflineArgs {
    /// Reads the root, the feed key(s) and the last known documents; fails before any change with what to
    /// fix.
    pub fn open(&self, ctx: &Ctx<'_>) -> Result<Breakglass, CliError> {
        self.open_with(ctx, None)
    }

    /// [`OfflineArgs::open`] for publishing root v(N+1) of a ceremony break-glass: the feed key(s) must be
    /// ones `next` lists (the document is signed under it), not the current root.
    pub fn open_for_rotation(
        &self,
        ctx: &Ctx<'_>,
        next: &RootPayload,
    ) -> Result<Breakglass, CliError> {
        self.open_with(ctx, Some(next))
    }

    fn open_with(
        &self,
        ctx: &Ctx<'_>,
        signing_root: Option<&RootPayload>,
    ) -> Result<Breakglass, CliError> {
        let root_path = self
            .root
            .clone()
            .or_else(|| env_path("NOTICE_ROOT"))
            .ok_or_else(|| {
                CliError::usage_hint(
                    "--offline needs the root the apps ship",
                    "pass --root root.json (from the server's data directory) or set NOTICE_ROOT",
                )
            })?;
        let trusted = load_root(&root_path)?;
        let root_v1 = document::read_file(&root_path)?;
        let targets = export::targets(self.out.as_ref(), &self.to)?;
        if targets.is_empty() {
            return Err(CliError::usage_hint(
                "--offline needs a copy to write the new document into",
                "pass --out DIR (the directory your static hosts serve), --to s3://BUCKET/PREFIX, or set NOTICE_EXPORT_DIR",
            ));
        }
        let key_paths = if self.feed_keys.is_empty() {
            env_path("NOTICE_FEED_KEY").into_iter().collect()
        } else {
            self.feed_keys.clone()
        };
        if key_paths.is_empty() {
            return Err(CliError::usage_hint(
                "--offline needs the feed signing key",
                "pass --feed-key feed-key.pem (from the server's data directory or its backup) or set NOTICE_FEED_KEY",
            ));
        }
        let keys = key_paths
            .iter()
            .map(|path| read_key(path))
            .collect::<Result<Vec<_>, _>>()?;
        let last = self.last_known(ctx, &trusted, &targets)?;
        let signing_root = signing_root.unwrap_or(&last.root);
        for (key, path) in keys.iter().zip(&key_paths) {
            if !signing_root.feed_keys.contains(&key.public_key()) {
                return Err(CliError::usage_hint(
                    format!(
                        "{} is not a feed key of root version {} (its public key {} is not listed); apps would reject what it signs",
                        path.display(),
                        signing_root.version,
                        key.public_key().key_id()
                    ),
                    "use the current feed-key.pem of the server's data directory; after a rotation the old key no longer works",
                ));
            }
        }
        let site = self.site.site(&trusted.payload().feed_id)?;
        Ok(Breakglass {
            trusted,
            keys,
            last,
            targets,
            root_v1,
            site,
            options: OfflineOptions {
                feed_validity: self.feed_validity,
                retention: self.retention,
            },
        })
    }

    /// The newest document among `--last` (default: every copy's `feed.json`) and the watchdog's kept one
    /// that verifies; the others are reported on stderr. Each is verified under the root the apps ship:
    /// nothing is ever signed on top of a document that does not verify.
    fn last_known(
        &self,
        ctx: &Ctx<'_>,
        trusted: &TrustedRoot,
        targets: &[Target],
    ) -> Result<LastKnown, CliError> {
        let mut locations: Vec<Location> = if self.last.is_empty() {
            let mut locations = Vec::new();
            for target in targets {
                match target {
                    Target::Dir(dir) if !dir.join(export::FEED_FILE).exists() => {}
                    Target::Dir(dir) => locations.push(Location::File(dir.join(export::FEED_FILE))),
                    other => locations.push(Location::Copy(Box::new(other.clone()))),
                }
            }
            locations
        } else {
            self.last
                .iter()
                .map(|l| Location::parse(l))
                .collect::<Result<_, _>>()?
        };
        if let Some(kept) = self.kept.as_ref().filter(|k| k.exists()) {
            locations.push(Location::File(kept.clone()));
        }
        if locations.is_empty() {
            // Only without --last: each --last is a location.
            let missing: Vec<String> = targets.iter().map(export::copy_document).collect();
            return Err(match &self.kept {
                Some(kept) => CliError::usage_hint(
                    format!(
                        "no last known document: {} does not exist, no `last` is configured, and the watchdog has not kept a document of the live feed yet ({})",
                        missing.join(", "),
                        kept.display()
                    ),
                    "add [follow] (the watchdog keeps the newest document it reads) or `last = [\"https://mirror.example/v1/feed.json\"]` to [breakglass]",
                ),
                None => CliError::usage_hint(
                    format!(
                        "no last known document: {} does not exist",
                        missing.join(", ")
                    ),
                    "pass --last with a mirror's URL (https://mirror.example/v1/feed.json), a bucket (s3://…) or a saved feed.json; the newest that verifies is used",
                ),
            });
        }
        let http = ctx.http(5)?;
        let now = ctx.now();
        let mut best: Option<LastKnown> = None;
        let mut failures = Vec::new();
        for location in locations {
            let opened = document::read(&location, &http).and_then(|bytes| {
                let rejected = |e: VerifyError| {
                    verification_error(location.to_string(), &e, &bytes, trusted, now)
                };
                let (root, feed) =
                    breakglass::open_last_known(&bytes, trusted).map_err(|e| match e {
                        BreakGlassError::Document(e) => rejected(e),
                        other => refused(other),
                    })?;
                // Verified just now, so it parses.
                let roots = PublishedDocument::parse(&bytes).map_err(rejected)?.roots;
                Ok((roots, root, feed))
            });
            match opened {
                Ok((roots, root, feed)) => {
                    if best.as_ref().is_none_or(|b| feed.version > b.feed.version) {
                        best = Some(LastKnown {
                            roots,
                            root,
                            feed,
                            source: location.to_string(),
                        });
                    }
                }
                Err(e) => failures.push(e),
            }
        }
        match best {
            Some(best) => {
                for failure in &failures {
                    render::eprint(&format!("{} skipped: {failure}\n", styled(WARN, "note:")));
                }
                Ok(best)
            }
            None => Err(failures.into_iter().next().unwrap_or_else(|| {
                CliError::usage("no last known document could be read (see --last)")
            })),
        }
    }
}

/// A path from an environment variable, if set and not empty.
fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Reads a PKCS#8 PEM feed key; the error names the file, never its contents.
pub fn read_key(path: &std::path::Path) -> Result<SecretKey, CliError> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| CliError::io("read the feed key", path, e))?,
    );
    SecretKey::from_pkcs8_pem(&text).map_err(|e| {
        CliError::usage_hint(
            format!("{} is not a feed signing key: {e}", path.display()),
            "pass feed-key.pem from the server's data directory (a PKCS#8 PEM file), not a .pub or root.json",
        )
    })
}

/// A refused break-glass change as the CLI reports it (exit 5, nothing written).
fn refused(error: BreakGlassError) -> CliError {
    match error {
        BreakGlassError::Refused(ChangeError::InvalidField(field)) => CliError::InvalidField {
            field: field.field,
            reason: field.reason,
        },
        BreakGlassError::Document(e) => CliError::Refused {
            code: e.code(),
            message: format!("the last known document does not verify: {e}"),
            hint: None,
        },
        other => CliError::Refused {
            code: other.code(),
            message: other.to_string(),
            hint: Some("nothing was written".to_owned()),
        },
    }
}

impl Breakglass {
    /// The ids of the notices in the last known feed.
    pub fn ids(&self) -> Vec<NoticeId> {
        self.last
            .feed
            .notices
            .iter()
            .map(|n| n.id.clone())
            .collect()
    }

    /// Notice `id` in the last known feed.
    pub fn notice(&self, id: &NoticeId) -> Result<&Notice, CliError> {
        self.last.feed.notice(id).ok_or_else(|| {
            let ids: Vec<String> = self
                .last
                .feed
                .notices
                .iter()
                .map(|n| n.id.to_string())
                .collect();
            CliError::Refused {
                code: "not_found",
                message: format!(
                    "no notice `{id}` in the last known feed (version {}, {})",
                    self.last.feed.version, self.last.source
                ),
                hint: Some(if ids.is_empty() {
                    "that feed carries no notices; only notices in the feed can change offline"
                        .to_owned()
                } else {
                    format!("the feed carries: {}", ids.join(", "))
                }),
            }
        })
    }

    /// Every notice of the last known feed.
    pub fn notices(&self) -> &[Notice] {
        &self.last.feed.notices
    }

    /// One line on stderr saying what the change is made from, before the preview.
    pub fn announce(&self) {
        render::eprint(&format!(
            "{} offline, from feed version {} ({}), signing with feed key {}\n",
            styled(WARN, "Break-glass:"),
            self.last.feed.version,
            self.last.source,
            self.keys
                .iter()
                .map(|k| k.public_key().key_id()[..16].to_owned())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    /// Where each copy's document is (a path or `s3://…/feed.json`).
    pub fn documents(&self) -> Vec<String> {
        self.targets.iter().map(export::copy_document).collect()
    }

    /// The copies written to, for people.
    pub fn destinations(&self) -> String {
        let names: Vec<String> = self.targets.iter().map(ToString::to_string).collect();
        names.join(", ")
    }

    /// The version of the last known document the change is made from.
    pub fn last_version(&self) -> u64 {
        self.last.feed.version
    }

    /// Where the last known document was read.
    pub fn last_source(&self) -> &str {
        &self.last.source
    }

    /// Applies `request` at `now` as the server would; nothing is written yet.
    pub fn prepare(&self, request: Request, now: Timestamp) -> Result<Prepared, CliError> {
        let draft = match request {
            Request::Create(create) => Draft::Create(create),
            Request::Change { id, change } => {
                // Refused with the ids the feed does carry.
                self.notice(&id)?;
                Draft::Change { id, change }
            }
        };
        breakglass::apply(
            &self.last.feed,
            &self.last.root,
            draft,
            now,
            &self.options,
            rand::random::<u16>,
        )
        .map(Prepared)
        .map_err(refused)
    }

    /// Publishes root v(N+1) of a ceremony break-glass: the last known feed (same notices, version + 1000)
    /// signed with the feed key under the chain with `rotation`'s root appended, checked as a fresh app
    /// install would, written into the copies. The last known document must carry exactly the chain the
    /// rotation was prepared from.
    pub fn publish_rotation(
        &self,
        rotation: &Rotation,
        now: Timestamp,
    ) -> Result<Exported, CliError> {
        if self.last.roots.as_slice() != rotation.chain() {
            return Err(CliError::Refused {
                code: "conflict",
                message: format!(
                    "the last known document ({}) carries root versions 1 to {}; the rotation was prepared from versions 1 to {}",
                    self.last.source,
                    self.last.roots.len(),
                    rotation.chain().len()
                ),
                hint: Some(
                    "prepare the rotation from that document (notice root prepare --from …), or pass the document it was prepared from with --last".to_owned(),
                ),
            });
        }
        let chain = rotation.extended_chain().ok_or_else(|| {
            CliError::usage_hint(
                "the rotation carries no signatures yet",
                "sign it first: notice root sign ROTATION --key ROOT-KEY.pem",
            )
        })?;
        let root = notice_types::verify_root_chain(&chain, &self.trusted).map_err(|e| {
            CliError::Refused {
                code: "root_rotation_rejected",
                message: format!("apps would refuse root v{}: {e}", rotation.next().version),
                hint: Some("see what is missing with `notice root check ROTATION`".to_owned()),
            }
        })?;
        let feed = FeedPayload {
            version: breakglass::offline_version(self.last.feed.version),
            issued_at: now,
            expires_at: now.plus_seconds(notice_publish::record::secs(self.options.feed_validity)),
            ..self.last.feed.clone()
        };
        self.sign_check_and_write(chain, &root, &feed, now)
    }

    /// Signs the new feed, checks it as a fresh app install would, and writes the export directory.
    pub fn publish(&self, prepared: &Prepared, now: Timestamp) -> Result<Exported, CliError> {
        let write = &prepared.0;
        self.sign_check_and_write(self.last.roots.clone(), &self.last.root, &write.feed, now)
    }

    /// Signs `feed` under `chain` (whose newest root is `root`), checks the document as a fresh app install
    /// would, and writes it to the copies.
    fn sign_check_and_write(
        &self,
        chain: Vec<Envelope>,
        root: &RootPayload,
        feed: &FeedPayload,
        now: Timestamp,
    ) -> Result<Exported, CliError> {
        let keys: Vec<&SecretKey> = self.keys.iter().collect();
        let bytes = breakglass::sign_with_chain(chain, root, feed, &keys).map_err(refused)?;
        // Writers refuse what readers refuse, and this one checks anyway: never publish what apps reject.
        verify(&bytes, &self.trusted, None, now).map_err(|e| {
            verification_error(
                "the signed document".to_owned(),
                &e,
                &bytes,
                &self.trusted,
                now,
            )
        })?;
        export::write(
            &self.targets,
            &self.trusted,
            &bytes,
            feed,
            Some(&self.root_v1),
            now,
            &self.site,
            None,
        )
    }
}
