//! Starting a long-running process that says where it listens on stdout, and waiting for that line with a
//! deadline. Its stderr, and stdout after that line, are forwarded to the test's stderr (labelled), which
//! the test harness shows when a test fails.

use std::io::{BufRead as _, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long a process may take to start listening (debug builds on a busy machine).
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Spawns `command` and waits until `address_in` finds the listening address in a line of its stdout.
///
/// # Panics
/// When the process cannot start, exits first, or prints no such line within [`START_TIMEOUT`] (it is
/// killed then).
pub fn spawn_listening(
    mut command: Command,
    label: &'static str,
    address_in: fn(&str) -> Option<SocketAddr>,
) -> (Child, SocketAddr) {
    let deadline = Instant::now() + START_TIMEOUT;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    forward_lines(child.stderr.take().expect("piped stderr"), label);
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
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines_rx.recv_timeout(left) {
            Ok(line) => match address_in(&line) {
                Some(address) => return (child, address),
                None => seen.push(line),
            },
            Err(RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{label} did not say where it listens within {START_TIMEOUT:?}; stdout so far:\n{}",
                    seen.join("\n")
                );
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = child.wait();
                panic!(
                    "{label} exited before listening ({status:?}); its log is above. stdout:\n{}",
                    seen.join("\n")
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

/// Copies lines from `stream` to the test's stderr, labelled.
pub fn forward_lines(stream: impl Read + Send + 'static, label: &'static str) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            eprintln!("[{label}] {line}");
        }
    });
}

/// Kills `child` with SIGKILL if it still runs, and reaps it.
pub fn kill(child: &mut Option<Child>) {
    if let Some(mut child) = child.take() {
        // Fails only if it already exited; either way it is gone after wait.
        let _ = child.kill();
        let _ = child.wait();
    }
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
