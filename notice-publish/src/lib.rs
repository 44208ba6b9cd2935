//! notice-publish: what an operator can do to a Notice feed, and what people see of it.
//!
//! Everything between an operator's intent ("PIN validation is down") and the documents that tell users:
//! the admin API's request and response types, the rules that turn a request into the next revision of a
//! notice, break-glass documents signed without the server, the plan for taking such a document back in,
//! and the status page and Atom feed rendered from a feed. The server answers the admin API with these
//! types and rules; the `notice` CLI reads the same types and runs the same rules offline. That is why this
//! crate exists: the CLI must not link the server to agree with it.
//!
//! Pure like `notice-types`: no HTTP, no database, no async runtime, no clock (`now` is an argument) and no
//! randomness of its own (the random part of generated ids is an argument).
//!
//! # Layout
//! - [`request`]: the admin API's request bodies ([`CreateNotice`], [`EditNotice`], [`PostUpdate`],
//!   [`Resolve`], [`Withdraw`]) and [`parse_request`], which reads one strictly with field-named errors.
//! - [`response`]: the admin API's answers ([`WriteResponse`], [`NoticeList`], [`AuditList`], [`WhoAmI`],
//!   [`IngestReport`]).
//! - [`record`]: [`NoticeRecord`], a notice with its [`NoticeState`], and the retention rule.
//! - [`change`]: the change rules: [`change::create`] and [`change::apply`] of a [`NoticeChange`].
//! - [`checks`]: the component registry's refusal and the cautions that need an explicit yes.
//! - [`breakglass`]: the next document made from the last known one, when the server is unreachable.
//! - [`ingest`]: checking such a document against the server's root and planning what it changes.
//! - [`rotation`]: root key ceremonies: root v(N+1) prepared, signed one root key at a time, checked against
//!   both thresholds by the apps' own verifier.
//! - [`export`]: the files a copy of the feed holds (documents, root, pages), with their content types and
//!   caching, in write order.
//! - [`status_page`]: the HTML status page in nl/en/de and the Atom feed, from a feed payload.
//! - [`ChangeError`]: why a change was refused, with the admin API's codes.

pub mod breakglass;
pub mod change;
pub mod checks;
mod error;
pub mod export;
pub mod ingest;
pub mod record;
pub mod request;
pub mod response;
pub mod rotation;
pub mod status_page;

use std::time::Duration;

pub use change::NoticeChange;
pub use error::ChangeError;
pub use record::{NoticeRecord, NoticeState};
pub use request::{
    CreateNotice, EditNotice, PostUpdate, Resolve, TextInput, Withdraw, parse_request,
};
pub use response::{
    AuditEntry, AuditList, CopyKind, CopyList, CopyState, ErrorAnswer, ErrorDetail, IngestReport,
    NoticeList, RootPublished, WhoAmI, WriteResponse,
};

/// How long a signed feed is valid unless configured otherwise (the server's `--feed-validity`, and
/// break-glass documents'): three days, long enough to ride out a weekend without the origin.
pub const DEFAULT_FEED_VALIDITY: Duration = Duration::from_secs(72 * 3600);

/// How long a resolved notice stays in the feed (closed) unless configured otherwise: three days, so people
/// who were told of an outage also see that it ended.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(72 * 3600);
