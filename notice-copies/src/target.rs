//! Where a copy lives, from the URL an operator writes: `s3://bucket/prefix`, a directory (`/srv/notice`,
//! `file:///srv/notice`), or, read-only, an `https://` URL of a copy someone else keeps (a CDN, a mirror).

use std::fmt;
use std::path::PathBuf;

use url::Url;

use crate::error::CopyError;
use crate::s3::S3Target;

/// A copy's location.
#[derive(Clone, PartialEq, Eq)]
pub enum Target {
    /// A directory on this machine (a static host's root, a synced folder).
    Dir(PathBuf),
    /// A bucket and prefix on an S3-compatible store.
    S3(S3Target),
    /// A copy served over HTTP(S): read only (its `feed.json` is `URL/feed.json`, or the URL itself when it
    /// names a `.json` file).
    Http(Url),
}

impl Target {
    /// Reads a target from what an operator typed. S3 endpoints, regions and credentials come from `env`
    /// (the variables the AWS tools read) and the AWS profile files, as [`S3Target::parse`] says.
    pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Target, CopyError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CopyError::target(
                text,
                "empty; give s3://BUCKET/PREFIX, a directory, or an https:// URL",
            ));
        }
        if let Some(rest) = text.strip_prefix("s3://") {
            return S3Target::parse(text, rest, env).map(Target::S3);
        }
        if text.starts_with("file:") {
            let url = Url::parse(text).map_err(|e| CopyError::target(text, e.to_string()))?;
            return url.to_file_path().map(Target::Dir).map_err(|()| {
                CopyError::target(text, "not a local path; write file:///absolute/path")
            });
        }
        if text.starts_with("https://") || text.starts_with("http://") {
            let url = Url::parse(text).map_err(|e| CopyError::target(text, e.to_string()))?;
            return Ok(Target::Http(url));
        }
        if text.contains("://") {
            return Err(CopyError::target(
                text,
                "unknown scheme; give s3://BUCKET/PREFIX, a directory, or an https:// URL",
            ));
        }
        Ok(Target::Dir(PathBuf::from(text)))
    }

    /// Whether copies can be written here (not an HTTP URL).
    pub fn is_writable(&self) -> bool {
        !matches!(self, Target::Http(_))
    }
}

/// How the target is named in logs, metrics and messages: never a credential.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Dir(path) => write!(f, "{}", path.display()),
            Target::S3(s3) => write!(f, "{s3}"),
            Target::Http(url) => {
                // Userinfo in a URL is a credential; show the rest.
                let mut shown = url.clone();
                let _ = shown.set_username("");
                let _ = shown.set_password(None);
                write!(f, "{shown}")
            }
        }
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Target({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn targets_are_read_from_urls_and_paths() {
        assert_eq!(
            Target::parse("/srv/notice", &no_env).unwrap(),
            Target::Dir(PathBuf::from("/srv/notice"))
        );
        assert_eq!(
            Target::parse("./export", &no_env).unwrap(),
            Target::Dir(PathBuf::from("./export"))
        );
        assert_eq!(
            Target::parse("file:///srv/notice", &no_env).unwrap(),
            Target::Dir(PathBuf::from("/srv/notice"))
        );
        let http = Target::parse("https://cdn.example.org/notice/", &no_env).unwrap();
        assert!(!http.is_writable());
        let s3 = Target::parse("s3://bucket/prefix", &no_env).unwrap();
        assert!(s3.is_writable());
        assert_eq!(s3.to_string(), "s3://bucket/prefix");
    }

    #[test]
    fn bad_targets_say_what_to_write() {
        for bad in ["", "ftp://host/x", "file://host/x", "s3://", "s3:///prefix"] {
            let err = Target::parse(bad, &no_env).unwrap_err().to_string();
            assert!(!err.is_empty(), "{bad}");
        }
    }

    #[test]
    fn urls_are_shown_without_credentials() {
        let target = Target::parse("https://user:secret@cdn.example.org/x/", &no_env).unwrap();
        assert!(!target.to_string().contains("secret"), "{target}");
        assert!(!format!("{target:?}").contains("secret"));
    }
}
