//! Asking before changing what millions of phones show, and refusing at once when there is no one to ask.
//!
//! A command run from a script, a pipe or CI without `--yes` must fail fast (exit 7), never wait for an answer
//! that cannot come.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use crate::error::CliError;

/// Whether the operator can be asked: standard input is a terminal.
pub fn can_ask() -> bool {
    std::io::stdin().is_terminal()
}

/// The refusal for a command that needs confirmation and cannot ask. `action` is e.g. `publish`.
pub fn refuse_without_terminal(action: &str, extra_hint: &str) -> CliError {
    CliError::NotConfirmed {
        message: format!(
            "refusing to {action} without confirmation: standard input is not a terminal, so there is no one to ask"
        ),
        hint: Some(format!("add --yes to {action} without asking{extra_hint}")),
    }
}

/// Fails unless `--yes` was given or a terminal is there to ask on; call before any work so a script fails
/// at once.
pub fn require_way_to_confirm(yes: bool, action: &str, extra_hint: &str) -> Result<(), CliError> {
    if yes || can_ask() {
        Ok(())
    } else {
        Err(refuse_without_terminal(action, extra_hint))
    }
}

/// Asks `question [y/N]` on the terminal; anything but `y`/`yes` is a no. With `yes`, does not ask.
pub fn confirm(question: &str, yes: bool, action: &str) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    if !can_ask() {
        return Err(refuse_without_terminal(action, ""));
    }
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{question} [y/N] ");
    let _ = stderr.flush();
    let mut answer = String::new();
    // End of input (Ctrl-D) reads as no.
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if is_yes(&answer) {
        Ok(())
    } else {
        Err(CliError::NotConfirmed {
            message: format!("not confirmed: did not {action}"),
            hint: None,
        })
    }
}

/// Prints the cautions of a prepared change (allowed, probably a mistake) as warnings on stderr.
pub fn warn_cautions(cautions: &[String]) {
    for caution in cautions {
        crate::render::eprint(&format!(
            "{} {caution}\n",
            crate::render::styled(crate::render::WARN, "warning:")
        ));
    }
}

/// For a command that does not otherwise ask: the cautions are printed, and the change goes ahead only
/// with `--yes` or a yes on the terminal. Without a terminal and without `--yes` it is refused (exit 7),
/// naming the first caution.
pub fn confirm_cautions(cautions: &[String], yes: bool, action: &str) -> Result<(), CliError> {
    let Some(first) = cautions.first() else {
        return Ok(());
    };
    warn_cautions(cautions);
    if yes {
        return Ok(());
    }
    if !can_ask() {
        return Err(CliError::NotConfirmed {
            message: format!("refusing to {action} without confirmation: {first}"),
            hint: Some(format!("add --yes to {action} anyway")),
        });
    }
    confirm(&format!("{} anyway?", capitalized(action)), false, action)
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_explicit_yes_confirms() {
        for yes in ["y", "Y", "yes\n", " YES "] {
            assert!(is_yes(yes), "{yes}");
        }
        for no in ["", "\n", "n", "no", "yep", "ja"] {
            assert!(!is_yes(no), "{no}");
        }
    }
}
