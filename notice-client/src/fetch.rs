//! Fetching the published document from the mirrors (cargo feature `https`).
//!
//! # Parallel, not in order
//! Every mirror is asked at once, each on its own thread, and each answer is verified and applied as it
//! arrives; the refresh ends when all have answered or the overall deadline passes. In order would be
//! gentler on bandwidth, but:
//! - a black-holed first mirror costs its whole timeout before the next is tried, and two of them use up the
//!   deadline, which is exactly the outage this library exists for (the operator's own host is down);
//! - "keep the highest valid version" needs every mirror's answer anyway: stopping at the first valid one
//!   would let a stale mirror early in the list hide a newer feed for a whole refresh interval.
//!
//! The cost, one small request per mirror per refresh (a `304` with the ETag most of the time), is bounded
//! by the minimum refresh interval and [`crate::config::MAX_MIRRORS`].
//!
//! # What goes on the wire
//! A plain `GET` with `If-None-Match` (the ETag this mirror gave for the last document of its that verified),
//! `Accept: application/json` and the fixed `User-Agent: notice-client/<version>`. No cookies (the ureq
//! `cookies` feature is off), no identifiers, no query string of ours: every phone sends the same request and
//! gets the same bytes. Environment proxy settings are ignored. Redirects (301, 302, 303, 307, 308) are followed
//! by this module, at most 3, and only where [`MirrorUrl::redirect`] allows: never from https to http, and
//! from a plain-http mirror only to the same host and port (or https on the same host). A refused redirect is
//! this mirror's failure ([`FetchError::Redirect`]); the other mirrors are still asked.
//!
//! # Whom TLS trusts
//! The public roots (Mozilla's, built in: the same on every phone). With `ca_certs_pem` configured (an
//! operator with their own PKI), a mirror whose certificate does not chain to a public root is asked once
//! more, trusting only those certificates; the private CA adds trust, it never replaces the public roots.
//!
//! The body is read through `take(cap + 1)` so an endless or oversized body stops at the cap
//! ([`notice_types::limits::MAX_DOCUMENT_BYTES`]) without being buffered.

use std::io::Read;
use std::sync::mpsc;
use std::time::{Duration, UNIX_EPOCH};

use notice_types::Timestamp;
use notice_types::limits::MAX_DOCUMENT_BYTES;

use ureq::tls::{RootCerts, TlsConfig};

use crate::mirror_url::MirrorUrl;

/// Sent with every request; names the library, never the device, user or app install.
pub const USER_AGENT: &str = concat!("notice-client/", env!("CARGO_PKG_VERSION"));

/// Longest ETag remembered; longer ones are not sent back (and not stored).
const MAX_ETAG_BYTES: usize = 256;

/// One mirror to ask.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// Position in the configured mirror list.
    pub index: usize,
    pub url: MirrorUrl,
    /// `If-None-Match`.
    pub etag: Option<String>,
}

/// A mirror's answer.
#[derive(Debug)]
pub(crate) enum Response {
    /// `200` with a body within the cap.
    Document {
        bytes: Vec<u8>,
        etag: Option<String>,
    },
    /// `304`: the mirror still serves what it served with that ETag.
    NotModified,
}

/// Why a mirror gave no document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum FetchError {
    /// No connection: refused, unreachable, or the name does not resolve.
    #[error("could not connect: {0}")]
    Connect(String),
    /// The mirror's own timeout (connect or total) passed.
    #[error("timed out")]
    Timeout,
    /// The body is larger than any valid document; reading stopped at the cap.
    #[error("response is larger than {max} bytes; reading stopped there")]
    TooLarge {
        /// The cap.
        max: usize,
    },
    /// An HTTP status other than 200 or 304.
    #[error("HTTP status {status}")]
    Status {
        /// The status code.
        status: u16,
        /// When the mirror asked to be asked again (`Retry-After`), if it did.
        retry_after: Option<Timestamp>,
    },
    /// TLS failed (certificate, handshake).
    #[error("TLS failed: {0}")]
    Tls(String),
    /// The transfer broke off or the response was not valid HTTP.
    #[error("transfer failed: {0}")]
    Transfer(String),
    /// A redirect that is not followed: to plain http from https, off the host of a plain-http mirror, to
    /// something that is not a mirror URL, or one too many.
    #[error("redirect not followed: {0}")]
    Redirect(String),
}

impl FetchError {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            FetchError::Connect(_) => "connect_failed",
            FetchError::Timeout => "timeout",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Status { .. } => "http_status",
            FetchError::Tls(_) => "tls_failed",
            FetchError::Transfer(_) => "transfer_failed",
            FetchError::Redirect(_) => "redirect_refused",
        }
    }
}

/// Per-mirror limits, and whom TLS trusts besides the public roots.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub connect: Duration,
    pub total: Duration,
    /// The configured private CA certificates (`ca_certs_pem`): a mirror whose certificate does not chain
    /// to a public root is asked once more, trusting these.
    pub extra_roots: Option<RootCerts>,
}

/// Starts one thread per request and returns the channel their answers arrive on, tagged with the request's
/// index. The caller stops listening at its deadline; threads still running then end by their own timeouts
/// and their answers are dropped.
pub(crate) fn spawn_all(
    requests: Vec<Request>,
    limits: Limits,
    now: Timestamp,
) -> mpsc::Receiver<(usize, Result<Response, FetchError>)> {
    let (tx, rx) = mpsc::channel();
    for request in requests {
        let tx = tx.clone();
        let index = request.index;
        let spawned = std::thread::Builder::new()
            .name("notice-fetch".into())
            .spawn({
                let tx = tx.clone();
                let limits = limits.clone();
                move || {
                    let result = fetch_one(&request, &limits, now);
                    // The receiver is gone when the deadline passed first; nothing to do then.
                    let _ = tx.send((request.index, result));
                }
            });
        if let Err(e) = spawned {
            let _ = tx.send((
                index,
                Err(FetchError::Transfer(format!(
                    "could not start a thread: {e}"
                ))),
            ));
        }
    }
    rx
}

/// Most redirects followed for one mirror.
const MAX_REDIRECTS: usize = 3;

fn fetch_one(request: &Request, limits: &Limits, now: Timestamp) -> Result<Response, FetchError> {
    let mut url = request.url.clone();
    let mut redirects = 0;
    let response = loop {
        let response = get_trusting(&url, request.etag.as_deref(), limits)?;
        if !matches!(response.status().as_u16(), 301 | 302 | 303 | 307 | 308) {
            break response;
        }
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                FetchError::Redirect(format!("HTTP {} without a Location", response.status()))
            })?;
        if redirects == MAX_REDIRECTS {
            return Err(FetchError::Redirect(format!(
                "more than {MAX_REDIRECTS} redirects"
            )));
        }
        url = url.redirect(location).map_err(FetchError::Redirect)?;
        redirects += 1;
    };
    let status = response.status().as_u16();
    match status {
        200 => {
            let etag = response
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .filter(|v| usable_etag(v))
                .map(str::to_owned);
            let body = response.into_body();
            if body
                .content_length()
                .is_some_and(|len| len > MAX_DOCUMENT_BYTES as u64)
            {
                return Err(FetchError::TooLarge {
                    max: MAX_DOCUMENT_BYTES,
                });
            }
            let bytes = read_capped(body.into_reader(), MAX_DOCUMENT_BYTES)?;
            Ok(Response::Document { bytes, etag })
        }
        304 => Ok(Response::NotModified),
        _ => {
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, now));
            Err(FetchError::Status {
                status,
                retry_after,
            })
        }
    }
}

/// Reads at most `cap` bytes; one byte more means the body is too large, and reading stops there.
pub(crate) fn read_capped(reader: impl Read, cap: usize) -> Result<Vec<u8>, FetchError> {
    let mut bytes = Vec::new();
    reader
        .take(cap as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::TimedOut => FetchError::Timeout,
            _ => match e.into_inner() {
                Some(inner) => match inner.downcast::<ureq::Error>() {
                    Ok(ureq_error) => classify(*ureq_error),
                    Err(other) => FetchError::Transfer(other.to_string()),
                },
                None => FetchError::Transfer("read failed".into()),
            },
        })?;
    if bytes.len() > cap {
        return Err(FetchError::TooLarge { max: cap });
    }
    Ok(bytes)
}

/// Visible ASCII only (what a header value may carry), and short.
fn usable_etag(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_ETAG_BYTES
        && value.bytes().all(|b| (0x20..0x7f).contains(&b))
}

fn classify(error: ureq::Error) -> FetchError {
    use std::io::ErrorKind;
    match error {
        ureq::Error::Timeout(_) => FetchError::Timeout,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
            FetchError::Connect(error.to_string())
        }
        ureq::Error::Io(e) => match e.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => FetchError::Timeout,
            ErrorKind::ConnectionRefused
            | ErrorKind::AddrNotAvailable
            | ErrorKind::NetworkUnreachable
            | ErrorKind::HostUnreachable => FetchError::Connect(e.to_string()),
            _ => FetchError::Transfer(e.to_string()),
        },
        ureq::Error::Tls(_) | ureq::Error::Pem(_) | ureq::Error::Rustls(_) => {
            FetchError::Tls(error.to_string())
        }
        other => FetchError::Transfer(other.to_string()),
    }
}

/// Whether `error`, from an https request, came from the TLS handshake (rustls reports a certificate it does
/// not trust through the connection's I/O, as invalid data, or directly).
fn is_tls_failure(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => true,
        ureq::Error::Io(e) => e.kind() == std::io::ErrorKind::InvalidData,
        _ => false,
    }
}

/// One `GET` of the mirror, with TLS trusting `roots`.
fn get(
    url: &MirrorUrl,
    etag: Option<&str>,
    limits: &Limits,
    roots: RootCerts,
) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(limits.connect))
        .timeout_global(Some(limits.total))
        .http_status_as_error(false)
        .https_only(url.is_https())
        // Followed by `fetch_one`, by the rule of `MirrorUrl::redirect`, which ureq's own following does not
        // know.
        .max_redirects(0)
        .max_redirects_will_error(false)
        .save_redirect_history(false)
        .proxy(None)
        .user_agent(USER_AGENT)
        .tls_config(TlsConfig::builder().root_certs(roots).build())
        .build()
        .into();
    let mut call = agent.get(url.as_str()).header("Accept", "application/json");
    if let Some(etag) = etag {
        call = call.header("If-None-Match", etag);
    }
    call.call()
}

/// One `GET` of `url`: trusting the public roots, and when they refuse the certificate and a private CA is
/// configured, once more trusting that CA. The public roots are tried first so that a private CA only ever
/// adds trust, for the mirrors that need it.
fn get_trusting(
    url: &MirrorUrl,
    etag: Option<&str>,
    limits: &Limits,
) -> Result<ureq::http::Response<ureq::Body>, FetchError> {
    let https = url.is_https();
    let answer = match (
        get(url, etag, limits, RootCerts::WebPki),
        &limits.extra_roots,
    ) {
        (Err(error), Some(extra)) if https && is_tls_failure(&error) => {
            get(url, etag, limits, extra.clone())
        }
        (answer, _) => answer,
    };
    answer.map_err(|error| {
        if https && is_tls_failure(&error) {
            FetchError::Tls(error.to_string())
        } else {
            classify(error)
        }
    })
}

/// `Retry-After` as delay-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`, and the two
/// obsolete forms), as an absolute time. A date in the past means "now". Anything else is ignored.
pub(crate) fn parse_retry_after(value: &str, now: Timestamp) -> Option<Timestamp> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Saturate absurd values instead of failing: the caller caps the wait anyway.
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(now.plus_seconds(i64::try_from(seconds).unwrap_or(i64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let unix = match at.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(_) => 0,
    };
    Some(Timestamp::from_unix(unix).max(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn retry_after_accepts_seconds_and_all_http_date_forms() {
        let now = t("2026-10-21T07:00:00Z");
        assert_eq!(
            parse_retry_after("120", now),
            Some(t("2026-10-21T07:02:00Z"))
        );
        assert_eq!(
            parse_retry_after(" 0 ", now),
            Some(t("2026-10-21T07:00:00Z"))
        );
        for date in [
            "Wed, 21 Oct 2026 07:28:00 GMT",
            "Wednesday, 21-Oct-26 07:28:00 GMT",
            "Wed Oct 21 07:28:00 2026",
        ] {
            assert_eq!(
                parse_retry_after(date, now),
                Some(t("2026-10-21T07:28:00Z")),
                "{date}"
            );
        }
    }

    #[test]
    fn retry_after_in_the_past_means_now_and_garbage_is_ignored() {
        let now = t("2026-10-21T07:00:00Z");
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2015 00:00:00 GMT", now),
            Some(now)
        );
        for garbage in ["", "-5", "soon", "1.5", "Wed, 32 Oct 2026 07:28:00 GMT"] {
            assert_eq!(parse_retry_after(garbage, now), None, "{garbage:?}");
        }
        assert!(parse_retry_after("99999999999999999999999", now).is_some());
    }

    #[test]
    fn an_endless_reader_stops_one_byte_past_the_cap() {
        let endless = std::io::repeat(b'x');
        assert_eq!(
            read_capped(endless, 1000),
            Err(FetchError::TooLarge { max: 1000 })
        );
        assert_eq!(read_capped(&b"abc"[..], 3).unwrap(), b"abc");
    }

    #[test]
    fn etags_with_control_characters_or_huge_sizes_are_not_kept() {
        assert!(usable_etag("\"abc\""));
        assert!(usable_etag("W/\"abc\""));
        assert!(!usable_etag("a\r\nSet-Cookie: x"));
        assert!(!usable_etag(&"a".repeat(300)));
        assert!(!usable_etag(""));
    }
}
