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
fn check_depth(bytes: &[u8]) -> serde_json::Result<()> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
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

    proptest! {
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
