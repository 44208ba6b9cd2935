//! Hard limits of the protocol.
//!
//! Every limit is enforced by the parser, before or while the bytes are read, so a hostile mirror cannot make
//! a phone allocate or loop more than these numbers allow. Writers (server, CLI) refuse to sign anything that
//! a reader would refuse to read.

/// Largest published document a reader accepts, in bytes. A realistic feed (5 notices, 3 languages, a few
/// updates each) is under 16 KiB; this leaves room for a long root chain without letting a mirror stream
/// megabytes into a phone.
pub const MAX_DOCUMENT_BYTES: usize = 512 * 1024;
/// Most notices in one feed.
pub const MAX_NOTICES: usize = 50;
/// Most updates in one notice's timeline.
pub const MAX_UPDATES: usize = 50;
/// Most languages in one localized text.
pub const MAX_LANGUAGES: usize = 12;
/// Longest title, in Unicode scalar values.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest body, in Unicode scalar values.
pub const MAX_BODY_CHARS: usize = 2000;
/// Longest update message, in Unicode scalar values.
pub const MAX_MESSAGE_CHARS: usize = 1000;
/// Most components a notice names.
pub const MAX_COMPONENTS: usize = 16;
/// Longest link, in bytes.
pub const MAX_LINK_BYTES: usize = 512;
/// Most root versions a published document carries (the whole chain from version 1).
pub const MAX_ROOTS: usize = 64;
/// Most signatures on one envelope.
pub const MAX_SIGNATURES: usize = 8;
/// Most keys in one role (root or feed) of a root document.
pub const MAX_KEYS_PER_ROLE: usize = 8;
/// Most hosts a root allows links to.
pub const MAX_LINK_HOSTS: usize = 16;
/// Longest `keyid` of a signature, in bytes. A key id is 64 lowercase hex characters (PROTOCOL.md §3); a longer
/// one can name no key, so it is a shape error instead of 60 KB that every signature check compares against.
pub const MAX_KEYID_BYTES: usize = 64;
/// Deepest nesting of arrays and objects in a signed payload, the payload's own object counting as 1. What
/// this version defines reaches 6 (feed → notices → notice → updates → update → message); unknown fields
/// may nest up to this cap. It sits well below the limits of common JSON parsers (Ruby's 100, serde_json's
/// 128, Python's recursion limit, Go's 10 000), so every implementation can read what this one accepts,
/// and none can be sent something that one parser reads and another refuses for its depth.
pub const MAX_NESTING_DEPTH: usize = 32;
