//! `notice keygen`: a new Ed25519 signing key from the OS random source, written as PKCS#8 PEM (owner-only)
//! with its public key beside it.

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use notice_types::SecretKey;
use rand::RngCore as _;
use serde::Serialize;
use zeroize::Zeroizing;

use super::{Ctx, print_json};
use crate::error::CliError;
use crate::render::{self, BOLD, OK, styled};

const EXAMPLES: &str = "\
Writes PATH (the secret key, PKCS#8 PEM, mode 0600) and PATH.pub (the public key, `ed25519:…`).
Refuses to overwrite either unless --force: a key file may be the only copy of a key.

Examples:
  notice keygen --role root --out /media/offline/root-key-2.pem
  notice keygen --role feed --out feed-key.pem";

/// Make a new feed or root signing key.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct KeygenArgs {
    /// What the key is for: root keys (offline) sign root versions, feed keys (online) sign feeds
    #[arg(long, value_enum)]
    role: Role,
    /// Where to write the secret key; the public key goes to PATH.pub
    #[arg(long, value_name = "PATH")]
    out: PathBuf,
    /// Replace existing files
    #[arg(long)]
    force: bool,
    /// Print the paths, public key and key id as JSON
    #[arg(long)]
    json: bool,
}

/// `--role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
enum Role {
    /// Signs root versions; keep it offline.
    Root,
    /// Signs feeds; lives on the server (or the break-glass laptop).
    Feed,
}

#[derive(Serialize)]
struct Report<'a> {
    role: Role,
    secret_key_path: &'a Path,
    public_key_path: &'a Path,
    public_key: String,
    key_id: String,
}

impl KeygenArgs {
    /// Runs `notice keygen`.
    pub fn run(self, _ctx: &Ctx<'_>) -> Result<(), CliError> {
        let public_path = public_path(&self.out);
        if !self.force {
            for path in [&self.out, &public_path] {
                if path.exists() {
                    return Err(CliError::usage_hint(
                        format!(
                            "{} exists; refusing to overwrite a key file",
                            path.display()
                        ),
                        "it may be the only copy of a key: pick another --out, or add --force to replace it",
                    ));
                }
            }
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(seed.as_mut());
        let key = SecretKey::from_seed(&seed);
        let public = key.public_key();
        let role = match self.role {
            Role::Root => "root",
            Role::Feed => "feed",
        };
        // Encoded before anything is written: an error leaves no key file, never an empty one.
        let pem = key
            .to_pkcs8_pem()
            .map_err(|e| CliError::io("write", &self.out, std::io::Error::other(e)))?;
        write_file(&self.out, pem.as_bytes(), 0o600, self.force)?;
        let comment = format!(
            "Notice {role} key {}, made by notice keygen at {}",
            public.key_id(),
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
        );
        write_file(
            &public_path,
            public.to_file_text(&comment).as_bytes(),
            0o644,
            self.force,
        )?;

        if self.json {
            return print_json(&Report {
                role: self.role,
                secret_key_path: &self.out,
                public_key_path: &public_path,
                public_key: public.to_string(),
                key_id: public.key_id(),
            });
        }
        let advice = match self.role {
            Role::Root => {
                "Keep the secret key offline and backed up: whoever has it decides which keys every app trusts. List the public key in a root version's root_keys."
            }
            Role::Feed => {
                "The public key must be in the current root's feed_keys (a root version signed with the root key) before feeds signed with this key verify."
            }
        };
        render::print(&format!(
            "{} {role} key\n  {:<11}{} (PKCS#8 PEM, mode 0600: keep it secret)\n  {:<11}{}\n  {:<11}{}\n  {:<11}{}\n{advice}\n",
            styled(OK, "Wrote"),
            "secret",
            self.out.display(),
            "public",
            public_path.display(),
            "public key",
            styled(BOLD, public),
            "key id",
            public.key_id(),
        ));
        Ok(())
    }
}

/// `PATH.pub` next to `PATH`.
fn public_path(secret: &Path) -> PathBuf {
    let mut name = OsString::from(secret.as_os_str());
    name.push(".pub");
    PathBuf::from(name)
}

/// Writes `bytes` to `path` with `mode`, flushed to disk. Without `replace` the file must not exist (checked
/// by the OS, not just before). With `replace` the new file is written beside it and renamed over it, so a
/// crash never leaves half a key.
fn write_file(path: &Path, bytes: &[u8], mode: u32, replace: bool) -> Result<(), CliError> {
    let target = if replace {
        let mut name = OsString::from(path.as_os_str());
        name.push(format!(".tmp-{}", std::process::id()));
        PathBuf::from(name)
    } else {
        path.to_owned()
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let io = |e| CliError::io("write", path, e);
    let mut file = options.open(&target).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    if replace {
        std::fs::rename(&target, path).map_err(io)?;
    }
    Ok(())
}
