//! Links in notices: a strict, ASCII-only syntax, and the host check against a root's allow-list.
//!
//! A link reaches millions of phones, so the rule is narrow on purpose (PROTOCOL.md §6, "Links"):
//!
//! ```text
//! link     = "https://" host path [ "?" query ] [ "#" fragment ]      at most 512 bytes
//! host     = label 1*( "." label )                                    at most 253 bytes
//! label    = 1*63( a-z / 0-9 / "-" ), not starting with "-"; the last starts with a-z; none starts with "xn--"
//! path     = "/" *( pchar / "/" )       no "." or ".." segment, no "%2e" (a dot in disguise)
//! query    = *( pchar / "/" / "?" )     without "'"
//! fragment = *( pchar / "/" / "?" )
//! pchar    = a-z / A-Z / 0-9 / "-" / "." / "_" / "~" / "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," /
//!            ";" / "=" / ":" / "@" / "%" HEXDIG HEXDIG
//! ```
//!
//! Every link this accepts is one the WHATWG URL parser reads as an `https` URL with exactly this host, no
//! user name, password or port, and serializes back to the same text (the rule this replaces, which needed
//! the Unicode IDNA tables): the grammar leaves out everything that parser would rewrite (upper case, dot
//! segments, characters it percent-encodes, backslashes, default ports), everything it would read as an IP
//! address (a last label that starts with a digit) and every internationalized name (`xn--` labels and
//! non-ASCII text), since allowed hosts are ASCII. `tests/links.rs` checks that against the `url` crate.

use crate::InvalidField;
use crate::limits::MAX_LINK_BYTES;

const SCHEME: &str = "https://";
const MAX_HOST_BYTES: usize = 253;
const MAX_LABEL_BYTES: usize = 63;

/// Checks the syntax of a link (see the module documentation) and returns its host. Whether the host is
/// allowed is the root's policy: [`check_link`].
pub fn check_link_syntax(link: &str) -> Result<&str, InvalidField> {
    let invalid = |reason: String| Err(InvalidField::new("", reason));
    if link.len() > MAX_LINK_BYTES {
        return invalid(format!("longer than {MAX_LINK_BYTES} bytes"));
    }
    let Some(rest) = link.strip_prefix(SCHEME) else {
        let scheme_in_other_case = link
            .get(..SCHEME.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(SCHEME));
        return invalid(if scheme_in_other_case {
            format!("write the link in its normal form, starting with `{SCHEME}`")
        } else {
            "only https:// links are allowed".to_owned()
        });
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, rest) = rest.split_at(host_end);
    check_host_syntax(host)?;
    if !rest.starts_with('/') {
        return invalid(format!(
            "write the link in its normal form: {SCHEME}{host}/{rest}"
        ));
    }
    let (rest, fragment) = match rest.split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment)),
        None => (rest, None),
    };
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    check_part(path, Part::Path)?;
    for segment in path.split('/') {
        if segment == "." || segment == ".." {
            return invalid(format!(
                "remove the `{segment}` path segment: write the link in its normal form"
            ));
        }
    }
    if let Some(query) = query {
        check_part(query, Part::Query)?;
    }
    if let Some(fragment) = fragment {
        check_part(fragment, Part::Fragment)?;
    }
    Ok(host)
}

/// Checks a link's syntax and that its host is one of `allowed_hosts` (exact match, lowercase).
pub fn check_link(link: &str, allowed_hosts: &[String]) -> Result<(), InvalidField> {
    check_host(check_link_syntax(link)?, allowed_hosts)
}

/// [`check_link`] for a link that already passed [`check_link_syntax`] (every link of a parsed notice): its
/// host is what stands between `https://` and the first `/`, so it is read off the text without checking
/// the syntax a second time.
pub(crate) fn check_checked_link(link: &str, allowed_hosts: &[String]) -> Result<(), InvalidField> {
    let rest = link.strip_prefix(SCHEME).unwrap_or(link);
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    check_host(host, allowed_hosts)
}

fn check_host(host: &str, allowed_hosts: &[String]) -> Result<(), InvalidField> {
    if allowed_hosts.iter().any(|allowed| allowed == host) {
        Ok(())
    } else if allowed_hosts.is_empty() {
        Err(InvalidField::new(
            "",
            "this feed allows no links (its root lists no link hosts)",
        ))
    } else {
        Err(InvalidField::new(
            "",
            format!(
                "host `{}` is not allowed; allowed: {}",
                host.escape_debug(),
                allowed_hosts.join(", ")
            ),
        ))
    }
}

/// A lowercase ASCII domain name that no URL parser reads as an IP address or decodes as punycode.
fn check_host_syntax(host: &str) -> Result<(), InvalidField> {
    let invalid = |reason: &str| Err(InvalidField::new("", reason));
    if host.contains('@') {
        return invalid("links must not contain a user name or password");
    }
    if host.starts_with('[') || host.is_empty() {
        return invalid("links must name a domain, not an IP address");
    }
    if host.contains(':') {
        return invalid("links must not name a port");
    }
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        return invalid("write the host in lower case (the link's normal form)");
    }
    let labels_ok = host.len() <= MAX_HOST_BYTES
        && host.split('.').all(|label| {
            (1..=MAX_LABEL_BYTES).contains(&label.len())
                && !label.starts_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    if !labels_ok {
        return invalid(
            "the host must be a lowercase ASCII domain name: labels of a-z, 0-9 and '-', separated by dots",
        );
    }
    if host.split('.').any(|label| label.starts_with("xn--")) {
        return invalid("internationalized (xn--) host names are not accepted in links");
    }
    // A last label that starts with a digit (`1.2.3.4`, `0x7f.1`, `example.123`) is an IPv4 address or
    // invalid to a WHATWG parser; no top-level domain starts with one. One label alone is not a domain.
    match host.rsplit_once('.') {
        Some((_, last)) if last.starts_with(|c: char| c.is_ascii_lowercase()) => Ok(()),
        Some(_) => invalid("links must name a domain, not an IP address"),
        None => invalid("links must name a domain with a dot, e.g. yivi.app"),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Path,
    Query,
    Fragment,
}

/// Only characters that the WHATWG parser leaves as they are in `part`, and `%` only as `%HH`.
fn check_part(text: &str, part: Part) -> Result<(), InvalidField> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let allowed = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
            )
            // WHATWG percent-encodes `'` in the query of an https URL, and `?` only ends a path.
            || (b == b'\'' && part != Part::Query)
            || (b == b'?' && part != Part::Path);
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3);
            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                return Err(InvalidField::new(
                    "",
                    "a `%` in a link must start a percent-encoded byte such as %20",
                ));
            }
            // `%2e` is a dot to the WHATWG parser's dot-segment rule: write `.` or leave it out.
            if part == Part::Path && hex.is_some_and(|h| h.eq_ignore_ascii_case(b"2e")) {
                return Err(InvalidField::new(
                    "",
                    "write `.` instead of `%2e` in a link's path",
                ));
            }
            i += 3;
            continue;
        }
        if !allowed {
            let shown = text
                .get(i..)
                .and_then(|t| t.chars().next())
                .unwrap_or_default();
            return Err(InvalidField::new(
                "",
                format!(
                    "`{}` is not allowed in a link{}; percent-encode it",
                    shown.escape_debug(),
                    match part {
                        Part::Path => "'s path",
                        Part::Query => "'s query",
                        Part::Fragment => "'s fragment",
                    }
                ),
            ));
        }
        i += 1;
    }
    Ok(())
}
