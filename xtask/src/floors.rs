//! `cargo xtask floors [--write]`: the rule on declared versions that ARCHITECTURE.md states
//! (each floor is the version `Cargo.lock` builds, since CI builds nothing else: a lower one is
//! a claim nothing tests). `--write` fixes what it can with `toml_edit`, layout kept.

use std::collections::BTreeMap;

use semver::{BuildMetadata, Version, VersionReq};
use toml_edit::{DocumentMut, Item, TableLike};

use crate::{Result, project_root};

const FUZZ: &str = "fuzz/Cargo.toml";
const SECTIONS: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

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
    let Checked { problems, manifest, fuzz } = check(&crate::read)?;
    let (fixed, unfixed): (Vec<_>, Vec<_>) = problems.iter().partition(|(_, fixed)| *fixed);
    let lines = |list: &[&(String, bool)]| {
        list.iter().map(|p| p.0.as_str()).collect::<Vec<_>>().join("\n  ")
    };
    if write && !fixed.is_empty() {
        std::fs::write(root.join("Cargo.toml"), manifest.to_string())?;
        std::fs::write(root.join(FUZZ), fuzz.to_string())?;
        eprintln!("floors: fixed\n  {}", lines(&fixed));
    }
    // Without --write, what it would fix is open too.
    let open = if write { unfixed } else { problems.iter().collect() };
    if open.is_empty() {
        eprintln!("floors: every declared version is the one Cargo.lock builds");
        return Ok(());
    }
    let hint = match fixed.len() {
        n if n > 0 && !write => format!("`cargo xtask floors --write` fixes {n} of them"),
        _ => "`--write` cannot fix these: edit them by hand".into(),
    };
    let count = open.len();
    Err(format!("{count} problem(s) with declared versions:\n  {}\n\n{hint}", lines(&open)).into())
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
            let problem =
                format!("Cargo.toml: [workspace.dependencies] {key} = {declared:?}: {what}");
            problems.push((problem, false));
            continue;
        };
        if Version::parse(bare).ok().as_ref() != Some(&locked) {
            set(version, &format!("{operator}{locked}"));
            let what = format!("declares {declared:?} but Cargo.lock builds {locked}");
            problems.push((format!("Cargo.toml: [workspace.dependencies] {key}: {what}"), true));
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
    for member in manifest["workspace"]["members"].as_array().into_iter().flatten() {
        let path = format!("{}/Cargo.toml", member.as_str().unwrap_or_default());
        let mut doc: DocumentMut = read(&path)?.parse().map_err(|e| format!("{path}: {e}"))?;
        for (section, key, item) in entries(doc.as_table_mut()) {
            if item.is_str() || item.get("version").is_some() {
                let fix = "write it once in the root's [workspace.dependencies] and use";
                let problem = format!(
                    "{path}: [{section}] {key} declares its own version: {fix} `{key}.workspace = true`"
                );
                problems.push((problem, false));
            }
        }
    }
    Ok(Checked { problems, manifest, fuzz })
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
            .map(|v| Version { build: BuildMetadata::EMPTY, ..v })
            .filter(|v| req.matches(v))
            .max()
    }
}

/// The registry name of a dependency (`package = ".."` or its key).
fn package_of(key: &str, item: &Item) -> String {
    item.get("package").and_then(Item::as_str).unwrap_or(key).to_string()
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
pub(crate) fn set(item: &mut Item, text: &str) {
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
    let mut found = Vec::new();
    for (key, item) in table.iter_mut() {
        let key = key.get().to_string();
        match item.as_table_like_mut() {
            Some(deps) if SECTIONS.contains(&key.as_str()) => {
                found.extend(deps.iter_mut().map(|(k, v)| (key.clone(), k.get().to_string(), v)))
            }
            Some(targets) if key == "target" => {
                for (target, sections) in targets.iter_mut() {
                    let target = format!("target.{}.", target.get());
                    let inner = sections.as_table_like_mut().map(entries).unwrap_or_default();
                    found.extend(inner.into_iter().map(|(s, k, v)| (format!("{target}{s}"), k, v)));
                }
            }
            _ => {}
        }
    }
    found
}
