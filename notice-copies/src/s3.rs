//! S3-compatible buckets: where the settings come from, and signed requests.
//!
//! Requests are signed with `rusty-s3` (SigV4, presigned URLs) and sent with ureq, so this works the same in
//! the server and in the `notice` CLI, which has no async runtime.
//!
//! # Settings, the way the AWS tools take them
//! For `s3://BUCKET/PREFIX`, first match wins:
//! - credentials: `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`); else the profile's
//!   `aws_access_key_id` / `aws_secret_access_key` / `aws_session_token` in the shared credentials file
//!   (`AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/credentials`) or the config file; else none
//!   (anonymous requests, for a public-read bucket). A `?profile=` in the URL names the profile whose keys
//!   are used, over the environment's (as `aws --profile` does).
//! - region: `?region=` in the URL, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`,
//!   `us-east-1`.
//! - endpoint: `?endpoint=` in the URL, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's
//!   `endpoint_url`, else AWS's own (`https://s3.REGION.amazonaws.com`).
//! - profile: `?profile=` in the URL, `AWS_PROFILE`, `default`; the config file is `AWS_CONFIG_FILE`,
//!   default `~/.aws/config` (sections `[profile NAME]`, `[default]`).
//! - addressing: `?style=path|virtual`; default virtual-hosted for AWS, path-style for any other endpoint
//!   (what S3-compatible stores support).
//!
//! URL parameters exist because one server may publish to buckets at two providers, which one set of
//! environment variables cannot describe.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use rusty_s3::actions::{GetObject, PutObject, S3Action as _};
use rusty_s3::{Bucket, Credentials, UrlStyle};
use url::Url;
use zeroize::Zeroizing;

use crate::error::CopyError;
use crate::http::{Client, Fetched};

/// How long a signed request stays valid: long enough for a slow upload, short enough to be useless later.
const SIGNATURE_VALIDITY: Duration = Duration::from_secs(300);

/// Access keys. The secret is wiped from memory when dropped and never formatted.
#[derive(Clone, PartialEq, Eq)]
struct Keys {
    access_key: String,
    secret: Zeroizing<String>,
    session_token: Option<Zeroizing<String>>,
}

/// A bucket and prefix with everything needed to reach it.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Target {
    bucket: String,
    /// Empty, or ends with `/`.
    prefix: String,
    endpoint: Url,
    region: String,
    path_style: bool,
    keys: Option<Keys>,
}

impl fmt::Display for S3Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "s3://{}/{}",
            self.bucket,
            self.prefix.trim_end_matches('/')
        )
    }
}

impl S3Target {
    /// `s3://BUCKET/PREFIX/path?endpoint=…&region=…`: the object at `path` with the endpoint and region
    /// this target resolved to (from its URL, the environment or a profile), never credentials. What to
    /// give another command, on another machine, to reach the same object.
    pub fn url_of(&self, path: &str) -> String {
        format!(
            "s3://{}/{}{path}?endpoint={}&region={}",
            self.bucket,
            self.prefix,
            self.endpoint.as_str().trim_end_matches('/'),
            self.region
        )
    }
}

impl fmt::Debug for S3Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Target")
            .field("url", &self.to_string())
            .field("endpoint", &self.endpoint.as_str())
            .field("region", &self.region)
            .field("credentials", &self.keys.is_some())
            .finish()
    }
}

/// The parameters an `s3://` URL may carry.
#[derive(Default)]
struct UrlParams {
    region: Option<String>,
    endpoint: Option<String>,
    profile: Option<String>,
    style: Option<String>,
}

impl S3Target {
    /// Reads `s3://BUCKET/PREFIX?…` (`text`; `rest` is what follows `s3://`) with the settings of `env` and
    /// the AWS profile files (see the module documentation).
    pub(crate) fn parse(
        text: &str,
        rest: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, CopyError> {
        let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
        if bucket.is_empty() {
            return Err(CopyError::target(
                text,
                "no bucket; write s3://BUCKET/PREFIX",
            ));
        }
        if !bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'))
        {
            return Err(CopyError::target(
                text,
                "a bucket name has lowercase letters, digits, '-' and '.' only",
            ));
        }
        let prefix = prefix.trim_matches('/');
        let prefix = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        let mut params = UrlParams::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = Some(value.to_owned());
            match key {
                "region" => params.region = value,
                "endpoint" => params.endpoint = value,
                "profile" => params.profile = value,
                "style" => params.style = value,
                other => {
                    return Err(CopyError::target(
                        text,
                        format!(
                            "unknown parameter `{other}`; known: region, endpoint, profile, style"
                        ),
                    ));
                }
            }
        }
        let explicit_profile = params.profile.is_some();
        let profile_name = params
            .profile
            .clone()
            .or_else(|| env("AWS_PROFILE"))
            .unwrap_or_else(|| "default".to_owned());
        let profile = Profile::load(&profile_name, env);
        let region = params
            .region
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| profile.get("region"))
            .unwrap_or_else(|| "us-east-1".to_owned());
        let custom_endpoint = params
            .endpoint
            .or_else(|| env("AWS_ENDPOINT_URL_S3"))
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .or_else(|| profile.get("endpoint_url"));
        let endpoint_text = custom_endpoint
            .clone()
            .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        let endpoint = Url::parse(&endpoint_text)
            .map_err(|e| CopyError::target(text, format!("endpoint `{endpoint_text}`: {e}")))?;
        if !matches!(endpoint.scheme(), "https" | "http") {
            return Err(CopyError::target(
                text,
                format!("endpoint `{endpoint_text}` is not an http(s) URL"),
            ));
        }
        let path_style = match params.style.as_deref() {
            None => custom_endpoint.is_some(),
            Some("path") => true,
            Some("virtual") => false,
            Some(other) => {
                return Err(CopyError::target(
                    text,
                    format!("style `{other}`: give path or virtual"),
                ));
            }
        };
        let from_env = match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            (Some(access_key), Some(secret)) => Some(Keys {
                access_key,
                secret: Zeroizing::new(secret),
                session_token: env("AWS_SESSION_TOKEN").map(Zeroizing::new),
            }),
            _ => None,
        };
        let from_profile = match (
            profile.get("aws_access_key_id"),
            profile.get("aws_secret_access_key"),
        ) {
            (Some(access_key), Some(secret)) => Some(Keys {
                access_key,
                secret: Zeroizing::new(secret),
                session_token: profile.get("aws_session_token").map(Zeroizing::new),
            }),
            _ => None,
        };
        // As the AWS tools: a profile named for this target (`--profile`) wins over the environment's keys;
        // otherwise the environment's keys win over the profile's.
        let keys = if explicit_profile {
            from_profile
        } else {
            from_env.or(from_profile)
        };
        let target = Self {
            bucket: bucket.to_owned(),
            prefix,
            endpoint,
            region,
            path_style,
            keys,
        };
        // Checked now, so a typo is reported when the target is configured rather than at the first upload.
        target
            .bucket()
            .map_err(|reason| CopyError::target(text, reason))?;
        Ok(target)
    }

    fn bucket(&self) -> Result<Bucket, String> {
        let style = if self.path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        Bucket::new(
            self.endpoint.clone(),
            style,
            self.bucket.clone(),
            self.region.clone(),
        )
        .map_err(|e| format!("cannot address bucket `{}`: {e}", self.bucket))
    }

    fn credentials(&self) -> Option<Credentials> {
        self.keys.as_ref().map(|keys| match &keys.session_token {
            Some(token) => Credentials::new_with_token(
                keys.access_key.clone(),
                keys.secret.as_str().to_owned(),
                token.as_str().to_owned(),
            ),
            None => Credentials::new(keys.access_key.clone(), keys.secret.as_str().to_owned()),
        })
    }

    /// The object key of `path` under the prefix.
    fn key(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    /// Reads object `path`, at most `cap` bytes; `None` when it does not exist.
    pub(crate) fn get(
        &self,
        client: &Client,
        path: &str,
        cap: u64,
    ) -> Result<Option<Fetched>, CopyError> {
        let bucket = self.bucket().map_err(|e| self.failed("read", path, e))?;
        let credentials = self.credentials();
        let key = self.key(path);
        let url = GetObject::new(&bucket, credentials.as_ref(), &key).sign(SIGNATURE_VALIDITY);
        let answer = client
            .get(url.as_str(), cap)
            .map_err(|e| self.failed("read", path, e))?;
        match answer.status {
            200 => Ok(Some(answer)),
            404 => Ok(None),
            status => Err(self.failed("read", path, s3_error(status, &answer.body))),
        }
    }

    /// Writes object `path`. With `if_match`, only if it still has that ETag (`*`-less conditional write;
    /// stores that do not support it answer as they do, and the caller's read-before-write still stands).
    pub(crate) fn put(
        &self,
        client: &Client,
        path: &str,
        body: &[u8],
        content_type: &str,
        cache_control: &str,
        if_match: Option<&str>,
    ) -> Result<PutOutcome, CopyError> {
        let bucket = self.bucket().map_err(|e| self.failed("write", path, e))?;
        let credentials = self.credentials();
        let key = self.key(path);
        let url = PutObject::new(&bucket, credentials.as_ref(), &key).sign(SIGNATURE_VALIDITY);
        let mut headers = vec![
            ("content-type", content_type.to_owned()),
            ("cache-control", cache_control.to_owned()),
        ];
        if let Some(etag) = if_match {
            headers.push(("if-match", etag.to_owned()));
        }
        let answer = client
            .put(url.as_str(), &headers, body)
            .map_err(|e| self.failed("write", path, e))?;
        match answer.status {
            200..=299 => Ok(PutOutcome::Written),
            // Someone wrote the object since it was read.
            412 => Ok(PutOutcome::Changed),
            // A store without conditional writes may refuse the header outright.
            501 if if_match.is_some() => Ok(PutOutcome::Unsupported),
            status => Err(self.failed("write", path, s3_error(status, &answer.body))),
        }
    }

    fn failed(&self, action: &'static str, path: &str, reason: impl Into<String>) -> CopyError {
        CopyError::Failed {
            target: self.to_string(),
            action,
            path: path.to_owned(),
            reason: reason.into(),
        }
    }
}

/// What a conditional [`S3Target::put`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PutOutcome {
    /// Written.
    Written,
    /// The object changed since it was read (`412 Precondition Failed`): nothing written.
    Changed,
    /// The store does not take conditional writes: nothing written.
    Unsupported,
}

/// An S3 error answer in words: the status, the error code of its XML body, and what to check.
fn s3_error(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let code = text
        .split("<Code>")
        .nth(1)
        .and_then(|rest| rest.split("</Code>").next())
        .filter(|code| code.len() <= 64 && code.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or("");
    let hint = match (status, code) {
        (403, _) | (_, "InvalidAccessKeyId" | "SignatureDoesNotMatch" | "AccessDenied") => {
            "; check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the profile) and that they may write this bucket"
        }
        (_, "NoSuchBucket") => "; check the bucket name, the endpoint and the region",
        (301 | 307, _) => "; the bucket is in another region: set ?region= or AWS_REGION",
        _ => "",
    };
    if code.is_empty() {
        format!("HTTP {status}{hint}")
    } else {
        format!("HTTP {status} {code}{hint}")
    }
}

/// One profile of the AWS shared config and credentials files (credentials file first).
#[derive(Default)]
struct Profile {
    sections: Vec<ini::Properties>,
}

impl Profile {
    fn load(name: &str, env: &dyn Fn(&str) -> Option<String>) -> Self {
        let home = env("HOME").map(PathBuf::from);
        let file = |variable: &str, default: &str| {
            env(variable)
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
        };
        let mut sections = Vec::new();
        // In the credentials file a section is the bare name; in the config file `profile NAME`, except
        // `default`.
        let config_section = if name == "default" {
            name.to_owned()
        } else {
            format!("profile {name}")
        };
        for (path, section) in [
            (
                file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
                name.to_owned(),
            ),
            (file("AWS_CONFIG_FILE", "config"), config_section),
        ] {
            // A missing or unreadable file is the same as an empty one: the settings then come from
            // elsewhere or are missing, and the request says so.
            let Some(ini) = path.and_then(|p| ini::Ini::load_from_file(p).ok()) else {
                continue;
            };
            if let Some(properties) = ini.section(Some(section.as_str())) {
                sections.push(properties.clone());
            }
        }
        Self { sections }
    }

    fn get(&self, key: &str) -> Option<String> {
        self.sections
            .iter()
            .find_map(|s| s.get(key))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(text: &str, vars: &[(&str, &str)]) -> Result<S3Target, CopyError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let env = move |name: &str| vars.get(name).cloned();
        S3Target::parse(text, text.trim_start_matches("s3://"), &env)
    }

    #[test]
    fn settings_come_from_the_url_then_the_environment_then_defaults() {
        let plain = parse("s3://bucket/a/b/", &[]).unwrap();
        assert_eq!(plain.prefix, "a/b/");
        assert_eq!(plain.region, "us-east-1");
        assert_eq!(
            plain.endpoint.as_str(),
            "https://s3.us-east-1.amazonaws.com/"
        );
        assert!(!plain.path_style);
        assert!(plain.keys.is_none());
        assert_eq!(plain.key("feed.json"), "a/b/feed.json");

        let env = [
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s3cret"),
        ];
        let configured = parse("s3://bucket", &env).unwrap();
        assert_eq!(configured.region, "eu-west-1");
        assert!(
            configured.path_style,
            "custom endpoints default to path style"
        );
        assert_eq!(configured.prefix, "");
        assert_eq!(configured.keys.as_ref().unwrap().access_key, "AKID");

        let overridden = parse(
            "s3://bucket/p?region=nl-ams&endpoint=https://s3.nl-ams.scw.cloud&style=virtual",
            &env,
        )
        .unwrap();
        assert_eq!(overridden.region, "nl-ams");
        assert_eq!(overridden.endpoint.host_str(), Some("s3.nl-ams.scw.cloud"));
        assert!(!overridden.path_style);
    }

    #[test]
    fn a_profile_supplies_what_the_environment_does_not() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("credentials"),
            "[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = d\n\n[backup]\naws_access_key_id = BACKUPKEY\naws_secret_access_key = b\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("config"),
            "[profile backup]\nregion = nl-ams\nendpoint_url = https://s3.nl-ams.scw.cloud\n",
        )
        .unwrap();
        let credentials = dir.path().join("credentials");
        let config = dir.path().join("config");
        let env = [
            ("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap()),
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ];
        let default = parse("s3://bucket", &env).unwrap();
        assert_eq!(default.keys.unwrap().access_key, "DEFAULTKEY");
        let backup = parse("s3://bucket?profile=backup", &env).unwrap();
        assert_eq!(backup.keys.as_ref().unwrap().access_key, "BACKUPKEY");
        assert_eq!(backup.region, "nl-ams");
        assert!(backup.path_style);
        let mut with_profile_var = env.to_vec();
        with_profile_var.push(("AWS_PROFILE", "backup"));
        assert_eq!(
            parse("s3://bucket", &with_profile_var).unwrap().region,
            "nl-ams"
        );

        // Keys in the environment win over the default profile's, and lose to a profile the URL names.
        let mut with_keys = env.to_vec();
        with_keys.extend([
            ("AWS_ACCESS_KEY_ID", "ENVKEY"),
            ("AWS_SECRET_ACCESS_KEY", "e"),
        ]);
        let key_of = |url: &str| parse(url, &with_keys).unwrap().keys.unwrap().access_key;
        assert_eq!(key_of("s3://bucket"), "ENVKEY");
        assert_eq!(key_of("s3://bucket?profile=backup"), "BACKUPKEY");
    }

    #[test]
    fn the_secret_is_never_shown() {
        let target = parse(
            "s3://bucket/p",
            &[
                ("AWS_ACCESS_KEY_ID", "AKID"),
                ("AWS_SECRET_ACCESS_KEY", "very-secret"),
            ],
        )
        .unwrap();
        assert!(!format!("{target} {target:?}").contains("very-secret"));
    }

    #[test]
    fn bad_urls_are_refused_with_the_reason() {
        for (url, expect) in [
            ("s3:///p", "no bucket"),
            ("s3://Bucket_Name/p", "lowercase"),
            ("s3://bucket?colour=blue", "unknown parameter `colour`"),
            ("s3://bucket?style=sideways", "style"),
            ("s3://bucket?endpoint=ftp://x", "not an http(s) URL"),
        ] {
            let err = parse(url, &[]).unwrap_err().to_string();
            assert!(err.contains(expect), "{url}: {err}");
        }
    }

    #[test]
    fn s3_errors_are_put_in_words() {
        let denied = s3_error(
            403,
            b"<Error><Code>SignatureDoesNotMatch</Code><Message>x</Message></Error>",
        );
        assert!(
            denied.contains("SignatureDoesNotMatch") && denied.contains("credentials"),
            "{denied}"
        );
        assert_eq!(s3_error(500, b"<html>"), "HTTP 500");
        assert!(s3_error(404, b"<Code>NoSuchBucket</Code>").contains("bucket name"));
    }
}
