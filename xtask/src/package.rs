//! `cargo xtask package [--verify]`: the crates we publish, as crates.io would get them: their
//! publish settings and metadata ([`check_metadata`]), each tarball's files ([`check_files`];
//! README links: `xtask/tests/tidy.rs`), then `cargo package` for all of them at once
//! (`--verify`: cargo builds each unpacked tarball on its own).

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use crate::{Result, cargo_stdout, project_root};

/// The crates we publish, in an order crates.io accepts (each after the crates it needs). The
/// one list of the published set: every other member must say `publish = false`.
pub const PUBLISHED: [&str; 5] = [
    "vpsorg-backups-mock",
    "vpsorg-backups-client",
    "vpsorg-backups",
    "vpsorg-contract",
    "vpsorg-cli",
];

/// Files every published tarball must hold besides `Cargo.toml`.
const REQUIRED_FILES: [&str; 3] = ["README.md", "LICENSE-MIT", "LICENSE-APACHE"];

const LICENSE: &str = "MIT OR Apache-2.0";

/// What `cargo metadata --no-deps` says of the workspace.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Metadata {
    pub packages: Vec<Package>,
    pub target_directory: PathBuf,
}

impl Metadata {
    pub fn load() -> Result<Self> {
        let json = cargo_stdout(&["metadata", "--format-version", "1", "--no-deps", "--locked"])?;
        Ok(serde_json::from_str(&json)?)
    }
}

/// One member, as far as publishing goes.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub manifest_path: PathBuf,
    /// `publish = false` is an empty list; no `publish` is `None`.
    pub publish: Option<Vec<String>>,
    pub license: Option<String>,
    pub description: Option<String>,
    pub repository: Option<String>,
    pub rust_version: Option<String>,
    pub readme: Option<String>,
    pub keywords: Vec<String>,
    pub categories: Vec<String>,
    pub targets: Vec<Target>,
    pub metadata: serde_json::Value,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct Target {
    pub kind: Vec<String>,
}

/// Runs the checks and packages the crates (with `verify`, cargo builds each tarball too).
pub fn run(verify: bool) -> Result<()> {
    let metadata = Metadata::load()?;
    let mut problems = check_metadata(&metadata);
    let published = metadata.packages.iter().filter(|p| PUBLISHED.contains(&p.name.as_str()));
    for package in published.clone() {
        let list = ["package", "--list", "--allow-dirty", "--locked", "--package", &package.name];
        let listed = cargo_stdout(&list)?;
        let files = listed.lines().map(String::from).collect();
        let dir = package.manifest_path.parent().unwrap_or(Path::new("."));
        problems.extend(check_files(&package.name, dir, &project_root(), &files));
    }
    if !problems.is_empty() {
        let count = problems.len();
        return Err(format!("{count} packaging problem(s):\n  {}", problems.join("\n  ")).into());
    }
    eprintln!("package: metadata and files of the {} published crates are fine", PUBLISHED.len());

    // cargo verifies a crate that needs another of ours against the other's unpacked tarball,
    // kept under `$CARGO_HOME/registry/src/` by name and version and reused even when a newer
    // tarball of the same version differs (cargo 1.95): drop those copies first.
    if verify {
        let home = std::env::var_os("CARGO_HOME").map(PathBuf::from);
        let home = home.or_else(|| Some(PathBuf::from(std::env::var_os("HOME")?).join(".cargo")));
        let sources = home.map(|h| h.join("registry/src")).and_then(|d| d.read_dir().ok());
        for registry in sources.into_iter().flatten().flatten() {
            for package in published.clone() {
                let copy = registry.path().join(format!("{}-{}", package.name, package.version));
                if copy.exists() {
                    std::fs::remove_dir_all(&copy)?;
                }
            }
        }
    }
    let mut args = vec!["package", "--locked", "--allow-dirty"];
    if !verify {
        args.push("--no-verify");
    }
    for name in PUBLISHED {
        args.extend(["--package", name]);
    }
    let shown = format!("cargo {}", args.join(" "));
    eprintln!("==> {shown}");
    crate::run(crate::cargo().args(&args), &format!("`{shown}`"))
}

/// Problems with the members' publish settings and the published crates' metadata.
pub fn check_metadata(metadata: &Metadata) -> Vec<String> {
    let mut problems = Vec::new();
    for name in PUBLISHED {
        if !metadata.packages.iter().any(|p| p.name == name) {
            problems
                .push(format!("{name} is in PUBLISHED (xtask/src/package.rs) but not a member"));
        }
    }
    for p in &metadata.packages {
        let name = &p.name;
        let publishable = p.publish.as_ref().is_none_or(|registries| !registries.is_empty());
        match (PUBLISHED.contains(&name.as_str()), publishable) {
            (false, false) => continue,
            (false, true) => {
                problems.push(format!(
                    "{name} is publishable but not in PUBLISHED (xtask/src/package.rs): add it \
                     there (with licence files) or set `publish = false`"
                ));
                continue;
            }
            (true, false) => {
                problems.push(format!("{name} is published but says `publish = false`"))
            }
            (true, true) => {}
        }
        if p.license.as_deref() != Some(LICENSE) {
            problems.push(format!("{name}: license must be {LICENSE:?}, is {:?}", p.license));
        }
        if p.readme.as_deref() != Some("README.md") {
            problems.push(format!("{name}: readme must be README.md"));
        }
        let empty = |text: &Option<String>| text.as_deref().is_none_or(str::is_empty);
        let missing = [
            ("description", empty(&p.description)),
            ("repository", empty(&p.repository)),
            ("rust-version", empty(&p.rust_version)),
            ("keywords", p.keywords.is_empty()),
            ("categories", p.categories.is_empty()),
        ];
        let missing = missing.iter().filter(|(_, missing)| *missing);
        problems.extend(missing.map(|(field, _)| format!("{name}: no `{field}`")));
        let lib = p.targets.iter().any(|t| t.kind.iter().any(|k| k == "lib"));
        if lib && p.metadata["docs"]["rs"].is_null() {
            problems.push(format!(
                "{name}: no [package.metadata.docs.rs] (which features docs.rs documents)"
            ));
        }
    }
    problems
}

/// Problems with one crate's packaged files (`files`: `cargo package --list`, relative to `dir`).
pub fn check_files(name: &str, dir: &Path, root: &Path, files: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    for required in REQUIRED_FILES {
        if !files.contains(required) {
            problems.push(format!("{name}: the package has no {required}"));
        }
    }
    for license in ["LICENSE-MIT", "LICENSE-APACHE"] {
        let ours = std::fs::read(dir.join(license)).ok();
        if ours.is_some() && ours != std::fs::read(root.join(license)).ok() {
            problems.push(format!(
                "{name}: {license} differs from the root's (make it a symlink to ../../{license})"
            ));
        }
    }
    for file in files.iter().filter(|file| file.ends_with(".rs")) {
        let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
            continue;
        };
        let found = outside_paths_in_rust(file, &text, files);
        problems.extend(found.into_iter().map(|p| format!("{name}: {p}")));
    }
    problems
}

/// Paths in one Rust file that leave the package or name a file it lacks. `#[path]` and
/// `include_str!` and friends resolve from the file's directory; any other literal with a `..`
/// (a test's `std::fs::read("../x")`), or after `CARGO_MANIFEST_DIR`, from the package root.
fn outside_paths_in_rust(file: &str, text: &str, files: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    let file_dir = Path::new(file).parent().unwrap_or(Path::new(""));
    for (index, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let from_file = ["#[path", "include_str!", "include_bytes!", "include!"]
            .iter()
            .any(|m| code.contains(m));
        for literal in string_literals(code) {
            let relative = if from_file {
                file_dir.join(literal)
            } else if literal.starts_with("../")
                || literal.contains("/../")
                || (literal.starts_with('/') && code.contains("CARGO_MANIFEST_DIR"))
            {
                PathBuf::from(literal.trim_start_matches('/'))
            } else {
                continue;
            };
            let at = format!("{file}:{}: {literal:?}", index + 1);
            match normalize(&relative) {
                None => problems.push(format!(
                    "{at} reaches outside the package; move what it reads into the crate"
                )),
                Some(path)
                    if !files.contains(&path)
                        && (from_file
                            || !files.iter().any(|f| f.starts_with(&format!("{path}/")))) =>
                {
                    problems.push(format!("{at} names {path}, which is not packaged"))
                }
                Some(_) => {}
            }
        }
    }
    problems
}

/// The contents of the plain string literals on a line of code (escapes left as they are).
fn string_literals(code: &str) -> Vec<&str> {
    let mut literals = Vec::new();
    let mut rest = code;
    while let Some(start) = rest.find('"') {
        // Skip char literals such as '"'.
        if start > 0 && rest.as_bytes()[start - 1] == b'\'' {
            rest = &rest[start + 1..];
            continue;
        }
        let body = &rest[start + 1..];
        let mut escaped = false;
        let end = body.char_indices().find_map(|(i, c)| {
            let end = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            end.then_some(i)
        });
        let Some(end) = end else { break };
        literals.push(&body[..end]);
        rest = &body[end + 1..];
    }
    literals
}

/// `a/./b/../c` as `a/c`, with `/` separators; `None` when it climbs out of its base.
fn normalize(path: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
#[path = "tests/package.rs"]
mod tests;
