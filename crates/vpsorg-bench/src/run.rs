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
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use crate::results::{B2, B4, B5, B6, Job, Measure, Memory, Results};
use crate::sys::{cargo, command, load_average};
use crate::{Result, b5_throughput, b7, report};

/// Runs the benchmarks and writes the report.
pub(crate) fn run(quick: bool) -> Result<()> {
    let started = Instant::now();
    // The full sizes, or tiny ones that only prove the harness works (B2's list is B6's too).
    macro_rules! size {
        ($full:expr, $quick:expr) => {
            if quick { $quick } else { $full }
        };
    }
    let (backups, latency_ms, reps) = (size!(10_000, 500), size!(20, 5), size!(5, 1));
    let sizes = size!([10_000, 100_000], [500, 5_000]);
    let (root, exe) = (std::env::current_dir()?, std::env::current_exe()?);
    let profile = exe.parent().ok_or("no directory")?;
    let target = profile.parent().ok_or("no target directory")?;
    let machine = report::machine(&root);
    let only = std::env::var("VPSORG_BENCH_ONLY").ok();
    let selected = |id| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|one| one.trim() == id))
    };
    let bin = |name: &str| profile.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let (mock, cli) = (bin("vpsorg-mock"), bin("vpsorg"));
    let server = |generate: u64, latency_ms: u64| {
        let mut args = vec!["--generate".to_string(), format!("1,{generate}")];
        if latency_ms > 0 {
            args.extend(["--latency".into(), format!("{latency_ms}ms")]);
        }
        Mock::start(&mock, &args)
    };

    let mut results = Results::default();
    if selected("b1") {
        let b1 = Measure::B1 {
            calls: size!(2_000, 100),
            warmup: size!(200, 10),
            only: None,
        };
        results.b1 = server(200, 0)?.measure(&exe, b1)?;
    }
    if selected("b2") {
        let b2: B2 = server(backups, latency_ms)?.measure(
            &exe,
            Measure::B2 {
                reps,
                work_ms: size!(10, 2),
            },
        )?;
        results.b2 = Some(B2 { latency_ms, ..b2 });
    }
    // One listing per process, of two sizes, alternating so that drift hits both alike.
    let memory = |cli: Option<&Path>| -> Result<Memory> {
        let (mocks, mut runs) = (
            [server(sizes[0], 0)?, server(sizes[1], 0)?],
            [vec![], vec![]],
        );
        for _ in 0..size!(3, 1) {
            for (i, mock) in mocks.iter().enumerate() {
                let peak = Measure::Peak {
                    expect: sizes[i],
                    cli: cli.map(Path::to_path_buf),
                };
                runs[i].push(mock.measure(&exe, peak)?);
            }
        }
        Ok(Memory { sizes, runs })
    };
    if selected("b3") {
        results.b3 = Some(memory(None)?);
    }
    if selected("b5") {
        // The vendor's example data.
        let (mock, mut runs) = (Mock::start(&mock, &[])?, Vec::new());
        let (seconds, warmup) = (size!(5.0, 0.5), size!(1.0, 0.2));
        for _ in 0..size!(3, 1) {
            let server_pid = mock.child.id();
            runs.push(mock.measure(
                &exe,
                Measure::B5 {
                    seconds,
                    warmup,
                    server_pid,
                },
            )?);
            // Let the closed connections' sockets settle between runs.
            std::thread::sleep(Duration::from_millis(200));
        }
        let connections = b5_throughput::CONNECTIONS;
        results.b5 = Some(B5 {
            connections,
            seconds,
            warmup,
            runs,
        });
    }
    if selected("b6") {
        let b6 = Measure::B6 {
            cli: cli.clone(),
            reps,
        };
        let b6: B6 = server(backups, latency_ms)?.measure(&exe, b6)?;
        results.b6 = Some(B6 {
            latency_ms,
            memory: memory(Some(&cli))?,
            ..b6
        });
    }
    // Last: clean builds load the machine for minutes.
    if selected("b4") {
        results.b4 = Some(b4(&root, target, size!(5, 1), !quick)?);
    }
    if selected("b7") {
        results.b7 = Some(b7::run(&root, target, size!(3, 0))?);
    }

    let text = report::render(
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
    let path = if name == "BENCHMARKS" {
        root.clone()
    } else {
        dir
    }
    .join(format!("{name}.md"));
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
    stdout: BufReader<ChildStdout>,
}

impl Mock {
    /// Starts `vpsorg-mock --port 0 <args>` and waits for its banner to say where it listens.
    fn start(mock: &Path, args: &[String]) -> Result<Mock> {
        let mut command = Command::new(mock);
        command
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|e| format!("starting {}: {e}", mock.display()))?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut mock = Mock {
            child,
            url: String::new(),
            token: String::new(),
            stdout,
        };
        let mut line = String::new();
        while mock.url.is_empty() || mock.token.is_empty() {
            line.clear();
            if mock.stdout.read_line(&mut line)? == 0 {
                return Err(format!("vpsorg-mock {args:?} exited before its banner").into());
            }
            if let Some(url) = line.strip_prefix("base URL:") {
                mock.url = url.trim().into();
            } else if let Some(token) = line.strip_prefix("token:") {
                mock.token = token.trim().into();
            }
        }
        Ok(mock)
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
        let mut command = Command::new(exe);
        command
            .arg("measure")
            .arg(&job)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        let output = command.output()?;
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
        let check = timed(&mut command(
            cargo(),
            &["xtask", "codegen", "--check"],
            root,
        ))?;
        let mut alone = command(&xtask, &["codegen", "--check"], root);
        let alone = timed(alone.env("CARGO_MANIFEST_DIR", root.join("xtask")))?;
        if run > 0 {
            b4.check_s.push(check);
            b4.binary_s.push(alone);
        }
    }
    if clean_build {
        let dir = target.join("bench").join("clean-build");
        let _ = std::fs::remove_dir_all(&dir);
        let quiet = |args: &[&str]| {
            let mut command = command(cargo(), args, root);
            command
                .env("CARGO_TARGET_DIR", &dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            timed(&mut command)
        };
        let build = ["build", "--locked", "--package", "vpsorg-backups-client"];
        b4.clean_build_s = Some(quiet(&build)?);
        quiet(&["clean", "--package", "vpsorg-backups-client"])?;
        b4.crate_build_s = Some(quiet(&build)?);
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(b4)
}
