//! HTTP content negotiation and conditional requests for the feed and pages: which encoding to send
//! (`Accept-Encoding` with q-values), whether the client already has the current bytes (`If-None-Match`), and
//! [`represent`], the answer built from a pre-built [`HotDocument`].

use axum::body::Body;
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG,
    IF_NONE_MATCH, VARY,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

use crate::hot::HotDocument;
use crate::routes::FEED_VERSION_HEADER;

/// A content coding the server has a variant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Brotli.
    Br,
    /// gzip.
    Gzip,
    /// Uncompressed.
    Identity,
}

impl Encoding {
    /// The `Content-Encoding` value, or `None` for identity (no header).
    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Br => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }
}

/// Picks the encoding for an `Accept-Encoding` value (RFC 9110 §12.5.3): the highest q wins, `q=0` means
/// "not acceptable", `*` covers codings not named, brotli wins ties (it is smaller). Identity is the answer
/// when nothing else is acceptable, even if the client refused it: sending the plain document beats a 406 for
/// a notice feed.
pub fn choose_encoding(accept_encoding: Option<&str>) -> Encoding {
    choose_among(accept_encoding, true)
}

/// [`choose_encoding`] when there is no brotli variant to offer (yet): the client's next choice.
pub fn choose_encoding_without_br(accept_encoding: Option<&str>) -> Encoding {
    choose_among(accept_encoding, false)
}

fn choose_among(accept_encoding: Option<&str>, br_offered: bool) -> Encoding {
    let Some(header) = accept_encoding else {
        return Encoding::Identity;
    };
    let mut br = None;
    let mut gzip = None;
    let mut star = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let mut q = 1.0_f32;
        for param in parts {
            let param = param.trim();
            if let Some(value) = param
                .strip_prefix("q=")
                .or_else(|| param.strip_prefix("Q="))
            {
                // An unparsable q is treated as 0: fail towards the always-available identity.
                q = value.trim().parse::<f32>().unwrap_or(0.0).clamp(0.0, 1.0);
            }
        }
        // Codings are case-insensitive; compared in place, as this runs for every GET.
        if coding.eq_ignore_ascii_case("br") {
            br = Some(q);
        } else if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(q);
        } else if coding == "*" {
            star = Some(q);
        }
    }
    let br = if br_offered {
        br.or(star).unwrap_or(0.0)
    } else {
        0.0
    };
    let gzip = gzip.or(star).unwrap_or(0.0);
    if br > 0.0 && br >= gzip {
        Encoding::Br
    } else if gzip > 0.0 {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// Whether an `If-None-Match` value matches the current representation with hex digest `sha256_hex`: `*`, or
/// any listed tag (weak comparison as RFC 9110 §13.1.2 asks, ignoring a `-gzip`/`-br` variant suffix, since all
/// variants carry the same document).
pub fn none_match(if_none_match: &str, sha256_hex: &str) -> bool {
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
pub fn variant_etag(sha256_hex: &str, encoding: Encoding) -> String {
    match encoding.header() {
        None => format!("\"{sha256_hex}\""),
        Some(coding) => format!("\"{sha256_hex}-{coding}\""),
    }
}

/// The answer to a GET or HEAD of a pre-built document: the variant the client prefers (pre-compressed), its
/// strong ETag, 304 when `If-None-Match` names the document, the caching policy `cache_control` and `Vary` as
/// given. Every header value is pre-built: this formats and compresses nothing.
pub fn represent(
    doc: &HotDocument,
    request: &HeaderMap,
    cache_control: Option<HeaderValue>,
    content_type: &'static str,
    vary: &'static str,
) -> Response {
    let accept = request.get(ACCEPT_ENCODING).and_then(|v| v.to_str().ok());
    let variant = match choose_encoding(accept) {
        // Not ready in the milliseconds after a new version is served: the client's next choice, no waiting.
        Encoding::Br => match doc.br_now() {
            Some(br) => br,
            None => doc.variant(choose_encoding_without_br(accept)),
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

    fn check(header: Option<&str>, expect: Encoding) {
        assert_eq!(choose_encoding(header), expect, "{header:?}");
    }

    #[test]
    fn encoding_follows_q_values() {
        check(None, Encoding::Identity);
        check(Some(""), Encoding::Identity);
        check(Some("gzip"), Encoding::Gzip);
        check(Some("gzip, deflate, br"), Encoding::Br);
        check(Some("br;q=0, gzip"), Encoding::Gzip);
        check(Some("br;q=0.5, gzip;q=0.8"), Encoding::Gzip);
        check(Some("br;q=0.8, gzip;q=0.8"), Encoding::Br);
        check(Some("gzip;q=0, br;q=0"), Encoding::Identity);
        check(Some("*"), Encoding::Br);
        check(Some("*;q=0"), Encoding::Identity);
        check(Some("*, br;q=0"), Encoding::Gzip);
        check(Some("identity"), Encoding::Identity);
        check(Some("GZIP ; Q=1"), Encoding::Gzip);
        check(Some("br;q=nonsense, gzip"), Encoding::Gzip);
        check(Some("deflate"), Encoding::Identity);
    }

    #[test]
    fn without_brotli_the_next_choice_wins() {
        for (header, expect) in [
            (Some("gzip, deflate, br"), Encoding::Gzip),
            (Some("br"), Encoding::Identity),
            (Some("*"), Encoding::Gzip),
            (Some("br;q=1, gzip;q=0.1"), Encoding::Gzip),
            (None, Encoding::Identity),
        ] {
            assert_eq!(choose_encoding_without_br(header), expect, "{header:?}");
        }
    }

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
