//! A real `notice-server` process on 127.0.0.1 with its own temporary data directory.
//!
//! Start-up: `notice-server init` (feed id [`FEED_ID`], link host [`LINK_HOST`]) prints the first admin token,
//! then `notice-server serve --listen 127.0.0.1:0` prints `listening on http://ADDR` once bound; both are read
//! from stdout with a deadline. The server's stderr (its log) and later stdout are forwarded to the test's
//! stderr, which the test harness shows when a test fails.

use std::ffi::{OsStr, OsString};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tempfile::TempDir;

use crate::bins::bin_path;
use crate::cli::NoticeCommand;
use crate::process::{START_TIMEOUT, kill, notice_server_address, spawn_listening};

/// The feed id test servers are initialized with.
pub const FEED_ID: &str = "notice-tests/e2e";
/// The host notice links may point to on test servers.
pub const LINK_HOST: &str = "example.org";

/// Options for a [`TestServer`]; from [`TestServer::builder`].
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    feed_id: String,
    link_hosts: Vec<String>,
    init_args: Vec<OsString>,
    serve_args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
}

impl ServerBuilder {
    /// The feed id to initialize with (default [`FEED_ID`]).
    pub fn feed_id(mut self, feed_id: &str) -> Self {
        self.feed_id = feed_id.to_owned();
        self
    }

    /// Replaces the allowed link hosts (default: [`LINK_HOST`]); an empty list allows no links.
    pub fn link_hosts(mut self, hosts: &[&str]) -> Self {
        self.link_hosts = hosts.iter().map(|h| (*h).to_owned()).collect();
        self
    }

    /// Extra arguments for `notice-server init`.
    pub fn init_args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.init_args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Extra arguments for `notice-server serve` (e.g. `--heartbeat-interval 2s`); kept for restarts.
    pub fn serve_args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.serve_args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// An environment variable for every `notice-server` process of this server.
    pub fn env(mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((name.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Initializes a temporary data directory and starts serving.
    ///
    /// # Panics
    /// When the binary is missing, `init` fails, or the server does not listen within the deadline; the
    /// message includes what the server printed.
    pub fn start(self) -> TestServer {
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        let mut init = base_command(data_dir.path(), &self.env);
        init.arg("init").arg("--feed-id").arg(&self.feed_id);
        for host in &self.link_hosts {
            init.arg("--link-host").arg(host);
        }
        init.args(&self.init_args);
        let output = run_with_deadline(init, START_TIMEOUT);
        let init_output = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "notice-server init failed ({})\nstdout:\n{init_output}\nstderr:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let token = token_in(&init_output).unwrap_or_else(|| {
            panic!("no admin token in the output of notice-server init:\n{init_output}")
        });
        let mut server = TestServer {
            data_dir,
            builder: self,
            child: None,
            addr: None,
            token,
            init_output,
        };
        server.serve("127.0.0.1:0");
        server
    }
}

/// A running `notice-server` with a temporary data directory; killed (and the directory removed) on drop.
#[derive(Debug)]
pub struct TestServer {
    data_dir: TempDir,
    builder: ServerBuilder,
    child: Option<Child>,
    addr: Option<SocketAddr>,
    token: String,
    init_output: String,
}

impl TestServer {
    /// Default options: feed id [`FEED_ID`], links to [`LINK_HOST`] allowed.
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            feed_id: FEED_ID.to_owned(),
            link_hosts: vec![LINK_HOST.to_owned()],
            init_args: Vec::new(),
            serve_args: Vec::new(),
            env: Vec::new(),
        }
    }

    /// A server with the default options.
    pub fn start() -> Self {
        Self::builder().start()
    }

    /// A server with extra `serve` arguments.
    pub fn start_with<I, S>(serve_args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Self::builder().serve_args(serve_args).start()
    }

    /// One default server shared by every test of this test binary that holds it at the same time.
    ///
    /// The server lives while any test holds the returned `Arc`; when the last one drops it, the process is
    /// killed (nothing outlives the test run), and a later call starts a fresh one. Tests sharing it must not
    /// depend on what others post: use unique ids and look for your own notices. Keep deliberately failed
    /// authentications few (the server answers 429 to everyone on 127.0.0.1 after 10 a minute), and the
    /// notices posted well under the feed's 50; tests that need more get their own [`TestServer::start`].
    pub fn shared() -> Arc<TestServer> {
        static SHARED: Mutex<Weak<TestServer>> = Mutex::new(Weak::new());
        let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(server) = slot.upgrade() {
            return server;
        }
        let server = Arc::new(TestServer::start());
        *slot = Arc::downgrade(&server);
        server
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    ///
    /// # Panics
    /// When the server never listened (cannot happen after a successful start).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// The address it listens on (kept across [`TestServer::restart`]).
    pub fn addr(&self) -> SocketAddr {
        self.addr.expect("the server listened")
    }

    /// The admin token `init` printed.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The data directory (database, keys, root.json).
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// `root.json` as `init` wrote it: the root v1 envelope the app ships.
    pub fn root_path(&self) -> PathBuf {
        self.data_dir.path().join("root.json")
    }

    /// The feed id it was initialized with.
    pub fn feed_id(&self) -> &str {
        &self.builder.feed_id
    }

    /// What `notice-server init` printed on stdout.
    pub fn init_output(&self) -> &str {
        &self.init_output
    }

    /// The `notice` CLI, pointed at this server with its admin token (via `NOTICE_SERVER`/`NOTICE_TOKEN`).
    pub fn notice(&self) -> NoticeCommand {
        NoticeCommand::new().server(&self.url(), &self.token)
    }

    /// `notice-server --data-dir DIR` with this server's environment, for other subcommands
    /// (`token create`, `rotate-feed-key`, …).
    pub fn server_command(&self) -> Command {
        base_command(self.data_dir.path(), &self.builder.env)
    }

    /// Creates another admin token named `name` with `notice-server token create` and returns it.
    ///
    /// # Panics
    /// When the command fails.
    pub fn create_token(&self, name: &str) -> String {
        let mut command = self.server_command();
        command.args(["token", "create", name]);
        let output = run_with_deadline(command, START_TIMEOUT);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "notice-server token create {name} failed\nstdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        token_in(&stdout)
            .unwrap_or_else(|| panic!("no token in the output of token create:\n{stdout}"))
    }

    /// Kills the server with SIGKILL (no graceful shutdown) and waits until it is gone.
    pub fn kill9(&mut self) {
        kill(&mut self.child);
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Kills the server if it runs (SIGKILL) and serves the same data directory again on the same address.
    ///
    /// # Panics
    /// When it does not listen again within the deadline.
    pub fn restart(&mut self) {
        self.kill9();
        let addr = self.addr().to_string();
        self.serve(&addr);
    }

    fn serve(&mut self, listen: &str) {
        let mut command = base_command(self.data_dir.path(), &self.builder.env);
        command
            .arg("serve")
            .arg("--listen")
            .arg(listen)
            .args(&self.builder.serve_args);
        let (child, addr) = spawn_listening(command, "notice-server", notice_server_address);
        self.addr = Some(addr);
        self.child = Some(child);
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// `notice-server --data-dir DIR` without `NOTICE_*` variables from the developer's shell.
fn base_command(data_dir: &Path, env: &[(OsString, OsString)]) -> Command {
    let mut command = Command::new(bin_path("notice-server"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("NOTICE_") {
            command.env_remove(&name);
        }
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command.arg("--data-dir").arg(data_dir).stdin(Stdio::null());
    command
}

/// Runs a short command to completion, killing it if it takes longer than `timeout`.
fn run_with_deadline(mut command: Command, timeout: Duration) -> Output {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let id = child.id();
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait_with_output());
    });
    match done_rx.recv_timeout(timeout) {
        Ok(output) => output.unwrap_or_else(|e| panic!("waiting for {command:?}: {e}")),
        Err(_) => panic!("{command:?} (pid {id}) did not finish within {timeout:?}"),
    }
}

/// The token in a command's output: the last word of a line that mentions a token, or a line that is only
/// a token (as `token create` prints it).
fn token_in(output: &str) -> Option<String> {
    output.lines().find_map(|line| {
        let word = line.split_whitespace().last()?;
        let mentions = line.to_ascii_lowercase().contains("token");
        let alone = line.trim() == word;
        let plausible = word.len() >= 16 && word.chars().all(|c| c.is_ascii_graphic());
        ((mentions || alone) && plausible && !word.ends_with(':')).then(|| word.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_found_in_init_and_token_create_output() {
        let init = "initialized /tmp/x\n  feed id:     a/b\nadmin token (shown once, store it now): ntk_0123456789abcdef0123\n";
        assert_eq!(token_in(init).as_deref(), Some("ntk_0123456789abcdef0123"));
        assert_eq!(
            token_in("ntk_fedcba9876543210fedc\n").as_deref(),
            Some("ntk_fedcba9876543210fedc")
        );
        assert_eq!(token_in("initialized /tmp/x\n"), None);
    }
}
