//! Where a change to notices goes: the server's admin API, or, with `--offline`, break-glass signing into an
//! export directory. Every command that changes notices (`post`, `update`, `edit`, `resolve`, `withdraw`)
//! runs the same three steps against a [`Backend`] and has no branch of its own:
//!
//! 1. [`Backend::prepare`]: what would be published. Online this is the server's dry run (its own
//!    validation, id and feed version); offline it is `notice_publish`'s change rules applied to the last
//!    known document, which is the same code the server runs. Nothing is written.
//! 2. The command shows the preview and asks.
//! 3. [`Backend::commit`]: the server writes it; offline, the document is signed, checked as a fresh app
//!    install would check it, and written to the export directory.

use notice_publish::{CreateNotice, NoticeChange, NoticeRecord, WriteResponse};
use notice_types::{NoticeId, Timestamp};
use serde::Serialize;

use crate::api::Api;
use crate::commands::{Ctx, print_json};
use crate::error::CliError;
use crate::export::Exported;
use crate::offline::{Breakglass, OfflineArgs, Prepared as OfflinePrepared};
use crate::render::{self, BOLD, OK, WARN, styled};

/// One change to notices, as the admin API takes it.
#[derive(Debug, Clone)]
pub enum Request {
    /// A new notice.
    Create(CreateNotice),
    /// A change to notice `id`.
    Change {
        /// The notice.
        id: NoticeId,
        /// What happens to it.
        change: NoticeChange,
    },
}

/// Where changes go.
pub enum Backend {
    /// The server's admin API.
    Server(Api),
    /// Break-glass: signed here with the feed key, into an export directory.
    Offline(Box<Breakglass>),
}

/// A change worked out but not yet published: what the notice and feed will look like.
pub struct Prepared {
    /// The notice after the change, its state and the feed version that will carry it.
    pub response: WriteResponse,
    request: Request,
    offline: Option<OfflinePrepared>,
}

/// A published change.
pub struct Committed {
    /// The notice after the change, its state and the feed version that carries it.
    pub response: WriteResponse,
    offline: Option<OfflineCommitted>,
}

struct OfflineCommitted {
    exported: Exported,
    /// Where each copy's document is, for the next steps.
    documents: Vec<String>,
    previous_version: u64,
    previous_source: String,
}

/// What `--json` prints for a break-glass write: the admin API's answer plus where it was made from and
/// what was written.
#[derive(Serialize)]
struct OfflineJson<'a> {
    #[serde(flatten)]
    response: &'a WriteResponse,
    previous_version: u64,
    previous_source: &'a str,
    offline: bool,
    export: &'a Exported,
}

impl Backend {
    /// The server of the settings, or break-glass when `--offline` was given. Break-glass prints one line
    /// on stderr saying what it works from.
    pub fn open(ctx: &Ctx<'_>, offline: &OfflineArgs) -> Result<Self, CliError> {
        if offline.offline {
            let glass = offline.open(ctx)?;
            glass.announce();
            Ok(Backend::Offline(Box::new(glass)))
        } else {
            Ok(Backend::Server(ctx.api()?))
        }
    }

    /// The notice `given` names: its full id, or the start of exactly one notice's id (`2026-11-23-key`
    /// for `2026-11-23-keyshare-3f9a`). Online every notice the server has is a candidate
    /// (`GET /v1/admin/notices?all=true`); offline, those of the last known feed. An id nobody has is
    /// passed on as given, so the server (or break-glass) refuses it in its own words.
    pub fn resolve_id(&self, given: &str) -> Result<NoticeId, CliError> {
        let candidates = match self {
            Backend::Server(api) => api.list(true)?.into_iter().map(|r| r.notice.id).collect(),
            Backend::Offline(glass) => glass.ids(),
        };
        resolve_prefix(given, &candidates)
    }

    /// Notice `id` as it is now.
    pub fn current(&self, id: &NoticeId) -> Result<NoticeRecord, CliError> {
        match self {
            Backend::Server(api) => api.get(id),
            Backend::Offline(glass) => Ok(NoticeRecord::from_feed(glass.notice(id)?.clone())),
        }
    }

    /// Works out `request` at `now` without publishing anything.
    pub fn prepare(&self, request: Request, now: Timestamp) -> Result<Prepared, CliError> {
        match self {
            Backend::Server(api) => {
                let response = match &request {
                    Request::Create(create) => api.create(create, true)?,
                    Request::Change { id, change } => api.change(id, change, true)?,
                };
                Ok(Prepared {
                    response,
                    request,
                    offline: None,
                })
            }
            Backend::Offline(glass) => {
                let prepared = glass.prepare(request.clone(), now)?;
                Ok(Prepared {
                    response: prepared.response(),
                    request,
                    offline: Some(prepared),
                })
            }
        }
    }

    /// The confirmation question for `prepared`: `action` (e.g. "Publish this notice") and where it goes,
    /// then `consequence` (what users will notice, may be empty).
    pub fn question(&self, action: &str, prepared: &Prepared, consequence: &str) -> String {
        let question = match self {
            Backend::Server(api) => format!("{action} to {}?", api.server()),
            Backend::Offline(glass) => format!(
                "{action} in feed version {}, signed here with the feed key and written to {}?",
                prepared.response.feed_version,
                glass.destinations()
            ),
        };
        if consequence.is_empty() {
            question
        } else {
            format!("{question} {consequence}")
        }
    }

    /// Publishes what [`Backend::prepare`] worked out. Online, a new notice keeps the id the preview
    /// showed.
    pub fn commit(&self, prepared: Prepared, now: Timestamp) -> Result<Committed, CliError> {
        match (self, prepared.offline) {
            (Backend::Offline(glass), Some(offline)) => {
                let response = offline.response();
                let exported = glass.publish(&offline, now)?;
                Ok(Committed {
                    response,
                    offline: Some(OfflineCommitted {
                        exported,
                        documents: glass.documents(),
                        previous_version: glass.last_version(),
                        previous_source: glass.last_source().to_owned(),
                    }),
                })
            }
            (Backend::Server(api), _) => {
                let response = match prepared.request {
                    Request::Create(mut create) => {
                        // Publish exactly what was previewed, under the id the preview showed.
                        create.id.get_or_insert(prepared.response.notice.id);
                        api.create(&create, false)?
                    }
                    Request::Change { id, change } => api.change(&id, &change, false)?,
                };
                Ok(Committed {
                    response,
                    offline: None,
                })
            }
            (Backend::Offline(_), None) => Err(CliError::usage(
                "internal: a change prepared for the server cannot be signed offline; run the command again",
            )),
        }
    }
}

/// `given` as a full id or a unique prefix of one of `candidates` (see [`Backend::resolve_id`]).
pub fn resolve_prefix(given: &str, candidates: &[NoticeId]) -> Result<NoticeId, CliError> {
    if let Some(exact) = candidates.iter().find(|id| id.as_str() == given) {
        return Ok(exact.clone());
    }
    let matching: Vec<&NoticeId> = candidates
        .iter()
        .filter(|id| !given.is_empty() && id.as_str().starts_with(given))
        .collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => NoticeId::parse(given).map_err(|e| {
            CliError::usage(format!(
                "`{}` is not a notice id: {}",
                given.escape_debug(),
                e.reason
            ))
        }),
        many => {
            let ids: Vec<&str> = many.iter().map(|id| id.as_str()).collect();
            Err(CliError::usage_hint(
                format!(
                    "`{}` is the start of {} notice ids: {}",
                    given.escape_debug(),
                    many.len(),
                    ids.join(", ")
                ),
                "give more of the id (`notice list --all` lists them)",
            ))
        }
    }
}

impl Committed {
    /// The copies a break-glass write went to (none for a write through the server).
    pub fn copies(&self) -> Vec<String> {
        self.offline.as_ref().map_or_else(Vec::new, |offline| {
            offline
                .exported
                .copies
                .iter()
                .map(|c| c.target.clone())
                .collect()
        })
    }

    /// Prints the result: `--json`, or `summary` (one line saying what happened, the command's words) and,
    /// after a break-glass write, where the document went and the next steps.
    pub fn report(&self, summary: &str, json: bool) -> Result<(), CliError> {
        for warning in &self.response.warnings {
            render::eprint(&format!("{} {warning}\n", styled(WARN, "note:")));
        }
        let Some(offline) = &self.offline else {
            if json {
                return print_json(&self.response);
            }
            render::print(summary);
            return Ok(());
        };
        if json {
            return print_json(&OfflineJson {
                response: &self.response,
                previous_version: offline.previous_version,
                previous_source: &offline.previous_source,
                offline: true,
                export: &offline.exported,
            });
        }
        let copies: Vec<&str> = offline
            .exported
            .copies
            .iter()
            .map(|c| c.target.as_str())
            .collect();
        let first = offline
            .documents
            .first()
            .map_or("DIR/feed.json", String::as_str);
        render::print(&format!(
            "{summary}  {} notice {} in feed version {}, signed offline and written to {}\n  \
             publish:  every copy apps read must hold it: sync a directory to the static hosts (buckets written here already are)\n  \
             check:    notice verify --root ROOT {first}\n  \
             later:    when the server is back, `notice ingest {first}` before any other change\n",
            styled(OK, "Break-glass:"),
            styled(BOLD, &self.response.notice.id),
            styled(BOLD, offline.exported.version),
            copies.join(", "),
        ));
        Ok(())
    }
}
