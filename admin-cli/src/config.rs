//! Where the server URL and the admin token come from: flags, then `NOTICE_SERVER` / `NOTICE_TOKEN`, then the
//! config file (`--config`, `NOTICE_CONFIG`, `$XDG_CONFIG_HOME/notice/config.toml` or
//! `~/.config/notice/config.toml`).
//!
//! The token is a [`Token`]: it has no `Display`, its `Debug` hides it, its memory is wiped on drop, and the
//! only way to the text is [`Token::expose`], used once, for the `Authorization` header.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use zeroize::Zeroizing;

use crate::error::{CliError, Source};

/// Environment variable for the server URL.
pub const SERVER_ENV: &str = "NOTICE_SERVER";
/// Environment variable for the token.
pub const TOKEN_ENV: &str = "NOTICE_TOKEN";
/// Environment variable for the config file path.
pub const CONFIG_ENV: &str = "NOTICE_CONFIG";
/// Environment variable for the CA certificates to trust for HTTPS (PEM).
pub const CA_CERT_ENV: &str = "NOTICE_CA_CERT";

/// An admin token. Never printed.
#[derive(Clone)]
pub struct Token(Zeroizing<String>);

impl Token {
    /// Checks that `text` can be sent in a header (no whitespace or control characters).
    pub fn parse(text: &str, source: &Source) -> Result<Self, CliError> {
        let text = text.trim();
        if text.is_empty() || !text.chars().all(|c| c.is_ascii_graphic()) {
            return Err(CliError::usage_hint(
                format!(
                    "the token ({source}) is not a token: it must be one word of printable ASCII"
                ),
                "copy the token exactly as `notice-server token create` printed it",
            ));
        }
        Ok(Self(Zeroizing::new(text.to_owned())))
    }

    /// The secret, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<hidden>)")
    }
}

/// A secret as typed on the command line (`--token`), before it is checked. Parsing cannot fail, so clap
/// never quotes it in an error; `Debug` hides it.
#[derive(Clone)]
pub struct SecretArg(Zeroizing<String>);

impl std::str::FromStr for SecretArg {
    type Err = std::convert::Infallible;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self(Zeroizing::new(text.to_owned())))
    }
}

impl fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<hidden>")
    }
}

/// The server's base URL, `http(s)://host[:port][/prefix]`, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl {
    base: String,
    loopback: bool,
}

impl ServerUrl {
    /// Parses and normalizes a base URL. Refuses what would leak or misroute: user names and passwords in the
    /// URL (they would show up in messages), queries, fragments, schemes other than http(s).
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = url::Url::parse(text.trim()).map_err(|e| {
            format!("`{text}` is not a URL ({e}); example: https://notice.example.org")
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "`{text}` is not an http:// or https:// URL; example: https://notice.example.org"
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(
                "the server URL must not contain a user name or password; give the token with NOTICE_TOKEN"
                    .to_owned(),
            );
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "`{text}` has a query or fragment; give only the server's base URL"
            ));
        }
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name == "localhost",
            None => false,
        };
        let base = url.as_str().trim_end_matches('/').to_owned();
        Ok(Self { base, loopback })
    }

    /// `base` + `path` (`path` starts with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Whether a token sent here would cross a network in clear text.
    pub fn is_plain_http_off_host(&self) -> bool {
        self.base.starts_with("http://") && !self.loopback
    }
}

impl fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

/// A value and where it came from.
#[derive(Debug, Clone)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Its origin, for error messages.
    pub source: Source,
}

/// What the flags say (the part of the global flags this module reads).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `--server`.
    pub server: Option<String>,
    /// `--token`.
    pub token: Option<SecretArg>,
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `--ca-cert`.
    pub ca_cert: Option<PathBuf>,
}

/// The settings in effect.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The server, if any source named one.
    pub server: Option<Located<ServerUrl>>,
    /// The token, if any source gave one.
    pub token: Option<Located<Token>>,
    /// The config file that was read, if one was.
    pub file: Option<PathBuf>,
    /// A PEM file of CA certificates to trust for HTTPS instead of the public ones (an operator's own PKI).
    pub ca_cert: Option<Located<PathBuf>>,
}

/// The config file's shape. Unknown keys are errors: a typo must not silently drop the token.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    server: Option<String>,
    token: Option<String>,
    ca_cert: Option<PathBuf>,
}

/// Resolves the settings. `env` reads an environment variable (empty counts as unset); `home` is the home
/// directory. The config file is only read when flags and environment leave something open.
pub fn resolve(
    flags: &Flags,
    env: impl Fn(&str) -> Option<String>,
    home: Option<PathBuf>,
) -> Result<Settings, CliError> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let mut server = pick(
        flags.server.clone(),
        "--server",
        env(SERVER_ENV),
        SERVER_ENV,
    );
    let flag_token = flags.token.as_ref().map(|t| t.0.as_str().to_owned());
    let mut token = pick(flag_token, "--token", env(TOKEN_ENV), TOKEN_ENV);
    let mut ca_cert = flags
        .ca_cert
        .clone()
        .map(|p| (p, Source::Flag("--ca-cert")))
        .or_else(|| env(CA_CERT_ENV).map(|p| (PathBuf::from(p), Source::Env(CA_CERT_ENV))));
    let mut file_read = None;

    if server.is_none() || token.is_none() || ca_cert.is_none() {
        let (path, explicit) = match (&flags.config, env(CONFIG_ENV)) {
            (Some(path), _) => (Some(path.clone()), true),
            (None, Some(path)) => (Some(PathBuf::from(path)), true),
            (None, None) => (default_path(env("XDG_CONFIG_HOME"), home), false),
        };
        if let Some(path) = path
            && let Some(file) = read_file(&path, explicit)?
        {
            let source = Source::File(path.clone());
            if server.is_none() {
                server = file.server.map(|v| (v, source.clone()));
            }
            if token.is_none() {
                token = file.token.map(|v| (v, source.clone()));
            }
            if ca_cert.is_none() {
                ca_cert = file.ca_cert.map(|v| (v, source.clone()));
            }
            file_read = Some(path);
        }
    }

    let server = server
        .map(|(text, source)| {
            ServerUrl::parse(&text)
                .map(|value| Located {
                    value,
                    source: source.clone(),
                })
                .map_err(|reason| {
                    CliError::usage_hint(
                        format!("bad server URL ({source}): {reason}"),
                        "give the base URL of notice-server, e.g. --server https://notice.example.org",
                    )
                })
        })
        .transpose()?;
    let token = token
        .map(|(text, source)| Token::parse(&text, &source).map(|value| Located { value, source }))
        .transpose()?;
    Ok(Settings {
        server,
        token,
        file: file_read,
        ca_cert: ca_cert.map(|(value, source)| Located { value, source }),
    })
}

/// The settings of a command that has a configuration file of its own (`notice watch --config watch.toml`):
/// flags, then the environment, then that file's `server` and `ca_cert` (`file`, with its path for
/// messages). The CLI's personal config file is not read, and a token only comes from `--token` or
/// `NOTICE_TOKEN`: a service's token belongs in its environment file, not beside its configuration.
pub fn resolve_for_service(
    flags: &Flags,
    env: impl Fn(&str) -> Option<String>,
    file: &Path,
    file_server: Option<String>,
    file_ca_cert: Option<PathBuf>,
) -> Result<Settings, CliError> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let source = Source::File(file.to_owned());
    let server = pick(
        flags.server.clone(),
        "--server",
        env(SERVER_ENV),
        SERVER_ENV,
    )
    .or_else(|| file_server.map(|s| (s, source.clone())));
    let flag_token = flags.token.as_ref().map(|t| t.0.as_str().to_owned());
    let token = pick(flag_token, "--token", env(TOKEN_ENV), TOKEN_ENV);
    let ca_cert = flags
        .ca_cert
        .clone()
        .map(|p| (p, Source::Flag("--ca-cert")))
        .or_else(|| env(CA_CERT_ENV).map(|p| (PathBuf::from(p), Source::Env(CA_CERT_ENV))))
        .or_else(|| file_ca_cert.map(|p| (p, source.clone())));
    let server = server
        .map(|(text, source)| {
            ServerUrl::parse(&text)
                .map(|value| Located {
                    value,
                    source: source.clone(),
                })
                .map_err(|reason| CliError::usage(format!("bad server URL ({source}): {reason}")))
        })
        .transpose()?;
    let token = token
        .map(|(text, source)| Token::parse(&text, &source).map(|value| Located { value, source }))
        .transpose()?;
    Ok(Settings {
        server,
        token,
        file: Some(file.to_owned()),
        ca_cert: ca_cert.map(|(value, source)| Located { value, source }),
    })
}

fn pick(
    flag: Option<String>,
    flag_name: &'static str,
    env: Option<String>,
    env_name: &'static str,
) -> Option<(String, Source)> {
    flag.map(|v| (v, Source::Flag(flag_name)))
        .or_else(|| env.map(|v| (v, Source::Env(env_name))))
}

/// `$XDG_CONFIG_HOME/notice/config.toml` when that is an absolute path (the XDG rule), else
/// `~/.config/notice/config.toml`.
pub fn default_path(xdg_config_home: Option<String>, home: Option<PathBuf>) -> Option<PathBuf> {
    let base = xdg_config_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home.map(|h| h.join(".config")))?;
    Some(base.join("notice").join("config.toml"))
}

fn read_file(path: &Path, explicit: bool) -> Result<Option<FileConfig>, CliError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => Zeroizing::new(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => return Ok(None),
        Err(e) => return Err(CliError::io("read config file", path, e)),
    };
    let config: FileConfig = toml::from_str(&text).map_err(|e| {
        // Only the message and the line: the default rendering quotes the line, which may hold the token.
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
        let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
        CliError::usage_hint(
            format!("config file {}{at}: {}", path.display(), e.message().trim()),
            "the file takes `server = \"https://…\"`, `token = \"…\"` and `ca_cert = \"/path/ca.pem\"`, nothing else",
        )
    })?;
    if config.token.is_some() {
        warn_if_readable_by_others(path);
    }
    Ok(Some(config))
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        crate::render::eprint(&format!(
            "warning: {} holds a token and other users can read it; run `chmod 600 {}`\n",
            path.display(),
            path.display()
        ));
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn flags_beat_environment_which_beats_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "server = \"http://file.example\"\ntoken = \"from-file\"\n",
        )
        .unwrap();
        let flags = Flags {
            server: Some("http://flag.example".into()),
            token: None,
            config: Some(path.clone()),
            ca_cert: None,
        };
        let settings = resolve(&flags, env_of(&[(TOKEN_ENV, "from-env")]), None).unwrap();
        let with_flag = Flags {
            token: Some("from-flag".parse().unwrap()),
            ..flags.clone()
        };
        let token = resolve(&with_flag, env_of(&[(TOKEN_ENV, "from-env")]), None)
            .unwrap()
            .token
            .unwrap();
        assert_eq!(token.value.expose(), "from-flag");
        assert_eq!(token.source, Source::Flag("--token"));
        let server = settings.server.unwrap();
        assert_eq!(server.value.to_string(), "http://flag.example");
        assert_eq!(server.source, Source::Flag("--server"));
        let token = settings.token.unwrap();
        assert_eq!(token.value.expose(), "from-env");

        let settings = resolve(
            &Flags {
                config: Some(path.clone()),
                ..Flags::default()
            },
            env_of(&[]),
            None,
        )
        .unwrap();
        assert_eq!(
            settings.server.unwrap().value.to_string(),
            "http://file.example"
        );
        let token = settings.token.unwrap();
        assert_eq!(token.value.expose(), "from-file");
        assert_eq!(token.source, Source::File(path));
    }

    #[test]
    fn the_default_file_is_under_xdg_config_home_or_home() {
        assert_eq!(
            default_path(Some("/xdg".into()), Some("/home/op".into())),
            Some(PathBuf::from("/xdg/notice/config.toml"))
        );
        assert_eq!(
            default_path(Some("relative".into()), Some("/home/op".into())),
            Some(PathBuf::from("/home/op/.config/notice/config.toml"))
        );
        assert_eq!(default_path(None, None), None);
    }

    #[test]
    fn a_missing_default_file_is_fine_a_missing_named_file_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let settings = resolve(&Flags::default(), env_of(&[]), Some(dir.path().into())).unwrap();
        assert!(settings.server.is_none() && settings.token.is_none());
        let flags = Flags {
            config: Some(dir.path().join("nope.toml")),
            ..Flags::default()
        };
        assert!(matches!(
            resolve(&flags, env_of(&[]), None),
            Err(CliError::Io { .. })
        ));
    }

    #[test]
    fn config_errors_never_quote_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "token = ntk_secret_value\n").unwrap();
        let flags = Flags {
            config: Some(path),
            ..Flags::default()
        };
        let err = resolve(&flags, env_of(&[]), None).unwrap_err();
        let text = format!("{err} {:?}", err.hint());
        assert!(text.contains("line 1"), "{text}");
        assert!(!text.contains("ntk_secret_value"), "{text}");
    }

    #[test]
    fn unknown_config_keys_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "tokn = \"x\"\n").unwrap();
        let flags = Flags {
            config: Some(path),
            ..Flags::default()
        };
        let err = resolve(&flags, env_of(&[]), None).unwrap_err();
        assert!(err.to_string().contains("tokn"), "{err}");
    }

    #[test]
    fn the_token_debug_output_hides_it() {
        let token = Token::parse("ntk_abc", &Source::Flag("--token")).unwrap();
        assert_eq!(format!("{token:?}"), "Token(<hidden>)");
    }

    #[test]
    fn server_urls_are_normalized_and_checked() {
        let url = ServerUrl::parse("https://notice.example.org/").unwrap();
        assert_eq!(
            url.join("/v1/feed.json"),
            "https://notice.example.org/v1/feed.json"
        );
        assert!(!url.is_plain_http_off_host());
        assert!(
            ServerUrl::parse("http://10.0.0.1:8080")
                .unwrap()
                .is_plain_http_off_host()
        );
        assert!(
            !ServerUrl::parse("http://127.0.0.1:8080")
                .unwrap()
                .is_plain_http_off_host()
        );
        for bad in [
            "notice.example.org",
            "ftp://x.example",
            "https://u:p@x.example",
            "https://x.example/?a=1",
        ] {
            assert!(ServerUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_ca_certificate_file_comes_from_the_flag_then_the_environment_then_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "server = \"https://n.example\"\nca_cert = \"/etc/notice/file-ca.pem\"\n",
        )
        .unwrap();
        let flags = Flags {
            config: Some(path.clone()),
            ..Flags::default()
        };
        let from_file = resolve(&flags, env_of(&[]), None).unwrap().ca_cert.unwrap();
        assert_eq!(from_file.value, PathBuf::from("/etc/notice/file-ca.pem"));
        let from_env = resolve(&flags, env_of(&[(CA_CERT_ENV, "/env-ca.pem")]), None)
            .unwrap()
            .ca_cert
            .unwrap();
        assert_eq!(from_env.value, PathBuf::from("/env-ca.pem"));
        assert_eq!(from_env.source, Source::Env(CA_CERT_ENV));
        let with_flag = Flags {
            ca_cert: Some(PathBuf::from("/flag-ca.pem")),
            ..flags
        };
        let from_flag = resolve(&with_flag, env_of(&[(CA_CERT_ENV, "/env-ca.pem")]), None)
            .unwrap()
            .ca_cert
            .unwrap();
        assert_eq!(from_flag.value, PathBuf::from("/flag-ca.pem"));
    }
}
