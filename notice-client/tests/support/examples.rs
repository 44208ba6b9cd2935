//! Building and running the C and Go examples, for the tests that run them against loopback mirrors and
//! against a real notice-server.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// `target/<profile>/deps`, where this test binary lives and where cargo put the `libnotice_client.a` it
/// built for this very run (with this run's features). The copy in `target/<profile>/` is only refreshed
/// by `cargo build`, so it may be stale or built with other features.
pub fn deps_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().to_path_buf()
}

pub fn static_library() -> PathBuf {
    let lib = deps_dir().join("libnotice_client.a");
    assert!(lib.exists(), "{} was not built", lib.display());
    lib
}

/// What Rust's standard library needs from the system when linked statically on Linux
/// (`rustc --print native-static-libs`).
pub const SYSTEM_LIBS: &str = "-lpthread -ldl -lm -lrt -lutil";

pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn run(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    eprintln!(
        "{command:?}\n--- stdout\n{}--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The JSON after `prefix` on a line of stdout.
pub fn json_line(output: &Output, prefix: &str) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{stdout}"));
    serde_json::from_str(line).unwrap()
}

/// Compiles the C example against the static library into `dir`.
pub fn build_c_example(dir: &Path) -> PathBuf {
    let binary = dir.join("notice_example");
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let mut build = Command::new(compiler);
    build
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(crate_dir().join("include"))
        .arg(crate_dir().join("examples/c/notice_example.c"))
        .arg(static_library())
        .args(SYSTEM_LIBS.split(' '))
        .arg("-o")
        .arg(&binary);
    assert!(run(&mut build).status.success(), "the C example compiles");
    binary
}

/// Builds the Go example (cgo, linked against the static library) into `dir`.
pub fn build_go_example(dir: &Path) -> PathBuf {
    let go_dir = crate_dir().join("examples/go");
    let binary = dir.join("notice-example");
    let target = deps_dir().parent().unwrap().to_path_buf();
    let mut build = Command::new("go");
    build
        .args(["build", "-o"])
        .arg(&binary)
        .arg(".")
        .current_dir(&go_dir)
        .env("CGO_ENABLED", "1")
        .env(
            "CGO_LDFLAGS",
            format!("{} {SYSTEM_LIBS}", static_library().display()),
        )
        // No network and no third-party modules: the example uses the standard library only.
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOCACHE", target.join("go-cache"))
        .env("GOPATH", target.join("go-path"));
    let output = build.output().unwrap_or_else(|e| {
        panic!("cannot run `go` ({e}); install the Go toolchain: apt-get install -y golang-go")
    });
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the Go example builds");
    binary
}
