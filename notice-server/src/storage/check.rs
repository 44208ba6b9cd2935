//! Whether the database is whole and writable. A server that serves its feed while every write fails is
//! worse than one that says so: its health looks fine until an operator needs it. `serve` runs [`check`]
//! before it starts, the readiness check ([`probe`], repeated) keeps asking while it runs, and a write or
//! token check that fails for the server's own reasons runs [`check`] at once.

use std::path::Path;

use rusqlite::{Connection, MAIN_DB};

use super::StoreError;

/// SQLite's structural check of every page (`PRAGMA quick_check`: b-trees, free list, record formats; not the
/// index-to-table cross-check, which would take long on a big file), then [`probe`].
pub(crate) fn check(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let damaged = |detail: String| StoreError::Damaged {
        path: path.to_owned(),
        detail,
    };
    let mut statement = conn
        .prepare("PRAGMA quick_check(5)")
        .map_err(|e| damaged(e.to_string()))?;
    let findings: Vec<String> = statement
        .query_map([], |row| row.get::<_, String>(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| damaged(e.to_string()))?;
    drop(statement);
    if findings != ["ok"] {
        return Err(damaged(findings.join("; ")));
    }
    probe(conn, path)
}

/// Writes and commits (the schema version, unchanged), so a read-only file, directory or disk shows now
/// rather than at an operator's next change.
pub(crate) fn probe(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    // A damaged file is not a permissions problem: say which it is, so the advice fits.
    let failed = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
            StoreError::Damaged {
                path: path.to_owned(),
                detail: e.to_string(),
            }
        }
        _ => StoreError::NotWritable {
            path: path.to_owned(),
            detail: e.to_string(),
        },
    };
    if conn.is_readonly(MAIN_DB).unwrap_or(true) {
        return Err(StoreError::NotWritable {
            path: path.to_owned(),
            detail: "opened read-only".to_owned(),
        });
    }
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(failed)?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(failed)?;
    tx.pragma_update(None, "user_version", version)
        .map_err(failed)?;
    tx.commit().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_writable_database_passes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.db");
        let mut conn = super::super::schema::open(&path).unwrap();
        check(&mut conn, &path).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_database_is_reported_as_such() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.db");
        drop(super::super::schema::open(&path).unwrap());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        // Root ignores file permissions; a read-only open is the same situation for SQLite.
        let mut conn =
            Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let err = check(&mut conn, &path).unwrap_err();
        assert!(matches!(err, StoreError::NotWritable { .. }), "{err}");
        assert!(err.to_string().contains("writable"), "{err}");
    }

    #[test]
    fn damaged_pages_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.db");
        {
            let conn = super::super::schema::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE filler (x BLOB); INSERT INTO filler SELECT randomblob(4000) FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 50) SELECT n FROM c); PRAGMA wal_checkpoint(TRUNCATE);",
            )
            .unwrap();
        }
        // Overwrite pages in the middle of the file (not the header): interior b-tree pages.
        let mut bytes = std::fs::read(&path).unwrap();
        let page = 4096;
        for at in (page * 3..bytes.len().min(page * 20)).step_by(7) {
            bytes[at] = 0xA5;
        }
        std::fs::write(&path, bytes).unwrap();
        let _ = std::fs::remove_file(dir.path().join("n.db-wal"));
        let result = Connection::open(&path)
            .map_err(StoreError::from)
            .and_then(|mut conn| check(&mut conn, &path));
        let err = result.unwrap_err();
        assert!(
            matches!(err, StoreError::Damaged { .. } | StoreError::Sqlite(_)),
            "{err}"
        );
    }
}
