//! `cargo xtask floors [--write]`: every dependency version the workspace declares is one the
//! crates are built and tested with.
//!
//! A published crate's `version = "1.0.219"` promises that it builds with serde 1.0.219. The
//! only versions anything here builds with are `Cargo.lock`'s (CI runs every cargo command
//! `--locked`), so **each floor in `[workspace.dependencies]` is the version `Cargo.lock`
//! resolves**. A floor below the lock is a claim nothing tests; the cost is that users cannot
//! pick an older patch release than ours. Also: members declare no versions of their own, and
//! `fuzz/Cargo.toml` (outside the workspace) declares the root's floors.
//!
//! `--write` sets the root's and `fuzz/`'s versions with `toml_edit` (comments and layout kept)
//! and names what it cannot fix.

use std::collections::BTreeMap;

use semver::{BuildMetadata, Version, VersionReq};
use toml_edit::{DocumentMut, Item, TableLike};

use crate::{Result, project_root};

const FUZZ: &str = "fuzz/Cargo.toml";
const SECTIONS: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

/// `cargo xtask floors [--write]`.
pub fn main(flags: &[&str]) -> Result<()> {
    match flags {
        [] => run(false),
        ["--write"] => run(true),
        _ => Err(format!("unknown arguments {flags:?} (expected nothing or --write)").into()),
    }
}

/// What `check` found: each problem (`file: what`) and whether the edited manifests fix it,
/// and the root and fuzz manifests with those fixes.
#[derive(Debug)]
pub struct Checked {
    pub problems: Vec<(String, bool)>,
    pub manifest: DocumentMut,
    pub fuzz: DocumentMut,
}

/// Runs the check; with `write`, saves the fixes and fails only on what it could not fix.
pub fn run(write: bool) -> Result<()> {
    let root = project_root();
    let read = |path: &str| -> Result<String> {
        std::fs::read_to_string(root.join(path)).map_err(|e| format!("reading {path}: {e}").into())
    };
    let Checked {
        problems,
        manifest,
        fuzz,
    } = check(&read)?;
    let list = |fixed: bool| -> Vec<&str> {
        let wanted = |p: &&(String, bool)| p.1 == fixed || (!write && !fixed);
        problems
            .iter()
            .filter(wanted)
            .map(|p| p.0.as_str())
            .collect()
    };
    let (fixed, open) = (list(true), list(false));
    if write && !fixed.is_empty() {
        std::fs::write(root.join("Cargo.toml"), manifest.to_string())?;
        std::fs::write(root.join(FUZZ), fuzz.to_string())?;
        eprintln!("floors: fixed\n  {}", fixed.join("\n  "));
    }
    if open.is_empty() {
        eprintln!("floors: every declared version is the one Cargo.lock builds");
        return Ok(());
    }
    let hint = match fixed.len() {
        n if n > 0 && !write => format!("`cargo xtask floors --write` fixes {n} of them"),
        _ => "`--write` cannot fix these: edit them by hand".into(),
    };
    let count = open.len();
    Err(format!(
        "{count} problem(s) with declared versions:\n  {}\n\n{hint}",
        open.join("\n  ")
    )
    .into())
}

/// Checks the manifests `read` returns (paths relative to the root) against `Cargo.lock`.
pub fn check(read: &dyn Fn(&str) -> Result<String>) -> Result<Checked> {
    let lock: Lock = toml::from_str(&read("Cargo.lock")?)?;
    let mut manifest: DocumentMut = read("Cargo.toml")?.parse()?;
    let mut fuzz: DocumentMut = read(FUZZ)?.parse()?;
    let mut problems = Vec::new();

    // The root's floors, set to what the lock resolves.
    let mut floors = BTreeMap::new();
    let deps = manifest["workspace"]["dependencies"]
        .as_table_like_mut()
        .ok_or("Cargo.toml has no [workspace.dependencies]")?;
    for (key, item) in deps.iter_mut() {
        let package = package_of(&key, item);
        let Some(version) = version_of(item) else {
            continue;
        };
        let declared = version.as_str().unwrap_or_default().to_string();
        let (operator, bare) = split_operator(&declared);
        let req = VersionReq::parse(&declared).ok();
        let Some(locked) = req.and_then(|req| lock.resolve(&package, &req)) else {
            let what = "Cargo.lock has no matching version (unused? remove it)";
            problems.push((
                format!("Cargo.toml: [workspace.dependencies] {key} = {declared:?}: {what}"),
                false,
            ));
            continue;
        };
        if Version::parse(bare).ok().as_ref() != Some(&locked) {
            set(version, &format!("{operator}{locked}"));
            let what = format!("declares {declared:?} but Cargo.lock builds {locked}");
            problems.push((
                format!("Cargo.toml: [workspace.dependencies] {key}: {what}"),
                true,
            ));
        }
        floors.insert(package, locked);
    }

    // fuzz/ declares the same versions.
    for (section, key, item) in entries(fuzz.as_table_mut()) {
        let package = package_of(&key, item);
        let (Some(floor), Some(version)) = (floors.get(&package), version_of(item)) else {
            continue;
        };
        let declared = version.as_str().unwrap_or_default().to_string();
        if Version::parse(split_operator(&declared).1).ok().as_ref() != Some(floor) {
            set(version, &floor.to_string());
            let what = format!("{declared:?}, but the floor is {floor}");
            problems.push((format!("{FUZZ}: [{section}] {key} = {what}"), true));
        }
    }

    // Members declare no versions.
    for member in manifest["workspace"]["members"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let path = format!("{}/Cargo.toml", member.as_str().unwrap_or_default());
        let mut doc: DocumentMut = read(&path)?.parse().map_err(|e| format!("{path}: {e}"))?;
        for (section, key, item) in entries(doc.as_table_mut()) {
            if item.is_str() || item.get("version").is_some() {
                let fix = format!(
                    "write it once in the root's [workspace.dependencies] and use `{key}.workspace = true`"
                );
                problems.push((
                    format!("{path}: [{section}] {key} declares its own version: {fix}"),
                    false,
                ));
            }
        }
    }
    Ok(Checked {
        problems,
        manifest,
        fuzz,
    })
}

/// The registry packages of a `Cargo.lock`.
#[derive(Debug, serde::Deserialize)]
struct Lock {
    package: Vec<Locked>,
}

#[derive(Debug, serde::Deserialize)]
struct Locked {
    name: String,
    version: String,
    source: Option<String>,
}

impl Lock {
    /// The highest registry version of `name` that `req` matches, without build metadata
    /// (`1.2.2+spec-1.1.0` is 1.2.2 to a requirement).
    fn resolve(&self, name: &str, req: &VersionReq) -> Option<Version> {
        self.package
            .iter()
            .filter(|p| {
                p.name == name && p.source.as_deref().is_some_and(|s| !s.starts_with("path+"))
            })
            .filter_map(|p| Version::parse(&p.version).ok())
            .map(|v| Version {
                build: BuildMetadata::EMPTY,
                ..v
            })
            .filter(|v| req.matches(v))
            .max()
    }
}

/// The registry name of a dependency (`package = ".."` or its key).
fn package_of(key: &str, item: &Item) -> String {
    item.get("package")
        .and_then(Item::as_str)
        .unwrap_or(key)
        .to_string()
}

/// The version of a registry dependency (`"1.2.3"` or `{ version = "1.2.3", .. }`); `None`
/// for path and git ones and for those without a version.
fn version_of(item: &mut Item) -> Option<&mut Item> {
    if item.is_str() {
        return Some(item);
    }
    let table = item.as_table_like_mut()?;
    if table.contains_key("path") || table.contains_key("git") {
        return None;
    }
    table.get_mut("version")
}

/// Replaces a string value, keeping the spaces and comments around it.
fn set(item: &mut Item, text: &str) {
    if let Some(value) = item.as_value_mut() {
        let decor = value.decor().clone();
        *value = text.into();
        *value.decor_mut() = decor;
    }
}

/// `("=", "1.2.3")` from `"=1.2.3"`: the operator (`^`, `=` or none) and the rest.
fn split_operator(requirement: &str) -> (&str, &str) {
    let requirement = requirement.trim();
    match requirement.chars().next() {
        Some('^' | '=') => requirement.split_at(1),
        _ => ("", requirement),
    }
}

/// Every dependency of a manifest, `target.*` ones included: (section, key, item).
fn entries(table: &mut dyn TableLike) -> Vec<(String, String, &mut Item)> {
    fn walk<'a>(
        table: &'a mut dyn TableLike,
        prefix: &str,
        out: &mut Vec<(String, String, &'a mut Item)>,
    ) {
        for (key, item) in table.iter_mut() {
            let key = key.get().to_string();
            let Some(inner) = item.as_table_like_mut() else {
                continue;
            };
            if SECTIONS.contains(&key.as_str()) {
                let section = format!("{prefix}{key}");
                out.extend(
                    inner
                        .iter_mut()
                        .map(|(k, v)| (section.clone(), k.get().to_string(), v)),
                );
            } else if prefix.is_empty() && key == "target" {
                for (target, sections) in inner.iter_mut() {
                    let prefix = format!("target.{}.", target.get());
                    if let Some(sections) = sections.as_table_like_mut() {
                        walk(sections, &prefix, out);
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(table, "", &mut found);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

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
            (FUZZ, ""),
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
        assert!(has(
            "serde: declares \"1.0.219\" but Cargo.lock builds 1.0.229 (fixed)"
        ));
        assert!(has(
            "rand09: declares \"0.9\" but Cargo.lock builds 0.9.2 (fixed)"
        ));
        assert!(has(
            "gone = \"1.0.0\": Cargo.lock has no matching version (unused? remove it)"
        ));
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
        assert!(has(
            "a/Cargo.toml: [dev-dependencies] rand declares its own version"
        ));
        assert!(has("[target.cfg(unix).dependencies] libc declares"));
        assert!(!has("serde declares"));
    }

    #[test]
    fn the_fuzz_manifest_must_match_the_floors_and_write_fixes_it() {
        let checked = run(&[(FUZZ, FUZZ_TEXT)]);
        let problems = messages(&checked);
        assert!(problems.iter().any(|p| p.starts_with(
            "fuzz/Cargo.toml: [dependencies] serde = \"1.0.1\", but the floor is 1.0.229 (fixed)"
        )));
        let fuzz = checked.fuzz.to_string();
        assert!(fuzz.contains("serde = { version = \"1.0.229\", default-features = false }\n"));
        assert!(fuzz.contains("libfuzzer-sys = \"0.4.10\"\n"));
        let again = messages(&run(&[(FUZZ, &fuzz)]));
        assert!(!again.iter().any(|p| p.contains("fuzz")), "{again:#?}");
    }

    /// The real workspace passes: its floors are its lockfile's versions.
    #[test]
    fn this_workspace_declares_the_versions_it_builds() {
        let root = project_root();
        let checked = check(&|path| Ok(std::fs::read_to_string(root.join(path))?)).unwrap();
        let problems = messages(&checked);
        assert!(
            problems.is_empty(),
            "{problems:#?}\nrun `cargo xtask floors --write`"
        );
    }
}
