//! Build script: compiles `assets/kql.sublime-syntax` with syntect into a binary dump in
//! `OUT_DIR`, which `kql::highlight` loads with `include_bytes!`. The workbench therefore
//! never parses YAML at startup, and a broken grammar fails the build instead of leaving
//! the editor uncoloured.

use std::path::PathBuf;

use syntect::parsing::{SyntaxDefinition, SyntaxSetBuilder};

const SYNTAX: &str = "assets/kql.sublime-syntax";

fn main() {
    println!("cargo::rerun-if-changed={SYNTAX}");
    println!("cargo::rerun-if-changed=build.rs");
    if let Err(e) = build_syntax_dump() {
        // A build script reports failure by exiting non-zero with a message on stderr.
        eprintln!("error: {SYNTAX}: {e}");
        std::process::exit(1);
    }
}

fn build_syntax_dump() -> Result<(), Box<dyn std::error::Error>> {
    let yaml = std::fs::read_to_string(SYNTAX)?;
    let definition = SyntaxDefinition::load_from_str(&yaml, true, Some("kql"))?;
    let mut builder = SyntaxSetBuilder::new();
    builder.add(definition);
    let set = builder.build();
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    syntect::dumps::dump_to_uncompressed_file(&set, out.join("kql.syntaxdump"))?;
    Ok(())
}
