//! Admin endpoints under `/v1/admin/`, behind [`crate::auth::require_token`]. Each write runs
//! [`publish::write`]: the change, the audit row with the operator's token name and the newly signed feed in
//! one transaction.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, response::IntoResponse, response::Response};
use notice_types::{InvalidField, Notice, NoticeId, Timestamp};
use rand::Rng as _;
use rusqlite::Transaction;
use serde::Serialize;

use super::AppError;
use super::extract::{JsonBody, NoticePath, OptionalJsonBody, QueryParams};
use crate::auth::Operator;
use crate::drafts::{self, CreateNotice, EditNotice, PostUpdate, Resolve, Withdraw};
use crate::publish::{self, AuditNote, Mode};
use crate::state::AppState;
use crate::store::audit::{self, Action, AuditEntry};
use crate::store::notices::{self, NoticeRecord, NoticeState};

/// A write's answer: the record and the feed version that carries it.
#[derive(Debug, Serialize)]
pub struct WriteResponse {
    /// The notice after the change.
    pub notice: Notice,
    /// Its state.
    pub state: NoticeState,
    /// The feed version carrying it (for a dry run: the version it would get).
    pub feed_version: u64,
}

/// `{"notices": […]}`.
#[derive(Debug, Serialize)]
pub struct NoticeList {
    /// Records, newest first.
    pub notices: Vec<NoticeRecord>,
}

/// `{"entries": […]}`.
#[derive(Debug, Serialize)]
pub struct AuditList {
    /// Entries, newest first.
    pub entries: Vec<AuditEntry>,
}

/// `{"name": …}`.
#[derive(Debug, Serialize)]
pub struct WhoAmI {
    /// The token's name.
    pub name: String,
}

/// Ids in paths that cannot be notice ids cannot name a notice: 404, like any unknown id.
fn notice_id(text: &str) -> Result<NoticeId, AppError> {
    NoticeId::parse(text).map_err(|_| not_found(text))
}

fn not_found(id: &str) -> AppError {
    let shown: String = id.chars().take(64).collect();
    AppError::NotFound(format!("no notice `{}`", shown.escape_debug()))
}

/// Loads a notice for a change; withdrawn notices cannot change.
fn load_for_change(tx: &Transaction<'_>, id: &NoticeId) -> Result<NoticeRecord, AppError> {
    let record = notices::get(tx, id)?.ok_or_else(|| not_found(id.as_str()))?;
    if record.state == NoticeState::Withdrawn {
        return Err(AppError::Conflict(format!(
            "notice `{id}` was withdrawn and cannot change; post a new notice"
        )));
    }
    Ok(record)
}

fn link_hosts(state: &AppState) -> Vec<String> {
    state.signer().root().link_hosts.clone()
}

/// Runs a change to one notice as a write and answers with the record.
async fn write_notice(
    state: &AppState,
    operator: Operator,
    action: Action,
    mode: Mode,
    change: impl FnOnce(&AppState, &Transaction<'_>, Timestamp) -> Result<NoticeRecord, AppError>
    + Send
    + 'static,
) -> Result<WriteResponse, AppError> {
    let (record, feed_version) = state
        .blocking(move |state, conn| {
            publish::write(state, conn, mode, |tx, now| {
                let record = change(state, tx, now)?;
                let note = AuditNote {
                    actor: operator.name,
                    action,
                    notice_id: Some(record.notice.id.clone()),
                };
                Ok::<_, AppError>((record, note))
            })
        })
        .await??;
    tracing::info!(
        notice = %record.notice.id,
        revision = record.notice.revision,
        action = action.as_str(),
        feed_version,
        dry_run = mode == Mode::DryRun,
        "notice written"
    );
    Ok(WriteResponse {
        notice: record.notice,
        state: record.state,
        feed_version,
    })
}

/// `POST /v1/admin/notices[?dry_run=true]`.
pub async fn create(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    query: QueryParams,
    JsonBody(draft): JsonBody<CreateNotice>,
) -> Result<Response, AppError> {
    query.only(&["dry_run"])?;
    let mode = if query.flag("dry_run")? {
        Mode::DryRun
    } else {
        Mode::Commit
    };
    let response = write_notice(&state, operator, Action::Create, mode, |state, tx, now| {
        let hosts = link_hosts(state);
        let given_id = draft.id.is_some();
        let notice = draft.into_notice(now, &hosts, |severity, components| {
            // 16 random bits make a clash unlikely; try a few before giving up.
            for _ in 0..8 {
                let id =
                    drafts::generate_id(now, severity, components, rand::thread_rng().r#gen())?;
                if !notices::exists(tx, &id).unwrap_or(true) {
                    return Ok(id);
                }
            }
            Err(InvalidField::new(
                "id",
                "could not generate a free id; give one",
            ))
        })?;
        if given_id && notices::exists(tx, &notice.id)? {
            return Err(AppError::Conflict(format!(
                "a notice with id `{}` exists; edit it, or pick another id",
                notice.id
            )));
        }
        let record = NoticeRecord::new(notice);
        notices::insert(tx, &record, now)?;
        Ok(record)
    })
    .await?;
    let status = match mode {
        Mode::Commit => StatusCode::CREATED,
        Mode::DryRun => StatusCode::OK,
    };
    Ok((status, Json(response)).into_response())
}

/// `GET /v1/admin/notices[?all=true]`.
pub async fn list(
    State(state): State<AppState>,
    query: QueryParams,
) -> Result<Json<NoticeList>, AppError> {
    query.only(&["all"])?;
    let all = query.flag("all")?;
    let notices = state
        .blocking(move |_, conn| notices::list(conn, all))
        .await??;
    Ok(Json(NoticeList { notices }))
}

/// `GET /v1/admin/notices/{id}`.
pub async fn get(
    State(state): State<AppState>,
    NoticePath(id): NoticePath,
) -> Result<Json<NoticeRecord>, AppError> {
    let id = notice_id(&id)?;
    let lookup = id.clone();
    let record = state
        .blocking(move |_, conn| notices::get(conn, &lookup))
        .await??;
    record.map(Json).ok_or_else(|| not_found(id.as_str()))
}

/// `PATCH /v1/admin/notices/{id}`.
pub async fn edit(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    NoticePath(id): NoticePath,
    JsonBody(edit): JsonBody<EditNotice>,
) -> Result<Json<WriteResponse>, AppError> {
    let id = notice_id(&id)?;
    let response = write_notice(
        &state,
        operator,
        Action::Edit,
        Mode::Commit,
        move |state, tx, now| {
            let mut record = load_for_change(tx, &id)?;
            record.notice = edit.apply(&record.notice, now, &link_hosts(state))?;
            record.follow_status(now);
            notices::save(tx, &record, now)?;
            Ok(record)
        },
    )
    .await?;
    Ok(Json(response))
}

/// `POST /v1/admin/notices/{id}/updates`.
pub async fn post_update(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    NoticePath(id): NoticePath,
    JsonBody(update): JsonBody<PostUpdate>,
) -> Result<Json<WriteResponse>, AppError> {
    let id = notice_id(&id)?;
    let response = write_notice(
        &state,
        operator,
        Action::Update,
        Mode::Commit,
        move |_, tx, now| {
            let mut record = load_for_change(tx, &id)?;
            record.notice = update.apply(&record.notice, now)?;
            record.follow_status(now);
            notices::save(tx, &record, now)?;
            Ok(record)
        },
    )
    .await?;
    Ok(Json(response))
}

/// `POST /v1/admin/notices/{id}/resolve`.
pub async fn resolve(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    NoticePath(id): NoticePath,
    OptionalJsonBody(resolve): OptionalJsonBody<Resolve>,
) -> Result<Json<WriteResponse>, AppError> {
    let id = notice_id(&id)?;
    let response = write_notice(
        &state,
        operator,
        Action::Resolve,
        Mode::Commit,
        move |_, tx, now| {
            let mut record = load_for_change(tx, &id)?;
            record.notice = resolve.apply(&record.notice, now)?;
            record.follow_status(now);
            notices::save(tx, &record, now)?;
            Ok(record)
        },
    )
    .await?;
    Ok(Json(response))
}

/// `POST /v1/admin/notices/{id}/withdraw`.
pub async fn withdraw(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    NoticePath(id): NoticePath,
    OptionalJsonBody(Withdraw {}): OptionalJsonBody<Withdraw>,
) -> Result<Json<WriteResponse>, AppError> {
    let id = notice_id(&id)?;
    let response = write_notice(
        &state,
        operator,
        Action::Withdraw,
        Mode::Commit,
        move |_, tx, now| {
            let mut record = load_for_change(tx, &id)?;
            record.state = NoticeState::Withdrawn;
            notices::save(tx, &record, now)?;
            Ok(record)
        },
    )
    .await?;
    Ok(Json(response))
}

/// `GET /v1/admin/audit[?limit=N]`.
pub async fn audit_log(
    State(state): State<AppState>,
    query: QueryParams,
) -> Result<Json<AuditList>, AppError> {
    query.only(&["limit"])?;
    let limit = query.number("limit", 100, 1, 1000)?;
    let entries = state
        .blocking(move |_, conn| audit::list(conn, limit))
        .await??;
    Ok(Json(AuditList { entries }))
}

/// `GET /v1/admin/whoami`.
pub async fn whoami(Extension(operator): Extension<Operator>) -> Json<WhoAmI> {
    Json(WhoAmI {
        name: operator.name,
    })
}
