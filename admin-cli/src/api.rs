//! The admin API client (`/v1/admin/…`) and the two public documents the CLI reads (`/v1/feed.json`,
//! `/v1/root.json`).
//!
//! Every HTTP failure becomes a [`CliError`] that names the server and the next step: unreachable, token
//! rejected (401), rate limited (429), a field at fault (422), not found, conflict, server error.

use notice_publish::{
    AuditEntry, AuditList, CopyList, CopyState, CreateNotice, ErrorAnswer, IngestReport,
    NoticeChange, NoticeList, NoticeRecord, RootPublished, WhoAmI, WriteResponse,
};
use notice_types::{Envelope, NoticeId, limits::MAX_DOCUMENT_BYTES};
use serde::Serialize;
use serde::de::DeserializeOwned;
use ureq::http::Request;

use crate::config::{Located, ServerUrl, Settings, Token};
use crate::error::CliError;
use crate::http::{Answer, Http, TooLarge};

/// Largest admin answer read (a full `list --all` with long timelines stays far below).
const MAX_ADMIN_ANSWER_BYTES: u64 = 8 * 1024 * 1024;

/// The admin API of one server.
#[derive(Debug)]
pub struct Api {
    http: Http,
    server: Located<ServerUrl>,
    token: Option<Located<Token>>,
}

impl Api {
    /// A client for the server in `settings`; fails when none is configured.
    pub fn new(settings: &Settings, http: Http) -> Result<Self, CliError> {
        let server = settings.server.clone().ok_or(CliError::NoServer)?;
        Ok(Self {
            http,
            server,
            token: settings.token.clone(),
        })
    }

    /// The server's base URL.
    pub fn server(&self) -> &ServerUrl {
        &self.server.value
    }

    /// `POST /v1/admin/notices[?dry_run=true]`.
    pub fn create(&self, body: &CreateNotice, dry_run: bool) -> Result<WriteResponse, CliError> {
        self.write("POST", "/v1/admin/notices".to_owned(), json(body), dry_run)
    }

    /// One change to notice `id`, on the route that takes it (`PATCH …/{id}`, `POST …/{id}/updates`,
    /// `…/resolve`, `…/withdraw`); with `dry_run` the server answers what it would publish and stores
    /// nothing.
    pub fn change(
        &self,
        id: &NoticeId,
        change: &NoticeChange,
        dry_run: bool,
    ) -> Result<WriteResponse, CliError> {
        let base = format!("/v1/admin/notices/{id}");
        let (method, path, body) = match change {
            NoticeChange::Edit(edit) => ("PATCH", base, json(edit)),
            NoticeChange::Update(update) => ("POST", format!("{base}/updates"), json(update)),
            NoticeChange::Resolve(resolve) => ("POST", format!("{base}/resolve"), json(resolve)),
            NoticeChange::Withdraw => ("POST", format!("{base}/withdraw"), b"{}".to_vec()),
        };
        self.write(method, path, body, dry_run)
    }

    fn write(
        &self,
        method: &str,
        path: String,
        body: Vec<u8>,
        dry_run: bool,
    ) -> Result<WriteResponse, CliError> {
        let path = if dry_run {
            format!("{path}?dry_run=true")
        } else {
            path
        };
        let answer = self.admin(method, &path, Some(body))?;
        self.parse(&path, answer)
    }

    /// `GET /v1/admin/notices[?all=true]`.
    pub fn list(&self, all: bool) -> Result<Vec<NoticeRecord>, CliError> {
        let path = if all {
            "/v1/admin/notices?all=true"
        } else {
            "/v1/admin/notices"
        };
        let answer = self.admin("GET", path, None)?;
        Ok(self.parse::<NoticeList>(path, answer)?.notices)
    }

    /// `GET /v1/admin/whoami`: the token's name and scope.
    pub fn whoami(&self) -> Result<WhoAmI, CliError> {
        let path = "/v1/admin/whoami";
        let answer = self.admin("GET", path, None)?;
        self.parse(path, answer)
    }

    /// `GET /v1/admin/audit?limit=N`: the audit log, newest first.
    pub fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, CliError> {
        let path = format!("/v1/admin/audit?limit={limit}");
        let answer = self.admin("GET", &path, None)?;
        Ok(self.parse::<AuditList>(&path, answer)?.entries)
    }

    /// `GET /v1/admin/copies`: the server's copies on other providers, as it last saw them.
    pub fn copies(&self) -> Result<Vec<CopyState>, CliError> {
        let path = "/v1/admin/copies";
        let answer = self.admin("GET", path, None)?;
        Ok(self.parse::<CopyList>(path, answer)?.copies)
    }

    /// `GET /v1/admin/notices/{id}`.
    pub fn get(&self, id: &NoticeId) -> Result<NoticeRecord, CliError> {
        let path = format!("/v1/admin/notices/{id}");
        let answer = self.admin("GET", &path, None)?;
        self.parse(&path, answer)
    }

    /// `POST /v1/admin/ingest` with a published document signed offline (break-glass).
    /// `reopen` names notices whose document state is taken even where the server closed or withdrew them.
    pub fn ingest(&self, document: &[u8], reopen: &[NoticeId]) -> Result<IngestReport, CliError> {
        let path = if reopen.is_empty() {
            "/v1/admin/ingest".to_owned()
        } else {
            let ids: Vec<&str> = reopen.iter().map(NoticeId::as_str).collect();
            format!("/v1/admin/ingest?reopen={}", ids.join(","))
        };
        let answer = self.admin("POST", &path, Some(document.to_vec()))?;
        self.parse(&path, answer)
    }

    /// `POST /v1/admin/root[?dry_run=true]` with root v(N+1) from a root key ceremony.
    pub fn publish_root(&self, root: &Envelope, dry_run: bool) -> Result<RootPublished, CliError> {
        let path = if dry_run {
            "/v1/admin/root?dry_run=true"
        } else {
            "/v1/admin/root"
        };
        let answer = self.admin("POST", path, Some(json(root)))?;
        self.parse(path, answer)
    }

    /// A public document (`/v1/feed.json`, `/v1/root.json`), read up to the size every app accepts.
    pub fn public(&self, path: &str) -> Result<Vec<u8>, CliError> {
        let url = self.server.value.join(path);
        let request = Request::get(&url)
            .body(())
            .map_err(|e| CliError::usage(format!("bad URL {url}: {e}")))?;
        match self
            .http
            .exchange(request, MAX_DOCUMENT_BYTES as u64, &self.server.source)?
        {
            Ok(answer) if answer.status == 200 => Ok(answer.body),
            Ok(answer) if answer.status >= 500 => Err(self.failure(&url, answer)),
            Ok(answer) => Err(CliError::BadResponse {
                detail: format!("HTTP {} instead of the document", answer.status),
                url,
            }),
            Err(TooLarge) => Err(CliError::Verification {
                what: url,
                code: "too_large",
                message: format!(
                    "the document is larger than {MAX_DOCUMENT_BYTES} bytes, the most any app reads"
                ),
                hint: None,
            }),
        }
    }

    fn admin(&self, method: &str, path: &str, body: Option<Vec<u8>>) -> Result<Answer, CliError> {
        let token = self.token.as_ref().ok_or(CliError::NoToken)?;
        if self.server.value.is_plain_http_off_host() {
            return Err(CliError::usage_hint(
                format!(
                    "refusing to send the token to {} over plain http: anyone on the way could read it",
                    self.server.value
                ),
                "use the server's https:// URL, or a tunnel to it on 127.0.0.1 (ssh -L 8080:127.0.0.1:8080 HOST)",
            ));
        }
        let url = self.server.value.join(path);
        let builder = Request::builder()
            .method(method)
            .uri(&url)
            .header("accept", "application/json")
            .header("authorization", format!("Bearer {}", token.value.expose()));
        let bad_url = |e: ureq::http::Error| CliError::usage(format!("bad URL {url}: {e}"));
        let answer = match body {
            Some(body) => {
                let request = builder
                    .header("content-type", "application/json")
                    .body(body)
                    .map_err(bad_url)?;
                self.http
                    .exchange(request, MAX_ADMIN_ANSWER_BYTES, &self.server.source)?
            }
            None => {
                let request = builder.body(()).map_err(bad_url)?;
                self.http
                    .exchange(request, MAX_ADMIN_ANSWER_BYTES, &self.server.source)?
            }
        };
        answer.map_err(|TooLarge| CliError::BadResponse {
            url: url.clone(),
            detail: format!("the answer is larger than {MAX_ADMIN_ANSWER_BYTES} bytes"),
        })
    }

    fn parse<T: DeserializeOwned>(&self, path: &str, answer: Answer) -> Result<T, CliError> {
        let url = self.server.value.join(path);
        if !(200..300).contains(&answer.status) {
            return Err(self.failure(&url, answer));
        }
        serde_json::from_slice(&answer.body).map_err(|e| CliError::BadResponse {
            url,
            detail: format!("not the JSON the admin API promises ({e})"),
        })
    }

    fn failure(&self, url: &str, answer: Answer) -> CliError {
        let detail = serde_json::from_slice::<ErrorAnswer>(&answer.body)
            .ok()
            .map(|b| b.error);
        let message = detail
            .as_ref()
            .map(|d| d.message.clone())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| format!("HTTP {} from {url}", answer.status));
        let Some(code) = detail.as_ref().map(|d| d.code.clone()) else {
            // Not the admin API's error shape: a proxy, a load balancer or another service answered.
            if answer.status >= 500 {
                return CliError::Server {
                    status: answer.status,
                    message,
                };
            }
            return CliError::BadResponse {
                url: url.to_owned(),
                detail: format!("HTTP {} without the admin API's JSON error", answer.status),
            };
        };
        match answer.status {
            401 => CliError::TokenRejected {
                token_source: self
                    .token
                    .as_ref()
                    .map(|t| t.source.clone())
                    .unwrap_or(crate::error::Source::Flag("--token")),
            },
            429 => CliError::RateLimited {
                retry_after_secs: answer.retry_after_secs,
            },
            300..=399 => CliError::BadResponse {
                url: url.to_owned(),
                detail: format!(
                    "HTTP {} redirect to {}; use that address as --server",
                    answer.status,
                    answer.location.as_deref().unwrap_or("(no Location)")
                ),
            },
            422 if detail.as_ref().is_some_and(|d| d.field.is_some()) => {
                let field = detail.and_then(|d| d.field).unwrap_or_default();
                // The server may repeat the field at the start of its message.
                let reason = message
                    .strip_prefix(&format!("{field}: "))
                    .unwrap_or(&message)
                    .to_owned();
                CliError::InvalidField { field, reason }
            }
            400..=499 => CliError::Rejected {
                status: answer.status,
                code,
                message,
            },
            status => CliError::Server { status, message },
        }
    }
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing these plain structs cannot fail (string keys, no custom serializers that error).
    serde_json::to_vec(value).unwrap_or_default()
}
