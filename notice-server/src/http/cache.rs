//! Conditional requests and representations for the feed and pages: whether the client already has the
//! current bytes (`If-None-Match`), and [`represent`], the answer built from a pre-built [`HotDocument`] in
//! the encoding the client prefers ([`Encoding::choose`]).

use axum::body::Body;
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG,
    IF_NONE_MATCH, VARY,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

use super::headers::FEED_VERSION_HEADER;
use super::hot::HotDocument;
use super::negotiate::Encoding;

/// Whether an `If-None-Match` value matches the current representation with hex digest `sha256_hex`: `*`, or
/// any listed tag (weak comparison as RFC 9110 §13.1.2 asks, ignoring a `-gzip`/`-br` variant suffix, since all
/// variants carry the same document).
pub(crate) fn none_match(if_none_match: &str, sha256_hex: &str) -> bool {
    if_none_match.split(',').map(str::trim).any(|tag| {
        if tag == "*" {
            return true;
        }
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        let Some(opaque) = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
            return false;
        };
        let opaque = opaque
            .strip_suffix("-br")
            .or_else(|| opaque.strip_suffix("-gzip"))
            .unwrap_or(opaque);
        opaque == sha256_hex
    })
}

/// The strong ETag of a variant: identity is the quoted hex SHA-256 of the bytes; compressed variants are
/// different byte sequences and so get their own strong tag (`"<sha256>-br"`).
pub(crate) fn variant_etag(sha256_hex: &str, encoding: Encoding) -> String {
    match encoding.header() {
        None => format!("\"{sha256_hex}\""),
        Some(coding) => format!("\"{sha256_hex}-{coding}\""),
    }
}

/// The answer to a GET or HEAD of a pre-built document: the variant the client prefers (pre-compressed), its
/// strong ETag, 304 when `If-None-Match` names the document, the caching policy `cache_control` and `Vary` as
/// given. Every header value is pre-built: this formats and compresses nothing.
pub(crate) fn represent(
    doc: &HotDocument,
    request: &HeaderMap,
    cache_control: Option<HeaderValue>,
    content_type: &'static str,
    vary: &'static str,
) -> Response {
    let accept = request.get(ACCEPT_ENCODING).and_then(|v| v.to_str().ok());
    let variant = match Encoding::choose(accept, true) {
        // Not ready in the milliseconds after a new version is served: the client's next choice, no waiting.
        Encoding::Br => match doc.br_now() {
            Some(br) => br,
            None => doc.variant(Encoding::choose(accept, false)),
        },
        other => doc.variant(other),
    };
    let not_modified = request
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| none_match(v, &doc.sha256_hex));

    let mut response = if not_modified {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response.headers_mut().reserve(16);
        response
    } else {
        let mut response = Response::new(Body::from(variant.body.clone()));
        let headers = response.headers_mut();
        // Room for these and the layers' (CORS, nosniff) at once, rather than growing the map twice.
        headers.reserve(16);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        // Pre-built: axum and hyper would otherwise format it per request.
        headers.insert(CONTENT_LENGTH, variant.content_length.clone());
        if let Some(coding) = variant.encoding.header() {
            response
                .headers_mut()
                .insert(CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        response
    };
    let headers = response.headers_mut();
    headers.insert(VARY, HeaderValue::from_static(vary));
    headers.insert(ETAG, variant.etag.clone());
    if let Some(value) = cache_control {
        headers.insert(CACHE_CONTROL, value);
    }
    headers.insert(
        HeaderName::from_static(FEED_VERSION_HEADER),
        doc.version_header.clone(),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_handles_lists_star_weak_and_variants() {
        let sha = "abc";
        assert!(none_match("\"abc\"", sha));
        assert!(none_match("\"x\", \"abc\"", sha));
        assert!(none_match("*", sha));
        assert!(none_match("W/\"abc\"", sha));
        assert!(none_match("\"abc-br\"", sha));
        assert!(none_match("\"abc-gzip\"", sha));
        assert!(!none_match("\"abcd\"", sha));
        assert!(!none_match("abc", sha), "unquoted tags are not tags");
        assert!(!none_match("", sha));
    }

    #[test]
    fn variant_etags_differ_per_encoding() {
        assert_eq!(variant_etag("abc", Encoding::Identity), "\"abc\"");
        assert_eq!(variant_etag("abc", Encoding::Br), "\"abc-br\"");
        assert_eq!(variant_etag("abc", Encoding::Gzip), "\"abc-gzip\"");
    }
}
