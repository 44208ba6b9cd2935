//! Every `--help` has an example, and the top-level help documents configuration and exit codes.

use notice_tests::{OutputExt as _, notice};

/// The subcommands `notice --help` lists (so a new subcommand cannot skip this test).
fn subcommands() -> Vec<String> {
    let out = notice(["--help"]);
    out.assert_code(0);
    let text = out.stdout_text();
    let section = text
        .split("Commands:")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("a Commands: section");
    section
        .lines()
        // A long description wraps onto an indented line of its own; names start at column 2.
        .filter(|line| !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_subcommand_help_has_an_example() {
    let names = subcommands();
    for expected in [
        "post", "update", "edit", "resolve", "withdraw", "list", "show", "status", "verify",
        "keygen", "root", "export", "ingest", "watch",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    for name in names {
        for flag in ["--help", "-h"] {
            let out = notice([name.as_str(), flag]);
            out.assert_code(0);
            let text = out.stdout_text();
            let examples = text.split("Examples:\n").nth(1).unwrap_or_else(|| {
                panic!("`notice {name} {flag}` has no Examples: section\n{text}")
            });
            assert!(
                examples
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("notice {name} "))
                        || l.trim() == format!("notice {name}")),
                "`notice {name} {flag}` has no example of `notice {name}`\n{text}"
            );
        }
    }
}

#[test]
fn the_top_level_help_documents_configuration_exit_codes_and_an_example() {
    let out = notice(["--help"]);
    out.assert_code(0);
    let text = out.stdout_text();
    for expected in [
        "NOTICE_SERVER",
        "NOTICE_TOKEN",
        "config.toml",
        "Exit codes:",
        "Examples:",
        "notice post",
    ] {
        assert!(text.contains(expected), "missing {expected:?}\n{text}");
    }
    for code in 0..=7 {
        assert!(
            text.contains(&format!("\n  {code}  ")),
            "exit code {code} not documented\n{text}"
        );
    }
}
