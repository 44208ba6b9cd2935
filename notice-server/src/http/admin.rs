//! Admin endpoints under `/v1/admin/`, behind [`crate::http::auth::require_token`]. Each write runs
//! [`publish::write`]: the change, the audit row with the operator's token name and scope and the newly
//! signed feed in one transaction. Routes only admin tokens may call are refused before they get here
//! ([`crate::http::auth::require_admin_scope`]); which notices a watch token may change is checked in
//! [`change_notice`], the one way to an existing notice.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, response::IntoResponse, response::Response};
use notice_publish::change::{self, NoticeChange};
use notice_publish::checks;
use notice_publish::{
    AuditList, ChangeError, CopyList, CreateNotice, EditNotice, IngestReport, NoticeList,
    NoticeRecord, PostUpdate, Resolve, RootPublished, WhoAmI, Withdraw, WriteResponse,
};
use std::collections::BTreeSet;

use notice_types::{Envelope, NoticeId, RootPayload, Timestamp};
use rand::Rng as _;
use rusqlite::Transaction;

use super::AppError;
use super::auth::Operator;
use super::extract::{DocumentBody, JsonBody, NoticePath, OptionalJsonBody, QueryParams};
use super::state::AppState;
use crate::publishing::ingest;
use crate::publishing::{AuditNote, Mode};
use crate::storage::audit::{self, Action};
use crate::storage::notices;

/// Ids in paths that cannot be notice ids cannot name a notice: 404, like any unknown id.
fn notice_id(text: &str) -> Result<NoticeId, AppError> {
    NoticeId::parse(text).map_err(|_| ChangeError::not_found(text).into())
}

/// `?dry_run=true`: do everything, signing included, then roll back; the answer shows what would be
/// published. Every write route takes it, and nothing else.
fn write_mode(query: &QueryParams) -> Result<Mode, AppError> {
    query.only(&["dry_run"])?;
    Ok(if query.flag("dry_run")? {
        Mode::DryRun
    } else {
        Mode::Commit
    })
}

/// The audit action a change is recorded as.
fn action_of(change: &NoticeChange) -> Action {
    match change {
        NoticeChange::Edit(_) => Action::Edit,
        NoticeChange::Update(_) => Action::Update,
        NoticeChange::Resolve(_) => Action::Resolve,
        NoticeChange::Withdraw => Action::Withdraw,
    }
}

/// Runs a change to one notice (`existing`, or a new one) as a write and answers with the record. `change`
/// gets the transaction, the time and the root the feed is signed under (its link hosts apply). The
/// component registry and the cautions ([`checks`]) are judged on the result, in the same transaction.
async fn write_notice(
    state: &AppState,
    operator: Operator,
    action: Action,
    mode: Mode,
    existing: Option<NoticeId>,
    change: impl FnOnce(&Transaction<'_>, Timestamp, &RootPayload) -> Result<NoticeRecord, AppError>
    + Send
    + 'static,
) -> Result<WriteResponse, AppError> {
    // The registry the server signs into its feeds; a change that adds another component is refused.
    let registry = state
        .settings()
        .site
        .as_ref()
        .map(|site| site.components.clone())
        .unwrap_or_default();
    // A copy may be ahead (a break-glass document): take it in first, so this change goes on top of it and
    // its version is above what phones hold. A dry run changes nothing, a take-in included.
    let warnings = match mode {
        Mode::Commit => state.reconcile().await?,
        Mode::DryRun => Vec::new(),
    };
    let (record, feed_version) = state
        .blocking(move |state, conn| {
            state.write(conn, mode, |tx, now, root| {
                let before = match &existing {
                    Some(id) => notices::get(tx, id)?,
                    None => None,
                };
                let others = notices::list(tx, false)?;
                let record = change(tx, now, root)?;
                let before = before.map(|r| r.notice);
                checks::known_components(before.as_ref(), &record.notice, &registry)?;
                let cautions = checks::cautions(before.as_ref(), &record, &others, now);
                let note = AuditNote {
                    actor: operator.actor(),
                    action,
                    notice_id: Some(record.notice.id.clone()),
                };
                Ok::<_, AppError>(((record, cautions), note))
            })
        })
        .await??;
    let (record, cautions) = record;
    tracing::info!(
        notice = %record.notice.id,
        revision = record.notice.revision,
        action = action.as_str(),
        feed_version,
        dry_run = mode == Mode::DryRun,
        "notice written"
    );
    let mut response = WriteResponse::new(record, feed_version);
    response.warnings = warnings;
    response.cautions = cautions;
    Ok(response)
}

/// `POST /v1/admin/notices[?dry_run=true]`.
pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    query: QueryParams,
    JsonBody(draft): JsonBody<CreateNotice>,
) -> Result<Response, AppError> {
    let mode = write_mode(&query)?;
    // Recorded with the notice: a watch token may later change only what it created.
    let creator = operator.actor();
    let response = write_notice(
        &state,
        operator,
        Action::Create,
        mode,
        None,
        move |tx, now, root| {
            let record = change::create(
                draft,
                now,
                &root.link_hosts,
                |id| Ok::<_, AppError>(notices::exists(tx, id)?),
                || rand::thread_rng().r#gen(),
            )?;
            notices::insert(tx, &record, now, Some(&creator))?;
            Ok(record)
        },
    )
    .await?;
    let status = match mode {
        Mode::Commit => StatusCode::CREATED,
        Mode::DryRun => StatusCode::OK,
    };
    Ok((status, Json(response)).into_response())
}

/// `GET /v1/admin/notices[?all=true]`.
pub(crate) async fn list(
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
pub(crate) async fn get(
    State(state): State<AppState>,
    NoticePath(id): NoticePath,
) -> Result<Json<NoticeRecord>, AppError> {
    let id = notice_id(&id)?;
    let lookup = id.clone();
    let record = state
        .blocking(move |_, conn| notices::get(conn, &lookup))
        .await??;
    record
        .map(Json)
        .ok_or_else(|| ChangeError::not_found(id.as_str()).into())
}

/// Applies one change to notice `id` as a write. The one way to an existing notice, so the one place where a
/// watch token is held to the notices it created ([`Operator::may_change`]), in the same transaction as the
/// change.
async fn change_notice(
    state: &AppState,
    operator: Operator,
    query: &QueryParams,
    id: &str,
    change: NoticeChange,
) -> Result<Json<WriteResponse>, AppError> {
    let mode = write_mode(query)?;
    let id = notice_id(id)?;
    let action = action_of(&change);
    let checker = operator.clone();
    let existing = Some(id.clone());
    let response = write_notice(
        state,
        operator,
        action,
        mode,
        existing,
        move |tx, now, root| {
            let creator =
                notices::creator(tx, &id)?.ok_or_else(|| ChangeError::not_found(id.as_str()))?;
            checker.may_change(&id, &creator)?;
            let record =
                notices::get(tx, &id)?.ok_or_else(|| ChangeError::not_found(id.as_str()))?;
            let record = change::apply(record, change, now, &root.link_hosts)?;
            notices::save(tx, &record, now)?;
            Ok(record)
        },
    )
    .await?;
    Ok(Json(response))
}

/// `PATCH /v1/admin/notices/{id}`.
pub(crate) async fn edit(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    NoticePath(id): NoticePath,
    query: QueryParams,
    JsonBody(edit): JsonBody<EditNotice>,
) -> Result<Json<WriteResponse>, AppError> {
    change_notice(&state, operator, &query, &id, NoticeChange::Edit(edit)).await
}

/// `POST /v1/admin/notices/{id}/updates`.
pub(crate) async fn post_update(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    NoticePath(id): NoticePath,
    query: QueryParams,
    JsonBody(update): JsonBody<PostUpdate>,
) -> Result<Json<WriteResponse>, AppError> {
    change_notice(&state, operator, &query, &id, NoticeChange::Update(update)).await
}

/// `POST /v1/admin/notices/{id}/resolve`.
pub(crate) async fn resolve(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    NoticePath(id): NoticePath,
    query: QueryParams,
    OptionalJsonBody(resolve): OptionalJsonBody<Resolve>,
) -> Result<Json<WriteResponse>, AppError> {
    change_notice(
        &state,
        operator,
        &query,
        &id,
        NoticeChange::Resolve(resolve),
    )
    .await
}

/// `POST /v1/admin/notices/{id}/withdraw`.
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    NoticePath(id): NoticePath,
    query: QueryParams,
    OptionalJsonBody(Withdraw {}): OptionalJsonBody<Withdraw>,
) -> Result<Json<WriteResponse>, AppError> {
    change_notice(&state, operator, &query, &id, NoticeChange::Withdraw).await
}

/// `POST /v1/admin/ingest`: the body is a published document signed offline (break-glass); see
/// [`crate::publishing::ingest`]. 200 with the [`IngestReport`]; 409 when its version is not above the
/// server's latest (or it was signed under another root version); 422 `invalid_document` when it does not
/// verify.
pub(crate) async fn ingest(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    query: QueryParams,
    DocumentBody(bytes): DocumentBody,
) -> Result<Json<IngestReport>, AppError> {
    query.only(&["reopen"])?;
    let reopen = reopen_ids(query.get("reopen"))?;
    let actor = operator.actor();
    let ingested = state
        .blocking(move |state, conn| {
            ingest::ingest(
                conn,
                state.publisher.data_dir(),
                state.settings(),
                &bytes,
                &actor,
                state.clock().now(),
                &reopen,
            )
            .inspect(|_| state.refresh_history(conn))
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

/// `POST /v1/admin/root[?dry_run=true]`: root v(N+1) from a root key ceremony (`notice root publish`), as
/// a DSSE envelope. 200 with [`RootPublished`]; 409 when it is not the next version; 422
/// `root_rotation_rejected` when apps would refuse it (too few signatures of v(N) or of its own root keys,
/// a bad signature, another feed), `feed_key_missing` when the server holds no feed key it lists. Nothing
/// is stored unless it succeeds; see [`crate::publishing::root_rotation`].
pub(crate) async fn publish_root(
    State(state): State<AppState>,
    Extension(operator): Extension<Operator>,
    query: QueryParams,
    DocumentBody(bytes): DocumentBody,
) -> Result<Json<RootPublished>, AppError> {
    let mode = write_mode(&query)?;
    let envelope: Envelope = serde_json::from_slice(&bytes).map_err(|e| AppError::InvalidJson {
        status: StatusCode::BAD_REQUEST,
        message: format!(
            "the body must be root v(N+1) as a DSSE envelope (`next` of a rotation file, with its signatures): {e}"
        ),
    })?;
    let actor = operator.actor();
    if mode == Mode::Commit {
        // A copy ahead (a break-glass document) is taken in first, as before any write: the feed signed
        // under the new root must be above what phones already hold.
        for warning in state.reconcile().await? {
            tracing::warn!(%warning, "copies before the root rotation");
        }
    }
    let written = state
        .blocking(move |state, conn| {
            state
                .publisher
                .rotate_root(conn, mode, &envelope, &actor)
                .map_err(AppError::from)
        })
        .await??;
    if mode == Mode::Commit {
        state.install(&written.feed);
        tracing::info!(
            root_version = written.output.root_version,
            feed_version = written.output.feed_version,
            "root rotation published"
        );
    }
    Ok(Json(written.output))
}

/// `?reopen=a,b`: the notices whose document state the operator wants even where the server closed or
/// withdrew them.
fn reopen_ids(list: Option<&str>) -> Result<BTreeSet<NoticeId>, AppError> {
    list.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            NoticeId::parse(id)
                .map_err(|e| AppError::field("reopen", format!("`{id}`: {}", e.reason)))
        })
        .collect()
}

/// `GET /v1/admin/audit[?limit=N]`.
pub(crate) async fn audit_log(
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

/// `GET /v1/admin/copies`: the copies on other providers, as last seen.
pub(crate) async fn copy_list(State(state): State<AppState>) -> Json<CopyList> {
    Json(CopyList {
        copies: state.copies.states(),
    })
}

/// `GET /v1/admin/whoami`.
pub(crate) async fn whoami(Extension(operator): Extension<Operator>) -> Json<WhoAmI> {
    Json(WhoAmI {
        scope: Some(operator.scope.as_str().to_owned()),
        name: operator.name,
    })
}
