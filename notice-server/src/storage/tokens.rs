//! Admin tokens, stored as SHA-256 hashes only: a copy of the database does not let anyone in.

use notice_types::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::StoreError;

/// What is stored for a token.
pub(crate) fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// What is known about a token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// The operator's name; the audit log's actor.
    pub name: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was last accepted, if ever.
    pub last_used_at: Option<Timestamp>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// Whether inserting succeeded or the name is taken by an unrevoked token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inserted {
    /// Stored.
    Ok,
    /// An unrevoked token already has this name.
    NameTaken,
}

/// Stores a token's hash under `name`.
pub(crate) fn insert(
    conn: &Connection,
    name: &str,
    sha256: &[u8; 32],
    now: Timestamp,
) -> Result<Inserted, StoreError> {
    let taken = conn
        .query_row(
            "SELECT 1 FROM tokens WHERE name = ?1 AND revoked_at IS NULL",
            [name],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if taken {
        return Ok(Inserted::NameTaken);
    }
    conn.execute(
        "INSERT INTO tokens (name, sha256, created_at) VALUES (?1, ?2, ?3)",
        params![name, &sha256[..], now.unix()],
    )?;
    Ok(Inserted::Ok)
}

/// The name of the unrevoked token with this hash, recording the use. Looking up by hash means the
/// comparison is between hashes: timing reveals nothing about the token.
pub(crate) fn authenticate(
    conn: &Connection,
    sha256: &[u8; 32],
    now: Timestamp,
) -> Result<Option<String>, StoreError> {
    let found: Option<(i64, String, Option<i64>)> = conn
        .query_row(
            "SELECT id, name, last_used_at FROM tokens WHERE sha256 = ?1 AND revoked_at IS NULL",
            [&sha256[..]],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    let Some((id, name, last_used)) = found else {
        return Ok(None);
    };
    // Once a minute is precise enough and keeps a burst of CLI calls from being a burst of fsyncs.
    if last_used.is_none_or(|at| now.unix() - at >= 60) {
        conn.execute(
            "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1",
            params![id, now.unix()],
        )?;
    }
    Ok(Some(name))
}

/// Every token, oldest first.
pub fn list(conn: &Connection) -> Result<Vec<TokenInfo>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT name, created_at, last_used_at, revoked_at FROM tokens ORDER BY id",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(TokenInfo {
            name: row.get(0)?,
            created_at: Timestamp::from_unix(row.get(1)?),
            last_used_at: row.get::<_, Option<i64>>(2)?.map(Timestamp::from_unix),
            revoked_at: row.get::<_, Option<i64>>(3)?.map(Timestamp::from_unix),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes the unrevoked token named `name`; false if there is none.
pub(crate) fn revoke(conn: &Connection, name: &str, now: Timestamp) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
        params![name, now.unix()],
    )?;
    Ok(changed > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_authenticate_until_revoked_and_names_are_unique_while_active() {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::schema::open(&dir.path().join("t.db")).unwrap();
        let now = Timestamp::from_unix(1_000);
        assert_eq!(insert(&conn, "alice", &[1; 32], now).unwrap(), Inserted::Ok);
        assert_eq!(
            insert(&conn, "alice", &[2; 32], now).unwrap(),
            Inserted::NameTaken
        );
        assert_eq!(
            authenticate(&conn, &[1; 32], now).unwrap().as_deref(),
            Some("alice")
        );
        assert_eq!(authenticate(&conn, &[9; 32], now).unwrap(), None);
        assert_eq!(list(&conn).unwrap()[0].last_used_at, Some(now));

        assert!(revoke(&conn, "alice", now).unwrap());
        assert!(!revoke(&conn, "alice", now).unwrap());
        assert_eq!(authenticate(&conn, &[1; 32], now).unwrap(), None);
        // The name is free again after revocation.
        assert_eq!(insert(&conn, "alice", &[3; 32], now).unwrap(), Inserted::Ok);
    }
}
