//! Key files: generating keys from the OS random source, writing them owner-only, reading them back.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::Path;

use notice_types::{RootPayload, SecretKey};
use rand::RngCore as _;
use zeroize::Zeroizing;

use super::{DataDir, StoreError};

/// A new Ed25519 key from the operating system's CSPRNG.
pub(crate) fn generate() -> SecretKey {
    let mut seed = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(seed.as_mut());
    SecretKey::from_seed(&seed)
}

/// Writes `key` to a new file at `path`, readable by the owner only, and flushes it to disk.
/// Refuses to overwrite an existing file.
pub(crate) fn write_new(path: &Path, key: &SecretKey) -> Result<(), StoreError> {
    write(path, key, true)
}

/// Writes `key` to `path`, replacing a file left by an interrupted earlier attempt.
pub(crate) fn write_replacing(path: &Path, key: &SecretKey) -> Result<(), StoreError> {
    write(path, key, false)
}

fn write(path: &Path, key: &SecretKey, create_new: bool) -> Result<(), StoreError> {
    // Encoded before the file is created, so a failure leaves no empty key file behind.
    let pem = key.to_pkcs8_pem().map_err(|source| StoreError::Key {
        path: path.to_owned(),
        source,
    })?;
    let mut options = OpenOptions::new();
    options.write(true);
    if create_new {
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let io = |e| StoreError::io("write", path, e);
    let mut file = options.open(path).map_err(io)?;
    // A file that existed before keeps its mode under `open`; make sure it is owner-only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(io)?;
    }
    file.write_all(pem.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

/// Reads a PKCS#8 PEM secret key.
pub fn read(path: &Path) -> Result<SecretKey, StoreError> {
    let text =
        Zeroizing::new(fs::read_to_string(path).map_err(|e| StoreError::io("read", path, e))?);
    SecretKey::from_pkcs8_pem(&text).map_err(|source| StoreError::Key {
        path: path.to_owned(),
        source,
    })
}

/// The feed key of `dir`, checked against `root`.
///
/// A rotation writes the next key beside the current one, commits the new root, then renames the next key
/// into place. If the process died between commit and rename, the next key is the right one: finish the
/// rename here.
pub(crate) fn load_feed_key(dir: &DataDir, root: &RootPayload) -> Result<SecretKey, StoreError> {
    let current = dir.feed_key();
    let key = read(&current)?;
    if root.feed_keys.contains(&key.public_key()) {
        return Ok(key);
    }
    for next in [dir.next_feed_key(), dir.legacy_next_feed_key()] {
        if !next.exists() {
            continue;
        }
        let key = read(&next)?;
        if root.feed_keys.contains(&key.public_key()) {
            match fs::rename(&next, &current) {
                Ok(()) => {}
                // Another process finished the rename first.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io("rename", next, e)),
            }
            return Ok(key);
        }
    }
    Err(StoreError::FeedKeyNotInRoot {
        path: current,
        root_version: root.version,
    })
}

/// Writes `bytes` to `path` (a public file such as root.json), flushed to disk.
pub(crate) fn write_public(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let io = |e| StoreError::io("write", path, e);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_written_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.pem");
        let key = generate();
        write_new(&path, &key).unwrap();
        assert_eq!(read(&path).unwrap().public_key(), key.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(write_new(&path, &key), Err(StoreError::Io { .. })));
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(generate().public_key(), generate().public_key());
    }
}
