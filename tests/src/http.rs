//! Plain HTTP for tests against servers on 127.0.0.1.

use std::net::TcpListener;
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

    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// `GET url` with a 10 s deadline; any status is returned, not turned into an error.
///
/// # Panics
/// When the server cannot be reached or the body cannot be read.
pub fn get(url: &str) -> Fetched {
    request("GET", url, None, None)
}

/// `METHOD url` with an optional bearer `token` and JSON `body`, a 10 s deadline; any status is returned.
///
/// # Panics
/// When the request cannot be built, the server cannot be reached or the body cannot be read.
pub fn request(method: &str, url: &str, token: Option<&str>, body: Option<&[u8]>) -> Fetched {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .proxy(None)
        .allow_non_standard_methods(true)
        .build()
        .into();
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
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
