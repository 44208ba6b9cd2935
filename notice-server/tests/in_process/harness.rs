//! A server in a temp directory with a manual clock, and request helpers.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use notice_server::AppState;
use notice_server::DataDir;
use notice_server::app;
use notice_server::clock::{Clock as _, ManualClock};
use notice_server::config::Settings;
use notice_server::{InitOptions, init};
use notice_types::{FeedId, Timestamp, TrustedRoot, Verified, verify};
use serde_json::Value;
use tower::ServiceExt as _;

/// 2026-09-21T14:13:20Z.
pub const START: i64 = 1_790_000_000;

pub struct Harness {
    pub _dir: tempfile::TempDir,
    pub data: DataDir,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub token: String,
    pub root_json: Vec<u8>,
    pub settings: Settings,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
            .to_str()
            .unwrap()
    }

    /// Asserts the contract's error shape and returns (code, field).
    pub fn error(&self, status: StatusCode) -> (String, Option<String>) {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert!(
            self.header("content-type").starts_with("application/json"),
            "error bodies are JSON"
        );
        let json = self.json();
        let error = json["error"].as_object().expect("error object");
        for key in error.keys() {
            assert!(
                ["code", "message", "field"].contains(&key.as_str()),
                "unexpected key {key}"
            );
        }
        assert!(!error["message"].as_str().unwrap().is_empty());
        (
            error["code"].as_str().unwrap().to_owned(),
            error.get("field").map(|f| f.as_str().unwrap().to_owned()),
        )
    }
}

impl Harness {
    pub fn new() -> Self {
        Self::with_settings(Settings::default())
    }

    pub fn with_settings(settings: Settings) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path().join("data"));
        let clock = Arc::new(ManualClock::new(Timestamp::from_unix(START)));
        let options = InitOptions {
            feed_id: FeedId::parse("yivi-app/test").unwrap(),
            link_hosts: vec!["yivi.app".to_owned()],
        };
        let report = init(&data, &options, &settings, clock.now()).unwrap();
        let state = AppState::open(&data, settings.clone(), clock.clone()).unwrap();
        let root_json = std::fs::read(data.root_json()).unwrap();
        Self {
            _dir: dir,
            data,
            state,
            clock,
            token: report.admin_token,
            root_json,
            settings,
        }
    }

    /// Drops the running state and opens the directory again, as a restart does.
    pub fn restart(mut self) -> Self {
        drop(std::mem::replace(
            &mut self.state,
            AppState::open(&self.data, self.settings.clone(), self.clock.clone()).unwrap(),
        ));
        self
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        self.send_from(request, None).await
    }

    pub async fn send_from(&self, request: Request<Body>, peer: Option<SocketAddr>) -> Reply {
        let router = app(self.state.clone());
        let response = match peer {
            Some(peer) => router.layer(MockConnectInfo(peer)).oneshot(request).await,
            None => router.oneshot(request).await,
        }
        .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Reply {
            status,
            headers,
            body,
        }
    }

    /// The value of the metric `name` (a series without labels) in `/metrics`, read as an operator's
    /// Prometheus would.
    pub async fn metric(&self, name: &str) -> f64 {
        let reply = self.get("/metrics").await;
        let text = String::from_utf8_lossy(&reply.body).into_owned();
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
            .parse()
            .unwrap()
    }

    pub fn request(method: Method, path: &str) -> axum::http::request::Builder {
        Request::builder().method(method).uri(path)
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(
            Self::request(Method::GET, path)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut builder = Self::request(Method::GET, path);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        self.send(builder.body(Body::empty()).unwrap()).await
    }

    pub async fn admin(&self, method: Method, path: &str, body: Option<&str>) -> Reply {
        self.admin_as(&self.token, method, path, body).await
    }

    pub async fn admin_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<&str>,
    ) -> Reply {
        let builder = Self::request(method, path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json");
        self.send(
            builder
                .body(Body::from(body.unwrap_or_default().to_owned()))
                .unwrap(),
        )
        .await
    }

    pub async fn admin_json(&self, method: Method, path: &str, body: Value) -> Reply {
        self.admin(method, path, Some(&body.to_string())).await
    }

    /// Creates a notice and returns its id.
    pub async fn create(&self, body: Value) -> String {
        let reply = self
            .admin_json(Method::POST, "/v1/admin/notices", body)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        reply.json()["notice"]["id"].as_str().unwrap().to_owned()
    }

    /// The served feed, verified against root.json as written by init, at the clock's time.
    pub async fn feed(&self) -> Verified {
        let reply = self.get("/v1/feed.json").await;
        assert_eq!(reply.status, StatusCode::OK);
        let trusted = TrustedRoot::from_envelope_bytes(&self.root_json).unwrap();
        verify(&reply.body, &trusted, None, self.clock.now()).unwrap()
    }

    /// How many audit rows the database holds.
    pub fn audit_rows(&self) -> Vec<(String, String, Option<String>, Option<u64>)> {
        let conn = rusqlite::Connection::open(self.data.db()).unwrap();
        let mut statement = conn
            .prepare("SELECT actor, action, notice_id, feed_version FROM audit ORDER BY id")
            .unwrap();
        statement
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }
}

pub fn outage() -> Value {
    serde_json::json!({
        "severity": "outage",
        "title": {"en": "PIN check is down", "nl": "PIN-controle werkt niet"},
        "body": {"en": "You cannot log in right now. We are working on it."},
        "components": ["keyshare"]
    })
}

pub fn maintenance() -> Value {
    serde_json::json!({
        "severity": "maintenance",
        "title": {"en": "Planned maintenance"},
        "body": {"en": "Logging in is unavailable for an hour."},
        "starts_at": "2026-10-01T01:00:00Z",
        "ends_at": "2026-10-01T02:00:00Z"
    })
}
