//! The status page's one script, and the Content-Security-Policy that allows exactly it.
//!
//! A copy of the page (a static export, a CDN's cached answer) is rendered once and then served for as long
//! as nobody renders it again: in an outage of the origin, for hours. The page therefore carries the feed's
//! expiry, and this script compares it with the reader's clock and shows the same stale banner the origin
//! shows once the feed has expired. Without JavaScript the page still says "last confirmed … valid until …"
//! at the top.
//!
//! The policy allows the script by its SHA-256 (`script-src 'sha256-…'`), computed from the script text
//! here, so a change of the script cannot leave the policy behind. The server sends it as a header; static
//! hosts send no headers, so the page also carries it in a `<meta http-equiv>` (which cannot express
//! `frame-ancestors`; that one stays header-only).

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

/// The inline script, byte for byte as it appears between `<script>` and `</script>`. It reads the expiry
/// from the banner's `data-expires` and unhides the banner when the reader's clock is past it; it never
/// writes text of its own.
pub const SCRIPT: &str = "(function(){var b=document.getElementById('stale');if(!b)return;var e=Date.parse(b.getAttribute('data-expires'));function c(){if(Date.now()>=e){b.hidden=false;document.documentElement.className+=' is-stale';return true}return false}if(!c()){var t=setInterval(function(){if(c())clearInterval(t)},30000)}})();";

/// `'sha256-<base64>'` of [`SCRIPT`], as CSP writes a hash source.
pub fn script_hash_source() -> String {
    let digest = Sha256::digest(SCRIPT.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The policy of the pages when it travels in a `<meta http-equiv>`: the page shows itself with its inline
/// style and its one script, nothing else (no other scripts, frames, forms or remote resources), so even a
/// bug in escaping could not run code.
pub fn meta_csp() -> String {
    format!(
        "default-src 'none'; script-src {}; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'",
        script_hash_source()
    )
}

/// The policy as the server sends it in the `Content-Security-Policy` header: [`meta_csp`] and
/// `frame-ancestors 'none'` (no framing; only a header can say that).
pub fn page_csp() -> String {
    format!("{}; frame-ancestors 'none'", meta_csp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_exactly_the_script_by_its_hash() {
        let hash = script_hash_source();
        assert!(
            hash.starts_with("'sha256-") && hash.ends_with("='"),
            "{hash}"
        );
        assert!(page_csp().contains(&format!("script-src {hash};")));
        assert!(page_csp().ends_with("frame-ancestors 'none'"));
        assert!(!meta_csp().contains("frame-ancestors"));
        assert!(
            !SCRIPT.contains("</"),
            "the script must not close its element"
        );
    }
}
