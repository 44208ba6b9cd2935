//! The schema in one place: its version and the steps that bring an older database up to date.
//!
//! The version lives in SQLite's `user_version`. Each step runs in its own transaction together with the
//! version bump, so a crash mid-upgrade leaves the file at the previous version, never in between. Steps are
//! only ever appended; a released step is never edited.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use super::StoreError;

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: u32 = UPGRADES.len() as u32;

/// `UPGRADES[n]` takes a database from version `n` to `n + 1`.
const UPGRADES: &[&str] = &[
    // 0 → 1: the initial schema.
    r#"
    CREATE TABLE notices (
        id           TEXT PRIMARY KEY,
        -- The notice as notice-types serializes it, without its updates (those are in notice_updates).
        notice_json  TEXT NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('active', 'resolved', 'withdrawn')),
        -- Unix seconds when it was resolved/completed; retention in the feed counts from here.
        closed_at    INTEGER,
        created_at   INTEGER NOT NULL,
        changed_at   INTEGER NOT NULL
    );

    CREATE TABLE notice_updates (
        notice_id     TEXT NOT NULL REFERENCES notices(id),
        seq           INTEGER NOT NULL,
        at            INTEGER NOT NULL,
        status        TEXT NOT NULL,
        message_json  TEXT NOT NULL,
        PRIMARY KEY (notice_id, seq)
    );
    -- The timeline is what users were told; it is never rewritten.
    CREATE TRIGGER notice_updates_no_update BEFORE UPDATE ON notice_updates
        BEGIN SELECT RAISE(ABORT, 'notice_updates is append-only'); END;
    CREATE TRIGGER notice_updates_no_delete BEFORE DELETE ON notice_updates
        BEGIN SELECT RAISE(ABORT, 'notice_updates is append-only'); END;

    CREATE TABLE tokens (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL,
        -- SHA-256 of the token; the token itself is never stored.
        sha256        BLOB NOT NULL UNIQUE CHECK (length(sha256) = 32),
        created_at    INTEGER NOT NULL,
        last_used_at  INTEGER,
        revoked_at    INTEGER
    );
    CREATE UNIQUE INDEX tokens_one_active_per_name ON tokens(name) WHERE revoked_at IS NULL;

    CREATE TABLE audit (
        id            INTEGER PRIMARY KEY,
        at            INTEGER NOT NULL,
        actor         TEXT NOT NULL,
        action        TEXT NOT NULL,
        notice_id     TEXT,
        feed_version  INTEGER
    );

    CREATE TABLE roots (
        version     INTEGER PRIMARY KEY CHECK (version >= 1),
        envelope    BLOB NOT NULL,
        created_at  INTEGER NOT NULL
    );

    CREATE TABLE published_feeds (
        version     INTEGER PRIMARY KEY CHECK (version >= 1),
        bytes       BLOB NOT NULL,
        issued_at   INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        -- When a resolved notice in this document passes its retention: publish again then.
        refresh_at  INTEGER,
        created_at  INTEGER NOT NULL
    );
    "#,
    // 1 → 2: token scopes (`notice-server token create --scope watch`), who created each notice (a watch
    // token may change only its own), and the scope of each audit row's actor. Tokens from before are
    // admin tokens, and so every notice created through the admin API until now was created by one: the
    // audit log's `create` row names it. Notices without a creator came from a document (break-glass
    // ingest, a copy taken in, recover): no token made them.
    r#"
    ALTER TABLE tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'admin' CHECK (scope IN ('admin', 'watch'));
    ALTER TABLE notices ADD COLUMN created_by TEXT;
    ALTER TABLE notices ADD COLUMN created_scope TEXT CHECK (created_scope IN ('admin', 'watch'));
    ALTER TABLE audit ADD COLUMN scope TEXT CHECK (scope IN ('admin', 'watch'));
    UPDATE notices
       SET created_by = (SELECT actor FROM audit
                          WHERE audit.action = 'create' AND audit.notice_id = notices.id
                          ORDER BY audit.id LIMIT 1),
           created_scope = 'admin'
     WHERE EXISTS (SELECT 1 FROM audit WHERE audit.action = 'create' AND audit.notice_id = notices.id);
    -- Rows of the server itself (`system…`) and its command line (`local`) have no token, so no scope.
    UPDATE audit SET scope = 'admin' WHERE actor <> 'local' AND actor NOT LIKE 'system%';
    "#,
];

/// Opens the database at `path` with the durability settings, creating and upgrading it as needed.
pub(crate) fn open(path: &Path) -> Result<Connection, StoreError> {
    let opened = (|| {
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        upgrade(&mut conn)?;
        Ok(conn)
    })();
    opened.map_err(|e| what_is_wrong(e, path))
}

/// SQLite's codes for a damaged or unwritable file, as the errors that say what to do about it.
fn what_is_wrong(error: StoreError, path: &Path) -> StoreError {
    use rusqlite::ErrorCode;
    let StoreError::Sqlite(rusqlite::Error::SqliteFailure(failure, detail)) = &error else {
        return error;
    };
    let detail = detail.clone().unwrap_or_else(|| failure.to_string());
    match failure.code {
        ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreError::Damaged {
            path: path.to_owned(),
            detail,
        },
        ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied => {
            StoreError::NotWritable {
                path: path.to_owned(),
                detail,
            }
        }
        _ => error,
    }
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    // WAL: readers of other processes do not block the writer. synchronous=FULL: a commit is on disk before
    // the server answers 2xx, so an acknowledged notice survives kill -9 and power loss.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // The CLI and the server may write at the same moment; wait for the other instead of failing.
    conn.busy_timeout(Duration::from_secs(10))?;
    Ok(())
}

/// Applies every step the database has not seen yet.
pub(crate) fn upgrade(conn: &mut Connection) -> Result<(), StoreError> {
    let found: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (from, step) in UPGRADES.iter().enumerate().skip(found as usize) {
        let tx = super::write_tx(conn)?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", from as u32 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_gets_the_current_schema_and_durable_settings() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(&dir.path().join("t.db")).unwrap();
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "synchronous=FULL");
    }

    #[test]
    fn reopening_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(open(&path).unwrap());
        assert!(open(&path).is_ok());
    }

    #[test]
    fn a_database_from_a_newer_build_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        let err = open(&path).unwrap_err();
        assert!(matches!(err, StoreError::SchemaTooNew { .. }), "{err}");
        assert!(err.to_string().contains("newer notice-server"));
    }

    #[test]
    fn the_scope_step_makes_old_tokens_admin_and_finds_who_created_old_notices() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        // A database of schema version 1, as the previous build left it.
        let tx = conn.transaction().unwrap();
        tx.execute_batch(UPGRADES[0]).unwrap();
        tx.pragma_update(None, "user_version", 1).unwrap();
        tx.commit().unwrap();
        conn.execute_batch(
            "INSERT INTO tokens (name, sha256, created_at) VALUES ('alice', zeroblob(32), 0);
             INSERT INTO notices (id, notice_json, state, created_at, changed_at) VALUES ('posted', '{}', 'active', 0, 0);
             INSERT INTO notices (id, notice_json, state, created_at, changed_at) VALUES ('ingested', '{}', 'active', 0, 0);
             INSERT INTO audit (at, actor, action, notice_id) VALUES (0, 'alice', 'create', 'posted');
             INSERT INTO audit (at, actor, action) VALUES (0, 'system', 'heartbeat');
             INSERT INTO audit (at, actor, action) VALUES (0, 'system (copy /srv/x)', 'ingest');
             INSERT INTO audit (at, actor, action) VALUES (0, 'local', 'token_create');",
        )
        .unwrap();
        upgrade(&mut conn).unwrap();
        let scope: String = conn
            .query_row("SELECT scope FROM tokens", [], |r| r.get(0))
            .unwrap();
        assert_eq!(scope, "admin");
        let creators: Vec<(String, Option<String>, Option<String>)> = conn
            .prepare("SELECT id, created_by, created_scope FROM notices ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            creators,
            [
                ("ingested".to_owned(), None, None),
                (
                    "posted".to_owned(),
                    Some("alice".to_owned()),
                    Some("admin".to_owned())
                )
            ]
        );
        let scopes: Vec<Option<String>> = conn
            .prepare("SELECT scope FROM audit ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(scopes, [Some("admin".to_owned()), None, None, None]);
    }

    #[test]
    fn updates_are_append_only() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(&dir.path().join("t.db")).unwrap();
        conn.execute(
            "INSERT INTO notices (id, notice_json, state, created_at, changed_at) VALUES ('n', '{}', 'active', 0, 0)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO notice_updates (notice_id, seq, at, status, message_json) VALUES ('n', 0, 0, 'identified', '{}')",
            [],
        )
        .unwrap();
        let err = conn
            .execute("UPDATE notice_updates SET status = 'resolved'", [])
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
        let err = conn.execute("DELETE FROM notice_updates", []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
    }
}
