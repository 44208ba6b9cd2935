//! Plain HTTP for tests against servers on 127.0.0.1.

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

/// A response read in full.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// HTTP status.
    pub status: u16,
    /// Response headers (lowercase names), in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Fetched {
    /// The body as JSON.
    ///
    /// # Panics
    /// When the body is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "HTTP {} body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first header called `name`, which must be there.
    ///
    /// # Panics
    /// When there is no such header.
    pub fn expect_header(&self, name: &str) -> &str {
        self.header(name).unwrap_or_else(|| {
            panic!(
                "no {name} header in the HTTP {} answer; headers: {:?}",
                self.status, self.headers
            )
        })
    }
}

/// HTTP to a test process on 127.0.0.1 ([`TestServer`](crate::TestServer),
/// [`TestMirror`](crate::TestMirror), [`StaticSite`](crate::StaticSite)): paths are relative to where it
/// listens; any status is returned.
pub trait Loopback {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    fn base_url(&self) -> String;

    /// `GET path`.
    fn get(&self, path: &str) -> Fetched {
        get(&format!("{}{path}", self.base_url()))
    }

    /// `GET path` with extra request headers.
    fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Fetched {
        get_with(&format!("{}{path}", self.base_url()), headers)
    }

    /// `GET path` with `token` as the bearer.
    fn get_auth(&self, path: &str, token: &str) -> Fetched {
        request(
            "GET",
            &format!("{}{path}", self.base_url()),
            Some(token),
            None,
        )
    }

    /// `POST` of the JSON `body` to `path` with `token` as the bearer.
    fn post(&self, path: &str, token: &str, body: impl AsRef<[u8]>) -> Fetched {
        let url = format!("{}{path}", self.base_url());
        request("POST", &url, Some(token), Some(body.as_ref()))
    }
}

/// `GET url` with a 10 s deadline; any status is returned, not turned into an error.
///
/// # Panics
/// When the server cannot be reached or the body cannot be read.
pub fn get(url: &str) -> Fetched {
    send("GET", url, &[], None)
}

/// `GET url` with extra request headers, as [`get`].
///
/// # Panics
/// When the server cannot be reached or the body cannot be read.
pub fn get_with(url: &str, headers: &[(&str, &str)]) -> Fetched {
    send("GET", url, headers, None)
}

/// `METHOD url` with an optional bearer `token` and JSON `body`, a 10 s deadline; any status is returned.
///
/// # Panics
/// When the request cannot be built, the server cannot be reached or the body cannot be read.
pub fn request(method: &str, url: &str, token: Option<&str>, body: Option<&[u8]>) -> Fetched {
    match token {
        Some(token) => send(
            method,
            url,
            &[("authorization", &format!("Bearer {token}"))],
            body,
        ),
        None => send(method, url, &[], body),
    }
}

/// `GET url` as it is answered, redirects not followed, over HTTPS trusting only the CA certificates in
/// the PEM file `ca` (or plain HTTP); a 10 s deadline.
///
/// # Panics
/// When `ca` holds no certificate, the server cannot be reached, the TLS handshake fails or the body cannot
/// be read.
pub fn get_trusting(url: &str, ca: Option<&Path>) -> Fetched {
    let mut config = base_config().max_redirects(0);
    if let Some(ca) = ca {
        let pem = std::fs::read(ca).unwrap_or_else(|e| panic!("read {}: {e}", ca.display()));
        let certificates: Vec<_> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(certificate)) => Some(certificate),
                _ => None,
            })
            .collect();
        assert!(
            !certificates.is_empty(),
            "{} holds no certificate",
            ca.display()
        );
        config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::new_with_certs(&certificates))
                .build(),
        );
    }
    run(&config.build().into(), "GET", url, &[], None)
}

/// The test agent's settings: every status returned as it is, a 10 s deadline, no proxy from the
/// environment.
fn base_config() -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .proxy(None)
        .allow_non_standard_methods(true)
}

fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Fetched {
    run(&base_config().build().into(), method, url, headers, body)
}

fn run(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Fetched {
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let result = match body {
        Some(body) => {
            let request = builder
                .header("content-type", "application/json")
                .body(body.to_vec())
                .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
            agent.run(request)
        }
        None => {
            let request = builder
                .body(())
                .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
            agent.run(request)
        }
    };
    let mut response = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()
        .unwrap_or_else(|e| panic!("{method} {url}: reading the body: {e}"));
    Fetched {
        status,
        headers,
        body,
    }
}

/// Whether something accepts connections at `url`'s host and port right now.
pub fn is_listening(url: &str) -> bool {
    let authority = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    authority.parse::<std::net::SocketAddr>().is_ok_and(|addr| {
        std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok()
    })
}

/// `http://127.0.0.1:PORT` where nothing listens: a port that was free a moment ago. Connecting to it is
/// refused at once, which is what "the server is down" looks like.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = listener.local_addr().expect("bound address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}
