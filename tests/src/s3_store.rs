//! A real S3-compatible object store on 127.0.0.1: `s3s-fs`, the file-system backed S3 server of the s3s
//! project (crates.io), which keeps each object as a file under a temporary root directory.
//!
//! Why s3s-fs: it is one Rust binary `cargo install` builds from crates.io (the only network CI has), it
//! speaks the S3 REST API the way the SDKs and `aws s3` do (path-style URLs, SigV4 when it has keys,
//! `Content-Type` and `Cache-Control` kept per object, `If-Match` on PUT), and it starts in milliseconds on
//! port 0. moto (PyPI) would also do, but needs a Python environment and answers more slowly.
//!
//! The binary: `NOTICE_TEST_S3S_FS` if set, else the harness installs it on first use with `cargo install`
//! into `<target>/notice-tests/tools` (a minute or two, once), so `cargo test` needs nothing else.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use tempfile::TempDir;

use crate::bins::{cargo, tools_dir};
use crate::http::Loopback;
use crate::process::{Log, kill, spawn_listening};

/// The region the tests' targets name (s3s-fs accepts any).
pub const REGION: &str = "us-east-1";

/// A running s3s-fs with one bucket; killed (and its files removed) when dropped.
#[derive(Debug)]
pub struct S3Store {
    child: Option<Child>,
    addr: SocketAddr,
    root: TempDir,
    bucket: String,
    keys: Option<(String, String)>,
    log: Log,
}

impl S3Store {
    /// A store that answers anyone (a public bucket): the server writes and the client reads without
    /// credentials.
    ///
    /// # Panics
    /// When s3s-fs is not installed or does not listen within the deadline.
    pub fn start(bucket: &str) -> S3Store {
        Self::launch(bucket, None)
    }

    /// A store that verifies SigV4 signatures with the key pair `access_key` / `secret_key`, and refuses
    /// requests without one.
    ///
    /// # Panics
    /// As [`S3Store::start`].
    pub fn start_with_keys(bucket: &str, access_key: &str, secret_key: &str) -> S3Store {
        Self::launch(bucket, Some((access_key.to_owned(), secret_key.to_owned())))
    }

    fn launch(bucket: &str, keys: Option<(String, String)>) -> S3Store {
        let root = tempfile::tempdir().expect("object store root");
        std::fs::create_dir(root.path().join(bucket)).expect("create the bucket");
        let log = Log::default();
        let (child, addr) = spawn(root.path(), "0", keys.as_ref(), &log);
        S3Store {
            child: Some(child),
            addr,
            root,
            bucket: bucket.to_owned(),
            keys,
            log,
        }
    }

    /// `http://127.0.0.1:PORT`: the S3 endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The publish target for `prefix` in the bucket: `s3://BUCKET/PREFIX?endpoint=…&region=…`.
    pub fn target(&self, prefix: &str) -> String {
        format!(
            "s3://{}/{prefix}?endpoint={}&region={REGION}",
            self.bucket,
            self.endpoint()
        )
    }

    /// The bucket's public HTTP URL for `prefix` (path style), as a CDN in front of it would serve it:
    /// `{bucket_url}/v1/feed.json` is the document.
    pub fn bucket_url(&self, prefix: &str) -> String {
        format!("{}/{}/{prefix}", self.endpoint(), self.bucket)
    }

    /// The object `key` as the store holds it on disk (s3s-fs keeps objects as plain files).
    pub fn object_path(&self, key: &str) -> PathBuf {
        self.root.path().join(&self.bucket).join(key)
    }

    /// Everything s3s-fs logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Stops the store (SIGKILL): its endpoint refuses connections until [`S3Store::restart`].
    pub fn stop(&mut self) {
        kill(&mut self.child);
    }

    /// Starts it again on the same address with the same objects.
    ///
    /// # Panics
    /// When it does not listen again within the deadline.
    pub fn restart(&mut self) {
        self.stop();
        let port = self.addr.port().to_string();
        let (child, addr) = spawn(self.root.path(), &port, self.keys.as_ref(), &self.log);
        self.child = Some(child);
        self.addr = addr;
    }
}

impl Loopback for S3Store {
    fn base_url(&self) -> String {
        self.endpoint()
    }
}

impl Drop for S3Store {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn(
    root: &Path,
    port: &str,
    keys: Option<&(String, String)>,
    log: &Log,
) -> (Child, SocketAddr) {
    let mut command = Command::new(binary());
    command
        .env("RUST_LOG", "s3s_fs=info")
        .env("NO_COLOR", "1")
        .args(["--host", "127.0.0.1", "--port", port]);
    if let Some((access, secret)) = keys {
        command
            .args(["--access-key", access])
            .args(["--secret-key", secret]);
    }
    command.arg(root);
    let started = spawn_listening(command, "s3s-fs", address, log);
    (started.child, started.addr)
}

/// The s3s-fs version the harness installs: the newest that builds with the workspace's toolchain floor.
const S3S_FS_VERSION: &str = "0.14.1";

/// Where the s3s-fs binary is: `NOTICE_TEST_S3S_FS`, else the harness's own install (see [`install`]).
fn binary() -> PathBuf {
    match std::env::var_os("NOTICE_TEST_S3S_FS") {
        Some(path) => PathBuf::from(path),
        None => install(),
    }
}

/// Installs s3s-fs into the harness's tools directory with `cargo install` the first time a test needs it
/// (`.ci/run` does the same up front). A file lock makes concurrent test processes wait for one install.
///
/// # Panics
/// When the install fails; the message has cargo's output and the command to run by hand.
fn install() -> PathBuf {
    static INSTALLED: OnceLock<PathBuf> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let root = tools_dir();
            let binary = root.join("bin").join(format!("s3s-fs{}", std::env::consts::EXE_SUFFIX));
            std::fs::create_dir_all(&root).expect("create the tools directory");
            let lock = std::fs::File::create(root.join(".s3s-fs.lock")).expect("create the install lock");
            lock.lock().expect("take the install lock");
            if !binary.is_file() {
                let mut command = cargo();
                command
                    .args(["install", "--quiet", "--locked", "--root"])
                    .arg(&root)
                    .args(["s3s-fs", "--version", S3S_FS_VERSION, "--features", "binary"])
                    .stdin(Stdio::null());
                let out = command.output().expect("run cargo install");
                assert!(
                    out.status.success(),
                    "installing s3s-fs (the tests' S3-compatible store) failed: {command:?}\n{}\nInstall it by hand and set NOTICE_TEST_S3S_FS to its path.",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            binary
        })
        .clone()
}

/// The address in `… INFO s3s_fs: server is running at http://127.0.0.1:PORT`.
fn address(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once("server is running at http://")?;
    rest.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_gives_the_address() {
        assert_eq!(
            address(
                "  2026-12-01T17:04:39Z  INFO s3s_fs: server is running at http://127.0.0.1:39681"
            ),
            Some("127.0.0.1:39681".parse().unwrap())
        );
        assert_eq!(address("  INFO s3s_fs: authentication is enabled"), None);
    }
}
