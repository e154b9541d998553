//! Tests of `package`'s reading of Rust files for paths that leave the package.

use super::*;

fn files(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn paths_that_leave_the_package_are_found() {
    let listed = files(&[
        "src/lib.rs",
        "README.md",
        "tests/support/mod.rs",
        "tests/fuzz_seeds/decode/list_200",
    ]);
    let text = r#"
#![doc = include_str!("../README.md")]
#[path = "support/mod.rs"]
mod support;
#[path = "../../other/mod.rs"]
mod other;
// A comment with "../../anything" is not code.
const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz_seeds/decode");
const FUZZ: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/seeds/decode");
const DATA: &str = include_str!("fixtures/missing.json");
fn f() { let _ = std::fs::read("../openapi/backups.yaml"); let c = '"'; let s = "a\"b"; }
"#;
    let found = outside_paths_in_rust("tests/decode.rs", text, &listed);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[0].starts_with("tests/decode.rs:5: \"../../other/mod.rs\" reaches outside"));
    assert!(found[1].starts_with("tests/decode.rs:9: \"/../../fuzz/seeds/decode\" reaches"));
    assert!(found[2].contains(
        ":10: \"fixtures/missing.json\" names tests/fixtures/missing.json, which is not packaged"
    ));
    assert!(found[3].starts_with("tests/decode.rs:11: \"../openapi/backups.yaml\" reaches"));
    // The crate root's include of its README resolves from src/.
    let lib = "#![doc = include_str!(\"../README.md\")]\n";
    assert!(outside_paths_in_rust("src/lib.rs", lib, &listed).is_empty());
}

#[test]
fn paths_normalize_within_their_base_only() {
    assert_eq!(normalize(Path::new("tests/./a/../b")), Some("tests/b".into()));
    assert_eq!(normalize(Path::new("src/../README.md")), Some("README.md".into()));
    assert_eq!(normalize(Path::new("../x")), None);
    assert_eq!(normalize(Path::new("tests/../../x")), None);
}
