//! `vpsorg-bench`: the measuring half of `cargo xtask bench`.
//!
//! Each run measures one benchmark against a fake server that `cargo xtask bench` started as a
//! separate process (so that the server's CPU time and memory never mix with the client's),
//! and prints one line of JSON on stdout. The xtask builds this binary, runs it, and writes
//! `BENCHMARKS.md` from what it prints. Nothing here judges a result: benchmarks are not tests.
//!
//! ```text
//! vpsorg-bench b1 --url URL --token T --calls 2000 --page-size 20
//! vpsorg-bench b2 --url URL --token T --page-size 100 --reps 5 --concurrency 8 --work-ms 10
//! vpsorg-bench b3 --url URL --token T --page-size 100 --expect 100000
//! vpsorg-bench b5 --url URL --token T --connections 64 --seconds 5 --server-pid PID
//! vpsorg-bench b6 --url URL --token T --cli target/release/vpsorg --server-id 10001 --reps 5
//! vpsorg-bench b6mem --url URL --token T --cli target/release/vpsorg --expect 100000
//! ```

mod args;
mod b1_overhead;
mod b2_list_all;
mod b3_memory;
mod b5_throughput;
mod b6_cli_list;
mod raw;
mod stats;

use std::process::ExitCode;

use args::Args;

/// The error of a benchmark run: a message for the person at the terminal.
type Result<T> = std::result::Result<T, BoxError>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1);
    let Some(bench) = argv.next() else {
        eprintln!("usage: vpsorg-bench <b1|b2|b3|b5|b6|b6mem> --url URL [options]; see the source");
        return ExitCode::FAILURE;
    };
    let result = Args::parse(argv).and_then(|args| match bench.as_str() {
        "b1" => b1_overhead::run(&args),
        "b2" => b2_list_all::run(&args),
        "b3" => b3_memory::run(&args),
        "b5" => b5_throughput::run(&args),
        "b6" => b6_cli_list::run(&args),
        "b6mem" => b6_cli_list::run_memory(&args),
        other => Err(format!("unknown benchmark `{other}`").into()),
    });
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("vpsorg-bench {bench}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A Tokio runtime like the one `#[tokio::main]` gives an application.
fn multi_thread_runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// The wrapper's client for the fake server, without retries (a retry would hide a failure).
fn wrapper_client(args: &Args) -> Result<vpsorg_backups::Client> {
    Ok(vpsorg_backups::Client::builder()
        .token(args.token())
        .base_url(args.url()?)
        .retry(vpsorg_backups::RetryPolicy::none())
        .build()?)
}
