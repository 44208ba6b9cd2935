//! The layering rule of this crate, checked: a module uses only its own layer and the layers below it, so
//! the layers form no import cycle. Reads the sources (code, not comments or tests) for `crate::…` paths.

use std::path::{Path, PathBuf};

/// Bottom to top. A file's layer is its directory under `src/`; the foundation files are single modules
/// every layer may use. Everything else (`lib.rs`, `service.rs`, the binary's `cli/`) composes the layers
/// and may use them all.
const LAYERS: [&[&str]; 5] = [
    &["config", "clock", "metrics"],
    &["storage"],
    &["publishing"],
    &["http"],
    &["tasks"],
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level module a file of `src/` belongs to: `http/admin.rs` → `http`, `config.rs` → `config`.
fn module_of(relative: &Path) -> String {
    let first = relative
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The modules named by `crate::<module>` in the code of `source`, before its tests.
fn uses(source: &str) -> Vec<String> {
    let code = source.split("#[cfg(test)]").next().unwrap_or_default();
    let mut found = Vec::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            // `crate::{a, b::c}` names several modules (on one line, as rustfmt writes short lists).
            let names = match rest.strip_prefix('{') {
                Some(list) => top_level_names(list),
                None => vec![leading_name(rest)],
            };
            found.extend(names.into_iter().filter(|n| !n.is_empty()));
        }
    }
    found
}

fn leading_name(text: &str) -> String {
    text.trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// The first path segment of each item of a `{…}` list, up to its closing brace.
fn top_level_names(list: &str) -> Vec<String> {
    let mut names = vec![leading_name(list)];
    let mut depth = 0;
    for (at, c) in list.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => names.push(leading_name(&list[at + 1..])),
            _ => {}
        }
    }
    names
}

/// Every `crate::` use that goes up a layer (or to the composition root), as `file → module`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let Some(own) = rank(&module_of(relative)) else {
            continue;
        };
        let source = std::fs::read_to_string(&file).unwrap();
        for used in uses(&source) {
            // Not a layer: the composition root (lib.rs re-exports, service) is above every layer.
            let allowed = rank(&used).is_some_and(|r| r <= own);
            if !allowed {
                found.push(format!("{} → crate::{used}", relative.display()));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn each_layer_uses_only_itself_and_the_layers_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "uses that go up a layer (storage < publishing < http < tasks):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_uses_in_code_and_skips_comments_and_tests() {
    let source = "use crate::http::AppState;\n// crate::tasks in a comment\nfn f() { crate::storage::open(); }\nuse crate::{config::Settings, tasks::{a, b}, clock};\n#[cfg(test)]\nmod tests { use crate::service; }\n";
    assert_eq!(
        uses(source),
        ["http", "storage", "config", "tasks", "clock"]
    );
    assert_eq!(rank("http"), Some(3));
    assert_eq!(rank("service"), None);
    assert_eq!(module_of(Path::new("http/admin.rs")), "http");
    assert_eq!(module_of(Path::new("metrics.rs")), "metrics");
}
