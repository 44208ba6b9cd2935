//! One blocking HTTP client for reading and writing copies: a deadline per request, a size cap on what is
//! read, and no redirects (a copy that moved is reported, not followed: a redirect could lead a reader to a
//! host nobody chose).

use std::time::Duration;

use ureq::Agent;
use ureq::http::Request;

/// An HTTP client for copies.
#[derive(Debug, Clone)]
pub struct Client {
    agent: Agent,
}

/// An answer read in full (up to the cap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// HTTP status.
    pub status: u16,
    /// `ETag`, if the server sent one.
    pub etag: Option<String>,
    /// `Location`, for a redirect.
    pub location: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Client {
    /// A client that gives up on each request after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(format!("notice-copies/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self { agent }
    }

    /// `GET url`, reading at most `cap` bytes of the body.
    pub fn get(&self, url: &str, cap: u64) -> Result<Fetched, String> {
        let request = Request::get(url)
            .body(())
            .map_err(|e| format!("bad URL {url}: {e}"))?;
        self.run(request, cap)
    }

    /// `PUT url` with `body` and `headers`; the answer's body is read up to 64 KiB (an error message).
    pub fn put(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: &[u8],
    ) -> Result<Fetched, String> {
        let mut builder = Request::put(url);
        for (name, value) in headers {
            builder = builder.header(*name, value);
        }
        let request = builder
            .body(body.to_vec())
            .map_err(|e| format!("bad URL or header for {url}: {e}"))?;
        self.run(request, 64 * 1024)
    }

    fn run<B: ureq::AsSendBody>(&self, request: Request<B>, cap: u64) -> Result<Fetched, String> {
        let mut response = self.agent.run(request).map_err(|e| describe(&e))?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let etag = header("etag");
        let location = header("location");
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(cap)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => {
                    format!("the answer is larger than {cap} bytes")
                }
                other => describe(&other),
            })?;
        Ok(Fetched {
            status,
            etag,
            location,
            body,
        })
    }
}

/// Words for a transport failure.
fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Io(e) => match e.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                "connection refused (nothing listens there)".to_owned()
            }
            std::io::ErrorKind::TimedOut => "timed out".to_owned(),
            _ => e.to_string(),
        },
        ureq::Error::Timeout(which) => format!("no answer in time ({which} timeout)"),
        ureq::Error::HostNotFound => "host not found (DNS)".to_owned(),
        ureq::Error::ConnectionFailed => "connection failed".to_owned(),
        other => other.to_string(),
    }
}
