//! Creating a data directory: keys, root v1, database, the first (empty) feed and the first admin token.

use std::fs;
use std::path::PathBuf;

use notice_types::{FeedId, PublicKey, RootPayload, Timestamp, sign_root};

use super::{Error, Signer, publish};
use crate::config::Settings;
use crate::storage::audit::{self, Action, Actor};
use crate::storage::tokens::Scope;
use crate::storage::{DataDir, StoreError, feeds, keys, schema, write_tx};

/// The actor of changes made with the server's own command line (it has no token).
pub const LOCAL_ACTOR: &str = "local";

/// Name of the token `init` creates.
pub const FIRST_TOKEN_NAME: &str = "admin";

/// What the new feed is.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The feed id (`yivi-app/production`).
    pub feed_id: FeedId,
    /// Hosts notice links may point to; empty means no links.
    pub link_hosts: Vec<String>,
}

/// What `init` made; [`std::fmt::Display`] prints it for the operator (including the token, once).
#[derive(Debug)]
pub struct Initialized {
    /// The data directory.
    pub dir: PathBuf,
    /// The feed id.
    pub feed_id: FeedId,
    /// Allowed link hosts.
    pub link_hosts: Vec<String>,
    /// The root key's public half.
    pub root_public: PublicKey,
    /// The feed key's public half.
    pub feed_public: PublicKey,
    /// Where the root key was written.
    pub root_key_path: PathBuf,
    /// Where root v1 was written.
    pub root_json_path: PathBuf,
    /// The first admin token (shown once; only its hash is stored).
    pub admin_token: String,
}

impl std::fmt::Display for Initialized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hosts = if self.link_hosts.is_empty() {
            "none (notices cannot carry links; init with --link-host HOST to allow some)".to_owned()
        } else {
            self.link_hosts.join(", ")
        };
        writeln!(f, "initialized {}", self.dir.display())?;
        writeln!(f, "  feed id:     {}", self.feed_id)?;
        writeln!(f, "  link hosts:  {hosts}")?;
        writeln!(f, "  database:    {}", self.dir.join("notice.db").display())?;
        writeln!(
            f,
            "  feed key:    {} ({})",
            self.dir.join("feed-key.pem").display(),
            self.feed_public
        )?;
        writeln!(
            f,
            "  root key:    {} ({})",
            self.root_key_path.display(),
            self.root_public
        )?;
        writeln!(
            f,
            "  root v1:     {} (ship this file in the app; also served at /v1/root.json)",
            self.root_json_path.display()
        )?;
        writeln!(
            f,
            "WARNING: move {} to offline storage (and keep a backup): it can replace the feed key and whoever has it controls what every app trusts. `rotate-feed-key --root-key PATH` reads it from there.",
            self.root_key_path.display()
        )?;
        writeln!(
            f,
            "admin token (shown once, store it now): {}",
            self.admin_token
        )
    }
}

/// Creates a data directory. Refuses to touch one that has any of its files already.
pub fn init(
    dir: &DataDir,
    options: &InitOptions,
    settings: &Settings,
    now: Timestamp,
) -> Result<Initialized, Error> {
    settings.validate()?;
    if !dir.db().exists()
        && [dir.feed_key(), dir.root_key(), dir.root_json()]
            .iter()
            .any(|file| file.exists())
    {
        return Err(Error::DatabaseLost(dir.path().to_owned()));
    }
    for existing in [dir.db(), dir.feed_key(), dir.root_key(), dir.root_json()] {
        if existing.exists() {
            return Err(Error::AlreadyInitialized {
                dir: dir.path().to_owned(),
                found: existing,
            });
        }
    }
    let root_key = keys::generate();
    let feed_key = keys::generate();
    let root = RootPayload {
        feed_id: options.feed_id.clone(),
        version: 1,
        root_keys: vec![root_key.public_key()],
        root_threshold: 1,
        feed_keys: vec![feed_key.public_key()],
        feed_threshold: 1,
        link_hosts: options.link_hosts.clone(),
    };
    root.validate().map_err(Error::Invalid)?;
    let envelope = sign_root(&root, &root, &[&root_key])?;
    let root_bytes =
        serde_json::to_vec_pretty(&envelope).map_err(|e| Error::Invalid(e_field(e)))?;

    create_private_dir(dir)?;
    keys::write_new(&dir.root_key(), &root_key)?;
    keys::write_new(&dir.feed_key(), &feed_key)?;
    keys::write_public(&dir.root_json(), &root_bytes)?;

    // The database comes last: its existence is what marks the directory as initialized.
    let mut conn = schema::open(&dir.db())?;
    restrict_to_owner(&dir.db())?;
    let tx = write_tx(&mut conn)?;
    feeds::insert_root(&tx, 1, &root_bytes, now)?;
    let feed_public = feed_key.public_key();
    let signer = Signer::from_parts(vec![envelope], root, feed_key);
    let feed = publish(&tx, &signer, settings, now)?;
    audit::record(
        &tx,
        now,
        &Actor::untokened(LOCAL_ACTOR),
        Action::Init,
        None,
        Some(feed.version),
    )?;
    tx.commit().map_err(|e| Error::Store(e.into()))?;
    let admin_token =
        super::tokens::issue_token(&mut conn, FIRST_TOKEN_NAME, Scope::Admin, LOCAL_ACTOR, now)?;

    Ok(Initialized {
        dir: dir.path().to_owned(),
        feed_id: options.feed_id.clone(),
        link_hosts: options.link_hosts.clone(),
        root_public: root_key.public_key(),
        feed_public,
        root_key_path: dir.root_key(),
        root_json_path: dir.root_json(),
        admin_token,
    })
}

fn e_field(e: serde_json::Error) -> notice_types::InvalidField {
    notice_types::InvalidField::new("", e.to_string())
}

/// The database holds token hashes and the audit log: owner-only, like the keys.
pub(crate) fn restrict_to_owner(path: &std::path::Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::Store(StoreError::io("set permissions of", path, e)))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

pub(crate) fn create_private_dir(dir: &DataDir) -> Result<(), Error> {
    let path = dir.path();
    let existed = path.exists();
    fs::create_dir_all(path).map_err(|e| Error::Store(StoreError::io("create", path, e)))?;
    #[cfg(unix)]
    if !existed {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::Store(StoreError::io("set permissions of", path, e)))?;
    }
    #[cfg(not(unix))]
    let _ = existed;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(hosts: &[&str]) -> InitOptions {
        InitOptions {
            feed_id: FeedId::parse("t/init").unwrap(),
            link_hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
        }
    }

    #[test]
    fn init_creates_everything_and_publishes_an_empty_signed_feed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path().join("d"));
        let report = init(
            &dir,
            &options(&["yivi.app"]),
            &Settings::default(),
            Timestamp::from_unix(1_000),
        )
        .unwrap();
        assert!(
            report
                .admin_token
                .starts_with(crate::publishing::tokens::TOKEN_PREFIX)
        );
        let shown = report.to_string();
        assert!(shown.contains("WARNING: move"));
        assert!(shown.contains(&report.admin_token));
        let trusted =
            notice_types::TrustedRoot::from_envelope_bytes(&fs::read(dir.root_json()).unwrap())
                .unwrap();
        assert_eq!(trusted.payload().link_hosts, ["yivi.app"]);
        let conn = schema::open(&dir.db()).unwrap();
        let feed = feeds::latest_published(&conn).unwrap().unwrap();
        let (_, payload) =
            notice_types::dangerous_verify_ignoring_freshness(&feed.bytes, &trusted).unwrap();
        assert_eq!(payload.version, 1);
        assert!(payload.notices.is_empty());
    }

    #[test]
    fn keys_without_a_database_point_to_restore_and_recover_not_init() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path().join("d"));
        init(
            &dir,
            &options(&[]),
            &Settings::default(),
            Timestamp::from_unix(1_000),
        )
        .unwrap();
        std::fs::remove_file(dir.db()).unwrap();
        let err = init(
            &dir,
            &options(&[]),
            &Settings::default(),
            Timestamp::from_unix(1_000),
        )
        .unwrap_err();
        assert!(matches!(err, Error::DatabaseLost(_)), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("notice-server restore") && text.contains("notice-server recover"),
            "{text}"
        );
        let err = crate::publishing::open_database(&dir).unwrap_err();
        assert!(matches!(err, Error::DatabaseLost(_)), "{err:?}");
    }

    #[test]
    fn init_refuses_an_existing_directory_and_bad_link_hosts() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path().join("d"));
        init(
            &dir,
            &options(&[]),
            &Settings::default(),
            Timestamp::from_unix(1_000),
        )
        .unwrap();
        assert!(matches!(
            init(
                &dir,
                &options(&[]),
                &Settings::default(),
                Timestamp::from_unix(1_000)
            ),
            Err(Error::AlreadyInitialized { .. })
        ));
        let other = DataDir::new(tmp.path().join("e"));
        let err = init(
            &other,
            &options(&["Not A Host"]),
            &Settings::default(),
            Timestamp::from_unix(1_000),
        )
        .unwrap_err();
        assert!(err.to_string().contains("link_hosts[0]"), "{err}");
        assert!(!other.path().exists(), "nothing written for a refused init");
    }
}
