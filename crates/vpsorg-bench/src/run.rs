//! `vpsorg-bench run [--quick]`: every benchmark (or those `VPSORG_BENCH_ONLY=b2,b6` names),
//! each measurement in a process of its own (`vpsorg-bench measure`) against a fake server in
//! another, so that their CPU time and memory never mix; then the report.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use crate::results::{B4, B6, Job, Measure, Memory, Results, Sizes};
use crate::sys::{self, beside, cargo, command, load_average};
use crate::{Result, b7, report};

pub(crate) fn run(quick: bool) -> Result<()> {
    let started = Instant::now();
    let sizes = Sizes::of(quick);
    let (root, exe) = (std::env::current_dir()?, std::env::current_exe()?);
    let profile = exe.parent().ok_or("no directory")?;
    let target = profile.parent().ok_or("no target directory")?;
    let machine = report::machine(&root);
    let only = std::env::var("VPSORG_BENCH_ONLY").unwrap_or_default();
    let selected = |id| only.is_empty() || only.split(',').any(|one| one.trim() == id);
    let server = |generate: u64, latency_ms: u64| {
        let latency = if latency_ms > 0 { format!("--latency {latency_ms}ms") } else { "".into() };
        Mock::start(&format!("--generate 1,{generate} {latency}"), quick)
    };
    let listing = || server(sizes.backups, sizes.latency_ms);

    let mut results = Results { quick, ..Results::default() };
    if selected("b1") {
        results.b1 = server(200, 0)?.measure(Measure::B1 { only: None })?;
    }
    if selected("b2") {
        results.b2 = Some(listing()?.measure(Measure::B2)?);
    }
    // One listing per process, of two sizes, alternating so that drift hits both alike.
    let memory = |cli: bool| -> Result<Memory> {
        let [small, large] = sizes.memory.map(|size| server(size, 0));
        let mocks = [small?, large?];
        let mut memory = Memory::default();
        for _ in 0..sizes.runs {
            for (i, mock) in mocks.iter().enumerate() {
                let expect = sizes.memory[i];
                memory[i].push(mock.measure(Measure::Peak { expect, cli })?);
            }
        }
        Ok(memory)
    };
    if selected("b3") {
        results.b3 = Some(memory(false)?);
    }
    if selected("b5") {
        // The vendor's example data.
        let (mock, mut runs) = (Mock::start("", quick)?, Vec::new());
        for _ in 0..sizes.runs {
            let server_pid = mock.child.id();
            runs.push(mock.measure(Measure::B5 { server_pid })?);
            // Let the closed connections' sockets settle between runs.
            std::thread::sleep(Duration::from_millis(200));
        }
        results.b5 = Some(runs);
    }
    if selected("b6") {
        let mut b6: B6 = listing()?.measure(Measure::B6)?;
        b6.memory = memory(true)?;
        results.b6 = Some(b6);
    }
    // Last: clean builds load the machine for minutes.
    if selected("b4") {
        results.b4 = Some(b4(&root, target, sizes.reps, !quick)?);
    }
    if selected("b7") {
        results.b7 = Some(b7::measure(&root, target, sizes.b7_builds)?);
    }

    let text = report::render(&machine, &results, &load_average(), started.elapsed());
    // The raw results go under target/ either way; only a full run writes BENCHMARKS.md.
    let dir = target.join("bench");
    std::fs::create_dir_all(&dir)?;
    let name = match (quick, !only.is_empty()) {
        (true, _) => "BENCHMARKS.quick",
        (false, true) => "BENCHMARKS.partial",
        (false, false) => "BENCHMARKS",
    };
    let json = dir.join(format!("{name}.json"));
    std::fs::write(&json, serde_json::to_string_pretty(&results)?)?;
    let markdown = match name {
        "BENCHMARKS" => root.join("BENCHMARKS.md"),
        _ => dir.join(format!("{name}.md")),
    };
    std::fs::write(&markdown, text)?;
    eprintln!("\nbench: wrote {markdown:?} (raw results: {json:?})");
    Ok(())
}

/// A fake server in a process of its own, stopped when dropped.
struct Mock {
    child: Child,
    /// The job of a measurement against this server, less what to measure.
    job: Job,
    /// Kept open so that the server never writes to a closed pipe.
    stdout: BufReader<ChildStdout>,
}

impl Mock {
    /// Starts `vpsorg-mock --port 0 <args>` and waits for its banner to say where it listens.
    fn start(args: &str, quick: bool) -> Result<Mock> {
        let args = format!("--port 0 {args}");
        let mut command = command(beside("vpsorg-mock")?, &args, ".".as_ref());
        let command = command.stdin(Stdio::null()).stdout(Stdio::piped());
        let mut child = command.spawn().map_err(|e| format!("starting {command:?}: {e}"))?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let job = Job { quick, ..Job::default() };
        let mut mock = Mock { child, job, stdout };
        let mut line = String::new();
        while mock.job.url.is_empty() || mock.job.token.is_empty() {
            line.clear();
            if mock.stdout.read_line(&mut line)? == 0 {
                return Err(format!("vpsorg-mock {args:?} exited before its banner").into());
            }
            if let Some(url) = line.strip_prefix("base URL:") {
                mock.job.url = url.trim().into();
            } else if let Some(token) = line.strip_prefix("token:") {
                mock.job.token = token.trim().into();
            }
        }
        Ok(mock)
    }

    /// Runs one measurement against this server in a process of its own, and reads its result.
    fn measure<T: DeserializeOwned>(&self, measure: Measure) -> Result<T> {
        let mut job = self.job.clone();
        job.measure = measure;
        let job = serde_json::to_string(&job)?;
        eprintln!("==> vpsorg-bench measure '{job}'");
        let mut command = Command::new(std::env::current_exe()?);
        let command = command.args(["measure", &job]).stdin(Stdio::null());
        let output = command.stderr(Stdio::inherit()).output()?;
        if !output.status.success() {
            return Err(format!("vpsorg-bench measure failed ({})", output.status).into());
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        serde_json::from_str(stdout.lines().last().unwrap_or_default())
            .map_err(|e| format!("vpsorg-bench measure printed no result ({e}): {stdout}").into())
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// B4: `cargo xtask codegen --check` warm, the xtask binary alone, and (full runs) a clean
/// build of the client.
fn b4(root: &Path, target: &Path, check_runs: usize, clean_build: bool) -> Result<B4> {
    let mut b4 = B4::default();
    let xtask = format!("xtask{}", std::env::consts::EXE_SUFFIX);
    let mut xtask = command(target.join("debug").join(xtask), "codegen --check", root);
    xtask.env("CARGO_MANIFEST_DIR", root.join("xtask"));
    // The first run warms the caches and is not counted.
    for run in 0..=check_runs {
        let check = sys::run(&mut command(cargo(), "xtask codegen --check", root))?.0;
        let alone = sys::run(&mut xtask)?.0;
        if run > 0 {
            b4.check_s.push(check);
            b4.binary_s.push(alone);
        }
    }
    if clean_build {
        let dir = target.join("bench").join("clean-build");
        let _ = std::fs::remove_dir_all(&dir);
        let in_dir = |args| sys::run(command(cargo(), args, root).env("CARGO_TARGET_DIR", &dir));
        let build = "build --locked --package vpsorg-backups-client";
        b4.clean_build_s = Some(in_dir(build)?.0);
        in_dir("clean --package vpsorg-backups-client")?;
        b4.crate_build_s = Some(in_dir(build)?.0);
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(b4)
}
