//! `cargo xtask bench [--quick]`: builds the benchmark binary (`crates/vpsorg-bench`) and the
//! fake server (`vpsorg-mock`), runs each benchmark against a fake server in a process of its
//! own, and writes `BENCHMARKS.md` from the JSON the benchmark binary prints.
//!
//! The full run uses release builds and writes `BENCHMARKS.md` at the root. `--quick` runs tiny
//! sizes on the debug build CI already has, so that the harness cannot rot, and writes
//! `<target>/bench/BENCHMARKS.quick.md` instead. Nothing here fails on a number: benchmarks
//! are not tests.
//!
//! `VPSORG_BENCH_ONLY=b6` (any of `b1`..`b7`, comma-separated) runs only those, for work on
//! one benchmark; such a partial run writes its report under `target/bench/` only, never
//! `BENCHMARKS.md`.

mod b7;
mod report;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{Result, project_root};

/// The sizes of one run.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) quick: bool,
    pub(crate) b1_calls: u32,
    pub(crate) b1_warmup: u32,
    pub(crate) b1_page_size: u32,
    pub(crate) b2_backups: u32,
    pub(crate) b2_page_size: u32,
    pub(crate) b2_latency_ms: u32,
    pub(crate) b2_reps: u32,
    pub(crate) b2_concurrency: u32,
    pub(crate) b2_work_ms: u32,
    pub(crate) b3_sizes: [u32; 2],
    pub(crate) b3_reps: u32,
    pub(crate) b4_check_runs: u32,
    pub(crate) b4_clean_build: bool,
    pub(crate) b5_connections: u32,
    pub(crate) b5_seconds: f64,
    pub(crate) b5_warmup: f64,
    pub(crate) b5_reps: u32,
    pub(crate) b6_backups: u32,
    pub(crate) b6_latency_ms: u32,
    pub(crate) b6_reps: u32,
    pub(crate) b6_memory_sizes: [u32; 2],
    pub(crate) b6_memory_reps: u32,
    /// B7: cold builds of each tiny binary (`--quick` builds none and counts crates only).
    pub(crate) b7_cold_build: bool,
    pub(crate) b7_reps: u32,
}

impl Plan {
    /// The sizes the issue asks for.
    pub(crate) fn full() -> Plan {
        Plan {
            quick: false,
            b1_calls: 2_000,
            b1_warmup: 200,
            b1_page_size: 20,
            b2_backups: 10_000,
            b2_page_size: 100,
            b2_latency_ms: 20,
            b2_reps: 5,
            b2_concurrency: 8,
            b2_work_ms: 10,
            b3_sizes: [10_000, 100_000],
            b3_reps: 3,
            b4_check_runs: 5,
            b4_clean_build: true,
            b5_connections: 64,
            b5_seconds: 5.0,
            b5_warmup: 1.0,
            b5_reps: 3,
            b6_backups: 10_000,
            b6_latency_ms: 20,
            b6_reps: 5,
            b6_memory_sizes: [10_000, 100_000],
            b6_memory_reps: 3,
            b7_cold_build: true,
            b7_reps: 3,
        }
    }

    /// Tiny sizes that run in seconds: they prove the harness works, not how fast anything is.
    pub(crate) fn quick() -> Plan {
        Plan {
            quick: true,
            b1_calls: 100,
            b1_warmup: 10,
            b2_backups: 500,
            b2_latency_ms: 5,
            b2_reps: 1,
            b2_work_ms: 2,
            b3_sizes: [500, 5_000],
            b3_reps: 1,
            b4_check_runs: 1,
            b4_clean_build: false,
            b5_seconds: 0.5,
            b5_warmup: 0.2,
            b5_reps: 1,
            b6_backups: 500,
            b6_latency_ms: 5,
            b6_reps: 1,
            b6_memory_sizes: [500, 5_000],
            b6_memory_reps: 1,
            b7_cold_build: false,
            ..Plan::full()
        }
    }
}

/// Runs the benchmarks and writes the report.
pub fn run(quick: bool) -> Result<()> {
    let plan = if quick { Plan::quick() } else { Plan::full() };
    let started = Instant::now();
    let machine = report::Machine::describe();
    let target = target_dir()?;
    let bins = build(&target, quick)?;

    let only = std::env::var("VPSORG_BENCH_ONLY").ok();
    let selected = |id: &str| {
        only.as_deref()
            .is_none_or(|only| only.split(',').any(|one| one.trim() == id))
    };
    let mut results = json!({});
    if selected("b1") {
        results["b1"] = b1(&bins, &plan)?;
    }
    if selected("b2") {
        results["b2"] = b2(&bins, &plan)?;
    }
    if selected("b3") {
        results["b3"] = b3(&bins, &plan)?;
    }
    if selected("b5") {
        results["b5"] = b5(&bins, &plan)?;
    }
    if selected("b6") {
        results["b6"] = b6(&bins, &plan)?;
    }
    // Last: clean builds load the machine for minutes.
    if selected("b4") {
        results["b4"] = b4(&target, &plan)?;
    }
    if selected("b7") {
        results["b7"] = b7::run(&target, &plan)?;
    }

    let load_at_end = report::load_average();
    let text = report::render(&plan, &machine, &results, &load_at_end, started.elapsed());
    // The raw results go under target/ either way; only a full run writes BENCHMARKS.md.
    let dir = target.join("bench");
    std::fs::create_dir_all(&dir)?;
    let name = match (quick, only.is_some()) {
        (true, _) => "BENCHMARKS.quick",
        (false, true) => "BENCHMARKS.partial",
        (false, false) => "BENCHMARKS",
    };
    let json = dir.join(format!("{name}.json"));
    std::fs::write(&json, serde_json::to_string_pretty(&results)?)?;
    let path = if quick || only.is_some() {
        dir.join(format!("{name}.md"))
    } else {
        project_root().join("BENCHMARKS.md")
    };
    std::fs::write(&path, text)?;
    eprintln!(
        "\nbench: wrote {} (raw results: {}) in {:.0} s",
        path.display(),
        json.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Cargo's target directory for this workspace (honours `CARGO_TARGET_DIR` and config).
pub fn target_dir() -> Result<PathBuf> {
    let output = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .current_dir(project_root())
        .stderr(Stdio::inherit())
        .output()?;
    if !output.status.success() {
        return Err("`cargo metadata` failed".into());
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "`cargo metadata` gave no target_directory".into())
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Paths of the binaries the benchmarks run.
struct Bins {
    bench: PathBuf,
    mock: PathBuf,
    /// `vpsorg`, for B6.
    cli: PathBuf,
}

/// Builds the benchmark binary, the fake server and `vpsorg`: release for the full run, the
/// debug profile CI has already built for `--quick`.
fn build(target: &Path, quick: bool) -> Result<Bins> {
    let args = if quick {
        // What `cargo test --workspace` built, with the same features: nothing to rebuild in
        // CI (three packages alone would unify other features, and recompile reqwest & co).
        vec!["build", "--locked", "--workspace", "--all-targets"]
    } else {
        vec![
            "build",
            "--locked",
            "--bins",
            "--release",
            "--package",
            "vpsorg-bench",
            "--package",
            "vpsorg-backups-mock",
            "--package",
            "vpsorg-cli",
        ]
    };
    eprintln!("==> cargo {}", args.join(" "));
    let status = Command::new(cargo())
        .args(&args)
        .current_dir(project_root())
        .status()?;
    if !status.success() {
        return Err(format!("`cargo {}` failed ({status})", args.join(" ")).into());
    }
    let profile = target.join(if quick { "debug" } else { "release" });
    let exe = |name: &str| profile.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    Ok(Bins {
        bench: exe("vpsorg-bench"),
        mock: exe("vpsorg-mock"),
        cli: exe("vpsorg"),
    })
}

/// A fake server in a process of its own, stopped when dropped.
struct Mock {
    child: Child,
    url: String,
    token: String,
    /// Kept open so that the server never writes to a closed pipe.
    _stdout: BufReader<ChildStdout>,
}

impl Mock {
    /// Starts `vpsorg-mock --port 0 <args>` and waits for its banner to say where it listens.
    fn start(bins: &Bins, args: &[String]) -> Result<Mock> {
        let mut child = Command::new(&bins.mock)
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", bins.mock.display()))?;
        let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let (mut url, mut token) = (None, None);
        let mut line = String::new();
        while url.is_none() || token.is_none() {
            line.clear();
            if stdout.read_line(&mut line)? == 0 {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("vpsorg-mock {args:?} exited before its banner").into());
            }
            if let Some(rest) = line.strip_prefix("base URL:") {
                url = Some(rest.trim().to_string());
            } else if let Some(rest) = line.strip_prefix("token:") {
                token = Some(rest.trim().to_string());
            }
        }
        Ok(Mock {
            child,
            url: url.unwrap_or_default(),
            token: token.unwrap_or_default(),
            _stdout: stdout,
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Runs one benchmark against this server and returns the JSON it printed.
    fn bench(&self, bins: &Bins, name: &str, args: &[String]) -> Result<Value> {
        eprintln!("==> {name} {}", args.join(" "));
        let output = Command::new(&bins.bench)
            .arg(name)
            .args(["--url", &self.url, "--token", &self.token])
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()?;
        if !output.status.success() {
            return Err(format!("vpsorg-bench {name} failed ({})", output.status).into());
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout.lines().last().unwrap_or_default();
        serde_json::from_str(line)
            .map_err(|e| format!("vpsorg-bench {name} printed no JSON ({e}): {stdout}").into())
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn strings<const N: usize>(items: [&dyn ToString; N]) -> Vec<String> {
    items.iter().map(|item| item.to_string()).collect()
}

fn b1(bins: &Bins, plan: &Plan) -> Result<Value> {
    let generate = format!("1,{}", plan.b1_page_size * 10);
    let mock = Mock::start(bins, &strings([&"--generate", &generate]))?;
    mock.bench(
        bins,
        "b1",
        &strings([
            &"--calls",
            &plan.b1_calls,
            &"--warmup",
            &plan.b1_warmup,
            &"--page-size",
            &plan.b1_page_size,
        ]),
    )
}

fn b2(bins: &Bins, plan: &Plan) -> Result<Value> {
    let generate = format!("1,{}", plan.b2_backups);
    let latency = format!("{}ms", plan.b2_latency_ms);
    let mock = Mock::start(
        bins,
        &strings([&"--generate", &generate, &"--latency", &latency]),
    )?;
    let mut result = mock.bench(
        bins,
        "b2",
        &strings([
            &"--page-size",
            &plan.b2_page_size,
            &"--reps",
            &plan.b2_reps,
            &"--concurrency",
            &plan.b2_concurrency,
            &"--work-ms",
            &plan.b2_work_ms,
        ]),
    )?;
    result["latency_ms"] = json!(plan.b2_latency_ms);
    Ok(result)
}

fn b3(bins: &Bins, plan: &Plan) -> Result<Value> {
    let mut runs = vec![Vec::new(), Vec::new()];
    let mocks = plan
        .b3_sizes
        .iter()
        .map(|size| Mock::start(bins, &strings([&"--generate", &format!("1,{size}")])))
        .collect::<Result<Vec<_>>>()?;
    // Alternate the sizes, so that drift hits both alike.
    for _ in 0..plan.b3_reps {
        for (i, (mock, size)) in mocks.iter().zip(plan.b3_sizes).enumerate() {
            let result = mock.bench(bins, "b3", &strings([&"--expect", &size]))?;
            runs[i].push(result);
        }
    }
    Ok(json!({ "sizes": plan.b3_sizes, "runs": runs }))
}

fn b4(target: &Path, plan: &Plan) -> Result<Value> {
    // In-process: generation and comparison alone.
    let started = Instant::now();
    crate::codegen::run(true)?;
    let in_process = started.elapsed().as_secs_f64();

    // The command as people type it, warm: cargo's freshness check, then the same work.
    let mut check = Vec::new();
    for run in 0..=plan.b4_check_runs {
        eprintln!("==> cargo xtask codegen --check");
        let started = Instant::now();
        let status = Command::new(cargo())
            .args(["xtask", "codegen", "--check"])
            .current_dir(project_root())
            .status()?;
        if !status.success() {
            return Err("`cargo xtask codegen --check` failed".into());
        }
        // The first run warms the caches and is not counted.
        if run > 0 {
            check.push(started.elapsed().as_secs_f64());
        }
    }

    let mut result = json!({ "check_in_process_s": in_process, "check_s": check });
    if plan.b4_clean_build {
        let dir = target.join("bench").join("clean-build");
        let build = |what: &str| -> Result<f64> {
            eprintln!("==> {what}: cargo build --locked --package vpsorg-backups-client");
            let started = Instant::now();
            let status = Command::new(cargo())
                .args(["build", "--locked", "--package", "vpsorg-backups-client"])
                .env("CARGO_TARGET_DIR", &dir)
                .current_dir(project_root())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()?;
            if !status.success() {
                return Err(format!("{what}: cargo build failed ({status})").into());
            }
            Ok(started.elapsed().as_secs_f64())
        };
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        result["clean_build_s"] = json!(build("clean build with dependencies")?);
        let status = Command::new(cargo())
            .args(["clean", "--package", "vpsorg-backups-client"])
            .env("CARGO_TARGET_DIR", &dir)
            .current_dir(project_root())
            .stderr(Stdio::null())
            .status()?;
        if !status.success() {
            return Err("cargo clean --package vpsorg-backups-client failed".into());
        }
        result["crate_build_s"] = json!(build("the client crate alone")?);
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(result)
}

fn b5(bins: &Bins, plan: &Plan) -> Result<Value> {
    let mock = Mock::start(bins, &[])?;
    let mut runs = Vec::new();
    for _ in 0..plan.b5_reps {
        runs.push(mock.bench(
            bins,
            "b5",
            &strings([
                &"--connections",
                &plan.b5_connections,
                &"--seconds",
                &plan.b5_seconds,
                &"--warmup",
                &plan.b5_warmup,
                &"--server-pid",
                &mock.pid(),
            ]),
        )?);
        // Let the closed connections' sockets settle between runs.
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(json!({ "runs": runs }))
}

fn b6(bins: &Bins, plan: &Plan) -> Result<Value> {
    let cli = bins.cli.display().to_string();
    let generate = format!("1,{}", plan.b6_backups);
    let latency = format!("{}ms", plan.b6_latency_ms);
    let mock = Mock::start(
        bins,
        &strings([&"--generate", &generate, &"--latency", &latency]),
    )?;
    let mut result = mock.bench(
        bins,
        "b6",
        &strings([
            &"--cli",
            &cli,
            &"--server-id",
            &10_001,
            &"--reps",
            &plan.b6_reps,
        ]),
    )?;
    result["latency_ms"] = json!(plan.b6_latency_ms);
    drop(mock);

    // Memory: one listing per process, each size against a server of its own, alternating.
    let mocks = plan
        .b6_memory_sizes
        .iter()
        .map(|size| Mock::start(bins, &strings([&"--generate", &format!("1,{size}")])))
        .collect::<Result<Vec<_>>>()?;
    let mut runs = vec![Vec::new(), Vec::new()];
    for _ in 0..plan.b6_memory_reps {
        for (i, (mock, size)) in mocks.iter().zip(plan.b6_memory_sizes).enumerate() {
            let args = strings([&"--cli", &cli, &"--server-id", &10_001, &"--expect", &size]);
            runs[i].push(mock.bench(bins, "b6mem", &args)?);
        }
    }
    result["memory"] = json!({ "sizes": plan.b6_memory_sizes, "runs": runs });
    Ok(result)
}
