//! HTTP content negotiation and conditional requests for the feed: which encoding to send
//! (`Accept-Encoding` with q-values) and whether the client already has the current bytes (`If-None-Match`).

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
    let Some(header) = accept_encoding else {
        return Encoding::Identity;
    };
    let mut br = None;
    let mut gzip = None;
    let mut star = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
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
        match coding.as_str() {
            "br" => br = Some(q),
            "gzip" | "x-gzip" => gzip = Some(q),
            "*" => star = Some(q),
            _ => {}
        }
    }
    let br = br.or(star).unwrap_or(0.0);
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
