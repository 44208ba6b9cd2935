//! Public endpoints: the feed, root v1, the status pages, the Atom feed, health, metrics and the API
//! description. No authentication, CORS open, and none of them touches the database: they read
//! [`PublicState`], which has none. The mirror serves the same handlers.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::{ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_LANGUAGE, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use notice_publish::export::CachePolicy;
use notice_publish::record::secs;
use notice_publish::status_page::{self, ATOM_CONTENT_TYPE, HTML_CONTENT_TYPE, Lang};

use super::AppError;
use super::cache;
use super::extract::QueryParams;
use super::hot::HotDocument;
use super::negotiate::page_lang;
use super::pages::{Page, PageError};
use super::served::{PublicState, Staleness};

/// What the pages may do in a browser: show themselves with their inline style and their one script (the
/// stale banner, allowed by its hash), nothing else (no other scripts, frames or forms), so even a bug in
/// escaping could not run code. The hash is computed from the script by notice-publish, which also writes
/// the same policy into each page for static hosts that send no headers.
static PAGE_CSP: std::sync::LazyLock<Option<HeaderValue>> =
    std::sync::LazyLock::new(|| HeaderValue::from_str(&status_page::page_csp()).ok());

/// The served document, or 503 when there is none yet (a mirror that has not reached its upstream).
fn served(state: &PublicState) -> Result<Arc<HotDocument>, AppError> {
    state.current().ok_or_else(|| AppError::Unavailable {
        message: "no verified feed yet: this mirror has not reached its upstream since it started; try another mirror".to_owned(),
        retry_after_secs: 30,
    })
}

/// Answers with a pre-built representation: the encoding the client prefers (pre-compressed), a strong
/// ETag per encoding, 304 on `If-None-Match`, the CDN caching policy, and `Vary` as given
/// ([`http_cache::represent`]).
fn represent(
    state: &PublicState,
    doc: &HotDocument,
    headers: &HeaderMap,
    content_type: &'static str,
    vary: &'static str,
) -> Response {
    let cache_control = HeaderValue::from_str(&state.cache_control()).ok();
    cache::represent(doc, headers, cache_control, content_type, vary)
}

/// `GET /v1/feed.json`: the signed document, from memory.
pub(crate) async fn feed(State(state): State<PublicState>, headers: HeaderMap) -> Response {
    match served(&state) {
        Ok(doc) => represent(
            &state,
            &doc,
            &headers,
            "application/json",
            "Accept-Encoding",
        ),
        Err(e) => e.into_response(),
    }
}

/// `GET /v1/root.json`: root v1, byte for byte what `init` wrote to `root.json`.
pub(crate) async fn root(State(state): State<PublicState>) -> Response {
    let Some(root) = state.root_v1.clone() else {
        return AppError::NotFound(
            "this host does not publish root v1; get root.json from the feed's operator".to_owned(),
        )
        .into_response();
    };
    let mut response = Response::new(Body::from(root));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// The document served now, and the language of its pages when nothing else decides.
fn served_with_lang(state: &PublicState) -> Result<(Arc<HotDocument>, Lang), AppError> {
    let doc = served(state)?;
    let lang = state.pages.default_lang(&doc).map_err(page_failed)?;
    Ok((doc, lang))
}

fn page_failed(e: PageError) -> AppError {
    tracing::error!(error = %e, "cannot render a page");
    AppError::Internal
}

/// Serves `page` of the current document.
fn page(
    state: &PublicState,
    headers: &HeaderMap,
    page: Page,
    vary: &'static str,
) -> Result<Response, AppError> {
    page_of(state, &*served(state)?, headers, page, vary)
}

/// Serves `page` of `doc`.
fn page_of(
    state: &PublicState,
    doc: &HotDocument,
    headers: &HeaderMap,
    page: Page,
    vary: &'static str,
) -> Result<Response, AppError> {
    let rendered = state
        .pages
        .get(doc, page, state.clock.now())
        .map_err(page_failed)?;
    let (content_type, lang) = match page {
        Page::Html(lang) | Page::History(lang) => (HTML_CONTENT_TYPE, lang),
        Page::Atom(lang) => (ATOM_CONTENT_TYPE, lang),
    };
    // Pages keep a day of stale-if-error, not the feed's week (see `CachePolicy::pages`).
    let policy = CachePolicy {
        max_age_secs: state.cache_max_age_secs,
    };
    let cache_control = HeaderValue::from_str(&policy.pages()).ok();
    let mut response = cache::represent(&rendered, headers, cache_control, content_type, vary);
    let out = response.headers_mut();
    out.insert(CONTENT_LANGUAGE, HeaderValue::from_static(lang.code()));
    if !matches!(page, Page::Atom(_)) {
        if let Some(csp) = PAGE_CSP.clone() {
            out.insert(HeaderName::from_static("content-security-policy"), csp);
        }
        out.insert(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("no-referrer"),
        );
    }
    Ok(response)
}

/// `?lang=` of a page request. Other parameters (tracking tags on shared links) are ignored: a status page
/// must open whatever a link appended.
fn query_lang(query: &QueryParams) -> Option<String> {
    query.get("lang").map(str::to_owned)
}

/// `GET /`: the status page in the language of `?lang=` or `Accept-Language`, else the site's default.
pub(crate) async fn index(
    State(state): State<PublicState>,
    query: QueryParams,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let accept = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let (doc, default) = served_with_lang(&state)?;
    let lang = page_lang(query_lang(&query).as_deref(), accept, default);
    page_of(
        &state,
        &doc,
        &headers,
        Page::Html(lang),
        "Accept-Encoding, Accept-Language",
    )
}

/// `GET /index.html`: the status page in the site's default language (as on a static host).
pub(crate) async fn index_default(
    State(state): State<PublicState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (doc, lang) = served_with_lang(&state)?;
    page_of(&state, &doc, &headers, Page::Html(lang), "Accept-Encoding")
}

/// `GET /index.nl.html`.
pub(crate) async fn index_nl(
    State(state): State<PublicState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(&state, &headers, Page::Html(Lang::Nl), "Accept-Encoding")
}

/// `GET /index.en.html`.
pub(crate) async fn index_en(
    State(state): State<PublicState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(&state, &headers, Page::Html(Lang::En), "Accept-Encoding")
}

/// `GET /index.de.html`.
pub(crate) async fn index_de(
    State(state): State<PublicState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(&state, &headers, Page::Html(Lang::De), "Accept-Encoding")
}

/// `GET /history.html`: the history page in the site's default language.
pub(crate) async fn history_default(
    State(state): State<PublicState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (doc, lang) = served_with_lang(&state)?;
    page_of(
        &state,
        &doc,
        &headers,
        Page::History(lang),
        "Accept-Encoding",
    )
}

/// `GET /history.nl.html`.
pub(crate) async fn history_nl(
    State(state): State<PublicState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(&state, &headers, Page::History(Lang::Nl), "Accept-Encoding")
}

/// `GET /history.en.html`.
pub(crate) async fn history_en(
    State(state): State<PublicState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(&state, &headers, Page::History(Lang::En), "Accept-Encoding")
}

/// `GET /history.de.html`.
pub(crate) async fn history_de(
    State(state): State<PublicState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(&state, &headers, Page::History(Lang::De), "Accept-Encoding")
}

/// `GET /feed.atom[?lang=nl|en|de]`: the Atom feed, in the site's default language unless `?lang=` names
/// another (no `Accept-Language` negotiation: feed readers send whatever, and a static host has one file).
pub(crate) async fn atom(
    State(state): State<PublicState>,
    query: QueryParams,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (doc, default) = served_with_lang(&state)?;
    let lang = query_lang(&query)
        .as_deref()
        .and_then(Lang::from_tag)
        .unwrap_or(default);
    page_of(&state, &doc, &headers, Page::Atom(lang), "Accept-Encoding")
}

/// The `/healthz` body.
#[derive(Debug, Serialize)]
pub(crate) struct Health {
    /// `ok`; `stale` when the heartbeat has missed two intervals (origin) or the upstream has not answered
    /// for a while (mirror); `expired` when the served feed expired.
    pub(crate) status: &'static str,
    /// Version served.
    pub(crate) feed_version: u64,
    /// Seconds since it was signed.
    pub(crate) feed_age_seconds: i64,
    /// Seconds until it expires.
    pub(crate) expires_in_seconds: i64,
    /// Mirror only: seconds since the upstream last answered validly (absent: not since start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) upstream_age_seconds: Option<i64>,
}

/// `GET /healthz`, liveness: 200 while a document is served, even when stale or when the database does not
/// take writes: the feed stays servable, and a restart would not fix a full disk. `status` says what is
/// wrong (`ok` only when nothing is). 503 `unavailable` only on a mirror that has nothing to serve yet.
/// Readiness, whether this instance does its whole job, is `/readyz`.
pub(crate) async fn healthz(State(state): State<PublicState>) -> Response {
    let now = state.clock.now();
    let upstream_age = match &state.staleness {
        Staleness::Upstream { last_contact, .. } => {
            last_contact.get().map(|at| now.unix() - at.unix())
        }
        Staleness::Heartbeat(_) => None,
    };
    let doc = match served(&state) {
        Ok(doc) => doc,
        Err(e) => return e.into_response(),
    };
    let age = now.unix() - doc.issued_at.unix();
    let expires_in = doc.expires_at.unix() - now.unix();
    let stale = match &state.staleness {
        Staleness::Heartbeat(interval) => age > secs(*interval).saturating_mul(2),
        Staleness::Upstream { after, .. } => upstream_age.is_none_or(|a| a > secs(*after)),
    };
    let database = state.origin.as_ref().and_then(|o| o.database_problem());
    let status = if database.is_some() {
        "database_not_writable"
    } else if expires_in <= 0 {
        "expired"
    } else if stale {
        "stale"
    } else {
        "ok"
    };
    let mut response = Json(Health {
        status,
        feed_version: doc.version,
        feed_age_seconds: age,
        expires_in_seconds: expires_in,
        upstream_age_seconds: upstream_age,
    })
    .into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The `/readyz` body.
#[derive(Debug, Serialize)]
pub(crate) struct Readiness {
    /// `ready`; `degraded` when it serves and takes writes but a copy on another provider is failing. (Not
    /// ready is a 503 with the error body, naming what failed.)
    pub(crate) status: &'static str,
    /// Each check: `ok`, or what is wrong.
    pub(crate) checks: ReadinessChecks,
}

/// The checks of `/readyz`.
#[derive(Debug, Serialize)]
pub(crate) struct ReadinessChecks {
    /// The served feed: `ok`, `expired`, or `none yet` (a mirror before its first document).
    pub(crate) feed: String,
    /// The origin's database: `ok`, or why it does not take writes. Absent on a mirror.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) database: Option<String>,
    /// The copies on other providers (origin): each failing one with its error. Empty when all work.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) failing_copies: Vec<String>,
}

/// `GET /readyz`: 200 when this instance does its job (serves a valid feed, and on the origin takes writes),
/// 503 `unavailable` when it does not, the message naming each failed check. A failing copy makes it `degraded`, not unready:
/// the origin still serves and signs, and an alert on the copy metrics is the way to learn of it.
pub(crate) async fn readyz(State(state): State<PublicState>) -> Response {
    let now = state.clock.now();
    let feed = match state.current() {
        None => "none yet".to_owned(),
        Some(doc) if doc.expires_at <= now => format!("expired at {}", doc.expires_at),
        Some(_) => "ok".to_owned(),
    };
    let database = state
        .origin
        .as_ref()
        .map(|origin| origin.database_problem().unwrap_or_else(|| "ok".to_owned()));
    let failing_copies: Vec<String> = state
        .origin
        .iter()
        .flat_map(|origin| origin.copies.states())
        .filter_map(|copy| {
            copy.error
                .as_ref()
                .map(|error| format!("{}: {error}", copy.target))
        })
        .collect();
    let mut problems = Vec::new();
    if feed != "ok" {
        problems.push(format!("feed: {feed}"));
    }
    if let Some(problem) = database.as_deref().filter(|d| *d != "ok") {
        problems.push(format!("database: {problem}"));
    }
    if !problems.is_empty() {
        let mut response = AppError::Unavailable {
            message: format!("not ready: {}", problems.join("; ")),
            retry_after_secs: 30,
        }
        .into_response();
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return response;
    }
    let status = if failing_copies.is_empty() {
        "ready"
    } else {
        "degraded"
    };
    let mut response = Json(Readiness {
        status,
        checks: ReadinessChecks {
            feed,
            database,
            failing_copies,
        },
    })
    .into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /metrics`: Prometheus text.
pub(crate) async fn metrics(State(state): State<PublicState>) -> Response {
    let doc = state.current();
    let text = state.metrics.render(
        doc.as_deref().map(HotDocument::gauges),
        state.clock.now(),
        state.db.as_ref().map(|db| db.uses()),
        state.pages.renders(),
    );
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
pub(crate) async fn openapi() -> Response {
    let mut response = Json(super::openapi::document()).into_response();
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}
