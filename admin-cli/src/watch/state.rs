//! The watchdog's memory across restarts: per check, where it stands ([`Health`]), the notice it opened and
//! what it last published, and the last notice id it used. One JSON file in `state_dir`, written atomically
//! (temp file, fsync, rename, fsync of the directory), so a crash leaves the old file or the new one. A lock
//! file keeps a second watchdog (or an overlapping `--once` from cron) off the same directory: two would
//! open two notices. Next to it, [`LAST_FEED_FILE`]: the newest verified document read of the live feed, the
//! last known document of break-glass when the copies have none yet.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use notice_types::{NoticeId, Status, Timestamp, TrustedRoot};
use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::watch::rule::Health;

/// The state file's name in `state_dir`.
const STATE_FILE: &str = "state.json";
/// The lock file's name in `state_dir`.
const LOCK_FILE: &str = "lock";

/// Everything remembered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Per check, by name.
    #[serde(default)]
    pub checks: BTreeMap<String, CheckState>,
    /// The feed version last seen when following the public feed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followed_version: Option<u64>,
}

/// What is remembered of one check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckState {
    /// Where it stands.
    #[serde(default)]
    pub health: Health,
    /// The notice it opened, while that is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<Incident>,
    /// The last notice id number used, and on which day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_id: Option<IdCounter>,
}

/// The watchdog's open notice for a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// Its id: `watch-CHECK-YYYYMMDD-N`.
    pub notice_id: NoticeId,
    /// When the watchdog opened it.
    pub opened_at: Timestamp,
    /// Its status as the watchdog last published or saw it.
    pub status: Status,
    /// Where the last write went.
    pub via: Via,
    /// When the check recovered (the quiet period of `resolve_after` counts from here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered_at: Option<Timestamp>,
}

/// Where a write went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The admin API.
    Server,
    /// Signed here with the feed key, into the copies.
    BreakGlass,
}

impl Via {
    /// For logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Server => "server",
            Via::BreakGlass => "break_glass",
        }
    }
}

/// The last id number used on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdCounter {
    /// `YYYYMMDD` (UTC).
    pub day: String,
    /// The number.
    pub n: u32,
}

/// The watchdog's notice id prefix for `check`: `watch-CHECK-`. notice-server lets a watch token change a
/// notice with this prefix that came in with a break-glass document.
pub fn id_prefix(check: &str) -> String {
    format!("watch-{check}-")
}

/// Whether `id` is one of the watchdog's notices for `check` (`watch-CHECK-YYYYMMDD-N`, and not a check
/// whose name merely starts with this one's).
pub fn is_watch_id(check: &str, id: &NoticeId) -> bool {
    let Some(rest) = id.as_str().strip_prefix(&id_prefix(check)) else {
        return false;
    };
    let Some((day, n)) = rest.split_once('-') else {
        return false;
    };
    day.len() == 8 && day.chars().all(|c| c.is_ascii_digit()) && n.parse::<u32>().is_ok()
}

impl CheckState {
    /// The next notice id for `check` at `now`, counting on from the last one of the same day.
    pub fn next_id(&mut self, check: &str, now: Timestamp) -> Result<NoticeId, CliError> {
        let day = now.as_datetime().format("%Y%m%d").to_string();
        let n = match &self.last_id {
            Some(last) if last.day == day => last.n.saturating_add(1),
            _ => 1,
        };
        self.last_id = Some(IdCounter {
            day: day.clone(),
            n,
        });
        NoticeId::parse(&format!("{}{day}-{n}", id_prefix(check))).map_err(|e| {
            CliError::usage(format!(
                "internal: check name `{check}` makes no notice id: {e}"
            ))
        })
    }
}

/// The state directory, locked for this process; or, for a dry run, only read.
pub struct StateDir {
    dir: PathBuf,
    /// Held while the process runs; the lock goes with it. None: read only (a dry run), nothing is
    /// created, locked, moved or written.
    lock: Option<File>,
}

impl StateDir {
    /// Creates `dir` if needed (owner only) and locks it; fails when another watchdog holds it.
    pub fn open(dir: &Path) -> Result<Self, CliError> {
        fs::create_dir_all(dir).map_err(|e| CliError::io("create the state directory", dir, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
        }
        let path = dir.join(LOCK_FILE);
        let mut lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| CliError::io("open the lock file", &path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let holder = fs::read_to_string(&path).unwrap_or_default();
                return Err(CliError::usage_hint(
                    format!(
                        "another notice watch uses {} ({}); two would open two notices for one failure",
                        dir.display(),
                        holder.trim()
                    ),
                    "stop the other one, or give this one its own state_dir",
                ));
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(CliError::io("lock", &path, e));
            }
        }
        let holder = format!(
            "pid {} on {}",
            std::process::id(),
            std::env::var("HOSTNAME").unwrap_or_else(|_| "this host".to_owned())
        );
        let _ = lock.set_len(0);
        let _ = lock.write_all(holder.as_bytes());
        Ok(Self {
            dir: dir.to_owned(),
            lock: Some(lock),
        })
    }

    /// `dir` for a dry run: what earlier runs saved is read (when there is any), and nothing is written:
    /// no directory, no lock file, no state file; an unreadable state file stays where it is.
    pub fn read_only(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
            lock: None,
        }
    }

    /// Whether this is [`StateDir::read_only`].
    fn is_read_only(&self) -> bool {
        self.lock.is_none()
    }

    /// The state file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// The saved state; an empty one when there is none yet. A file that does not parse is moved aside
    /// (and said so): the watchdog then finds its open notices on the server by their ids.
    pub fn load(&self) -> Result<(State, Option<String>), CliError> {
        let path = self.path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((State::default(), None));
            }
            Err(e) => return Err(CliError::io("read", &path, e)),
        };
        match serde_json::from_slice(&bytes) {
            Ok(state) => Ok((state, None)),
            Err(e) if self.is_read_only() => Ok((
                State::default(),
                Some(format!(
                    "{} did not parse ({e}); a dry run leaves it as it is and starts afresh",
                    path.display()
                )),
            )),
            Err(e) => {
                let aside = path.with_extension(format!(
                    "json.unreadable-{}",
                    chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
                ));
                fs::rename(&path, &aside).map_err(|e| CliError::io("move aside", &path, e))?;
                Ok((
                    State::default(),
                    Some(format!(
                        "{} did not parse ({e}); moved to {}, starting afresh (open notices are found on the server by id)",
                        path.display(),
                        aside.display()
                    )),
                ))
            }
        }
    }

    /// Writes `state` atomically (read only: nothing).
    pub fn save(&self, state: &State) -> Result<(), CliError> {
        if self.is_read_only() {
            return Ok(());
        }
        let bytes = serde_json::to_vec_pretty(state)
            .map_err(|e| CliError::usage(format!("internal: state does not serialize: {e}")))?;
        write_atomically(&self.dir, STATE_FILE, &bytes)
    }
}

/// Writes `bytes` to `dir/name` atomically: a temporary file, fsync, rename, fsync of the directory, so a
/// crash leaves the old file or the new one.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), CliError> {
    let path = dir.join(name);
    let temp = dir.join(format!(".{name}.tmp"));
    let write = || -> std::io::Result<()> {
        let mut file = File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, &path)?;
        // The rename itself must survive a crash too.
        File::open(dir)?.sync_all()
    };
    write().map_err(|e| CliError::io("write", &path, e))
}

/// The file in `state_dir` with the newest verified document the watchdog read of the live feed
/// (`[follow]`). Break-glass takes it as a last known document next to the copies' own `feed.json` and
/// `[breakglass] last`, so that it can sign into an export directory that has no document yet.
pub const LAST_FEED_FILE: &str = "last-feed.json";

/// [`LAST_FEED_FILE`] of `state_dir`.
pub fn last_feed_path(state_dir: &Path) -> PathBuf {
    state_dir.join(LAST_FEED_FILE)
}

/// The kept document of the live feed ([`LAST_FEED_FILE`]): only ever replaced by a verified document of a
/// higher version, so a stale mirror never takes the place of a newer document.
pub struct KeptFeed {
    dir: PathBuf,
    /// The version kept; 0: none.
    version: u64,
}

impl KeptFeed {
    /// What `state_dir` keeps: the version of its document when that verifies under `trusted` (freshness
    /// aside: break-glass takes expired documents too), else none.
    pub fn open(state_dir: &Path, trusted: &TrustedRoot) -> Self {
        let version = fs::read(last_feed_path(state_dir))
            .ok()
            .and_then(|bytes| notice_publish::breakglass::open_last_known(&bytes, trusted).ok())
            .map_or(0, |(_, feed)| feed.version);
        Self {
            dir: state_dir.to_owned(),
            version,
        }
    }

    /// Keeps `bytes`, a document that verified just now with feed `version`, unless one of this version or
    /// a higher one is kept already; true when written.
    pub fn keep(&mut self, bytes: &[u8], version: u64) -> Result<bool, CliError> {
        if version <= self.version {
            return Ok(false);
        }
        write_atomically(&self.dir, LAST_FEED_FILE, bytes)?;
        self.version = version;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_count_up_per_day_and_are_recognised_per_check() {
        let mut state = CheckState::default();
        let day = Timestamp::parse("2026-11-23T16:45:00Z").unwrap();
        assert_eq!(
            state.next_id("keyshare", day).unwrap().as_str(),
            "watch-keyshare-20261123-1"
        );
        assert_eq!(
            state.next_id("keyshare", day).unwrap().as_str(),
            "watch-keyshare-20261123-2"
        );
        let next_day = day.plus_seconds(86_400);
        let id = state.next_id("keyshare", next_day).unwrap();
        assert_eq!(id.as_str(), "watch-keyshare-20261124-1");
        assert!(is_watch_id("keyshare", &id));
        assert!(!is_watch_id("key", &id), "another check's notice");
        assert!(!is_watch_id(
            "keyshare",
            &NoticeId::parse("watch-keyshare-x").unwrap()
        ));
    }

    #[test]
    fn the_state_file_is_written_atomically_read_back_and_locked() {
        let dir = tempfile::tempdir().unwrap();
        let state_dir = StateDir::open(dir.path()).unwrap();
        assert_eq!(state_dir.load().unwrap(), (State::default(), None));
        let mut state = State::default();
        state.checks.insert(
            "keyshare".to_owned(),
            CheckState {
                incident: Some(Incident {
                    notice_id: NoticeId::parse("watch-keyshare-20261123-1").unwrap(),
                    opened_at: Timestamp::from_unix(1_000),
                    status: Status::Investigating,
                    via: Via::BreakGlass,
                    recovered_at: None,
                }),
                ..CheckState::default()
            },
        );
        state_dir.save(&state).unwrap();
        assert_eq!(state_dir.load().unwrap().0, state);
        let second = StateDir::open(dir.path()).err().unwrap();
        assert!(
            second.to_string().contains("another notice watch"),
            "{second}"
        );

        std::fs::write(state_dir.path(), "{not json").unwrap();
        let (fresh, note) = state_dir.load().unwrap();
        assert_eq!(fresh, State::default());
        assert!(note.unwrap().contains("moved to"));
    }
}
