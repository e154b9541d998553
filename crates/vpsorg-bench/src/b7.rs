//! B7, the cost of depending on us (see [`crate::list`]): two tiny crates written under
//! `<target>/bench/b7/`, each its own workspace with this workspace's `Cargo.lock`, built from
//! cold or, with `--quick`, only counted with `cargo tree`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::Result;
use crate::results::{B7, Build};
use crate::sys::{cargo, children_cpu_seconds, command, load_average, run};

/// The two crates' `Cargo.toml` and `src/main.rs`, baseline first. The baseline asks for the
/// versions of `manifest`'s `[workspace.dependencies]`, so that both build the same.
fn crates(root: &Path, manifest: &toml::Table) -> Result<[(String, &'static str); 2]> {
    let version = |name: &str| -> Result<String> {
        let dep = &manifest["workspace"]["dependencies"][name];
        let version = dep.as_str().or_else(|| dep.get("version")?.as_str());
        Ok(version.ok_or(format!("no {name} in [workspace.dependencies]"))?.into())
    };
    let (reqwest, serde, tokio) = (version("reqwest")?, version("serde")?, version("tokio")?);
    let sdk = root.join("crates/vpsorg-backups");
    let dependencies = [
        format!(
            "reqwest = {{ version = \"{reqwest}\", default-features = false, features = \
             [\"rustls\", \"json\"] }}\nserde = {{ version = \"{serde}\", features = [\"derive\"] }}"
        ),
        format!("vpsorg-backups = {{ path = {sdk:?} }}"),
    ];
    let manifest = |i: usize| {
        format!(
            "# Written by `cargo xtask bench` (B7). A crate of its own, outside the workspace.\n\
             [package]\nname = \"b7-{}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\n\n[workspace]\n\n[dependencies]\n{}\n\
             tokio = {{ version = \"{tokio}\", features = [\"macros\", \"rt-multi-thread\"] }}\n",
            NAMES[i], dependencies[i]
        )
    };
    Ok([(manifest(0), BASELINE_MAIN), (manifest(1), SDK_MAIN)])
}

const NAMES: [&str; 2] = ["baseline", "with-vpsorg-backups"];

/// The tiny binary with the SDK: list a server's backups and print them.
const SDK_MAIN: &str = r#"//! B7: list a server's backups with vpsorg-backups.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = vpsorg_backups::Client::from_env()?;
    let page = client.backups().list().server_id(12345).send().await?;
    for backup in &page.backups {
        println!("{} {} {}", backup.id, backup.status, backup.description);
    }
    Ok(())
}
"#;

/// The same binary by hand, with what it would need anyway.
const BASELINE_MAIN: &str = r#"//! B7: list a server's backups by hand, with reqwest, serde and tokio.

#[derive(serde::Deserialize)]
struct Page {
    results: Vec<Backup>,
}

#[derive(serde::Deserialize)]
struct Backup {
    id: i64,
    status: String,
    description: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::var("VPSORG_API_TOKEN")?;
    let page: Page = reqwest::Client::new()
        .get("https://admin.vps.org/api/v1/backups/?server_id=12345")
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    for backup in &page.results {
        println!("{} {} {}", backup.id, backup.status, backup.description);
    }
    Ok(())
}
"#;

/// Writes the two crates and measures them: `reps` cold builds of each (none: only
/// `cargo tree`).
pub(crate) fn measure(root: &Path, target: &Path, reps: usize) -> Result<B7> {
    let dir = target.join("bench").join("b7");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?.parse()?;
    let mut result = B7::default();
    for (i, (manifest, main)) in crates(root, &manifest)?.into_iter().enumerate() {
        let crate_dir = dir.join(NAMES[i]);
        std::fs::create_dir_all(crate_dir.join("src"))?;
        std::fs::write(crate_dir.join("Cargo.toml"), manifest)?;
        std::fs::write(crate_dir.join("src/main.rs"), main)?;
        // This workspace's lockfile: the same versions as CI builds (cargo drops the rest).
        std::fs::copy(root.join("Cargo.lock"), crate_dir.join("Cargo.lock"))?;
        result.tree[i] = tree_packages(&crate_dir)?;
    }
    for rep in 0..reps {
        // Alternate which goes first, so that drift in the machine's load hits both alike.
        let mut pair = [Build::default(), Build::default()];
        for i in [rep % 2, 1 - rep % 2] {
            pair[i] = cold_build(&dir.join(NAMES[i]))?;
        }
        result.pairs.push(pair);
    }
    Ok(result)
}

/// The packages `cargo tree` says a build compiles (host target, normal and build
/// dependencies), the crate itself included, as `name version`.
fn tree_packages(root: &Path) -> Result<Vec<String>> {
    let args = "tree --edges normal,build --prefix none --format {p}";
    let output = run(&mut command(cargo(), args, root))?.1;
    let packages: BTreeSet<String> = output.lines().filter_map(name_version).collect();
    Ok(packages.into_iter().collect())
}

/// `name version` from the first words of `name v1.2.3 (source)`: `cargo tree`'s lines, and
/// the old spelling of package ids.
fn name_version(line: &str) -> Option<String> {
    let mut words = line.split_whitespace();
    Some(format!("{} {}", words.next()?, words.next()?.trim_start_matches('v')))
}

/// One cold build into an emptied target directory of the variant's own.
fn cold_build(root: &Path) -> Result<Build> {
    let target = root.join("target");
    let _ = std::fs::remove_dir_all(&target);
    // Sources are fetched before the clock starts; the build itself runs offline.
    run(&mut command(cargo(), "fetch", root))?;
    let load_at_start = load_average();
    let cpu_before = children_cpu_seconds();
    let args = "build --offline --message-format json-render-diagnostics";
    let (seconds, output) = run(command(cargo(), args, root).env("CARGO_TARGET_DIR", &target))?;
    let cpu_seconds = children_cpu_seconds().map(|after| after - cpu_before.unwrap_or(after));
    let compiled = compiled_packages(&output);
    std::fs::remove_dir_all(&target)?;
    Ok(Build { seconds, cpu_seconds, compiled, load_at_start })
}

/// The packages a build compiled, from its `compiler-artifact` messages, as `name version`.
fn compiled_packages(messages: &str) -> Vec<String> {
    let messages = messages.lines().filter_map(|line| {
        let message: serde_json::Value = serde_json::from_str(line).ok()?;
        let id = message["package_id"].as_str()?;
        (message["reason"] == "compiler-artifact").then(|| package_of_id(id))
    });
    messages.collect::<BTreeSet<_>>().into_iter().collect()
}

/// `name version` from a package id, in either of cargo's spellings:
/// `registry+https://…#name@1.2.3`, `path+file:///…/name#1.2.3`, or the old
/// `name 1.2.3 (registry+…)`.
fn package_of_id(id: &str) -> String {
    let Some((source, fragment)) = id.rsplit_once('#') else {
        return name_version(id).unwrap_or_default();
    };
    let path_name = || source.trim_end_matches('/').rsplit('/').next().unwrap_or(source);
    let (name, version) = fragment.split_once('@').unwrap_or_else(|| (path_name(), fragment));
    format!("{name} {version}")
}

#[cfg(test)]
#[path = "tests/b7.rs"]
mod tests;
