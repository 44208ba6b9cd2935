//! The root chain and every published feed document, byte for byte.
//!
//! The newest published documents are kept (`--keep-versions`, default 200; older ones are pruned): the
//! newest is what the server serves after a restart, and the rest show exactly what phones were told when.

use notice_types::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;

/// One published document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredFeed {
    /// Feed version (strictly increasing).
    pub(crate) version: u64,
    /// The exact bytes served at `/v1/feed.json`.
    pub(crate) bytes: Vec<u8>,
    /// The feed's `issued_at`.
    pub(crate) issued_at: Timestamp,
    /// The feed's `expires_at`.
    pub(crate) expires_at: Timestamp,
    /// When a resolved notice in it passes retention, so the feed must be published again.
    pub(crate) refresh_at: Option<Timestamp>,
}

/// Stores root version `version` (its envelope JSON).
pub(crate) fn insert_root(
    conn: &Connection,
    version: u64,
    envelope: &[u8],
    now: Timestamp,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO roots (version, envelope, created_at) VALUES (?1, ?2, ?3)",
        params![version, envelope, now.unix()],
    )?;
    Ok(())
}

/// Every root envelope, version 1 first.
pub(crate) fn roots(conn: &Connection) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut statement = conn.prepare_cached("SELECT envelope FROM roots ORDER BY version")?;
    let rows = statement.query_map([], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The newest root version, 0 if none.
pub(crate) fn latest_root_version(conn: &Connection) -> Result<u64, StoreError> {
    Ok(
        conn.query_row("SELECT coalesce(max(version), 0) FROM roots", [], |row| {
            row.get(0)
        })?,
    )
}

/// Stores a published document.
pub(crate) fn insert_published(
    conn: &Connection,
    feed: &StoredFeed,
    now: Timestamp,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO published_feeds (version, bytes, issued_at, expires_at, refresh_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            feed.version,
            feed.bytes,
            feed.issued_at.unix(),
            feed.expires_at.unix(),
            feed.refresh_at.map(Timestamp::unix),
            now.unix()
        ],
    )?;
    Ok(())
}

/// Deletes all but the newest `keep` published documents (at least the newest one stays); returns how many
/// went. The version rules read only the newest, so pruning never lets a version go down.
pub(crate) fn prune_published(conn: &Connection, keep: u32) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM published_feeds WHERE version <= (SELECT max(version) FROM published_feeds) - ?1",
        [u64::from(keep.max(1))],
    )?)
}

/// How many published documents are stored.
pub(crate) fn published_count(conn: &Connection) -> Result<u64, StoreError> {
    Ok(conn.query_row("SELECT count(*) FROM published_feeds", [], |row| row.get(0))?)
}

/// The newest published version, 0 if none.
pub(crate) fn latest_version(conn: &Connection) -> Result<u64, StoreError> {
    Ok(conn.query_row(
        "SELECT coalesce(max(version), 0) FROM published_feeds",
        [],
        |row| row.get(0),
    )?)
}

/// The newest published document, if any.
pub(crate) fn latest_published(conn: &Connection) -> Result<Option<StoredFeed>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT version, bytes, issued_at, expires_at, refresh_at FROM published_feeds
             ORDER BY version DESC LIMIT 1",
            [],
            |row| {
                Ok(StoredFeed {
                    version: row.get(0)?,
                    bytes: row.get(1)?,
                    issued_at: Timestamp::from_unix(row.get(2)?),
                    expires_at: Timestamp::from_unix(row.get(3)?),
                    refresh_at: row.get::<_, Option<i64>>(4)?.map(Timestamp::from_unix),
                })
            },
        )
        .optional()?)
}

#[cfg(test)]
mod prune_tests {
    use super::*;

    #[test]
    fn pruning_keeps_the_newest_documents_and_the_latest_version() {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::schema::open(&dir.path().join("t.db")).unwrap();
        for version in 1..=10 {
            let feed = StoredFeed {
                version,
                bytes: vec![1; 10],
                issued_at: Timestamp::from_unix(version as i64),
                expires_at: Timestamp::from_unix(100),
                refresh_at: None,
            };
            insert_published(&conn, &feed, Timestamp::from_unix(version as i64)).unwrap();
        }
        assert_eq!(prune_published(&conn, 3).unwrap(), 7);
        assert_eq!(published_count(&conn).unwrap(), 3);
        assert_eq!(latest_version(&conn).unwrap(), 10);
        assert_eq!(
            prune_published(&conn, 0).unwrap(),
            2,
            "the newest always stays"
        );
        assert_eq!(latest_published(&conn).unwrap().unwrap().version, 10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_document_is_the_highest_version() {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::schema::open(&dir.path().join("t.db")).unwrap();
        assert_eq!(latest_version(&conn).unwrap(), 0);
        assert_eq!(latest_published(&conn).unwrap(), None);
        for version in [1, 2] {
            let feed = StoredFeed {
                version,
                bytes: vec![version as u8],
                issued_at: Timestamp::from_unix(10),
                expires_at: Timestamp::from_unix(20),
                refresh_at: None,
            };
            insert_published(&conn, &feed, Timestamp::from_unix(10)).unwrap();
        }
        assert_eq!(latest_version(&conn).unwrap(), 2);
        assert_eq!(latest_published(&conn).unwrap().unwrap().bytes, vec![2]);
        // A version is never reused.
        let again = StoredFeed {
            version: 2,
            bytes: vec![],
            issued_at: Timestamp::from_unix(10),
            expires_at: Timestamp::from_unix(20),
            refresh_at: None,
        };
        assert!(insert_published(&conn, &again, Timestamp::from_unix(10)).is_err());
    }
}
