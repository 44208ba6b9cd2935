//! Mirror URLs: checked strictly, without a general URL parser and its Unicode IDNA tables.
//!
//! Mirror URLs are the app's own configuration, not input from the network, and the check only has to decide
//! two things: is the scheme `https` (or `http` to a loopback host, for development and tests), and does the
//! URL carry credentials (which would end up in status output). So instead of a WHATWG parser with the
//! Unicode tables (the largest part of this library once), the accepted form is plain ASCII:
//!
//! ```text
//! mirror = ("https" / "http") "://" host [ ":" port ] [ path ] [ "?" query ]
//! host   = domain name (labels of letters, digits, "-", "_") / IPv4 dotted quad / "[" IPv6 "]"
//! path   = "/" ...      query = ...       (printable ASCII without space, quotes, "<>\^`{|}" and "#"; "%HH")
//! ```
//!
//! Leading and trailing white space is ignored; scheme and host are case-insensitive. The URL is kept in
//! the form the WHATWG serializer would give it (lower-case scheme and host, no default port, `/` for an
//! empty path), so state written by earlier versions, keyed by that form, still applies; `tests` compare
//! with the `url` crate. Anything a WHATWG parser would rewrite further (dot segments, characters it
//! percent-encodes, IPv4 in other notations, a fragment) is refused rather than guessed.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A checked mirror URL, in normal form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MirrorUrl {
    text: String,
    https: bool,
    loopback: bool,
}

impl MirrorUrl {
    /// Checks `text`; the error says what is wrong, in words for the app developer.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
        if !text.is_ascii() {
            return Err(
                "not a URL this library accepts: use ASCII (percent-encode the path, punycode the host)"
                    .into(),
            );
        }
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err("not a URL (expected https://host/path)".into());
        };
        let https = match scheme.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => false,
            _ => return Err("use an https:// URL".into()),
        };
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, rest) = rest.split_at(authority_end);
        if authority.contains('@') {
            return Err("must not contain a user name or password".into());
        }
        let (host, port) = split_port(authority)?;
        let (host, loopback) = parse_host(host)?;
        let default_port = if https { 443 } else { 80 };
        if rest.contains('#') {
            return Err("must not have a #fragment (it is never sent to the server)".into());
        }
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        check_chars(path, "path")?;
        if path.split('/').any(|s| s == "." || s == "..") {
            return Err("the path must not contain `.` or `..` segments".into());
        }
        if let Some(query) = query {
            check_chars(query, "query")?;
            if query.contains('\'') {
                return Err("percent-encode `'` in the query as %27".into());
            }
        }
        let mut normal = String::with_capacity(text.len() + 1);
        normal.push_str(if https { "https://" } else { "http://" });
        normal.push_str(&host);
        if let Some(port) = port.filter(|p| *p != default_port) {
            normal.push(':');
            normal.push_str(&port.to_string());
        }
        normal.push_str(if path.is_empty() { "/" } else { path });
        if let Some(query) = query {
            normal.push('?');
            normal.push_str(query);
        }
        Ok(Self {
            text: normal,
            https,
            loopback,
        })
    }

    /// The URL in normal form.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the scheme is `https`.
    pub(crate) fn is_https(&self) -> bool {
        self.https
    }

    /// Whether the host is `localhost` or a loopback address.
    pub(crate) fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// `scheme://host[:port]`, without the path.
    #[cfg(feature = "https")]
    fn origin(&self) -> &str {
        let after_scheme = self.text.find("://").map_or(0, |i| i + 3);
        let end = self.text[after_scheme..]
            .find(['/', '?'])
            .map_or(self.text.len(), |i| after_scheme + i);
        &self.text[..end]
    }

    /// The host, in lower case (IPv6 in brackets).
    #[cfg(feature = "https")]
    fn host(&self) -> &str {
        let origin = self.origin();
        let authority = origin.split_once("://").map_or(origin, |(_, a)| a);
        split_port(authority).map_or(authority, |(host, _)| host)
    }

    /// Where a redirect from this URL to `location` (a `Location` header: absolute, scheme-relative,
    /// absolute-path or relative) leads, if it may be followed: never from https to http, and from plain
    /// http only to the same host and port, or to https on the same host. A plain-http mirror (loopback, for
    /// development and tests) is not trusted to send the client anywhere else.
    #[cfg(feature = "https")]
    pub(crate) fn redirect(&self, location: &str) -> Result<MirrorUrl, String> {
        let location = location.trim_matches(|c: char| c.is_ascii_whitespace());
        let scheme = if self.https { "https:" } else { "http:" };
        let absolute = if location.contains("://")
            && location
                .split("://")
                .next()
                .is_some_and(|s| s.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            location.to_owned()
        } else if location.starts_with("//") {
            format!("{scheme}{location}")
        } else if location.starts_with('/') {
            format!("{}{location}", self.origin())
        } else {
            // Relative to the directory of the current path (without its query).
            let path = &self.text[self.origin().len()..];
            let path = path.split('?').next().unwrap_or_default();
            let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
            format!("{}{dir}{location}", self.origin())
        };
        let next =
            MirrorUrl::parse(&absolute).map_err(|e| format!("redirect to {absolute}: {e}"))?;
        if self.https && !next.https {
            return Err(format!(
                "refused a redirect from https to plain http ({next})"
            ));
        }
        if !self.https {
            let same_origin = !next.https && next.origin() == self.origin();
            let upgrade = next.https && next.host() == self.host();
            if !(same_origin || upgrade) {
                return Err(format!(
                    "refused a redirect from a plain-http mirror to another host or port ({next})"
                ));
            }
        }
        Ok(next)
    }
}

impl fmt::Display for MirrorUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `host[:port]`, with the port as a number. `[v6]:port` keeps its brackets on the host.
fn split_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    let colon = if authority.starts_with('[') {
        authority
            .find(']')
            .map(|end| end + 1)
            .filter(|&end| end < authority.len())
    } else {
        authority.rfind(':')
    };
    let Some(colon) = colon else {
        return Ok((authority, None));
    };
    let (host, port) = authority.split_at(colon);
    let digits = port.strip_prefix(':').unwrap_or(port);
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{port}` is not a port number"));
    }
    let port: u16 = digits
        .parse()
        .map_err(|_| format!("port {digits} is larger than 65535"))?;
    Ok((host, Some(port)))
}

/// The host in lower case, and whether it is a loopback host.
fn parse_host(host: &str) -> Result<(String, bool), String> {
    if host.is_empty() {
        return Err("has no host".into());
    }
    if let Some(inner) = host.strip_prefix('[') {
        let address = inner
            .strip_suffix(']')
            .ok_or_else(|| "an IPv6 address must be written [like::this]".to_owned())?;
        let ip: Ipv6Addr = address
            .parse()
            .map_err(|_| format!("`{host}` is not an IPv6 address"))?;
        // The compressed lower-case form, which is also the WHATWG serialization, except for an IPv4 tail
        // (`::ffff:1.2.3.4`), which the two write differently: refused rather than stored under a new name.
        let normal = ip.to_string();
        if normal.contains('.') {
            return Err(format!("write the IPv6 address `{address}` in hex only"));
        }
        return Ok((format!("[{normal}]"), ip.is_loopback()));
    }
    let host = host.to_ascii_lowercase();
    let labels_ok = host.len() <= 253
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        });
    if !labels_ok {
        return Err(format!(
            "`{host}` is not a host name (labels of letters, digits, '-' and '_', separated by dots)"
        ));
    }
    // As a WHATWG parser does: a name whose last label starts with a digit is an IPv4 address. Only the
    // dotted-quad notation is accepted, so no one has to know that `127.1` or `0x7f.1` mean 127.0.0.1.
    let last = host.rsplit('.').next().unwrap_or_default();
    if last.starts_with(|c: char| c.is_ascii_digit()) {
        let ip: Ipv4Addr = host
            .parse()
            .map_err(|_| format!("`{host}` is not an IPv4 address in dotted-quad form"))?;
        return Ok((host, ip.is_loopback()));
    }
    let loopback = host == "localhost";
    Ok((host, loopback))
}

/// Printable ASCII that a WHATWG parser keeps as it is in a path or query, and `%` only as `%HH`.
fn check_chars(text: &str, part: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let ok = b.is_ascii_graphic()
            && !matches!(
                b,
                b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}' | b'#'
            );
        if !ok {
            return Err(format!(
                "percent-encode `{}` in the {part}",
                (b as char).escape_debug()
            ));
        }
        if b == b'%'
            && !bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
        {
            return Err(format!(
                "a `%` in the {part} must start a percent-encoded byte such as %20"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normal_form_is_the_whatwg_serialization() {
        for text in [
            "https://notices.example.org/v1/feed.json",
            "HTTPS://Notices.Example.ORG/v1/feed.json",
            "https://notices.example.org",
            "https://notices.example.org:443/feed.json",
            "https://notices.example.org:8443/feed.json",
            "https://notices.example.org/v1/feed.json?x=1&y=%20",
            "https://cdn_1.example.net/a/b/",
            "http://127.0.0.1:8080/v1/feed.json",
            "http://localhost/feed.json",
            "http://LOCALHOST:80/feed.json",
            "http://[::1]:1/feed.json",
            "http://[0:0:0:0:0:0:0:1]/feed.json",
            "  https://notices.example.org/feed.json\n",
            "https://xn--mnchen-3ya.example/feed.json",
        ] {
            let ours = MirrorUrl::parse(text).map(|u| u.to_string());
            let whatwg = url::Url::parse(text).map(|u| u.to_string());
            match (&ours, &whatwg) {
                (Ok(ours), Ok(whatwg)) => assert_eq!(ours, whatwg, "{text:?}"),
                // Refusing what the WHATWG parser would rewrite is fine; the cases above are all plain.
                _ => panic!("{text:?}: ours {ours:?}, whatwg {whatwg:?}"),
            }
        }
    }

    #[test]
    fn what_a_parser_would_rewrite_or_guess_is_refused() {
        for (bad, why) in [
            ("https://example.org/a b", "percent-encode"),
            ("https://example.org/a\\b", "percent-encode"),
            ("https://example.org/a/../b", "segments"),
            ("https://example.org/feed.json#x", "fragment"),
            ("https://example.org/?q='x'", "%27"),
            ("https://example.org/%zz", "percent-encoded byte"),
            ("https://exämple.org/", "ASCII"),
            ("http://127.1/feed.json", "dotted-quad"),
            ("http://0x7f.0.0.1/feed.json", "dotted-quad"),
            ("https://example.org:/feed.json", "port"),
            ("https://example.org:99999/feed.json", "port"),
            ("https://[::ffff:1.2.3.4]/feed.json", "IPv6"),
            ("https://[::1/feed.json", "IPv6"),
            ("https:///feed.json", "no host"),
            ("https://exa mple.org/", "host name"),
            ("https://-/", "host name"),
            ("https://a..b/", "host name"),
        ] {
            let err = MirrorUrl::parse(bad).unwrap_err();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }

    #[test]
    #[cfg(feature = "https")]
    fn redirects_never_go_from_https_to_http_and_from_http_only_to_the_same_host() {
        let from = |text: &str| MirrorUrl::parse(text).unwrap();
        let https = from("https://cdn.example.org/yivi/v1/feed.json?x=1");
        for (location, to) in [
            (
                "https://other.example.net/feed.json",
                "https://other.example.net/feed.json",
            ),
            ("//other.example.net/f", "https://other.example.net/f"),
            (
                "/elsewhere/feed.json",
                "https://cdn.example.org/elsewhere/feed.json",
            ),
            ("feed2.json", "https://cdn.example.org/yivi/v1/feed2.json"),
            (
                " HTTPS://CDN.example.org:8443/a ",
                "https://cdn.example.org:8443/a",
            ),
        ] {
            assert_eq!(https.redirect(location).unwrap().as_str(), to, "{location}");
        }
        for location in [
            "http://cdn.example.org/feed.json",
            "http://127.0.0.1/feed.json",
        ] {
            let err = https.redirect(location).unwrap_err();
            assert!(err.contains("https to plain http"), "{location}: {err}");
        }
        let http = from("http://127.0.0.1:8080/v1/feed.json");
        for (location, to) in [
            ("/v2/feed.json", "http://127.0.0.1:8080/v2/feed.json"),
            ("http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x"),
            ("https://127.0.0.1:8443/x", "https://127.0.0.1:8443/x"),
            ("other.json", "http://127.0.0.1:8080/v1/other.json"),
        ] {
            assert_eq!(http.redirect(location).unwrap().as_str(), to, "{location}");
        }
        for location in [
            "http://127.0.0.2:8080/x",
            "http://localhost:8080/x",
            "http://127.0.0.1:9090/x",
            "https://cdn.example.org/x",
            "//127.0.0.2:8080/x",
        ] {
            let err = http.redirect(location).unwrap_err();
            assert!(err.contains("another host or port"), "{location}: {err}");
        }
        // What is not a mirror URL is not followed either.
        assert!(https.redirect("https://example.org/a/../b").is_err());
        assert!(https.redirect("ftp://example.org/").is_err());
    }

    #[test]
    fn loopback_hosts_are_recognized() {
        for (text, loopback) in [
            ("http://localhost/x", true),
            ("http://127.0.0.1/x", true),
            ("http://127.9.9.9:1/x", true),
            ("http://[::1]/x", true),
            ("http://10.0.0.1/x", false),
            ("http://localhost.example.org/x", false),
            ("http://[::2]/x", false),
        ] {
            assert_eq!(
                MirrorUrl::parse(text).unwrap().is_loopback(),
                loopback,
                "{text}"
            );
        }
    }
}
