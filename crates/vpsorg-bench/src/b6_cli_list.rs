//! B6: listing every backup of a server with the `vpsorg` command, a process of its own, its
//! JSON read to the end (see [`crate::list`]), timed against a sequential page loop. Its
//! memory: [`crate::b2_list_all::peak`].

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::Result;
use crate::measure::{interleaved, runtime, sequential, wrapper_client};
use crate::results::{B6, Job, Memory, Sizes, Summary};
use crate::sys::beside;

/// The server the fake server's generated backups belong to.
const SERVER_ID: i64 = 10_001;

/// Runs the command once; the number of backups its JSON held.
pub(crate) fn list_with_cli(job: &Job) -> Result<u64> {
    let cli = beside("vpsorg")?;
    let mut child = Command::new(&cli)
        .args(["backups", "list", "--server-id", &SERVER_ID.to_string(), "-o", "json"])
        .env("VPSORG_API_URL", &job.url)
        .env("VPSORG_API_TOKEN", &job.token)
        .env_remove("VPSORG_CONTEXT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", cli.display()))?;
    let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    // The pretty array puts each backup's opening brace alone on a line, indented by two.
    let mut backups = 0;
    for line in stdout.lines() {
        backups += u64::from(line? == "  {");
    }
    let status = child.wait()?;
    if !status.success() {
        return Err(format!("vpsorg backups list failed ({status})").into());
    }
    Ok(backups)
}

pub(crate) fn run(job: &Job, sizes: &Sizes) -> Result<B6> {
    let client = wrapper_client(job)?;
    let list = client.backups().list().server_id(SERVER_ID);
    let list = list.page_size(sizes.page_size.into());
    let call = async |variant| match variant {
        0 => list_with_cli(job),
        _ => sequential(&list, None, Duration::ZERO).await,
    };
    runtime(true)?.block_on(async {
        // Warm up the connection pool.
        list.clone().send().await?;
        let names = ["cli", "sequential"];
        let times = interleaved(sizes.reps, names, sizes.backups, call).await?;
        let [cli, sequential] = times.map(|t| Summary::of(&t));
        Ok(B6 { cli, sequential, memory: Memory::default() })
    })
}
