//! One server per data directory. Two servers on one directory would both sign, from one key, two different
//! feeds with the same version numbers: phones would accept whichever they saw first. `serve` (and `restore`,
//! which replaces the database) hold an exclusive lock on `notice.lock` for as long as they run; the
//! operating system releases it when the process ends, however it ends. The file says who holds it, so the
//! second server can name the first.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};

use notice_types::Timestamp;

use super::{DataDir, StoreError};

/// The held lock of a data directory; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Takes the lock of `dir` for `purpose` (`serve`, `restore`), or says who holds it.
    pub fn acquire(dir: &DataDir, purpose: &str, now: Timestamp) -> Result<Self, StoreError> {
        let path = dir.lock_file();
        let io = |e| StoreError::io("open", &path, e);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                // Best effort: the holder wrote it just after taking the lock.
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(StoreError::Locked {
                    dir: dir.path().to_owned(),
                    holder: if holder.is_empty() {
                        "another process".to_owned()
                    } else {
                        holder.chars().take(200).collect()
                    },
                });
            }
            Err(TryLockError::Error(e)) => return Err(StoreError::io("lock", &path, e)),
        }
        let holder = format!(
            "notice-server {purpose} (pid {} on {}, since {now})",
            std::process::id(),
            hostname()
        );
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(holder.as_bytes()))
            .and_then(|()| file.sync_all())
            .map_err(|e| StoreError::io("write", &path, e))?;
        Ok(Self { _file: file })
    }
}

/// This machine's name, for the lock file (so an operator knows where to look).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_owned())
        .ok()
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "this host".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_and_told_who_holds_it_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path());
        let now = Timestamp::from_unix(1_790_000_000);
        let first = DataDirLock::acquire(&data, "serve", now).unwrap();
        let err = DataDirLock::acquire(&data, "serve", now).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("in use by notice-server serve (pid"),
            "{message}"
        );
        assert!(
            message.contains(&std::process::id().to_string()),
            "{message}"
        );
        drop(first);
        DataDirLock::acquire(&data, "restore", now).unwrap();
    }
}
