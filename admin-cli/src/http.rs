//! One HTTP exchange with a deadline and a size cap, and the mapping of transport failures to errors that say
//! what to check. Shared by the admin API client and the document fetcher.

use std::time::{Duration, Instant};

use ureq::http::{Request, Response};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, parse_pem};
use ureq::{Agent, Body};

use crate::config::Located;
use crate::error::{CliError, Source};

/// The CA certificates of a PEM file (`--ca-cert`), to trust instead of the public ones.
pub fn load_roots(file: &Located<std::path::PathBuf>) -> Result<RootCerts, CliError> {
    let path = &file.value;
    let pem = std::fs::read(path).map_err(|e| CliError::io("read the CA certificates", path, e))?;
    let certificates: Vec<Certificate<'static>> = parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(certificate)) => Some(Ok(certificate)),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()
        .map_err(|e| {
            CliError::usage(format!(
                "{} ({}) is not a PEM file of certificates: {e}",
                path.display(),
                file.source
            ))
        })?;
    if certificates.is_empty() {
        return Err(CliError::usage_hint(
            format!("{} ({}) holds no certificate", path.display(), file.source),
            "give the CA certificate(s) in PEM form (-----BEGIN CERTIFICATE-----)",
        ));
    }
    Ok(RootCerts::new_with_certs(&certificates))
}

/// An HTTP client with one overall deadline per request.
#[derive(Debug, Clone)]
pub struct Http {
    agent: Agent,
    /// Redirects followed per request (0: reported as the answer).
    redirects: u32,
    verbose: bool,
}

/// A response read in full.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After` in seconds, if given as a number.
    pub retry_after_secs: Option<u64>,
    /// `Location`, for redirects the caller did not follow.
    pub location: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// The body was larger than the cap.
#[derive(Debug)]
pub struct TooLarge;

impl Http {
    /// A client that gives up after `timeout` and follows at most `redirects` redirects (0: report them),
    /// trusting `roots` for HTTPS when given (else the public CAs).
    pub fn new(timeout: Duration, redirects: u32, verbose: bool, roots: Option<RootCerts>) -> Self {
        let mut tls = TlsConfig::builder();
        if let Some(roots) = roots {
            tls = tls.root_certs(roots);
        }
        let agent: Agent = Agent::config_builder()
            .tls_config(tls.build())
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            // Followed by `exchange`, by the rule of `redirect_target`, which ureq's own following lacks.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(format!("notice-cli/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self {
            agent,
            redirects,
            verbose,
        }
    }

    /// Sends `request` and reads at most `cap` bytes of the answer. `server_source` says where the URL came
    /// from, for the "unreachable" message.
    pub fn exchange<B: ureq::AsSendBody>(
        &self,
        request: Request<B>,
        cap: u64,
        server_source: &Source,
    ) -> Result<Result<Answer, TooLarge>, CliError> {
        let url = request.uri().to_string();
        let method = request.method().to_string();
        if self.verbose {
            crate::render::eprint(&format!("> {method} {url}\n"));
        }
        let started = Instant::now();
        let unreachable = |e: ureq::Error| CliError::Unreachable {
            url: url.clone(),
            server_source: server_source.clone(),
            detail: describe(&e),
        };
        // A redirect is followed with a GET of the same headers but the token: `Authorization` never goes to
        // where a redirect points.
        let mut headers = request.headers().clone();
        headers.remove(ureq::http::header::AUTHORIZATION);
        let follows = request.method() == ureq::http::Method::GET && self.redirects > 0;
        let mut at = url.clone();
        let mut response: Response<Body> = self.agent.run(request).map_err(unreachable)?;
        let mut followed = 0;
        while follows && is_redirect(response.status().as_u16()) {
            let Some(location) = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
            else {
                break;
            };
            let refused = |detail: String| CliError::BadResponse {
                url: at.clone(),
                detail,
            };
            if followed == self.redirects {
                return Err(refused(format!("more than {} redirects", self.redirects)));
            }
            let next = redirect_target(&at, location).map_err(refused)?;
            if self.verbose {
                crate::render::eprint(&format!(
                    "< {} redirect to {next}\n> {method} {next}\n",
                    response.status().as_u16()
                ));
            }
            let mut builder = Request::get(next.as_str());
            for (name, value) in &headers {
                builder = builder.header(name, value);
            }
            let request = builder
                .body(())
                .map_err(|e| refused(format!("bad redirect {next}: {e}")))?;
            at = next.to_string();
            response = self.agent.run(request).map_err(|e| CliError::Unreachable {
                url: at.clone(),
                server_source: server_source.clone(),
                detail: describe(&e),
            })?;
            followed += 1;
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after_secs = header("retry-after").and_then(|v| v.trim().parse().ok());
        let location = header("location");
        let status = response.status().as_u16();
        let body = match response.body_mut().with_config().limit(cap).read_to_vec() {
            Ok(body) => body,
            Err(ureq::Error::BodyExceedsLimit(_)) => return Ok(Err(TooLarge)),
            Err(e) => return Err(unreachable(e)),
        };
        if self.verbose {
            crate::render::eprint(&format!(
                "< {status} ({} bytes, {} ms)\n",
                body.len(),
                started.elapsed().as_millis()
            ));
        }
        Ok(Ok(Answer {
            status,
            retry_after_secs,
            location,
            body,
        }))
    }
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Where a redirect from `from` to `location` leads, if it may be followed: never from https to plain http,
/// and from plain http only to the same host and port, or to https on the same host. A plain-http server is
/// not trusted to send the command anywhere else (anyone on the way may have written the redirect).
pub fn redirect_target(from: &str, location: &str) -> Result<url::Url, String> {
    let from = url::Url::parse(from).map_err(|e| format!("bad URL {from}: {e}"))?;
    let next = from
        .join(location.trim())
        .map_err(|e| format!("bad redirect to {location}: {e}"))?;
    match (from.scheme(), next.scheme()) {
        ("https", "https") => Ok(next),
        ("https", _) => Err(format!("refused a redirect from https to {next}")),
        ("http", "http")
            if next.host_str() == from.host_str()
                && next.port_or_known_default() == from.port_or_known_default() =>
        {
            Ok(next)
        }
        ("http", "https") if next.host_str() == from.host_str() => Ok(next),
        _ => Err(format!(
            "refused a redirect from plain http to another host or port ({next})"
        )),
    }
}

/// Words for a transport failure, without the noise of the error's debug form.
pub fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Io(e) => match e.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                "connection refused (nothing listens there)".to_owned()
            }
            std::io::ErrorKind::TimedOut => "timed out".to_owned(),
            _ => e.to_string(),
        },
        ureq::Error::Timeout(which) => {
            format!("no answer in time ({which} timeout; see --timeout)")
        }
        ureq::Error::HostNotFound => "host not found (DNS)".to_owned(),
        ureq::Error::ConnectionFailed => "connection failed".to_owned(),
        ureq::Error::BadUri(uri) => format!("bad URL {uri}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_never_go_from_https_to_http_and_from_http_only_to_the_same_host() {
        let follows =
            |from: &str, location: &str| redirect_target(from, location).map(String::from);
        let https = "https://notice.example.org/v1/feed.json";
        assert_eq!(
            follows(https, "https://cdn.example.net/f.json").unwrap(),
            "https://cdn.example.net/f.json"
        );
        assert_eq!(
            follows(https, "/v2/feed.json").unwrap(),
            "https://notice.example.org/v2/feed.json"
        );
        for location in [
            "http://notice.example.org/v1/feed.json",
            "http://127.0.0.1/",
        ] {
            assert!(follows(https, location).is_err(), "{location}");
        }
        let http = "http://127.0.0.1:8080/v1/feed.json";
        for (location, to) in [
            ("/moved.json", "http://127.0.0.1:8080/moved.json"),
            ("moved.json", "http://127.0.0.1:8080/v1/moved.json"),
            ("https://127.0.0.1:8443/x", "https://127.0.0.1:8443/x"),
        ] {
            assert_eq!(follows(http, location).unwrap(), to, "{location}");
        }
        for location in [
            "http://127.0.0.2:8080/x",
            "http://localhost:8080/x",
            "http://127.0.0.1:9090/x",
            "https://example.org/x",
            "ftp://127.0.0.1:8080/x",
        ] {
            assert!(follows(http, location).is_err(), "{location}");
        }
    }
}
