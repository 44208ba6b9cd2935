//! The one error type of the command: a message, an exit code and, where there is a next step, a hint.
//!
//! Messages never contain the token: the token lives in [`crate::config::Token`], which cannot be formatted.

use std::path::PathBuf;

/// Exit codes, as listed in `notice --help`.
pub mod exit {
    /// Any failure without a more specific code (server error, file error).
    pub const FAILURE: u8 = 1;
    /// Bad flags or input, found before anything was sent (clap uses 2 as well).
    pub const USAGE: u8 = 2;
    /// The server could not be reached.
    pub const UNREACHABLE: u8 = 3;
    /// No token, the server rejected it, or too many failed attempts.
    pub const TOKEN: u8 = 4;
    /// The server (or, with --offline, the command itself) refused the change: invalid field, unknown
    /// notice, conflict.
    pub const REJECTED: u8 = 5;
    /// A published document failed verification.
    pub const VERIFICATION: u8 = 6;
    /// The operator did not confirm (or could not be asked): nothing was changed.
    pub const NOT_CONFIRMED: u8 = 7;
}

/// The [`Source`] of a URL given as a document's location: a positional argument (`notice verify URL`),
/// `--from`, `--last`, or a key of `notice watch`'s configuration (`[follow] feed`).
pub const ARGUMENT: &str = "the document location given";

/// Where a setting came from, so that an error can say which one to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag(&'static str),
    /// An environment variable.
    Env(&'static str),
    /// The config file at this path.
    File(PathBuf),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "from {flag}"),
            Source::Env(var) => write!(f, "from ${var}"),
            Source::File(path) => write!(f, "from {}", path.display()),
        }
    }
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// Bad flags or input, found before anything was sent.
    #[error("{message}")]
    Usage {
        /// What is wrong.
        message: String,
        /// What to do instead.
        hint: Option<String>,
    },
    /// No server URL in flags, environment or config file.
    #[error("no server given")]
    NoServer,
    /// No token in flags, environment or config file.
    #[error("no admin token given; this command changes or reads notices and needs one")]
    NoToken,
    /// The server did not answer (connection refused, DNS, timeout, TLS).
    #[error("cannot reach the server at {url} ({server_source}): {detail}")]
    Unreachable {
        /// The URL that was tried.
        url: String,
        /// Where the server URL came from.
        server_source: Source,
        /// What went wrong.
        detail: String,
    },
    /// 401.
    #[error("the server rejected the token ({token_source})")]
    TokenRejected {
        /// Where the token came from.
        token_source: Source,
    },
    /// 429.
    #[error("the server is refusing this address after too many failed authentications{}", retry_text(*.retry_after_secs))]
    RateLimited {
        /// Seconds from `Retry-After`.
        retry_after_secs: Option<u64>,
    },
    /// 422 naming a field.
    #[error("field `{field}`{}: {reason}", flag_note(field))]
    InvalidField {
        /// The field path, e.g. `title.nl`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// 400, 404, 409, 413 or a 422 without a field.
    #[error("{message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The server's error code, e.g. `not_found`.
        code: String,
        /// The server's message.
        message: String,
    },
    /// A change refused without a server (break-glass): an unknown notice, a conflict, a feed apps would
    /// reject. Nothing was written.
    #[error("{message}")]
    Refused {
        /// A stable code, e.g. `not_found`, `conflict`, `sign_refused`.
        code: &'static str,
        /// What is wrong.
        message: String,
        /// What to do instead.
        hint: Option<String>,
    },
    /// 5xx or another status this command does not expect.
    #[error("the server failed (HTTP {status}): {message}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// The server's message, if it sent one.
        message: String,
    },
    /// The server answered with something that is not what the admin API promises.
    #[error("unexpected answer from {url}: {detail}")]
    BadResponse {
        /// The URL.
        url: String,
        /// What was wrong with it.
        detail: String,
    },
    /// A published document did not verify.
    #[error("{what} failed verification: {message} [{code}]")]
    Verification {
        /// The file or URL.
        what: String,
        /// The stable code of the failure (`bad_signature`, `expired`, …).
        code: &'static str,
        /// The reason.
        message: String,
        /// What it probably means and what to do.
        hint: Option<String>,
    },
    /// The operator said no, or could not be asked.
    #[error("{message}")]
    NotConfirmed {
        /// What did not happen and why.
        message: String,
        /// How to go ahead.
        hint: Option<String>,
    },
    /// A copy on another provider (a bucket, a directory) could not be read or written.
    #[error("{message}")]
    CopyFailed {
        /// What failed, where.
        message: String,
        /// What to check.
        hint: String,
    },
    /// `notice watch --once`: a notice that should have been published could not be, by any route.
    #[error("{message}")]
    Unpublished {
        /// What could not be published, and where the log says why.
        message: String,
    },
    /// A local file could not be read or written.
    #[error("cannot {action} {}: {cause}", path.display())]
    Io {
        /// `read`, `write`, …
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause (in the message; not a `source`, so it is not printed twice).
        cause: std::io::Error,
    },
}

/// ` (--ends)` for `ends_at`: the flag that sets an API field, so the operator knows what to change.
fn flag_note(field: &str) -> String {
    let top = field.split(['.', '[']).next().unwrap_or(field);
    let flag = match top {
        "id" => "--id",
        "severity" => "--severity",
        "status" => "--status",
        "title" => "--title",
        "body" => "--body",
        "message" => "--message",
        "components" => "--component",
        "platforms" => "--platform",
        "app_versions" => "--app-versions",
        "link" => "--link",
        "show_from" => "--show-from",
        "starts_at" => "--starts",
        "ends_at" => "--ends",
        "dismissible" => "--dismissible",
        _ => return String::new(),
    };
    format!(" ({flag})")
}

fn retry_text(secs: Option<u64>) -> String {
    match secs {
        Some(secs) => format!("; retry after {secs} s"),
        None => String::new(),
    }
}

impl CliError {
    /// A usage error without a hint.
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage {
            message: message.into(),
            hint: None,
        }
    }

    /// A usage error with a hint.
    pub fn usage_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        CliError::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// An I/O error on `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        CliError::Io {
            action,
            path: path.into(),
            cause,
        }
    }

    /// The documented exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage { .. } | CliError::NoServer => exit::USAGE,
            CliError::Unreachable { .. } => exit::UNREACHABLE,
            CliError::NoToken | CliError::TokenRejected { .. } | CliError::RateLimited { .. } => {
                exit::TOKEN
            }
            CliError::InvalidField { .. }
            | CliError::Rejected { .. }
            | CliError::Refused { .. } => exit::REJECTED,
            CliError::Verification { .. } => exit::VERIFICATION,
            CliError::NotConfirmed { .. } => exit::NOT_CONFIRMED,
            CliError::Server { .. }
            | CliError::BadResponse { .. }
            | CliError::Io { .. }
            | CliError::CopyFailed { .. }
            | CliError::Unpublished { .. } => exit::FAILURE,
        }
    }

    /// The next step, if there is one.
    pub fn hint(&self) -> Option<String> {
        match self {
            CliError::Usage { hint, .. }
            | CliError::Refused { hint, .. }
            | CliError::Verification { hint, .. }
            | CliError::NotConfirmed { hint, .. } => hint.clone(),
            CliError::NoServer => Some(
                "pass --server URL, set NOTICE_SERVER, or put `server = \"https://…\"` in the config file (see `notice --help`)".to_owned(),
            ),
            CliError::NoToken => Some(
                "set NOTICE_TOKEN, or put `token = \"…\"` in the config file (see `notice --help`); get a token with `notice-server token create`".to_owned(),
            ),
            CliError::Unreachable { detail, .. } if is_untrusted_certificate(detail) => Some(
                "the server's certificate is not signed by a CA this machine trusts: if it is your own PKI's, give its CA certificate with --ca-cert FILE or NOTICE_CA_CERT (or `ca_cert = \"…\"` in the config file)".to_owned(),
            ),
            CliError::Unreachable {
                server_source: Source::Flag(ARGUMENT),
                ..
            } => Some("check the URL, and that the host is up and reachable from here".to_owned()),
            CliError::Unreachable { .. } => Some(
                "check --server / NOTICE_SERVER and that notice-server is running there; from a laptop, check VPN and network. Server down? Changes can be signed without it: --offline (see `notice post --help`)".to_owned(),
            ),
            CliError::TokenRejected { .. } => Some(
                "the token is wrong, revoked or for another server (NOTICE_TOKEN / --token / config file); ask for a new one with `notice-server token create`".to_owned(),
            ),
            CliError::RateLimited { .. } => Some(
                "wait, then retry with a valid token; `notice-server token create` makes a new one".to_owned(),
            ),
            CliError::InvalidField { .. } => {
                Some("fix that value and run the command again; nothing was changed".to_owned())
            }
            CliError::Rejected { status: 404, .. } => {
                Some("`notice list --all` shows every notice id".to_owned())
            }
            CliError::Rejected { .. } => Some("nothing was changed".to_owned()),
            CliError::Server { .. } => Some(
                "the server log has details; unless an answer said otherwise, nothing was changed".to_owned(),
            ),
            CliError::BadResponse { .. } => Some(
                "is --server really a notice-server (and the same version as this command)?".to_owned(),
            ),
            CliError::CopyFailed { hint, .. } => Some(hint.clone()),
            CliError::Io { .. } | CliError::Unpublished { .. } => None,
        }
    }
}

/// Whether a connection failure is a certificate no trusted CA signed (rustls names it UnknownIssuer).
fn is_untrusted_certificate(detail: &str) -> bool {
    detail.contains("UnknownIssuer") || detail.contains("unknown issuer")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_failure_has_its_documented_code() {
        let cases = [
            (CliError::usage("x"), exit::USAGE),
            (CliError::NoToken, exit::TOKEN),
            (
                CliError::TokenRejected {
                    token_source: Source::Env("NOTICE_TOKEN"),
                },
                exit::TOKEN,
            ),
            (
                CliError::InvalidField {
                    field: "title.nl".into(),
                    reason: "too long".into(),
                },
                exit::REJECTED,
            ),
            (
                CliError::NotConfirmed {
                    message: "no".into(),
                    hint: None,
                },
                exit::NOT_CONFIRMED,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(error.exit_code(), code, "{error}");
        }
    }

    #[test]
    fn a_field_error_names_the_field_and_the_reason() {
        let error = CliError::InvalidField {
            field: "title.nl".into(),
            reason: "too long".into(),
        };
        assert_eq!(error.to_string(), "field `title.nl` (--title): too long");
        let error = CliError::InvalidField {
            field: "ends_at".into(),
            reason: "is not after starts_at".into(),
        };
        assert_eq!(
            error.to_string(),
            "field `ends_at` (--ends): is not after starts_at"
        );
    }
}
