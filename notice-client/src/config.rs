//! Configuration: which feed, which root to trust, where to fetch it, where to remember it, and who is looking.
//!
//! Apps build a [`Config`] in Rust or pass the same thing as JSON through the C ABI ([`Config::from_json`]).
//! [`Config::validate`] turns it into [`Settings`], whose existence proves every check passed.

use std::path::PathBuf;
use std::time::Duration;

use notice_types::{FeedId, LanguageTag, Platform, TrustedRoot};
use serde::{Deserialize, Serialize};

use crate::mirror_url::MirrorUrl;

/// Most mirrors one client fetches from. Each one costs a thread and a request per refresh.
pub const MAX_MIRRORS: usize = 8;

/// Longest `Retry-After` a mirror can impose on this client. A misconfigured mirror must not silence itself
/// on millions of phones for days; the other mirrors are asked regardless.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Everything a [`crate::Client`] needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The feed this app shows, e.g. `yivi-app/production`; must match the trusted root.
    pub feed_id: FeedId,
    /// The root document the app ships (the JSON root envelope file, as bytes).
    pub trusted_root: Vec<u8>,
    /// Mirror URLs of the published document, ideally on independent providers. `https://` only; plain
    /// `http://` is accepted for loopback hosts (development and tests). ASCII only: percent-encode the path
    /// and write an internationalized host in its `xn--` form.
    pub mirrors: Vec<String>,
    /// A directory only this client writes to (created if missing): the last verified document, floors and
    /// dismissals live here.
    pub state_dir: PathBuf,
    /// Who is looking: platform, app version, languages.
    pub context: AppContext,
    /// Timeouts and the minimum refresh interval.
    pub timeouts: Timeouts,
    /// Certificates (PEM text, one or more `BEGIN CERTIFICATE` blocks) of a private CA that mirrors' TLS
    /// certificates may chain to, for operators with their own PKI. Trusted in addition to the public roots,
    /// never instead: a mirror the public roots do not accept is asked once more, trusting these. Needs the
    /// `https` feature (without it, the app fetches and sets up TLS itself).
    pub ca_certs_pem: Option<String>,
}

/// Who is looking; decides which notices apply and in which language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppContext {
    /// `android` or `ios`; absent shows notices for every platform.
    #[serde(default)]
    pub platform: Option<Platform>,
    /// The app's version (`25.3.1`); absent ignores version targeting.
    #[serde(default)]
    pub app_version: Option<semver::Version>,
    /// Preferred locales as the platform reports them (`nl_NL`, `de-DE`, `en`), most preferred first.
    /// Entries that are not a language (`C`, `POSIX`, empty) are skipped; English is always the last resort.
    #[serde(default)]
    pub locales: Vec<String>,
}

impl AppContext {
    /// The locales as language tags, skipping those that are not a language.
    pub fn language_tags(&self) -> Vec<LanguageTag> {
        self.locales
            .iter()
            .filter_map(|l| LanguageTag::from_locale(l))
            .collect()
    }

    /// Parses the context JSON of the C ABI: `{"platform": "android", "app_version": "25.3.1",
    /// "locales": ["nl_NL"]}`; every field is optional.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        serde_json::from_str(text).map_err(ConfigError::from_serde)
    }
}

/// How long the network may take. Refreshing never blocks the app's start (it runs in the background), but
/// it must end: these bound it.
///
/// The shorter bound wins: a per-mirror timeout longer than the deadline acts as the deadline, and a connect
/// timeout longer than the per-mirror one acts as that. So setting only `deadline` (say 3 s) shortens
/// everything, as an app developer expects, instead of being refused for the longer defaults below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Per mirror: connecting (TCP and TLS handshake). At most `mirror`.
    pub connect: Duration,
    /// Per mirror: the whole request, from DNS to the last body byte. At most `deadline`.
    pub mirror: Duration,
    /// The whole refresh, all mirrors together; `refresh` returns by then.
    pub deadline: Duration,
    /// Refreshes closer together than this do not touch the network: millions of phones resuming at once
    /// must not become a flood.
    pub min_refresh_interval: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(3),
            mirror: Duration::from_secs(5),
            deadline: Duration::from_secs(10),
            min_refresh_interval: Duration::from_secs(60),
        }
    }
}

impl Timeouts {
    /// Longest allowed deadline: a refresh that can take minutes is a hung refresh.
    pub const MAX_DEADLINE: Duration = Duration::from_secs(120);

    /// The timeouts a refresh uses: checked, and nested (the shorter bound wins, see [`Timeouts`]).
    fn validate(&self) -> Result<Timeouts, ConfigError> {
        let invalid = |detail: &str| Err(ConfigError::Invalid(format!("timeouts: {detail}")));
        if self.connect.is_zero() || self.mirror.is_zero() || self.deadline.is_zero() {
            return invalid("connect, mirror and deadline must be more than 0");
        }
        if self.deadline > Self::MAX_DEADLINE {
            return invalid("deadline_ms must be at most 120000 (2 minutes)");
        }
        if self.min_refresh_interval > Duration::from_secs(86_400) {
            return invalid("min_refresh_interval_s must be at most 86400 (a day)");
        }
        let mirror = self.mirror.min(self.deadline);
        Ok(Timeouts {
            connect: self.connect.min(mirror),
            mirror,
            ..*self
        })
    }
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration text is not JSON.
    #[error("configuration is not valid JSON: {0}")]
    Syntax(String),
    /// A field is missing, unknown or has a wrong value.
    #[error("invalid configuration: {0}")]
    Invalid(String),
    /// The trusted root is not a root document signed by its own keys.
    #[error("trusted_root is not a valid root document ({code}): {0}", code = .0.code())]
    TrustedRoot(notice_types::VerifyError),
    /// The configured feed id and the trusted root's feed id differ (e.g. a staging root in a production app).
    #[error("feed_id is {config:?} but the trusted root is for {root:?}")]
    FeedIdMismatch {
        /// The configured feed id.
        config: String,
        /// The root's feed id.
        root: String,
    },
    /// A mirror URL is unusable.
    #[error("mirror {url:?}: {reason}")]
    Mirror {
        /// The URL as given (credentials are refused before they could be echoed here).
        url: String,
        /// What is wrong.
        reason: String,
    },
}

impl ConfigError {
    fn from_serde(e: serde_json::Error) -> Self {
        if e.is_syntax() || e.is_eof() {
            ConfigError::Syntax(e.to_string())
        } else {
            ConfigError::Invalid(e.to_string())
        }
    }

    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            ConfigError::Syntax(_) => "invalid_json",
            ConfigError::Invalid(_) => "invalid_config",
            ConfigError::TrustedRoot(_) => "invalid_trusted_root",
            ConfigError::FeedIdMismatch { .. } => "feed_id_mismatch",
            ConfigError::Mirror { .. } => "invalid_mirror",
        }
    }
}

/// A checked configuration.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub trusted: TrustedRoot,
    pub mirrors: Vec<MirrorUrl>,
    pub state_dir: PathBuf,
    pub context: AppContext,
    // Only refreshing reads them; still validated without the `https` feature so a config works with both.
    #[cfg_attr(not(feature = "https"), allow(dead_code))]
    pub timeouts: Timeouts,
    /// `ca_certs_pem`, parsed.
    #[cfg(feature = "https")]
    pub extra_roots: Option<ureq::tls::RootCerts>,
}

impl Config {
    /// A configuration with no mirrors (add them, or use [`crate::Client::ingest`]), an empty context and
    /// default timeouts.
    pub fn new(feed_id: FeedId, trusted_root: Vec<u8>, state_dir: impl Into<PathBuf>) -> Self {
        Self {
            feed_id,
            trusted_root,
            mirrors: Vec::new(),
            state_dir: state_dir.into(),
            context: AppContext::default(),
            timeouts: Timeouts::default(),
            ca_certs_pem: None,
        }
    }

    /// Parses the configuration JSON of the C ABI:
    ///
    /// ```json
    /// {
    ///   "feed_id": "yivi-app/production",
    ///   "trusted_root": {"payloadType": "application/vnd.notice.root.v1+json", "payload": "…", "signatures": […]},
    ///   "mirrors": ["https://notices.example.org/v1/feed.json", "https://mirror.example.net/v1/feed.json"],
    ///   "state_dir": "/data/user/0/org.example.app/files/notices",
    ///   "context": {"platform": "android", "app_version": "25.3.1", "locales": ["nl_NL", "en"]},
    ///   "timeouts": {"connect_ms": 3000, "mirror_ms": 5000, "deadline_ms": 10000, "min_refresh_interval_s": 60},
    ///   "ca_certs_pem": "-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n"
    /// }
    /// ```
    ///
    /// `trusted_root` is the root file's JSON object, or a string holding the file's text. `mirrors`, `context`,
    /// `timeouts` (and each of its fields) and `ca_certs_pem` ([`Config::ca_certs_pem`]) are optional. Unknown fields are refused, so a typo is an error
    /// rather than a silently ignored setting.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let json: ConfigJson = serde_json::from_str(text).map_err(ConfigError::from_serde)?;
        // The root file's JSON as it stands in the configuration (no `serde_json::Value` in between: the
        // library ships no generic JSON tree), or the text of a string. `validate` reads and verifies it.
        let raw = json.trusted_root.get();
        let trusted_root = if raw.starts_with('"') {
            let text: String = serde_json::from_str(raw).map_err(ConfigError::from_serde)?;
            text.into_bytes()
        } else if raw.starts_with('{') {
            raw.as_bytes().to_vec()
        } else {
            return Err(ConfigError::Invalid(
                "trusted_root: expected the root file's JSON object or its text as a string".into(),
            ));
        };
        let defaults = Timeouts::default();
        let t = json.timeouts;
        let ms = |v: Option<u64>, d: Duration| v.map_or(d, Duration::from_millis);
        Ok(Self {
            feed_id: json.feed_id,
            trusted_root,
            mirrors: json.mirrors,
            state_dir: json.state_dir,
            context: json.context,
            ca_certs_pem: json.ca_certs_pem,
            timeouts: Timeouts {
                connect: ms(t.connect_ms, defaults.connect),
                mirror: ms(t.mirror_ms, defaults.mirror),
                deadline: ms(t.deadline_ms, defaults.deadline),
                min_refresh_interval: t
                    .min_refresh_interval_s
                    .map_or(defaults.min_refresh_interval, Duration::from_secs),
            },
        })
    }

    /// Checks everything that can be checked without touching the disk.
    pub(crate) fn validate(&self) -> Result<Settings, ConfigError> {
        let trusted = TrustedRoot::from_envelope_bytes(&self.trusted_root)
            .map_err(ConfigError::TrustedRoot)?;
        if trusted.payload().feed_id != self.feed_id {
            return Err(ConfigError::FeedIdMismatch {
                config: self.feed_id.to_string(),
                root: trusted.payload().feed_id.to_string(),
            });
        }
        if self.mirrors.len() > MAX_MIRRORS {
            return Err(ConfigError::Invalid(format!(
                "at most {MAX_MIRRORS} mirrors, {} given",
                self.mirrors.len()
            )));
        }
        let mut mirrors: Vec<MirrorUrl> = Vec::with_capacity(self.mirrors.len());
        for text in &self.mirrors {
            let url = parse_mirror(text)?;
            if mirrors.contains(&url) {
                return Err(ConfigError::Mirror {
                    url: text.clone(),
                    reason: "listed twice".into(),
                });
            }
            mirrors.push(url);
        }
        if self.state_dir.as_os_str().is_empty() {
            return Err(ConfigError::Invalid(
                "state_dir is empty; give a directory only this client uses".into(),
            ));
        }
        let timeouts = self.timeouts.validate()?;
        #[cfg(feature = "https")]
        let extra_roots = self
            .ca_certs_pem
            .as_deref()
            .map(parse_ca_certs)
            .transpose()?;
        #[cfg(not(feature = "https"))]
        if self.ca_certs_pem.is_some() {
            return Err(ConfigError::Invalid(
                "ca_certs_pem needs the library's `https` feature; without it the app fetches the \
                 document and sets up TLS itself"
                    .into(),
            ));
        }
        Ok(Settings {
            trusted,
            mirrors,
            state_dir: self.state_dir.clone(),
            context: self.context.clone(),
            timeouts,
            #[cfg(feature = "https")]
            extra_roots,
        })
    }
}

/// The certificates of `ca_certs_pem`; anything else in the text (a private key, say) is refused, and so is
/// text without a certificate.
#[cfg(feature = "https")]
fn parse_ca_certs(pem: &str) -> Result<ureq::tls::RootCerts, ConfigError> {
    use ureq::tls::{Certificate, PemItem, parse_pem};
    let invalid = |detail: String| ConfigError::Invalid(format!("ca_certs_pem: {detail}"));
    let mut certificates: Vec<Certificate<'static>> = Vec::new();
    for item in parse_pem(pem.as_bytes()) {
        match item.map_err(|e| invalid(format!("not PEM text ({e})")))? {
            PemItem::Certificate(certificate) => certificates.push(certificate),
            _ => {
                return Err(invalid(
                    "holds something other than certificates; give only the CA's \
                     `BEGIN CERTIFICATE` blocks (never a private key)"
                        .into(),
                ));
            }
        }
    }
    if certificates.is_empty() {
        return Err(invalid(
            "no `-----BEGIN CERTIFICATE-----` block found".into(),
        ));
    }
    Ok(ureq::tls::RootCerts::new_with_certs(&certificates))
}

/// `https://` anywhere; `http://` only to a loopback host, where there is no network to eavesdrop on.
/// Credentials in a URL are refused: they would end up in status output. The syntax: [`MirrorUrl`].
fn parse_mirror(text: &str) -> Result<MirrorUrl, ConfigError> {
    let refuse = |reason: &str| ConfigError::Mirror {
        url: if text.contains('@') {
            "<redacted>".into()
        } else {
            text.to_owned()
        },
        reason: reason.to_owned(),
    };
    let url = MirrorUrl::parse(text).map_err(|reason| refuse(&reason))?;
    if url.is_https() || url.is_loopback() {
        Ok(url)
    } else {
        Err(refuse(
            "plain http is only allowed to a loopback host; use https://",
        ))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigJson<'a> {
    feed_id: FeedId,
    #[serde(borrow)]
    trusted_root: &'a serde_json::value::RawValue,
    #[serde(default)]
    mirrors: Vec<String>,
    state_dir: PathBuf,
    #[serde(default)]
    context: AppContext,
    #[serde(default)]
    timeouts: TimeoutsJson,
    #[serde(default)]
    ca_certs_pem: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimeoutsJson {
    connect_ms: Option<u64>,
    mirror_ms: Option<u64>,
    deadline_ms: Option<u64>,
    min_refresh_interval_s: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "https")]
    #[test]
    fn ca_certs_pem_must_hold_certificates_and_nothing_else() {
        // A private key where the CA belongs is refused without echoing it.
        let key = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n-----END PRIVATE KEY-----\n";
        for (pem, why) in [
            ("", "no `-----BEGIN CERTIFICATE-----`"),
            ("not pem at all", "no `-----BEGIN CERTIFICATE-----`"),
            (key, "never a private key"),
        ] {
            let err = parse_ca_certs(pem).unwrap_err();
            assert_eq!(err.code(), "invalid_config");
            assert!(err.to_string().contains(why), "{pem:?}: {err}");
            assert!(!err.to_string().contains("MC4CAQAw"), "{err}");
        }
    }

    #[cfg(not(feature = "https"))]
    #[test]
    fn ca_certs_pem_needs_the_https_feature() {
        let root = notice_tests::FeedOwner::new();
        let mut config = Config::new(
            FeedId::parse(root.feed_id()).unwrap(),
            root.root_json(),
            "/tmp/unused",
        );
        config.ca_certs_pem = Some("-----BEGIN CERTIFICATE-----".into());
        let err = config.validate().unwrap_err();
        assert!(err.to_string().contains("`https` feature"), "{err}");
    }

    #[test]
    fn a_config_with_only_a_short_deadline_bounds_every_timeout_by_it() {
        let root = notice_tests::FeedOwner::new();
        let root_text = String::from_utf8(root.root_json()).unwrap();
        let json = format!(
            r#"{{"feed_id": "{}", "trusted_root": {root_text}, "state_dir": "/tmp/unused",
                "timeouts": {{"deadline_ms": 2000}}}}"#,
            root.feed_id()
        );
        let settings = Config::from_json(&json).unwrap().validate().unwrap();
        let two_seconds = Duration::from_secs(2);
        assert_eq!(settings.timeouts.deadline, two_seconds);
        assert_eq!(settings.timeouts.mirror, two_seconds);
        assert_eq!(settings.timeouts.connect, two_seconds);
    }

    #[test]
    fn mirrors_must_be_https_except_on_loopback() {
        for good in [
            "https://notices.example.org/v1/feed.json",
            "http://127.0.0.1:8080/v1/feed.json",
            "http://localhost/feed.json",
            "http://[::1]:1/feed.json",
        ] {
            assert!(parse_mirror(good).is_ok(), "{good}");
        }
        for (bad, why) in [
            ("http://notices.example.org/feed.json", "loopback"),
            ("ftp://example.org/feed.json", "https"),
            ("https://user:secret@example.org/feed.json", "password"),
            ("not a url", "not a URL"),
        ] {
            let err = parse_mirror(bad).unwrap_err();
            assert!(err.to_string().contains(why), "{bad}: {err}");
            assert!(!err.to_string().contains("secret"), "{err}");
        }
    }

    #[test]
    fn json_syntax_errors_and_field_errors_are_told_apart() {
        assert_eq!(Config::from_json("{").unwrap_err().code(), "invalid_json");
        assert_eq!(
            Config::from_json(r#"{"feed_id": "x", "mirors": []}"#)
                .unwrap_err()
                .code(),
            "invalid_config"
        );
        let err = Config::from_json(
            r#"{"feed_id": "Not A Feed", "trusted_root": {}, "state_dir": "/x"}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("feed id"), "{err}");
    }

    #[test]
    fn timeouts_nest_with_the_shorter_bound_winning_and_are_bounded() {
        let mut t = Timeouts::default();
        assert_eq!(t.validate().unwrap(), t);
        // Only a short deadline: the longer default per-mirror and connect timeouts shrink to it.
        t.deadline = Duration::from_secs(2);
        let nested = t.validate().unwrap();
        assert_eq!(nested.deadline, Duration::from_secs(2));
        assert_eq!(nested.mirror, Duration::from_secs(2));
        assert_eq!(nested.connect, Duration::from_secs(2));
        // A connect timeout longer than the per-mirror one acts as the per-mirror one.
        t = Timeouts {
            connect: Duration::from_secs(4),
            mirror: Duration::from_secs(1),
            ..Timeouts::default()
        };
        assert_eq!(t.validate().unwrap().connect, Duration::from_secs(1));
        t = Timeouts::default();
        t.connect = Duration::ZERO;
        assert!(t.validate().is_err());
        t = Timeouts {
            deadline: Duration::from_secs(600),
            ..Timeouts::default()
        };
        assert!(t.validate().is_err());
    }

    #[test]
    fn unknown_locales_are_skipped_not_fatal() {
        let context = AppContext {
            locales: vec!["nl_NL".into(), "C".into(), "de-DE.UTF-8".into()],
            ..AppContext::default()
        };
        let tags: Vec<String> = context
            .language_tags()
            .iter()
            .map(|t| t.to_string())
            .collect();
        assert_eq!(tags, ["nl-nl", "de-de"]);
    }
}
