//! Admin authentication: bearer tokens and rate limiting of failures.
//!
//! Tokens are 256 random bits from the OS, shown once, stored as SHA-256 only ([`crate::storage::tokens`]).
//! A request's token is hashed and looked up by hash, so nothing is compared byte by byte against a secret.
//! Peers that keep failing get 429 with `Retry-After` before their token is even looked at.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Mutex, PoisonError};

use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use notice_types::Timestamp;

use super::{AppError, AppState};
use crate::storage::tokens::{self, hash_token};

/// The operator a request was authenticated as (a request extension on admin routes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Operator {
    /// The token's name.
    pub(crate) name: String,
}

/// The token of an `Authorization: Bearer …` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The socket's peer address (in tests: the mocked one); without connection info, all requests share one
/// bucket.
fn socket_peer(request: &Request) -> IpAddr {
    let extensions = request.extensions();
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0)
        .or_else(|| {
            extensions
                .get::<MockConnectInfo<SocketAddr>>()
                .map(|info| info.0)
        })
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |addr| addr.ip())
}

/// The client a request counts against: the socket's peer, unless that is a trusted proxy; then the
/// nearest address in `X-Forwarded-For` (read from the right, as each proxy appends the address it saw)
/// that is not a trusted proxy itself. A hop that is not an address ends the walk: what lies beyond it
/// cannot be trusted, so the last trusted proxy's bucket is used.
fn client_ip(request: &Request, trusted_proxies: &[IpNet]) -> IpAddr {
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    let mut client = socket_peer(request);
    if !trusted(&client) {
        return client;
    }
    let hops: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    for hop in hops.into_iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted(&ip) => client = ip,
            Ok(ip) => return ip,
            Err(_) => return client,
        }
    }
    client
}

/// Middleware of the admin routes: 429 for peers over their failure budget, 401 without a valid token,
/// otherwise the request continues with an [`Operator`] extension.
pub(crate) async fn require_token(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, AppError> {
    let peer = client_ip(&request, &state.settings().trusted_proxies);
    let now = state.clock().now();
    if let Err(retry_after_secs) = state.limiter.check(peer, now) {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let name = match bearer(request.headers()) {
        Some(token) => {
            let hash = hash_token(token);
            state
                .blocking(move |_, conn| tokens::authenticate(conn, &hash, now))
                .await??
        }
        None => None,
    };
    let Some(name) = name else {
        state.limiter.record_failure(peer, now);
        state.metrics.record_auth_failure();
        tracing::warn!(%peer, "admin request with a missing, wrong or revoked token");
        return Err(AppError::Unauthorized);
    };
    request.extensions_mut().insert(Operator { name });
    Ok(next.run(request).await)
}

/// Most peers remembered at once; beyond this, peers with a full budget are forgotten first.
const MAX_TRACKED_PEERS: usize = 10_000;

/// A token bucket of failures per peer: `per_minute` failures, refilled evenly over a minute.
#[derive(Debug)]
pub(crate) struct AuthLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Failures still allowed, fractional while refilling.
    allowance: f64,
    /// When `allowance` was last brought up to date.
    at: i64,
}

impl AuthLimiter {
    /// A limiter allowing `per_minute` failures per peer per minute.
    pub(crate) fn new(per_minute: u32) -> Self {
        Self {
            per_minute: per_minute.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refill(&self, bucket: &mut Bucket, now: i64) {
        let elapsed = (now - bucket.at).max(0) as f64;
        let capacity = f64::from(self.per_minute);
        bucket.allowance = (bucket.allowance + elapsed * capacity / 60.0).min(capacity);
        bucket.at = now;
    }

    /// `Ok` if `peer` may try, else the seconds until it may try again.
    pub(crate) fn check(&self, peer: IpAddr, now: Timestamp) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(bucket) = buckets.get_mut(&peer) else {
            return Ok(());
        };
        self.refill(bucket, now.unix());
        if bucket.allowance >= 1.0 {
            Ok(())
        } else {
            let per_second = f64::from(self.per_minute) / 60.0;
            Err(((1.0 - bucket.allowance) / per_second).ceil().max(1.0) as u64)
        }
    }

    /// Counts a failure of `peer`.
    pub(crate) fn record_failure(&self, peer: IpAddr, now: Timestamp) {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED_PEERS && !buckets.contains_key(&peer) {
            let capacity = f64::from(self.per_minute);
            let now = now.unix();
            buckets.retain(|_, bucket| {
                let elapsed = (now - bucket.at).max(0) as f64;
                bucket.allowance + elapsed * capacity / 60.0 < capacity
            });
            if buckets.len() >= MAX_TRACKED_PEERS {
                // Still full of active offenders: forget an arbitrary one rather than grow without bound.
                if let Some(victim) = buckets.keys().next().copied() {
                    buckets.remove(&victim);
                }
            }
        }
        let bucket = buckets.entry(peer).or_insert(Bucket {
            allowance: f64::from(self.per_minute),
            at: now.unix(),
        });
        self.refill(bucket, now.unix());
        bucket.allowance = (bucket.allowance - 1.0).max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(peer: &str, forwarded: &[&str]) -> Request {
        let mut request = Request::new(axum::body::Body::empty());
        let addr: SocketAddr = format!("{peer}:4000").parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(addr));
        for value in forwarded {
            request
                .headers_mut()
                .append("x-forwarded-for", value.parse().unwrap());
        }
        request
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn the_client_behind_a_trusted_proxy_is_the_nearest_untrusted_forwarded_address() {
        let proxies = nets(&["10.0.0.0/8"]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // Not behind a proxy: the header is the client's own claim and ignored.
        assert_eq!(
            client_ip(&from("203.0.113.9", &["1.2.3.4"]), &proxies),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip(&from("10.0.0.2", &["1.2.3.4"]), &[]),
            ip("10.0.0.2")
        );
        // Behind one proxy, and behind two (the left part is whatever the client claimed).
        assert_eq!(
            client_ip(&from("10.0.0.2", &["198.51.100.7"]), &proxies),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(
                &from("10.0.0.2", &["6.6.6.6, 198.51.100.7, 10.1.1.1"]),
                &proxies
            ),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(&from("10.0.0.2", &["6.6.6.6", "198.51.100.7"]), &proxies),
            ip("198.51.100.7"),
            "several header lines read as one list"
        );
        // Garbage or nothing: the proxy's own bucket.
        assert_eq!(
            client_ip(&from("10.0.0.2", &["bogus"]), &proxies),
            ip("10.0.0.2")
        );
        assert_eq!(client_ip(&from("10.0.0.2", &[]), &proxies), ip("10.0.0.2"));
        assert_eq!(
            client_ip(
                &from("10.0.0.2", &["198.51.100.7, bogus, 10.9.9.9"]),
                &proxies
            ),
            ip("10.9.9.9")
        );
    }

    #[test]
    fn bearer_tokens_are_read_case_insensitively_and_nothing_else_is() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(AUTHORIZATION, "Bearer ntk_x".parse().unwrap());
        assert_eq!(bearer(&headers), Some("ntk_x"));
        headers.insert(AUTHORIZATION, "bearer ntk_x".parse().unwrap());
        assert_eq!(bearer(&headers), Some("ntk_x"));
        headers.insert(AUTHORIZATION, "Basic dXNlcjpwdw==".parse().unwrap());
        assert_eq!(bearer(&headers), None);
        headers.insert(AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer(&headers), None);
    }

    #[test]
    fn a_peer_is_limited_after_its_budget_and_recovers_over_time() {
        let limiter = AuthLimiter::new(6); // one failure per 10 s
        let peer: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let t0 = Timestamp::from_unix(1_000);
        for _ in 0..6 {
            assert_eq!(limiter.check(peer, t0), Ok(()));
            limiter.record_failure(peer, t0);
        }
        assert_eq!(limiter.check(peer, t0), Err(10));
        assert_eq!(
            limiter.check(other, t0),
            Ok(()),
            "other peers are unaffected"
        );
        assert_eq!(limiter.check(peer, t0.plus_seconds(4)), Err(6));
        assert_eq!(limiter.check(peer, t0.plus_seconds(10)), Ok(()));
    }
}
