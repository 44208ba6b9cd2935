//! Serving connections: HTTP/1.1 and HTTP/2 with a header-read timeout and a graceful stop, and
//! [`FeedFastPath`], which answers `GET /v1/feed.json` in front of the router.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderValue, Method};
use axum::response::Response;
use hyper::body::Body as HttpBody;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt as _;

use super::headers;

use super::served::PublicState;

/// Accepts connections on `listener` and serves HTTP/1.1 and HTTP/2 on each: feed GETs by `fast`, everything
/// else by `router` (with the peer's address as [`ConnectInfo`], which the admin rate limiter reads). When
/// `shutdown` resolves it stops accepting, lets requests in flight finish (for at most the shutdown limit)
/// and closes idle connections.
///
/// This is what `axum::serve` does, written out with hyper so that a feed GET costs only its answer: the
/// router is cloned and the request body boxed only for requests that go to it. Unlike `axum::serve`, a
/// client gets `header_timeout` to send a request's head before its connection is closed, so a crowd of
/// connections that trickle headers (slowloris) cannot hold the server's sockets forever.
pub(crate) async fn serve_connections(
    listener: TcpListener,
    router: Router,
    fast: FeedFastPath,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let ConnectionLimits {
        header_timeout,
        shutdown_timeout,
    } = limits;
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // No Nagle delay on the rare response written in several pieces (nginx does the same).
        let _ = stream.set_nodelay(true);
        let service = ConnectionService::new(fast.clone(), router.clone(), remote);
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                // A client that goes away mid-request is routine, not an error of the server.
                tracing::debug!(%remote, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    // Requests in flight get `shutdown_timeout` to finish; a client that stalls does not hold the process.
    if tokio::time::timeout(shutdown_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            limit_secs = shutdown_timeout.as_secs(),
            "connections still open at the shutdown limit were closed"
        );
    }
    Ok(())
}

/// Binds `address` and serves `/metrics` there until `shutdown` (see `--metrics-listen`); prints
/// `metrics listening on http://ADDR` on stdout, as the main listener prints its line.
pub(crate) async fn serve_metrics_apart(
    address: SocketAddr,
    public: PublicState,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<tokio::task::JoinHandle<std::io::Result<()>>> {
    use std::io::Write as _;
    let listener = TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    println!("metrics listening on http://{bound}");
    let _ = std::io::stdout().flush();
    tracing::info!(address = %bound, "metrics listening");
    let router = super::metrics_app(public.clone(), limits.header_timeout);
    // The metrics listener has no feed to answer fast: the fast path over a public state that never
    // matches would only cost; the router answers everything.
    let fast = FeedFastPath::disabled(public);
    Ok(tokio::spawn(serve_connections(
        listener, router, fast, limits, shutdown,
    )))
}

/// How long a client may take: to send a request's head, and to finish once the server stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConnectionLimits {
    /// A request head not complete after this closes the connection (slowloris).
    pub(crate) header_timeout: Duration,
    /// After the stop signal, connections still open after this are closed.
    pub(crate) shutdown_timeout: Duration,
}

/// After a failed `accept`: a connection that died before it was accepted is nothing; anything else (out
/// of file descriptors) is logged and waited out for a second, as `axum::serve` does, rather than spinning.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept connections; retrying in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// One connection's service, exactly as production runs it: the fast path, then the router with the peer's
/// address. Generic over the request body so tests call this very service with in-memory bodies.
#[derive(Clone)]
pub(crate) struct ConnectionService {
    fast: FeedFastPath,
    router: Router,
    remote: SocketAddr,
}

impl ConnectionService {
    /// The service for a connection from `remote`.
    pub(crate) fn new(fast: FeedFastPath, router: Router, remote: SocketAddr) -> Self {
        Self {
            fast,
            router,
            remote,
        }
    }
}

impl<B> hyper::service::Service<Request<B>> for ConnectionService
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = FastPathFuture;

    fn call(&self, request: Request<B>) -> FastPathFuture {
        if let Some(response) = self.fast.answer(&request) {
            return FastPathFuture::Ready(Some(response));
        }
        // Only requests that are not feed GETs pay for the body box and the router's clone.
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(self.remote));
        let router = self.router.clone();
        FastPathFuture::Inner(Box::pin(router.oneshot(request)))
    }
}

/// The path [`FeedFastPath`] answers.
const FEED_PATH: &str = "/v1/feed.json";

/// Answers `GET` and `HEAD /v1/feed.json` before the router ([`ConnectionService`] asks it first).
///
/// Why: when an outage is in the news, every app asks for the feed at once, and the origin should keep up
/// with a static file server. The router's layers cost more than the answer itself (per request: a timer
/// for the timeout, route strings for metrics, boxed futures); a feed GET needs none of them: it reads no
/// body, cannot time out and cannot fail. So this answers it with [`super::cache::represent`], the same
/// function the router's handler uses, and adds what the router's layers add to that answer, with the same
/// functions ([`super::headers`]): CORS, `nosniff`, `Content-Length`, the request count and the debug log
/// line. A test sends the same requests through this and through the router alone and requires identical
/// answers.
///
/// A server that has no document yet (a mirror that has not reached its upstream) leaves the request to the
/// router, which answers 503.
#[derive(Clone)]
pub(crate) struct FeedFastPath {
    public: PublicState,
    cache_control: Option<HeaderValue>,
    enabled: bool,
}

impl FeedFastPath {
    /// A fast path over `public`.
    pub(crate) fn new(public: PublicState) -> Self {
        // Built once: the policy does not change while the process runs.
        let cache_control = HeaderValue::from_str(&public.cache_control()).ok();
        Self {
            public,
            cache_control,
            enabled: true,
        }
    }

    /// A fast path that answers nothing (a listener without the feed, such as the metrics address).
    pub(crate) fn disabled(public: PublicState) -> Self {
        Self {
            public,
            cache_control: None,
            enabled: false,
        }
    }

    /// The answer to `request` if it is a feed GET or HEAD and there is a document.
    fn answer<B>(&self, request: &Request<B>) -> Option<Response> {
        let method = request.method();
        let head = method == Method::HEAD;
        if !self.enabled || (method != Method::GET && !head) || request.uri().path() != FEED_PATH {
            return None;
        }
        // The clock is read only for the debug log line, which is off in production.
        let started = tracing::enabled!(tracing::Level::DEBUG).then(Instant::now);
        let doc = self.public.current()?;
        let mut response = super::cache::represent(
            &doc,
            request.headers(),
            self.cache_control.clone(),
            "application/json",
            "Accept-Encoding",
        );
        let headers = response.headers_mut();
        headers::add_public(headers);
        headers::add_common(headers);
        // axum sets the length of every answer with a known size (a 304's is 0) and drops the body of a HEAD.
        if !headers.contains_key(CONTENT_LENGTH) {
            headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        if head {
            *response.body_mut() = Body::empty();
        }
        let status = response.status().as_u16();
        self.public
            .metrics
            .record_request(FEED_PATH, method, status);
        tracing::debug!(
            method = %method,
            route = FEED_PATH,
            status,
            micros = started.map_or(0, |at| at.elapsed().as_micros() as u64),
            "request"
        );
        Some(response)
    }
}

/// The future of [`ConnectionService`]: the fast path's ready answer, or the router's.
pub(crate) enum FastPathFuture {
    /// Answered by the fast path.
    Ready(Option<Response>),
    /// Answered by the router.
    Inner(Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>),
}

impl Future for FastPathFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            // Polled again after Ready would be a caller's bug; an empty 200 beats a panic.
            FastPathFuture::Ready(response) => Poll::Ready(Ok(response.take().unwrap_or_default())),
            FastPathFuture::Inner(future) => future.as_mut().poll(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::http::{Request as HttpRequest, StatusCode};
    use hyper::service::Service as _;
    use notice_types::{FeedId, Timestamp};

    use super::*;
    use crate::clock::{Clock as _, ManualClock};
    use crate::config::Settings;
    use crate::http::negotiate::Encoding;
    use crate::http::{AppState, app};
    use crate::publishing::init::{InitOptions, init};
    use crate::storage::DataDir;

    fn state() -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path().join("data"));
        let clock = Arc::new(ManualClock::new(Timestamp::from_unix(1_790_000_000)));
        let options = InitOptions {
            feed_id: FeedId::parse("yivi-app/test").unwrap(),
            link_hosts: vec![],
        };
        let settings = Settings::default();
        init(&data, &options, &settings, clock.now()).unwrap();
        let state = AppState::open(&data, settings, clock).unwrap();
        (dir, state)
    }

    /// What the production service of one connection answers.
    async fn served(state: &AppState, request: HttpRequest<Body>) -> Response {
        let remote = SocketAddr::from(([127, 0, 0, 1], 4000));
        let service = ConnectionService::new(
            FeedFastPath::new(state.public.clone()),
            app(state.clone()),
            remote,
        );
        service.call(request).await.unwrap()
    }

    /// Status, headers (sorted) and body of an answer.
    async fn parts(response: Response) -> (StatusCode, Vec<String>, Vec<u8>) {
        let status = response.status();
        let mut headers: Vec<String> = response
            .headers()
            .iter()
            .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap()))
            .collect();
        headers.sort();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, headers, body.to_vec())
    }

    fn requests(etag: &str) -> Vec<HttpRequest<Body>> {
        let get = |headers: &[(&str, &str)]| {
            let mut request = HttpRequest::get(FEED_PATH);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.body(Body::empty()).unwrap()
        };
        vec![
            get(&[]),
            get(&[("accept-encoding", "gzip")]),
            get(&[("accept-encoding", "gzip, deflate, br")]),
            get(&[("accept-encoding", "gzip;q=0, br;q=0")]),
            get(&[("accept-encoding", "gzip"), ("if-none-match", etag)]),
            get(&[("if-none-match", "\"something else\"")]),
            get(&[("origin", "https://example.org")]),
            HttpRequest::head(FEED_PATH).body(Body::empty()).unwrap(),
            HttpRequest::get("/v1/feed.json?utm=1")
                .body(Body::empty())
                .unwrap(),
            // Not the fast path's: left to the router.
            HttpRequest::post(FEED_PATH).body(Body::empty()).unwrap(),
            HttpRequest::get("/v1/feed.json/")
                .body(Body::empty())
                .unwrap(),
            HttpRequest::options(FEED_PATH)
                .header("origin", "https://example.org")
                .header("access-control-request-method", "GET")
                .body(Body::empty())
                .unwrap(),
            HttpRequest::get("/healthz").body(Body::empty()).unwrap(),
        ]
    }

    #[tokio::test]
    async fn the_fast_path_answers_every_request_as_the_router_does() {
        let (_dir, state) = state();
        let etag = state
            .public
            .current()
            .unwrap()
            .variant(Encoding::Gzip)
            .etag
            .clone();
        let etag = etag.to_str().unwrap().to_owned();
        for (via_router, via_connection) in requests(&etag).into_iter().zip(requests(&etag)) {
            let what = format!("{} {}", via_router.method(), via_router.uri());
            let mut via_router = via_router;
            via_router
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 4000))));
            let expected = parts(app(state.clone()).oneshot(via_router).await.unwrap()).await;
            let got = parts(served(&state, via_connection).await).await;
            assert_eq!((got.0, &got.1), (expected.0, &expected.1), "{what}");
            assert!(got.2 == expected.2, "{what}: the bodies differ");
        }
    }

    #[tokio::test]
    async fn fast_path_gets_are_counted_and_use_neither_the_database_nor_the_signer() {
        let (_dir, state) = state();
        let db_before = state.db.uses();
        let signed_before = state.metrics.signatures();
        let built_before = state.metrics.builds();
        let etag = state
            .public
            .current()
            .unwrap()
            .variant(Encoding::Identity)
            .etag
            .to_str()
            .unwrap()
            .to_owned();
        for (accept, if_none_match) in [("gzip", None), ("br", None), ("", Some(etag.as_str()))] {
            let mut request = HttpRequest::get(FEED_PATH).header("accept-encoding", accept);
            if let Some(tag) = if_none_match {
                request = request.header("if-none-match", tag);
            }
            let response = served(&state, request.body(Body::empty()).unwrap()).await;
            assert!(matches!(
                response.status(),
                StatusCode::OK | StatusCode::NOT_MODIFIED
            ));
        }
        assert_eq!(state.db.uses(), db_before, "no database use");
        assert_eq!(state.metrics.signatures(), signed_before, "no signing");
        assert_eq!(state.metrics.builds(), built_before, "no document built");
        let metrics = served(
            &state,
            HttpRequest::get("/metrics").body(Body::empty()).unwrap(),
        )
        .await;
        let text = axum::body::to_bytes(metrics.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8(text.to_vec()).unwrap();
        for line in [
            "notice_http_requests_total{route=\"/v1/feed.json\",method=\"GET\",status=\"200\"} 2",
            "notice_http_requests_total{route=\"/v1/feed.json\",method=\"GET\",status=\"304\"} 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
    }
}
