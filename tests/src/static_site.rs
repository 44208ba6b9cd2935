//! A plain static file server for an export directory, as any static host or bucket on another provider
//! would serve it: Python's `http.server`, which knows nothing about Notice (no ETags, no caching rules,
//! files read from disk on every request).

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command};

use crate::http::Loopback;
use crate::process::{Log, kill, spawn_listening};

/// A running static file server; killed when dropped.
#[derive(Debug)]
pub struct StaticSite {
    child: Option<Child>,
    addr: SocketAddr,
}

impl StaticSite {
    /// Serves `dir` on `127.0.0.1:0` with `python3 -m http.server`.
    ///
    /// # Panics
    /// When python3 is missing or the server does not start listening within the deadline.
    pub fn serve(dir: &Path) -> StaticSite {
        let mut command = Command::new("python3");
        command
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir);
        let started = spawn_listening(
            command,
            "static site (python3 http.server)",
            address,
            &Log::default(),
        );
        StaticSite {
            child: Some(started.child),
            addr: started.addr,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Loopback for StaticSite {
    fn base_url(&self) -> String {
        self.url()
    }
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        kill(&mut self.child);
    }
}

/// The address in `Serving HTTP on 127.0.0.1 port 8000 (http://127.0.0.1:8000/) ...`.
fn address(line: &str) -> Option<SocketAddr> {
    let rest = line.strip_prefix("Serving HTTP on ")?;
    let mut words = rest.split_whitespace();
    let host = words.next()?;
    let port = words.nth(1)?;
    format!("{host}:{port}").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pythons_banner_gives_the_address() {
        assert_eq!(
            address("Serving HTTP on 127.0.0.1 port 38471 (http://127.0.0.1:38471/) ..."),
            Some("127.0.0.1:38471".parse().unwrap())
        );
        assert_eq!(
            address("127.0.0.1 - - [01/Dec/2026] \"GET / HTTP/1.1\" 200 -"),
            None
        );
    }
}
