//! Running the service: the HTTP server, the heartbeat beside it, and a graceful stop; and
//! [`FeedFastPath`], which answers `GET /v1/feed.json` in front of the router.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, CONTENT_LENGTH,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, Method};
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::Service;
use tower::ServiceExt as _;

use crate::heartbeat;
use crate::http_cache;
use crate::routes::app;
use crate::served::PublicState;
use crate::state::AppState;

/// Serves `state` on `listener` until `shutdown` resolves, then stops accepting, lets requests in flight
/// finish and stops the heartbeat. A first heartbeat round runs before serving, so a feed that went stale
/// while the server was down is re-signed before anyone fetches it.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Err(e) = heartbeat::tick(&state).await {
        tracing::error!(error = %e, "first heartbeat failed; serving the stored feed and retrying");
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let beat = tokio::spawn(heartbeat::run(state.clone(), stopped(stop_rx)));
    let fast = FeedFastPath::new(state.public.clone());
    let header_timeout = state.settings.request_timeout;
    let result = serve_connections(listener, app(state), fast, header_timeout, shutdown).await;
    let _ = stop_tx.send(true);
    if let Err(e) = beat.await {
        tracing::error!(error = %e, "heartbeat task ended abnormally");
    }
    result
}

/// Accepts connections on `listener` and serves HTTP/1.1 and HTTP/2 on each: feed GETs by `fast`, everything
/// else by `router` (with the peer's address as [`ConnectInfo`], which the admin rate limiter reads). When
/// `shutdown` resolves it stops accepting, lets requests in flight finish and closes idle connections.
///
/// This is what `axum::serve` does, written out with hyper so that a feed GET costs only its answer: the
/// router is cloned and the request body boxed only for requests that go to it. Unlike `axum::serve`, a
/// client gets `header_timeout` to send a request's head before its connection is closed, so a crowd of
/// connections that trickle headers (slowloris) cannot hold the server's sockets forever.
pub async fn serve_connections(
    listener: TcpListener,
    router: Router,
    fast: FeedFastPath<()>,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
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
        let service = ConnectionService {
            fast: fast.clone(),
            router: router.clone(),
            remote,
        };
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
    graceful.shutdown().await;
    Ok(())
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

/// One connection's service: the fast path, then the router.
#[derive(Clone)]
struct ConnectionService {
    fast: FeedFastPath<()>,
    router: Router,
    remote: SocketAddr,
}

impl hyper::service::Service<Request<Incoming>> for ConnectionService {
    type Response = Response;
    type Error = Infallible;
    type Future = FastPathFuture;

    fn call(&self, request: Request<Incoming>) -> FastPathFuture {
        if let Some(response) = self.fast.answer(&request) {
            return FastPathFuture::Ready(Some(response));
        }
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(self.remote));
        let router = self.router.clone();
        FastPathFuture::Inner(Box::pin(router.oneshot(request)))
    }
}

/// The path [`FeedFastPath`] answers.
const FEED_PATH: &str = "/v1/feed.json";

/// Answers `GET` and `HEAD /v1/feed.json` before the router, and hands every other request to it (`S`).
///
/// Why: when an outage is in the news, every app asks for the feed at once, and the origin should keep up
/// with a static file server. The router's layers cost more than the answer itself (per request: the CORS
/// layer's clone, a timer for the timeout, route strings for metrics, boxed futures); a feed GET needs none of
/// them: it reads no body, cannot time out and cannot fail. So this answers it with [`http_cache::represent`],
/// the same function the router's handler uses, and adds what the router's layers add to that answer: CORS
/// (`*`), `nosniff`, `Content-Length`, the request count and the debug log line. A test checks that both
/// answer every request alike.
///
/// A server that has no document yet (a mirror that has not reached its upstream) leaves the request to the
/// router, which answers 503.
#[derive(Clone)]
pub struct FeedFastPath<S> {
    inner: S,
    public: PublicState,
    cache_control: Option<HeaderValue>,
}

impl FeedFastPath<()> {
    /// A fast path over `public`, not yet in front of a service ([`FeedFastPath::wrap`]).
    pub fn new(public: PublicState) -> Self {
        // Built once: the policy does not change while the process runs.
        let cache_control = HeaderValue::from_str(&public.cache_control()).ok();
        Self {
            inner: (),
            public,
            cache_control,
        }
    }

    /// Puts the fast path in front of `inner` (the router, one per connection).
    pub fn wrap<S>(&self, inner: S) -> FeedFastPath<S> {
        FeedFastPath {
            inner,
            public: self.public.clone(),
            cache_control: self.cache_control.clone(),
        }
    }
}

impl<S> FeedFastPath<S> {
    /// The answer to `request` if it is a feed GET or HEAD and there is a document.
    fn answer<B>(&self, request: &Request<B>) -> Option<Response> {
        let method = request.method();
        let head = method == Method::HEAD;
        if (method != Method::GET && !head) || request.uri().path() != FEED_PATH {
            return None;
        }
        // The clock is read only for the debug log line, which is off in production.
        let started = tracing::enabled!(tracing::Level::DEBUG).then(Instant::now);
        let doc = self.public.current()?;
        let mut response = http_cache::represent(
            &doc,
            request.headers(),
            self.cache_control.clone(),
            "application/json",
            "Accept-Encoding",
        );
        let headers = response.headers_mut();
        // What the router's CORS layer adds to a public answer (allow any origin, expose the tag and version).
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        headers.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("etag,x-notice-feed-version"),
        );
        // What `observe` adds to every answer.
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
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

impl<S> Service<Request<Body>> for FeedFastPath<S>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = FastPathFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> FastPathFuture {
        match self.answer(&request) {
            Some(response) => FastPathFuture::Ready(Some(response)),
            // Only requests that are not feed GETs pay for the box.
            None => FastPathFuture::Inner(Box::pin(self.inner.call(request))),
        }
    }
}

/// The future of [`FeedFastPath`]: the ready answer, or the router's.
pub enum FastPathFuture {
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

async fn stopped(mut rx: watch::Receiver<bool>) {
    // An error means the sender is gone: stop as well.
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Resolves on Ctrl-C or SIGTERM (what `docker stop` and systemd send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::http::{Request as HttpRequest, StatusCode};
    use notice_types::{FeedId, Timestamp};
    use tower::ServiceExt as _;

    use super::*;
    use crate::clock::{Clock as _, ManualClock};
    use crate::config::{DataDir, Settings};
    use crate::init::{InitOptions, init};

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

    /// Status, headers (sorted) and body of an answer.
    async fn answer<S>(service: S, request: HttpRequest<Body>) -> (StatusCode, Vec<String>, Vec<u8>)
    where
        S: Service<Request<Body>, Response = Response, Error = Infallible>,
    {
        let response = service.oneshot(request).await.unwrap();
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
            .variant(http_cache::Encoding::Gzip)
            .etag
            .clone();
        let etag = etag.to_str().unwrap().to_owned();
        let fast = FeedFastPath::new(state.public.clone());
        for (via_router, via_fast) in requests(&etag).into_iter().zip(requests(&etag)) {
            let what = format!("{} {}", via_router.method(), via_router.uri());
            let expected = answer(app(state.clone()), via_router).await;
            let got = answer(fast.wrap(app(state.clone())), via_fast).await;
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
        let fast = FeedFastPath::new(state.public.clone());
        let etag = state.public.current().unwrap().etag();
        for (accept, if_none_match) in [("gzip", None), ("br", None), ("", Some(etag.as_str()))] {
            let mut request = HttpRequest::get(FEED_PATH).header("accept-encoding", accept);
            if let Some(tag) = if_none_match {
                request = request.header("if-none-match", tag);
            }
            let response = fast
                .wrap(app(state.clone()))
                .oneshot(request.body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert!(matches!(
                response.status(),
                StatusCode::OK | StatusCode::NOT_MODIFIED
            ));
        }
        assert_eq!(state.db.uses(), db_before, "no database use");
        assert_eq!(state.metrics.signatures(), signed_before, "no signing");
        assert_eq!(state.metrics.builds(), built_before, "no document built");
        let metrics = fast
            .wrap(app(state.clone()))
            .oneshot(HttpRequest::get("/metrics").body(Body::empty()).unwrap())
            .await
            .unwrap();
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
