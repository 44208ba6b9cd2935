//! The headers every answer of a kind carries, in one place: the router's layers and the feed fast path
//! ([`super::server::FeedFastPath`]) both call these, so the two can never answer differently.
//!
//! CORS is simple here, which is why it is written out rather than configured in a general-purpose layer:
//! the public endpoints are readable by any origin, without credentials, with `GET`/`HEAD` and the one
//! non-safelisted request header a cache-aware client sends (`If-None-Match`).

use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ALLOW, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Response header carrying the feed version, for people debugging caches.
pub(crate) const FEED_VERSION_HEADER: &str = "x-notice-feed-version";

/// Adds what every answer carries: `nosniff`, so a browser never guesses a type (an error body is not HTML).
pub(crate) fn add_common(headers: &mut HeaderMap) {
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
}

/// Adds what a public answer carries besides [`add_common`]: any origin may read it (it is public, and web
/// apps may fetch the feed), and may see its ETag and feed version.
pub(crate) fn add_public(headers: &mut HeaderMap) {
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("etag, x-notice-feed-version"),
    );
}

/// The answer to `OPTIONS` on a public path: a CORS preflight (a browser asking whether it may send
/// `If-None-Match`) or a plain question about the methods. The answer is the same for every origin, so
/// caches need no `Vary: Origin`.
pub(crate) async fn preflight() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    add_public(headers);
    headers.insert(ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD"),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("if-none-match"),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    response
}
