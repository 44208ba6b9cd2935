//! The Notice protocol: what server, CLI, mirrors and apps agree on.
//!
//! A feed owner signs a [`FeedPayload`] (the notices) with its online feed key inside a DSSE [`Envelope`], and
//! publishes it together with the chain of [`RootPayload`] versions (which keys may sign) as one
//! [`PublishedDocument`]. Any host can serve those bytes; a client trusts the signatures, not the host.
//! [`verify()`] turns bytes into a [`Verified`] feed or a typed [`VerifyError`]; [`select()`] turns a feed into
//! what one user sees now.
//!
//! This crate does no I/O: no network, no files, no clock. Time is an argument, so every check is
//! deterministic and testable with any clock, including one that jumps backwards.
//!
//! # Layout
//! - [`limits`]: the hard caps every parser enforces.
//! - `text`, `ids`, `time`: validated building blocks (language tags, localized plain text, identifiers,
//!   RFC 3339 timestamps).
//! - `notice`, `feed`, `root`: the payloads and their rules; `link`: the strict syntax of notice links;
//!   `service`: the feed's optional description of the service (name, status page, time zone, component
//!   registry).
//! - `keys`: Ed25519 keys and their text forms.
//! - `envelope`: DSSE v1 signing and signature checks (PAE).
//! - `document`: the published document; signing helpers that refuse what readers would refuse.
//! - `verify`: the verifier and the state a client keeps; [`verify_root_chain`], the chain check alone, for
//!   writers of root versions (root key ceremonies).
//! - `select`: selection and language fallback.
//!
//! # Unknown fields
//! Signed payloads (feed, root, notices) ignore fields they do not know: later versions may add optional
//! fields without breaking apps that cannot update. A change that old readers must not ignore gets a new
//! payload type. The unsigned parts (the document wrapper and envelopes) reject unknown fields: nothing
//! unsigned may ride along.

mod bounded;
mod document;
mod envelope;
mod error;
mod feed;
mod ids;
mod keys;
pub mod limits;
mod link;
mod notice;
mod root;
mod select;
mod service;
mod text;
mod time;
mod verify;

pub use document::{PublishedDocument, SignError, sign_feed, sign_root};
pub use envelope::{Envelope, EnvelopeSignature, FEED_PAYLOAD_TYPE, ROOT_PAYLOAD_TYPE, pae};
pub use error::InvalidField;
pub use feed::FeedPayload;
pub use ids::{Component, FeedId, NoticeId};
pub use keys::{KeyError, PUBLIC_KEY_PREFIX, PublicKey, SecretKey};
pub use link::{check_link, check_link_syntax};
pub use notice::{Notice, Platform, Severity, Status, Update};
pub use root::RootPayload;
pub use select::{
    Context, Dismissal, ShownNotice, ShownUpdate, effective_status, fallback_chain, is_active,
    pick, select,
};
pub use service::{
    ComponentInfo, MAX_COMPONENT_NAME_CHARS, MAX_SERVICE_COMPONENTS, MAX_SERVICE_NAME_CHARS,
    ServiceInfo,
};
pub use text::{LanguageTag, LocalizedText, check_plain_text};
pub use time::Timestamp;
pub use verify::{
    Change, FeedMark, Role, TrustState, TrustedRoot, Verified, VerifyError,
    dangerous_verify_ignoring_freshness, verify, verify_root_chain,
};
