//! `vpsorg-bench`: the benchmarks behind `cargo xtask bench` (the list: [`list`]).
//!
//! ```text
//! vpsorg-bench run [--quick]         every benchmark, then BENCHMARKS.md (see `run`)
//! vpsorg-bench measure '<job JSON>'  one measurement against a running fake server; prints
//!                                    its result as JSON, e.g. for a profiler:
//!   vpsorg-bench measure '{"url": "http://127.0.0.1:8080", "token": "t",
//!                          "b1": {"calls": 1000, "warmup": 100, "page_size": 20, "only": "raw"}}'
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

use results::{Job, Measure};

/// The error of a benchmark run: a message for the person at the terminal.
type Result<T> = std::result::Result<T, BoxError>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["run"] => run::run(false),
        ["run", "--quick"] => run::run(true),
        ["measure", job] => measure(job),
        _ => Err(
            "usage: vpsorg-bench run [--quick] | vpsorg-bench measure JOB; see the source".into(),
        ),
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
    let json = match &job.bench {
        Measure::B1 {
            calls,
            warmup,
            page_size,
            only,
        } => serde_json::to_string(&b1_overhead::run(
            &job,
            *calls,
            *warmup,
            *page_size,
            only.as_deref(),
        )?),
        Measure::B2 {
            page_size,
            reps,
            concurrency,
            work_ms,
        } => serde_json::to_string(&b2_list_all::run(
            &job,
            *page_size,
            *reps,
            *concurrency,
            *work_ms,
        )?),
        Measure::B3 { expect } => serde_json::to_string(&b2_list_all::memory(&job, *expect)?),
        Measure::B5 {
            connections,
            seconds,
            warmup,
            server_pid,
        } => serde_json::to_string(&b5_throughput::run(
            &job,
            *connections,
            *seconds,
            *warmup,
            *server_pid,
        )?),
        Measure::B6 { cli, reps } => serde_json::to_string(&b6_cli_list::run(&job, cli, *reps)?),
        Measure::B6mem { cli, expect } => {
            serde_json::to_string(&b6_cli_list::memory(&job, cli, *expect)?)
        }
    }?;
    println!("{json}");
    Ok(())
}

/// A Tokio runtime like the one `#[tokio::main]` gives an application.
fn multi_thread_runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// The wrapper's client for the fake server, without retries (a retry would hide a failure).
fn wrapper_client(job: &Job) -> Result<vpsorg_backups::Client> {
    Ok(vpsorg_backups::Client::builder()
        .token(&job.token)
        .base_url(&job.url)
        .retry(vpsorg_backups::RetryPolicy::none())
        .build()?)
}
