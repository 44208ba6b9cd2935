//! The process harness: a real `notice-server` on 127.0.0.1 with its own temporary data directory.
//!
//! Start-up: `notice-server init` (feed id [`FEED_ID`], link host [`LINK_HOST`]) prints the first admin token,
//! then `notice-server serve --listen 127.0.0.1:0` prints `listening on http://ADDR` once bound; both are read
//! from stdout with a deadline. The server's stderr (its log) and later stdout are forwarded to the test's
//! stderr, which the test harness shows when a test fails, and its log is kept for [`TestServer::log`].

use std::ffi::{OsStr, OsString};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output};
use std::sync::{Arc, Mutex, Weak};

use tempfile::TempDir;

use crate::bins::bin_path;
use crate::cli::NoticeCommand;
use crate::http::Loopback;
use crate::process::{
    Log, START_TIMEOUT, kill, notice_server_address, output, spawn_listening, wait_within,
    without_notice_env,
};

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
    init: bool,
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

    /// An environment variable for every `notice-server` process of this server (e.g. `NOTICE_LOG`).
    pub fn env(mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((name.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Skips `notice-server init`: `serve` finds an empty data directory and initializes it itself (with its
    /// own defaults, not the feed id and link hosts of this builder); the token is read from what `serve`
    /// printed before it listened.
    pub fn uninitialized(mut self) -> Self {
        self.init = false;
        self
    }

    /// Initializes a temporary data directory and starts serving.
    ///
    /// # Panics
    /// When the binary cannot be built, `init` fails, or the server does not listen within the deadline; the
    /// message includes what the server printed.
    pub fn start(self) -> TestServer {
        let mut server = self.init();
        server.restart();
        server
    }

    /// Initializes a temporary data directory without serving it: for the `notice-server` subcommands that
    /// work on a stopped server ([`TestServer::run`]). [`TestServer::restart`] starts serving.
    ///
    /// # Panics
    /// When `init` fails.
    pub fn init(self) -> TestServer {
        let dir = tempfile::tempdir().expect("temporary data directory");
        let mut server = TestServer {
            data_dir: dir.path().join("data"),
            _dir: dir,
            builder: self,
            child: None,
            addr: None,
            token: None,
            startup_output: String::new(),
            log: Log::default(),
        };
        if server.builder.init {
            let mut init = server.command();
            init.arg("init")
                .arg("--feed-id")
                .arg(&server.builder.feed_id);
            for host in &server.builder.link_hosts {
                init.arg("--link-host").arg(host);
            }
            init.args(&server.builder.init_args);
            let out = output(&mut init);
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(
                out.status.success(),
                "notice-server init failed ({})\nstdout:\n{stdout}\nstderr:\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            server.found_token(stdout);
        }
        server
    }
}

/// A `notice-server` with a temporary data directory; killed (and the directory removed) on drop.
///
/// ```no_run
/// use notice_tests::{Loopback as _, TestServer};
///
/// let mut server = TestServer::builder().serve_args(["--heartbeat-interval", "2s"]).start();
/// assert_eq!(server.get("/healthz").status, 200);
/// server.kill9();
/// server.restart(); // the same data directory, on the same address
/// ```
#[derive(Debug)]
pub struct TestServer {
    _dir: TempDir,
    data_dir: PathBuf,
    builder: ServerBuilder,
    child: Option<Child>,
    addr: Option<SocketAddr>,
    token: Option<String>,
    startup_output: String,
    log: Log,
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
            init: true,
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
    /// authentications few (the server answers 429 to every wrong token from 127.0.0.1 after 10 a minute), and the
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
    /// When the server never listened.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// The address it listens on (kept across [`TestServer::restart`]).
    ///
    /// # Panics
    /// When the server never listened.
    pub fn addr(&self) -> SocketAddr {
        self.addr.expect("the server listened")
    }

    /// The admin token `init` (or an initializing `serve`) printed.
    ///
    /// # Panics
    /// When an uninitialized server has not been started yet.
    pub fn token(&self) -> &str {
        self.token.as_deref().expect("the server was initialized")
    }

    /// The data directory (database, keys, root.json).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// `root.json` as `init` wrote it: the root v1 envelope the app ships.
    pub fn root_path(&self) -> PathBuf {
        self.data_dir.join("root.json")
    }

    /// The feed id it was initialized with.
    pub fn feed_id(&self) -> &str {
        &self.builder.feed_id
    }

    /// What `notice-server init` printed on stdout; for an [uninitialized](ServerBuilder::uninitialized)
    /// server, what its first `serve` printed before it listened.
    pub fn init_output(&self) -> &str {
        &self.startup_output
    }

    /// Everything the server's processes logged (stderr) so far, across restarts.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The `notice` CLI, pointed at this server with its admin token (via `NOTICE_SERVER`/`NOTICE_TOKEN`).
    pub fn notice(&self) -> NoticeCommand {
        NoticeCommand::new().server(&self.url(), self.token())
    }

    /// `notice-server --data-dir DIR` with this server's environment, for other subcommands.
    pub fn command(&self) -> Command {
        let mut command = notice_server_command();
        command
            .envs(self.builder.env.iter().map(|(k, v)| (k, v)))
            .arg("--data-dir")
            .arg(&self.data_dir);
        command
    }

    /// Runs `notice-server --data-dir DIR ARGS` to completion (`token create`, `rotate-feed-key`, `ingest`,
    /// or `serve` with arguments it must refuse), with a deadline.
    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        output(self.command().args(args))
    }

    /// Creates another admin token named `name` with `notice-server token create` and returns it.
    ///
    /// # Panics
    /// When the command fails.
    pub fn create_token(&self, name: &str) -> String {
        let out = self.run(["token", "create", name]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "notice-server token create {name} failed\nstdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        token_in(&stdout)
            .unwrap_or_else(|| panic!("no token in the output of token create:\n{stdout}"))
    }

    /// Kills the server with SIGKILL (no graceful shutdown) and waits until it is gone.
    pub fn kill9(&mut self) {
        kill(&mut self.child);
    }

    /// Sends SIGTERM and waits (with a deadline) for the server to exit.
    ///
    /// # Panics
    /// When it is not running or does not stop in time.
    pub fn terminate(&mut self) -> ExitStatus {
        let child = self.child.as_mut().expect("the server is running");
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("run kill(1)");
        assert!(sent.success(), "kill -TERM {} failed", child.id());
        let status = wait_within(child, START_TIMEOUT).unwrap_or_else(|| {
            panic!("the server did not stop within {START_TIMEOUT:?} of SIGTERM")
        });
        self.child = None;
        status
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Kills the server if it runs (SIGKILL) and serves the same data directory again, on the same address
    /// once it had one.
    ///
    /// # Panics
    /// When it does not listen within the deadline.
    pub fn restart(&mut self) {
        self.kill9();
        let listen = self
            .addr
            .map_or_else(|| "127.0.0.1:0".to_owned(), |addr| addr.to_string());
        let mut command = self.command();
        command
            .arg("serve")
            .arg("--listen")
            .arg(listen)
            .args(&self.builder.serve_args);
        let started = spawn_listening(command, "notice-server", notice_server_address, &self.log);
        if self.token.is_none() {
            self.found_token(started.before.join("\n"));
        }
        self.addr = Some(started.addr);
        self.child = Some(started.child);
    }

    fn found_token(&mut self, output: String) {
        let token = token_in(&output)
            .unwrap_or_else(|| panic!("no admin token in what notice-server printed:\n{output}"));
        self.token = Some(token);
        self.startup_output = output;
    }
}

impl Loopback for TestServer {
    fn base_url(&self) -> String {
        self.url()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Runs `notice-server ARGS` to completion, with a clean environment (as [`TestServer::run`] does, without a
/// data directory of its own) and a deadline.
pub fn notice_server<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    output(notice_server_command().args(args))
}

/// `notice-server` without `NOTICE_*` variables from the developer's shell, stdin closed.
pub(crate) fn notice_server_command() -> Command {
    let mut command = Command::new(bin_path("notice-server"));
    without_notice_env(&mut command).stdin(std::process::Stdio::null());
    command
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
