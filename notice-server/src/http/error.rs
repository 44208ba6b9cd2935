//! The one error type of the HTTP layer, and the one place where the errors of the layers below become HTTP
//! statuses. Every 4xx/5xx body is `{"error": {"code", "message", "field"?}}`; internal details go to the
//! log, never to the client.

use axum::Json;
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use notice_publish::ingest::IngestError;
use notice_publish::{ChangeError, ErrorAnswer, ErrorDetail};
use notice_types::{InvalidField, SignError};

use crate::publishing::Error;
use crate::publishing::ingest::IngestFailure;
use crate::publishing::root_rotation::RootRefused;
use crate::storage::StoreError;

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum AppError {
    /// 401: missing, wrong or revoked token.
    Unauthorized,
    /// 403: the token is valid, but its scope does not allow this.
    Forbidden(String),
    /// 429: too many failed authentications from this peer.
    RateLimited {
        /// Seconds until the peer may try again.
        retry_after_secs: u64,
    },
    /// 422: one field is at fault.
    InvalidField {
        /// Its path, e.g. `title.en`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// 400 (malformed JSON) or 422 (well-formed but not what the route takes, no single field at fault).
    InvalidJson {
        /// 400 or 422.
        status: StatusCode,
        /// What is wrong.
        message: String,
    },
    /// 413: body over the limit of the route, in bytes.
    PayloadTooLarge(usize),
    /// 415: a request body that is not declared `application/json`.
    UnsupportedMediaType,
    /// 404.
    NotFound(String),
    /// 405: the path exists, the method does not.
    MethodNotAllowed,
    /// 408: the request took too long (a slow client, or a stuck disk). For a write the outcome is unknown:
    /// the audit log tells.
    Timeout,
    /// 409: the request conflicts with the current state.
    Conflict(String),
    /// 422: a published document (break-glass ingest) does not verify under the server's root chain.
    InvalidDocument(String),
    /// 422: a root rotation (`POST /v1/admin/root`) that apps would refuse (`root_rotation_rejected`), or
    /// one the server cannot sign under (`feed_key_missing`).
    RootRefused {
        /// `root_rotation_rejected` or `feed_key_missing`.
        code: &'static str,
        /// What is wrong and what to do.
        message: String,
    },
    /// 503: nothing to serve yet (a mirror that has not fetched a verified feed since it first started).
    Unavailable {
        /// What is missing.
        message: String,
        /// Seconds after which asking again may help.
        retry_after_secs: u64,
    },
    /// 500: a bug or an operational failure; logged where it is created.
    Internal,
}

impl AppError {
    /// 422 naming `field`.
    pub(crate) fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidField {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::InvalidField { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::InvalidJson { status, .. } => *status,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Timeout => StatusCode::REQUEST_TIMEOUT,
            AppError::InvalidDocument(_) | AppError::RootRefused { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable snake_case code.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::InvalidField { .. } => "invalid_field",
            AppError::InvalidJson { .. } => "invalid_json",
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::NotFound(_) => "not_found",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::Conflict(_) => "conflict",
            AppError::Timeout => "timeout",
            AppError::InvalidDocument(_) => "invalid_document",
            AppError::RootRefused { code, .. } => code,
            AppError::Unavailable { .. } => "unavailable",
            AppError::Internal => "internal",
        }
    }

    fn message(&self) -> String {
        match self {
            AppError::Unauthorized => {
                "missing, wrong or revoked token: send `Authorization: Bearer <token>` with a token from `notice-server token create`".to_owned()
            }
            AppError::RateLimited { retry_after_secs } => format!(
                "too many failed authentications from this address; try again in {retry_after_secs} s"
            ),
            AppError::InvalidField { field, message } => format!("{field}: {message}"),
            AppError::InvalidJson { message, .. } => message.clone(),
            AppError::PayloadTooLarge(limit) => {
                format!("request body is larger than {limit} bytes")
            }
            AppError::NotFound(message)
            | AppError::Forbidden(message)
            | AppError::Conflict(message)
            | AppError::InvalidDocument(message)
            | AppError::RootRefused { message, .. }
            | AppError::Unavailable { message, .. } => message.clone(),
            AppError::MethodNotAllowed => "method not allowed on this path".to_owned(),
            AppError::UnsupportedMediaType => {
                "the request body must be JSON: send `Content-Type: application/json`".to_owned()
            }
            AppError::Timeout => {
                "the request took too long; if it was a write, check GET /v1/admin/audit before retrying"
                    .to_owned()
            }
            AppError::Internal => {
                "internal error; nothing was changed unless a response said so. The server log has details"
                    .to_owned()
            }
        }
    }
}

/// The same message the response body carries (so a command line can print what the API would answer).
impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for AppError {}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let field = match &self {
            AppError::InvalidField { field, .. } if !field.is_empty() => Some(field.clone()),
            _ => None,
        };
        let body = ErrorAnswer {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message: self.message(),
                field,
            },
        };
        let mut response = (self.status(), Json(body)).into_response();
        let headers = response.headers_mut();
        match self {
            AppError::Unauthorized => {
                headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            AppError::RateLimited { retry_after_secs }
            | AppError::Unavailable {
                retry_after_secs, ..
            } => {
                headers.insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            _ => {}
        }
        response
    }
}

impl From<InvalidField> for AppError {
    fn from(e: InvalidField) -> Self {
        Self::InvalidField {
            field: e.field,
            message: e.reason,
        }
    }
}

/// A refused change: 400 for JSON that does not parse, 422 for a field at fault or a request of the wrong
/// shape, 404 for an unknown notice, 409 for a conflict with its state.
impl From<ChangeError> for AppError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::MalformedJson(_) => Self::InvalidJson {
                status: StatusCode::BAD_REQUEST,
                message: e.to_string(),
            },
            ChangeError::InvalidField(field) => field.into(),
            ChangeError::InvalidRequest(message) => Self::InvalidJson {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message,
            },
            ChangeError::NotFound(_) => Self::NotFound(e.to_string()),
            ChangeError::Conflict(message) => Self::Conflict(message),
            // A refusal this layer does not know yet is still the operator's to fix, not a server error.
            other => Self::Conflict(other.to_string()),
        }
    }
}

/// An ingest: 422 for a document that does not verify, 409 when it conflicts with what the server has.
impl From<IngestFailure> for AppError {
    fn from(e: IngestFailure) -> Self {
        match e {
            IngestFailure::Refused(refused @ IngestError::Invalid(_)) => {
                Self::InvalidDocument(refused.to_string())
            }
            IngestFailure::Refused(refused) => Self::Conflict(refused.to_string()),
            IngestFailure::Server(e) => e.into(),
        }
    }
}

/// A root rotation: 409 when it is not the next version, 422 when apps would refuse it or the server holds
/// no feed key it lists.
impl From<RootRefused> for AppError {
    fn from(e: RootRefused) -> Self {
        match e {
            RootRefused::NotNext { .. } => Self::Conflict(e.to_string()),
            RootRefused::Rejected(_) => Self::RootRefused {
                code: "root_rotation_rejected",
                message: e.to_string(),
            },
            RootRefused::NoFeedKey(message) => Self::RootRefused {
                code: "feed_key_missing",
                message,
            },
            RootRefused::Server(e) => e.into(),
        }
    }
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        match e {
            // The feed as a whole cannot take the change: too many notices, too many bytes.
            Error::Sign(SignError::TooLarge { .. }) => Self::Conflict(format!(
                "{e}; withdraw or resolve notices before adding more"
            )),
            Error::Sign(SignError::Invalid(ref field)) => Self::Conflict(format!(
                "the feed would be refused by apps: {field}; withdraw or edit that notice"
            )),
            other => {
                tracing::error!(error = %other, "request failed");
                Self::Internal
            }
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        Error::Store(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of every variant; the `match` makes adding a variant without listing it here a compile error.
    fn one_of_each() -> Vec<AppError> {
        let all = vec![
            AppError::Unauthorized,
            AppError::Forbidden("x".into()),
            AppError::RateLimited {
                retry_after_secs: 1,
            },
            AppError::field("title.en", "x"),
            AppError::InvalidJson {
                status: StatusCode::BAD_REQUEST,
                message: "x".into(),
            },
            AppError::PayloadTooLarge(1),
            AppError::UnsupportedMediaType,
            AppError::NotFound("x".into()),
            AppError::MethodNotAllowed,
            AppError::Timeout,
            AppError::Conflict("x".into()),
            AppError::InvalidDocument("x".into()),
            AppError::RootRefused {
                code: "root_rotation_rejected",
                message: "x".into(),
            },
            AppError::RootRefused {
                code: "feed_key_missing",
                message: "x".into(),
            },
            AppError::Unavailable {
                message: "x".into(),
                retry_after_secs: 1,
            },
            AppError::Internal,
        ];
        for error in &all {
            match error {
                AppError::Unauthorized
                | AppError::Forbidden(_)
                | AppError::RateLimited { .. }
                | AppError::InvalidField { .. }
                | AppError::InvalidJson { .. }
                | AppError::PayloadTooLarge(_)
                | AppError::UnsupportedMediaType
                | AppError::NotFound(_)
                | AppError::MethodNotAllowed
                | AppError::Timeout
                | AppError::Conflict(_)
                | AppError::InvalidDocument(_)
                | AppError::RootRefused { .. }
                | AppError::Unavailable { .. }
                | AppError::Internal => {}
            }
        }
        all
    }

    #[test]
    fn every_error_code_is_in_the_openapi_documents_enum() {
        let doc = crate::http::openapi::document();
        let codes = &doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
            ["enum"];
        for error in one_of_each() {
            assert!(
                codes
                    .as_array()
                    .unwrap()
                    .contains(&serde_json::Value::from(error.code())),
                "{} is not documented",
                error.code()
            );
        }
    }

    async fn body_of(error: AppError) -> (StatusCode, serde_json::Value, Response) {
        let response = error.into_response();
        let status = response.status();
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap(),
            Response::from_parts(parts, axum::body::Body::empty()),
        )
    }

    #[tokio::test]
    async fn errors_have_the_contract_shape() {
        let (status, json, _) = body_of(AppError::field("title.en", "must not be empty")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(json["error"]["code"], "invalid_field");
        assert_eq!(json["error"]["field"], "title.en");
        assert!(json["error"]["message"].as_str().unwrap().contains("empty"));

        let (status, json, response) = body_of(AppError::RateLimited {
            retry_after_secs: 7,
        })
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(json["error"]["code"], "rate_limited");
        assert!(json["error"].get("field").is_none());
        assert_eq!(response.headers()[RETRY_AFTER], "7");
    }

    #[tokio::test]
    async fn internal_errors_hide_their_cause() {
        let err: AppError = Error::NoRoot("/secret/path".into()).into();
        let (status, json, _) = body_of(err).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(json["error"]["code"], "internal");
        assert!(!json.to_string().contains("/secret/path"));
    }
}
