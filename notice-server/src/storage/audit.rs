//! The audit log: who did what, when, and which feed version carried it.

use notice_publish::AuditEntry;
use notice_types::{NoticeId, Timestamp};
use rusqlite::{Connection, params};

use super::StoreError;
use super::tokens::Scope;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Data directory created.
    Init,
    /// Notice created.
    Create,
    /// Timeline entry appended.
    Update,
    /// Notice fields edited.
    Edit,
    /// Notice resolved or completed.
    Resolve,
    /// Notice taken out of the feed.
    Withdraw,
    /// Feed re-signed because time passed.
    Heartbeat,
    /// Feed re-published because a resolved notice passed its retention.
    Retention,
    /// Admin token created.
    TokenCreate,
    /// Admin token revoked.
    TokenRevoke,
    /// New feed key and root version.
    RotateFeedKey,
    /// Root v(N+1) from a root key ceremony published.
    RotateRoot,
    /// A document signed offline (break-glass) was taken in.
    Ingest,
    /// The database was restored from a backup.
    Restore,
    /// The data directory was rebuilt from a published document and the keys.
    Recover,
}

impl Action {
    /// The stored and wire name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Action::Init => "init",
            Action::Create => "create",
            Action::Update => "update",
            Action::Edit => "edit",
            Action::Resolve => "resolve",
            Action::Withdraw => "withdraw",
            Action::Heartbeat => "heartbeat",
            Action::Retention => "retention",
            Action::TokenCreate => "token_create",
            Action::TokenRevoke => "token_revoke",
            Action::RotateFeedKey => "rotate_feed_key",
            Action::RotateRoot => "rotate_root",
            Action::Ingest => "ingest",
            Action::Restore => "restore",
            Action::Recover => "recover",
        }
    }
}

/// Who did something: a token (its name and scope), or the server itself (`system…`) or its command line
/// (`local`), which have no token and so no scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The token's name, `system…` or `local`.
    pub name: String,
    /// The token's scope; none without a token.
    pub scope: Option<Scope>,
}

impl Actor {
    /// An actor without a token: the server itself or its command line.
    pub fn untokened(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            scope: None,
        }
    }

    /// The holder of the token `name` of `scope`.
    pub fn token(name: impl Into<String>, scope: Scope) -> Self {
        Self {
            name: name.into(),
            scope: Some(scope),
        }
    }
}

/// Appends a row.
pub(crate) fn record(
    conn: &Connection,
    at: Timestamp,
    actor: &Actor,
    action: Action,
    notice_id: Option<&NoticeId>,
    feed_version: Option<u64>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit (at, actor, scope, action, notice_id, feed_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            at.unix(),
            actor.name,
            actor.scope.map(Scope::as_str),
            action.as_str(),
            notice_id.map(NoticeId::as_str),
            feed_version
        ],
    )?;
    Ok(())
}

/// The feed version the data directory came back at, when its newest restore or recovery is its newest
/// news: the version the last `restore` or `recover` row names.
pub(crate) fn resumed_at(conn: &Connection) -> Result<Option<u64>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT feed_version FROM audit WHERE action IN ('restore', 'recover') ORDER BY id DESC LIMIT 1",
    )?;
    let mut rows = statement.query([])?;
    Ok(match rows.next()? {
        Some(row) => row.get(0)?,
        None => None,
    })
}

/// The newest `limit` rows, newest first.
pub(crate) fn list(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT id, at, actor, scope, action, notice_id, feed_version FROM audit ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = statement.query_map([limit], |row| {
        Ok(AuditEntry {
            id: row.get(0)?,
            at: Timestamp::from_unix(row.get(1)?),
            actor: row.get(2)?,
            scope: row.get(3)?,
            action: row.get(4)?,
            notice_id: row.get(5)?,
            feed_version: row.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_lists_newest_first_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::schema::open(&dir.path().join("t.db")).unwrap();
        let id = NoticeId::parse("n").unwrap();
        record(
            &conn,
            Timestamp::from_unix(1),
            &Actor::token("alice", Scope::Watch),
            Action::Create,
            Some(&id),
            Some(2),
        )
        .unwrap();
        record(
            &conn,
            Timestamp::from_unix(2),
            &Actor::untokened("system"),
            Action::Heartbeat,
            None,
            Some(3),
        )
        .unwrap();
        let entries = list(&conn, 10).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].action, "heartbeat");
        assert_eq!(entries[1].actor, "alice");
        assert_eq!(entries[1].scope.as_deref(), Some("watch"));
        assert_eq!(entries[0].scope, None);
        assert_eq!(entries[1].notice_id.as_deref(), Some("n"));
        assert_eq!(list(&conn, 1).unwrap().len(), 1);
    }
}
