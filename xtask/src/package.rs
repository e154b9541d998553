//! `cargo xtask package [--verify]`: the crates we publish, packaged as crates.io would get
//! them, and checked.
//!
//! Always (about 20 s, most of it cargo asking the registry's index):
//! - exactly the crates in [`PUBLISHED`] are publishable, and those in [`PRIVATE`] say
//!   `publish = false`; a new member must be put in one list or the other;
//! - each published crate has the metadata crates.io and docs.rs show (description, licence,
//!   repository, readme, keywords, categories, rust-version, and for libraries
//!   `[package.metadata.docs.rs]`), and depends on no private crate;
//! - each tarball holds `Cargo.toml`, `README.md`, `CHANGELOG.md` and both licence files (the
//!   same text as the root's);
//! - nothing in a tarball reaches outside it: no `#[path]`, `include_str!`/`include_bytes!`,
//!   `CARGO_MANIFEST_DIR`-relative or `../` path in its sources, tests or examples, and no
//!   README link, that leaves the crate or names a file the tarball lacks;
//! - every Rust block of a README is tagged `rust`, has no hidden lines and is a complete
//!   program, so that it reads the same on GitHub and crates.io as in rustdoc and compiles
//!   when copied;
//! - `cargo package --no-verify` for all of them at once (cargo resolves their dependencies on
//!   each other through a local registry of the new tarballs).
//!
//! `--verify` (minutes) then builds and runs, in a scratch workspace of the unpacked tarballs
//! whose `[patch.crates-io]` points our crates at each other (as crates.io will resolve
//! them): every packaged crate's library, binaries, tests, examples and doc-tests (a test that
//! reads a file the tarball lacks fails there), and a
//! crate written from each README alone, its ```toml blocks as its dependencies and its Rust
//! blocks as programs (run, or only compiled when `no_run`); and the libraries' documentation
//! as docs.rs builds it (every feature, `--cfg docsrs`).

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value;

use crate::{Result, project_root};

/// The crates we publish, in an order crates.io accepts (each after the crates it needs).
pub const PUBLISHED: [&str; 5] = [
    "vpsorg-backups-mock",
    "vpsorg-backups-client",
    "vpsorg-backups",
    "vpsorg-doctor",
    "vpsorg-cli",
];

/// Workspace members that are never published.
pub const PRIVATE: [&str; 4] = [
    "vpsorg-bench",
    "vpsorg-tests",
    "vpsorg-downstream-fixture",
    "xtask",
];

/// Files every published tarball must hold.
pub const REQUIRED_FILES: [&str; 5] = [
    "Cargo.toml",
    "README.md",
    "CHANGELOG.md",
    "LICENSE-MIT",
    "LICENSE-APACHE",
];

/// The licence every published crate declares.
const LICENSE: &str = "MIT OR Apache-2.0";

/// `cargo xtask package [--verify]`.
pub fn main(flags: &[&str]) -> Result<()> {
    match flags {
        [] => run(false),
        ["--verify"] => run(true),
        _ => Err(format!("unknown arguments {flags:?} (expected nothing or --verify)").into()),
    }
}

/// Runs the checks, packages the crates, and with `verify` builds and tests the tarballs.
pub fn run(verify: bool) -> Result<()> {
    let started = Instant::now();
    let root = project_root();
    let metadata = cargo_json(&["metadata", "--format-version", "1", "--no-deps", "--locked"])?;
    let mut problems = check_metadata(&metadata);

    for name in PUBLISHED {
        let Some(dir) = package_dir(&metadata, name) else {
            continue; // reported by check_metadata
        };
        let listed = cargo_stdout(&[
            "package",
            "--list",
            "--locked",
            "--allow-dirty",
            "--package",
            name,
        ])?;
        let files: BTreeSet<String> = listed.lines().map(str::to_string).collect();
        problems.extend(check_files(name, &dir, &root, &files));
    }
    if !problems.is_empty() {
        return Err(format!(
            "{} packaging problem(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        )
        .into());
    }
    eprintln!(
        "package: metadata, files and paths of {} crates are fine ({:.0} s)",
        PUBLISHED.len(),
        started.elapsed().as_secs_f64()
    );

    // Always `--no-verify`: `--verify` builds the tarballs in a scratch workspace instead (below).
    // cargo's own verification unpacks the new tarballs through a local registry whose
    // unpacked copies it keeps under `$CARGO_HOME/registry/src/` by name and version, and
    // reuses them when a later tarball of the same version differs (measured with cargo
    // 1.95: after a change, the verification built the previous run's sources).
    let mut args = vec!["package", "--locked", "--allow-dirty", "--no-verify"];
    for name in PUBLISHED {
        args.extend(["--package", name]);
    }
    let packaging = Instant::now();
    cargo(&args, &[])?;
    eprintln!(
        "package: `cargo {}` took {:.0} s",
        args.join(" "),
        packaging.elapsed().as_secs_f64()
    );
    if verify {
        // The tarballs are built and tested in a target directory of their own (so that the
        // workspace's `target/debug` binaries are never replaced by the tarballs'), without
        // debug info, which nobody reads there and which makes linking slow.
        let target = PathBuf::from(
            metadata["target_directory"]
                .as_str()
                .ok_or("`cargo metadata` gave no target_directory")?,
        );
        let verify_target = target.join("package-verify");
        let verify_target_text = verify_target.to_string_lossy().into_owned();
        let verify_env = [
            ("CARGO_TARGET_DIR", verify_target_text.as_str()),
            ("CARGO_PROFILE_DEV_DEBUG", "false"),
            ("CI", "true"),
        ];
        let testing = Instant::now();
        test_tarballs(
            &metadata,
            &target.join("package"),
            &verify_target,
            &verify_env,
        )?;
        eprintln!(
            "package: building and testing the tarballs took {:.0} s",
            testing.elapsed().as_secs_f64()
        );
    }
    eprintln!(
        "package: done in {:.0} s{}",
        started.elapsed().as_secs_f64(),
        if verify {
            ""
        } else {
            " (`cargo xtask package --verify` also builds and tests each tarball)"
        }
    );
    Ok(())
}

/// Problems with the workspace members' publish settings and metadata.
pub fn check_metadata(metadata: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let packages: Vec<&Value> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["id"].as_str().is_some_and(|id| members.contains(id)))
        .collect();
    for name in PUBLISHED.iter().chain(&PRIVATE) {
        if !packages.iter().any(|p| p["name"] == *name) {
            problems.push(format!(
                "{name} is listed in xtask/src/package.rs but is not a workspace member"
            ));
        }
    }
    for package in packages {
        let name = package["name"].as_str().unwrap_or_default();
        // `publish = false` reads as an empty list of registries; no `publish` is null.
        let publishable = match &package["publish"] {
            Value::Null => true,
            Value::Array(registries) => !registries.is_empty(),
            _ => true,
        };
        if PRIVATE.contains(&name) {
            if publishable {
                problems.push(format!("{name} must say `publish = false`"));
            }
            continue;
        }
        if !PUBLISHED.contains(&name) {
            problems.push(format!(
                "{name} is neither published nor private: add it to PUBLISHED in \
                 xtask/src/package.rs (with a CHANGELOG.md and licence files) or set \
                 `publish = false`"
            ));
            continue;
        }
        if !publishable {
            problems.push(format!("{name} is published but says `publish = false`"));
        }
        if package["license"].as_str() != Some(LICENSE) {
            problems.push(format!(
                "{name}: license must be {LICENSE:?}, is {}",
                package["license"]
            ));
        }
        for field in ["description", "repository", "rust_version"] {
            if package[field].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{name}: no `{}`", field.replace('_', "-")));
            }
        }
        if package["readme"].as_str() != Some("README.md") {
            problems.push(format!("{name}: readme must be README.md"));
        }
        for field in ["keywords", "categories"] {
            if package[field].as_array().is_none_or(Vec::is_empty) {
                problems.push(format!("{name}: no `{field}`"));
            }
        }
        let has_lib = package["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| {
                t["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "lib"))
            });
        if has_lib && package["metadata"]["docs"]["rs"].is_null() {
            problems.push(format!(
                "{name}: no [package.metadata.docs.rs] (which features docs.rs documents)"
            ));
        }
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            let dep_name = dep["name"].as_str().unwrap_or_default();
            if dep["kind"].is_null() && PRIVATE.contains(&dep_name) {
                problems.push(format!(
                    "{name} depends on {dep_name}, which is never published"
                ));
            }
        }
    }
    problems
}

fn package_dir(metadata: &Value, name: &str) -> Option<PathBuf> {
    metadata["packages"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["manifest_path"].as_str())
        .and_then(|path| Path::new(path).parent().map(Path::to_path_buf))
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
        let root_text = std::fs::read(root.join(license)).ok();
        if ours.is_some() && ours != root_text {
            problems.push(format!(
                "{name}: {license} differs from the root's (make it a symlink to ../../{license})"
            ));
        }
    }
    for file in files {
        let text = match std::fs::read_to_string(dir.join(file)) {
            Ok(text) => text,
            Err(_) => continue, // not text, or generated by cargo (.cargo_vcs_info.json)
        };
        let found = if file.ends_with(".rs") {
            outside_paths_in_rust(file, &text, files)
        } else if file.ends_with(".md") {
            let mut found = outside_links_in_markdown(file, &text, files);
            if file == "README.md" {
                found.extend(readme_code_blocks(&text));
            }
            found
        } else {
            Vec::new()
        };
        problems.extend(found.into_iter().map(|p| format!("{name}: {p}")));
    }
    problems
}

/// How a path in a source file is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    /// `#[path]`, `include_str!` and friends: the file's own directory; the target must be
    /// in the package.
    File,
    /// Anything else (a test's `std::fs::read("..")`, `concat!(env!("CARGO_MANIFEST_DIR"),
    /// "/..")`): the package root; the path must stay inside it.
    Root,
}

/// Paths in one Rust file that leave the package or name a file it lacks.
fn outside_paths_in_rust(file: &str, text: &str, files: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    let file_dir = Path::new(file).parent().unwrap_or(Path::new(""));
    for (index, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let base = if code.contains("#[path")
            || code.contains("include_str!")
            || code.contains("include_bytes!")
            || code.contains("include!")
        {
            Base::File
        } else {
            Base::Root
        };
        for literal in string_literals(code) {
            let relative = match base {
                Base::File => file_dir.join(literal),
                Base::Root => {
                    let trimmed = literal.trim_start_matches('/');
                    if !(literal.starts_with("../")
                        || literal.contains("/../")
                        || (literal.starts_with('/') && line.contains("CARGO_MANIFEST_DIR")))
                    {
                        continue;
                    }
                    PathBuf::from(trimmed)
                }
            };
            let at = format!("{file}:{}", index + 1);
            match normalize(&relative) {
                None => problems.push(format!(
                    "{at}: {literal:?} reaches outside the package; move what it reads into \
                     the crate"
                )),
                Some(path) if base == Base::File && !files.contains(&path) => problems.push(
                    format!("{at}: {literal:?} names {path}, which is not packaged"),
                ),
                Some(path)
                    if base == Base::Root
                        && !files.contains(&path)
                        && !files.iter().any(|f| f.starts_with(&format!("{path}/"))) =>
                {
                    problems.push(format!(
                        "{at}: {literal:?} names {path}, which is not packaged"
                    ))
                }
                Some(_) => {}
            }
        }
    }
    problems
}

/// Relative links in a Markdown file that leave the package or name a file it lacks (crates.io
/// renders the README from the tarball).
fn outside_links_in_markdown(file: &str, text: &str, files: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    let file_dir = Path::new(file).parent().unwrap_or(Path::new(""));
    for (index, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let target = rest.split([')', ' ']).next().unwrap_or_default();
            let target = target.split('#').next().unwrap_or_default();
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let resolved = normalize(&file_dir.join(target));
            if !resolved.as_ref().is_some_and(|p| files.contains(p)) {
                problems.push(format!(
                    "{file}:{}: the link to {target} cannot be followed from the package (use an \
                     absolute URL)",
                    index + 1
                ));
            }
        }
    }
    problems
}

/// Rust code blocks in a README that a reader could not copy as they are. The README is the
/// crate's front page (`#![doc = include_str!("../README.md")]`), so each Rust block is also a
/// doc-test; it must read the same on GitHub and crates.io as in rustdoc:
/// - tagged `rust` first (an untagged block is Rust to rustdoc but plain text elsewhere;
///   `rust,no_run` is highlighted everywhere);
/// - no hidden lines (`# ...`), which rustdoc hides but other renderers show;
/// - a complete program (`fn main`), so that the block compiles as a file of its own;
/// - not `ignore`d: every block compiles.
pub fn readme_code_blocks(text: &str) -> Vec<String> {
    const RUSTDOC_WORDS: [&str; 9] = [
        "rust",
        "no_run",
        "ignore",
        "should_panic",
        "compile_fail",
        "test_harness",
        "standalone_crate",
        "edition2021",
        "edition2024",
    ];
    let mut problems = Vec::new();
    let mut block: Option<(usize, String, Vec<&str>)> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut block {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    block = Some((index + 1, info.trim().to_string(), Vec::new()));
                }
            }
            Some((start, info, lines)) => {
                if !trimmed.starts_with("```") {
                    lines.push(line);
                    continue;
                }
                let words: Vec<&str> = info
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|w| !w.is_empty())
                    .collect();
                let rust = words
                    .iter()
                    .all(|w| RUSTDOC_WORDS.contains(w) || w.starts_with("ignore-"));
                if rust {
                    let at = format!("README.md:{start}");
                    if words.first() != Some(&"rust") {
                        problems.push(format!(
                            "{at}: a Rust block must be tagged `rust` first (```rust or \
                             ```rust,no_run), or other renderers show it unhighlighted"
                        ));
                    }
                    if words.iter().any(|w| w.starts_with("ignore")) {
                        problems.push(format!("{at}: an `ignore`d block is never compiled"));
                    }
                    if lines.iter().any(|l| {
                        let l = l.trim_start();
                        l == "#" || l.starts_with("# ")
                    }) {
                        problems.push(format!(
                            "{at}: hidden lines (`# ...`) show on GitHub and crates.io; write a \
                             complete program instead"
                        ));
                    }
                    if !lines.iter().any(|l| l.contains("fn main(")) {
                        problems.push(format!(
                            "{at}: not a complete program (no `fn main`): a reader cannot \
                             compile it as it is"
                        ));
                    }
                }
                block = None;
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
        let mut end = None;
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
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

/// Unpacks the tarballs `cargo package` wrote into a scratch workspace and runs their tests
/// there, each crate's dependencies on the others patched to the unpacked tarballs.
fn test_tarballs(
    metadata: &Value,
    tarballs: &Path,
    target: &Path,
    env: &[(&str, &str)],
) -> Result<()> {
    let version = |name: &str| -> Option<String> {
        metadata["packages"]
            .as_array()?
            .iter()
            .find(|p| p["name"] == name)
            .and_then(|p| p["version"].as_str())
            .map(String::from)
    };
    let scratch = target.join("scratch");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)?;
    }
    std::fs::create_dir_all(&scratch)?;
    // Each tarball unpacks into `<name>-<version>/`.
    let mut unpacked = Vec::new();
    for name in PUBLISHED {
        let version = version(name).ok_or(format!("no version for {name}"))?;
        let tarball = tarballs.join(format!("{name}-{version}.crate"));
        let status = Command::new("tar")
            .arg("-xzf")
            .arg(&tarball)
            .arg("-C")
            .arg(&scratch)
            .status()
            .map_err(|e| format!("running tar: {e}"))?;
        if !status.success() {
            return Err(format!("unpacking {} failed", tarball.display()).into());
        }
        unpacked.push((name, format!("{name}-{version}")));
    }
    let mut members: Vec<String> = unpacked.iter().map(|(_, dir)| dir.clone()).collect();
    // A crate written from each README alone: its ```toml blocks as its dependencies, its
    // Rust blocks as programs (`no_run` ones compiled as examples, the others run as tests).
    for (name, dir) in &unpacked {
        let readme = std::fs::read_to_string(scratch.join(dir).join("README.md"))?;
        members.extend(readme_crate(&scratch, name, &readme)?);
    }
    let mut manifest = String::from(
        "# Written by `cargo xtask package --verify`: the unpacked tarballs as one workspace.\n\
         [workspace]\nresolver = \"3\"\nmembers = [\n",
    );
    for member in &members {
        manifest.push_str(&format!("    \"{member}\",\n"));
    }
    manifest.push_str("]\n\n[patch.crates-io]\n");
    for (name, dir) in &unpacked {
        manifest.push_str(&format!("{name} = {{ path = \"{dir}\" }}\n"));
    }
    std::fs::write(scratch.join("Cargo.toml"), manifest)?;
    // The workspace's lockfile, so that the dependencies are the versions CI tests.
    std::fs::copy(
        project_root().join("Cargo.lock"),
        scratch.join("Cargo.lock"),
    )?;

    // A crate's tests may need its own opt-in features, which its workspace manifest turns on
    // through a path dev-dependency on itself (the client's `schemars`, the wrapper's
    // `test-util`); cargo drops such dev-dependencies from the tarball, so they are asked
    // for here.
    let own_features = self_dev_features(&metadata_dirs(metadata))?;
    let mut test = vec!["test", "--workspace", "--all-targets"];
    if !own_features.is_empty() {
        test.extend(["--features", own_features.as_str()]);
    }
    let mut doc_tests = vec!["test", "--workspace", "--doc"];
    if !own_features.is_empty() {
        doc_tests.extend(["--features", own_features.as_str()]);
    }
    // The documentation as docs.rs builds it: every feature, `--cfg docsrs` (the feature
    // badges), on a compiler that allows `#![feature(doc_cfg)]`, here only for our crates.
    // Warnings are `cargo xtask ci`'s business (its doc step denies them); this step fails
    // only where docs.rs would fail to build.
    let mut docs = vec!["doc", "--no-deps", "--all-features"];
    let mut bootstrap = Vec::new();
    for (name, dir) in &unpacked {
        let manifest = std::fs::read_to_string(scratch.join(dir).join("Cargo.toml"))?;
        if manifest.contains("[package.metadata.docs.rs]") {
            docs.extend(["--package", name]);
            bootstrap.push(name.replace('-', "_"));
        }
    }
    let bootstrap = bootstrap.join(",");
    // A target directory of its own: RUSTC_BOOTSTRAP reruns some dependencies' build scripts
    // (proc-macro2's), which would otherwise make the next run rebuild everything above them.
    let docs_target = target.join("docsrs").to_string_lossy().into_owned();
    let mut docs_env: Vec<(&str, &str)> = env
        .iter()
        .copied()
        .filter(|(key, _)| *key != "CARGO_TARGET_DIR")
        .collect();
    docs_env.extend([
        ("CARGO_TARGET_DIR", docs_target.as_str()),
        ("RUSTDOCFLAGS", "--cfg docsrs"),
        ("RUSTC_BOOTSTRAP", bootstrap.as_str()),
    ]);
    for (args, env) in [
        (&test[..], env),
        (&doc_tests[..], env),
        (&docs[..], &docs_env[..]),
    ] {
        eprintln!("==> (in {}) cargo {}", scratch.display(), args.join(" "));
        let status = Command::new(cargo_program())
            .args(args)
            .current_dir(&scratch)
            .envs(env.iter().copied())
            .status()?;
        if !status.success() {
            return Err(format!(
                "`cargo {}` in {} failed ({status})",
                args.join(" "),
                scratch.display()
            )
            .into());
        }
    }
    Ok(())
}

/// The directory of each published crate in this workspace.
fn metadata_dirs(metadata: &Value) -> Vec<(&'static str, PathBuf)> {
    PUBLISHED
        .iter()
        .filter_map(|name| Some((*name, package_dir(metadata, name)?)))
        .collect()
}

/// `crate/feature,...` for every feature a published crate turns on for its own tests through
/// a path dev-dependency on itself.
fn self_dev_features(dirs: &[(&str, PathBuf)]) -> Result<String> {
    let mut features = Vec::new();
    for (name, dir) in dirs {
        let manifest: toml::Table = std::fs::read_to_string(dir.join("Cargo.toml"))?.parse()?;
        let own = manifest
            .get("dev-dependencies")
            .and_then(|deps| deps.get(*name))
            .and_then(|dep| dep.get("features"))
            .and_then(toml::Value::as_array);
        for feature in own.into_iter().flatten().filter_map(toml::Value::as_str) {
            features.push(format!("{name}/{feature}"));
        }
    }
    Ok(features.join(","))
}

/// Writes `readme-<name>/`, a crate made from a README's ```toml and ```rust blocks alone,
/// and returns its directory name; `None` when the README has no Rust block.
fn readme_crate(scratch: &Path, name: &str, readme: &str) -> Result<Option<String>> {
    let blocks = fenced_blocks(readme);
    let programs: Vec<&(String, String)> = blocks
        .iter()
        .filter(|(info, _)| info.split(',').next() == Some("rust"))
        .collect();
    if programs.is_empty() {
        return Ok(None);
    }
    let mut dependencies = toml::Table::new();
    let mut dev_dependencies = toml::Table::new();
    for (_, text) in blocks.iter().filter(|(info, _)| info == "toml") {
        let table: toml::Table = text.parse()?;
        for (section, into) in [
            ("dependencies", &mut dependencies),
            ("dev-dependencies", &mut dev_dependencies),
        ] {
            for (dep, value) in table
                .get(section)
                .and_then(toml::Value::as_table)
                .into_iter()
                .flatten()
            {
                let mut value = value.clone();
                // Our crates come from the tarballs (the workspace's [patch.crates-io]),
                // the way they will come from crates.io once published.
                if let Some(t) = value.as_table_mut() {
                    t.remove("git");
                    t.remove("path");
                }
                into.insert(dep.clone(), value);
            }
        }
    }
    let dir = format!("readme-{name}");
    let root = scratch.join(&dir);
    let mut manifest = format!(
        "[package]\nname = \"{dir}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n"
    );
    let mut table = toml::Table::new();
    table.insert("dependencies".into(), toml::Value::Table(dependencies));
    table.insert(
        "dev-dependencies".into(),
        toml::Value::Table(dev_dependencies),
    );
    manifest.push_str(&toml::to_string(&table)?);
    for (index, (info, code)) in programs.iter().enumerate() {
        let (kind, folder) = if info.contains("no_run") {
            ("example", "examples")
        } else {
            ("test", "tests")
        };
        std::fs::create_dir_all(root.join(folder))?;
        let file = format!("{folder}/readme_{}.rs", index + 1);
        std::fs::write(root.join(&file), code)?;
        manifest.push_str(&format!(
            "\n[[{kind}]]\nname = \"readme_{}\"\npath = \"{file}\"\n{}",
            index + 1,
            if kind == "test" {
                "harness = false\n"
            } else {
                ""
            }
        ));
    }
    std::fs::write(root.join("Cargo.toml"), manifest)?;
    Ok(Some(dir))
}

/// The fenced code blocks of a Markdown text: (info string, text).
fn fenced_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        match &mut current {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    current = Some((info.trim().to_string(), String::new()));
                }
            }
            Some(_) if trimmed.starts_with("```") => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    blocks
}

fn cargo_program() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn cargo(args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    eprintln!("==> cargo {}", args.join(" "));
    let status = Command::new(cargo_program())
        .args(args)
        .envs(env.iter().copied())
        .current_dir(project_root())
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")).into())
    }
}

fn cargo_stdout(args: &[&str]) -> Result<String> {
    let output = Command::new(cargo_program())
        .args(args)
        .current_dir(project_root())
        .stderr(Stdio::inherit())
        .output()?;
    if !output.status.success() {
        return Err(format!("`cargo {}` failed ({})", args.join(" "), output.status).into());
    }
    Ok(String::from_utf8(output.stdout)?)
}

fn cargo_json(args: &[&str]) -> Result<Value> {
    Ok(serde_json::from_str(&cargo_stdout(args)?)?)
}

#[cfg(test)]
mod tests {
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
        assert!(found[2].contains(":10: \"fixtures/missing.json\" names tests/fixtures/missing.json, which is not packaged"));
        assert!(found[3].starts_with("tests/decode.rs:11: \"../openapi/backups.yaml\" reaches"));
        // The crate root's include of its README resolves from src/.
        let lib = "#![doc = include_str!(\"../README.md\")]\n";
        assert!(outside_paths_in_rust("src/lib.rs", lib, &listed).is_empty());
    }

    #[test]
    fn readme_links_must_stay_in_the_package() {
        let listed = files(&["README.md", "CHANGELOG.md"]);
        let text = "See [the changes](CHANGELOG.md#020), [docs](https://docs.rs/x), \
                    [arch](../../ARCHITECTURE.md) and [here](#install).\n[gone](NOTES.md)\n";
        let found = outside_links_in_markdown("README.md", text, &listed);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].starts_with("README.md:1: the link to ../../ARCHITECTURE.md"));
        assert!(found[1].starts_with("README.md:2: the link to NOTES.md"));
    }

    #[test]
    fn a_published_crate_needs_its_files_and_metadata() {
        let dir = std::env::temp_dir().join(format!("xtask-package-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("LICENSE-MIT"), "not the licence").unwrap();
        let found = check_files(
            "c",
            &dir,
            &project_root(),
            &files(&["Cargo.toml", "README.md", "LICENSE-MIT"]),
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            found,
            [
                "c: the package has no CHANGELOG.md",
                "c: the package has no LICENSE-APACHE",
                "c: LICENSE-MIT differs from the root's (make it a symlink to ../../LICENSE-MIT)",
            ]
        );

        let package = |name: &str, publish: Value, extra: Value| {
            let mut p = serde_json::json!({
                "id": name, "name": name, "publish": publish, "license": LICENSE,
                "description": "d", "repository": "r", "rust_version": "1.88",
                "readme": "README.md", "keywords": ["k"], "categories": ["c"],
                "metadata": {"docs": {"rs": {"all-features": true}}}, "dependencies": [],
                "targets": [{"kind": ["lib"]}],
            });
            for (k, v) in extra.as_object().unwrap() {
                p[k] = v.clone();
            }
            p
        };
        let mut packages: Vec<Value> = PUBLISHED
            .iter()
            .map(|n| package(n, Value::Null, serde_json::json!({})))
            .chain(
                PRIVATE
                    .iter()
                    .map(|n| package(n, serde_json::json!([]), serde_json::json!({}))),
            )
            .collect();
        let ok = serde_json::json!({
            "workspace_members": packages.iter().map(|p| p["id"].clone()).collect::<Vec<_>>(),
            "packages": packages,
        });
        assert_eq!(check_metadata(&ok), Vec::<String>::new());

        packages[0] = package(
            PUBLISHED[0],
            serde_json::json!([]),
            serde_json::json!({"license": "MIT", "metadata": null, "keywords": [],
                "dependencies": [{"name": "xtask", "kind": null}]}),
        );
        packages[6] = package(PRIVATE[1], Value::Null, serde_json::json!({}));
        packages.push(package("new-crate", Value::Null, serde_json::json!({})));
        let bad = serde_json::json!({
            "workspace_members": packages.iter().map(|p| p["id"].clone()).collect::<Vec<_>>(),
            "packages": packages,
        });
        let found = check_metadata(&bad);
        let first = PUBLISHED[0];
        assert_eq!(
            found,
            [
                format!("{first} is published but says `publish = false`"),
                format!("{first}: license must be \"MIT OR Apache-2.0\", is \"MIT\""),
                format!("{first}: no `keywords`"),
                format!(
                    "{first}: no [package.metadata.docs.rs] (which features docs.rs documents)"
                ),
                format!("{first} depends on xtask, which is never published"),
                format!("{} must say `publish = false`", PRIVATE[1]),
                "new-crate is neither published nor private: add it to PUBLISHED in \
                 xtask/src/package.rs (with a CHANGELOG.md and licence files) or set \
                 `publish = false`"
                    .to_string(),
            ]
        );
    }

    #[test]
    fn readme_rust_blocks_must_be_complete_programs_without_hidden_lines() {
        let text = "# Title\n\n```toml\n[dependencies]\n```\n\n\
                    ```rust\nfn main() {}\n```\n\n\
                    ```rust,no_run\n#[tokio::main]\nasync fn main() {}\n```\n\n\
                    ```no_run\n# async fn run() {\nlet x = 1;\n# }\n```\n\n\
                    ```rust,ignore\nfn main() {}\n```\n\n\
                    ```\nlet y = 2;\n```\n\n```sh\n# a shell comment\n```\n";
        let found = readme_code_blocks(text);
        assert_eq!(found.len(), 6, "{found:#?}");
        assert!(found[0].starts_with("README.md:16: a Rust block must be tagged `rust` first"));
        assert!(found[1].starts_with("README.md:16: hidden lines"));
        assert!(found[2].starts_with("README.md:16: not a complete program"));
        assert!(found[3].starts_with("README.md:22: an `ignore`d block is never compiled"));
        assert!(found[4].starts_with("README.md:26: a Rust block must be tagged"));
        assert!(found[5].starts_with("README.md:26: not a complete program"));
    }

    #[test]
    fn paths_normalize_within_their_base_only() {
        assert_eq!(
            normalize(Path::new("tests/./a/../b")),
            Some("tests/b".into())
        );
        assert_eq!(
            normalize(Path::new("src/../README.md")),
            Some("README.md".into())
        );
        assert_eq!(normalize(Path::new("../x")), None);
        assert_eq!(normalize(Path::new("tests/../../x")), None);
    }
}
