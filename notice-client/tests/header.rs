//! The committed C header is exactly what cbindgen generates from `src/ffi.rs`.

use std::path::Path;

#[test]
fn committed_header_matches_the_ffi_module() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is valid");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/ffi.rs"))
        .generate()
        .expect("cbindgen can read src/ffi.rs");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).expect("the header is UTF-8");

    let path = crate_dir.join("include/notice_client.h");
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("include/notice_client.h is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/notice_client.h is out of date with src/ffi.rs.\n\
         Update it with: UPDATE_HEADER=1 cargo test -p notice-client --test header\n\
         --- generated ---\n{generated}"
    );
}
