//! `vpsorg-bench run [--quick]`: every benchmark, each measurement in a process of its own
//! (this binary, `measure`) against a fake server in another (`vpsorg-mock`, beside this
//! binary), so that their CPU time and memory never mix; then `BENCHMARKS.md`.
//!
//! Run at the workspace root by `cargo xtask bench`, which builds this binary, the fake server
//! and `vpsorg` first: release builds for a full run, which writes `BENCHMARKS.md`; the debug
//! build CI already has for `--quick`, tiny sizes that prove the harness runs and write
//! `<target>/bench/BENCHMARKS.quick.md`. `VPSORG_BENCH_ONLY=b6` (any of `b1`..`b7`,
//! comma-separated) runs only those and writes `<target>/bench/BENCHMARKS.partial.md`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use crate::report::{Machine, render};
use crate::results::{B4, B5, Job, Measure, Memory, Results};
use crate::sys::{cargo, load_average};
use crate::{Result, b7};

/// Runs the benchmarks and writes the report.
pub(crate) fn run(quick: bool) -> Result<()> {
    let started = Instant::now();
    // The full sizes, or tiny ones that only prove the harness works (B2's list is B6's too).
    macro_rules! size {
        ($full:expr, $quick:expr) => {
            if quick { $quick } else { $full }
        };
    }
    let (backups, latency_ms) = (size!(10_000, 500), size!(20, 5));
    let memory_sizes = size!([10_000, 100_000], [500, 5_000]);
    let root = std::env::current_dir()?;
    let exe = std::env::current_exe()?;
    let profile = exe.parent().ok_or("no directory")?.to_path_buf();
    let target = profile.parent().ok_or("no target directory")?.to_path_buf();
    let machine = Machine::describe(&root);
    let only = std::env::var("VPSORG_BENCH_ONLY").ok();
    let selected = |id: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|one| one.trim() == id))
    };

    let mut results = Results::default();
    let bin = |name: &str| profile.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let (mock, cli) = (bin("vpsorg-mock"), bin("vpsorg"));
    let with = |generate: u64, latency_ms: u64| {
        let mut args = vec!["--generate".to_string(), format!("1,{generate}")];
        if latency_ms > 0 {
            args.extend(["--latency".into(), format!("{latency_ms}ms")]);
        }
        Mock::start(&mock, &args)
    };
    if selected("b1") {
        let (calls, warmup, page_size) = (size!(2_000, 100), size!(200, 10), 20);
        let b1 = Measure::B1 {
            calls,
            warmup,
            page_size,
            only: None,
        };
        results.b1 = with(200, 0)?.measure(&exe, b1)?;
    }
    if selected("b2") {
        let b2 = Measure::B2 {
            page_size: 100,
            reps: size!(5, 1),
            concurrency: 8,
            work_ms: size!(10, 2),
        };
        let mut b2 = with(backups, latency_ms)?.measure::<crate::results::B2>(&exe, b2)?;
        b2.latency_ms = latency_ms;
        results.b2 = Some(b2);
    }
    let memory = |measure: &dyn Fn(u64) -> Measure| -> Result<Memory> {
        let [small, large] = memory_sizes;
        let mocks = [with(small, 0)?, with(large, 0)?];
        let mut memory = Memory {
            sizes: memory_sizes,
            ..Memory::default()
        };
        // Alternate the sizes, so that drift hits both alike.
        for _ in 0..size!(3, 1) {
            for (i, mock) in mocks.iter().enumerate() {
                memory.runs[i].push(mock.measure(&exe, measure(memory_sizes[i]))?);
            }
        }
        Ok(memory)
    };
    if selected("b3") {
        results.b3 = Some(memory(&|expect| Measure::B3 { expect })?);
    }
    if selected("b5") {
        let mock = Mock::start(&mock, &[])?;
        let (connections, seconds, warmup) = (64, size!(5.0, 0.5), size!(1.0, 0.2));
        let mut b5 = B5 {
            connections,
            seconds,
            warmup,
            runs: Vec::new(),
        };
        for _ in 0..size!(3, 1) {
            let server_pid = mock.child.id();
            b5.runs.push(mock.measure(
                &exe,
                Measure::B5 {
                    connections,
                    seconds,
                    warmup,
                    server_pid,
                },
            )?);
            // Let the closed connections' sockets settle between runs.
            std::thread::sleep(Duration::from_millis(200));
        }
        results.b5 = Some(b5);
    }
    if selected("b6") {
        let b6 = Measure::B6 {
            cli: cli.clone(),
            reps: size!(5, 1),
        };
        let mut b6 = with(backups, latency_ms)?.measure::<crate::results::B6>(&exe, b6)?;
        b6.latency_ms = latency_ms;
        b6.memory = memory(&|expect| Measure::B6mem {
            cli: cli.clone(),
            expect,
        })?;
        results.b6 = Some(b6);
    }
    // Last: clean builds load the machine for minutes.
    if selected("b4") {
        results.b4 = Some(b4(&root, &target, size!(5, 1), !quick)?);
    }
    if selected("b7") {
        results.b7 = Some(b7::run(&root, &target, size!(3, 0))?);
    }

    let text = render(
        quick,
        &machine,
        &results,
        &load_average(),
        started.elapsed(),
    );
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
    let path = match name {
        "BENCHMARKS" => root.join("BENCHMARKS.md"),
        _ => dir.join(format!("{name}.md")),
    };
    std::fs::write(&path, text)?;
    let (path, json, took) = (
        path.display(),
        json.display(),
        started.elapsed().as_secs_f64(),
    );
    eprintln!("\nbench: wrote {path} (raw results: {json}) in {took:.0} s");
    Ok(())
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
    fn start(mock: &Path, args: &[String]) -> Result<Mock> {
        let mut child = Command::new(mock)
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", mock.display()))?;
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
        let (url, token) = (url.unwrap_or_default(), token.unwrap_or_default());
        Ok(Mock {
            child,
            url,
            token,
            _stdout: stdout,
        })
    }

    /// Runs one measurement against this server in a process of its own, and reads its result.
    fn measure<T: DeserializeOwned>(&self, exe: &Path, bench: Measure) -> Result<T> {
        let job = Job {
            url: self.url.clone(),
            token: self.token.clone(),
            bench,
        };
        let job = serde_json::to_string(&job)?;
        eprintln!("==> vpsorg-bench measure {job}");
        let output = Command::new(exe)
            .arg("measure")
            .arg(&job)
            .stdin(Stdio::null())
            .output()?;
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
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

/// Runs a command to success and returns how long it took, in seconds.
fn timed(command: &mut Command) -> Result<f64> {
    eprintln!("==> {command:?}");
    let started = Instant::now();
    let status = command.status()?;
    if !status.success() {
        return Err(format!("{command:?} failed ({status})").into());
    }
    Ok(started.elapsed().as_secs_f64())
}

/// B4: `cargo xtask codegen --check` warm, the xtask binary alone, and (full runs) a clean
/// build of the client.
fn b4(root: &Path, target: &Path, check_runs: usize, clean_build: bool) -> Result<B4> {
    let mut b4 = B4::default();
    let xtask = target
        .join("debug")
        .join(format!("xtask{}", std::env::consts::EXE_SUFFIX));
    // The first run warms the caches and is not counted.
    for run in 0..=check_runs {
        let check = timed(
            Command::new(cargo())
                .args(["xtask", "codegen", "--check"])
                .current_dir(root),
        )?;
        let alone = timed(
            Command::new(&xtask)
                .args(["codegen", "--check"])
                .env("CARGO_MANIFEST_DIR", root.join("xtask"))
                .current_dir(root),
        )?;
        if run > 0 {
            b4.check_s.push(check);
            b4.binary_s.push(alone);
        }
    }
    if clean_build {
        let dir: PathBuf = target.join("bench").join("clean-build");
        let _ = std::fs::remove_dir_all(&dir);
        let cargo_in_dir = |args: &[&str]| -> Result<f64> {
            let mut command = Command::new(cargo());
            command
                .args(args)
                .env("CARGO_TARGET_DIR", &dir)
                .current_dir(root);
            timed(command.stdout(Stdio::null()).stderr(Stdio::null()))
        };
        let build = ["build", "--locked", "--package", "vpsorg-backups-client"];
        b4.clean_build_s = Some(cargo_in_dir(&build)?);
        cargo_in_dir(&["clean", "--package", "vpsorg-backups-client"])?;
        b4.crate_build_s = Some(cargo_in_dir(&build)?);
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(b4)
}
