//! A directory as a copy: every file goes to a temporary file in its own directory, is flushed to disk and
//! renamed over the old one, so a static host serving the directory never sees half a file, and an
//! interrupted write leaves the old file (and no temporary one). The directories are flushed after the
//! renames, so the new names survive a crash.

use std::io::Write as _;
use std::path::Path;

use crate::error::CopyError;

/// Reads `dir/path`, at most `cap` bytes; `None` when it does not exist.
pub(crate) fn read(dir: &Path, path: &str, cap: u64) -> Result<Option<Vec<u8>>, CopyError> {
    let file = dir.join(path);
    let failed = |reason: String| CopyError::Failed {
        target: dir.display().to_string(),
        action: "read",
        path: path.to_owned(),
        reason,
    };
    match std::fs::metadata(&file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(failed(e.to_string())),
        Ok(meta) if meta.len() > cap => {
            return Err(failed(format!(
                "{} bytes, more than any published document ({cap})",
                meta.len()
            )));
        }
        Ok(_) => {}
    }
    std::fs::read(&file)
        .map(Some)
        .map_err(|e| failed(e.to_string()))
}

/// Writes `bytes` to `dir/path` (creating parent directories) through a flushed temporary file and a rename.
pub(crate) fn write(dir: &Path, path: &str, bytes: &[u8]) -> Result<(), CopyError> {
    let file = dir.join(path);
    let parent = file.parent().unwrap_or(dir);
    let failed = |reason: String| CopyError::Failed {
        target: dir.display().to_string(),
        action: "write",
        path: path.to_owned(),
        reason,
    };
    std::fs::create_dir_all(parent)
        .map_err(|e| failed(format!("cannot create the directory: {e}")))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".notice-copy-")
        .tempfile_in(parent)
        .map_err(|e| failed(format!("cannot create a temporary file: {e}")))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| failed(e.to_string()))?;
    // World-readable like any published file (tempfile creates owner-only files).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| failed(e.to_string()))?;
    }
    temp.persist(&file)
        .map_err(|e| failed(e.error.to_string()))?;
    Ok(())
}

/// Makes the renames in `dir` durable (a no-op where directories cannot be opened, e.g. Windows).
pub(crate) fn sync(dir: &Path) -> Result<(), CopyError> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| CopyError::Failed {
            target: dir.display().to_string(),
            action: "write",
            path: ".".to_owned(),
            reason: format!("cannot flush the directory: {e}"),
        })?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
