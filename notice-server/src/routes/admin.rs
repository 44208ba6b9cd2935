//! Admin endpoints under `/v1/admin/`, behind [`crate::auth::require_token`]. Each write runs
//! [`publish::write`]: the change, the audit row with the operator's token name and the newly signed feed in
//! one transaction.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, response::IntoResponse, response::Response};
use notice_types::{Notice, NoticeId, Timestamp};
use rand::Rng as _;
use rusqlite::Transaction;
use serde::Serialize;

use super::AppError;
use super::extract::{DocumentBody, JsonBody, NoticePath, OptionalJsonBody, QueryParams};
use crate::auth::Operator;
use crate::change::{self, ChangeDraft};
use crate::drafts::{CreateNotice, EditNotice, PostUpdate, Resolve, Withdraw};
use crate::ingest::{self, IngestReport};
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
        let record = change::create(
            draft,
            now,
            &link_hosts(state),
            |id| Ok(notices::exists(tx, id)?),
            || rand::thread_rng().r#gen(),
        )?;
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

/// Applies one change to notice `id` as a write.
async fn change_notice(
    state: &AppState,
    operator: Operator,
    id: &str,
    draft: ChangeDraft,
) -> Result<Json<WriteResponse>, AppError> {
    let id = notice_id(id)?;
    let action = draft.action();
    let response = write_notice(
        state,
        operator,
        action,
        Mode::Commit,
        move |state, tx, now| {
            let record = notices::get(tx, &id)?.ok_or_else(|| not_found(id.as_str()))?;
            let record = change::apply(record, draft, now, &link_hosts(state))?;
            notices::save(tx, &record, now)?;
            Ok(record)
        },
    )
    .await?;
    Ok(Json(response))
}

/// `PATCH /v1/admin/notices/{id}`.
pub async fn edit(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    NoticePath(id): NoticePath,
    JsonBody(edit): JsonBody<EditNotice>,
) -> Result<Json<WriteResponse>, AppError> {
    change_notice(&state, operator, &id, ChangeDraft::Edit(edit)).await
}

/// `POST /v1/admin/notices/{id}/updates`.
pub async fn post_update(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    NoticePath(id): NoticePath,
    JsonBody(update): JsonBody<PostUpdate>,
) -> Result<Json<WriteResponse>, AppError> {
    change_notice(&state, operator, &id, ChangeDraft::Update(update)).await
}

/// `POST /v1/admin/notices/{id}/resolve`.
pub async fn resolve(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    NoticePath(id): NoticePath,
    OptionalJsonBody(resolve): OptionalJsonBody<Resolve>,
) -> Result<Json<WriteResponse>, AppError> {
    change_notice(&state, operator, &id, ChangeDraft::Resolve(resolve)).await
}

/// `POST /v1/admin/notices/{id}/withdraw`.
pub async fn withdraw(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    NoticePath(id): NoticePath,
    OptionalJsonBody(Withdraw {}): OptionalJsonBody<Withdraw>,
) -> Result<Json<WriteResponse>, AppError> {
    change_notice(&state, operator, &id, ChangeDraft::Withdraw).await
}

/// `POST /v1/admin/ingest`: the body is a published document signed offline (break-glass); see
/// [`crate::ingest`]. 200 with the [`IngestReport`]; 409 when its version is not above the server's latest
/// (or it was signed under another root version); 422 `invalid_document` when it does not verify.
pub async fn ingest(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    DocumentBody(bytes): DocumentBody,
) -> Result<Json<IngestReport>, AppError> {
    let actor = operator.name;
    let ingested = state
        .blocking(move |state, conn| {
            ingest::ingest(
                conn,
                &state.data_dir,
                &state.settings,
                &bytes,
                &actor,
                state.clock.now(),
            )
        })
        .await??;
    state.install(&ingested.feed);
    tracing::info!(
        version = ingested.report.feed_version,
        previous = ingested.report.previous_version,
        expired = ingested.report.expired,
        "break-glass document ingested"
    );
    Ok(Json(ingested.report))
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
