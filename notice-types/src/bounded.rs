//! Deserializers that stop reading at a limit instead of collecting first and counting after, and the JSON
//! entry point every reader of signed bytes uses.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserializer;
use serde::de::{Deserialize, SeqAccess, Visitor};

use crate::limits::MAX_NESTING_DEPTH;

/// Like [`vec`], and refuses an empty list: for lists the format requires at least one entry of (the
/// roots of a document, the signatures of an envelope), so that an empty one is a shape error like any
/// other rather than a signature failure.
pub fn non_empty_vec<'de, D, T, const MAX: usize>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items = vec::<D, T, MAX>(deserializer)?;
    if items.is_empty() {
        return Err(serde::de::Error::custom(
            "an empty list; at least one entry is required",
        ));
    }
    Ok(items)
}

/// Deserializes a sequence of at most `MAX` elements; an extra element is an error and is
/// skipped, never built.
pub fn vec<'de, D, T, const MAX: usize>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct BoundedVisitor<T, const MAX: usize>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>, const MAX: usize> Visitor<'de> for BoundedVisitor<T, MAX> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a list of at most {MAX} entries")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX));
            while items.len() < MAX {
                match seq.next_element()? {
                    Some(item) => items.push(item),
                    None => return Ok(items),
                }
            }
            // One more element of any shape is already too many; skip it without building it.
            match seq.next_element::<serde::de::IgnoredAny>()? {
                None => Ok(items),
                Some(_) => Err(serde::de::Error::custom(format!("more than {MAX} entries"))),
            }
        }
    }
    deserializer.deserialize_seq(BoundedVisitor::<T, MAX>(PhantomData))
}

/// The UTF-8 byte order mark. RFC 8259 §8.1 forbids writers to add one and lets readers either skip or refuse
/// it; parsers differ (Go and serde_json refuse it, Python's `json.loads` of bytes skips it), so this format
/// refuses it everywhere: in documents, in the shipped root file and in signed payloads.
const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

fn refuse_byte_order_mark(bytes: &[u8]) -> serde_json::Result<()> {
    if bytes.starts_with(BYTE_ORDER_MARK) {
        return Err(serde::de::Error::custom(
            "starts with a byte order mark (U+FEFF), which this format does not allow",
        ));
    }
    Ok(())
}

/// [`from_json`] for an unsigned document or a shipped root file: a byte order mark is refused.
pub fn from_document_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> serde_json::Result<T> {
    refuse_byte_order_mark(bytes)?;
    from_json(bytes)
}

/// [`from_json`] for the bytes of a signed payload: a byte order mark is refused, and so is nesting of arrays
/// and objects deeper than [`MAX_NESTING_DEPTH`], checked before parsing. serde_json skips unknown fields
/// without a depth limit, so without this check 150 000 nested arrays inside an unknown field would pass here
/// and fail in parsers that stop at 100 or 1 000 levels.
pub fn from_signed_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> serde_json::Result<T> {
    refuse_byte_order_mark(bytes)?;
    check_depth(bytes)?;
    from_json(bytes)
}

/// Refuses JSON text whose arrays and objects nest deeper than [`MAX_NESTING_DEPTH`]: one pass over the bytes,
/// counting brackets outside strings. Invalid JSON is left to the parser.
///
/// Most of a feed's bytes are inside strings (the texts), so a string is skipped with `memchr2` to its next
/// quote or backslash instead of byte by byte: this scan runs over every payload on every refresh.
fn check_depth(bytes: &[u8]) -> serde_json::Result<()> {
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        at += 1;
        match byte {
            b'"' => at = past_string(bytes, at),
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING_DEPTH {
                    return Err(serde::de::Error::custom(format!(
                        "arrays and objects nested more than {MAX_NESTING_DEPTH} levels deep"
                    )));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Where scanning resumes after the string whose contents start at `at`: just past its closing quote, or the
/// end of `bytes` when it has none. A backslash escapes the byte after it, whatever that byte is.
///
/// `memchr2` for every string, short ones too: a look at the first bytes by hand before it (tried) costs
/// more instructions than the call it saves.
fn past_string(bytes: &[u8], mut at: usize) -> usize {
    while let Some(rest) = bytes.get(at..) {
        match memchr::memchr2(b'"', b'\\', rest) {
            Some(found) if rest[found] == b'"' => return at + found + 1,
            Some(found) => at += found + 2,
            None => break,
        }
    }
    bytes.len()
}

/// Deserializes a string and hands it to `parse` without an allocation of its own: borrowed from the input,
/// or from the parser's scratch buffer when it holds escapes. (serde's `Cow<str>` would always copy: it only
/// borrows as a `#[serde(borrow)]` field.) For the small validated values that stand in every notice many
/// times over: language tags, timestamps.
pub fn parse_str<'de, D, T, E>(
    deserializer: D,
    expecting: &'static str,
    parse: fn(&str) -> Result<T, E>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    E: fmt::Display,
{
    struct StrVisitor<T, E> {
        expecting: &'static str,
        parse: fn(&str) -> Result<T, E>,
    }
    impl<T, E: fmt::Display> Visitor<'_> for StrVisitor<T, E> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_str<Er: serde::de::Error>(self, v: &str) -> Result<T, Er> {
            (self.parse)(v).map_err(Er::custom)
        }
    }
    deserializer.deserialize_str(StrVisitor { expecting, parse })
}

/// A string of at most `MAX` bytes (an envelope signature's `keyid`), refused while parsing beyond that.
pub fn short_string<'de, D, const MAX: usize>(deserializer: D) -> Result<String, D::Error>
where
    D: Deserializer<'de>,
{
    short_cow::<D, MAX>(deserializer).map(Cow::into_owned)
}

/// [`short_string`], borrowed from the input where it holds no escapes.
pub fn short_cow<'de, D, const MAX: usize>(deserializer: D) -> Result<Cow<'de, str>, D::Error>
where
    D: Deserializer<'de>,
{
    struct ShortVisitor<const MAX: usize>;
    impl<const MAX: usize> ShortVisitor<MAX> {
        fn check<E: serde::de::Error>(text: &str) -> Result<(), E> {
            if text.len() > MAX {
                return Err(E::custom(format!(
                    "a keyid of {} bytes; at most {MAX} are allowed",
                    text.len()
                )));
            }
            Ok(())
        }
    }
    impl<'de, const MAX: usize> Visitor<'de> for ShortVisitor<MAX> {
        type Value = Cow<'de, str>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Self::check(v)?;
            Ok(Cow::Borrowed(v))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Self::check(v)?;
            Ok(Cow::Owned(v.to_owned()))
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
            Self::check(&v)?;
            Ok(Cow::Owned(v))
        }
    }
    deserializer.deserialize_str(ShortVisitor::<MAX>)
}

/// `serde_json::from_slice`, faster: valid UTF-8 is checked once for the whole input and then read as text,
/// instead of being checked again string by string (hundreds per feed). Input that is not UTF-8 is an error,
/// as with `from_slice`, reported by a parse that does not build `T` (so each `T` has one parser in the
/// binary, not two); its message may then name another problem that comes first in the input.
pub fn from_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(e) => Err(serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
            .err()
            .unwrap_or_else(|| serde::de::Error::custom(e))),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Shape<'a> {
        name: String,
        #[serde(borrow)]
        tag: std::borrow::Cow<'a, str>,
        list: Vec<u32>,
    }

    const VALID: &[u8] =
        "{\"name\":\"Prüfung \\u00e9\\n\",\"tag\":\"nl\",\"list\":[1,2]}".as_bytes();

    /// The depth check as first written, byte by byte: the reference the fast one must agree with.
    fn depth_byte_by_byte(bytes: &[u8]) -> bool {
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for &byte in bytes {
            if in_string {
                if escaped {
                    escaped = false;
                } else if byte == b'\\' {
                    escaped = true;
                } else if byte == b'"' {
                    in_string = false;
                }
                continue;
            }
            match byte {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > crate::limits::MAX_NESTING_DEPTH {
                        return false;
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        true
    }

    #[test]
    fn nesting_is_counted_outside_strings_only() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let limit = crate::limits::MAX_NESTING_DEPTH;
        assert!(super::check_depth(deep(limit).as_bytes()).is_ok());
        let err = super::check_depth(deep(limit + 1).as_bytes()).unwrap_err();
        assert!(err.to_string().contains("nested more than"), "{err}");
        // Brackets inside strings, escaped quotes and a trailing backslash do not count.
        let quoted = format!("[\"{}\\\"{}\"]", "[".repeat(100), "{".repeat(100));
        assert!(super::check_depth(quoted.as_bytes()).is_ok());
        assert!(super::check_depth(b"[\"\\").is_ok());
        assert!(super::check_depth(b"\"\\\\\"[[").is_ok());
    }

    proptest! {
        /// The skipping scan refuses exactly what the byte-by-byte one refuses, on any bytes made of JSON's
        /// structural characters, quotes, backslashes and filler, in single bytes and in long runs (strings
        /// longer than one of memchr's vector steps).
        #[test]
        fn depth_check_agrees_with_byte_by_byte(
            pieces in proptest::collection::vec(
                prop_oneof![
                    proptest::sample::select(b"[]{}\"\\ax".to_vec()).prop_map(|b| vec![b]),
                    (0usize..40).prop_map(|n| vec![b'a'; n]),
                ],
                0..100),
            depth in 0usize..40,
        ) {
            let mut text = b"[".repeat(depth);
            text.extend(pieces.concat());
            prop_assert_eq!(super::check_depth(&text).is_ok(), depth_byte_by_byte(&text));
        }

        /// Whatever the bytes, `from_json` accepts what `from_slice` accepts, with the same value, and refuses
        /// the rest; for UTF-8 input with the same message.
        #[test]
        fn from_json_answers_as_from_slice(at in 0..VALID.len(), byte in any::<u8>(), cut in any::<bool>()) {
            let mut bytes = VALID.to_vec();
            if cut { bytes.truncate(at) } else { bytes[at] = byte }
            let ours = super::from_json::<Shape>(&bytes).map_err(|e| e.to_string());
            let theirs = serde_json::from_slice::<Shape>(&bytes).map_err(|e| e.to_string());
            if std::str::from_utf8(&bytes).is_ok() {
                prop_assert_eq!(ours, theirs);
            } else {
                prop_assert!(ours.is_err() && theirs.is_err());
            }
        }
    }
}
