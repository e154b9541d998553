//! What the root README repeats from a crate's README stays the same as there.
//!
//! The crates' own tests keep their READMEs in step with their code; a published crate's tests
//! read nothing outside the crate, so the copies in the root README are checked here, in the
//! workspace's tests.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

/// The Markdown table that starts with `header`, up to the next blank line.
fn table<'a>(text: &'a str, header: &str, file: &str) -> &'a str {
    let start = text
        .find(header)
        .unwrap_or_else(|| panic!("{file} has no table starting with {header:?}"));
    let end = text[start..]
        .find("\n\n")
        .map_or(text.len(), |end| start + end + 1);
    &text[start..end]
}

/// The root README's exit codes are the CLI README's, which `vpsorg-cli`'s own test checks
/// against the code. `VPSORG_UPDATE_README=1` copies the CLI's table into the root README.
#[test]
fn the_root_readme_lists_the_clis_exit_codes() {
    const HEADER: &str = "| exit code | meaning |";
    let cli_path = root().join("crates/vpsorg-cli/README.md");
    let cli = std::fs::read_to_string(&cli_path).unwrap();
    let cli_table = table(&cli, HEADER, "crates/vpsorg-cli/README.md");
    let root_path = root().join("README.md");
    let text = std::fs::read_to_string(&root_path).unwrap();
    let root_table = table(&text, HEADER, "README.md");
    if root_table != cli_table && std::env::var_os("VPSORG_UPDATE_README").is_some() {
        std::fs::write(&root_path, text.replacen(root_table, cli_table, 1)).unwrap();
        return;
    }
    assert_eq!(
        root_table, cli_table,
        "README.md's exit codes differ from crates/vpsorg-cli/README.md's \
         (VPSORG_UPDATE_README=1 copies them)"
    );
    assert!(cli_table.lines().count() > 3, "{cli_table}");
}
