//! B7, the cost of depending on us (see [`crate::list`]): two tiny crates written under
//! `<target>/bench/b7/`, each its own workspace with this workspace's `Cargo.lock`, built from
//! cold or, with `--quick`, only counted with `cargo tree`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::Result;
use crate::results::{B7, B7Run, Summary, median};
use crate::sys::{cargo, children_cpu_seconds, load_average};

/// The two crates, baseline first: (name, `Cargo.toml`, `src/main.rs`). The baseline asks for
/// the versions of `manifest`'s `[workspace.dependencies]`, so that both build the same.
fn crates(
    root: &Path,
    manifest: &toml::Table,
) -> Result<[(&'static str, String, &'static str); 2]> {
    let version = |name: &str| -> Result<String> {
        let dep = &manifest["workspace"]["dependencies"][name];
        let version = dep.as_str().or_else(|| dep.get("version")?.as_str());
        Ok(version
            .ok_or_else(|| format!("no {name} in [workspace.dependencies]"))?
            .into())
    };
    let head = |name: &str| {
        format!(
            "# Written by `cargo xtask bench` (B7). A crate of its own, outside the workspace.\n\
             [package]\nname = \"b7-{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\n\n[workspace]\n\n[dependencies]\n"
        )
    };
    let tokio = format!(
        "tokio = {{ version = \"{}\", features = [\"macros\", \"rt-multi-thread\"] }}\n",
        version("tokio")?
    );
    let baseline = format!(
        "{}reqwest = {{ version = \"{}\", default-features = false, features = [\"rustls\", \
         \"json\"] }}\nserde = {{ version = \"{}\", features = [\"derive\"] }}\n{tokio}",
        head("baseline"),
        version("reqwest")?,
        version("serde")?
    );
    let sdk = root.join("crates/vpsorg-backups");
    let sdk = format!(
        "{}vpsorg-backups = {{ path = {sdk:?} }}\n{tokio}",
        head(SDK)
    );
    Ok([("baseline", baseline, BASELINE_MAIN), (SDK, sdk, SDK_MAIN)])
}

/// The name of the crate with `vpsorg-backups`.
const SDK: &str = "with-vpsorg-backups";

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
pub(crate) fn run(root: &Path, target: &Path, reps: usize) -> Result<B7> {
    let dir = target.join("bench").join("b7");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?.parse()?;
    let mut result = B7::default();
    for (i, (name, manifest, main)) in crates(root, &manifest)?.into_iter().enumerate() {
        let crate_dir = dir.join(name);
        std::fs::create_dir_all(crate_dir.join("src"))?;
        std::fs::write(crate_dir.join("Cargo.toml"), manifest)?;
        std::fs::write(crate_dir.join("src/main.rs"), main)?;
        // This workspace's lockfile: the same versions as CI builds (cargo drops the rest).
        std::fs::copy(root.join("Cargo.lock"), crate_dir.join("Cargo.lock"))?;
        result.tree[i] = tree_packages(&crate_dir)?;
    }
    for rep in 0..reps {
        // Alternate which goes first, so that drift in the machine's load hits both alike.
        for sdk in [rep % 2 == 1, rep % 2 == 0] {
            let name = if sdk { SDK } else { "baseline" };
            result.runs.push(cold_build(&dir.join(name), sdk)?);
        }
    }
    Ok(result)
}

/// The packages `cargo tree` says a build compiles (host target, normal and build
/// dependencies), the crate itself included, as `name version`.
fn tree_packages(root: &Path) -> Result<Vec<String>> {
    eprintln!("==> B7: cargo tree in {}", root.display());
    let output = Command::new(cargo())
        .args([
            "tree",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()?;
    if !output.status.success() {
        return Err(format!("`cargo tree` in {} failed", root.display()).into());
    }
    let packages: BTreeSet<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            // "name v1.2.3 (/path) (*)": keep the name and the version.
            let mut words = line.split_whitespace();
            let name = words.next().unwrap_or_default();
            let version = words.next().unwrap_or_default().trim_start_matches('v');
            format!("{name} {version}")
        })
        .filter(|p| !p.trim().is_empty())
        .collect();
    Ok(packages.into_iter().collect())
}

/// One cold build into an emptied target directory of the variant's own.
fn cold_build(root: &Path, sdk: bool) -> Result<B7Run> {
    let target = root.join("target");
    if target.exists() {
        std::fs::remove_dir_all(&target)?;
    }
    // Sources are fetched before the clock starts; the build itself runs offline.
    let status = Command::new(cargo())
        .arg("fetch")
        .current_dir(root)
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(format!("`cargo fetch` in {} failed", root.display()).into());
    }
    eprintln!("==> B7: cold debug build in {}", root.display());
    let load_at_start = load_average();
    let cpu_before = children_cpu_seconds();
    let started = Instant::now();
    let output = Command::new(cargo())
        .args([
            "build",
            "--offline",
            "--message-format",
            "json-render-diagnostics",
        ])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(root)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu = children_cpu_seconds().map(|after| after - cpu_before.unwrap_or(after));
    if !output.status.success() {
        return Err(format!(
            "B7: `cargo build` in {} failed ({})",
            root.display(),
            output.status
        )
        .into());
    }
    let compiled = compiled_packages(&String::from_utf8_lossy(&output.stdout));
    std::fs::remove_dir_all(&target)?;
    Ok(B7Run {
        sdk,
        seconds,
        cpu_seconds: cpu,
        compiled,
        load_at_start,
    })
}

/// The packages a build compiled, from its `compiler-artifact` messages, as `name version`.
fn compiled_packages(messages: &str) -> Vec<String> {
    let mut packages = BTreeSet::new();
    for line in messages.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        if let Some(id) = message["package_id"].as_str() {
            packages.insert(package_of_id(id));
        }
    }
    packages.into_iter().collect()
}

/// `name version` from a package id, in either of cargo's spellings:
/// `registry+https://…#name@1.2.3`, `path+file:///…/name#1.2.3`, or the old
/// `name 1.2.3 (registry+…)`.
fn package_of_id(id: &str) -> String {
    if let Some((source, fragment)) = id.rsplit_once('#') {
        return match fragment.split_once('@') {
            Some((name, version)) => format!("{name} {version}"),
            None => {
                let name = source
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or(source);
                format!("{name} {fragment}")
            }
        };
    }
    let mut words = id.split_whitespace();
    format!(
        "{} {}",
        words.next().unwrap_or_default(),
        words.next().unwrap_or_default()
    )
}

/// The two variants' figures from B7's results: `[baseline, with us]`.
#[derive(Debug)]
pub(crate) struct Figures {
    pub(crate) wall: [Summary; 2],
    pub(crate) cpu: [Summary; 2],
    /// Packages compiled (or, without a cold build, in `cargo tree`).
    pub(crate) packages: [Vec<String>; 2],
    /// Whether `packages` come from real builds.
    pub(crate) built: bool,
    /// Whether the builds compiled exactly what `cargo tree` listed.
    pub(crate) tree_agrees: bool,
    pub(crate) runs: usize,
    /// Medians of the with / without ratios of each pair of builds made one after the other
    /// (wall, CPU): what drift in the machine's load between pairs cannot move.
    pub(crate) paired: [f64; 2],
}

impl Figures {
    pub(crate) fn of(r: &B7) -> Figures {
        let of = |sdk: bool| r.runs.iter().filter(move |run| run.sdk == sdk);
        let wall = |sdk| Summary::of(&of(sdk).map(|run| run.seconds).collect::<Vec<_>>());
        let cpu = |sdk| {
            Summary::of(
                &of(sdk)
                    .filter_map(|run| run.cpu_seconds)
                    .collect::<Vec<_>>(),
            )
        };
        let compiled = |sdk| of(sdk).next().map(|run| run.compiled.clone());
        let built = compiled(false).is_some() && compiled(true).is_some();
        let packages = match built {
            true => [false, true].map(|sdk| compiled(sdk).unwrap_or_default()),
            false => r.tree.clone(),
        };
        let paired = [
            |run: &B7Run| Some(run.seconds),
            |run: &B7Run| run.cpu_seconds,
        ]
        .map(|key| {
            let ratio = |pair: &[B7Run]| {
                let get = |sdk| pair.iter().find(|run| run.sdk == sdk).and_then(key);
                Some(get(true)? / get(false)?)
            };
            median(&r.runs.chunks(2).filter_map(ratio).collect::<Vec<_>>())
        });
        Figures {
            wall: [wall(false), wall(true)],
            cpu: [cpu(false), cpu(true)],
            tree_agrees: !built || packages == r.tree,
            packages,
            built,
            runs: r.runs.len(),
            paired,
        }
    }

    /// Packages the SDK's build compiles that the baseline's does not, by name (the two
    /// binaries' own crates left out).
    pub(crate) fn extra(&self) -> Vec<String> {
        let names = |list: &[String]| -> BTreeSet<String> {
            list.iter()
                .map(|p| p.split(' ').next().unwrap_or_default().to_string())
                .filter(|name| !name.starts_with("b7-"))
                .collect()
        };
        let baseline = names(&self.packages[0]);
        names(&self.packages[1])
            .difference(&baseline)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_ids_read_in_both_of_cargos_spellings() {
        assert_eq!(
            package_of_id("registry+https://github.com/rust-lang/crates.io-index#serde@1.0.229"),
            "serde 1.0.229"
        );
        assert_eq!(
            package_of_id("path+file:///work/crates/vpsorg-backups#0.2.0"),
            "vpsorg-backups 0.2.0"
        );
        assert_eq!(
            package_of_id("path+file:///work/b7/with#b7-with@0.0.0"),
            "b7-with 0.0.0"
        );
        assert_eq!(
            package_of_id("serde 1.0.229 (registry+https://github.com/rust-lang/crates.io-index)"),
            "serde 1.0.229"
        );
    }

    #[test]
    fn compiled_packages_come_from_compiler_artifacts_once_each() {
        let messages = [
            r#"{"reason":"compiler-artifact","package_id":"registry+https://x#serde@1.0.229"}"#,
            r#"{"reason":"build-script-executed","package_id":"registry+https://x#libc@0.2.1"}"#,
            r#"{"reason":"compiler-artifact","package_id":"registry+https://x#libc@0.2.1"}"#,
            r#"{"reason":"compiler-artifact","package_id":"registry+https://x#libc@0.2.1"}"#,
            "Compiling something (not JSON)",
        ]
        .join("\n");
        assert_eq!(
            compiled_packages(&messages),
            ["libc 0.2.1", "serde 1.0.229"]
        );
    }

    #[test]
    fn the_baseline_asks_for_the_workspace_versions() {
        let workspace = "[workspace.dependencies]\nreqwest = { version = \"0.13.5\" }\n\
                         serde = \"1.0.229\"\ntokio = \"1.54.1\"\n";
        let [baseline, sdk] = crates(Path::new("/w"), &workspace.parse().unwrap()).unwrap();
        let table: toml::Table = baseline.1.parse().unwrap();
        let deps = table["dependencies"].as_table().unwrap();
        assert_eq!(deps["reqwest"]["version"].as_str(), Some("0.13.5"));
        assert_eq!(deps["reqwest"]["default-features"].as_bool(), Some(false));
        assert_eq!(deps.len(), 3);
        assert!(baseline.2.contains("reqwest::Client::new()"));
        let table: toml::Table = sdk.1.parse().unwrap();
        let deps = table["dependencies"].as_table().unwrap();
        let path = deps["vpsorg-backups"]["path"].as_str().unwrap();
        assert!(path.ends_with("crates/vpsorg-backups"));
        assert_eq!(deps.len(), 2);
        assert!(table.contains_key("workspace"));
        assert!(sdk.2.contains("vpsorg_backups::Client::from_env()"));
    }
}
