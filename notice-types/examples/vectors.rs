//! Writes the committed test vectors (made by `notice_tests::vectors`, the shared signing kit).
//!
//! ```sh
//! cargo run -p notice-types --example vectors -- notice-types/tests/vectors
//! ```
//! `tests/vectors.rs` fails when the committed files differ from what this writes.

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "notice-types/tests/vectors".to_owned());
    std::fs::create_dir_all(&dir)?;
    for (name, bytes) in notice_tests::vectors() {
        std::fs::write(std::path::Path::new(&dir).join(&name), bytes)?;
        println!("wrote {dir}/{name}");
    }
    Ok(())
}
