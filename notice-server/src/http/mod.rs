//! The HTTP surface: the origin's router from one route table ([`routes`]), which the OpenAPI test also
//! reads, so the served routes and the document cannot drift apart unnoticed; [`replica_app`], the mirror's
//! router from the public part of the same table ([`replica_routes`]): the same handlers, headers and
//! caching, without the admin API. [`AppError`] is the one place where domain errors become statuses.
//!
//! Uses the publishing and storage layers; nothing below knows HTTP.

mod admin;
pub(crate) mod auth;
mod cache;
mod error;
mod extract;
mod headers;
pub(crate) mod hot;
mod negotiate;
pub(crate) mod openapi;
pub(crate) mod pages;
mod public;
pub(crate) mod served;
mod server;
mod state;

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{FromRef, MatchedPath, Request, State};
use axum::handler::Handler;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use tower_http::timeout::TimeoutLayer;

pub(crate) use error::AppError;
pub(crate) use served::PublicState;
pub(crate) use server::FeedFastPath;
pub(crate) use server::{ConnectionLimits, serve_connections, serve_metrics_apart};
pub use state::AppState;

use crate::config::BODY_LIMIT_BYTES;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone; CORS open.
    Public,
    /// A token of the admin scope (a watch token gets 403).
    Admin,
    /// A token of either scope. Where the route changes a notice, a watch token only one it created (the
    /// handler checks).
    Watch,
}

impl Access {
    /// Whether the route needs a token.
    pub fn needs_token(self) -> bool {
        self != Access::Public
    }
}

/// One route: method, path (axum syntax, `{id}`) and who may call it. `S` is the router's state: the
/// origin's [`AppState`] or, on a mirror, just the [`PublicState`].
pub struct Route<S = AppState> {
    /// The method (GET routes also answer HEAD).
    pub method: Method,
    /// The path.
    pub path: &'static str,
    /// Public or admin.
    pub access: Access,
    handler: MethodRouter<S>,
}

fn route<S, H, T>(method: Method, path: &'static str, access: Access, handler: H) -> Route<S>
where
    S: Clone + Send + Sync + 'static,
    H: Handler<T, S>,
    T: 'static,
{
    let handler = match MethodFilter::try_from(method.clone()) {
        // A GET route also answers HEAD (axum does that for `GET`).
        Ok(filter) => on(filter, handler),
        // An extension method axum cannot route: the route answers 405 to everything rather than
        // answering the wrong method.
        Err(_) => MethodRouter::new(),
    };
    let handler = match access {
        // Browsers ask before a conditional GET from another origin.
        Access::Public => handler.options(headers::preflight),
        // Behind the token check of the admin router (`app`), which runs first.
        Access::Admin => handler.route_layer(middleware::from_fn(auth::require_admin_scope)),
        Access::Watch => handler,
    };
    Route {
        method,
        path,
        access,
        handler,
    }
}

/// The public routes a replica serves too: everything but the API description (which describes the admin
/// API a replica does not have).
pub(crate) fn replica_routes<S>() -> Vec<Route<S>>
where
    S: Clone + Send + Sync + 'static,
    PublicState: FromRef<S>,
{
    use Access::Public;
    vec![
        route(Method::GET, "/v1/feed.json", Public, public::feed),
        route(Method::GET, "/v1/root.json", Public, public::root),
        route(Method::GET, "/", Public, public::index),
        route(Method::GET, "/index.html", Public, public::index_default),
        route(Method::GET, "/index.nl.html", Public, public::index_nl),
        route(Method::GET, "/index.en.html", Public, public::index_en),
        route(Method::GET, "/index.de.html", Public, public::index_de),
        route(
            Method::GET,
            "/history.html",
            Public,
            public::history_default,
        ),
        route(Method::GET, "/history.nl.html", Public, public::history_nl),
        route(Method::GET, "/history.en.html", Public, public::history_en),
        route(Method::GET, "/history.de.html", Public, public::history_de),
        route(Method::GET, "/feed.atom", Public, public::atom),
        route(Method::GET, "/healthz", Public, public::healthz),
        route(Method::GET, "/readyz", Public, public::readyz),
        route(Method::GET, METRICS_PATH, Public, public::metrics),
    ]
}

/// Every route the origin server answers. A watch token (`notice watch`) reads notices, creates them, and
/// updates, resolves, edits and withdraws its own (held to that per notice, [`auth::Operator::may_change`]);
/// ingest, root rotations, the audit log and the copies are for admin tokens.
pub fn routes() -> Vec<Route> {
    use Access::{Admin, Public, Watch};
    let mut routes = replica_routes::<AppState>();
    routes.extend([
        route(Method::GET, "/v1/openapi.json", Public, public::openapi),
        route(Method::GET, "/v1/admin/notices", Watch, admin::list),
        route(Method::POST, "/v1/admin/notices", Watch, admin::create),
        route(Method::GET, "/v1/admin/notices/{id}", Watch, admin::get),
        route(Method::PATCH, "/v1/admin/notices/{id}", Watch, admin::edit),
        route(
            Method::POST,
            "/v1/admin/notices/{id}/updates",
            Watch,
            admin::post_update,
        ),
        route(
            Method::POST,
            "/v1/admin/notices/{id}/resolve",
            Watch,
            admin::resolve,
        ),
        route(
            Method::POST,
            "/v1/admin/notices/{id}/withdraw",
            Watch,
            admin::withdraw,
        ),
        route(Method::POST, "/v1/admin/ingest", Admin, admin::ingest),
        route(Method::POST, "/v1/admin/root", Admin, admin::publish_root),
        route(Method::GET, "/v1/admin/audit", Admin, admin::audit_log),
        route(Method::GET, "/v1/admin/copies", Admin, admin::copy_list),
        route(Method::GET, "/v1/admin/whoami", Watch, admin::whoami),
    ]);
    routes
}

/// The layers every router gets: a 404 in the error format for unknown paths, a request timeout, and
/// [`observe`] (metrics, logs, JSON errors).
fn finish(router: Router, public: PublicState, request_timeout: Duration) -> Router {
    router
        .fallback(not_found)
        // Bounds slow clients (a body trickled in byte by byte) and stuck requests.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(middleware::from_fn_with_state(public, observe))
}

/// The origin server's application.
pub fn app(state: AppState) -> Router {
    let mut public = Router::new();
    let mut admin = Router::new();
    let metrics_apart = state.public.metrics_apart;
    for route in routes()
        .into_iter()
        .filter(|r| !(metrics_apart && r.path == METRICS_PATH))
    {
        match route.access {
            Access::Public => public = public.route(route.path, route.handler),
            Access::Admin | Access::Watch => admin = admin.route(route.path, route.handler),
        }
    }
    let public = public.layer(middleware::map_response(public_answer));
    // route_layer: unknown admin paths stay 404 instead of becoming 401.
    let admin = admin
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .layer(middleware::map_response(no_store));
    let router = Router::new()
        .merge(public)
        .merge(admin)
        .with_state(state.clone());
    let public_state = state.public.clone();
    let timeout = state.settings().request_timeout;
    finish(router, public_state, timeout)
}

/// A read-only replica's application: the public routes of [`replica_routes`] over `public`, with the same
/// CORS, caching headers, errors and metrics as the origin, and no admin API.
pub(crate) fn replica_app(public: PublicState, request_timeout: Duration) -> Router {
    let mut router = Router::new();
    for route in replica_routes::<PublicState>()
        .into_iter()
        .filter(|r| !(public.metrics_apart && r.path == METRICS_PATH))
    {
        router = router.route(route.path, route.handler);
    }
    let router = router
        .layer(middleware::map_response(public_answer))
        .with_state(public.clone());
    finish(router, public, request_timeout)
}

/// The path of the Prometheus metrics.
const METRICS_PATH: &str = "/metrics";

/// The router of a separate metrics address (`--metrics-listen`): `/metrics` only, so a scraper on an
/// internal network can reach it while the public listener does not serve it.
pub(crate) fn metrics_app(public: PublicState, request_timeout: Duration) -> Router {
    let router = Router::new()
        .route(METRICS_PATH, on(MethodFilter::GET, public::metrics))
        .with_state(public.clone());
    finish(router, public, request_timeout)
}

async fn not_found() -> AppError {
    AppError::NotFound("no such endpoint; see /v1/openapi.json".to_owned())
}

/// What the public routes' answers carry (CORS), as the fast path's do.
async fn public_answer(mut response: Response) -> Response {
    headers::add_public(response.headers_mut());
    response
}

/// Admin answers are per operator and change with every write: no cache may keep them.
async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Counts and logs every request by matched route (never headers: they carry tokens), and turns any error
/// response that is not already in the JSON error format (axum's own 405) into it.
async fn observe(State(state): State<PublicState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let mut response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let replacement = match status {
            StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
            StatusCode::NOT_FOUND => AppError::NotFound("no such endpoint".to_owned()),
            StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(BODY_LIMIT_BYTES),
            StatusCode::REQUEST_TIMEOUT => AppError::Timeout,
            s if s.is_client_error() => AppError::InvalidJson {
                status: s,
                message: s.canonical_reason().unwrap_or("bad request").to_owned(),
            },
            _ => AppError::Internal,
        };
        let allow = response.headers().get(axum::http::header::ALLOW).cloned();
        response = replacement.into_response();
        if let Some(allow) = allow {
            response
                .headers_mut()
                .insert(axum::http::header::ALLOW, allow);
        }
    }
    headers::add_common(response.headers_mut());
    let status = response.status();
    state
        .metrics
        .record_request(&route, &method, status.as_u16());
    // Debug level: feed GETs are many; admin writes log at info in their handlers.
    tracing::debug!(
        method = %method,
        route = %route,
        status = status.as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use tower::ServiceExt as _;

    use super::*;

    const METHODS: [Method; 8] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
    ];

    async fn status(router: &Router, method: &Method) -> StatusCode {
        let request = Request::builder()
            .method(method.clone())
            .uri("/probe")
            .body(Body::empty())
            .unwrap();
        router.clone().oneshot(request).await.unwrap().status()
    }

    #[tokio::test]
    async fn a_route_answers_only_the_method_it_lists_and_405_to_the_others() {
        for listed in METHODS.into_iter().filter(|m| *m != Method::HEAD) {
            let route = route::<(), _, _>(listed.clone(), "/probe", Access::Watch, || async {
                StatusCode::NO_CONTENT
            });
            let router = Router::new().route(route.path, route.handler);
            for method in &METHODS {
                let answers =
                    *method == listed || (listed == Method::GET && *method == Method::HEAD);
                let expected = if answers {
                    StatusCode::NO_CONTENT
                } else {
                    StatusCode::METHOD_NOT_ALLOWED
                };
                assert_eq!(
                    status(&router, method).await,
                    expected,
                    "{method} on a {listed} route"
                );
            }
        }
    }

    #[tokio::test]
    async fn a_method_axum_cannot_route_answers_nothing_rather_than_the_wrong_thing() {
        let brew = Method::from_bytes(b"BREW").unwrap();
        let route = route::<(), _, _>(brew, "/probe", Access::Watch, || async {
            StatusCode::NO_CONTENT
        });
        let router = Router::new().route(route.path, route.handler);
        for method in &METHODS {
            assert_eq!(
                status(&router, method).await,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method}"
            );
        }
    }

    #[tokio::test]
    async fn public_routes_answer_a_cors_preflight() {
        let route = route::<(), _, _>(Method::GET, "/probe", Access::Public, || async {
            StatusCode::NO_CONTENT
        });
        let router = Router::new().route(route.path, route.handler);
        let request = Request::builder()
            .method(Method::OPTIONS)
            .uri("/probe")
            .header("origin", "https://example.org")
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "if-none-match")
            .body(Body::empty())
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let headers = response.headers();
        assert_eq!(headers["access-control-allow-origin"], "*");
        assert_eq!(headers["access-control-allow-methods"], "GET, HEAD");
        assert_eq!(headers["access-control-allow-headers"], "if-none-match");
    }
}
