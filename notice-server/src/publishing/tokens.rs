//! Issuing and revoking admin tokens. A token is shown once, when it is made; the database keeps only its
//! SHA-256 ([`crate::storage::tokens`]). Each change is audited.

use notice_types::{InvalidField, Timestamp};
use rand::RngCore as _;
use rusqlite::Connection;

use super::Error;
use crate::storage::audit::{self, Action, Actor};
use crate::storage::tokens::{self, Inserted, Scope, hash_token};
use crate::storage::write_tx;

/// Every token starts with this, so secret scanners and people recognise one.
pub(crate) const TOKEN_PREFIX: &str = "ntk_";

/// A new random token: the prefix and 64 hex digits (256 bits).
pub(crate) fn generate_token() -> String {
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(bytes.as_mut());
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes.as_ref()))
}

/// Token names are audit actors: short, printable, no spaces.
pub(crate) fn check_token_name(name: &str) -> Result<(), InvalidField> {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if ok && name != "system" && name != "local" {
        Ok(())
    } else {
        Err(InvalidField::new(
            "name",
            format!(
                "`{}` is not a token name: 1 to 64 of A-Z, a-z, 0-9, '-', '_', '.', '@' (not `system` or `local`), e.g. alice or oncall-laptop",
                name.escape_debug()
            ),
        ))
    }
}

/// Creates a token named `name` of `scope` and returns it; it is not stored and cannot be shown again.
/// `actor` is who made it (`local`: the server's command line).
pub fn issue_token(
    conn: &mut Connection,
    name: &str,
    scope: Scope,
    actor: &str,
    now: Timestamp,
) -> Result<String, Error> {
    let tx = write_tx(conn)?;
    let token = issue_token_in(&tx, name, scope, actor, now)?;
    tx.commit().map_err(|e| Error::Store(e.into()))?;
    Ok(token)
}

/// [`issue_token`] inside the caller's transaction (init creates the first token with everything else).
pub(crate) fn issue_token_in(
    conn: &Connection,
    name: &str,
    scope: Scope,
    actor: &str,
    now: Timestamp,
) -> Result<String, Error> {
    check_token_name(name).map_err(Error::Invalid)?;
    let token = generate_token();
    if tokens::insert(conn, name, scope, &hash_token(&token), now)? == Inserted::NameTaken {
        return Err(Error::TokenNameTaken(name.to_owned()));
    }
    audit::record(
        conn,
        now,
        &Actor::untokened(actor),
        Action::TokenCreate,
        None,
        None,
    )?;
    Ok(token)
}

/// Revokes the active token named `name`.
pub fn revoke_token(
    conn: &mut Connection,
    name: &str,
    actor: &str,
    now: Timestamp,
) -> Result<(), Error> {
    let tx = write_tx(conn)?;
    if !tokens::revoke(&tx, name, now)? {
        return Err(Error::TokenNotFound(name.to_owned()));
    }
    audit::record(
        &tx,
        now,
        &Actor::untokened(actor),
        Action::TokenRevoke,
        None,
        None,
    )?;
    tx.commit().map_err(|e| Error::Store(e.into()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_prefixed() {
        let a = generate_token();
        let b = generate_token();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), hash_token(&b));
    }

    #[test]
    fn token_names_are_short_and_plain() {
        assert!(check_token_name("alice").is_ok());
        assert!(check_token_name("oncall@laptop-2").is_ok());
        for bad in ["", "a b", "system", "local", "<b>", &"a".repeat(65)] {
            assert!(check_token_name(bad).is_err(), "{bad}");
        }
    }
}
