//! A real `notice watch --config FILE` process (the watchdog), with a clean environment, its `/metrics`
//! read as Prometheus would, stopped with SIGTERM (as systemd does) or SIGKILL, and restarted on the same
//! configuration. Also [`watch_token`], a token of scope watch from the server's own command line.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::time::Duration;

use crate::cli::NoticeCommand;
use crate::poll::try_poll_until;
use crate::process::{Log, kill, spawn_listening};
use crate::server::TestServer;

/// How long a stopped watchdog may take to exit (a check in flight finishes first).
pub const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// A running watchdog; killed when dropped.
#[derive(Debug)]
pub struct TestWatchdog {
    config: PathBuf,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    child: Option<Child>,
    metrics: SocketAddr,
    log: Log,
    _home: tempfile::TempDir,
}

impl TestWatchdog {
    /// Starts `notice watch --config CONFIG ARGS…` with `env` (e.g. `NOTICE_TOKEN`) and waits for the line
    /// that says it watches; the configuration must have `metrics_listen` (`127.0.0.1:0` does).
    ///
    /// # Panics
    /// When it does not start within the deadline.
    pub fn start(config: &Path, args: &[&str], env: &[(&str, &str)]) -> TestWatchdog {
        let home = tempfile::tempdir().expect("temporary home");
        let mut watchdog = TestWatchdog {
            config: config.to_owned(),
            args: args.iter().map(OsString::from).collect(),
            env: env
                .iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v)))
                .collect(),
            child: None,
            metrics: SocketAddr::from(([127, 0, 0, 1], 0)),
            log: Log::default(),
            _home: home,
        };
        watchdog.spawn();
        watchdog
    }

    fn spawn(&mut self) {
        let (mut command, _) = NoticeCommand::new().into_parts();
        command
            .env("HOME", self._home.path())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .arg("watch")
            .arg("--config")
            .arg(&self.config)
            .args(&self.args);
        let listening = spawn_listening(command, "notice watch", metrics_address, &self.log);
        self.child = Some(listening.child);
        self.metrics = listening.addr;
    }

    /// Everything it logged so far (its stderr, across restarts).
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// `http://127.0.0.1:PORT/metrics`.
    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.metrics)
    }

    /// The value of one series of `/metrics`, written exactly as it appears (`name{label="v"}`); `None`
    /// when it is not there (or the watchdog does not answer).
    pub fn metric(&self, series: &str) -> Option<f64> {
        let text = metrics_text(&self.metrics)?;
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .and_then(|value| value.trim().parse().ok())
    }

    /// Sends SIGTERM (as systemd stops it) and waits for the exit.
    ///
    /// # Panics
    /// When it has not exited within [`STOP_TIMEOUT`] (it is killed then).
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("a running watchdog");
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        match try_poll_until(STOP_TIMEOUT, || child.try_wait().ok().flatten()) {
            Some(status) => status,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("notice watch did not stop within {STOP_TIMEOUT:?} of SIGTERM");
            }
        }
    }

    /// Kills it with SIGKILL (a crash, an OOM kill) and waits until it is gone.
    pub fn kill9(&mut self) {
        kill(&mut self.child);
    }

    /// Starts it again with the same configuration, arguments and environment.
    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }
}

impl Drop for TestWatchdog {
    fn drop(&mut self) {
        kill(&mut self.child);
    }
}

/// The address in `notice watch: watching … ; metrics on http://ADDR/metrics`.
fn metrics_address(line: &str) -> Option<SocketAddr> {
    let rest = line.split("metrics on http://").nth(1)?;
    rest.split("/metrics").next()?.parse().ok()
}

fn metrics_text(addr: &SocketAddr) -> Option<String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .proxy(None)
        .build()
        .into();
    let mut response = agent.get(format!("http://{addr}/metrics")).call().ok()?;
    response.body_mut().read_to_string().ok()
}

/// A token of scope watch named `name` on `server`, made with `notice-server token create --scope watch`.
///
/// # Panics
/// When the command fails.
pub fn watch_token(server: &TestServer, name: &str) -> String {
    let output = server.run(["token", "create", "--scope", "watch", name]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "token create --scope watch failed\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .last()
        .map(|line| line.trim().to_owned())
        .filter(|token| token.starts_with("ntk_"))
        .unwrap_or_else(|| panic!("no token in the output of token create:\n{stdout}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watching_line_gives_the_metrics_address() {
        assert_eq!(
            metrics_address(
                "notice watch: watching 1 check(s) (keyshare); metrics on http://127.0.0.1:4242/metrics"
            ),
            Some("127.0.0.1:4242".parse().unwrap())
        );
        assert_eq!(
            metrics_address("notice watch: watching 1 check(s) (keyshare)"),
            None
        );
    }
}
