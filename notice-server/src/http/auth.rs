//! Admin authentication and authorization: bearer tokens, their scopes, and rate limiting of failures.
//!
//! Tokens are 256 random bits from the OS, shown once, stored as SHA-256 only ([`crate::storage::tokens`]).
//! A request's token is hashed and looked up by hash, so nothing is compared byte by byte against a secret.
//! Peers that keep failing get 429 with `Retry-After` for their failures; a valid token is looked up and
//! accepted whatever its address did before (failures from behind the same NAT must not lock out the
//! operator).
//!
//! What a token may do is decided in two places, both here: per route ([`require_admin_scope`], layered on
//! every route the route table marks [`crate::http::Access::Admin`]), and per notice ([`Operator::may_change`],
//! which the one handler that changes existing notices calls inside its transaction): a watch token changes
//! only the notices it created.

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
use notice_types::{NoticeId, Timestamp};

use super::{AppError, AppState};
use crate::storage::audit::Actor;
use crate::storage::notices::Creator;
use crate::storage::tokens::{self, Scope, hash_token};

/// The id prefix of the notices a watchdog signs itself when the server is down (`notice watch`, break-glass):
/// such a notice reaches the server in a document, without a token, and a watch token may still change it.
/// Only a holder of the feed key can publish a document, so the prefix does not let a watch token reach
/// anything a person posted.
pub(crate) const WATCH_ID_PREFIX: &str = "watch-";

/// The operator a request was authenticated as (a request extension on admin routes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Operator {
    /// The token's name.
    pub(crate) name: String,
    /// What the token may do.
    pub(crate) scope: Scope,
}

impl Operator {
    /// The audit log's actor: the token's name and scope.
    pub(crate) fn actor(&self) -> Actor {
        Actor::token(self.name.clone(), self.scope)
    }

    /// Whether this operator may change notice `id`, created by `creator`: an admin token any notice; a watch
    /// token the notices a watch token of its name created, and watchdog notices that came in with a
    /// document (its own break-glass writes, see [`WATCH_ID_PREFIX`]).
    pub(crate) fn may_change(&self, id: &NoticeId, creator: &Creator) -> Result<(), AppError> {
        let own = match (self.scope, creator) {
            (Scope::Admin, _) => true,
            (Scope::Watch, Creator::Token { name, scope }) => {
                *scope == Scope::Watch && *name == self.name
            }
            (Scope::Watch, Creator::Document) => id.as_str().starts_with(WATCH_ID_PREFIX),
        };
        if own {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "token `{}` has the watch scope: it may update, resolve, edit and withdraw only the notices it created, and notice `{id}` is not one of them; use an admin token",
                self.name
            )))
        }
    }
}

/// Route layer of the admin routes that only admin tokens may call: 403 for any other scope.
pub(crate) async fn require_admin_scope(
    request: Request,
    next: Next,
) -> Result<Response, AppError> {
    match request.extensions().get::<Operator>() {
        Some(operator) if operator.scope == Scope::Admin => Ok(next.run(request).await),
        Some(operator) => {
            tracing::warn!(
                token = %operator.name,
                scope = operator.scope.as_str(),
                method = %request.method(),
                path = request.uri().path(),
                "refused: outside the token's scope"
            );
            Err(AppError::Forbidden(format!(
                "token `{}` has the {} scope, which does not allow {} {}: a watch token may list and read notices, create notices, and update or resolve the ones it created; use an admin token",
                operator.name,
                operator.scope,
                request.method(),
                request.uri().path()
            )))
        }
        // Only reachable if the route were not behind `require_token`: refuse rather than let it through.
        None => Err(AppError::Unauthorized),
    }
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

/// Middleware of the admin routes: a valid token continues with an [`Operator`] extension, always; a missing,
/// wrong or revoked one gets 401, or 429 with `Retry-After` once its peer is over the failure budget.
///
/// The token is looked up before the budget is consulted, so failures from an address (a guesser behind the
/// same NAT or proxy as the on-call operator) never lock out the valid token from that address. Guessing
/// still runs into the budget: past it, every wrong guess is a 429 that tells the client to wait, and each
/// one keeps the budget empty.
pub(crate) async fn require_token(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, AppError> {
    let now = state.clock().now();
    let authenticated = match bearer(request.headers()) {
        Some(token) => {
            let hash = hash_token(token);
            state
                .blocking(move |state, conn| {
                    let authenticated = tokens::authenticate(conn, &hash, now);
                    // Every admin request starts here: a database that fails it is reported at once.
                    if authenticated.is_err() {
                        state.check_database_after_failure(conn);
                    }
                    authenticated
                })
                .await??
        }
        None => None,
    };
    if let Some(tokens::Authenticated { name, scope }) = authenticated {
        request.extensions_mut().insert(Operator { name, scope });
        return Ok(next.run(request).await);
    }
    let peer = client_ip(&request, &state.settings().trusted_proxies);
    state.metrics.record_auth_failure();
    let verdict = state.limiter.check(peer, now);
    state.limiter.record_failure(peer, now);
    match verdict {
        Ok(()) => {
            tracing::warn!(%peer, "admin request with a missing, wrong or revoked token");
            Err(AppError::Unauthorized)
        }
        Err(retry_after_secs) => {
            tracing::debug!(%peer, retry_after_secs, "failed authentication over the budget");
            Err(AppError::RateLimited { retry_after_secs })
        }
    }
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
    fn a_watch_token_may_change_its_own_notices_and_watchdog_documents_only() {
        let id = |text: &str| NoticeId::parse(text).unwrap();
        let watch = Operator {
            name: "watchdog".to_owned(),
            scope: Scope::Watch,
        };
        let admin = Operator {
            name: "alice".to_owned(),
            scope: Scope::Admin,
        };
        let by = |name: &str, scope| Creator::Token {
            name: name.to_owned(),
            scope,
        };
        let other = id("2026-11-23-keyshare-3f9a");
        let watchdogs = id("watch-keyshare-20261123-1");
        assert!(
            watch
                .may_change(&other, &by("watchdog", Scope::Watch))
                .is_ok()
        );
        for (notice, creator) in [
            (&other, by("alice", Scope::Admin)),
            (&other, by("other-watchdog", Scope::Watch)),
            // An admin token of the same name (a name is free again once revoked) is someone else.
            (&other, by("watchdog", Scope::Admin)),
            (&watchdogs, by("alice", Scope::Admin)),
            (&other, Creator::Document),
        ] {
            let refused = watch.may_change(notice, &creator).unwrap_err();
            assert_eq!(refused.code(), "forbidden", "{notice} by {creator:?}");
        }
        assert!(watch.may_change(&watchdogs, &Creator::Document).is_ok());
        for creator in [by("x", Scope::Watch), Creator::Document] {
            assert!(admin.may_change(&other, &creator).is_ok());
        }
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
