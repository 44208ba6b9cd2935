//! A real `notice-server mirror` process on 127.0.0.1, with its own temporary state directory: the
//! read-only replica an operator runs on another provider.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use tempfile::TempDir;

use crate::bins::bin_path;
use crate::process::{kill, notice_server_address, spawn_listening};

/// How often a test mirror asks its upstream: often, so tests wait little (they poll with deadlines).
const POLL_INTERVAL: &str = "200ms";

/// A running mirror; killed when dropped.
#[derive(Debug)]
pub struct TestMirror {
    child: Option<Child>,
    addr: SocketAddr,
    _state_dir: TempDir,
}

impl TestMirror {
    /// Mirrors `upstream` (a base URL such as `http://127.0.0.1:PORT`), verifying against the root file
    /// `root`, on `127.0.0.1:0`.
    ///
    /// # Panics
    /// When it does not start listening within the deadline.
    pub fn start(upstream: &str, root: &Path) -> TestMirror {
        let state_dir = tempfile::tempdir().expect("mirror state directory");
        let mut command = Command::new(bin_path("notice-server"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("NOTICE_") {
                command.env_remove(&name);
            }
        }
        command
            .args(["mirror", "--listen", "127.0.0.1:0", "--upstream", upstream])
            .arg("--root")
            .arg(root)
            .arg("--state-dir")
            .arg(state_dir.path())
            .args(["--poll-interval", POLL_INTERVAL, "--timeout", "2s"])
            .stdin(Stdio::null());
        let (child, addr) = spawn_listening(command, "notice-server mirror", notice_server_address);
        TestMirror {
            child: Some(child),
            addr,
            _state_dir: state_dir,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Kills the mirror (SIGKILL).
    pub fn kill9(&mut self) {
        kill(&mut self.child);
    }
}

impl Drop for TestMirror {
    fn drop(&mut self) {
        self.kill9();
    }
}
