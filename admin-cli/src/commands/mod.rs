//! One module per subcommand. Each has an `…Args` struct (its flags and help) and a `run`.

pub mod audit;
pub mod completions;
pub mod edit;
pub mod export;
pub mod ingest;
pub mod keygen;
pub mod list;
pub mod post;
pub mod resolve;
pub mod root;
pub mod show;
pub mod status;
pub mod update;
pub mod verify;
pub mod watch;
pub mod withdraw;

use clap::ValueEnum;
use notice_types::{Platform, Severity, Status, Timestamp};

use crate::api::Api;
use crate::cli::{Command, GlobalArgs};
use crate::config::{self, Flags, Settings};
use crate::error::CliError;
use crate::http::Http;

/// Runs one subcommand.
pub fn run(command: Command, global: &GlobalArgs) -> Result<(), CliError> {
    let ctx = Ctx {
        global,
        preset: None,
    };
    match command {
        Command::Post(args) => args.run(&ctx),
        Command::Update(args) => args.run(&ctx),
        Command::Edit(args) => args.run(&ctx),
        Command::Resolve(args) => args.run(&ctx),
        Command::Withdraw(args) => args.run(&ctx),
        Command::List(args) => args.run(&ctx),
        Command::Show(args) => args.run(&ctx),
        Command::Status(args) => args.run(&ctx),
        Command::Verify(args) => args.run(&ctx),
        Command::Keygen(args) => args.run(&ctx),
        Command::Root(args) => args.run(&ctx),
        Command::Export(args) => args.run(&ctx),
        Command::Ingest(args) => args.run(&ctx),
        Command::Watch(args) => args.run(&ctx),
        Command::Audit(args) => args.run(&ctx),
        Command::Completions(args) => args.run(),
    }
}

/// What every subcommand may need: settings, an HTTP client, the clock.
pub struct Ctx<'a> {
    global: &'a GlobalArgs,
    /// Settings a command worked out itself (`notice watch` reads its own configuration file), used instead
    /// of the CLI's configuration file.
    preset: Option<Settings>,
}

impl<'a> Ctx<'a> {
    /// The same context with `settings` instead of what flags, environment and the CLI's configuration file
    /// say.
    pub fn with_settings(&self, settings: Settings) -> Ctx<'a> {
        Ctx {
            global: self.global,
            preset: Some(settings),
        }
    }

    /// The global flags.
    pub fn global(&self) -> &'a GlobalArgs {
        self.global
    }
}

impl Ctx<'_> {
    /// Server and token from flags, environment and config file (read only when a command needs them).
    pub fn settings(&self) -> Result<Settings, CliError> {
        if let Some(preset) = &self.preset {
            return Ok(preset.clone());
        }
        let flags = Flags {
            server: self.global.server.clone(),
            token: self.global.token.clone(),
            config: self.global.config.clone(),
            ca_cert: self.global.ca_cert.clone(),
        };
        let settings = config::resolve(&flags, |name| std::env::var(name).ok(), dirs::home_dir())?;
        if self.global.verbose {
            match &settings.server {
                Some(s) => crate::render::eprint(&format!("server: {} ({})\n", s.value, s.source)),
                None => crate::render::eprint("server: none given\n"),
            }
            if let Some(file) = &settings.file {
                crate::render::eprint(&format!("config file: {}\n", file.display()));
            }
            match &settings.token {
                Some(t) => {
                    crate::render::eprint(&format!("token: given ({}), not shown\n", t.source))
                }
                None => crate::render::eprint("token: none given\n"),
            }
        }
        Ok(settings)
    }

    /// An HTTP client with the `--timeout` deadline and the CAs of `--ca-cert` (if any); `redirects` = 0
    /// reports redirects instead of following.
    pub fn http(&self, redirects: u32) -> Result<Http, CliError> {
        let settings = self.settings()?;
        self.http_with(&settings, redirects)
    }

    /// [`Ctx::http`] with settings already resolved.
    pub fn http_with(&self, settings: &Settings, redirects: u32) -> Result<Http, CliError> {
        let roots = settings
            .ca_cert
            .as_ref()
            .map(crate::http::load_roots)
            .transpose()?;
        Ok(Http::new(
            self.global.timeout,
            redirects,
            self.global.verbose,
            roots,
        ))
    }

    /// The admin API of the configured server.
    pub fn api(&self) -> Result<Api, CliError> {
        let settings = self.settings()?;
        // The admin API is never redirected: a redirect could carry the token somewhere else.
        let http = self.http_with(&settings, 0)?;
        Api::new(&settings, http)
    }

    /// The command's clock: the system clock, or `--now` (rehearsals and tests). Read once per use; every
    /// relative time flag (`+2h`) is counted from it.
    pub fn now(&self) -> Timestamp {
        self.global
            .now
            .unwrap_or_else(|| Timestamp::from(chrono::Utc::now()))
    }
}

/// Prints `value` as pretty JSON on stdout (for `--json`). A closed pipe (`| head`) is not an error.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    // Serializing the CLI's own plain types cannot fail; writing may (closed pipe), and that is fine.
    let _ = serde_json::to_writer_pretty(&mut out, value);
    let _ = writeln!(out);
    Ok(())
}

/// `--severity` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    /// The service does not work.
    Outage,
    /// The service works partly or slowly.
    Degraded,
    /// Planned work (needs --starts and --ends).
    Maintenance,
    /// Anything else users should know.
    Info,
}

impl From<SeverityArg> for Severity {
    fn from(value: SeverityArg) -> Self {
        match value {
            SeverityArg::Outage => Severity::Outage,
            SeverityArg::Degraded => Severity::Degraded,
            SeverityArg::Maintenance => Severity::Maintenance,
            SeverityArg::Info => Severity::Info,
        }
    }
}

/// `--status` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    /// Incident: cause not known yet.
    Investigating,
    /// Incident: cause known, fix under way.
    Identified,
    /// Incident: fix in place, watching.
    Monitoring,
    /// Incident: over (prefer `notice resolve`).
    Resolved,
    /// Maintenance: announced.
    Scheduled,
    /// Maintenance: happening now.
    #[value(name = "in_progress", alias = "in-progress")]
    InProgress,
    /// Maintenance: over (prefer `notice resolve`).
    Completed,
}

impl From<StatusArg> for Status {
    fn from(value: StatusArg) -> Self {
        match value {
            StatusArg::Investigating => Status::Investigating,
            StatusArg::Identified => Status::Identified,
            StatusArg::Monitoring => Status::Monitoring,
            StatusArg::Resolved => Status::Resolved,
            StatusArg::Scheduled => Status::Scheduled,
            StatusArg::InProgress => Status::InProgress,
            StatusArg::Completed => Status::Completed,
        }
    }
}

/// `--platform` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlatformArg {
    /// Android phones.
    Android,
    /// iPhones.
    Ios,
}

impl From<PlatformArg> for Platform {
    fn from(value: PlatformArg) -> Self {
        match value {
            PlatformArg::Android => Platform::Android,
            PlatformArg::Ios => Platform::Ios,
        }
    }
}
