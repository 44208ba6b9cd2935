//! Getting a server back after losing its database: from a backup ([`backup`], [`restore`]), or without one,
//! from the keys and the last published document that any copy still holds ([`recover`]).
//!
//! # Versions after coming back
//! Phones hold the highest version they have seen as their floor. A backup is older than the database it
//! replaces, and a published copy may be behind the origin (heartbeats and changes after it): the versions
//! in between were seen by phones but are unknown here. So the data directory comes back serving the
//! newest document it holds, exactly as it was (phones that saw it keep it; those that saw later ones keep
//! theirs), and the first version published after that jumps ahead by `OFFLINE_VERSION_JUMP` (1000), as
//! break-glass documents do: it covers weeks of hourly heartbeats. The audit log's `restore` / `recover`
//! row names the version it came back at, which is how the next publish knows (`signer::publish`). If a
//! copy holds more still (a break-glass document), `serve` takes it in at start (`--publish-to`/`--watch`),
//! or `notice ingest` does.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notice_publish::NoticeRecord;
use notice_publish::breakglass::OFFLINE_VERSION_JUMP;
use notice_types::{
    PublishedDocument, SecretKey, Timestamp, TrustedRoot, dangerous_verify_ignoring_freshness,
};
use rusqlite::{Connection, MAIN_DB, OpenFlags};

use super::{Error, Signer};
use crate::config::Settings;
use crate::storage::audit::{self, Action, Actor};
use crate::storage::tokens::Scope;
use crate::storage::{DataDir, StoreError, check, feeds, keys, notices, schema, write_tx};

/// What [`backup`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackedUp {
    /// The backup file.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// The newest feed version in it.
    pub latest_version: u64,
    /// How many notices it holds (any state).
    pub notices: usize,
    /// How many published documents it holds (`--keep-versions`).
    pub documents: u64,
}

impl std::fmt::Display for BackedUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "backed up to {} ({} bytes): feed version {}, {} notice(s), {} published document(s)",
            self.path.display(),
            self.bytes,
            self.latest_version,
            self.notices,
            self.documents
        )?;
        write!(
            f,
            "keep the keys apart from it (feed-key.pem; root-key.pem offline): restoring needs the feed key, and the backup alone cannot sign"
        )
    }
}

/// A consistent copy of the database of `dir` at `out`, taken while the server runs (SQLite's online
/// backup: the copy is one moment's state, whatever is written meanwhile), checked before it is named
/// `out`. Refuses to replace an existing file.
pub fn backup(dir: &DataDir, out: &Path) -> Result<BackedUp, Error> {
    crate::publishing::require_initialized(dir)?;
    if out.exists() {
        return Err(Error::Store(StoreError::io(
            "write",
            out,
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "it exists; give a new file name (backups are never overwritten)",
            ),
        )));
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(Error::Store(StoreError::io(
            "write",
            out,
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} is not a directory; create it first", parent.display()),
            ),
        )));
    }
    let conn = Connection::open_with_flags(dir.db(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(StoreError::from)?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(StoreError::from)?;
    let temp = parent.join(format!(
        ".{}.partial",
        out.file_name()
            .map_or_else(|| "backup".into(), |n| n.to_string_lossy())
    ));
    let _ = fs::remove_file(&temp);
    conn.backup(MAIN_DB, &temp, None)
        .map_err(StoreError::from)?;
    let summary = (|| -> Result<(u64, usize, u64), Error> {
        let mut copy = Connection::open(&temp).map_err(StoreError::from)?;
        check::check(&mut copy, &temp)?;
        // A backup is a single file: no WAL beside it.
        copy.pragma_update(None, "journal_mode", "DELETE")
            .map_err(StoreError::from)?;
        let latest = feeds::latest_version(&copy)?;
        let notices = notices::list(&copy, true)?.len();
        let documents = feeds::published_count(&copy)?;
        Ok((latest, notices, documents))
    })();
    let (latest_version, notice_count, documents) = match summary {
        Ok(summary) => summary,
        Err(e) => {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
    };
    sync_file(&temp)?;
    fs::rename(&temp, out).map_err(|e| StoreError::io("rename", out, e))?;
    sync_dir(parent)?;
    let bytes = fs::metadata(out)
        .map_err(|e| StoreError::io("read", out, e))?
        .len();
    Ok(BackedUp {
        path: out.to_owned(),
        bytes,
        latest_version,
        notices: notice_count,
        documents,
    })
}

/// What [`restore`] or [`recover`] did.
#[derive(Debug)]
pub struct Resumed {
    /// The data directory.
    pub dir: PathBuf,
    /// The newest version the backup or document held: what the server serves when it starts.
    pub version: u64,
    /// The version the next publish will have (ahead, see the module documentation).
    pub next_version: u64,
    /// How many notices the database holds.
    pub notices: usize,
    /// Where the database it replaced was moved, if there was one.
    pub replaced: Option<PathBuf>,
    /// A new admin token, when the tokens were lost with the database (recover).
    pub admin_token: Option<String>,
}

impl std::fmt::Display for Resumed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} is back at feed version {}; the next version published will be {} (ahead, so phones that saw later versions accept it)",
            self.dir.display(),
            self.version,
            self.next_version
        )?;
        writeln!(f, "  notices:   {}", self.notices)?;
        if let Some(replaced) = &self.replaced {
            writeln!(
                f,
                "  replaced:  the old database was moved to {}",
                replaced.display()
            )?;
        }
        if let Some(token) = &self.admin_token {
            writeln!(
                f,
                "  the old admin tokens were lost with the database; new admin token (shown once, store it now): {token}"
            )?;
        }
        write!(
            f,
            "next: `notice-server serve` (with --publish-to, it takes in a copy that is further ahead first)"
        )
    }
}

/// Replaces the database of `dir` with the backup `from` (moving an existing database aside only with
/// `replace`), checks it belongs to this data directory's keys and root, and signs the store's feed ahead
/// (see the module documentation). The caller holds the directory's lock.
pub fn restore(
    dir: &DataDir,
    from: &Path,
    replace: bool,
    settings: &Settings,
    now: Timestamp,
) -> Result<Resumed, Error> {
    settings.validate()?;
    let problem = |reason: String| Error::Restore {
        path: from.to_owned(),
        reason,
    };
    if !from.is_file() {
        return Err(problem("no such file".to_owned()));
    }
    // The backup is copied into the directory and checked there, before anything else in the directory
    // changes: the backup itself is only read (it may be on read-only media, and stays as it was).
    let incoming = dir.path().join("notice.db.restoring");
    remove_database_files(&incoming);
    fs::copy(from, &incoming).map_err(|e| {
        problem(format!(
            "it cannot be copied into {} ({e}); check that the directory exists and is writable",
            dir.path().display()
        ))
    })?;
    if let Err(e) = check_backup(&incoming, dir).map_err(problem) {
        remove_database_files(&incoming);
        return Err(e);
    }
    sync_file(&incoming)?;
    let replaced = if dir.db().exists() {
        if !replace {
            remove_database_files(&incoming);
            return Err(problem(format!(
                "{} exists; pass --replace to move it aside and restore",
                dir.db().display()
            )));
        }
        let aside = dir
            .path()
            .join(format!("notice.db.replaced-{}", now.unix()));
        fs::rename(dir.db(), &aside).map_err(|e| StoreError::io("move aside", dir.db(), e))?;
        Some(aside)
    } else {
        None
    };
    for stale in ["notice.db-wal", "notice.db-shm"] {
        let _ = fs::remove_file(dir.path().join(stale));
    }
    fs::rename(&incoming, dir.db()).map_err(|e| StoreError::io("rename", &incoming, e))?;
    sync_dir(dir.path())?;
    let mut conn = schema::open(&dir.db())?;
    // The keys beside it must be this feed's.
    Signer::load(&conn, dir)?;
    resume(&mut conn, now, Action::Restore, replaced, None, dir)
}

/// Whether the copy of a backup at `copy` is a whole notice-server database of this directory's feed
/// (upgraded to this build's schema); if not, why, in words for the operator.
fn check_backup(copy: &Path, dir: &DataDir) -> Result<(), String> {
    let mut backup = Connection::open_with_flags(copy, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| format!("not a database: {e}"))?;
    check::check(&mut backup, copy).map_err(|e| match e {
        StoreError::Damaged { detail, .. } => {
            format!("it is damaged or not a database ({detail}); restore another backup")
        }
        other => other.to_string(),
    })?;
    schema::upgrade(&mut backup).map_err(|e| e.to_string())?;
    let root_v1 = feeds::roots(&backup)
        .map_err(|e| format!("not a notice-server backup ({e})"))?
        .into_iter()
        .next()
        .ok_or_else(|| "it holds no root: not a notice-server backup".to_owned())?;
    let ours = fs::read(dir.root_json()).map_err(|e| {
        format!(
            "{} cannot be read ({e}); restoring needs the data directory's root.json and feed-key.pem beside it",
            dir.root_json().display()
        )
    })?;
    if !same_root(&root_v1, &ours) {
        return Err(format!(
            "it is a backup of another feed: its root v1 differs from {}",
            dir.root_json().display()
        ));
    }
    Ok(())
}

/// Removes a database file and the journal files SQLite may have left beside it.
fn remove_database_files(db: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let _ = fs::remove_file(std::path::PathBuf::from(name));
    }
}

/// Builds the data directory `dir` (which must hold no database; key files already there must be the ones
/// given) from a published
/// `document` (from a mirror, a bucket, an export), the root apps ship (`root_v1`, root.json) and the feed
/// key, and signs the feed ahead (see the module documentation). The root key, when given, is written too
/// (move it offline again afterwards). Tokens were in the lost database: a new admin token is made.
pub fn recover(
    dir: &DataDir,
    document: &[u8],
    root_v1: &[u8],
    feed_key: &SecretKey,
    root_key: Option<&SecretKey>,
    settings: &Settings,
    now: Timestamp,
) -> Result<Resumed, Error> {
    settings.validate()?;
    if dir.db().exists() {
        return Err(Error::Recover(format!(
            "{} holds a database; recover builds a new one: give an empty or new --data-dir (or restore a backup into this one with `restore --from FILE --replace`)",
            dir.db().display()
        )));
    }
    let trusted = TrustedRoot::from_envelope_bytes(root_v1).map_err(|e| {
        Error::Recover(format!(
            "the root file is not a root document ({e}); give root.json, the file the apps ship"
        ))
    })?;
    let (root, feed) = dangerous_verify_ignoring_freshness(document, &trusted).map_err(|e| {
        Error::Recover(format!(
            "the document does not verify under the root apps ship ({e}); give the feed.json of a copy of this feed"
        ))
    })?;
    if !root.feed_keys.contains(&feed_key.public_key()) {
        return Err(Error::Recover(format!(
            "the feed key {} is not a feed key of root v{} (the document's newest root); give the current feed-key.pem",
            feed_key.public_key(),
            root.version
        )));
    }
    if let Some(root_key) = root_key
        && !root.root_keys.contains(&root_key.public_key())
    {
        return Err(Error::Recover(format!(
            "the root key {} is not a root key of root v{}",
            root_key.public_key(),
            root.version
        )));
    }
    let roots = PublishedDocument::parse(document)
        .map_err(|e| Error::Recover(e.to_string()))?
        .roots;
    // Key files already in the directory (copied there from a key backup) are kept when they are the ones
    // given; anything else there is refused before a file is written.
    let feed_key_there = existing_key(&dir.feed_key(), feed_key, "feed")?;
    let root_key_there = match root_key {
        Some(root_key) => existing_key(&dir.root_key(), root_key, "root")?,
        None => false,
    };
    let root_there = match fs::read(dir.root_json()) {
        Ok(there) if same_root(&there, root_v1) => true,
        Ok(_) => {
            return Err(Error::Recover(format!(
                "{} is another root than the one given; remove it or give the same root.json",
                dir.root_json().display()
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(Error::Store(StoreError::io("read", dir.root_json(), e))),
    };
    super::init::create_private_dir(dir)?;
    if !feed_key_there {
        keys::write_new(&dir.feed_key(), feed_key)?;
    }
    if let Some(root_key) = root_key.filter(|_| !root_key_there) {
        keys::write_new(&dir.root_key(), root_key)?;
    }
    if !root_there {
        keys::write_public(&dir.root_json(), root_v1)?;
    }

    let mut conn = schema::open(&dir.db())?;
    super::init::restrict_to_owner(&dir.db())?;
    let tx = write_tx(&mut conn)?;
    for (index, envelope) in roots.iter().enumerate() {
        // Root v1 exactly as the apps ship it; later versions as the document carries them.
        let bytes = if index == 0 {
            root_v1.to_vec()
        } else {
            serde_json::to_vec(envelope).map_err(|e| Error::Recover(e.to_string()))?
        };
        feeds::insert_root(&tx, index as u64 + 1, &bytes, now)?;
    }
    for notice in &feed.notices {
        let record = NoticeRecord::from_feed(notice.clone());
        notices::insert(&tx, &record, notice.created_at, None)?;
    }
    feeds::insert_published(
        &tx,
        &feeds::StoredFeed {
            version: feed.version,
            bytes: document.to_vec(),
            issued_at: feed.issued_at,
            expires_at: feed.expires_at,
            refresh_at: None,
        },
        now,
    )?;
    tx.commit().map_err(StoreError::from)?;
    Signer::load(&conn, dir)?;
    let token = super::tokens::issue_token(
        &mut conn,
        super::init::FIRST_TOKEN_NAME,
        Scope::Admin,
        super::init::LOCAL_ACTOR,
        now,
    )?;
    resume(&mut conn, now, Action::Recover, None, Some(token), dir)
}

/// Records that the data directory came back at its latest version, so the next publish jumps ahead.
fn resume(
    conn: &mut Connection,
    now: Timestamp,
    action: Action,
    replaced: Option<PathBuf>,
    admin_token: Option<String>,
    dir: &DataDir,
) -> Result<Resumed, Error> {
    let tx = write_tx(conn)?;
    let version = feeds::latest_version(&tx)?;
    audit::record(
        &tx,
        now,
        &Actor::untokened(super::init::LOCAL_ACTOR),
        action,
        None,
        Some(version),
    )?;
    tx.commit().map_err(StoreError::from)?;
    let notices = notices::list(conn, true)?.len();
    Ok(Resumed {
        dir: dir.path().to_owned(),
        version,
        next_version: version.saturating_add(OFFLINE_VERSION_JUMP),
        notices,
        replaced,
        admin_token,
    })
}

/// Whether the key file `path` exists holding `key` (`false` when there is none); another key there is an
/// error naming `what` key it is.
fn existing_key(path: &Path, key: &SecretKey, what: &str) -> Result<bool, Error> {
    if !path.exists() {
        return Ok(false);
    }
    let there = keys::read(path)?;
    if there.public_key() == key.public_key() {
        Ok(true)
    } else {
        Err(Error::Recover(format!(
            "{} holds another {what} key ({}) than the one given ({}); remove it or give that file",
            path.display(),
            there.public_key(),
            key.public_key()
        )))
    }
}

/// Whether two root envelopes are the same root (the same payload bytes and signatures, whatever the JSON
/// layout of the file).
fn same_root(a: &[u8], b: &[u8]) -> bool {
    match (
        TrustedRoot::from_envelope_bytes(a),
        TrustedRoot::from_envelope_bytes(b),
    ) {
        (Ok(a), Ok(b)) => a.payload() == b.payload(),
        _ => a == b,
    }
}

fn sync_file(path: &Path) -> Result<(), Error> {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::Store(StoreError::io("flush", path, e)))
}

fn sync_dir(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::Store(StoreError::io("flush", dir, e)))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
