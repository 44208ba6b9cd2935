//! Writes the committed test vectors.
//!
//! ```sh
//! cargo run -p notice-types --example vectors -- notice-types/tests/vectors
//! ```
//! `tests/vectors.rs` fails when the committed files differ from what this writes.

#[path = "../tests/support/mod.rs"]
mod support;

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "notice-types/tests/vectors".to_owned());
    std::fs::create_dir_all(&dir)?;
    for (name, bytes) in support::vectors() {
        std::fs::write(std::path::Path::new(&dir).join(&name), bytes)?;
        println!("wrote {dir}/{name}");
    }
    Ok(())
}
