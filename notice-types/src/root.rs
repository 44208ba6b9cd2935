//! The root payload: who may sign the feed, and who may change that.
//!
//! TUF-style: the app ships root version 1. Root N+1 is accepted only when signed by a threshold of root N's
//! root keys *and* a threshold of its own, so a stolen online feed key is revoked by publishing a new root with
//! a new feed key, without an app release. Root keys stay offline.

use serde::{Deserialize, Serialize};

use crate::keys::PublicKey;
use crate::limits::{MAX_KEYS_PER_ROLE, MAX_LINK_HOSTS};
use crate::{FeedId, InvalidField};

/// Keys, thresholds and link policy for one feed, at one root version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RootFields")]
pub struct RootPayload {
    /// The feed this root governs; never changes across versions.
    pub feed_id: FeedId,
    /// 1 for the root the app ships; each rotation adds one.
    pub version: u64,
    /// Keys that sign the next root version (offline).
    pub root_keys: Vec<PublicKey>,
    /// How many distinct root keys must sign.
    pub root_threshold: u32,
    /// Keys that sign feeds (online, on the server).
    pub feed_keys: Vec<PublicKey>,
    /// How many distinct feed keys must sign a feed.
    pub feed_threshold: u32,
    /// Hosts that notice links may point to (exact, lowercase). Empty: no links at all. Part of the root, so
    /// a stolen feed key can put words on screens but cannot point millions of phones at a phishing site.
    #[serde(default)]
    pub link_hosts: Vec<String>,
}

#[derive(Deserialize)]
struct RootFields {
    feed_id: FeedId,
    version: u64,
    #[serde(deserialize_with = "crate::bounded::vec::<_, _, MAX_KEYS_PER_ROLE>")]
    root_keys: Vec<PublicKey>,
    root_threshold: u32,
    #[serde(deserialize_with = "crate::bounded::vec::<_, _, MAX_KEYS_PER_ROLE>")]
    feed_keys: Vec<PublicKey>,
    feed_threshold: u32,
    #[serde(
        default,
        deserialize_with = "crate::bounded::vec::<_, _, MAX_LINK_HOSTS>"
    )]
    link_hosts: Vec<String>,
}

impl TryFrom<RootFields> for RootPayload {
    type Error = InvalidField;
    fn try_from(f: RootFields) -> Result<Self, Self::Error> {
        let root = RootPayload {
            feed_id: f.feed_id,
            version: f.version,
            root_keys: f.root_keys,
            root_threshold: f.root_threshold,
            feed_keys: f.feed_keys,
            feed_threshold: f.feed_threshold,
            link_hosts: f.link_hosts,
        };
        root.validate()?;
        Ok(root)
    }
}

impl RootPayload {
    /// Whether `other` trusts exactly the same feed signers: the same set of feed keys and the same
    /// threshold. When a root rotation changes them, everything verified under the old ones (the rollback
    /// floor, the latest `issued_at`) is left behind: a revoked key must not keep its power through the floor
    /// it set (a stolen key could otherwise sign version `u64::MAX` or a feed issued in the year 9999 and
    /// lock every app out for good, rotation or not).
    pub fn same_feed_signers(&self, other: &RootPayload) -> bool {
        // Sets of at most MAX_KEYS_PER_ROLE keys: each inside the other, compared in place (no set built on
        // every verification, and no sort's code in the client).
        let within = |a: &[PublicKey], b: &[PublicKey]| a.iter().all(|key| b.contains(key));
        self.feed_threshold == other.feed_threshold
            && within(&self.feed_keys, &other.feed_keys)
            && within(&other.feed_keys, &self.feed_keys)
    }

    /// Checks version, key sets, thresholds and link hosts.
    pub fn validate(&self) -> Result<(), InvalidField> {
        if self.version == 0 {
            return Err(InvalidField::new("version", "starts at 1"));
        }
        check_role("root", &self.root_keys, self.root_threshold)?;
        check_role("feed", &self.feed_keys, self.feed_threshold)?;
        if self.link_hosts.len() > MAX_LINK_HOSTS {
            return Err(InvalidField::new(
                "link_hosts",
                format!("at most {MAX_LINK_HOSTS} hosts"),
            ));
        }
        for (i, host) in self.link_hosts.iter().enumerate() {
            let valid = !host.is_empty()
                && host.len() <= 253
                && host.contains('.')
                && host.split('.').all(|label| {
                    !label.is_empty()
                        && !label.starts_with('-')
                        && label
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                });
            if !valid {
                return Err(InvalidField::new(
                    format!("link_hosts[{i}]"),
                    format!(
                        "`{}` is not a lowercase domain name (example: yivi.app)",
                        host.escape_debug()
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn check_role(role: &str, keys: &[PublicKey], threshold: u32) -> Result<(), InvalidField> {
    let keys_field = format!("{role}_keys");
    if keys.is_empty() || keys.len() > MAX_KEYS_PER_ROLE {
        return Err(InvalidField::new(
            keys_field,
            format!("needs 1 to {MAX_KEYS_PER_ROLE} keys"),
        ));
    }
    // At most MAX_KEYS_PER_ROLE keys: each compared with those before it.
    let repeated = keys
        .iter()
        .enumerate()
        .any(|(i, key)| keys[..i].contains(key));
    if repeated {
        return Err(InvalidField::new(keys_field, "lists a key twice"));
    }
    if threshold == 0 || threshold as usize > keys.len() {
        return Err(InvalidField::new(
            format!("{role}_threshold"),
            format!(
                "must be between 1 and the number of {role} keys ({})",
                keys.len()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretKey;

    fn key(n: u8) -> PublicKey {
        SecretKey::from_seed(&[n; 32]).public_key()
    }

    fn root(feed_keys: &[u8], feed_threshold: u32) -> RootPayload {
        RootPayload {
            feed_id: FeedId::parse("yivi-app/production").unwrap(),
            version: 1,
            root_keys: vec![key(100)],
            root_threshold: 1,
            feed_keys: feed_keys.iter().map(|&n| key(n)).collect(),
            feed_threshold,
            link_hosts: vec!["yivi.app".to_owned()],
        }
    }

    #[test]
    fn feed_signers_are_a_set_and_a_threshold() {
        assert!(root(&[1, 2], 1).same_feed_signers(&root(&[2, 1], 1)));
        assert!(!root(&[1, 2], 1).same_feed_signers(&root(&[1, 2], 2)));
        assert!(!root(&[1, 2], 1).same_feed_signers(&root(&[1, 3], 1)));
        assert!(!root(&[1, 2], 1).same_feed_signers(&root(&[1], 1)));
        assert!(!root(&[1], 1).same_feed_signers(&root(&[1, 2], 1)));
    }

    #[test]
    fn a_key_listed_twice_is_refused() {
        assert!(root(&[1, 2], 1).validate().is_ok());
        let err = root(&[1, 2, 1], 1).validate().unwrap_err();
        assert!(err.to_string().contains("lists a key twice"), "{err}");
        assert!(err.to_string().contains("feed_keys"), "{err}");
    }
}
