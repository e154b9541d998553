//! `cargo xtask floors` on small manifests and lockfiles of its own; then that this workspace
//! passes.

use std::collections::BTreeMap;

use xtask::floors::{Checked, check};

const LOCK: &str = r#"version = 4
[[package]]
name = "serde"
version = "1.0.229"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "rand"
version = "0.8.5"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "rand"
version = "0.9.2"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "toml"
version = "1.2.2+spec-1.1.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "ours"
version = "0.2.0"
"#;

const MANIFEST: &str = r#"[workspace]
members = ["a"]

[workspace.dependencies]
ours = { path = "a", version = "0.2.0" }
# A comment stays.
serde = { version = "1.0.219", features = ["derive"] }
rand = "0.8.5"
rand09 = { package = "rand", version = "0.9" }
gone = "1.0.0"
toml = "1.2.2"
pinned = { package = "serde", version = "=1.0.229" }
"#;

const FUZZ_TEXT: &str = "[package]\nname = \"f\"\n\n[dependencies]\nlibfuzzer-sys = \"0.4.10\"\n\
    serde = { version = \"1.0.1\", default-features = false }\nours = { path = \"../a\" }\n";

fn run(files: &[(&str, &str)]) -> Checked {
    let files: BTreeMap<&str, &str> = [
        ("Cargo.lock", LOCK),
        ("Cargo.toml", MANIFEST),
        ("fuzz/Cargo.toml", ""),
        ("a/Cargo.toml", "[package]\nname = \"ours\"\n"),
    ]
    .into_iter()
    .chain(files.iter().copied())
    .collect();
    check(&|path| Ok(files.get(path).ok_or(format!("no {path}"))?.to_string())).unwrap()
}

fn messages(checked: &Checked) -> Vec<String> {
    let show =
        |(text, fixed): &(String, bool)| format!("{text}{}", ["", " (fixed)"][*fixed as usize]);
    checked.problems.iter().map(show).collect()
}

#[test]
fn a_floor_below_the_lockfile_a_loose_one_and_an_unused_one_are_problems() {
    let problems = messages(&run(&[]));
    assert_eq!(problems.len(), 3, "{problems:#?}");
    let has = |text: &str| problems.iter().any(|p| p.contains(text));
    assert!(has("serde: declares \"1.0.219\" but Cargo.lock builds 1.0.229 (fixed)"));
    assert!(has("rand09: declares \"0.9\" but Cargo.lock builds 0.9.2 (fixed)"));
    assert!(has("gone = \"1.0.0\": Cargo.lock has no matching version (unused? remove it)"));
    // Build metadata in the lockfile (toml 1.2.2+spec-1.1.0) is not a difference.
    assert!(!has("] toml"));
}

#[test]
fn write_sets_each_floor_to_the_locked_version_and_keeps_the_rest() {
    let fixed = run(&[]).manifest.to_string();
    assert!(fixed.contains("serde = { version = \"1.0.229\", features = [\"derive\"] }\n"));
    assert!(fixed.contains("rand09 = { package = \"rand\", version = \"0.9.2\" }\n"));
    assert!(fixed.contains("\nrand = \"0.8.5\"\n"));
    assert!(fixed.contains("# A comment stays.\n"));
    assert!(fixed.contains("pinned = { package = \"serde\", version = \"=1.0.229\" }"));
    assert!(fixed.contains("ours = { path = \"a\", version = \"0.2.0\" }"));
    // What --write cannot fix is left, and said to be.
    let problems = messages(&run(&[("Cargo.toml", &fixed)]));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].contains("gone") && !problems[0].contains("(fixed)"));
}

#[test]
fn members_may_not_declare_versions() {
    let member = "[package]\nname = \"a\"\n[dependencies]\nserde.workspace = true\n\
                  [dev-dependencies]\nrand = \"0.8\"\n\
                  [target.'cfg(unix)'.dependencies]\nlibc = { version = \"0.2\" }\n";
    let problems = messages(&run(&[("a/Cargo.toml", member)]));
    let has = |text: &str| problems.iter().any(|p| p.contains(text));
    assert!(has("a/Cargo.toml: [dev-dependencies] rand declares its own version"));
    assert!(has("[target.cfg(unix).dependencies] libc declares"));
    assert!(!has("serde declares"));
}

#[test]
fn the_fuzz_manifest_must_match_the_floors_and_write_fixes_it() {
    let checked = run(&[("fuzz/Cargo.toml", FUZZ_TEXT)]);
    let problems = messages(&checked);
    assert!(problems.iter().any(|p| p.starts_with(
        "fuzz/Cargo.toml: [dependencies] serde = \"1.0.1\", but the floor is 1.0.229 (fixed)"
    )));
    let fuzz = checked.fuzz.to_string();
    assert!(fuzz.contains("serde = { version = \"1.0.229\", default-features = false }\n"));
    assert!(fuzz.contains("libfuzzer-sys = \"0.4.10\"\n"));
    let again = messages(&run(&[("fuzz/Cargo.toml", &fuzz)]));
    assert!(!again.iter().any(|p| p.contains("fuzz")), "{again:#?}");
}

/// The real workspace passes: its floors are its lockfile's versions.
#[test]
fn this_workspace_declares_the_versions_it_builds() {
    let root = xtask::project_root();
    let checked = check(&|path| Ok(std::fs::read_to_string(root.join(path))?)).unwrap();
    let problems = messages(&checked);
    assert!(problems.is_empty(), "{problems:#?}\nrun `cargo xtask floors --write`");
}
