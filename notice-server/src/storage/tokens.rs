//! Admin tokens, stored as SHA-256 hashes only: a copy of the database does not let anyone in. Each token has
//! a [`Scope`]: what its holder may do through the admin API.

use std::fmt;
use std::str::FromStr;

use notice_types::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::StoreError;

/// What is stored for a token.
pub(crate) fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// What a token may do. Stored with the token; tokens made before scopes existed are `admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Everything the admin API offers.
    Admin,
    /// What a watchdog (`notice watch`) needs and no more: read notices, create notices, and update or
    /// resolve the notices it created. A stolen watch token can open a false alarm, not rewrite or withdraw
    /// what people posted.
    Watch,
}

impl Scope {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Admin => "admin",
            Scope::Watch => "watch",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "admin" => Ok(Scope::Admin),
            "watch" => Ok(Scope::Watch),
            other => Err(format!(
                "`{}` is not a token scope; use admin (everything) or watch (a watchdog: create notices, and change only its own)",
                other.escape_debug()
            )),
        }
    }
}

/// A stored scope; anything else is a damaged database.
pub(crate) fn parse_scope(text: &str) -> Result<Scope, StoreError> {
    text.parse()
        .map_err(|e: String| StoreError::corrupt("token scope", e))
}

/// The token a request was authenticated with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authenticated {
    /// The token's name.
    pub(crate) name: String,
    /// Its scope.
    pub(crate) scope: Scope,
}

/// What is known about a token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// The operator's name; the audit log's actor.
    pub name: String,
    /// What it may do.
    pub scope: Scope,
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

/// Stores a token's hash under `name` with `scope`.
pub(crate) fn insert(
    conn: &Connection,
    name: &str,
    scope: Scope,
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
        "INSERT INTO tokens (name, scope, sha256, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![name, scope.as_str(), &sha256[..], now.unix()],
    )?;
    Ok(Inserted::Ok)
}

/// The name and scope of the unrevoked token with this hash, recording the use. Looking up by hash means
/// the comparison is between hashes: timing reveals nothing about the token.
pub(crate) fn authenticate(
    conn: &Connection,
    sha256: &[u8; 32],
    now: Timestamp,
) -> Result<Option<Authenticated>, StoreError> {
    let found: Option<(i64, String, String, Option<i64>)> = conn
        .query_row(
            "SELECT id, name, scope, last_used_at FROM tokens WHERE sha256 = ?1 AND revoked_at IS NULL",
            [&sha256[..]],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()?;
    let Some((id, name, scope, last_used)) = found else {
        return Ok(None);
    };
    let scope = parse_scope(&scope)?;
    // Once a minute is precise enough and keeps a burst of CLI calls from being a burst of fsyncs.
    if last_used.is_none_or(|at| now.unix() - at >= 60) {
        conn.execute(
            "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1",
            params![id, now.unix()],
        )?;
    }
    Ok(Some(Authenticated { name, scope }))
}

/// Every token, oldest first.
pub fn list(conn: &Connection) -> Result<Vec<TokenInfo>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT name, scope, created_at, last_used_at, revoked_at FROM tokens ORDER BY id",
    )?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, Option<i64>>(3)?,
                row.get::<_, Option<i64>>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(name, scope, created_at, last_used_at, revoked_at)| {
            Ok(TokenInfo {
                name,
                scope: parse_scope(&scope)?,
                created_at: Timestamp::from_unix(created_at),
                last_used_at: last_used_at.map(Timestamp::from_unix),
                revoked_at: revoked_at.map(Timestamp::from_unix),
            })
        })
        .collect()
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
        assert_eq!(
            insert(&conn, "alice", Scope::Admin, &[1; 32], now).unwrap(),
            Inserted::Ok
        );
        assert_eq!(
            insert(&conn, "alice", Scope::Watch, &[2; 32], now).unwrap(),
            Inserted::NameTaken
        );
        assert_eq!(
            authenticate(&conn, &[1; 32], now).unwrap(),
            Some(Authenticated {
                name: "alice".to_owned(),
                scope: Scope::Admin
            })
        );
        assert_eq!(authenticate(&conn, &[9; 32], now).unwrap(), None);
        assert_eq!(list(&conn).unwrap()[0].last_used_at, Some(now));

        assert!(revoke(&conn, "alice", now).unwrap());
        assert!(!revoke(&conn, "alice", now).unwrap());
        assert_eq!(authenticate(&conn, &[1; 32], now).unwrap(), None);
        // The name is free again after revocation.
        assert_eq!(
            insert(&conn, "alice", Scope::Watch, &[3; 32], now).unwrap(),
            Inserted::Ok
        );
        assert_eq!(
            authenticate(&conn, &[3; 32], now).unwrap().unwrap().scope,
            Scope::Watch
        );
        let scopes: Vec<Scope> = list(&conn).unwrap().iter().map(|t| t.scope).collect();
        assert_eq!(scopes, [Scope::Admin, Scope::Watch]);
    }

    #[test]
    fn scopes_read_back_as_written_and_nothing_else_parses() {
        for scope in [Scope::Admin, Scope::Watch] {
            assert_eq!(scope.as_str().parse::<Scope>(), Ok(scope));
        }
        assert!("root".parse::<Scope>().unwrap_err().contains("admin"));
    }
}
