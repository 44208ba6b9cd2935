//! Request extractors whose rejections are [`AppError`]s, so no route ever answers with axum's plain-text
//! rejection bodies.

use std::collections::HashMap;

use axum::body::{Bytes, HttpBody as _};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::request::Parts;
use notice_publish::parse_request;
use serde::de::DeserializeOwned;

use super::AppError;
use crate::config::BODY_LIMIT_BYTES;

/// A JSON body of at most [`BODY_LIMIT_BYTES`], parsed strictly; errors name the field path.
#[derive(Debug)]
pub(crate) struct JsonBody<T>(pub T);

/// Like [`JsonBody`], but an empty body means `T::default()` (for actions whose body is optional).
#[derive(Debug)]
pub(crate) struct OptionalJsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;
    async fn from_request(request: Request, _: &S) -> Result<Self, AppError> {
        let bytes = read_json(request, BODY_LIMIT_BYTES).await?;
        Ok(JsonBody(parse_request(&bytes)?))
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJsonBody<T> {
    type Rejection = AppError;
    async fn from_request(request: Request, _: &S) -> Result<Self, AppError> {
        let bytes = read_json(request, BODY_LIMIT_BYTES).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJsonBody(T::default()));
        }
        Ok(OptionalJsonBody(parse_request(&bytes)?))
    }
}

/// The body of a request that must be JSON: a declared length over `limit` is 413 whatever the type (the
/// size is the first thing wrong with it), then a type other than JSON is 415, then the body is read with
/// the limit enforced as it streams in.
async fn read_json(request: Request, limit: usize) -> Result<Bytes, AppError> {
    if declared_length(&request).is_none_or(|len| len <= limit as u64) {
        require_json(&request)?;
    }
    read_limited(request, limit).await
}

/// 415 unless the body is declared `application/json` (parameters such as `; charset=utf-8` allowed). A
/// request without `Content-Type` passes only when it has no body at all (the optional bodies of resolve and
/// withdraw): a body of another type is never read as JSON, so what a form or a `text/plain` request from a
/// browser page sends can change nothing.
fn require_json(request: &Request) -> Result<(), AppError> {
    let headers = request.headers();
    match headers.get(CONTENT_TYPE) {
        Some(value) if is_json(value.as_bytes()) => Ok(()),
        Some(_) => Err(AppError::UnsupportedMediaType),
        None => {
            let empty = request.body().size_hint().exact() == Some(0)
                || headers
                    .get(CONTENT_LENGTH)
                    .is_some_and(|len| len.as_bytes() == b"0");
            if empty {
                Ok(())
            } else {
                Err(AppError::UnsupportedMediaType)
            }
        }
    }
}

/// `application/json`, case-insensitively, alone or with parameters.
fn is_json(value: &[u8]) -> bool {
    let essence = value.split(|b| *b == b';').next().unwrap_or_default();
    essence
        .trim_ascii()
        .eq_ignore_ascii_case(b"application/json")
}

/// The length the request declares: its `Content-Length` (a number), else the exact size its body knows
/// it has (hyper's body reports the header; a body built in-process knows its own).
fn declared_length(request: &Request) -> Option<u64> {
    request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .or_else(|| request.body().size_hint().exact())
}

/// Reads the body, refusing more than `limit` bytes without keeping it.
///
/// A body declared too large but of a modest size (up to [`DRAIN_LIMIT_BYTES`]) is read and dropped before
/// the 413: a client still sending when the server answers and closes would otherwise see a reset
/// connection instead of the answer that says what is wrong. Anything larger is refused at once.
pub(crate) async fn read_limited(request: Request, limit: usize) -> Result<Bytes, AppError> {
    if let Some(declared) = declared_length(&request).filter(|len| *len > limit as u64) {
        if declared <= DRAIN_LIMIT_BYTES as u64 {
            let _ = axum::body::to_bytes(request.into_body(), DRAIN_LIMIT_BYTES).await;
        }
        return Err(AppError::PayloadTooLarge(limit));
    }
    axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| AppError::PayloadTooLarge(limit))
}

/// How large a refused body may be and still be read to the end before the 413 (see [`read_limited`]).
const DRAIN_LIMIT_BYTES: usize = 1024 * 1024;

/// The raw body of a published document (break-glass ingest): at most
/// [`notice_types::limits::MAX_DOCUMENT_BYTES`], the size any reader accepts.
#[derive(Debug)]
pub(crate) struct DocumentBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for DocumentBody {
    type Rejection = AppError;
    async fn from_request(request: Request, _: &S) -> Result<Self, AppError> {
        read_json(request, notice_types::limits::MAX_DOCUMENT_BYTES)
            .await
            .map(DocumentBody)
    }
}

/// The `{id}` segment of a notice path, percent-decoded. A segment that cannot be decoded names no notice.
#[derive(Debug)]
pub(crate) struct NoticePath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for NoticePath {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(id)| NoticePath(id))
            .map_err(|_| AppError::NotFound("no such notice".to_owned()))
    }
}

/// Query parameters, checked by hand so each problem names its parameter.
#[derive(Debug, Default)]
pub(crate) struct QueryParams(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let mut params = HashMap::new();
        for pair in parts.uri.query().unwrap_or_default().split('&') {
            if pair.is_empty() {
                continue;
            }
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            // Like every other problem with a parameter, undecodable text is a 422 naming what is wrong.
            let key = decode(key).ok_or_else(|| {
                AppError::field(
                    "query",
                    "a parameter name is not valid percent-encoded UTF-8 (write %25 for a literal %)",
                )
            })?;
            let value = decode(value).ok_or_else(|| {
                AppError::field(
                    key.clone(),
                    "is not valid percent-encoded UTF-8 (write %25 for a literal %)",
                )
            })?;
            if params.insert(key.clone(), value).is_some() {
                return Err(AppError::field(key, "given twice"));
            }
        }
        Ok(QueryParams(params))
    }
}

/// `application/x-www-form-urlencoded` text decoded (`+` is a space); `None` for a `%` without two hex digits
/// or bytes that are not UTF-8.
fn decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut input = text.bytes();
    while let Some(b) = input.next() {
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let digit = |c: Option<u8>| char::from(c?).to_digit(16);
                let (hi, lo) = (digit(input.next())?, digit(input.next())?);
                bytes.push((hi * 16 + lo) as u8);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).ok()
}

impl QueryParams {
    /// Refuses parameters not in `known`.
    pub(crate) fn only(&self, known: &[&str]) -> Result<(), AppError> {
        let mut unknown: Vec<&String> = self
            .0
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .collect();
        unknown.sort();
        match unknown.first() {
            None => Ok(()),
            Some(name) => Err(AppError::field(
                name.as_str(),
                format!(
                    "unknown query parameter{}",
                    if known.is_empty() {
                        String::new()
                    } else {
                        format!("; known: {}", known.join(", "))
                    }
                ),
            )),
        }
    }

    /// The value of parameter `name`, if given.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A boolean parameter, `true` or `false` as the OpenAPI document says (nothing else: `?all=` or
    /// `?all=1` is refused rather than guessed), default false.
    pub(crate) fn flag(&self, name: &str) -> Result<bool, AppError> {
        match self.0.get(name).map(String::as_str) {
            None => Ok(false),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(_) => Err(AppError::field(name, "must be true or false")),
        }
    }

    /// A number in `min..=max`, `default` when absent.
    pub(crate) fn number(
        &self,
        name: &str,
        default: u32,
        min: u32,
        max: u32,
    ) -> Result<u32, AppError> {
        match self.0.get(name) {
            None => Ok(default),
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| {
                    AppError::field(name, format!("must be a whole number from {min} to {max}"))
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_checked_by_name() {
        for value in ["yes", "", "1", "0", "TRUE"] {
            let q = QueryParams(HashMap::from([("all".to_owned(), value.to_owned())]));
            assert!(
                matches!(q.flag("all"), Err(AppError::InvalidField { field, .. }) if field == "all"),
                "{value:?}"
            );
        }
        let q = QueryParams(HashMap::from([("all".to_owned(), "yes".to_owned())]));
        assert!(
            matches!(q.only(&["limit"]), Err(AppError::InvalidField { field, .. }) if field == "all")
        );
        let q = QueryParams(HashMap::from([("limit".to_owned(), "0".to_owned())]));
        assert!(q.number("limit", 50, 1, 1000).is_err());
        assert_eq!(
            QueryParams::default().number("limit", 50, 1, 1000).unwrap(),
            50
        );
        assert_eq!(decode("a%20b+c").unwrap(), "a b c");
        for json in [
            &b"application/json"[..],
            b"Application/JSON; charset=utf-8",
            b" application/json ;charset=UTF-8",
        ] {
            assert!(is_json(json), "{}", String::from_utf8_lossy(json));
        }
        for other in [
            &b"text/plain"[..],
            b"application/jsonx",
            b"application/json-seq",
            b"application/x-www-form-urlencoded",
            b"",
        ] {
            assert!(!is_json(other), "{}", String::from_utf8_lossy(other));
        }
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("%4"), None);
        assert_eq!(decode("%ff"), None, "not UTF-8");
        assert_eq!(decode("a+b%2Fc%25").as_deref(), Some("a b/c%"));
    }
}
