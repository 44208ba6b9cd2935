//! Public endpoints: the feed, root v1, health, metrics and the API description. No authentication, CORS
//! open, and none of them touches the database.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::clock::secs;
use crate::http_cache::{Encoding, choose_encoding, none_match, variant_etag};
use crate::state::AppState;

/// Response header carrying the feed version, for people debugging caches.
pub const FEED_VERSION_HEADER: &str = "x-notice-feed-version";

/// `GET /v1/feed.json`: the signed document, from memory.
pub async fn feed(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let doc = state.hot.current();
    let accept = headers.get(ACCEPT_ENCODING).and_then(|v| v.to_str().ok());
    let (encoding, body) = match choose_encoding(accept) {
        Encoding::Br if doc.br.is_some() => (Encoding::Br, doc.br.clone()),
        Encoding::Gzip if doc.gzip.is_some() => (Encoding::Gzip, doc.gzip.clone()),
        _ => (Encoding::Identity, Some(doc.identity.clone())),
    };
    let etag = variant_etag(&doc.sha256_hex, encoding);
    let cache_control = format!(
        "public, max-age={}, stale-while-revalidate=60, stale-if-error=604800",
        state.settings.cache_max_age_secs
    );
    let not_modified = headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| none_match(v, &doc.sha256_hex));

    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = Response::new(Body::from(body.unwrap_or_default()));
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(coding) = encoding.header() {
            response
                .headers_mut()
                .insert(CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        response
    };
    let headers = response.headers_mut();
    headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(ETAG, value);
    }
    if let Ok(value) = HeaderValue::from_str(&cache_control) {
        headers.insert(CACHE_CONTROL, value);
    }
    headers.insert(FEED_VERSION_HEADER, HeaderValue::from(doc.version));
    response
}

/// `GET /v1/root.json`: root v1, byte for byte what `init` wrote to `root.json`.
pub async fn root(State(state): State<AppState>) -> Response {
    let mut response = Response::new(Body::from(state.root_v1.clone()));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// The `/healthz` body.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok`; `stale` when the heartbeat has missed two intervals; `expired` when the served feed expired.
    pub status: &'static str,
    /// Version served.
    pub feed_version: u64,
    /// Seconds since it was signed.
    pub feed_age_seconds: i64,
    /// Seconds until it expires.
    pub expires_in_seconds: i64,
}

/// `GET /healthz`. Always 200 while the process serves: the feed stays servable even when stale, and a load
/// balancer must not take the only origin away for it. `status` and `/metrics` are for alerting.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let doc = state.hot.current();
    let now = state.clock.now();
    let age = now.unix() - doc.issued_at.unix();
    let expires_in = doc.expires_at.unix() - now.unix();
    let status = if expires_in <= 0 {
        "expired"
    } else if age > secs(state.settings.heartbeat_interval).saturating_mul(2) {
        "stale"
    } else {
        "ok"
    };
    let mut response = Json(Health {
        status,
        feed_version: doc.version,
        feed_age_seconds: age,
        expires_in_seconds: expires_in,
    })
    .into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let doc = state.hot.current();
    let text = state
        .metrics
        .render(&doc, state.clock.now(), state.db.uses());
    let mut response = Response::new(Body::from(text));
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /v1/openapi.json`.
pub async fn openapi() -> Response {
    let mut response = Json(crate::openapi::document()).into_response();
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}
