//! `notice completions <shell>`: a completion script for the shell, generated from the same clap definition
//! the parser uses, so it never lists a flag the command does not have.

use clap::{Args, CommandFactory as _};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::CliError;

const EXAMPLES: &str = "\
Examples:
  notice completions bash > ~/.local/share/bash-completion/completions/notice
  notice completions zsh > \"${fpath[1]}/_notice\"
  notice completions fish > ~/.config/fish/completions/notice.fish";

/// Print a shell completion script (bash, zsh, fish, elvish, powershell)
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    shell: Shell,
}

impl CompletionsArgs {
    /// Runs `notice completions`.
    pub fn run(self) -> Result<(), CliError> {
        let mut command = Cli::command();
        let mut out = std::io::stdout().lock();
        clap_complete::generate(self.shell, &mut command, "notice", &mut out);
        Ok(())
    }
}
