//! What the client remembers on disk, and how it survives crashes and corruption.
//!
//! Three files in the state directory:
//! - `document.json`: the last verified published document, byte for byte as a mirror served it. Re-verified
//!   on every start (see [`crate::Client::new`]), so a tampered copy is refused, not shown.
//! - `state.json`: the [`TrustState`] (rollback floor, newest root), dismissals, per-mirror ETags and errors,
//!   the next allowed refresh time.
//! - `floor.json`: the [`TrustState`] alone, a second copy of the floor. Losing or corrupting one of the two
//!   files never lowers the floor: on start the higher of what can still be read wins.
//!
//! `state.json` and `floor.json` start with a line `notice-client <kind> v1 sha256:<hex>` over the JSON that
//! follows, so silent corruption (a torn sector, a flipped bit inside a key) is detected and reported rather
//! than trusted. Every file is replaced atomically: written to a temporary file in the same directory,
//! fsynced, renamed over the old one, and the directory fsynced, so a crash leaves the old or the new file,
//! never a mix. One client per state directory: two processes writing the same files would race.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use notice_types::{Dismissal, TrustState};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::status::{ErrorInfo, StorageProblem};

const STATE_FILE: &str = "state.json";
const FLOOR_FILE: &str = "floor.json";
const DOCUMENT_FILE: &str = "document.json";
/// State files are small (a root, a few dismissals, a few mirrors); anything much larger is not ours.
const MAX_STATE_BYTES: u64 = 1024 * 1024;

/// Everything in `state.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StateFile {
    /// Rollback floor and newest root.
    pub trust: TrustState,
    /// Dismissed notice revisions.
    #[serde(default)]
    pub dismissals: BTreeSet<Dismissal>,
    /// Per mirror URL.
    #[serde(default)]
    pub mirrors: BTreeMap<String, MirrorRecord>,
    /// Refreshes before this time do not touch the network.
    #[serde(default)]
    pub next_refresh_at: Option<notice_types::Timestamp>,
    /// When a refresh or ingest last produced a verified answer.
    #[serde(default)]
    pub last_success_at: Option<notice_types::Timestamp>,
    /// When a refresh last went to the network.
    #[serde(default)]
    pub last_attempt_at: Option<notice_types::Timestamp>,
}

/// What the client remembers about one mirror.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MirrorRecord {
    /// The ETag of the last document from this mirror that verified; sent as `If-None-Match`.
    #[serde(default)]
    pub etag: Option<String>,
    /// The feed version this mirror last served (valid or not).
    #[serde(default)]
    pub last_version: Option<u64>,
    #[serde(default)]
    pub last_attempt_at: Option<notice_types::Timestamp>,
    #[serde(default)]
    pub last_success_at: Option<notice_types::Timestamp>,
    #[serde(default)]
    pub last_error: Option<ErrorInfo>,
    /// The mirror asked not to be asked again before this time (`Retry-After`).
    #[serde(default)]
    pub retry_after_until: Option<notice_types::Timestamp>,
}

/// What was found on disk at start.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    /// `state.json`, if readable and intact.
    pub state: Option<StateFile>,
    /// `floor.json`, if readable and intact.
    pub floor: Option<TrustState>,
    /// `document.json`, if readable (not yet verified).
    pub document: Option<Vec<u8>>,
    /// Files that were corrupt, unreadable or missing when they should exist.
    pub problems: Vec<StorageProblem>,
}

/// The state directory.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    dir: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the directory.
    pub fn open(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        if !fs::metadata(dir)?.is_dir() {
            return Err(io::Error::other("exists but is not a directory"));
        }
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    /// Reads all three files. Never fails: whatever cannot be read is reported in `problems`.
    pub fn load(&self) -> Loaded {
        let mut loaded = Loaded::default();
        let state = read_checked(&self.dir.join(STATE_FILE), "state");
        let floor = read_checked(&self.dir.join(FLOOR_FILE), "floor");
        let document = read_capped(
            &self.dir.join(DOCUMENT_FILE),
            notice_types::limits::MAX_DOCUMENT_BYTES as u64 + 1,
        );
        let anything_there = matches!(state, Ok(Some(_)))
            || matches!(floor, Ok(Some(_)))
            || matches!(document, Ok(Some(_)));

        loaded.state = parse_file(STATE_FILE, state, anything_there, &mut loaded.problems);
        loaded.floor = parse_file(FLOOR_FILE, floor, anything_there, &mut loaded.problems);
        match document {
            Ok(found) => loaded.document = found,
            Err(e) => loaded.problems.push(StorageProblem::new(
                DOCUMENT_FILE,
                "unreadable",
                e.to_string(),
            )),
        }
        loaded
    }

    /// Replaces `document.json`.
    pub fn save_document(&self, bytes: &[u8]) -> Result<(), StorageProblem> {
        write_atomically(&self.dir, DOCUMENT_FILE, bytes)
            .map_err(|e| StorageProblem::new(DOCUMENT_FILE, "write_failed", e.to_string()))
    }

    /// Replaces `state.json`, then `floor.json`. The floor copy is written second so that at any instant at
    /// least one intact file holds the newest floor.
    pub fn save_state(&self, state: &StateFile) -> Result<(), StorageProblem> {
        let write = |name: &'static str, kind: &str, body: Result<Vec<u8>, serde_json::Error>| {
            let body =
                body.map_err(|e| StorageProblem::new(name, "write_failed", e.to_string()))?;
            write_atomically(&self.dir, name, &with_checksum(kind, &body))
                .map_err(|e| StorageProblem::new(name, "write_failed", e.to_string()))
        };
        write(STATE_FILE, "state", serde_json::to_vec_pretty(state))?;
        write(FLOOR_FILE, "floor", serde_json::to_vec_pretty(&state.trust))
    }
}

fn parse_file<T: for<'de> Deserialize<'de>>(
    name: &'static str,
    read: Result<Option<Vec<u8>>, FileError>,
    anything_there: bool,
    problems: &mut Vec<StorageProblem>,
) -> Option<T> {
    match read {
        // Read as text, as notice-types reads signed JSON: the state holds the same types (roots, marks),
        // and one reader of them in the library is smaller than two.
        Ok(Some(body)) => match std::str::from_utf8(&body)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str(text).map_err(|e| e.to_string()))
        {
            Ok(value) => Some(value),
            Err(e) => {
                problems.push(StorageProblem::new(name, "corrupt", e));
                None
            }
        },
        Ok(None) => {
            if anything_there {
                problems.push(StorageProblem::new(
                    name,
                    "missing",
                    "the file is gone while other state files exist",
                ));
            }
            None
        }
        Err(FileError::Corrupt(detail)) => {
            problems.push(StorageProblem::new(name, "corrupt", detail));
            None
        }
        Err(FileError::Io(e)) => {
            problems.push(StorageProblem::new(name, "unreadable", e.to_string()));
            None
        }
    }
}

/// Keeps the higher of two floors, field by field: the newer root, the higher feed mark, the later
/// `issued_at`. Both are floors the client verified at some point, so the result is one too. A floor set
/// under other feed signers than the newer root's is left out, as the verifier leaves it out
/// ([`notice_types::RootPayload::same_feed_signers`]): a revoked feed key's floor binds nothing.
pub(crate) fn merge_floors(a: TrustState, b: TrustState) -> TrustState {
    let (newer, older) = if b.root.version > a.root.version {
        (b, a)
    } else {
        (a, b)
    };
    let older = if older.root.same_feed_signers(&newer.root) {
        older
    } else {
        TrustState {
            feed: None,
            last_issued_at: None,
            ..older
        }
    };
    let (a, b) = (newer, older);
    // The digests belong to the root they were computed for; keep them together.
    let (root, root_sha256, root_chain_sha256) = (a.root, a.root_sha256, a.root_chain_sha256);
    let feed = match (a.feed, b.feed) {
        (Some(x), Some(y)) => Some(if y.version > x.version { y } else { x }),
        (x, y) => x.or(y),
    };
    let last_issued_at = match (a.last_issued_at, b.last_issued_at) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    TrustState {
        root,
        root_sha256,
        root_chain_sha256,
        feed,
        last_issued_at,
    }
}

enum FileError {
    Io(io::Error),
    Corrupt(String),
}

fn header(kind: &str, body: &[u8]) -> String {
    format!(
        "notice-client {kind} v1 sha256:{}\n",
        hex::encode(Sha256::digest(body))
    )
}

fn with_checksum(kind: &str, body: &[u8]) -> Vec<u8> {
    let mut out = header(kind, body).into_bytes();
    out.extend_from_slice(body);
    out
}

/// The JSON body of a checksummed file; `Ok(None)` when the file does not exist.
fn read_checked(path: &Path, kind: &str) -> Result<Option<Vec<u8>>, FileError> {
    let Some(bytes) = read_capped(path, MAX_STATE_BYTES).map_err(FileError::Io)? else {
        return Ok(None);
    };
    if bytes.len() as u64 >= MAX_STATE_BYTES {
        return Err(FileError::Corrupt(format!(
            "larger than {MAX_STATE_BYTES} bytes"
        )));
    }
    let Some(split) = bytes.iter().position(|&b| b == b'\n') else {
        return Err(FileError::Corrupt("no header line".into()));
    };
    let (head, body) = (&bytes[..=split], &bytes[split + 1..]);
    if head != header(kind, body).as_bytes() {
        return Err(FileError::Corrupt(
            "checksum or header does not match the contents".into(),
        ));
    }
    Ok(Some(body.to_vec()))
}

/// Reads at most `cap` bytes; `Ok(None)` when the file does not exist.
fn read_capped(path: &Path, cap: u64) -> io::Result<Option<Vec<u8>>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut bytes = Vec::new();
    file.take(cap).read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// Temp file in the same directory (so the rename cannot cross file systems), fsync, rename, fsync the
/// directory (so the rename itself is durable).
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let target = dir.join(name);
    let temp = dir.join(format!(".{name}.tmp"));
    let result = (|| {
        let mut file = File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, &target)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        // Best effort: a stale temp file is harmless (it is overwritten next time) but untidy.
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    // Windows cannot open a directory as a file; NTFS journals the rename itself.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use notice_tests::key;
    use notice_types::{FeedId, FeedMark, RootPayload, Timestamp};

    fn trust(root_version: u64, feed_key: u8, floor: u64, issued: i64) -> TrustState {
        TrustState {
            root: RootPayload {
                feed_id: FeedId::parse("yivi-app/production").unwrap(),
                version: root_version,
                root_keys: vec![key(1).public_key()],
                root_threshold: 1,
                feed_keys: vec![key(feed_key).public_key()],
                feed_threshold: 1,
                link_hosts: vec![],
            },
            root_sha256: None,
            root_chain_sha256: None,
            feed: Some(FeedMark {
                version: floor,
                sha256: "00".repeat(32),
            }),
            last_issued_at: Some(Timestamp::from_unix(issued)),
        }
    }

    #[test]
    fn merging_keeps_the_higher_floor_under_the_same_feed_keys() {
        let merged = merge_floors(trust(1, 2, 9, 500), trust(2, 2, 5, 100));
        assert_eq!(merged.root.version, 2);
        assert_eq!(merged.feed.map(|f| f.version), Some(9));
        assert_eq!(merged.last_issued_at, Some(Timestamp::from_unix(500)));
    }

    #[test]
    fn merging_leaves_a_floor_of_revoked_feed_keys_behind() {
        // A copy from before the rotation that revoked feed key 2 must not bring its floor back.
        for (a, b) in [
            (trust(1, 2, u64::MAX, 999_999), trust(2, 4, 5, 100)),
            (trust(2, 4, 5, 100), trust(1, 2, u64::MAX, 999_999)),
        ] {
            let merged = merge_floors(a, b);
            assert_eq!(merged.root.version, 2);
            assert_eq!(merged.feed.map(|f| f.version), Some(5));
            assert_eq!(merged.last_issued_at, Some(Timestamp::from_unix(100)));
        }
    }

    #[test]
    fn a_flipped_byte_in_a_checked_file_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        write_atomically(dir.path(), "x.json", &with_checksum("state", b"{\"a\":1}")).unwrap();
        assert_eq!(
            read_checked(&path, "state").ok().flatten().unwrap(),
            b"{\"a\":1}"
        );
        let mut bytes = fs::read(&path).unwrap();
        let last = bytes.len() - 2;
        bytes[last] ^= 0x01;
        fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            read_checked(&path, "state"),
            Err(FileError::Corrupt(_))
        ));
        // The kind is part of the header: a floor file is not accepted as a state file.
        write_atomically(dir.path(), "x.json", &with_checksum("floor", b"{}")).unwrap();
        assert!(matches!(
            read_checked(&path, "state"),
            Err(FileError::Corrupt(_))
        ));
    }

    #[test]
    fn atomic_writes_leave_no_temp_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        write_atomically(dir.path(), "a", b"one").unwrap();
        write_atomically(dir.path(), "a", b"two").unwrap();
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a"]);
        assert_eq!(fs::read(dir.path().join("a")).unwrap(), b"two");
    }

    #[test]
    fn a_fresh_directory_reports_nothing_missing() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = Store::open(dir.path()).unwrap().load();
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        assert!(loaded.state.is_none() && loaded.floor.is_none() && loaded.document.is_none());
    }
}
