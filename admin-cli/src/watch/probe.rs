//! The health checks themselves: an HTTP(S) request (method, expected status range, optional body text,
//! timeout, own CA) or a TCP connection. Blocking, each on its check's own thread.

use std::io::Read as _;
use std::net::{TcpStream, ToSocketAddrs as _};
use std::time::{Duration, Instant};

use ureq::Agent;
use ureq::http::Request;
use ureq::tls::TlsConfig;

use crate::config::Located;
use crate::error::{CliError, Source};
use crate::watch::config::{Check, ProbeSpec, StatusRange};

/// The most of a body read to look for `body_contains`.
const MAX_BODY_BYTES: u64 = 64 * 1024;

/// One check, ready to run.
pub struct Probe {
    kind: Kind,
    timeout: Duration,
}

enum Kind {
    Http {
        agent: Agent,
        method: String,
        url: String,
        expect: StatusRange,
        body_contains: Option<String>,
    },
    Tcp {
        address: String,
    },
}

/// What one run found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the check passed.
    pub ok: bool,
    /// How long it took.
    pub latency: Duration,
    /// What was seen, in words: "HTTP 200", "HTTP 500 (expected 200-299)", "connection refused".
    pub detail: String,
}

impl Probe {
    /// The probe of `check`; reads its CA file, so a bad one is found at start.
    pub fn new(check: &Check, config_file: &std::path::Path) -> Result<Self, CliError> {
        let kind = match &check.probe {
            ProbeSpec::Http {
                method,
                url,
                expect,
                body_contains,
                ca_cert,
            } => {
                let mut tls = TlsConfig::builder();
                if let Some(path) = ca_cert {
                    let roots = crate::http::load_roots(&Located {
                        value: path.clone(),
                        source: Source::File(config_file.to_owned()),
                    })?;
                    tls = tls.root_certs(roots);
                }
                let agent: Agent = Agent::config_builder()
                    .tls_config(tls.build())
                    .http_status_as_error(false)
                    .timeout_global(Some(check.timeout))
                    // A redirect is an answer like any other: its status decides.
                    .max_redirects(0)
                    .max_redirects_will_error(false)
                    .user_agent(format!("notice-watch/{}", env!("CARGO_PKG_VERSION")))
                    .build()
                    .into();
                Kind::Http {
                    agent,
                    method: method.clone(),
                    url: url.clone(),
                    expect: *expect,
                    body_contains: body_contains.clone(),
                }
            }
            ProbeSpec::Tcp { address } => Kind::Tcp {
                address: address.clone(),
            },
        };
        Ok(Self {
            kind,
            timeout: check.timeout,
        })
    }

    /// Runs the check once.
    pub fn run(&self) -> Outcome {
        let started = Instant::now();
        let (ok, detail) = match &self.kind {
            Kind::Http {
                agent,
                method,
                url,
                expect,
                body_contains,
            } => http(agent, method, url, *expect, body_contains.as_deref()),
            Kind::Tcp { address } => tcp(address, self.timeout),
        };
        Outcome {
            ok,
            latency: started.elapsed(),
            detail,
        }
    }
}

fn http(
    agent: &Agent,
    method: &str,
    url: &str,
    expect: StatusRange,
    body_contains: Option<&str>,
) -> (bool, String) {
    let request = match Request::builder().method(method).uri(url).body(()) {
        Ok(request) => request,
        Err(e) => return (false, format!("bad request: {e}")),
    };
    let mut response = match agent.run(request) {
        Ok(response) => response,
        Err(e) => return (false, crate::http::describe(&e)),
    };
    let status = response.status().as_u16();
    if !expect.contains(status) {
        return (false, format!("HTTP {status} (expected {expect})"));
    }
    let Some(needle) = body_contains else {
        return (true, format!("HTTP {status}"));
    };
    let mut body = Vec::new();
    let read = response
        .body_mut()
        .as_reader()
        .take(MAX_BODY_BYTES)
        .read_to_end(&mut body);
    if let Err(e) = read {
        return (false, format!("HTTP {status}, body unreadable: {e}"));
    }
    if String::from_utf8_lossy(&body).contains(needle) {
        (true, format!("HTTP {status}"))
    } else {
        (
            false,
            format!(
                "HTTP {status}, but the body does not contain `{}`",
                needle.escape_debug()
            ),
        )
    }
}

fn tcp(address: &str, timeout: Duration) -> (bool, String) {
    let addresses = match address.to_socket_addrs() {
        Ok(addresses) => addresses.collect::<Vec<_>>(),
        Err(e) => return (false, format!("cannot resolve {address}: {e}")),
    };
    let mut last = format!("{address} resolves to no address");
    for addr in addresses {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(_) => return (true, format!("connected to {addr}")),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = format!("connection to {addr} refused");
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                last = format!(
                    "no connection to {addr} within {}",
                    humantime::format_duration(timeout)
                );
            }
            Err(e) => last = format!("cannot connect to {addr}: {e}"),
        }
    }
    (false, last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;
    use std::net::TcpListener;

    fn check(text: &str) -> Check {
        let config = crate::watch::config::parse(
            std::path::Path::new("t.toml"),
            &format!(
                "state_dir = \"/tmp/x\"\n[[check]]\nname = \"c\"\n{text}\ntimeout = \"2s\"\n[check.notice]\ntitle = {{ en = \"t\" }}\nbody = {{ en = \"b\" }}\n"
            ),
        )
        .unwrap();
        config.checks[0].clone()
    }

    /// A one-shot HTTP server answering `status` with `body`.
    fn answer_once(status: u16, body: &'static str) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        });
        format!("http://{addr}/health")
    }

    #[test]
    fn http_checks_look_at_the_status_and_the_body() {
        let p = |extra: &str, url: String| {
            Probe::new(
                &check(&format!("url = \"{url}\"\n{extra}")),
                std::path::Path::new("t"),
            )
            .unwrap()
            .run()
        };
        assert!(p("", answer_once(200, "ok")).ok);
        let failed = p("", answer_once(500, "down"));
        assert_eq!(
            (failed.ok, failed.detail.as_str()),
            (false, "HTTP 500 (expected 200-299)")
        );
        assert!(p("expect_status = \"200-599\"", answer_once(500, "")).ok);
        let wrong_body = p("body_contains = \"ok\"", answer_once(200, "degraded"));
        assert!(
            !wrong_body.ok && wrong_body.detail.contains("`ok`"),
            "{wrong_body:?}"
        );
        assert!(p("body_contains = \"ok\"", answer_once(200, "all ok")).ok);
    }

    #[test]
    fn tcp_checks_connect_and_refusals_fail() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let probe = |address: String| {
            Probe::new(
                &check(&format!("tcp = \"{address}\"")),
                std::path::Path::new("t"),
            )
            .unwrap()
            .run()
        };
        assert!(probe(addr.to_string()).ok);
        drop(listener);
        let refused = probe(addr.to_string());
        assert!(
            !refused.ok && refused.detail.contains("refused"),
            "{refused:?}"
        );
    }
}
