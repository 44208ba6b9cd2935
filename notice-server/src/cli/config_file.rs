//! The config file (`--config FILE`, `NOTICE_CONFIG`): every setting of the command that runs, written the
//! way the flag is written, with `_` for `-`:
//!
//! ```toml
//! data_dir = "/var/lib/notice"
//! listen = "127.0.0.1:8080"
//! publish_to = ["s3://notice-status/yivi", "/srv/www/notice"]
//! heartbeat_interval = "1h"
//! trusted_proxy = ["10.0.0.0/8"]
//! site_name = "Yivi"
//! ```
//!
//! First found wins: the command line, then the environment, then the file, then the default. The file is
//! applied by turning its settings into flags for clap to parse with the rest, so a setting in the file is
//! checked exactly as the same flag would be, and a mistake is reported naming the file. A key that is not a
//! setting of the command is an error, not silently ignored: a typo in a config file must not go unnoticed
//! at 3 a.m.
//!
//! One setting is structured: the component registry, `[[components]]` tables, which
//! [`super::components::from_file`] turns into `--component` flags the same way.

use std::ffi::OsString;
use std::path::Path;

use anyhow::{Context as _, bail};
use clap::parser::ValueSource;
use clap::{ArgMatches, Command};

/// Whether the file's `key` names `arg`: its flag with `_` for `-` (`trusted_proxy`), or its internal
/// name where that differs (`trusted_proxies`, as earlier files wrote it).
fn names(arg: &clap::Arg, key: &str) -> bool {
    arg.get_id() == key
        || arg
            .get_long()
            .is_some_and(|long| long.replace('-', "_") == key)
}

/// The environment variable naming the config file.
pub const CONFIG_ENV: &str = "NOTICE_CONFIG";

/// The command line with the config file's settings added: `args` (as given) followed by a flag for each
/// setting of the file that the command line and the environment did not give. `command` is the whole
/// command tree; `matches` what `args` parsed to without the file.
pub fn with_file_settings(
    command: &Command,
    args: &[OsString],
    matches: &ArgMatches,
    file: &Path,
) -> anyhow::Result<Vec<OsString>> {
    let text = std::fs::read_to_string(file).with_context(|| {
        format!(
            "cannot read the config file {} (--config / {CONFIG_ENV})",
            file.display()
        )
    })?;
    let table: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", file.display()))?;
    // The subcommand that runs, and its matches.
    let (sub_command, sub_matches) = match matches.subcommand() {
        Some((name, sub_matches)) => (
            command
                .find_subcommand(name)
                .with_context(|| format!("no subcommand {name}"))?,
            sub_matches,
        ),
        None => (command, matches),
    };
    let mut out = args.to_vec();
    for (key, value) in &table {
        let (arg, given) = match sub_command.get_arguments().find(|a| names(a, key)) {
            Some(arg) => (arg, sub_matches),
            None => match command.get_arguments().find(|a| names(a, key)) {
                Some(arg) => (arg, matches),
                None => bail!(
                    "{}: `{key}` is not a setting of `{}`; see `{} --help` (settings are written as the flags, with _ for -)",
                    file.display(),
                    sub_command.get_name(),
                    sub_command.get_name()
                ),
            },
        };
        if key == "config" {
            bail!(
                "{}: `config` cannot name another config file",
                file.display()
            );
        }
        let source = given.value_source(arg.get_id().as_str());
        if matches!(
            source,
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        ) {
            continue;
        }
        let Some(long) = arg.get_long() else {
            bail!(
                "{}: `{key}` is given on the command line only (it is a positional argument)",
                file.display()
            );
        };
        let flag = format!("--{long}");
        let takes_value = arg.get_action().takes_values();
        // The component registry is a list of tables; its own reader turns it into `--component` values.
        let items = if key == "components" {
            super::components::from_file(file, value)?
                .into_iter()
                .map(Item::Text)
                .collect()
        } else {
            values(file, key, value)?
        };
        for item in items {
            match (takes_value, item) {
                (true, Item::Text(text)) => {
                    out.push(OsString::from(&flag));
                    out.push(OsString::from(text));
                }
                (false, Item::Bool(true)) => out.push(OsString::from(&flag)),
                (false, Item::Bool(false)) => {}
                (true, Item::Bool(_)) => bail!(
                    "{}: `{key}` takes a value, not true or false",
                    file.display()
                ),
                (false, Item::Text(_)) => {
                    bail!("{}: `{key}` is true or false", file.display())
                }
            }
        }
    }
    Ok(out)
}

enum Item {
    Text(String),
    Bool(bool),
}

fn values(file: &Path, key: &str, value: &toml::Value) -> anyhow::Result<Vec<Item>> {
    let one = |value: &toml::Value| -> anyhow::Result<Item> {
        Ok(match value {
            toml::Value::String(text) => Item::Text(text.clone()),
            toml::Value::Integer(n) => Item::Text(n.to_string()),
            toml::Value::Float(n) => Item::Text(n.to_string()),
            toml::Value::Boolean(b) => Item::Bool(*b),
            _ => bail!(
                "{}: `{key}` must be a string, a number, true/false or a list of them",
                file.display()
            ),
        })
    };
    match value {
        toml::Value::Array(items) => items.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

#[cfg(test)]
mod tests {
    use clap::{Arg, ArgAction};

    use super::*;

    fn command() -> Command {
        Command::new("t")
            .arg(
                Arg::new("data_dir")
                    .long("data-dir")
                    .global(true)
                    .default_value("./d"),
            )
            .subcommand(
                Command::new("serve")
                    .arg(
                        Arg::new("listen")
                            .long("listen")
                            .default_value("127.0.0.1:1"),
                    )
                    .arg(
                        Arg::new("publish_to")
                            .long("publish-to")
                            .action(ArgAction::Append),
                    )
                    .arg(Arg::new("quiet").long("quiet").action(ArgAction::SetTrue))
                    .arg(
                        Arg::new("cache_max_age")
                            .long("cache-max-age")
                            .env("T_CACHE"),
                    ),
            )
    }

    fn run(args: &[&str], file: &str) -> anyhow::Result<ArgMatches> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, file).unwrap();
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        let matches = command().try_get_matches_from(&args)?;
        let all = with_file_settings(&command(), &args, &matches, &path)?;
        Ok(command().try_get_matches_from(all)?)
    }

    fn get<'a>(matches: &'a ArgMatches, id: &str) -> Vec<&'a String> {
        let (_, sub) = matches.subcommand().unwrap();
        sub.get_many::<String>(id)
            .map(Iterator::collect)
            .unwrap_or_default()
    }

    #[test]
    fn the_file_fills_in_what_the_command_line_and_environment_did_not_give() {
        let matches = run(
            &["t", "serve", "--listen", "0.0.0.0:9"],
            "listen = \"127.0.0.1:8\"\npublish_to = [\"s3://a/b\", \"/srv/x\"]\ncache_max_age = 30\nquiet = true\ndata_dir = \"/var/lib/n\"\n",
        )
        .unwrap();
        assert_eq!(
            get(&matches, "listen"),
            ["0.0.0.0:9"],
            "the command line wins"
        );
        assert_eq!(get(&matches, "publish_to"), ["s3://a/b", "/srv/x"]);
        assert_eq!(get(&matches, "cache_max_age"), ["30"]);
        let (_, sub) = matches.subcommand().unwrap();
        assert!(sub.get_flag("quiet"));
        assert_eq!(
            matches.get_one::<String>("data_dir").map(String::as_str),
            Some("/var/lib/n")
        );
    }

    #[test]
    fn a_list_on_the_command_line_replaces_the_files_list() {
        let matches = run(
            &["t", "serve", "--publish-to", "/only"],
            "publish_to = [\"s3://a/b\"]\n",
        )
        .unwrap();
        assert_eq!(get(&matches, "publish_to"), ["/only"]);
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_errors_naming_the_file() {
        let err = run(&["t", "serve"], "publsh_to = [\"x\"]\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("`publsh_to` is not a setting of `serve`"),
            "{err}"
        );
        let err = run(&["t", "serve"], "quiet = \"yes\"\n").unwrap_err();
        assert!(err.to_string().contains("true or false"), "{err}");
        let err = run(&["t", "serve"], "listen = { a = 1 }\n").unwrap_err();
        assert!(err.to_string().contains("must be a string"), "{err}");
        let err = run(&["t", "serve"], "listen = [").unwrap_err();
        assert!(err.to_string().contains("not valid TOML"), "{err}");
    }
}
