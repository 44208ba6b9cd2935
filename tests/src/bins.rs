//! Finding the workspace's binaries from a running test.

use std::path::PathBuf;

/// The path of the workspace binary `name` (`notice-server`, `notice`) in the target directory of the
/// running test executable (`target/<profile>/deps/test-…` → `target/<profile>/name`).
///
/// # Panics
/// When the binary is not there, with a message saying how to build it.
pub fn bin_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the path of the running test executable");
    // target/<profile>/deps/<test> → target/<profile>
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test executable lives in target/<profile>/deps");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "binary `{name}` not found at {}: run `cargo test --workspace` or `cargo build --bins` first \
         (with the same CARGO_TARGET_DIR and profile as the tests)",
        path.display()
    );
    path
}
