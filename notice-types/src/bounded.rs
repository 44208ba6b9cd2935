//! Deserializers that stop reading at a limit instead of collecting first and counting after, and the JSON
//! entry point every reader of signed bytes uses.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserializer;
use serde::de::{Deserialize, SeqAccess, Visitor};

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
