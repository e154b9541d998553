//! B7, the cost of depending on us: a tiny binary that lists backups with `vpsorg-backups`
//! (default features), against the same binary written with only what it would need anyway
//! (reqwest with rustls and json, serde, tokio).
//!
//! Both are written under `<target>/bench/b7/` as crates of their own (each its own workspace,
//! with this workspace's `Cargo.lock`, so that both build the versions CI tests). A full run
//! builds each from cold (its own, emptied target directory, the default `dev` profile a new
//! project has), alternating which goes first, and takes medians of the wall time and of the
//! CPU time the build's processes used; it counts the crates each build compiled from cargo's
//! JSON messages. `--quick` builds nothing: it counts the crates with `cargo tree`, which
//! takes a second.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{Value, json};

use super::Plan;
use super::report::{Row, Section, Stat, judged, row, thousands};
use crate::{Result, project_root};

/// The goal for the cold build's wall time, with us over without.
const RATIO_GOAL: f64 = 1.05;
/// The goal for the crates we add to a build.
const EXTRA_CRATES_GOAL: usize = 10;

/// One of the two tiny binaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// Depends on `vpsorg-backups` (and tokio for `#[tokio::main]`).
    Sdk,
    /// Depends on reqwest (rustls, json), serde and tokio.
    Baseline,
}

impl Variant {
    const ALL: [Variant; 2] = [Variant::Baseline, Variant::Sdk];

    fn name(self) -> &'static str {
        match self {
            Variant::Sdk => "with-vpsorg-backups",
            Variant::Baseline => "baseline",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Variant::Sdk => "sdk",
            Variant::Baseline => "baseline",
        }
    }

    /// `Cargo.toml` and `src/main.rs`.
    fn files(self, versions: &Versions) -> (String, String) {
        let Versions {
            reqwest,
            serde,
            tokio,
        } = versions;
        let root = project_root();
        let header = format!(
            "# Written by `cargo xtask bench` (B7). A crate of its own, outside the workspace.\n\
             [package]\nname = \"b7-{}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\n\n[workspace]\n\n[dependencies]\n",
            self.name()
        );
        let tokio = format!(
            "tokio = {{ version = \"{tokio}\", features = [\"macros\", \"rt-multi-thread\"] }}\n"
        );
        match self {
            Variant::Sdk => (
                format!(
                    "{header}vpsorg-backups = {{ path = {:?} }}\n{tokio}",
                    root.join("crates/vpsorg-backups").to_string_lossy()
                ),
                SDK_MAIN.to_string(),
            ),
            Variant::Baseline => (
                format!(
                    "{header}reqwest = {{ version = \"{reqwest}\", default-features = false, \
                     features = [\"rustls\", \"json\"] }}\n\
                     serde = {{ version = \"{serde}\", features = [\"derive\"] }}\n{tokio}"
                ),
                BASELINE_MAIN.to_string(),
            ),
        }
    }
}

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

/// The versions the baseline asks for: the workspace's floors, so that both build the same.
struct Versions {
    reqwest: String,
    serde: String,
    tokio: String,
}

impl Versions {
    fn of_workspace() -> Result<Versions> {
        let manifest: toml::Table =
            std::fs::read_to_string(project_root().join("Cargo.toml"))?.parse()?;
        let get = |name: &str| -> Result<String> {
            let dep = &manifest["workspace"]["dependencies"][name];
            dep.as_str()
                .or_else(|| dep.get("version")?.as_str())
                .map(String::from)
                .ok_or_else(|| format!("no {name} in [workspace.dependencies]").into())
        };
        Ok(Versions {
            reqwest: get("reqwest")?,
            serde: get("serde")?,
            tokio: get("tokio")?,
        })
    }
}

/// Writes the two crates and measures them.
pub(crate) fn run(target: &Path, plan: &Plan) -> Result<Value> {
    let dir = target.join("bench").join("b7");
    let versions = Versions::of_workspace()?;
    let mut crates = json!({});
    for variant in Variant::ALL {
        let (manifest, main) = variant.files(&versions);
        let root = dir.join(variant.name());
        std::fs::create_dir_all(root.join("src"))?;
        std::fs::write(root.join("Cargo.toml"), manifest)?;
        std::fs::write(root.join("src/main.rs"), main)?;
        // This workspace's lockfile: the same versions as CI builds (cargo drops the rest).
        std::fs::copy(project_root().join("Cargo.lock"), root.join("Cargo.lock"))?;
        let packages = tree_packages(&root)?;
        crates[variant.key()] = json!(packages);
    }

    let mut result = json!({ "tree": crates, "runs": [] });
    if !plan.b7_cold_build {
        return Ok(result);
    }
    let mut runs = Vec::new();
    for rep in 0..plan.b7_reps {
        // Alternate which goes first, so that drift in the machine's load hits both alike.
        let order = if rep % 2 == 0 {
            Variant::ALL
        } else {
            [Variant::ALL[1], Variant::ALL[0]]
        };
        for variant in order {
            let run = cold_build(&dir.join(variant.name()), variant)?;
            runs.push(run);
        }
    }
    result["runs"] = json!(runs);
    Ok(result)
}

/// The packages `cargo tree` says a build compiles (host target, normal and build
/// dependencies), the crate itself included, as `name version`.
fn tree_packages(root: &Path) -> Result<Vec<String>> {
    eprintln!("==> B7: cargo tree in {}", root.display());
    let output = Command::new(super::cargo())
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
fn cold_build(root: &Path, variant: Variant) -> Result<Value> {
    let target = root.join("target");
    if target.exists() {
        std::fs::remove_dir_all(&target)?;
    }
    // Sources are fetched before the clock starts; the build itself runs offline.
    let status = Command::new(super::cargo())
        .arg("fetch")
        .current_dir(root)
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(format!("`cargo fetch` in {} failed", root.display()).into());
    }
    eprintln!("==> B7: cold debug build of {}", variant.name());
    let load = super::report::load_average();
    let cpu_before = children_cpu_seconds();
    let started = Instant::now();
    let output = Command::new(super::cargo())
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
            "B7: `cargo build` of {} failed ({})",
            variant.name(),
            output.status
        )
        .into());
    }
    let compiled = compiled_packages(&String::from_utf8_lossy(&output.stdout));
    std::fs::remove_dir_all(&target)?;
    Ok(json!({
        "variant": variant.key(),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "compiled": compiled,
        "load_at_start": load,
    }))
}

/// The packages a build compiled, from its `compiler-artifact` messages, as `name version`.
fn compiled_packages(messages: &str) -> Vec<String> {
    let mut packages = BTreeSet::new();
    for line in messages.lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
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

/// User and system CPU time of this process's waited-for descendants (`/proc/self/stat`
/// fields 16 and 17, in the kernel's fixed 100 ticks a second), or `None` off Linux.
fn children_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; fields after it follow its ')'.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3, so field n is fields[n - 3].
    let cutime: f64 = fields.get(13)?.parse().ok()?;
    let cstime: f64 = fields.get(14)?.parse().ok()?;
    Some((cutime + cstime) / 100.0)
}

/// The two variants' figures from a run's results.
struct Figures {
    wall: [Stat; 2],
    cpu: [Stat; 2],
    /// Packages compiled (or, without a cold build, in `cargo tree`), per variant.
    packages: [Vec<String>; 2],
    /// Whether `packages` come from real builds.
    built: bool,
    /// Whether the builds compiled exactly what `cargo tree` listed.
    tree_agrees: bool,
    runs: usize,
    /// Medians of the with / without ratios of each pair of builds made one after the other
    /// (wall, CPU): what drift in the machine's load between pairs cannot move.
    paired: [f64; 2],
}

impl Figures {
    fn of(r: &Value) -> Figures {
        let runs: Vec<&Value> = r["runs"].as_array().into_iter().flatten().collect();
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        };
        let per = |variant: Variant, key: &str| -> Vec<f64> {
            runs.iter()
                .filter(|run| run["variant"] == variant.key())
                .filter_map(|run| run[key].as_f64())
                .collect()
        };
        let [baseline, sdk] = Variant::ALL;
        let tree = [
            strings(&r["tree"][baseline.key()]),
            strings(&r["tree"][sdk.key()]),
        ];
        let compiled = |variant: Variant| -> Option<Vec<String>> {
            runs.iter()
                .find(|run| run["variant"] == variant.key())
                .map(|run| strings(&run["compiled"]))
        };
        let built = compiled(baseline).is_some() && compiled(sdk).is_some();
        let packages = if built {
            [
                compiled(baseline).unwrap_or_default(),
                compiled(sdk).unwrap_or_default(),
            ]
        } else {
            tree.clone()
        };
        Figures {
            wall: [
                Stat::from_samples(&per(baseline, "seconds")),
                Stat::from_samples(&per(sdk, "seconds")),
            ],
            cpu: [
                Stat::from_samples(&per(baseline, "cpu_seconds")),
                Stat::from_samples(&per(sdk, "cpu_seconds")),
            ],
            tree_agrees: !built || packages == tree,
            packages,
            built,
            runs: runs.len(),
            paired: ["seconds", "cpu_seconds"].map(|key| {
                let ratios: Vec<f64> = runs
                    .chunks(2)
                    .filter_map(|pair| {
                        let of = |variant: Variant| {
                            pair.iter()
                                .find(|run| run["variant"] == variant.key())
                                .and_then(|run| run[key].as_f64())
                        };
                        Some(of(sdk)? / of(baseline)?)
                    })
                    .collect();
                Stat::from_samples(&ratios).median
            }),
        }
    }

    /// Packages the SDK's build compiles that the baseline's does not, by name (the two
    /// binaries' own crates left out).
    fn extra(&self) -> Vec<String> {
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

/// B7's part of the report.
pub(crate) fn section(plan: &Plan, r: &Value) -> Section {
    let figures = Figures::of(r);
    let [baseline_wall, sdk_wall] = &figures.wall;
    let [baseline_cpu, sdk_cpu] = &figures.cpu;
    let ratio = sdk_wall.median / baseline_wall.median;
    let cpu_ratio = sdk_cpu.median / baseline_cpu.median;
    let extra = figures.extra();
    let counts = [figures.packages[0].len(), figures.packages[1].len()];
    // No figures at all (a report of results without B7) judges nothing.
    let measured = !figures.packages[0].is_empty() && !figures.packages[1].is_empty();
    let extra_met = extra.len() <= EXTRA_CRATES_GOAL;
    let mut rows = Vec::new();
    if figures.built {
        rows.push(Row {
            what: "cold debug build of a tiny binary, with `vpsorg-backups` / without".into(),
            measured: format!(
                "{ratio:.3} ({:.1} s vs {:.1} s; pairs' median {:.3})",
                sdk_wall.median, baseline_wall.median, figures.paired[0]
            ),
            goal: format!("≤ {RATIO_GOAL:.2}"),
            met: Some(ratio <= RATIO_GOAL),
        });
        rows.push(Row {
            what: "CPU time of the same builds, with / without".into(),
            measured: format!(
                "{cpu_ratio:.3} ({:.1} s vs {:.1} s; pairs' median {:.3})",
                sdk_cpu.median, baseline_cpu.median, figures.paired[1]
            ),
            goal: "report it".into(),
            met: None,
        });
    }
    rows.push(Row {
        what: format!(
            "crates compiled, with `vpsorg-backups` / without{}",
            if figures.built { "" } else { " (`cargo tree`)" }
        ),
        measured: if measured {
            format!("+{} ({} vs {})", extra.len(), counts[1], counts[0])
        } else {
            "not measured".into()
        },
        goal: format!("≤ +{EXTRA_CRATES_GOAL}"),
        met: measured.then_some(extra_met),
    });

    let mut body = String::new();
    let _ = writeln!(
        body,
        "Two tiny binaries that list a server's backups and print them, each a crate of its own \
         under `target/bench/b7/` with this workspace's `Cargo.lock`:\n\n\
         - **with `vpsorg-backups`**: `vpsorg-backups` (default features) and tokio \
         (`macros`, `rt-multi-thread`) for `#[tokio::main]`;\n\
         - **baseline**: what the same program needs anyway: reqwest (`default-features = \
         false`, `rustls`, `json`), serde (`derive`) and tokio (`macros`, `rt-multi-thread`), \
         at the workspace's versions.\n"
    );
    if figures.built {
        let _ = writeln!(
            body,
            "Each is built with `cargo build --offline` (the `dev` profile a new project has) \
             into its own emptied target directory, {} builds in all, alternating which goes \
             first; sources are fetched before the clock starts. CPU time is what the build's \
             processes used (user and system), which a busy machine changes less than wall \
             time. The goal judges the ratio of the medians; \"pairs' median\" is the median \
             of the ratios of the two builds made one after the other, which drift in the \
             machine's load between pairs cannot move: when the two disagree, the load \
             changed during the run and neither is firm.\n",
            figures.runs
        );
        row(
            &mut body,
            &[
                "cold build",
                "wall median",
                "min",
                "max",
                "CPU median",
                "crates compiled",
            ],
        );
        row(&mut body, &["---", "---", "---", "---", "---", "---"]);
        for (i, name) in ["baseline", "with `vpsorg-backups`"].iter().enumerate() {
            row(
                &mut body,
                &[
                    name,
                    &format!("{:.1} s", figures.wall[i].median),
                    &format!("{:.1} s", figures.wall[i].min),
                    &format!("{:.1} s", figures.wall[i].max),
                    &format!("{:.1} s", figures.cpu[i].median),
                    &thousands(counts[i] as f64),
                ],
            );
        }
        let _ = writeln!(
            body,
            "\n**with / without** {:.3} in wall time and {cpu_ratio:.3} in CPU time: depending \
             on us {} (goal ≤ {RATIO_GOAL:.2}).{}{}\n",
            ratio,
            judged(plan, ratio <= RATIO_GOAL),
            if (ratio - cpu_ratio).abs() > 0.05 {
                " The two ratios differ because a cold build's wall time is its longest chain of \
                 dependent units (with rustls on aws-lc, the aws-lc-sys build script compiling C \
                 for over a minute, then rustls and reqwest), while its CPU time is all the work: \
                 cargo schedules the two graphs differently, and how early that chain starts \
                 decides the wall time. The CPU ratio is the extra work depending on us costs; \
                 `cargo build --timings` in either crate's directory shows the chain."
            } else {
                ""
            },
            if figures.tree_agrees {
                ""
            } else {
                " (The builds compiled other crates than `cargo tree` lists; the table counts \
                 what was compiled.)"
            }
        );
    } else {
        let _ = writeln!(
            body,
            "`--quick` builds nothing: the crates are counted with `cargo tree --edges \
             normal,build` (the packages a build of the host target compiles).\n"
        );
    }
    let _ = writeln!(
        body,
        "**Crates** {}: with `vpsorg-backups` a build compiles {} crates, the baseline {}, so \
         {} more{}{}\n",
        judged(plan, extra_met),
        counts[1],
        counts[0],
        extra.len(),
        if extra.is_empty() {
            ".".to_string()
        } else {
            format!(": {}.", extra.join(", "))
        },
        if extra_met {
            ""
        } else {
            " Each is a dependency of the wrapper or the generated client (or one of theirs) \
             that the hand-written program does without; `cargo tree -i NAME` in \
             `target/bench/b7/with-vpsorg-backups` says who pulls it in."
        }
    );
    Section {
        id: "B7",
        title: "the cost of depending on us",
        rows,
        body,
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
    fn the_children_cpu_time_is_read_after_the_command_name() {
        assert!(children_cpu_seconds().is_some_and(|s| s >= 0.0));
    }

    fn results(built: bool) -> Value {
        let base: Vec<String> = [
            "b7-baseline 0.0.0",
            "reqwest 0.13.5",
            "serde 1.0.229",
            "tokio 1.54.1",
        ]
        .map(String::from)
        .to_vec();
        let mut sdk = base.clone();
        sdk[0] = "b7-with-vpsorg-backups 0.0.0".into();
        sdk.extend(["chrono 0.4.45", "vpsorg-backups 0.2.0"].map(String::from));
        let run = |variant: &str, seconds: f64, compiled: &[String]| {
            json!({"variant": variant, "seconds": seconds, "cpu_seconds": seconds * 1.8,
                   "compiled": compiled})
        };
        json!({
            "tree": {"baseline": base, "sdk": sdk},
            "runs": if built {
                json!([run("baseline", 100.0, &base), run("sdk", 104.0, &sdk),
                       run("sdk", 106.0, &sdk), run("baseline", 101.0, &base),
                       run("baseline", 99.0, &base), run("sdk", 103.0, &sdk)])
            } else {
                json!([])
            },
        })
    }

    #[test]
    fn a_full_run_judges_the_ratio_and_the_extra_crates() {
        let section = section(&Plan::full(), &results(true));
        assert_eq!(section.rows.len(), 3);
        assert_eq!(
            section.rows[0].measured,
            "1.040 (104.0 s vs 100.0 s; pairs' median 1.040)"
        );
        assert_eq!(section.rows[0].met, Some(true));
        assert_eq!(
            section.rows[1].measured,
            "1.040 (187.2 s vs 180.0 s; pairs' median 1.040)"
        );
        assert_eq!(section.rows[1].met, None);
        assert_eq!(section.rows[2].measured, "+2 (6 vs 4)");
        assert_eq!(section.rows[2].met, Some(true));
        assert!(!section.body.contains("The two ratios differ"));
        assert!(section.body.contains("6 builds in all"));
        assert!(section.body.contains("so 2 more: chrono, vpsorg-backups."));
        assert!(
            section
                .body
                .contains("| baseline | 100.0 s | 99.0 s | 101.0 s | 180.0 s | 4 |")
        );
        assert!(!section.body.contains("other crates than `cargo tree`"));
    }

    /// A wall ratio far from the CPU ratio is explained, not left as a riddle.
    #[test]
    fn diverging_wall_and_cpu_ratios_are_explained() {
        let mut r = results(true);
        for run in r["runs"].as_array_mut().unwrap() {
            if run["variant"] == "sdk" {
                run["seconds"] = json!(70.0);
            }
        }
        let section = section(&Plan::full(), &r);
        assert_eq!(
            section.rows[0].measured,
            "0.700 (70.0 s vs 100.0 s; pairs' median 0.700)"
        );
        assert!(section.body.contains("The two ratios differ"));
    }

    /// A run whose load rose half-way: the ratio of medians and the pairs' median differ.
    #[test]
    fn pairs_are_the_builds_made_one_after_the_other() {
        let mut r = results(true);
        let seconds = [62.7, 79.2, 147.7, 130.0, 121.3, 123.2];
        for (run, seconds) in r["runs"].as_array_mut().unwrap().iter_mut().zip(seconds) {
            run["seconds"] = json!(seconds);
        }
        let section = section(&Plan::full(), &r);
        assert_eq!(
            section.rows[0].measured,
            "1.016 (123.2 s vs 121.3 s; pairs' median 1.136)"
        );
    }

    #[test]
    fn a_quick_run_counts_crates_from_cargo_tree_and_builds_nothing() {
        let section = section(&Plan::quick(), &results(false));
        assert_eq!(section.rows.len(), 1);
        assert!(section.rows[0].what.contains("(`cargo tree`)"));
        assert_eq!(section.rows[0].measured, "+2 (6 vs 4)");
        assert!(section.body.contains("`--quick` builds nothing"));
    }

    #[test]
    fn the_baseline_asks_for_the_workspace_versions() {
        let versions = Versions {
            reqwest: "0.13.5".into(),
            serde: "1.0.229".into(),
            tokio: "1.54.1".into(),
        };
        let (manifest, main) = Variant::Baseline.files(&versions);
        let table: toml::Table = manifest.parse().unwrap();
        let deps = table["dependencies"].as_table().unwrap();
        assert_eq!(deps["reqwest"]["version"].as_str(), Some("0.13.5"));
        assert_eq!(deps["reqwest"]["default-features"].as_bool(), Some(false));
        assert_eq!(deps.len(), 3);
        assert!(main.contains("reqwest::Client::new()"));
        let (manifest, main) = Variant::Sdk.files(&versions);
        let table: toml::Table = manifest.parse().unwrap();
        let deps = table["dependencies"].as_table().unwrap();
        assert!(
            deps["vpsorg-backups"]["path"]
                .as_str()
                .unwrap()
                .ends_with("crates/vpsorg-backups")
        );
        assert_eq!(deps.len(), 2);
        assert!(table.contains_key("workspace"));
        assert!(main.contains("vpsorg_backups::Client::from_env()"));
    }
}
