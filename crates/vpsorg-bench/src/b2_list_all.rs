//! B2, listing everything six ways, interleaved, and B3, the memory of one listing (see
//! [`crate::list`]).

use std::time::{Duration, Instant};

use futures::TryStreamExt;

use crate::Result;
use crate::measure::{Raw, interleaved, pause, runtime, sequential, wrapper_client};
use crate::results::{B2, Job, Peak, Sizes, Summary};
use crate::sys::proc_kib;

const VARIANTS: [&str; 6] = [
    "sequential",
    "prefetch",
    "concurrent",
    "raw_sequential",
    "sequential_with_work",
    "prefetch_with_work",
];

pub(crate) fn run(job: &Job, sizes: &Sizes) -> Result<B2> {
    let (work, none) = (Duration::from_millis(sizes.work_ms), Duration::ZERO);
    let list = wrapper_client(job)?.backups().list();
    let list = list.page_size(sizes.page_size.into());
    // Every backup of the stream's pages, dropped as it arrives.
    let streamed = async |concurrency: usize, work: Duration| -> Result<u64> {
        let (mut stream, mut backups) = (list.clone().concurrency(concurrency).pages(), 0);
        while let Some(page) = stream.try_next().await? {
            backups += page.backups.len() as u64;
            pause(work).await;
        }
        Ok(backups)
    };
    let raw = Raw::new(job)?;
    let raw = Some((&raw, sizes.page_size));
    let call = async |variant| match variant {
        0 => sequential(&list, None, none).await,
        1 => streamed(1, none).await,
        2 => streamed(sizes.concurrency, none).await,
        3 => sequential(&list, raw, none).await,
        4 => sequential(&list, None, work).await,
        _ => streamed(1, work).await,
    };
    runtime(true)?.block_on(async {
        // Warm up the connection pool.
        list.clone().send().await?;
        let times = interleaved(sizes.reps, VARIANTS, sizes.backups, call).await?;
        let [a, b, c, d, e, f] = times.map(|t| Summary::of(&t));
        Ok(B2 {
            sequential: a,
            prefetch: b,
            concurrent: c,
            raw_sequential: d,
            sequential_with_work: e,
            prefetch_with_work: f,
        })
    })
}

/// One listing in a process that lists once, so that its peak resident set covers exactly
/// that listing. B3: this process streams every backup with `.items()` (page size 100),
/// dropping each, and reads its own `VmHWM`. B6: `cli` lists them, and the peak is the
/// `ru_maxrss` of this process's only child.
pub(crate) fn peak(job: &Job, expect: u64, cli: bool) -> Result<Peak> {
    let started = Instant::now();
    let backups = match cli {
        true => crate::b6_cli_list::list_with_cli(job)?,
        false => {
            let client = wrapper_client(job)?;
            runtime(true)?.block_on(async {
                let mut stream = client.backups().list().page_size(100).items();
                let (mut items, mut id_sum) = (0_u64, 0_i64);
                while let Some(backup) = stream.try_next().await? {
                    // Touch each backup so the work cannot be optimised away, then drop it.
                    id_sum = id_sum.wrapping_add(backup.id);
                    items += 1;
                }
                std::hint::black_box(id_sum);
                Ok::<_, vpsorg_backups::Error>(items)
            })?
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    if backups != expect {
        return Err(format!("listed {backups} backups, expected {expect}").into());
    }
    let peak_rss_kib = match cli {
        // Linux reports ru_maxrss in KiB.
        true => {
            let children = nix::sys::resource::UsageWho::RUSAGE_CHILDREN;
            u64::try_from(nix::sys::resource::getrusage(children)?.max_rss())?
        }
        false => proc_kib("/proc/self/status", "VmHWM").ok_or("no VmHWM in /proc/self/status")?,
    };
    Ok(Peak { seconds, peak_rss_kib })
}
