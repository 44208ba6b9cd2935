//! `notice root prepare|sign|check|publish`: root key ceremonies (ROOT-KEYS.md).
//!
//! Root v(N+1) is prepared once (`prepare`, from the server's published chain or a file), the rotation file
//! travels to each root-key holder, who adds one signature on their own offline machine (`sign`: the key never
//! leaves it), anyone checks how many signatures of v(N)'s and of v(N+1)'s root keys it carries (`check`), and
//! it is published through the admin API (`publish`), which refuses what apps would refuse. The rules are
//! `notice_publish::rotation`'s; the verdict is notice-types' chain verifier, the apps' own.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use notice_publish::rotation::{Report, RootChange, Rotation, RotationError, Signed, Tally};
use notice_types::{Envelope, PublicKey, PublishedDocument, SecretKey, TrustedRoot};
use serde::Serialize;
use zeroize::Zeroizing;

use super::{Ctx, print_json};
use crate::document::{self, Location};
use crate::error::CliError;
use crate::offline::OfflineArgs;
use crate::render::{self, BOLD, OK, WARN, styled};

const EXAMPLES: &str = "\
The rotation file holds public data only (the chain, root v(N+1), signatures): it may travel
by e-mail or USB stick. Root keys never leave their holders' machines. ROOT-KEYS.md has every
step of a 2-of-3 ceremony.

Examples:
  notice root prepare --server https://notices.example.org \\
      --add-root-key holder-c.pub --root-threshold 2 --out rotation.json
  notice root sign rotation.json --key /media/offline/root-key-a.pem   # holder A's machine
  notice root sign rotation.json --key /media/offline/root-key-b.pem   # holder B's machine
  notice root check rotation.json --current root.json
  notice root publish rotation.json
  notice root publish rotation.json --offline --feed-key feed-key.pem --root root.json \\
      --out ./export";

/// Root key ceremonies: prepare, sign, check and publish root v(N+1).
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct RootArgs {
    #[command(subcommand)]
    command: RootCommand,
}

#[derive(Debug, Subcommand)]
enum RootCommand {
    /// Write root v(N+1) (keys, thresholds, link hosts changed) to a rotation file, unsigned
    #[command(after_help = PREPARE_EXAMPLES)]
    Prepare(PrepareArgs),
    /// Add one root key's signature to a rotation file (run it on the key holder's offline machine)
    #[command(
        after_help = "Examples:\n  notice root sign rotation.json --key /media/offline/root-key-b.pem"
    )]
    Sign(SignArgs),
    /// Count the signatures against the thresholds of v(N) and v(N+1); exit 5 while not enough
    #[command(after_help = "Examples:\n  notice root check rotation.json --current root.json")]
    Check(CheckArgs),
    /// Publish a signed rotation through the server (which refuses what apps would refuse), or
    /// break-glass with --offline into the copies
    #[command(
        after_help = "Examples:\n  notice root publish rotation.json --dry-run\n  notice root publish rotation.json\n  notice root publish rotation.json --offline --feed-key feed-key.pem --root root.json \\\n      --out ./export"
    )]
    Publish(PublishArgs),
}

const PREPARE_EXAMPLES: &str = "\
Keys to add: a public key (ed25519:…) or a .pub file of `notice keygen`. Keys to remove: a key id,
a public key or a .pub file. Thresholds stay as they are unless given. Roots do not expire.

Examples:
  notice root prepare --server https://notices.example.org --add-root-key b.pub \\
      --add-root-key c.pub --root-threshold 2 --out rotation.json
  notice root prepare --from feed.json --remove-root-key 34750f98…c97e --add-root-key d.pub \\
      --out rotation.json
  notice root prepare --from root.json --add-link-host status.yivi.app --out rotation.json";

impl RootArgs {
    /// Runs `notice root …`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        match self.command {
            RootCommand::Prepare(args) => args.run(ctx),
            RootCommand::Sign(args) => args.run(),
            RootCommand::Check(args) => args.run(ctx),
            RootCommand::Publish(args) => args.run(ctx),
        }
    }
}

/// `notice root prepare`.
#[derive(Debug, Args)]
struct PrepareArgs {
    /// Where the current chain comes from: a published document (feed.json, a mirror's URL), the rotation
    /// file published last, or, for the first rotation, root.json [default: the server's /v1/feed.json]
    #[arg(long, value_name = "FILE|URL")]
    from: Option<String>,
    /// The root the apps ship (root.json): the chain must verify from it
    #[arg(long, value_name = "PATH")]
    root: Option<PathBuf>,
    /// A root key to add (ed25519:… or a .pub file; repeatable)
    #[arg(long = "add-root-key", value_name = "PUB")]
    add_root_keys: Vec<String>,
    /// A root key to remove (key id, ed25519:… or a .pub file; repeatable)
    #[arg(long = "remove-root-key", value_name = "KEYID")]
    remove_root_keys: Vec<String>,
    /// How many distinct root keys must sign the version after this one
    #[arg(long, value_name = "N")]
    root_threshold: Option<u32>,
    /// A feed key to add (ed25519:… or a .pub file; repeatable); `notice-server prepare-feed-key` makes
    /// one on the server
    #[arg(long = "add-feed-key", value_name = "PUB")]
    add_feed_keys: Vec<String>,
    /// A feed key to remove (key id, ed25519:… or a .pub file; repeatable)
    #[arg(long = "remove-feed-key", value_name = "KEYID")]
    remove_feed_keys: Vec<String>,
    /// How many distinct feed keys must sign a feed (a server signs with one)
    #[arg(long, value_name = "N")]
    feed_threshold: Option<u32>,
    /// A host notice links may point to (repeatable)
    #[arg(long = "add-link-host", value_name = "HOST")]
    add_link_hosts: Vec<String>,
    /// A host notice links may no longer point to (repeatable)
    #[arg(long = "remove-link-host", value_name = "HOST")]
    remove_link_hosts: Vec<String>,
    /// The rotation file to write
    #[arg(long, value_name = "PATH")]
    out: PathBuf,
    /// Replace an existing rotation file
    #[arg(long)]
    force: bool,
}

impl PrepareArgs {
    fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        if self.out.exists() && !self.force {
            return Err(CliError::usage_hint(
                format!("{} exists", self.out.display()),
                "it may hold signatures already: pick another --out, or add --force to start over",
            ));
        }
        let change = RootChange {
            add_root_keys: self
                .add_root_keys
                .iter()
                .map(|k| public_key(k))
                .collect::<Result<_, _>>()?,
            remove_root_keys: self
                .remove_root_keys
                .iter()
                .map(|k| key_ref(k))
                .collect::<Result<_, _>>()?,
            root_threshold: self.root_threshold,
            add_feed_keys: self
                .add_feed_keys
                .iter()
                .map(|k| public_key(k))
                .collect::<Result<_, _>>()?,
            remove_feed_keys: self
                .remove_feed_keys
                .iter()
                .map(|k| key_ref(k))
                .collect::<Result<_, _>>()?,
            feed_threshold: self.feed_threshold,
            add_link_hosts: self.add_link_hosts.clone(),
            remove_link_hosts: self.remove_link_hosts.clone(),
        };
        let (chain, source) = self.current_chain(ctx)?;
        if let Some(path) = &self.root {
            let trusted = crate::commands::verify::load_root(path)?;
            notice_types::verify_root_chain(&chain, &trusted).map_err(|e| {
                CliError::usage_hint(
                    format!("the root chain of {source} does not verify from {}: {e}", path.display()),
                    "pass the root.json your apps ship, and the server's document (--server or --from feed.json)",
                )
            })?;
        }
        let rotation = Rotation::prepare(chain, &change).map_err(rotation_error)?;
        write_rotation(&self.out, &rotation)?;
        let current = rotation.current();
        let next = rotation.next();
        let mut out = format!(
            "{} root v{} of {} on top of v{} (chain from {source})\n",
            styled(OK, "Prepared"),
            next.version,
            next.feed_id,
            current.version,
        );
        for line in rotation.changes() {
            out.push_str(&format!("  {line}\n"));
        }
        out.push_str(&format!(
            "Wrote {} (unsigned). It needs {} signature(s) of v{}'s root keys and {} of v{}'s:\n",
            self.out.display(),
            current.root_threshold,
            current.version,
            next.root_threshold,
            next.version
        ));
        out.push_str(&format!(
            "  each holder runs `notice root sign {} --key THEIR-ROOT-KEY.pem` on their own machine,\n  then `notice root check` and `notice root publish`.\n",
            self.out.display()
        ));
        render::print(&out);
        Ok(())
    }

    /// The chain v1..vN to build on, and where it came from.
    fn current_chain(&self, ctx: &Ctx<'_>) -> Result<(Vec<Envelope>, String), CliError> {
        let (bytes, source) = match &self.from {
            Some(from) => {
                let location = Location::parse(from)?;
                (
                    document::read(&location, &ctx.http(5)?)?,
                    location.to_string(),
                )
            }
            None => {
                let api = ctx.api()?;
                let bytes = api.public("/v1/feed.json")?;
                (bytes, api.server().join("/v1/feed.json"))
            }
        };
        chain_of(&bytes)
            .map(|chain| (chain, source.clone()))
            .ok_or_else(|| {
                CliError::usage_hint(
                    format!("{source} is neither a published document nor a root file"),
                    "pass the server's feed.json (or its URL), or root.json for the first rotation",
                )
            })
    }
}

/// The root chain in `bytes`: a published document's `roots`, a signed rotation file's chain with its new
/// root (the one published last), or a root file as a chain of one.
fn chain_of(bytes: &[u8]) -> Option<Vec<Envelope>> {
    if let Ok(document) = PublishedDocument::parse(bytes) {
        return Some(document.roots);
    }
    if let Ok(rotation) = Rotation::parse(bytes) {
        return rotation.extended_chain();
    }
    serde_json::from_slice::<Envelope>(bytes)
        .ok()
        .map(|envelope| vec![envelope])
}

/// `ed25519:…` or a `.pub` file.
fn public_key(text: &str) -> Result<PublicKey, CliError> {
    if let Ok(key) = text.parse::<PublicKey>() {
        return Ok(key);
    }
    let path = Path::new(text);
    if !path.exists() {
        return Err(CliError::usage_hint(
            format!("{text:?} is neither a public key (ed25519:…) nor a file"),
            "give the public key `notice keygen` printed, or its .pub file",
        ));
    }
    let content = std::fs::read_to_string(path).map_err(|e| CliError::io("read", path, e))?;
    PublicKey::from_file_text(&content).map_err(|e| {
        CliError::usage_hint(
            format!("{} is not a public key file: {e}", path.display()),
            "give the .pub file `notice keygen` wrote next to the key (never the secret key)",
        )
    })
}

/// A key to remove: its key id as given, or the id of a public key or `.pub` file.
fn key_ref(text: &str) -> Result<String, CliError> {
    let is_key_id = text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit());
    if is_key_id {
        return Ok(text.to_ascii_lowercase());
    }
    public_key(text).map(|key| key.key_id())
}

/// `notice root sign`.
#[derive(Debug, Args)]
struct SignArgs {
    /// The rotation file (rewritten with one signature more)
    #[arg(value_name = "ROTATION")]
    file: PathBuf,
    /// The root key to sign with (PKCS#8 PEM, from `notice keygen --role root` or the data directory)
    #[arg(long, value_name = "PATH")]
    key: PathBuf,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

impl SignArgs {
    fn run(self) -> Result<(), CliError> {
        let mut rotation = read_rotation(&self.file)?;
        let key = read_root_key(&self.key)?;
        let signed = rotation.sign(&key).map_err(rotation_error)?;
        if signed == Signed::Added {
            write_rotation(&self.file, &rotation)?;
        }
        let report = rotation.check(None);
        if self.json {
            return print_json(&ReportJson::new(&rotation, &report, Some((&key, signed))));
        }
        let what = match signed {
            Signed::Added => styled(OK, "Signed").to_string(),
            Signed::AlreadySigned => styled(WARN, "Already signed").to_string(),
        };
        render::print(&format!(
            "{what} root v{} with root key {}\n{}",
            rotation.next().version,
            key.public_key().key_id(),
            describe_report(&rotation, &report)
        ));
        Ok(())
    }
}

/// `notice root check`.
#[derive(Debug, Args)]
struct CheckArgs {
    /// The rotation file
    #[arg(value_name = "ROTATION")]
    file: PathBuf,
    /// The root you trust: root.json as the apps ship it, the current root, or a published document (a
    /// file or URL; its newest root). Without it, the file's chain is checked from its own version 1
    #[arg(long, value_name = "PATH|URL")]
    current: Option<String>,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
}

impl CheckArgs {
    fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let rotation = read_rotation(&self.file)?;
        let trusted = match &self.current {
            Some(current) => {
                let location = Location::parse(current)?;
                let bytes = document::read(&location, &ctx.http(5)?)?;
                Some(trusted_from(&bytes, &location.to_string())?)
            }
            None => None,
        };
        let report = rotation.check(trusted.as_ref());
        if self.json {
            print_json(&ReportJson::new(&rotation, &report, None))?;
        } else {
            let mut out = describe_report(&rotation, &report);
            if trusted.is_none() {
                out.push_str(
                    "note: checked against the chain in the file; pass --current root.json to check it against the root you trust\n",
                );
            }
            render::print(&out);
        }
        match &report.verdict {
            Ok(_) => Ok(()),
            Err(e) => Err(CliError::Refused {
                code: "not_ready",
                message: format!(
                    "root v{} is not ready to publish: {}",
                    rotation.next().version,
                    missing_text(&report, e)
                ),
                hint: Some(format!(
                    "collect the missing signatures with `notice root sign {} --key ROOT-KEY.pem` on each holder's machine",
                    self.file.display()
                )),
            }),
        }
    }
}

/// A root file of any version, or a published document's newest root, as the root to check against.
fn trusted_from(bytes: &[u8], source: &str) -> Result<TrustedRoot, CliError> {
    let envelope = match PublishedDocument::parse(bytes) {
        Ok(document) => document.roots.last().cloned(),
        Err(_) => serde_json::from_slice::<Envelope>(bytes).ok(),
    };
    envelope
        .ok_or_else(|| notice_types::VerifyError::MalformedJson {
            detail: "neither a root envelope nor a published document".to_owned(),
        })
        .and_then(|envelope| TrustedRoot::from_envelope(&envelope))
        .map_err(|e| {
            CliError::usage_hint(
                format!("{source} is not a root file or published document: {e}"),
                "pass root.json (what the apps ship) or the server's feed.json",
            )
        })
}

/// `notice root publish`.
#[derive(Debug, Args)]
struct PublishArgs {
    /// The signed rotation file
    #[arg(value_name = "ROTATION")]
    file: PathBuf,
    /// Ask the server to check and sign everything, and store nothing
    #[arg(long)]
    dry_run: bool,
    /// Accepted for symmetry with the other changing commands: the signatures are the confirmation
    #[arg(short, long)]
    yes: bool,
    /// Print the server's answer as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    offline: OfflineArgs,
}

impl PublishArgs {
    fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let rotation = read_rotation(&self.file)?;
        if self.offline.offline {
            return self.run_offline(ctx, &rotation);
        }
        let envelope = rotation.envelope().ok_or_else(|| {
            CliError::usage_hint(
                format!("{} carries no signatures yet", self.file.display()),
                format!(
                    "sign it first: `notice root sign {} --key ROOT-KEY.pem` on each holder's machine",
                    self.file.display()
                ),
            )
        })?;
        let api = ctx.api()?;
        let published = api
            .publish_root(&envelope, self.dry_run)
            .map_err(|e| match e {
                CliError::Rejected {
                    status,
                    code,
                    message,
                } if code == "root_rotation_rejected" => CliError::Refused {
                    code: "root_rotation_rejected",
                    message: format!(
                        "the server refused root v{} (HTTP {status}, {code}): {message}",
                        rotation.next().version
                    ),
                    hint: Some(format!(
                        "see what is missing with `notice root check {}`",
                        self.file.display()
                    )),
                },
                other => other,
            })?;
        if self.json {
            return print_json(&published);
        }
        let verb = if self.dry_run {
            "Would publish"
        } else {
            "Published"
        };
        render::print(&format!(
            "{} root v{} on {}\n  feed version {} signed under it with feed key {}\n{}",
            styled(OK, verb),
            styled(BOLD, published.root_version),
            api.server(),
            published.feed_version,
            published.feed_key_id,
            if self.dry_run {
                "Nothing was stored (dry run).\n"
            } else {
                "Apps move to it with their next refresh; mirrors and copies follow with the next document.\n"
            }
        ));
        let _ = self.yes;
        Ok(())
    }
}

impl PublishArgs {
    /// Break-glass: the last known feed, signed with the feed key under the new root, into the copies.
    fn run_offline(&self, ctx: &Ctx<'_>, rotation: &Rotation) -> Result<(), CliError> {
        if self.dry_run {
            return Err(CliError::usage_hint(
                "--dry-run asks the server; with --offline there is none",
                "run `notice root check` to see whether apps accept the rotation",
            ));
        }
        let breakglass = self.offline.open_for_rotation(ctx, rotation.next())?;
        let now = ctx.now();
        let exported = breakglass.publish_rotation(rotation, now)?;
        if self.json {
            return print_json(&exported);
        }
        render::print(&format!(
            "{} root v{} break-glass: document version {} (from version {}, {}) written to {}\n\
             When the server is back: `notice root publish {}` (the server takes root v{}), then \
             `notice ingest` of that feed.json.\n",
            styled(OK, "Published"),
            styled(BOLD, rotation.next().version),
            exported.version,
            breakglass.last_version(),
            breakglass.last_source(),
            breakglass.destinations(),
            self.file.display(),
            rotation.next().version,
        ));
        Ok(())
    }
}

fn read_rotation(path: &Path) -> Result<Rotation, CliError> {
    let bytes = std::fs::read(path).map_err(|e| CliError::io("read", path, e))?;
    Rotation::parse(&bytes).map_err(|e| {
        CliError::usage_hint(
            format!("{}: {e}", path.display()),
            "pass the file `notice root prepare --out` wrote (and signers passed on)",
        )
    })
}

/// Writes the rotation file beside itself and renames it into place: a crash never leaves half a file.
fn write_rotation(path: &Path, rotation: &Rotation) -> Result<(), CliError> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(format!(".tmp-{}", std::process::id()));
    let temp = PathBuf::from(temp);
    let io = |e| CliError::io("write", path, e);
    std::fs::write(&temp, rotation.to_bytes()).map_err(io)?;
    std::fs::rename(&temp, path).map_err(io)
}

fn read_root_key(path: &Path) -> Result<SecretKey, CliError> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| CliError::io("read the root key", path, e))?,
    );
    SecretKey::from_pkcs8_pem(&text).map_err(|e| {
        CliError::usage_hint(
            format!("{} is not a signing key: {e}", path.display()),
            "pass the root key's PEM file (from `notice keygen --role root` or root-key.pem), not a .pub",
        )
    })
}

fn rotation_error(e: RotationError) -> CliError {
    let hint = match &e {
        RotationError::SignerNotInRoots { .. } => {
            "sign with a root key that the current root or the new one lists (`notice root check` names them)"
        }
        RotationError::InvalidRoot { .. } => {
            "change the flags so the new root is valid, e.g. a threshold no higher than the key count"
        }
        RotationError::NoChange => {
            "say what changes: --add-root-key, --remove-root-key, --root-threshold, --add-feed-key …"
        }
        RotationError::InvalidFile(_) => {
            "prepare the rotation again from the server's document (--server or --from feed.json)"
        }
        _ => "see `notice root prepare --help`",
    };
    CliError::Refused {
        code: e.code(),
        message: e.to_string(),
        hint: Some(hint.to_owned()),
    }
}

/// The tally in words.
fn describe_report(rotation: &Rotation, report: &Report) -> String {
    let mut out = format!(
        "root v{} → v{} of {}\n",
        rotation.current().version,
        rotation.next().version,
        rotation.next().feed_id
    );
    for line in rotation.changes() {
        out.push_str(&format!("  {line}\n"));
    }
    for (label, tally) in [("old", &report.current), ("new", &report.next)] {
        let mark = if tally.is_met() {
            styled(OK, "ok")
        } else {
            styled(WARN, "short")
        };
        out.push_str(&format!(
            "  v{} root keys ({label}): {} of {} required signed [{mark}]\n",
            tally.version,
            tally.signed.len(),
            tally.threshold
        ));
        for key in &tally.signed {
            out.push_str(&format!("    signed   {}\n", key.key_id()));
        }
        for key in &tally.missing {
            out.push_str(&format!("    unsigned {}\n", key.key_id()));
        }
    }
    match &report.verdict {
        Ok(_) => out.push_str(&format!(
            "{} apps accept root v{}: publish it with `notice root publish`\n",
            styled(OK, "Ready:"),
            rotation.next().version
        )),
        Err(e) => out.push_str(&format!(
            "{} {}\n",
            styled(WARN, "Not ready:"),
            missing_text(report, e)
        )),
    }
    out
}

/// What is missing, naming both thresholds.
fn missing_text(report: &Report, error: &notice_types::VerifyError) -> String {
    let short = |tally: &Tally| {
        format!(
            "{} more signature(s) of v{}'s root keys ({} of {})",
            tally.short_by(),
            tally.version,
            tally.signed.len(),
            tally.threshold
        )
    };
    let mut parts = Vec::new();
    for tally in [&report.current, &report.next] {
        if !tally.is_met() {
            parts.push(short(tally));
        }
    }
    if parts.is_empty() {
        format!("apps refuse it: {error}")
    } else {
        format!("needs {}", parts.join(" and "))
    }
}

/// `--json` of `sign` and `check`.
#[derive(Serialize)]
struct ReportJson {
    current_version: u64,
    next_version: u64,
    changes: Vec<String>,
    current: TallyJson,
    next: TallyJson,
    ready: bool,
    problem: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_with: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    already_signed: Option<bool>,
}

#[derive(Serialize)]
struct TallyJson {
    threshold: u32,
    signed: Vec<String>,
    missing: Vec<String>,
}

impl ReportJson {
    fn new(rotation: &Rotation, report: &Report, signed: Option<(&SecretKey, Signed)>) -> Self {
        let tally = |t: &Tally| TallyJson {
            threshold: t.threshold,
            signed: t.signed.iter().map(PublicKey::key_id).collect(),
            missing: t.missing.iter().map(PublicKey::key_id).collect(),
        };
        Self {
            current_version: rotation.current().version,
            next_version: rotation.next().version,
            changes: rotation.changes(),
            current: tally(&report.current),
            next: tally(&report.next),
            ready: report.verdict.is_ok(),
            problem: report
                .verdict
                .as_ref()
                .err()
                .map(|e| missing_text(report, e)),
            signed_with: signed.map(|(key, _)| key.public_key().key_id()),
            already_signed: signed.map(|(_, s)| s == Signed::AlreadySigned),
        }
    }
}
