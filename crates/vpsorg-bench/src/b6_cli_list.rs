//! B6: listing every backup of a server with the `vpsorg` command, a process of its own, its
//! JSON read to the end (see [`crate::list`]): timed against a sequential page loop, and its
//! peak resident set (`getrusage(RUSAGE_CHILDREN)`, this process's only child).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::results::{B6, Job, Peak, Summary};
use crate::{Result, multi_thread_runtime, wrapper_client};

/// The server the fake server's generated backups belong to.
const SERVER_ID: i64 = 10_001;

/// Runs the command once; the number of backups its JSON held.
fn list_with_cli(job: &Job, cli: &Path) -> Result<u64> {
    let mut child = Command::new(cli)
        .args([
            "backups",
            "list",
            "--server-id",
            &SERVER_ID.to_string(),
            "-o",
            "json",
        ])
        .env("VPSORG_API_URL", &job.url)
        .env("VPSORG_API_TOKEN", &job.token)
        .env_remove("VPSORG_CONTEXT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", cli.display()))?;
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

pub(crate) fn run(job: &Job, cli: &Path, reps: usize) -> Result<B6> {
    let client = wrapper_client(job)?;
    let runtime = multi_thread_runtime()?;
    let list = || {
        client
            .backups()
            .list()
            .server_id(SERVER_ID)
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
                ("cli", list_with_cli(job, cli)?)
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
    Ok(B6 {
        backups: count,
        reps,
        cli: Summary::of(&cli_times),
        sequential: Summary::of(&sequential_times),
        ..B6::default()
    })
}

pub(crate) fn memory(job: &Job, cli: &Path, expect: u64) -> Result<Peak> {
    let started = Instant::now();
    let backups = list_with_cli(job, cli)?;
    let seconds = started.elapsed().as_secs_f64();
    if backups != expect {
        return Err(format!("listed {backups} backups, expected {expect}").into());
    }
    // The largest resident set of any waited-for child: this process has one. Linux reports
    // ru_maxrss in KiB.
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)?;
    Ok(Peak {
        backups,
        seconds,
        peak_rss_kib: u64::try_from(usage.max_rss())?,
    })
}
