//! `cargo xtask floors [--write]`: every dependency version the workspace declares is one the
//! crates are built and tested with.
//!
//! A published crate's `version = "1.0.219"` promises that it builds with serde 1.0.219. The
//! only versions anything here builds with are the ones in `Cargo.lock` (every cargo command in
//! CI runs `--locked`), so the rule is: **the floor declared in `[workspace.dependencies]` is
//! the version `Cargo.lock` resolves**, for every registry dependency. A floor below the lock
//! is a claim nothing tests (reqwest 0.13.1 was below progenitor-client's own requirement);
//! a floor equal to it is built by every CI run. The cost is that users cannot pick an older
//! patch release than ours, which cargo's resolver would give them anyway.
//!
//! `cargo update` therefore moves floors too: this check fails with the lines to change, and
//! `--write` changes them (the root manifest and `fuzz/Cargo.toml`, whose versions must match).
//! The same check keeps three other places honest:
//! - members declare no versions of their own (every version once, in the root);
//! - `fuzz/Cargo.toml`, outside the workspace, declares the root's floors;
//! - the `[dependencies]` blocks in the READMEs ask for versions the floors satisfy, and for
//!   this workspace's own crates, its current version.

use std::collections::BTreeMap;
use std::fmt;

use semver::{Version, VersionReq};

use crate::{Result, project_root};

/// The manifests the check reads, relative to the root. Members are found from the root's
/// `workspace.members`.
const FUZZ_MANIFEST: &str = "fuzz/Cargo.toml";

/// `cargo xtask floors [--write]`.
pub fn main(flags: &[&str]) -> Result<()> {
    match flags {
        [] => run(false),
        ["--write"] => run(true),
        _ => Err(format!("unknown arguments {flags:?} (expected nothing or --write)").into()),
    }
}

/// Runs the check (or, with `write`, fixes what it can and checks again).
pub fn run(write: bool) -> Result<()> {
    let root = project_root();
    let read = |relative: &str| -> Result<String> {
        std::fs::read_to_string(root.join(relative))
            .map_err(|e| format!("reading {relative}: {e}").into())
    };
    let manifest = read("Cargo.toml")?;
    let lock = Lockfile::parse(&read("Cargo.lock")?)?;
    if write {
        let fixed = write_floors(&manifest, &lock)?;
        if fixed != manifest {
            std::fs::write(root.join("Cargo.toml"), &fixed)?;
            eprintln!("updated Cargo.toml");
        }
        let fuzz = read(FUZZ_MANIFEST)?;
        let floors = declared_floors(&fixed)?;
        let fixed_fuzz = write_fuzz(&fuzz, &floors);
        if fixed_fuzz != fuzz {
            std::fs::write(root.join(FUZZ_MANIFEST), &fixed_fuzz)?;
            eprintln!("updated {FUZZ_MANIFEST}");
        }
    }
    let manifest = read("Cargo.toml")?;
    let inputs = Inputs::collect(&manifest, &read)?;
    let problems = check(&manifest, &lock, &inputs)?;
    if problems.is_empty() {
        eprintln!(
            "floors: every declared version is the one Cargo.lock builds ({} dependencies)",
            declared_floors(&manifest)?.len()
        );
        return Ok(());
    }
    let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
    Err(format!(
        "{} problem(s) with declared dependency versions:\n  {}\n\n\
         `cargo xtask floors --write` sets the root's and fuzz/'s floors to Cargo.lock's versions",
        problems.len(),
        list.join("\n  ")
    )
    .into())
}

/// Everything besides the root manifest and the lockfile: (relative path, text).
#[derive(Debug, Default)]
pub struct Inputs {
    /// Member manifests.
    pub members: Vec<(String, String)>,
    /// `fuzz/Cargo.toml`, if there is one.
    pub fuzz: Option<String>,
    /// READMEs whose ```toml blocks are checked.
    pub readmes: Vec<(String, String)>,
}

impl Inputs {
    fn collect(manifest: &str, read: &dyn Fn(&str) -> Result<String>) -> Result<Inputs> {
        let table: toml::Table = manifest.parse()?;
        let members: Vec<String> = table
            .get("workspace")
            .and_then(|w| w.get("members"))
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let mut inputs = Inputs::default();
        let mut readmes = vec!["README.md".to_string()];
        for member in members {
            let path = format!("{member}/Cargo.toml");
            inputs.members.push((path.clone(), read(&path)?));
            let readme = format!("{member}/README.md");
            if project_root().join(&readme).exists() {
                readmes.push(readme);
            }
        }
        for readme in readmes {
            let text = read(&readme)?;
            inputs.readmes.push((readme, text));
        }
        inputs.fuzz = read(FUZZ_MANIFEST).ok();
        Ok(inputs)
    }
}

/// One thing wrong, with where and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file (relative to the root).
    pub file: String,
    /// What is wrong there, and the fix.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

/// The registry packages of a `Cargo.lock`: name -> versions.
#[derive(Debug, Default)]
pub struct Lockfile {
    versions: BTreeMap<String, Vec<Version>>,
}

impl Lockfile {
    /// Reads the registry packages of a lockfile's text.
    pub fn parse(text: &str) -> Result<Lockfile> {
        let table: toml::Table = text.parse()?;
        let mut versions: BTreeMap<String, Vec<Version>> = BTreeMap::new();
        for package in table
            .get("package")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            let registry = package
                .get("source")
                .and_then(toml::Value::as_str)
                .is_some_and(|s| s.starts_with("registry+") || s.starts_with("sparse+"));
            let (Some(name), Some(version)) = (
                package.get("name").and_then(toml::Value::as_str),
                package.get("version").and_then(toml::Value::as_str),
            ) else {
                continue;
            };
            if registry {
                // Build metadata (`1.2.2+spec-1.1.0`) means nothing to a requirement.
                let mut version = Version::parse(version)?;
                version.build = semver::BuildMetadata::EMPTY;
                versions.entry(name.to_string()).or_default().push(version);
            }
        }
        Ok(Lockfile { versions })
    }

    /// The locked version a requirement resolves to: the highest one it matches.
    fn resolve(&self, name: &str, req: &VersionReq) -> Option<&Version> {
        self.versions
            .get(name)?
            .iter()
            .filter(|v| req.matches(v))
            .max()
    }
}

/// A registry dependency declared in `[workspace.dependencies]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Floor {
    /// The key in `[workspace.dependencies]`.
    pub key: String,
    /// The crate's name on the registry (`package = ".."` or the key).
    pub package: String,
    /// The requirement as written.
    pub requirement: String,
}

/// The registry dependencies of `[workspace.dependencies]` (path and git ones are skipped).
pub fn declared_floors(manifest: &str) -> Result<Vec<Floor>> {
    let table: toml::Table = manifest.parse()?;
    let deps = table
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(toml::Value::as_table)
        .ok_or("Cargo.toml has no [workspace.dependencies]")?;
    let mut floors = Vec::new();
    for (key, value) in deps {
        let (requirement, package) = match value {
            toml::Value::String(req) => (Some(req.clone()), None),
            toml::Value::Table(t) => {
                if t.contains_key("path") || t.contains_key("git") {
                    continue;
                }
                (
                    t.get("version")
                        .and_then(toml::Value::as_str)
                        .map(String::from),
                    t.get("package")
                        .and_then(toml::Value::as_str)
                        .map(String::from),
                )
            }
            _ => (None, None),
        };
        floors.push(Floor {
            key: key.clone(),
            package: package.unwrap_or_else(|| key.clone()),
            requirement: requirement.unwrap_or_default(),
        });
    }
    Ok(floors)
}

/// The workspace's own version (`[workspace.package] version`).
fn workspace_version(manifest: &str) -> Result<Version> {
    let table: toml::Table = manifest.parse()?;
    let version = table
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(toml::Value::as_str)
        .ok_or("Cargo.toml has no [workspace.package] version")?;
    Ok(Version::parse(version)?)
}

/// Every problem with the declared versions.
pub fn check(manifest: &str, lock: &Lockfile, inputs: &Inputs) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    let mut problem = |file: &str, message: String| {
        problems.push(Problem {
            file: file.to_string(),
            message,
        });
    };
    let floors = declared_floors(manifest)?;
    let mut floor_of: BTreeMap<&str, Version> = BTreeMap::new();
    for floor in &floors {
        let Some(version) = exact_floor(&floor.requirement) else {
            problem(
                "Cargo.toml",
                format!(
                    "[workspace.dependencies] {}: {:?} is not a full version (write major.minor.patch, \
                     as Cargo.lock has it)",
                    floor.key, floor.requirement
                ),
            );
            continue;
        };
        let req = VersionReq::parse(&floor.requirement)?;
        match lock.resolve(&floor.package, &req) {
            None => problem(
                "Cargo.toml",
                format!(
                    "[workspace.dependencies] {} = {:?}: Cargo.lock has no matching {} (no member \
                     uses it? then remove it)",
                    floor.key, floor.requirement, floor.package
                ),
            ),
            Some(locked) if *locked != version => problem(
                "Cargo.toml",
                format!(
                    "[workspace.dependencies] {}: declares {version} but Cargo.lock builds {locked}; \
                     set the version to \"{locked}\"",
                    floor.key
                ),
            ),
            Some(_) => {}
        }
        floor_of.insert(floor.package.as_str(), version);
    }

    for (path, text) in &inputs.members {
        let table: toml::Table = text.parse().map_err(|e| format!("{path}: {e}"))?;
        for (section, name, value) in dependency_entries(&table) {
            let version = match &value {
                toml::Value::String(_) => Some(&value),
                other => other.get("version"),
            };
            if let Some(version) = version {
                problem(
                    path,
                    format!(
                        "[{section}] {name} declares its own version {version}: write it once in \
                         the root's [workspace.dependencies] and use `{name}.workspace = true`"
                    ),
                );
            }
        }
    }

    if let Some(fuzz) = &inputs.fuzz {
        let table: toml::Table = fuzz.parse().map_err(|e| format!("{FUZZ_MANIFEST}: {e}"))?;
        for (section, name, value) in dependency_entries(&table) {
            let req = value
                .as_str()
                .or_else(|| value.get("version").and_then(toml::Value::as_str));
            let package = value
                .get("package")
                .and_then(toml::Value::as_str)
                .unwrap_or(&name);
            if let (Some(req), Some(floor)) = (req, floor_of.get(package))
                && exact_floor(req).as_ref() != Some(floor)
            {
                problem(
                    FUZZ_MANIFEST,
                    format!(
                        "[{section}] {name} = {req:?}, but the workspace's floor is {floor}: \
                         write \"{floor}\""
                    ),
                );
            }
        }
    }

    let own = workspace_version(manifest)?;
    let own_crates: Vec<String> = inputs
        .members
        .iter()
        .filter_map(|(_, text)| {
            let table: toml::Table = text.parse().ok()?;
            Some(table.get("package")?.get("name")?.as_str()?.to_string())
        })
        .collect();
    for (path, text) in &inputs.readmes {
        for (line, block) in toml_blocks(text) {
            let table: toml::Table = match block.parse() {
                Ok(table) => table,
                Err(e) => {
                    problem(
                        path,
                        format!("the ```toml block at line {line} is not valid TOML: {e}"),
                    );
                    continue;
                }
            };
            for (section, name, value) in dependency_entries(&table) {
                let Some(req_text) = value
                    .as_str()
                    .or_else(|| value.get("version").and_then(toml::Value::as_str))
                else {
                    continue;
                };
                let package = value
                    .get("package")
                    .and_then(toml::Value::as_str)
                    .unwrap_or(&name)
                    .to_string();
                let wanted = if own_crates.contains(&package) {
                    Some(own.clone())
                } else {
                    floor_of.get(package.as_str()).cloned()
                };
                let Some(wanted) = wanted else {
                    continue;
                };
                let matches = VersionReq::parse(req_text).is_ok_and(|req| req.matches(&wanted));
                if !matches {
                    problem(
                        path,
                        format!(
                            "the ```toml block at line {line}: [{section}] {name} = {req_text:?} does \
                             not match {wanted}, the version this workspace {}",
                            if own_crates.contains(&package) {
                                "is"
                            } else {
                                "builds with"
                            }
                        ),
                    );
                }
            }
        }
    }
    Ok(problems)
}

/// `"1.2.3"`, `"^1.2.3"` or an exact pin `"=1.2.3"` as a version; anything looser (`"1.2"`,
/// `">=1"`) is not a floor.
fn exact_floor(requirement: &str) -> Option<Version> {
    let (_, version) = split_operator(requirement);
    Version::parse(version).ok()
}

/// `("=", "1.2.3")` from `"=1.2.3"`: the operator (`^`, `=` or none) and the version.
fn split_operator(requirement: &str) -> (&str, &str) {
    let requirement = requirement.trim();
    match requirement.chars().next() {
        Some('^' | '=') => requirement.split_at(1),
        _ => ("", requirement),
    }
}

/// Every dependency entry of a manifest (or a fragment of one): (section, name, value).
fn dependency_entries(table: &toml::Table) -> Vec<(String, String, toml::Value)> {
    const SECTIONS: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];
    let mut entries = Vec::new();
    let mut add = |prefix: &str, table: &toml::Table| {
        for section in SECTIONS {
            if let Some(deps) = table.get(section).and_then(toml::Value::as_table) {
                for (name, value) in deps {
                    entries.push((format!("{prefix}{section}"), name.clone(), value.clone()));
                }
            }
        }
    };
    add("", table);
    if let Some(targets) = table.get("target").and_then(toml::Value::as_table) {
        for (target, value) in targets {
            if let Some(value) = value.as_table() {
                add(&format!("target.{target}."), value);
            }
        }
    }
    entries
}

/// The ```toml blocks of a Markdown text: (line of the fence, text).
fn toml_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let fence = line.trim_start();
        match &mut current {
            None if fence.starts_with("```toml") => current = Some((index + 1, String::new())),
            Some(_) if fence.starts_with("```") => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

/// The root manifest with each registry floor in `[workspace.dependencies]` set to the version
/// Cargo.lock resolves. Only the version strings change; comments and layout stay.
pub fn write_floors(manifest: &str, lock: &Lockfile) -> Result<String> {
    let mut wanted = BTreeMap::new();
    for floor in declared_floors(manifest)? {
        let req = VersionReq::parse(&floor.requirement).unwrap_or(VersionReq::STAR);
        if let Some(locked) = lock.resolve(&floor.package, &req) {
            let (operator, _) = split_operator(&floor.requirement);
            wanted.insert(floor.key, format!("{operator}{locked}"));
        }
    }
    let mut in_section = false;
    let mut out = String::with_capacity(manifest.len());
    for line in manifest.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            in_section = trimmed.starts_with("[workspace.dependencies]");
        }
        match (in_section, line_key(trimmed)) {
            (true, Some(key)) if wanted.contains_key(key) => {
                out.push_str(&set_version(line, &wanted[key]));
            }
            _ => out.push_str(line),
        }
    }
    Ok(out)
}

/// `fuzz/Cargo.toml` with each dependency the workspace also declares set to the root's floor.
pub fn write_fuzz(manifest: &str, floors: &[Floor]) -> String {
    let wanted: BTreeMap<&str, &str> = floors
        .iter()
        .filter(|f| exact_floor(&f.requirement).is_some())
        .map(|f| (f.package.as_str(), split_operator(&f.requirement).1))
        .collect();
    let mut in_deps = false;
    let mut out = String::with_capacity(manifest.len());
    for line in manifest.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            in_deps = trimmed.trim_end().ends_with("dependencies]");
        }
        match (in_deps, line_key(trimmed)) {
            (true, Some(key)) if wanted.contains_key(key) && !line.contains("path") => {
                out.push_str(&set_version(line, wanted[key]));
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// The key of a `key = value` line.
fn line_key(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    .then_some(key)
}

/// Replaces the version string of a `name = "v"` or `name = { version = "v", .. }` line.
fn set_version(line: &str, version: &str) -> String {
    let (head, value) = line.split_once('=').unwrap_or((line, ""));
    let start = if value.trim_start().starts_with('"') {
        value.find('"')
    } else {
        value
            .find("version")
            .and_then(|at| value[at..].find('"').map(|q| at + q))
    };
    let Some(open) = start else {
        return line.to_string();
    };
    let Some(len) = value[open + 1..].find('"') else {
        return line.to_string();
    };
    format!(
        "{head}={}\"{version}\"{}",
        &value[..open],
        &value[open + 1 + len + 1..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 4

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

[workspace.package]
version = "0.2.0"

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

    fn lock() -> Lockfile {
        Lockfile::parse(LOCK).unwrap()
    }

    fn messages(problems: &[Problem]) -> Vec<String> {
        problems.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_floor_below_the_lockfile_a_loose_one_and_an_unused_one_are_problems() {
        let problems = check(MANIFEST, &lock(), &Inputs::default()).unwrap();
        let problems = messages(&problems);
        assert_eq!(problems.len(), 3, "{problems:#?}");
        let has = |text: &str| problems.iter().any(|p| p.contains(text));
        assert!(has("serde: declares 1.0.219 but Cargo.lock builds 1.0.229"));
        assert!(has("rand09: \"0.9\" is not a full version"));
        assert!(has("gone = \"1.0.0\": Cargo.lock has no matching gone"));
        // Build metadata in the lockfile (toml 1.2.2+spec-1.1.0) is not a difference.
        assert!(!has("] toml"));
    }

    #[test]
    fn write_sets_each_floor_to_the_locked_version_and_keeps_the_rest() {
        let fixed = write_floors(MANIFEST, &lock()).unwrap();
        assert!(fixed.contains("serde = { version = \"1.0.229\", features = [\"derive\"] }\n"));
        assert!(fixed.contains("rand09 = { package = \"rand\", version = \"0.9.2\" }\n"));
        assert!(fixed.contains("\nrand = \"0.8.5\"\n"));
        assert!(fixed.contains("# A comment stays.\n"));
        assert!(fixed.contains("pinned = { package = \"serde\", version = \"=1.0.229\" }"));
        assert!(fixed.contains("ours = { path = \"a\", version = \"0.2.0\" }"));
        let problems = messages(&check(&fixed, &lock(), &Inputs::default()).unwrap());
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].contains("gone"));
    }

    #[test]
    fn members_may_not_declare_versions() {
        let inputs = Inputs {
            members: vec![(
                "a/Cargo.toml".into(),
                "[package]\nname = \"a\"\n[dependencies]\nserde.workspace = true\n\
                 [dev-dependencies]\nrand = \"0.8\"\n\
                 [target.'cfg(unix)'.dependencies]\nlibc = { version = \"0.2\" }\n"
                    .into(),
            )],
            ..Inputs::default()
        };
        let fixed = write_floors(MANIFEST, &lock()).unwrap();
        let problems = messages(&check(&fixed, &lock(), &inputs).unwrap());
        assert!(
            problems
                .iter()
                .any(|p| p.contains("[dev-dependencies] rand declares its own version"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("[target.cfg(unix).dependencies] libc declares"))
        );
    }

    #[test]
    fn the_fuzz_manifest_must_match_the_floors_and_write_fixes_it() {
        let fixed = write_floors(MANIFEST, &lock()).unwrap();
        let fuzz = "[package]\nname = \"f\"\n\n[dependencies]\nlibfuzzer-sys = \"0.4.10\"\n\
                    serde = { version = \"1.0.1\", default-features = false }\n\
                    ours = { path = \"../a\" }\n";
        let inputs = Inputs {
            fuzz: Some(fuzz.into()),
            ..Inputs::default()
        };
        let problems = messages(&check(&fixed, &lock(), &inputs).unwrap());
        assert!(
            problems
                .iter()
                .any(|p| p.contains("fuzz/Cargo.toml: [dependencies] serde = \"1.0.1\""))
        );
        let fuzz = write_fuzz(fuzz, &declared_floors(&fixed).unwrap());
        assert!(fuzz.contains("serde = { version = \"1.0.229\", default-features = false }\n"));
        assert!(fuzz.contains("libfuzzer-sys = \"0.4.10\"\n"));
        let inputs = Inputs {
            fuzz: Some(fuzz),
            ..Inputs::default()
        };
        let problems = messages(&check(&fixed, &lock(), &inputs).unwrap());
        assert!(
            !problems.iter().any(|p| p.contains("fuzz")),
            "{problems:#?}"
        );
    }

    #[test]
    fn readme_blocks_must_ask_for_versions_the_workspace_builds() {
        let fixed = write_floors(MANIFEST, &lock()).unwrap();
        let readme = "# a\n\n```toml\n[dependencies]\nours = \"0.2\"\nserde = \"1\"\n```\n\n\
                      text\n\n```toml\n[dependencies]\nours = { git = \"x\", version = \"0.1\" }\n\
                      serde = { version = \"1.1\", features = [\"derive\"] }\n\
                      unknown = \"9\"\n```\n\n```toml\nnot toml = = \n```\n";
        let inputs = Inputs {
            members: vec![("a/Cargo.toml".into(), "[package]\nname = \"ours\"\n".into())],
            readmes: vec![("a/README.md".into(), readme.into())],
            ..Inputs::default()
        };
        let problems = messages(&check(&fixed, &lock(), &inputs).unwrap());
        let readme: Vec<_> = problems
            .iter()
            .filter(|p| p.starts_with("a/README.md"))
            .collect();
        assert_eq!(readme.len(), 3, "{problems:#?}");
        assert!(readme[0].contains(
            "line 11: [dependencies] ours = \"0.1\" does not match 0.2.0, the version this workspace is"
        ));
        assert!(readme[1].contains("serde = \"1.1\" does not match 1.0.229"));
        assert!(readme[2].contains("line 18 is not valid TOML"));
    }

    /// The real workspace passes: its floors are its lockfile's versions.
    #[test]
    fn this_workspace_declares_the_versions_it_builds() {
        let root = project_root();
        let read = |relative: &str| -> Result<String> {
            std::fs::read_to_string(root.join(relative)).map_err(Into::into)
        };
        let manifest = read("Cargo.toml").unwrap();
        let lock = Lockfile::parse(&read("Cargo.lock").unwrap()).unwrap();
        let inputs = Inputs::collect(&manifest, &read).unwrap();
        let problems = messages(&check(&manifest, &lock, &inputs).unwrap());
        assert!(
            problems.is_empty(),
            "{problems:#?}\nrun `cargo xtask floors --write`"
        );
    }
}
