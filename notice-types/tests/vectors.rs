//! The committed test vectors are current and every case verifies as its manifest says.

use std::path::Path;

use notice_types::{Timestamp, TrustState, TrustedRoot, verify};

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors"))
}

#[test]
fn committed_vectors_match_the_generator() {
    let generated = notice_tests::vectors();
    for (name, bytes) in &generated {
        let committed = std::fs::read(dir().join(name)).unwrap_or_default();
        assert!(
            committed == *bytes,
            "tests/vectors/{name} is out of date; run: cargo run -p notice-types --example vectors -- notice-types/tests/vectors"
        );
    }
    // Nothing stale beside them: a file the generator no longer writes would mislead other implementations.
    for entry in std::fs::read_dir(dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            generated.iter().any(|(generated, _)| *generated == name),
            "tests/vectors/{name} is not written by the generator; delete it"
        );
    }
}

#[test]
fn every_vector_verifies_as_the_manifest_says() {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir().join("manifest.json")).unwrap()).unwrap();
    let cases = manifest["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let document = std::fs::read(dir().join(case["document"].as_str().unwrap())).unwrap();
        let state: Option<TrustState> = serde_json::from_value(case["state"].clone()).unwrap();
        let now = Timestamp::parse(case["now"].as_str().unwrap()).unwrap();
        let root_file = case
            .get("trusted_root")
            .unwrap_or(&manifest["trusted_root"])
            .as_str()
            .unwrap();
        let root = std::fs::read(dir().join(root_file)).unwrap();
        let result = TrustedRoot::from_envelope_bytes(&root)
            .and_then(|trusted| verify(&document, &trusted, state.as_ref(), now));
        match (case["expect"].as_str().unwrap(), result) {
            ("ok", Ok(_)) | ("any", Err(_)) => {}
            (code, Err(err)) => assert_eq!(err.code(), code, "{name}: {err}"),
            (code, Ok(_)) => panic!("{name}: expected {code}, accepted"),
        }
    }
}
