//! The watchdog's configuration file (TOML), read strictly: a key that is not a setting is an error naming
//! the key and its line, like the server's configuration file. A typo must not silently turn a check off.
//!
//! Every key is documented in `notice watch --help` ([`crate::commands::watch`]) and deploy/DEPLOY.md; the
//! example is deploy/config/watch.toml, which a test parses.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notice_publish::TextInput;
use notice_types::{Component, LocalizedText, Platform, Severity, check_link_syntax};
use serde::Deserialize;

use crate::error::CliError;
use crate::watch::rule::Rule;

/// Defaults chosen so that the post-mortem's case meets the goal of a notice within 90 s of the failure:
/// three failed checks ten seconds apart, each given five seconds, is at most 35 s of detection.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);
/// How long one check may take before it counts as failed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Failures that raise a check (in a row, unless `raise_window` is larger).
pub const DEFAULT_RAISE_AFTER: u32 = 3;
/// Successes in a row that recover it.
pub const DEFAULT_RECOVER_AFTER: u32 = 3;
/// How long the watchdog waits for the admin API before it counts the server as down (and breaks glass).
pub const DEFAULT_API_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a webhook may take.
pub const DEFAULT_WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the public feed is read for "published" webhooks.
pub const DEFAULT_FOLLOW_INTERVAL: Duration = Duration::from_secs(30);
/// The longest window of results a check keeps (`raise_window`).
const MAX_WINDOW: u32 = 100;

/// The whole configuration, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    /// Where the state file (which notice each check opened) is kept.
    pub state_dir: PathBuf,
    /// The admin API's base URL, unless `--server` or `NOTICE_SERVER` say otherwise.
    pub server: Option<String>,
    /// CA certificates for the admin API and the followed feed, unless `--ca-cert`/`NOTICE_CA_CERT`.
    pub ca_cert: Option<PathBuf>,
    /// The root the apps ship: break-glass signs under it, the followed feed is verified with it.
    pub root: Option<PathBuf>,
    /// Where `/metrics` is served, if anywhere.
    pub metrics_listen: Option<SocketAddr>,
    /// Log lines for people or machines.
    pub log_format: LogFormat,
    /// How long one admin API call may take.
    pub api_timeout: Duration,
    /// Break-glass publishing when the admin API cannot be reached.
    pub breakglass: Option<Breakglass>,
    /// Following the public feed, for "published" webhooks.
    pub follow: Option<Follow>,
    /// Where team notifications go.
    pub webhooks: Vec<Webhook>,
    /// The health checks.
    pub checks: Vec<Check>,
}

/// `log_format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// `[breakglass]`.
#[derive(Debug, Clone)]
pub struct Breakglass {
    /// Feed key file; else `NOTICE_FEED_KEY`.
    pub feed_key: Option<PathBuf>,
    /// The export directory written.
    pub out: Option<PathBuf>,
    /// Copies written (`s3://…`, directories).
    pub to: Vec<String>,
    /// Last known documents read (default: the copies' own `feed.json`).
    pub last: Vec<String>,
    /// Validity of the signed document.
    pub feed_validity: Duration,
    /// How long resolved notices stay in it.
    pub retention: Duration,
    /// Status page name.
    pub site_name: Option<String>,
    /// Status page language.
    pub site_lang: String,
    /// Status page URL.
    pub site_url: Option<String>,
}

/// `[follow]`.
#[derive(Debug, Clone)]
pub struct Follow {
    /// The public document's URL (`…/v1/feed.json`).
    pub feed: String,
    /// How often it is read.
    pub interval: Duration,
}

/// `[[webhook]]`.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// Where to POST. Often a secret itself (Slack's URLs are): only its host is ever logged.
    pub url: String,
    /// The body's shape.
    pub format: WebhookFormat,
    /// Whether every new feed version (by anyone) is sent too, not only the watchdog's own actions.
    pub publishes: bool,
    /// How long one POST may take.
    pub timeout: Duration,
}

impl Webhook {
    /// What may be logged of the URL: scheme and host.
    pub fn shown(&self) -> String {
        shown_url(&self.url)
    }
}

/// A URL without its path, query and credentials (which may be secrets).
pub fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => match parsed.host_str() {
            Some(host) => match parsed.port() {
                Some(port) => format!("{}://{host}:{port}", parsed.scheme()),
                None => format!("{}://{host}", parsed.scheme()),
            },
            None => parsed.scheme().to_owned(),
        },
        Err(_) => "(not a URL)".to_owned(),
    }
}

/// A check's URL for people: with its path, without credentials and query (which may hold a secret).
pub fn shown_with_path(url: &str) -> String {
    let path = url::Url::parse(url)
        .map(|u| u.path().to_owned())
        .unwrap_or_default();
    format!("{}{}", shown_url(url), path.trim_end_matches('/'))
}

/// `format` of a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// `{"event", "check", "notice_id", "message", "at"}`.
    Json,
    /// `{"text": "…"}`: Slack and Mattermost incoming webhooks.
    Slack,
}

/// One `[[check]]`.
#[derive(Debug, Clone)]
pub struct Check {
    /// Its name: in notice ids, metrics, logs and the state file.
    pub name: String,
    /// What is checked.
    pub probe: ProbeSpec,
    /// How often.
    pub interval: Duration,
    /// How long one check may take.
    pub timeout: Duration,
    /// When it raises and recovers.
    pub rule: Rule,
    /// Quiet time after recovery before the watchdog resolves its notice; none: a person resolves it.
    pub resolve_after: Option<Duration>,
    /// The component its notice names.
    pub component: Component,
    /// What its notice says.
    pub notice: Template,
}

/// What a check does.
#[derive(Debug, Clone)]
pub enum ProbeSpec {
    /// An HTTP(S) request.
    Http {
        /// GET, HEAD, POST, …
        method: String,
        /// The URL.
        url: String,
        /// Statuses that count as success.
        expect: StatusRange,
        /// Text the body must contain, if any.
        body_contains: Option<String>,
        /// CA certificates to trust instead of the public ones.
        ca_cert: Option<PathBuf>,
    },
    /// A TCP connection (`host:port`).
    Tcp {
        /// `host:port`.
        address: String,
    },
}

/// An inclusive range of HTTP statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusRange {
    /// Lowest.
    pub low: u16,
    /// Highest.
    pub high: u16,
}

impl StatusRange {
    /// Whether `status` is in the range.
    pub fn contains(self, status: u16) -> bool {
        (self.low..=self.high).contains(&status)
    }

    fn parse(text: &str) -> Result<Self, String> {
        let number = |t: &str| {
            t.trim()
                .parse::<u16>()
                .ok()
                .filter(|s| (100..=599).contains(s))
                .ok_or_else(|| {
                    format!(
                        "`{t}` is not an HTTP status; give e.g. 200, \"200-299\" or \"200-399\""
                    )
                })
        };
        let (low, high) = match text.split_once('-') {
            Some((low, high)) => (number(low)?, number(high)?),
            None => {
                let status = number(text)?;
                (status, status)
            }
        };
        if low > high {
            return Err(format!("`{text}` is an empty range"));
        }
        Ok(Self { low, high })
    }
}

impl std::fmt::Display for StatusRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.low == self.high {
            write!(f, "{}", self.low)
        } else {
            write!(f, "{}-{}", self.low, self.high)
        }
    }
}

/// `[check.notice]`: what the watchdog's notice says.
#[derive(Debug, Clone)]
pub struct Template {
    /// outage, degraded, info.
    pub severity: Severity,
    /// Platforms; empty: all.
    pub platforms: Vec<Platform>,
    /// The status page link.
    pub link: Option<String>,
    /// Title per language.
    pub title: LocalizedText,
    /// Body per language.
    pub body: LocalizedText,
    /// The update when the check fails again after it recovered.
    pub investigating: LocalizedText,
    /// The update when the check recovers.
    pub monitoring: LocalizedText,
    /// The closing message when the watchdog resolves (none: the server's "Resolved.").
    pub resolved: Option<LocalizedText>,
}

// ---- the file's shape ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    state_dir: PathBuf,
    server: Option<String>,
    ca_cert: Option<PathBuf>,
    root: Option<PathBuf>,
    metrics_listen: Option<String>,
    log_format: Option<LogFormat>,
    api_timeout: Option<String>,
    breakglass: Option<FileBreakglass>,
    follow: Option<FileFollow>,
    #[serde(default)]
    webhook: Vec<FileWebhook>,
    #[serde(default)]
    check: Vec<FileCheck>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBreakglass {
    feed_key: Option<PathBuf>,
    out: Option<PathBuf>,
    #[serde(default)]
    to: Vec<String>,
    #[serde(default)]
    last: Vec<String>,
    feed_validity: Option<String>,
    retention: Option<String>,
    site_name: Option<String>,
    site_lang: Option<String>,
    site_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFollow {
    feed: Option<String>,
    interval: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWebhook {
    url: String,
    format: Option<WebhookFormat>,
    #[serde(default)]
    publishes: bool,
    timeout: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCheck {
    name: String,
    url: Option<String>,
    method: Option<String>,
    expect_status: Option<toml::Value>,
    body_contains: Option<String>,
    ca_cert: Option<PathBuf>,
    tcp: Option<String>,
    interval: Option<String>,
    timeout: Option<String>,
    raise_after: Option<u32>,
    raise_window: Option<u32>,
    recover_after: Option<u32>,
    resolve_after: Option<String>,
    component: Option<String>,
    notice: FileTemplate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTemplate {
    severity: Option<Severity>,
    #[serde(default)]
    platforms: Vec<Platform>,
    link: Option<String>,
    title: BTreeMap<String, String>,
    body: BTreeMap<String, String>,
    investigating: Option<BTreeMap<String, String>>,
    monitoring: Option<BTreeMap<String, String>>,
    resolved: Option<BTreeMap<String, String>>,
}

/// Reads and checks the configuration at `path`. Errors are one line naming the file, and the key or line.
///
/// A file that cannot be read is a usage error too (exit 2, like every other wrong configuration): the
/// path given is wrong.
pub fn load(path: &Path) -> Result<Config, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format!(
            "cannot read the watchdog's configuration {}: {e}; give its path with --config (example: deploy/config/watch.toml)",
            path.display()
        ))
    })?;
    parse(path, &text)
}

/// A file the configuration names (`key`) that cannot be used, as the one line `notice watch check`
/// promises: the configuration file, the key, what is wrong, and what to do (the error's own hint, else
/// `what_to_do`). A usage error (exit 2): the configuration is wrong.
pub fn file_error(config: &Path, key: &str, error: &CliError, what_to_do: &str) -> CliError {
    let what_to_do = error.hint().unwrap_or_else(|| what_to_do.to_owned());
    CliError::usage(
        format!("{}: {key}: {error}; {what_to_do}", config.display()).replace('\n', " "),
    )
}

/// [`load`] of `text`, as if read from `path`.
pub fn parse(path: &Path, text: &str) -> Result<Config, CliError> {
    let shown = path.display();
    let file: FileConfig = toml::from_str(text).map_err(|e| {
        // Line numbers count from 1: the newlines before the offending key, plus one.
        let line = e.span().map(|span| {
            text.as_bytes()[..span.start.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        });
        let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
        CliError::usage(format!(
            "{shown}{at}: {}",
            e.message().trim().replace('\n', " ")
        ))
    })?;
    let bad = |key: &str, reason: String| CliError::usage(format!("{shown}: {key}: {reason}"));

    if let Some(server) = &file.server {
        crate::config::ServerUrl::parse(server).map_err(|reason| bad("server", reason))?;
    }
    let metrics_listen = file
        .metrics_listen
        .as_deref()
        .map(|text| {
            text.parse::<SocketAddr>().map_err(|_| {
                bad(
                    "metrics_listen",
                    format!("`{text}` is not an address; give IP:PORT, e.g. 127.0.0.1:9466"),
                )
            })
        })
        .transpose()?;
    let api_timeout = duration(&file.api_timeout, DEFAULT_API_TIMEOUT)
        .map_err(|reason| bad("api_timeout", reason))?;

    let breakglass = file
        .breakglass
        .map(|b| {
            let lang = b.site_lang.unwrap_or_else(|| "en".to_owned());
            if !["nl", "en", "de"].contains(&lang.as_str()) {
                return Err(bad(
                    "breakglass.site_lang",
                    format!("`{lang}` is not nl, en or de"),
                ));
            }
            if b.out.is_none() && b.to.is_empty() {
                return Err(bad(
                    "breakglass",
                    "give `out` (an export directory) or `to` (copies such as s3://BUCKET/PREFIX) to write into".to_owned(),
                ));
            }
            Ok(Breakglass {
                feed_key: b.feed_key,
                out: b.out,
                to: b.to,
                last: b.last,
                feed_validity: duration(&b.feed_validity, notice_publish::DEFAULT_FEED_VALIDITY)
                    .map_err(|r| bad("breakglass.feed_validity", r))?,
                retention: duration(&b.retention, notice_publish::DEFAULT_RETENTION)
                    .map_err(|r| bad("breakglass.retention", r))?,
                site_name: b.site_name,
                site_lang: lang,
                site_url: b.site_url,
            })
        })
        .transpose()?;
    if breakglass.is_some() && file.root.is_none() && std::env::var_os("NOTICE_ROOT").is_none() {
        return Err(bad(
            "root",
            "[breakglass] signs under the root the apps ship: give `root = \"/etc/notice/root.json\"`"
                .to_owned(),
        ));
    }

    let follow = file
        .follow
        .map(|f| {
            let feed = match (f.feed, &file.server) {
                (Some(feed), _) => feed,
                (None, Some(server)) => format!("{}/v1/feed.json", server.trim_end_matches('/')),
                (None, None) => {
                    return Err(bad(
                        "follow.feed",
                        "give the public document's URL, e.g. https://notice.example.org/v1/feed.json"
                            .to_owned(),
                    ));
                }
            };
            http_url(&feed).map_err(|r| bad("follow.feed", r))?;
            if file.root.is_none() {
                return Err(bad(
                    "root",
                    "[follow] verifies the feed as the apps do: give `root = \"/etc/notice/root.json\"`"
                        .to_owned(),
                ));
            }
            Ok(Follow {
                feed,
                interval: duration(&f.interval, DEFAULT_FOLLOW_INTERVAL)
                    .map_err(|r| bad("follow.interval", r))?,
            })
        })
        .transpose()?;

    let mut webhooks = Vec::new();
    for (i, w) in file.webhook.into_iter().enumerate() {
        let key = |k: &str| format!("webhook[{i}].{k}");
        http_url(&w.url).map_err(|r| bad(&key("url"), r))?;
        if w.publishes && follow.is_none() {
            return Err(bad(
                &key("publishes"),
                "every publish is seen by following the public feed: add a [follow] section"
                    .to_owned(),
            ));
        }
        webhooks.push(Webhook {
            url: w.url,
            format: w.format.unwrap_or(WebhookFormat::Json),
            publishes: w.publishes,
            timeout: duration(&w.timeout, DEFAULT_WEBHOOK_TIMEOUT)
                .map_err(|r| bad(&key("timeout"), r))?,
        });
    }

    if file.check.is_empty() {
        return Err(CliError::usage(format!(
            "{shown}: no [[check]]: the watchdog has nothing to watch"
        )));
    }
    let mut checks: Vec<Check> = Vec::new();
    for (i, c) in file.check.into_iter().enumerate() {
        let check = check(c).map_err(|(k, r)| bad(&format!("check[{i}].{k}"), r))?;
        if checks.iter().any(|other| other.name == check.name) {
            return Err(bad(
                &format!("check[{i}].name"),
                format!("`{}` is used twice; names must be unique", check.name),
            ));
        }
        checks.push(check);
    }

    Ok(Config {
        path: path.to_owned(),
        state_dir: file.state_dir,
        server: file.server,
        ca_cert: file.ca_cert,
        root: file.root,
        metrics_listen,
        log_format: file.log_format.unwrap_or(LogFormat::Text),
        api_timeout,
        breakglass,
        follow,
        webhooks,
        checks,
    })
}

/// One check, or the key at fault and why.
fn check(c: FileCheck) -> Result<Check, (String, String)> {
    fn at(key: &str) -> impl Fn(String) -> (String, String) + '_ {
        move |reason| (key.to_owned(), reason)
    }
    check_name(&c.name).map_err(at("name"))?;
    let probe = match (c.url, c.tcp) {
        (Some(url), None) => {
            http_url(&url).map_err(at("url"))?;
            let method = c.method.unwrap_or_else(|| "GET".to_owned());
            if !["GET", "HEAD", "POST", "PUT", "OPTIONS"].contains(&method.as_str()) {
                return Err(at("method")(format!(
                    "`{method}` is not one of GET, HEAD, POST, PUT, OPTIONS"
                )));
            }
            let expect = match c.expect_status {
                None => StatusRange {
                    low: 200,
                    high: 299,
                },
                Some(toml::Value::Integer(n)) => {
                    StatusRange::parse(&n.to_string()).map_err(at("expect_status"))?
                }
                Some(toml::Value::String(text)) => {
                    StatusRange::parse(&text).map_err(at("expect_status"))?
                }
                Some(other) => {
                    return Err(at("expect_status")(format!(
                        "a {} is neither a status nor a range; give e.g. 200 or \"200-399\"",
                        other.type_str()
                    )));
                }
            };
            ProbeSpec::Http {
                method,
                url,
                expect,
                body_contains: c.body_contains.filter(|b| !b.is_empty()),
                ca_cert: c.ca_cert,
            }
        }
        (None, Some(address)) => {
            let only_http = [
                ("method", c.method.is_some()),
                ("expect_status", c.expect_status.is_some()),
                ("body_contains", c.body_contains.is_some()),
                ("ca_cert", c.ca_cert.is_some()),
            ];
            if let Some((key, _)) = only_http.iter().find(|(_, given)| *given) {
                return Err(at(key)("only applies to an HTTP check (`url`)".to_owned()));
            }
            match address.rsplit_once(':') {
                Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {}
                _ => {
                    return Err(at("tcp")(format!(
                        "`{address}` is not HOST:PORT, e.g. db.example.org:5432"
                    )));
                }
            }
            ProbeSpec::Tcp { address }
        }
        (Some(_), Some(_)) => {
            return Err(at("tcp")(
                "give `url` (an HTTP check) or `tcp` (a TCP connect check), not both".to_owned(),
            ));
        }
        (None, None) => {
            return Err(at("url")(
                "give `url` (an HTTP check) or `tcp` (a TCP connect check)".to_owned(),
            ));
        }
    };
    let interval = duration(&c.interval, DEFAULT_INTERVAL).map_err(at("interval"))?;
    let timeout = duration(&c.timeout, DEFAULT_TIMEOUT).map_err(at("timeout"))?;
    let raise_after = c.raise_after.unwrap_or(DEFAULT_RAISE_AFTER);
    let window = c.raise_window.unwrap_or(raise_after);
    let recover_after = c.recover_after.unwrap_or(DEFAULT_RECOVER_AFTER);
    if raise_after == 0 {
        return Err(at("raise_after")("must be at least 1".to_owned()));
    }
    if !(raise_after..=MAX_WINDOW).contains(&window) {
        return Err(at("raise_window")(format!(
            "must be between raise_after ({raise_after}) and {MAX_WINDOW}: raise after {raise_after} failures among the last raise_window checks"
        )));
    }
    if recover_after == 0 {
        return Err(at("recover_after")("must be at least 1".to_owned()));
    }
    let resolve_after = c
        .resolve_after
        .map(|text| duration(&Some(text), Duration::ZERO))
        .transpose()
        .map_err(at("resolve_after"))?;
    let component = Component::parse(c.component.as_deref().unwrap_or(&c.name))
        .map_err(|e| at("component")(e.reason))?;
    let notice = template(c.notice).map_err(|(k, r)| (format!("notice.{k}"), r))?;
    Ok(Check {
        name: c.name,
        probe,
        interval,
        timeout,
        rule: Rule {
            raise_after,
            window,
            recover_after,
        },
        resolve_after,
        component,
        notice,
    })
}

fn template(t: FileTemplate) -> Result<Template, (String, String)> {
    let severity = t.severity.unwrap_or(Severity::Outage);
    if severity.is_maintenance() {
        return Err((
            "severity".to_owned(),
            "maintenance is planned, not found by a health check; use outage, degraded or info"
                .to_owned(),
        ));
    }
    if let Some(link) = &t.link {
        check_link_syntax(link).map_err(|e| ("link".to_owned(), e.reason))?;
    }
    let title = text("title", t.title)?;
    let body = text("body", t.body)?;
    let defaulted =
        |key: &'static str, given: Option<BTreeMap<String, String>>, default| match given {
            Some(map) => text(key, map),
            None => text(key, default_text(default)),
        };
    Ok(Template {
        severity,
        platforms: t.platforms,
        link: t.link,
        title,
        body,
        investigating: defaulted("investigating", t.investigating, &DEFAULT_INVESTIGATING)?,
        monitoring: defaulted("monitoring", t.monitoring, &DEFAULT_MONITORING)?,
        resolved: t.resolved.map(|m| text("resolved", m)).transpose()?,
    })
}

/// The update when a check fails again after it recovered.
const DEFAULT_INVESTIGATING: [(&str, &str); 3] = [
    ("en", "It fails again. We are investigating."),
    (
        "nl",
        "Het gaat weer mis. We zoeken uit wat er aan de hand is.",
    ),
    ("de", "Es funktioniert wieder nicht. Wir untersuchen das."),
];

/// The update when a check recovers.
const DEFAULT_MONITORING: [(&str, &str); 3] = [
    ("en", "It works again. We are keeping an eye on it."),
    ("nl", "Het werkt weer. We houden het in de gaten."),
    ("de", "Es funktioniert wieder. Wir behalten es im Auge."),
];

fn default_text(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(l, t)| ((*l).to_owned(), (*t).to_owned()))
        .collect()
}

fn text(key: &str, map: BTreeMap<String, String>) -> Result<LocalizedText, (String, String)> {
    TextInput::from_pairs(map)
        .into_text(key)
        // `into_text` names the field itself (`title.xx`); the caller adds `notice.`.
        .map_err(|e| (e.field, e.reason))
}

/// Check names end up in notice ids (`watch-NAME-20261123-1`), metric labels and file names: short and
/// plain.
fn check_name(name: &str) -> Result<(), String> {
    let ok = (1..=32).contains(&name.len())
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a check name: 1 to 32 of a-z, 0-9 and '-', starting with a letter or digit (e.g. keyshare)",
            name.escape_debug()
        ))
    }
}

fn http_url(text: &str) -> Result<(), String> {
    match url::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => Ok(()),
        Ok(_) => Err(format!("`{text}` is not an http:// or https:// URL")),
        Err(e) => Err(format!("`{text}` is not a URL ({e})")),
    }
}

/// A duration as operators write them (`10s`, `1m30s`, `500ms`); `default` when absent.
fn duration(text: &Option<String>, default: Duration) -> Result<Duration, String> {
    let Some(text) = text else {
        return Ok(default);
    };
    let parsed = humantime::parse_duration(text.trim())
        .map_err(|e| format!("`{text}` is not a duration ({e}); examples: 10s, 1m, 500ms"))?;
    if parsed.is_zero() {
        return Err(format!("`{text}` must be longer than zero"));
    }
    Ok(parsed)
}

impl Config {
    /// The longest time from a service failing to the check raising, with this configuration: each of the
    /// failures the rule needs comes one interval after the other and may take the whole timeout.
    pub fn worst_detection(check: &Check) -> Duration {
        check.interval * check.rule.raise_after + check.timeout
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
state_dir = "/tmp/w"
[[check]]
name = "keyshare"
url = "https://keyshare.example.org/health"
[check.notice]
title = { en = "PIN validation is down", nl = "Pincode controleren werkt niet" }
body = { en = "We know, and we are investigating." }
"#;

    fn parsed(text: &str) -> Result<Config, String> {
        parse(Path::new("watch.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn the_defaults_meet_the_ninety_second_goal() {
        let config = parsed(MINIMAL).unwrap();
        let check = &config.checks[0];
        assert_eq!(check.interval, DEFAULT_INTERVAL);
        assert_eq!(
            check.rule,
            Rule {
                raise_after: 3,
                window: 3,
                recover_after: 3
            }
        );
        assert!(Config::worst_detection(check) + DEFAULT_API_TIMEOUT < Duration::from_secs(90));
        assert_eq!(check.component.as_str(), "keyshare");
        assert_eq!(check.notice.severity, Severity::Outage);
        let nl = notice_types::LanguageTag::parse("nl").unwrap();
        assert!(check.notice.monitoring.get(&nl).is_some());
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_key_and_line() {
        let text = MINIMAL.replace("url =", "intervall = \"5s\"\nurl =");
        let err = parsed(&text).unwrap_err();
        assert!(err.contains("intervall") && err.contains("line"), "{err}");
        let err = parsed(&format!("{MINIMAL}\n[tokens]\nx = 1\n")).unwrap_err();
        assert!(err.contains("tokens"), "{err}");
    }

    #[test]
    fn mistakes_name_the_check_and_the_key() {
        for (change, expect) in [
            (
                ("name = \"keyshare\"", "name = \"Key Share\""),
                "check[0].name",
            ),
            (("url = ", "tcp = \"db:5432\"\nurl = "), "check[0].tcp"),
            (
                ("[check.notice]", "interval = \"soon\"\n[check.notice]"),
                "check[0].interval",
            ),
            (
                (
                    "[check.notice]",
                    "raise_after = 3\nraise_window = 2\n[check.notice]",
                ),
                "raise_window",
            ),
            (
                (
                    "[check.notice]",
                    "expect_status = \"300-200\"\n[check.notice]",
                ),
                "expect_status",
            ),
            (
                ("title = { en = \"PIN validation is down\", ", "title = { "),
                "check[0].notice.title",
            ),
            (
                ("body = { en", "severity = \"maintenance\"\nbody = { en"),
                "check[0].notice.severity",
            ),
        ] {
            let err = parsed(&MINIMAL.replace(change.0, change.1)).unwrap_err();
            assert!(err.contains(expect), "{expect}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn the_example_of_the_deploy_kit_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/config/watch.toml");
        let config = load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(config.state_dir, Path::new("/var/lib/notice-watch"));
        assert!(config.breakglass.is_some() && config.follow.is_some());
        assert_eq!(config.webhooks.len(), 2);
        let names: Vec<&str> = config.checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["keyshare", "keyshare-db"]);
        for check in &config.checks {
            for lang in ["en", "nl", "de"] {
                let tag = notice_types::LanguageTag::parse(lang).unwrap();
                assert!(
                    check.notice.title.get(&tag).is_some(),
                    "{} {lang}",
                    check.name
                );
                assert!(
                    check.notice.body.get(&tag).is_some(),
                    "{} {lang}",
                    check.name
                );
            }
            assert!(Config::worst_detection(check) <= Duration::from_secs(60));
        }
    }

    #[test]
    fn status_ranges_and_shown_urls() {
        assert_eq!(
            StatusRange::parse("200-399"),
            Ok(StatusRange {
                low: 200,
                high: 399
            })
        );
        assert!(StatusRange::parse("200").unwrap().contains(200));
        assert!(StatusRange::parse("99").is_err());
        assert_eq!(
            shown_url("https://hooks.slack.com/services/T000/B000/secret"),
            "https://hooks.slack.com"
        );
        assert_eq!(
            shown_url("http://u:p@127.0.0.1:9/x?k=v"),
            "http://127.0.0.1:9"
        );
    }
}
