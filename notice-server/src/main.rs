//! The `notice-server` binary: see `notice-server --help`.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::Cli::from_args_and_config(std::env::args_os().collect()) {
        Ok(cli) => cli,
        // Help, version and flag errors: as clap prints them, with its exit codes.
        Err(e) => match e.downcast::<clap::Error>() {
            Ok(clap_error) => clap_error.exit(),
            Err(e) => {
                eprintln!("error: {}", one_line(&e));
                return ExitCode::from(2);
            }
        },
    };
    cli.init_logging();
    match cli.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each cause once: most errors here already say their cause in their
/// own message, and `{:#}` would repeat it (`it exists; …: it exists; …`).
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !line.contains(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
    }
    line
}
