//! A real `notice-server mirror` process on 127.0.0.1, with its own temporary state directory: the
//! read-only replica an operator runs on another provider.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Child;

use tempfile::TempDir;

use crate::http::Loopback;
use crate::process::{Log, kill, notice_server_address, spawn_listening};
use crate::server::notice_server_command;

/// How often a test mirror asks its upstream: often, so tests wait little (they poll with deadlines).
const POLL_INTERVAL: &str = "200ms";

/// A running mirror; killed (and its state directory removed) when dropped.
#[derive(Debug)]
pub struct TestMirror {
    child: Option<Child>,
    addr: SocketAddr,
    upstreams: Vec<String>,
    root: PathBuf,
    state_dir: TempDir,
    log: Log,
}

impl TestMirror {
    /// Mirrors `upstream` (a base URL such as `http://127.0.0.1:PORT`), verifying against the root file
    /// `root`, on `127.0.0.1:0`.
    ///
    /// # Panics
    /// When it does not start listening within the deadline.
    pub fn start(upstream: &str, root: &Path) -> TestMirror {
        Self::start_with_upstreams(&[upstream], root)
    }

    /// Mirrors the highest valid version among `upstreams` (servers, buckets, static hosts), one
    /// `--upstream` each.
    ///
    /// # Panics
    /// As [`TestMirror::start`].
    pub fn start_with_upstreams(upstreams: &[&str], root: &Path) -> TestMirror {
        let upstreams: Vec<String> = upstreams.iter().map(|u| (*u).to_owned()).collect();
        let state_dir = tempfile::tempdir().expect("mirror state directory");
        let log = Log::default();
        let (child, addr) = spawn(&upstreams, root, state_dir.path(), "127.0.0.1:0", &log);
        TestMirror {
            child: Some(child),
            addr,
            upstreams,
            root: root.to_owned(),
            state_dir,
            log,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Everything it logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Where it keeps the last verified document and its floor.
    pub fn state_dir(&self) -> &Path {
        self.state_dir.path()
    }

    /// Kills the mirror (SIGKILL).
    pub fn kill9(&mut self) {
        kill(&mut self.child);
    }

    /// Kills the mirror if it runs and starts it again with the same state directory, on the same address.
    ///
    /// # Panics
    /// When it does not listen again within the deadline.
    pub fn restart(&mut self) {
        self.kill9();
        let listen = self.addr.to_string();
        let (child, addr) = spawn(
            &self.upstreams,
            &self.root,
            self.state_dir.path(),
            &listen,
            &self.log,
        );
        self.child = Some(child);
        self.addr = addr;
    }
}

impl Loopback for TestMirror {
    fn base_url(&self) -> String {
        self.url()
    }
}

impl Drop for TestMirror {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn spawn(
    upstreams: &[String],
    root: &Path,
    state_dir: &Path,
    listen: &str,
    log: &Log,
) -> (Child, SocketAddr) {
    let mut command = notice_server_command();
    command.args(["mirror", "--listen", listen]);
    for upstream in upstreams {
        command.args(["--upstream", upstream]);
    }
    command
        .arg("--root")
        .arg(root)
        .arg("--state-dir")
        .arg(state_dir)
        .args(["--poll-interval", POLL_INTERVAL, "--timeout", "2s"]);
    let started = spawn_listening(command, "notice-server mirror", notice_server_address, log);
    (started.child, started.addr)
}
