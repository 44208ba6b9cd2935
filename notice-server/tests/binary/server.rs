//! Starting the real binary and talking HTTP to it.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The binary, with no NOTICE_* settings inherited from the environment.
pub fn notice_server() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_notice-server"));
    for (key, _) in std::env::vars() {
        if key.starts_with("NOTICE_") {
            command.env_remove(key);
        }
    }
    command
}

/// Runs a one-shot command against `dir`.
pub fn cli(dir: &Path, args: &[&str]) -> Output {
    notice_server()
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

/// The admin token from init's output.
pub fn token_from(output: &str) -> String {
    output
        .lines()
        .find_map(|line| line.strip_prefix("admin token (shown once, store it now): "))
        .unwrap_or_else(|| panic!("no admin token line in:\n{output}"))
        .trim()
        .to_owned()
}

/// `init` with a feed id and a link host; returns the admin token.
pub fn init(dir: &Path) -> String {
    let output = cli(
        dir,
        &[
            "init",
            "--feed-id",
            "yivi-app/e2e",
            "--link-host",
            "yivi.app",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    token_from(&String::from_utf8(output.stdout).unwrap())
}

pub struct Server {
    child: Child,
    base: String,
    pub stdout_before_listening: Vec<String>,
    stderr: Arc<Mutex<String>>,
    agent: ureq::Agent,
    _lines: Receiver<String>,
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} header"))
    }
}

impl Server {
    /// Starts `serve` on 127.0.0.1:0 and waits (with a deadline) for its `listening on` line.
    pub fn start(dir: &Path, env: &[(&str, &str)]) -> Server {
        let mut command = notice_server();
        command
            .arg("--data-dir")
            .arg(dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .envs(env.iter().copied());
        Self::spawn(command)
    }

    /// Starts `mirror` of `upstream` on 127.0.0.1:0, polling every 200 ms, with its state in `state_dir`.
    pub fn mirror(upstream: &str, root: &Path, state_dir: &Path) -> Server {
        let mut command = notice_server();
        command
            .args([
                "mirror",
                "--listen",
                "127.0.0.1:0",
                "--poll-interval",
                "200ms",
            ])
            .args(["--upstream", upstream])
            .arg("--root")
            .arg(root)
            .arg("--state-dir")
            .arg(state_dir);
        Self::spawn(command)
    }

    /// Runs `command` and waits (with a deadline) for its `listening on` line.
    fn spawn(mut command: Command) -> Server {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();

        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let (tx, rx) = channel();
        let out_pipe = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out_pipe).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });

        let deadline = Instant::now() + Duration::from_secs(60);
        let mut before = Vec::new();
        let base = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => match line.strip_prefix("listening on ") {
                    Some(url) => break url.trim().to_owned(),
                    None => before.push(line),
                },
                Err(_) => {
                    let _ = child.kill();
                    panic!(
                        "server did not report its address in time; stdout: {before:?}; stderr: {}",
                        stderr.lock().unwrap()
                    );
                }
            }
        };
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Server {
            child,
            base,
            stdout_before_listening: before,
            stderr,
            agent,
            _lines: rx,
        }
    }

    fn reply(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = response.unwrap();
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let body = response.body_mut().read_to_vec().unwrap();
        Reply {
            status,
            headers,
            body,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn get(&self, path: &str) -> Reply {
        self.get_with(path, &[])
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Self::reply(request.call())
    }

    pub fn get_auth(&self, path: &str, token: &str) -> Reply {
        self.get_with(path, &[("authorization", &format!("Bearer {token}"))])
    }

    pub fn post(&self, path: &str, token: &str, body: &str) -> Reply {
        Self::reply(
            self.agent
                .post(format!("{}{path}", self.base))
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .send(body),
        )
    }

    pub fn post_bytes(&self, path: &str, token: &str, body: &[u8]) -> Reply {
        Self::reply(
            self.agent
                .post(format!("{}{path}", self.base))
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .send(body),
        )
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill_9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then waits (with a deadline) for the exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything the server logged so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
