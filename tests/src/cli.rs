//! Running the `notice` CLI in a clean environment: no `NOTICE_*` variables from the developer's shell, a
//! temporary home directory (so `~/.config/notice/config.toml` is never the real one), stdin closed (so a
//! question can never hang a test), no proxies.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use crate::bins::bin_path;
use crate::process::{finish_within, output_within, without_notice_env};

/// Longest a `notice` run may take in a test before it counts as hanging.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// Environment variables removed from every `notice` run besides `NOTICE_*`.
const REMOVED_ENV: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "CLICOLOR_FORCE",
    "NO_COLOR",
];

/// A `notice` command about to run. Build it, then call [`NoticeCommand::output`].
#[derive(Debug)]
pub struct NoticeCommand {
    command: Command,
    home: TempDir,
}

impl Default for NoticeCommand {
    fn default() -> Self {
        Self::new()
    }
}

impl NoticeCommand {
    /// `notice` with a clean environment and a fresh temporary home.
    ///
    /// # Panics
    /// When the binary cannot be built (see [`bin_path`]) or no temporary directory can be made.
    pub fn new() -> Self {
        let home = tempfile::tempdir().expect("temporary home directory");
        let mut command = Command::new(bin_path("notice"));
        without_notice_env(&mut command);
        for name in REMOVED_ENV {
            command.env_remove(name);
        }
        command
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join(".config"))
            .stdin(Stdio::null());
        Self { command, home }
    }

    /// Adds one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.command.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    /// Sets an environment variable for this run.
    pub fn env(mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.command.env(name, value);
        self
    }

    /// Removes an environment variable for this run.
    pub fn env_remove(mut self, name: impl AsRef<OsStr>) -> Self {
        self.command.env_remove(name);
        self
    }

    /// Points the command at a server through `NOTICE_SERVER` and `NOTICE_TOKEN` (the token is not put on
    /// the command line, as an operator would not).
    pub fn server(self, url: &str, token: &str) -> Self {
        self.env("NOTICE_SERVER", url).env("NOTICE_TOKEN", token)
    }

    /// The command and its temporary home, for a long-running `notice` (the watchdog) that is started
    /// rather than run to completion. The home is removed when the `TempDir` drops.
    pub fn into_parts(self) -> (Command, TempDir) {
        (self.command, self.home)
    }

    /// The temporary home directory of this run.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Where `notice` looks for its config file in this run (`$XDG_CONFIG_HOME/notice/config.toml`).
    pub fn config_path(&self) -> PathBuf {
        self.home.path().join(".config/notice/config.toml")
    }

    /// Writes the config file (mode 0600 on Unix).
    ///
    /// # Panics
    /// When the file cannot be written.
    pub fn with_config(self, text: &str) -> Self {
        let path = self.config_path();
        std::fs::create_dir_all(path.parent().expect("config dir")).expect("create config dir");
        std::fs::write(&path, text).expect("write config file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .expect("chmod config file");
        }
        self
    }

    /// Runs to completion and returns what it printed and its exit status.
    ///
    /// # Panics
    /// When the process cannot be started, or is still running after [`RUN_TIMEOUT`] (it is killed first):
    /// a command that waits for input that cannot come is a bug.
    pub fn output(mut self) -> Output {
        let output = output_within(&mut self.command, RUN_TIMEOUT).unwrap_or_else(|| {
            panic!(
                "notice {:?} did not finish within {RUN_TIMEOUT:?} (waiting for input?)",
                self.command.get_args().collect::<Vec<_>>()
            )
        });
        drop(self.home);
        output
    }
}

impl NoticeCommand {
    /// Runs the command with a terminal as its stdin, stdout and stderr (a pseudo-terminal from util-linux
    /// `script`), typing `input` into it; for testing questions and colors. The returned `stdout` is the
    /// terminal transcript (both streams, `\r\n` line ends); `stderr` is empty.
    ///
    /// # Panics
    /// When `script` cannot be started or the run takes longer than [`RUN_TIMEOUT`].
    #[cfg(target_os = "linux")]
    pub fn output_in_terminal(self, input: &str) -> Output {
        use std::io::Write as _;

        let quote = |text: &OsStr| format!("'{}'", text.to_string_lossy().replace('\'', r"'\''"));
        let mut line = quote(self.command.get_program());
        for arg in self.command.get_args() {
            line.push(' ');
            line.push_str(&quote(arg));
        }
        let mut script = Command::new("script");
        script.args(["-qec", &line, "/dev/null"]);
        for (name, value) in self.command.get_envs() {
            match value {
                Some(value) => script.env(name, value),
                None => script.env_remove(name),
            };
        }
        let mut child = script
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start `script` (util-linux) for a pseudo-terminal");
        if let Some(stdin) = child.stdin.as_mut() {
            let _ = stdin.write_all(input.as_bytes());
        }
        let output = finish_within(child, RUN_TIMEOUT).unwrap_or_else(|| {
            panic!("notice in a terminal ({line}) did not finish within {RUN_TIMEOUT:?}")
        });
        drop(self.home);
        output
    }
}

/// Runs `notice ARGS` in a clean environment (see [`NoticeCommand`]) without a server configured.
pub fn notice<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    NoticeCommand::new().args(args).output()
}

/// Reading and checking a finished process.
pub trait OutputExt {
    /// Standard output as text (lossy UTF-8).
    fn stdout_text(&self) -> String;
    /// Standard error as text (lossy UTF-8).
    fn stderr_text(&self) -> String;
    /// The exit code (`None` when killed by a signal).
    fn code(&self) -> Option<i32>;
    /// Panics, showing both streams, unless the exit code is `expected`.
    fn assert_code(&self, expected: i32) -> &Self;
    /// Panics, showing both streams, unless standard output contains `needle`.
    fn assert_stdout_contains(&self, needle: &str) -> &Self;
    /// Panics, showing both streams, unless standard error contains `needle`.
    fn assert_stderr_contains(&self, needle: &str) -> &Self;
    /// Both streams, labelled, for assertion messages.
    fn describe(&self) -> String;
}

impl OutputExt for Output {
    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    fn code(&self) -> Option<i32> {
        self.status.code()
    }

    fn assert_code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.status.code(),
            Some(expected),
            "unexpected exit status\n{}",
            self.describe()
        );
        self
    }

    fn assert_stdout_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stdout_text().contains(needle),
            "stdout lacks {needle:?}\n{}",
            self.describe()
        );
        self
    }

    fn assert_stderr_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stderr_text().contains(needle),
            "stderr lacks {needle:?}\n{}",
            self.describe()
        );
        self
    }

    fn describe(&self) -> String {
        format!(
            "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status,
            self.stdout_text(),
            self.stderr_text()
        )
    }
}
