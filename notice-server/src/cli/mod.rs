//! Command-line interface: one module per subcommand, each with `run`.

mod components;
mod config_file;
mod ingest;
mod init;
mod mirror;
mod recovery;
mod rotate;
mod serve;
mod token;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand, ValueEnum};
use notice_publish::status_page::{Lang, Site};
use notice_server::DataDir;
use notice_server::config::Settings;
use notice_types::FeedId;

const EXAMPLES: &str = "\
Examples:
  # Try it: creates ./notice-data on first run, prints the admin token, serves on 127.0.0.1:8080
  notice-server serve

  # Production: a named feed that may link to yivi.app, listening on all interfaces behind a proxy
  notice-server init --data-dir /var/lib/notice --feed-id yivi-app/production --link-host yivi.app
  mv /var/lib/notice/root-key.pem /media/offline/
  NOTICE_DATA_DIR=/var/lib/notice NOTICE_LISTEN=0.0.0.0:8080 notice-server serve

  # Give an operator a token (printed once), list and revoke tokens
  notice-server token create alice
  notice-server token list
  notice-server token revoke alice

  # The feed key leaked: new feed key under root v2, signed with the offline root key
  notice-server rotate-feed-key --root-key /media/offline/root-key.pem

  # A read-only replica on another provider (no data directory, no keys: root.json is public)
  notice-server mirror --upstream https://notices.example.org --root root.json --listen 0.0.0.0:8081

  # Back after an outage: take in the document an operator signed offline (break-glass) before serving
  notice-server ingest /media/usb/feed.json

Every setting of `serve` and `mirror`, and the global flags, can also be set with the environment variable
shown in its help (a config file, --config, takes them too); the other commands' arguments are flags only.";

/// Origin of the signed Notice feed: admin API, signing, public feed.
#[derive(Debug, Parser)]
#[command(name = "notice-server", version, after_help = EXAMPLES)]
pub struct Cli {
    /// Directory with the database, keys and root.json.
    #[arg(
        long,
        env = "NOTICE_DATA_DIR",
        default_value = "./notice-data",
        global = true
    )]
    data_dir: PathBuf,

    /// Config file (TOML): any setting of the command, named as its flag with _ for -, e.g.
    /// `publish_to = ["s3://bucket/prefix"]`. Flags and environment variables win over it.
    #[arg(long, env = config_file::CONFIG_ENV, global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Log filter (tracing EnvFilter syntax), e.g. `info` or `notice_server=debug`. Logs go to stderr.
    #[arg(long, env = "NOTICE_LOG", default_value = "info", global = true)]
    log: String,

    /// Log format.
    #[arg(long, env = "NOTICE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

const INIT_EXAMPLES: &str = "\
Examples:
  notice-server init --data-dir /var/lib/notice --feed-id yivi-app/production --link-host yivi.app
  notice-server init --data-dir ./staging --feed-id yivi-app/staging --feed-validity 24h";

const SERVE_EXAMPLES: &str = "\
Examples:
  notice-server serve
  NOTICE_DATA_DIR=/var/lib/notice notice-server serve --listen 0.0.0.0:8080 \\
      --trusted-proxy 10.0.0.0/8 --site-name Yivi --site-url https://status.yivi.app/
  AWS_PROFILE=backup notice-server serve --publish-to s3://notice-status/yivi \\
      --watch https://status-cdn.example.net/
  notice-server serve --config /etc/notice/server.toml";

const ROTATE_EXAMPLES: &str = "\
Run it when the feed key may have leaked. Apps follow the new root version from the next
feed they fetch; what the old key signed stops verifying.

Examples:
  notice-server rotate-feed-key --root-key /media/offline/root-key.pem";

const PREPARE_FEED_KEY_EXAMPLES: &str = "\
Step one of a root rotation that replaces the feed key (see ROOT-KEYS.md): the key is made
where it will be used and never travels. Run again, it prints the key it made before.

Examples:
  notice-server prepare-feed-key --data-dir /var/lib/notice
  notice root prepare --server https://notices.example.org \\
      --add-feed-key \"$(notice-server prepare-feed-key --quiet)\" --remove-feed-key OLD_KEY_ID --out rotation.json";

const MIRROR_EXAMPLES: &str = "\
Examples:
  notice-server mirror --upstream https://notices.example.org --root root.json
  notice-server mirror --upstream https://notices.example.org --root root.json \\
      --listen 0.0.0.0:8081 --state-dir /var/lib/notice-mirror --poll-interval 10s
  # During an outage of the origin, also follow the bucket break-glass documents go to:
  notice-server mirror --upstream https://notices.example.org \\
      --upstream https://notice-status.s3.nl-ams.scw.cloud/yivi/ --root root.json";

const INGEST_EXAMPLES: &str = "\
While the server runs, `notice ingest FILE` does the same through the admin API.

Examples:
  notice-server ingest /media/usb/feed.json
  notice-server ingest --data-dir /var/lib/notice ./export/feed.json";

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a data directory: database, feed key, root key, root v1 (root.json), first admin token.
    #[command(after_help = INIT_EXAMPLES)]
    Init(init::InitArgs),
    /// Run the server (initializes the data directory first if it does not exist).
    #[command(after_help = SERVE_EXAMPLES)]
    Serve(serve::ServeArgs),
    /// Manage admin tokens (one per operator; the name appears in the audit log).
    #[command(subcommand, after_help = token::EXAMPLES)]
    Token(token::TokenCommand),
    /// New feed key and a new root version signed with the root key; publishes a feed signed with it.
    #[command(after_help = ROTATE_EXAMPLES)]
    RotateFeedKey(rotate::RotateArgs),
    /// Put a new feed key beside the current one (next-feed-key.pem) for a root rotation to list; prints
    /// its public key. The server signs with it once the root that lists it is published.
    #[command(after_help = PREPARE_FEED_KEY_EXAMPLES)]
    PrepareFeedKey(rotate::PrepareFeedKeyArgs),
    /// Run a read-only replica of another server: poll, verify, serve the same bytes (no data directory).
    #[command(after_help = MIRROR_EXAMPLES)]
    Mirror(mirror::MirrorArgs),
    /// Take in a document signed offline with the feed key (break-glass) as the newest published version.
    #[command(after_help = INGEST_EXAMPLES)]
    Ingest(ingest::IngestArgs),
    /// Write a consistent copy of the database (while the server runs).
    #[command(after_help = BACKUP_EXAMPLES)]
    Backup(recovery::BackupArgs),
    /// Put a backup back in place of the database (the server must be stopped).
    #[command(after_help = RESTORE_EXAMPLES)]
    Restore(recovery::RestoreArgs),
    /// Rebuild a lost data directory from the keys and the last published document of any copy.
    #[command(after_help = RECOVER_EXAMPLES)]
    Recover(recovery::RecoverArgs),
}

const BACKUP_EXAMPLES: &str = "\
Keys are not in the backup: back up feed-key.pem apart (and keep root-key.pem offline).

Examples:
  notice-server backup --data-dir /var/lib/notice --out /var/backups/notice/notice-$(date +%F-%H%M).db";

const RESTORE_EXAMPLES: &str = "\
The data directory keeps its keys and root.json; the first version signed after the restore
jumps 1000 ahead, so phones that saw versions after the backup still accept it.

Examples:
  systemctl stop notice-server
  notice-server restore --data-dir /var/lib/notice --from /var/backups/notice/notice-2026-12-01-0300.db --replace
  systemctl start notice-server";

const RECOVER_EXAMPLES: &str = "\
No backup? The keys and any copy of the last published document are enough: the notices,
their timelines and the root chain are in the document. Tokens are not: a new one is printed.

Examples:
  notice-server recover --data-dir /var/lib/notice --from https://mirror.example.net/v1/feed.json \\
      --feed-key /media/keys/feed-key.pem --root /media/keys/root.json
  notice-server recover --data-dir /var/lib/notice --from s3://notice-status/yivi \\
      --feed-key feed-key.pem --root root.json";

/// What a new feed is (used by `init`, and by `serve` when it initializes).
#[derive(Debug, Args)]
struct FeedArgs {
    /// Feed id: which app and environment this feed is for; clients reject feeds for other ids. Default
    /// when initializing: notice/dev. Given to `serve` on an existing directory, it must match (a guard
    /// against serving the wrong environment).
    #[arg(long, env = "NOTICE_FEED_ID", value_parser = parse_feed_id)]
    feed_id: Option<FeedId>,

    /// Host notice links may point to (repeatable; env: comma-separated). Default: none, so notices cannot
    /// carry links. Written into root v1 at init; given to `serve` on an existing directory, it must match.
    #[arg(long = "link-host", env = "NOTICE_LINK_HOSTS", value_delimiter = ',')]
    link_hosts: Vec<String>,
}

/// Feed timing and limits (used by every command that signs a feed).
#[derive(Debug, Args)]
struct SettingsArgs {
    /// How long a signed feed is valid. Must exceed --heartbeat-interval.
    #[arg(long, env = "NOTICE_FEED_VALIDITY", default_value = "72h", value_parser = humantime::parse_duration)]
    feed_validity: Duration,

    /// How often the feed is re-signed when nothing changes.
    #[arg(long, env = "NOTICE_HEARTBEAT_INTERVAL", default_value = "1h", value_parser = humantime::parse_duration)]
    heartbeat_interval: Duration,

    /// How long a resolved notice stays in the feed (apps hide it; status pages list it as recently resolved).
    #[arg(long, env = "NOTICE_RETENTION", default_value = "72h", value_parser = humantime::parse_duration)]
    retention: Duration,

    /// Cache-Control max-age of /v1/feed.json in seconds (at most 60).
    #[arg(long, env = "NOTICE_CACHE_MAX_AGE", default_value_t = 30)]
    cache_max_age: u32,

    /// Failed admin authentications allowed per client address per minute; past that, wrong tokens from the
    /// address get 429. A valid token is always accepted, whatever its address did before.
    #[arg(long, env = "NOTICE_AUTH_FAILURES_PER_MINUTE", default_value_t = 10)]
    auth_failures_per_minute: u32,

    /// How long one request may take, body included, before the answer is 408 (bounds slow clients).
    #[arg(long, env = "NOTICE_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    request_timeout: Duration,

    /// A reverse proxy in front of the server, as an address or range (10.0.0.0/8; repeatable; env:
    /// comma-separated). Requests from it are rate limited by the client address in its X-Forwarded-For,
    /// so one client's failed logins do not slow everyone behind the proxy. Never list an address
    /// clients can reach directly: they could then name any address.
    #[arg(long = "trusted-proxy", env = "NOTICE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    trusted_proxies: Vec<ipnet::IpNet>,

    /// After SIGTERM or Ctrl-C, how long requests in flight may take before their connections are closed.
    #[arg(long, env = "NOTICE_SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    shutdown_timeout: Duration,

    /// How many published documents the database keeps (the newest; older ones are pruned after each
    /// publish, so it stays small however long the server runs).
    #[arg(long, env = "NOTICE_KEEP_VERSIONS", default_value_t = 200)]
    keep_versions: u32,

    /// Serve /metrics on this address only (e.g. 10.0.0.5:9090 on an internal network), not on --listen.
    /// Port 0 picks a free port; the chosen address is printed as `metrics listening on http://ADDR`.
    #[arg(long, env = "NOTICE_METRICS_LISTEN", value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,
}

/// An address range, or a single address as a range of one.
fn parse_net(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| {
            format!("`{text}` is not an address or range; examples: 10.0.0.5, 10.0.0.0/8, fd00::/8")
        })
}

impl SettingsArgs {
    fn settings(&self) -> anyhow::Result<Settings> {
        let settings = Settings {
            feed_validity: self.feed_validity,
            heartbeat_interval: self.heartbeat_interval,
            retention: self.retention,
            cache_max_age_secs: self.cache_max_age,
            auth_failures_per_minute: self.auth_failures_per_minute,
            request_timeout: self.request_timeout,
            site: None,
            trusted_proxies: self.trusted_proxies.clone(),
            shutdown_timeout: self.shutdown_timeout,
            keep_versions: self.keep_versions,
            metrics_listen: self.metrics_listen,
            ..Settings::default()
        };
        settings.validate()?;
        Ok(settings)
    }
}

/// How the public status page presents itself (used by `serve` and `mirror`).
#[derive(Debug, Args)]
struct SiteArgs {
    /// The service's name on the status page ("Yivi" gives "Yivi status", "Status van Yivi"). Default: the
    /// first part of the feed id.
    #[arg(long, env = "NOTICE_SITE_NAME")]
    site_name: Option<String>,

    /// Language of index.html, feed.atom, and of / when neither ?lang= nor Accept-Language decides.
    #[arg(long, env = "NOTICE_SITE_LANG", default_value = "en", value_parser = ["nl", "en", "de"])]
    site_lang: String,

    /// Public URL of the status page (https://status.example.org/), for absolute links in the Atom feed.
    #[arg(long, env = "NOTICE_SITE_URL")]
    site_url: Option<String>,

    /// The time zone the status page shows times in: an IANA name such as Europe/Amsterdam (the tz data is
    /// built in, so pages render alike everywhere). Default: UTC.
    #[arg(long, env = "NOTICE_TIME_ZONE", value_name = "ZONE")]
    time_zone: Option<String>,

    /// A component of the service, declared once for the status page, the apps and the CLI:
    /// ID=NAME (English), then ID:LANG=NAME for each other language (repeatable; the order of first
    /// mention is the display order). Notices may then only name declared components. In the config file:
    /// [[components]] tables with `id` and a `name` table per language. In the environment, the same
    /// values separated by `;`.
    #[arg(
        long = "component",
        env = "NOTICE_COMPONENTS",
        value_name = "ID[:LANG]=NAME",
        value_delimiter = ';'
    )]
    components: Vec<String>,
}

impl SiteArgs {
    /// The site for feed `feed_id`, or `None` when no flag was given (the server's default then applies:
    /// named after the feed id, English, no URL).
    fn site(&self, feed_id: &FeedId) -> anyhow::Result<Option<Site>> {
        let lang: Lang = self.site_lang.parse().map_err(anyhow::Error::msg)?;
        if self.site_name.is_none()
            && self.site_url.is_none()
            && lang == Lang::En
            && self.time_zone.is_none()
            && self.components.is_empty()
        {
            return Ok(None);
        }
        let name = match &self.site_name {
            Some(name) => name.clone(),
            None => Site::for_feed(feed_id).name,
        };
        let flag = |e: notice_types::InvalidField| {
            anyhow::anyhow!("--{}: {}", e.field.replace('_', "-"), e.reason)
        };
        let mut site = Site::new(&name, lang, self.site_url.as_deref()).map_err(flag)?;
        if let Some(zone) = &self.time_zone {
            site = site.with_time_zone(zone).map_err(flag)?;
        }
        let components = components::parse(&self.components)?;
        site = site
            .with_components(components)
            .map_err(|e| anyhow::anyhow!("--component: {e}"))?;
        Ok(Some(site))
    }
}

/// Binds `listen` on a new multi-threaded runtime, prints `listening on http://ADDR` on stdout (tests and
/// scripts read that exact line; port 0 picks a free port) and runs `serve` on the listener; its error is
/// reported as `failure`.
fn run_listening<F, Fut>(listen: SocketAddr, failure: &'static str, serve: F) -> anyhow::Result<()>
where
    F: FnOnce(tokio::net::TcpListener) -> Fut,
    Fut: std::future::Future<Output = std::io::Result<()>>,
{
    use std::io::Write as _;

    use anyhow::Context as _;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let address = listener
            .local_addr()
            .context("cannot read the bound address")?;
        println!("listening on http://{address}");
        std::io::stdout()
            .flush()
            .context("cannot write to stdout")?;
        tracing::info!(%address, "listening");
        serve(listener).await.context(failure)
    });
    // Blocking work still running (a slow upload, a database probe) gets a moment, not a say in when the
    // process ends.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}

fn parse_feed_id(text: &str) -> Result<FeedId, String> {
    FeedId::parse(text).map_err(|e| e.reason)
}

impl Cli {
    /// Parses `args` (the program name first) and the config file they name, if any: flags and environment
    /// first, then the file, then defaults. A flag error, `--help` or `--version` is a `clap::Error` in the
    /// result (the caller lets clap print it and exit).
    pub fn from_args_and_config(args: Vec<std::ffi::OsString>) -> anyhow::Result<Self> {
        let command = Self::command();
        // First only to find --config: settings the file gives may be required ones.
        let lenient = command
            .clone()
            .ignore_errors(true)
            .try_get_matches_from(&args)?;
        let Some(file) = lenient.get_one::<PathBuf>("config").cloned() else {
            let matches = command.try_get_matches_from(&args)?;
            return Ok(Self::from_arg_matches(&matches)?);
        };
        let all = config_file::with_file_settings(&command, &args, &lenient, &file)?;
        let matches = command.try_get_matches_from(all).inspect_err(|_| {
            eprintln!(
                "note: the settings of {} were added as flags; a value named below may come from there",
                file.display()
            );
        })?;
        Ok(Self::from_arg_matches(&matches)?)
    }

    /// Sets up logging to stderr (stdout carries the command's output).
    pub fn init_logging(&self) {
        let filter = tracing_subscriber::EnvFilter::try_new(&self.log).unwrap_or_else(|e| {
            // Logging is not set up yet: say it plainly on stderr, and go on at `info` rather than not at all.
            eprintln!(
                "warning: --log / NOTICE_LOG `{}` is not a log filter ({e}); logging at info (examples: info, notice_server=debug)",
                self.log.escape_debug()
            );
            tracing_subscriber::EnvFilter::new("info")
        });
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr);
        let _ = match self.log_format {
            LogFormat::Text => builder.try_init(),
            LogFormat::Json => builder.json().try_init(),
        };
    }

    /// Runs the subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        let dir = DataDir::new(self.data_dir);
        match self.command {
            Command::Init(args) => args.run(&dir),
            Command::Serve(args) => args.run(&dir),
            Command::Token(command) => command.run(&dir),
            Command::RotateFeedKey(args) => args.run(&dir),
            Command::PrepareFeedKey(args) => args.run(&dir),
            Command::Mirror(args) => args.run(),
            Command::Ingest(args) => args.run(&dir),
            Command::Backup(args) => args.run(&dir),
            Command::Restore(args) => args.run(&dir),
            Command::Recover(args) => args.run(&dir),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_setting_of_serve_and_mirror_has_an_environment_variable_as_the_help_says() {
        let mut command = Cli::command();
        command.build();
        for name in ["serve", "mirror"] {
            let subcommand = command.find_subcommand(name).unwrap();
            for arg in subcommand.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") || arg.is_positional() {
                    continue;
                }
                assert!(
                    arg.get_env().is_some(),
                    "`{name} --{}` has no environment variable",
                    arg.get_long().unwrap_or(id)
                );
            }
        }
    }

    #[test]
    fn the_example_configs_of_the_deploy_kit_are_read_without_error() {
        let deploy = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/config");
        for (command, file) in [("serve", "server.toml"), ("mirror", "mirror.toml")] {
            let args: Vec<std::ffi::OsString> = vec![
                "notice-server".into(),
                command.into(),
                "--config".into(),
                deploy.join(file).into(),
            ];
            let cli = Cli::from_args_and_config(args).unwrap_or_else(|e| panic!("{file}: {e:#}"));
            assert_eq!(cli.config.as_deref(), Some(deploy.join(file).as_path()));
        }
    }

    #[test]
    fn every_subcommand_help_has_an_example_of_itself() {
        fn check(command: &clap::Command, path: &str) {
            for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
                let path = format!("{path} {}", sub.get_name());
                let help = sub
                    .get_after_help()
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                let examples = help.split("Examples:\n").nth(1).unwrap_or_default();
                assert!(
                    examples.lines().any(|l| l.contains(&path)),
                    "`{path} --help` has no example of `{path}`:\n{help}"
                );
                check(sub, &path);
            }
        }
        let mut command = Cli::command();
        command.build();
        check(&command, "notice-server");
    }
}
