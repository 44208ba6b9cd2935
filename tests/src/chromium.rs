//! Headless Chromium, to test pages in a real browser: the DOM after the page's own script ran
//! (`--dump-dom`), at a phone's width.
//!
//! Debian's `chromium` package (`.ci/run` installs it). A test that needs it fails, saying how to install it,
//! when it is missing: a browser test that skips is a test that never runs.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::poll::try_poll_until;

/// How long one page load may take.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// The Chromium binary: `$CHROMIUM`, else `chromium` or `chromium-browser` on the `PATH`.
///
/// # Panics
/// When none is found, with how to install it.
pub fn chromium_path() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "headless Chromium is needed for the browser tests and was not found on PATH: install it with \
         `apt-get install -y chromium` (Debian; .ci/run does this), or point CHROMIUM at the binary"
    )
}

/// The DOM of `url` after it loaded and its scripts ran, as headless Chromium serialises it, in a window
/// `width` × `height` pixels.
///
/// # Panics
/// When Chromium is missing, fails, or takes longer than a minute.
pub fn dump_dom(url: &str, width: u32, height: u32) -> String {
    let profile = tempfile::tempdir().expect("temporary Chromium profile");
    let mut command = Command::new(chromium_path());
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},{height}"))
        .arg("--dump-dom")
        .arg(url)
        .stdin(Stdio::null());
    let out = run_with_timeout(command, LOAD_TIMEOUT, "chromium --dump-dom");
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `command` to completion, killing it after `timeout`.
fn run_with_timeout(mut command: Command, timeout: Duration, what: &str) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let read = |stream: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut stream) = stream {
                let _ = stream.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = read(child.stdout.take().map(|s| Box::new(s) as _));
    let stderr = read(child.stderr.take().map(|s| Box::new(s) as _));
    let Some(status) = try_poll_until(timeout, || child.try_wait().ok().flatten()) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{what} did not finish within {timeout:?}");
    };
    Output {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}
