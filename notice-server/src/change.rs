//! One change to one notice, exactly as the admin API applies it: ids, defaults, revisions, timeline and
//! state. The admin handlers run it against the database; offline posting ([`crate::offline`]) runs it
//! against the last known feed. Both call these functions, so an offline document holds what the server
//! would have published.

use notice_types::{InvalidField, NoticeId, Timestamp};

use crate::drafts::{self, CreateNotice, EditNotice, PostUpdate, Resolve};
use crate::routes::AppError;
use crate::store::audit::Action;
use crate::store::notices::{NoticeRecord, NoticeState};

/// A change to an existing notice.
#[derive(Debug)]
pub enum ChangeDraft {
    /// `PATCH /v1/admin/notices/{id}`.
    Edit(EditNotice),
    /// `POST /v1/admin/notices/{id}/updates`.
    Update(PostUpdate),
    /// `POST /v1/admin/notices/{id}/resolve`.
    Resolve(Resolve),
    /// `POST /v1/admin/notices/{id}/withdraw`.
    Withdraw,
}

impl ChangeDraft {
    /// The audit action it is recorded as.
    pub fn action(&self) -> Action {
        match self {
            ChangeDraft::Edit(_) => Action::Edit,
            ChangeDraft::Update(_) => Action::Update,
            ChangeDraft::Resolve(_) => Action::Resolve,
            ChangeDraft::Withdraw => Action::Withdraw,
        }
    }
}

/// How many generated ids are tried before asking the operator for one.
const ID_ATTEMPTS: usize = 8;

/// A new notice from a create draft at `now`. `taken` says whether an id is in use (a generated id that is
/// taken is drawn again with the next value of `random`; a given one that is taken is a conflict).
pub fn create(
    draft: CreateNotice,
    now: Timestamp,
    link_hosts: &[String],
    mut taken: impl FnMut(&NoticeId) -> Result<bool, AppError>,
    mut random: impl FnMut() -> u16,
) -> Result<NoticeRecord, AppError> {
    let given_id = draft.id.is_some();
    let notice = draft.into_notice(now, link_hosts, |severity, components| {
        for _ in 0..ID_ATTEMPTS {
            let id = drafts::generate_id(now, severity, components, random())?;
            // A lookup that fails counts as taken: try another rather than risk a clash.
            if !taken(&id).unwrap_or(true) {
                return Ok(id);
            }
        }
        Err(InvalidField::new(
            "id",
            "could not generate a free id; give one",
        ))
    })?;
    if given_id && taken(&notice.id)? {
        return Err(AppError::Conflict(format!(
            "a notice with id `{}` exists; edit it, or pick another id",
            notice.id
        )));
    }
    Ok(NoticeRecord::new(notice))
}

/// `record` after `draft` at `now`. A withdrawn notice cannot change.
pub fn apply(
    mut record: NoticeRecord,
    draft: ChangeDraft,
    now: Timestamp,
    link_hosts: &[String],
) -> Result<NoticeRecord, AppError> {
    if record.state == NoticeState::Withdrawn {
        return Err(AppError::Conflict(format!(
            "notice `{}` was withdrawn and cannot change; post a new notice",
            record.notice.id
        )));
    }
    match draft {
        ChangeDraft::Edit(edit) => {
            record.notice = edit.apply(&record.notice, now, link_hosts)?;
            record.follow_status(now);
        }
        ChangeDraft::Update(update) => {
            record.notice = update.apply(&record.notice, now)?;
            record.follow_status(now);
        }
        ChangeDraft::Resolve(resolve) => {
            record.notice = resolve.apply(&record.notice, now)?;
            record.follow_status(now);
        }
        ChangeDraft::Withdraw => record.state = NoticeState::Withdrawn,
    }
    Ok(record)
}
