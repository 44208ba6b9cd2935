//! Deserializers that stop reading at a limit instead of collecting first and counting after.

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
