//! Notices and their append-only timelines.
//!
//! A notice row holds the current revision (as notice-types JSON, without the timeline) and its state; the
//! timeline lives in `notice_updates`, which only ever grows ([`save`] appends what is new).

use notice_publish::{NoticeRecord, NoticeState};
use notice_types::{LocalizedText, Notice, NoticeId, Status, Timestamp, Update};
use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;
use super::audit::Actor;
use super::tokens::{Scope, parse_scope};

/// Who created a notice, as far as the store knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Creator {
    /// A token of the admin API, by name and scope.
    Token {
        /// The token's name.
        name: String,
        /// Its scope.
        scope: Scope,
    },
    /// No token: the notice came in with a published document (a break-glass ingest, a copy taken in,
    /// `recover`).
    Document,
}

/// Who created notice `id`; `None` when there is no such notice.
pub(crate) fn creator(conn: &Connection, id: &NoticeId) -> Result<Option<Creator>, StoreError> {
    let row: Option<(Option<String>, Option<String>)> = conn
        .query_row(
            "SELECT created_by, created_scope FROM notices WHERE id = ?1",
            [id.as_str()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    row.map(|(name, scope)| match (name, scope) {
        (Some(name), Some(scope)) => Ok(Creator::Token {
            name,
            scope: parse_scope(&scope)?,
        }),
        _ => Ok(Creator::Document),
    })
    .transpose()
}

/// Whether a notice with this id exists (in any state).
pub(crate) fn exists(conn: &Connection, id: &NoticeId) -> Result<bool, StoreError> {
    Ok(conn
        .query_row("SELECT 1 FROM notices WHERE id = ?1", [id.as_str()], |_| {
            Ok(())
        })
        .optional()?
        .is_some())
}

/// The notice with `id`, if any.
pub(crate) fn get(conn: &Connection, id: &NoticeId) -> Result<Option<NoticeRecord>, StoreError> {
    let row = conn
        .query_row(
            "SELECT notice_json, state, closed_at FROM notices WHERE id = ?1",
            [id.as_str()],
            read_row,
        )
        .optional()?;
    row.map(|row| assemble(conn, row)).transpose()
}

/// All notices (`all`) or only the active ones, newest first.
pub(crate) fn list(conn: &Connection, all: bool) -> Result<Vec<NoticeRecord>, StoreError> {
    let sql = if all {
        "SELECT notice_json, state, closed_at FROM notices ORDER BY created_at DESC, id"
    } else {
        "SELECT notice_json, state, closed_at FROM notices WHERE state = 'active' ORDER BY created_at DESC, id"
    };
    query(conn, sql, params![])
}

/// The notices a feed published at `now` carries: every active one, and resolved ones closed after
/// `retention_cutoff`. Withdrawn notices never.
pub(crate) fn in_feed(
    conn: &Connection,
    retention_cutoff: Timestamp,
) -> Result<Vec<NoticeRecord>, StoreError> {
    query(
        conn,
        "SELECT notice_json, state, closed_at FROM notices
         WHERE state = 'active' OR (state = 'resolved' AND closed_at > ?1)
         ORDER BY created_at, id",
        params![retention_cutoff.unix()],
    )
}

/// The notices the history page may show: resolved ones closed after `since`, and active ones (whose
/// window may have ended: the page decides). Withdrawn notices never.
pub(crate) fn history(
    conn: &Connection,
    since: Timestamp,
) -> Result<Vec<NoticeRecord>, StoreError> {
    query(
        conn,
        "SELECT notice_json, state, closed_at FROM notices
         WHERE state = 'active' OR (state = 'resolved' AND closed_at > ?1)
         ORDER BY closed_at DESC, id",
        params![since.unix()],
    )
}

/// Stores a new notice and its timeline. `created_by` is the token that created it through the admin API;
/// `None` for a notice that came in with a published document.
pub(crate) fn insert(
    conn: &Connection,
    record: &NoticeRecord,
    now: Timestamp,
    created_by: Option<&Actor>,
) -> Result<(), StoreError> {
    let (name, scope) = match created_by {
        Some(Actor {
            name,
            scope: Some(scope),
        }) => (Some(name.as_str()), Some(scope.as_str())),
        _ => (None, None),
    };
    conn.execute(
        "INSERT INTO notices (id, notice_json, state, closed_at, created_at, changed_at, created_by, created_scope)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)",
        params![
            record.notice.id.as_str(),
            notice_json(&record.notice)?,
            record.state.as_str(),
            record.closed_at.map(Timestamp::unix),
            now.unix(),
            name,
            scope,
        ],
    )?;
    append_updates(conn, &record.notice, 0)
}

/// Stores a changed notice: the new revision replaces the row, updates not stored yet are appended.
pub(crate) fn save(
    conn: &Connection,
    record: &NoticeRecord,
    now: Timestamp,
) -> Result<(), StoreError> {
    let changed = conn.execute(
        "UPDATE notices SET notice_json = ?2, state = ?3, closed_at = ?4, changed_at = ?5 WHERE id = ?1",
        params![
            record.notice.id.as_str(),
            notice_json(&record.notice)?,
            record.state.as_str(),
            record.closed_at.map(Timestamp::unix),
            now.unix(),
        ],
    )?;
    if changed != 1 {
        return Err(StoreError::corrupt(
            "notice",
            format!("{} vanished while being changed", record.notice.id),
        ));
    }
    let stored: u64 = conn.query_row(
        "SELECT count(*) FROM notice_updates WHERE notice_id = ?1",
        [record.notice.id.as_str()],
        |row| row.get(0),
    )?;
    if stored > record.notice.updates.len() as u64 {
        return Err(StoreError::corrupt(
            "timeline",
            format!("{} would lose updates", record.notice.id),
        ));
    }
    append_updates(conn, &record.notice, stored)
}

fn append_updates(conn: &Connection, notice: &Notice, from: u64) -> Result<(), StoreError> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO notice_updates (notice_id, seq, at, status, message_json) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (seq, update) in notice.updates.iter().enumerate().skip(from as usize) {
        let message = serde_json::to_string(&update.message)
            .map_err(|e| StoreError::corrupt("update message", e))?;
        insert.execute(params![
            notice.id.as_str(),
            seq as u64,
            update.at.unix(),
            update.status.as_str(),
            message
        ])?;
    }
    Ok(())
}

/// The notice without its timeline, which is stored row by row.
fn notice_json(notice: &Notice) -> Result<String, StoreError> {
    let mut bare = notice.clone();
    bare.updates.clear();
    serde_json::to_string(&bare).map_err(|e| StoreError::corrupt("notice", e))
}

type Row = (String, String, Option<i64>);

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

fn query(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<NoticeRecord>, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement
        .query_map(params, read_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(|row| assemble(conn, row)).collect()
}

fn assemble(conn: &Connection, (json, state, closed_at): Row) -> Result<NoticeRecord, StoreError> {
    let mut notice: Notice =
        serde_json::from_str(&json).map_err(|e| StoreError::corrupt("notice", e))?;
    notice.updates = updates(conn, &notice.id)?;
    Ok(NoticeRecord {
        notice,
        state: parse_state(&state)?,
        closed_at: closed_at.map(Timestamp::from_unix),
    })
}

fn updates(conn: &Connection, id: &NoticeId) -> Result<Vec<Update>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT at, status, message_json FROM notice_updates WHERE notice_id = ?1 ORDER BY seq",
    )?;
    let rows = statement
        .query_map([id.as_str()], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(at, status, message)| {
            let status: Status = serde_json::from_value(serde_json::Value::String(status))
                .map_err(|e| StoreError::corrupt("update status", e))?;
            let message: LocalizedText = serde_json::from_str(&message)
                .map_err(|e| StoreError::corrupt("update message", e))?;
            Ok(Update {
                at: Timestamp::from_unix(at),
                status,
                message,
            })
        })
        .collect()
}

fn parse_state(text: &str) -> Result<NoticeState, StoreError> {
    text.parse()
        .map_err(|e: String| StoreError::corrupt("notice state", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use notice_tests::NoticeBuilder;
    use notice_types::Severity;

    fn notice(id: &str) -> Notice {
        NoticeBuilder::new(id, Severity::Outage)
            .english("Down", "PIN checks fail.")
            .posted_at(Timestamp::from_unix(1_000))
            .build()
    }

    fn db() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::schema::open(&dir.path().join("t.db")).unwrap();
        (dir, conn)
    }

    #[test]
    fn a_saved_notice_reads_back_with_its_timeline() {
        let (_dir, conn) = db();
        let now = Timestamp::from_unix(1_000);
        let mut record = NoticeRecord::new(notice("a"));
        insert(&conn, &record, now, None).unwrap();
        record.notice.updates.push(Update {
            at: now,
            status: Status::Identified,
            message: LocalizedText::english("Found it."),
        });
        record.notice.revision = 2;
        save(&conn, &record, now).unwrap();
        assert_eq!(
            get(&conn, &record.notice.id).unwrap().unwrap(),
            record.clone()
        );
        // Saving again appends nothing new.
        save(&conn, &record, now).unwrap();
        assert_eq!(get(&conn, &record.notice.id).unwrap().unwrap(), record);
    }

    #[test]
    fn the_creator_is_the_token_that_created_it_or_a_document() {
        let (_dir, conn) = db();
        let now = Timestamp::from_unix(1_000);
        let watchdog = Actor::token("watchdog", Scope::Watch);
        insert(
            &conn,
            &NoticeRecord::new(notice("posted")),
            now,
            Some(&watchdog),
        )
        .unwrap();
        insert(&conn, &NoticeRecord::new(notice("ingested")), now, None).unwrap();
        let id = |text: &str| NoticeId::parse(text).unwrap();
        assert_eq!(
            creator(&conn, &id("posted")).unwrap(),
            Some(Creator::Token {
                name: "watchdog".to_owned(),
                scope: Scope::Watch
            })
        );
        assert_eq!(
            creator(&conn, &id("ingested")).unwrap(),
            Some(Creator::Document)
        );
        assert_eq!(creator(&conn, &id("missing")).unwrap(), None);
    }

    #[test]
    fn the_feed_keeps_resolved_notices_for_the_retention_only() {
        let (_dir, conn) = db();
        let now = Timestamp::from_unix(1_000);
        insert(&conn, &NoticeRecord::new(notice("open")), now, None).unwrap();
        let mut resolved = NoticeRecord::new(notice("closed"));
        resolved.notice.status = Status::Resolved;
        resolved.follow_status(Timestamp::from_unix(500));
        insert(&conn, &resolved, now, None).unwrap();
        let mut withdrawn = NoticeRecord::new(notice("gone"));
        withdrawn.state = NoticeState::Withdrawn;
        insert(&conn, &withdrawn, now, None).unwrap();

        let ids = |cutoff| {
            in_feed(&conn, Timestamp::from_unix(cutoff))
                .unwrap()
                .into_iter()
                .map(|r| r.notice.id.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(499), ["closed", "open"]);
        assert_eq!(ids(500), ["open"]);
        assert_eq!(list(&conn, false).unwrap().len(), 1);
        assert_eq!(list(&conn, true).unwrap().len(), 3);
    }

    #[test]
    fn reopening_a_resolved_notice_makes_it_active_again() {
        let mut record = NoticeRecord::new(notice("a"));
        record.notice.status = Status::Resolved;
        record.follow_status(Timestamp::from_unix(5));
        assert_eq!(record.state, NoticeState::Resolved);
        assert_eq!(record.closed_at, Some(Timestamp::from_unix(5)));
        record.notice.status = Status::Investigating;
        record.follow_status(Timestamp::from_unix(6));
        assert_eq!(record.state, NoticeState::Active);
        assert_eq!(record.closed_at, None);
    }
}
