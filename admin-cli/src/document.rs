//! Reading a published document or root file from a URL or a file, never more than
//! [`MAX_DOCUMENT_BYTES`]: the cap is applied while reading, as the app applies it.

use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use notice_types::limits::MAX_DOCUMENT_BYTES;
use ureq::http::Request;

use crate::error::{CliError, Source};
use crate::http::{Http, TooLarge};

/// Where a document is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Fetched over HTTP(S).
    Url(String),
    /// Read from disk.
    File(PathBuf),
    /// The `feed.json` of a copy in a bucket (`s3://BUCKET/PREFIX[/feed.json]`), read with the bucket's
    /// settings (AWS variables and profiles).
    Copy(Box<notice_copies::Target>),
}

impl Location {
    /// `http://…` and `https://…` are URLs, `s3://…` a bucket copy; anything else is a file path.
    pub fn parse(text: &str) -> Result<Self, CliError> {
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            Ok(Location::Url(text.to_owned()))
        } else if lower.starts_with("s3://") {
            // `s3://BUCKET/PREFIX/feed.json` and `s3://BUCKET/PREFIX` name the same copy.
            let (location, query) = text
                .split_once('?')
                .map_or((text, None), |(l, q)| (l, Some(q)));
            let copy = location
                .strip_suffix(crate::export::FEED_FILE)
                .unwrap_or(location)
                .trim_end_matches('/');
            let copy = match query {
                Some(query) => format!("{copy}?{query}"),
                None => copy.to_owned(),
            };
            let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
            notice_copies::Target::parse(&copy, &env)
                .map(|target| Location::Copy(Box::new(target)))
                .map_err(|e| crate::export::copy_error(&e))
        } else {
            Ok(Location::File(PathBuf::from(text)))
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Url(url) => f.write_str(url),
            Location::File(path) => write!(f, "{}", path.display()),
            Location::Copy(target) => write!(f, "{}", crate::export::copy_document(target)),
        }
    }
}

/// Reads the document at `location`.
pub fn read(location: &Location, http: &Http) -> Result<Vec<u8>, CliError> {
    match location {
        Location::File(path) => read_file(path),
        Location::Url(url) => fetch(url, http),
        Location::Copy(target) => read_copy(target),
    }
}

/// The `feed.json` of a copy.
fn read_copy(target: &notice_copies::Target) -> Result<Vec<u8>, CliError> {
    let client = notice_copies::Client::new(std::time::Duration::from_secs(15));
    match notice_copies::read_document(target, &client) {
        Ok(Some(held)) => Ok(held.document),
        Ok(None) => Err(CliError::usage_hint(
            format!("{target} holds no feed.json"),
            "check the bucket and prefix (s3://BUCKET/PREFIX, where an export or the server's --publish-to writes)",
        )),
        Err(e) => Err(crate::export::copy_error(&e)),
    }
}

/// Reads a file, refusing one larger than the cap without reading all of it.
pub fn read_file(path: &Path) -> Result<Vec<u8>, CliError> {
    let file = std::fs::File::open(path).map_err(|e| CliError::io("read", path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_DOCUMENT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::io("read", path, e))?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(too_large(path.display().to_string()));
    }
    Ok(bytes)
}

fn fetch(url: &str, http: &Http) -> Result<Vec<u8>, CliError> {
    let request = Request::get(url)
        .body(())
        .map_err(|e| CliError::usage(format!("bad URL {url}: {e}")))?;
    let answer = http.exchange(
        request,
        MAX_DOCUMENT_BYTES as u64,
        &Source::Flag(crate::error::ARGUMENT),
    )?;
    match answer {
        Ok(answer) if answer.status == 200 => Ok(answer.body),
        Ok(answer) => Err(CliError::Server {
            status: answer.status,
            message: format!("GET {url} did not return the document"),
        }),
        Err(TooLarge) => Err(too_large(url.to_owned())),
    }
}

fn too_large(what: String) -> CliError {
    CliError::Verification {
        what,
        code: "too_large",
        message: format!("larger than {MAX_DOCUMENT_BYTES} bytes, the most any app reads"),
        hint: Some("this is not a Notice document, or a broken or hostile copy".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths_are_told_apart() {
        assert_eq!(
            Location::parse("https://cdn.example/v1/feed.json").unwrap(),
            Location::Url("https://cdn.example/v1/feed.json".into())
        );
        assert_eq!(
            Location::parse("feed.json").unwrap(),
            Location::File(PathBuf::from("feed.json"))
        );
        let bucket = Location::parse("s3://bucket/prefix/feed.json").unwrap();
        assert_eq!(bucket, Location::parse("s3://bucket/prefix").unwrap());
        assert_eq!(bucket.to_string(), "s3://bucket/prefix/feed.json");
        assert!(Location::parse("s3://Not_A_Bucket/x").is_err());
    }

    #[test]
    fn an_oversize_file_is_refused_as_the_app_refuses_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        std::fs::write(&path, vec![b' '; MAX_DOCUMENT_BYTES + 1]).unwrap();
        let err = read_file(&path).unwrap_err();
        assert!(
            matches!(
                err,
                CliError::Verification {
                    code: "too_large",
                    ..
                }
            ),
            "{err}"
        );
        std::fs::write(&path, vec![b' '; MAX_DOCUMENT_BYTES]).unwrap();
        assert_eq!(read_file(&path).unwrap().len(), MAX_DOCUMENT_BYTES);
    }
}
