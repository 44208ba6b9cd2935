//! The workspace binaries a test runs (`notice-server`, `notice`), built with cargo when a test needs them.
//!
//! `cargo test -p notice-cli` builds notice-cli's own binary but not `notice-server`, which its tests run; a
//! harness that only looks for `target/debug/notice-server` fails from a fresh clone, or silently runs a
//! stale build. So [`bin_path`] asks cargo:
//!
//! 1. **The test's own package's binary**: `cargo test` sets `CARGO_BIN_EXE_<name>` for the package's
//!    binaries (at compile time and in the test's environment) and has built them in this very run. That path
//!    is used as it is: nothing to build, nothing to check.
//! 2. **Another package's binary**: `$CARGO build --package notice-server --package notice-cli --bin
//!    notice-server --bin notice` (the cargo running the test, from the `CARGO` variable; the test's profile,
//!    and `--target` if any, from the test executable's path), once per test process (a [`OnceLock`]), and
//!    then the binary. Cargo decides what is stale (sources, `Cargo.lock`, flags, toolchain); a check of
//!    mtimes against the sources would run a binary built with other flags or before a dependency changed.
//!    When everything is up to date this takes about half a second.
//!
//! Decisions, each from a measured failure of the simpler way:
//! - **A target directory of its own**, `<target>/notice-tests/` inside the test's (so `cargo clean` removes
//!   it), with the same profile. In the test's own directory the nested build is never up to date under
//!   `cargo test --workspace`: that run unifies the features of every member and its dev-dependencies
//!   (`tokio/test-util`, proptest's and criterion's features of shared crates), `cargo build -p notice-server`
//!   resolves fewer, so it compiled a second variant of the server's dependencies (4 minutes here). Worse,
//!   notice-client is also a `cdylib` and `staticlib`, so cargo names its artifacts without a hash: the
//!   second variant overwrote the first, and every following `cargo test` rebuilt notice-client and all above
//!   it. Here the harness's variant is built once, stays fresh, and never touches the running cargo's files.
//! - **Always the same command, for both binaries.** Cargo records per unit what the invocation needed it for;
//!   `-p notice-server` and `-p notice-cli` in one directory made each other's shared units (ureq, rustls)
//!   "changed" and rebuilt them every time.
//! - **Without the variables cargo sets for tests** (`CARGO_PKG_*`, `CARGO_MANIFEST_DIR`,
//!   `CARGO_BIN_EXE_*`, …): build scripts that watch them (ring's) saw them change from one test package to
//!   the next and rebuilt half the tree each time. Without them the nested cargo sees the environment the
//!   cargo running the tests saw.
//! - **Locks.** Cargo 1.95 releases the build directory lock before it runs test executables (a nested build
//!   in the same directory did not wait); a directory of its own cannot deadlock on the running cargo's lock
//!   under any cargo. Concurrent test processes share it, and cargo's lock on it makes them wait for one
//!   another instead of racing.
//!
//! The price: the first run that needs another package's binary compiles the binaries' dependencies once
//! more into that directory (minutes from a clean target; `cargo test -p notice-server`, whose tests run only
//! its own binary, builds nothing extra). After that each test process that needs one pays one up-to-date
//! check.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The workspace binaries the harness runs and the packages that build them.
const BINARIES: &[(&str, &str)] = &[("notice-server", "notice-server"), ("notice", "notice-cli")];

/// Variables cargo sets for a test process (and for compiling a crate), by name or prefix.
const SET_FOR_TESTS: &[&str] = &[
    "CARGO_BIN_EXE_",
    "CARGO_CRATE_NAME",
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_PKG_",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
];

/// The workspace's root manifest (this crate is `tests/` in the workspace).
const WORKSPACE_MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");

/// The path of the up-to-date workspace binary `name` (`notice-server` or `notice`), built first when needed
/// (see the module documentation). Called by the process harness; tests rarely need it directly.
///
/// # Panics
/// When `name` is not a workspace binary or cargo cannot build it; the message has cargo's output.
pub fn bin_path(name: &str) -> PathBuf {
    assert!(
        BINARIES.iter().any(|(bin, _)| *bin == name),
        "`{name}` is not a workspace binary the harness knows"
    );
    if let Some(path) = own_binary(name) {
        return path;
    }
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(build)
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// `<target>/notice-tests/tools`: where the harness installs the third-party programs the tests start
/// (`cargo install --root`), beside its own build of the binaries, so `cargo clean` removes them too.
pub(crate) fn tools_dir() -> PathBuf {
    Layout::of_running_test()
        .target_dir
        .join("notice-tests")
        .join("tools")
}

/// `CARGO_BIN_EXE_<name>` when `cargo test` set it: a binary of the test's own package, built in this run.
fn own_binary(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var_os(format!("CARGO_BIN_EXE_{name}"))?);
    path.is_file().then_some(path)
}

/// Where the running test executable was built: `<target>[/<triple>]/<profile>/deps/<test>`.
struct Layout {
    target_dir: PathBuf,
    triple: Option<OsString>,
    profile_dir: OsString,
}

impl Layout {
    fn of_running_test() -> Layout {
        let exe = std::env::current_exe().expect("the path of the running test executable");
        let profile = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test executable lives in <target>/<profile>/deps");
        let profile_dir = profile.file_name().expect("a profile directory").to_owned();
        let above = profile.parent().expect("a target directory");
        // The root of a target directory holds cargo's `.rustc_info.json` (written by every build) and, when
        // cargo created the directory itself, CACHEDIR.TAG; below it, a directory per `--target`. The tag alone
        // is not enough: a target directory something else made first (`cargo install --root
        // target/notice-tests/tools` in CI) has none.
        if above.join(".rustc_info.json").is_file() || above.join("CACHEDIR.TAG").is_file() {
            Layout {
                target_dir: above.to_owned(),
                triple: None,
                profile_dir,
            }
        } else {
            Layout {
                target_dir: above.parent().expect("a target directory").to_owned(),
                triple: above.file_name().map(ToOwned::to_owned),
                profile_dir,
            }
        }
    }

    /// The `--profile` that writes to this profile directory (`debug` is cargo's `dev`).
    fn profile(&self) -> OsString {
        if self.profile_dir == "debug" {
            "dev".into()
        } else {
            self.profile_dir.clone()
        }
    }
}

/// The cargo running the tests (from the `CARGO` variable), or the one that built this crate.
pub(crate) fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into()))
}

/// `cargo build -p notice-server -p notice-cli --bin notice-server --bin notice` into the harness's own target
/// directory: every binary in one invocation, always the same one, so that no build of one binary makes cargo
/// see the units of another as changed. Returns the directory the binaries are in.
fn build() -> PathBuf {
    let layout = Layout::of_running_test();
    let target_dir = layout.target_dir.join("notice-tests");
    let mut command = cargo();
    // What cargo set for this test process only; the cargo that runs the tests did not have it. Build
    // scripts that watch such variables (ring's watches CARGO_MANIFEST_DIR and CARGO_PKG_*) would otherwise
    // see them change from one test package to the next and rebuild half the tree each time.
    for (name, _) in std::env::vars_os() {
        let name_text = name.to_string_lossy();
        if SET_FOR_TESTS
            .iter()
            .any(|prefix| name_text.starts_with(prefix))
        {
            command.env_remove(&name);
        }
    }
    command.args(["build", "--quiet"]);
    for (_, package) in BINARIES {
        command.args(["--package", package]);
    }
    for (bin, _) in BINARIES {
        command.args(["--bin", bin]);
    }
    command
        .arg("--manifest-path")
        .arg(WORKSPACE_MANIFEST)
        .arg("--target-dir")
        .arg(&target_dir)
        .arg("--profile")
        .arg(layout.profile());
    let mut dir = target_dir;
    if let Some(triple) = &layout.triple {
        command.arg("--target").arg(triple);
        dir.push(triple);
    }
    dir.push(&layout.profile_dir);
    let output = command.stdin(Stdio::null()).output().unwrap_or_else(|e| {
        panic!("cannot run cargo to build the harness's binaries ({command:?}): {e}")
    });
    assert!(
        output.status.success(),
        "building the binaries for the test harness failed ({command:?}):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    dir
}
