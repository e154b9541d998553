//! B6: listing every backup of a server with the `vpsorg` command, as an operator's script
//! does: `vpsorg backups list --server-id S -o json`, a process of its own, its JSON read to
//! the end.
//!
//! - `b6` times the command against a sequential page-by-page loop over the same server
//!   (`.page(n).send()` in this process, B2's "sequential"), interleaved, so that drift hits
//!   both alike. The command's time includes starting the process and writing the JSON.
//! - `b6mem` runs the command once and reports its peak resident set (`ru_maxrss` of this
//!   process's only child, from `getrusage(RUSAGE_CHILDREN)`), one size per process like B3.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{Value, json};

use crate::args::Args;
use crate::stats::{median, summary};
use crate::{Result, multi_thread_runtime, wrapper_client};

/// Runs the command once; the number of backups its JSON held.
fn list_with_cli(args: &Args, server_id: i64) -> Result<u64> {
    let mut child = Command::new(args.text("cli")?)
        .args([
            "backups",
            "list",
            "--server-id",
            &server_id.to_string(),
            "-o",
            "json",
        ])
        .env("VPSORG_API_URL", args.url()?)
        .env("VPSORG_API_TOKEN", args.token())
        .env_remove("VPSORG_CONTEXT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", args.text("cli").unwrap_or_default()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    // The pretty array puts each backup's opening brace alone on a line, indented by two.
    let mut backups = 0;
    for line in BufReader::new(stdout).lines() {
        if line? == "  {" {
            backups += 1;
        }
    }
    let status = child.wait()?;
    if !status.success() {
        return Err(format!("vpsorg backups list failed ({status})").into());
    }
    Ok(backups)
}

pub(crate) fn run(args: &Args) -> Result<Value> {
    let server_id: i64 = args.get("server-id", 10_001)?;
    let reps: usize = args.get("reps", 5)?;
    let client = wrapper_client(args)?;
    let runtime = multi_thread_runtime()?;
    let list = || {
        client
            .backups()
            .list()
            .server_id(server_id)
            .page_size(vpsorg_backups::MAX_PAGE_SIZE)
    };
    let count = runtime.block_on(list().send())?.count;
    let sequential = || {
        runtime.block_on(async {
            let (mut items, mut number) = (0_u64, 1_u64);
            loop {
                let page = list().page(number).send().await?;
                items += page.backups.len() as u64;
                if !page.has_next {
                    return Ok::<_, vpsorg_backups::Error>(items);
                }
                number += 1;
            }
        })
    };

    let (mut cli_times, mut sequential_times) = (Vec::new(), Vec::new());
    for rep in 0..reps {
        for k in 0..2 {
            let started = Instant::now();
            let (name, items) = if (k + rep) % 2 == 0 {
                ("cli", list_with_cli(args, server_id)?)
            } else {
                ("sequential", sequential()?)
            };
            let elapsed = started.elapsed().as_secs_f64();
            if items != count {
                return Err(format!("{name} listed {items} backups, not {count}").into());
            }
            match name {
                "cli" => cli_times.push(elapsed),
                _ => sequential_times.push(elapsed),
            }
        }
    }
    Ok(json!({
        "bench": "b6",
        "backups": count,
        "reps": reps,
        "unit": "s",
        "cli": summary(&cli_times),
        "sequential": summary(&sequential_times),
        "cli_over_sequential": median(&cli_times) / median(&sequential_times),
    }))
}

pub(crate) fn run_memory(args: &Args) -> Result<Value> {
    let server_id: i64 = args.get("server-id", 10_001)?;
    let expect: u64 = args.get("expect", 0)?;
    let started = Instant::now();
    let items = list_with_cli(args, server_id)?;
    let elapsed = started.elapsed().as_secs_f64();
    if expect != 0 && items != expect {
        return Err(format!("listed {items} backups, expected {expect}").into());
    }
    // The largest resident set of any waited-for child: this process has one.
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)?;
    Ok(json!({
        "bench": "b6mem",
        "backups": items,
        "seconds": elapsed,
        // Linux reports ru_maxrss in KiB.
        "peak_rss_kib": usage.max_rss(),
    }))
}
