//! `vpsorg-bench`: the benchmarks behind `cargo xtask bench` (the list: [`list`]).
//!
//! ```text
//! vpsorg-bench run [--quick]         every benchmark, then BENCHMARKS.md (see `run`)
//! vpsorg-bench measure '<job JSON>'  one measurement against a running fake server; prints
//!                                    its result as JSON, e.g. for a profiler:
//!   vpsorg-bench measure '{"url": "http://127.0.0.1:8080", "token": "t",
//!                          "measure": {"b1": {"only": "raw"}}}'
//! ```
//!
//! Nothing here judges a run: benchmarks are not tests. criterion and divan do not fit: the
//! benchmarks are whole processes, servers and builds, judged by ratios of interleaved
//! variants and by peak memory across processes, which neither reports.

mod b1_overhead;
mod b2_list_all;
mod b5_throughput;
mod b6_cli_list;
mod b7;
mod list;
mod measure;
mod report;
mod results;
mod run;
mod sys;

use std::process::ExitCode;

use results::{Job, Measure, Sizes};

/// The error of a benchmark run: a message for the person at the terminal.
type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["run"] => run::run(false),
        ["run", "--quick"] => run::run(true),
        ["measure", job] => measure(job),
        _ => Err("usage: vpsorg-bench run [--quick] | measure JOB (see the source)".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("vpsorg-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one job and prints its result, as JSON on one line.
fn measure(job: &str) -> Result<()> {
    let job: Job = serde_json::from_str(job)?;
    let sizes = Sizes::of(job.quick);
    let json = match &job.measure {
        Measure::B1 { only } => json(b1_overhead::run(&job, &sizes, only.as_deref())),
        Measure::B2 => json(b2_list_all::run(&job, &sizes)),
        Measure::Peak { expect, cli } => json(b2_list_all::peak(&job, *expect, *cli)),
        Measure::B5 { server_pid } => json(b5_throughput::run(&job, &sizes, *server_pid)),
        Measure::B6 => json(b6_cli_list::run(&job, &sizes)),
    }?;
    println!("{json}");
    Ok(())
}

fn json<T: serde::Serialize>(result: Result<T>) -> Result<String> {
    Ok(serde_json::to_string(&result?)?)
}
