//! Starting a long-running process that says where it listens on stdout, and waiting for that line with a
//! deadline; running a short command with a deadline. A listening process's stderr (its log), and stdout
//! after that line, are forwarded to the test's stderr (labelled, shown when a test fails) and kept for
//! tests that check what was logged.

use std::io::{BufRead as _, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::poll::try_poll_until;

/// How long a process may take to start listening, or a short command to finish (debug builds on a busy
/// machine).
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// What a process logged (its stderr), shared between the thread that reads it and the test.
pub type Log = Arc<Mutex<String>>;

/// A process that listens.
pub struct Listening {
    /// The process.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// What it printed on stdout before the line that says where it listens.
    pub before: Vec<String>,
}

/// Spawns `command` and waits until `address_in` finds the listening address in a line of its stdout.
/// Its stderr is appended to `log` (and forwarded to the test's stderr).
///
/// # Panics
/// When the process cannot start, exits first, or prints no such line within [`START_TIMEOUT`] (it is
/// killed then).
pub fn spawn_listening(
    mut command: Command,
    label: &'static str,
    address_in: fn(&str) -> Option<SocketAddr>,
    log: &Log,
) -> Listening {
    let deadline = Instant::now() + START_TIMEOUT;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    forward_lines(
        child.stderr.take().expect("piped stderr"),
        label,
        log.clone(),
    );
    let stdout = child.stdout.take().expect("piped stdout");
    let (lines_tx, lines_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut found = false;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if found {
                eprintln!("[{label} stdout] {line}");
                continue;
            }
            found = address_in(&line).is_some();
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut before = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines_rx.recv_timeout(left) {
            Ok(line) => match address_in(&line) {
                Some(addr) => {
                    return Listening {
                        child,
                        addr,
                        before,
                    };
                }
                None => before.push(line),
            },
            Err(RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{label} did not say where it listens within {START_TIMEOUT:?}; stdout so far:\n{}",
                    before.join("\n")
                );
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = child.wait();
                panic!(
                    "{label} exited before listening ({status:?}); its log is above. stdout:\n{}",
                    before.join("\n")
                );
            }
        }
    }
}

/// The address in `listening on http://ADDR`, the line `notice-server serve` and `mirror` print once bound.
pub fn notice_server_address(line: &str) -> Option<SocketAddr> {
    line.strip_prefix("listening on http://")?
        .trim()
        .parse()
        .ok()
}

/// Copies lines from `stream` to the test's stderr, labelled, and appends them to `log`.
fn forward_lines(stream: impl Read + Send + 'static, label: &'static str, log: Log) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            eprintln!("[{label}] {line}");
            let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
            log.push_str(&line);
            log.push('\n');
        }
    });
}

/// Reads a stream to its end on a thread, so a full pipe never blocks the child.
fn read_all(mut stream: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        bytes
    })
}

/// Runs `command` to completion with stdout and stderr captured; `None` (after killing it) when it takes
/// longer than `timeout`.
///
/// # Panics
/// When the process cannot be started.
pub fn output_within(command: &mut Command, timeout: Duration) -> Option<Output> {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    finish_within(child, timeout)
}

/// Waits up to `timeout` for a child started with piped stdout and stderr, reading both meanwhile (so a
/// full pipe never blocks it); `None` (after killing it) when time runs out.
pub fn finish_within(mut child: Child, timeout: Duration) -> Option<Output> {
    let stdout = read_all(child.stdout.take().expect("piped stdout"));
    let stderr = read_all(child.stderr.take().expect("piped stderr"));
    let Some(status) = wait_within(&mut child, timeout) else {
        kill(&mut Some(child));
        return None;
    };
    Some(Output {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    })
}

/// Like [`output_within`] with [`START_TIMEOUT`], for short commands that must not hang.
///
/// # Panics
/// When the process cannot be started or does not finish in time.
pub fn output(command: &mut Command) -> Output {
    output_within(command, START_TIMEOUT)
        .unwrap_or_else(|| panic!("{command:?} did not finish within {START_TIMEOUT:?}"))
}

/// Waits up to `timeout` for `child` to exit.
pub fn wait_within(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    try_poll_until(timeout, || child.try_wait().ok().flatten())
}

/// Kills `child` with SIGKILL if it still runs, and reaps it.
pub fn kill(child: &mut Option<Child>) {
    if let Some(mut child) = child.take() {
        // Fails only if it already exited; either way it is gone after wait.
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Removes every `NOTICE_*` variable of the developer's shell from `command`'s environment.
pub fn without_notice_env(command: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("NOTICE_") {
            command.env_remove(&name);
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listening_line_gives_the_address() {
        assert_eq!(
            notice_server_address("listening on http://127.0.0.1:4242"),
            Some("127.0.0.1:4242".parse().unwrap())
        );
        assert_eq!(notice_server_address("initialized ./notice-data"), None);
    }
}
