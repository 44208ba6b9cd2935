//! `notice-server token create|list|revoke`: works on the database directly, also while the server runs.

use clap::{Subcommand, ValueEnum};
use notice_server::clock::{Clock as _, SystemClock};
use notice_server::{
    DataDir, LOCAL_ACTOR, Scope, issue_token, list_tokens, open_database, revoke_token,
};

/// Examples of every token subcommand (each shows all three: they are used together).
pub const EXAMPLES: &str = "\
Tokens live in the database; these work while the server runs, and a revoked token stops
working at once. Scopes: admin (everything) and watch (a watchdog, `notice watch`: read
and create notices, update, resolve, edit and withdraw the ones it created; 403 for
anything else).

Examples:
  notice-server token create alice
  notice-server token create --scope watch watchdog
  notice-server token list
  notice-server token revoke alice";

/// `--scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    /// Everything the admin API offers.
    Admin,
    /// A watchdog: read and create notices, and change only its own.
    Watch,
}

impl From<ScopeArg> for Scope {
    fn from(value: ScopeArg) -> Self {
        match value {
            ScopeArg::Admin => Scope::Admin,
            ScopeArg::Watch => Scope::Watch,
        }
    }
}

/// Token subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for an operator and print it once (only its hash is stored).
    #[command(after_help = EXAMPLES)]
    Create {
        /// Operator name, e.g. alice; shown in the audit log as the actor.
        name: String,
        /// What the token may do.
        #[arg(long, value_enum, default_value_t = ScopeArg::Admin)]
        scope: ScopeArg,
    },
    /// List tokens (names, dates, status; never the tokens).
    #[command(after_help = EXAMPLES)]
    List,
    /// Revoke the active token with this name; it stops working at once.
    #[command(after_help = EXAMPLES)]
    Revoke {
        /// Operator name.
        name: String,
    },
}

impl TokenCommand {
    pub fn run(self, dir: &DataDir) -> anyhow::Result<()> {
        let mut conn = open_database(dir)?;
        let now = SystemClock.now();
        match self {
            TokenCommand::Create { name, scope } => {
                let scope = Scope::from(scope);
                let token = issue_token(&mut conn, &name, scope, LOCAL_ACTOR, now)?;
                eprintln!("{scope} token for `{name}` (shown once, store it now):");
                println!("{token}");
            }
            TokenCommand::List => {
                println!(
                    "{:<24} {:<6} {:<22} {:<22} STATUS",
                    "NAME", "SCOPE", "CREATED", "LAST USED"
                );
                for token in list_tokens(&conn)? {
                    let last_used = token
                        .last_used_at
                        .map_or_else(|| "never".to_owned(), |t| t.to_string());
                    let status = token
                        .revoked_at
                        .map_or_else(|| "active".to_owned(), |t| format!("revoked {t}"));
                    println!(
                        "{:<24} {:<6} {:<22} {:<22} {status}",
                        token.name,
                        token.scope.as_str(),
                        token.created_at.to_string(),
                        last_used
                    );
                }
            }
            TokenCommand::Revoke { name } => {
                revoke_token(&mut conn, &name, LOCAL_ACTOR, now)?;
                println!("revoked token `{name}`");
            }
        }
        Ok(())
    }
}
