//! B2, listing everything six ways, interleaved, and B3, the memory of one listing (see
//! [`crate::list`]).

use std::path::Path;
use std::time::{Duration, Instant};

use futures::TryStreamExt;

use crate::Result;
use crate::measure::{http_client, interleaved, list_url, multi_thread_runtime, pause};
use crate::measure::{sequential, wrapper_client};
use crate::results::{B2, Job, Peak, Summary};
use crate::sys::proc_kib;

const PAGE_SIZE: u32 = 100;
const CONCURRENCY: usize = 8;
const VARIANTS: [&str; 6] = [
    "sequential",
    "prefetch",
    "concurrent",
    "raw_sequential",
    "sequential_with_work",
    "prefetch_with_work",
];

pub(crate) fn run(job: &Job, reps: usize, work_ms: u64) -> Result<B2> {
    let (work, none) = (Duration::from_millis(work_ms), Duration::ZERO);
    let (http, url) = (http_client(&job.token)?, list_url(&job.url));
    let list = wrapper_client(job)?
        .backups()
        .list()
        .page_size(PAGE_SIZE.into());
    // Every backup of the stream's pages, dropped as it arrives.
    let streamed = async |concurrency: usize, work: Duration| -> Result<u64> {
        let (mut stream, mut backups) = (list.clone().concurrency(concurrency).pages(), 0);
        while let Some(page) = stream.try_next().await? {
            backups += page.backups.len() as u64;
            pause(work).await;
        }
        Ok(backups)
    };
    multi_thread_runtime()?.block_on(async {
        // Warm up the connection pool and learn how many backups there are.
        let backups = list.clone().send().await?.count;
        let raw = Some((&http, url.as_str(), PAGE_SIZE));
        let call = async |variant| match variant {
            0 => sequential(&list, None, none).await,
            1 => streamed(1, none).await,
            2 => streamed(CONCURRENCY, none).await,
            3 => sequential(&list, raw, none).await,
            4 => sequential(&list, None, work).await,
            _ => streamed(1, work).await,
        };
        let times = interleaved(reps, VARIANTS, backups, call).await?;
        let [
            sequential,
            prefetch,
            concurrent,
            raw_sequential,
            sequential_with_work,
            prefetch_with_work,
        ] = times.map(|t| Summary::of(&t));
        let pages = backups.div_ceil(PAGE_SIZE.into()).max(1);
        let (page_size, concurrency, latency_ms) = (PAGE_SIZE, CONCURRENCY, 0);
        Ok(B2 {
            backups,
            page_size,
            pages,
            reps,
            concurrency,
            work_ms,
            latency_ms,
            sequential,
            prefetch,
            concurrent,
            raw_sequential,
            sequential_with_work,
            prefetch_with_work,
        })
    })
}

/// One listing in a process that lists once, so that its peak resident set covers exactly
/// that listing. B3: this process streams every backup with `.items()` (page size 100),
/// dropping each, and reads its own `VmHWM`. B6: `cli` lists them, and the peak is the
/// `ru_maxrss` of this process's only child.
pub(crate) fn peak(job: &Job, expect: u64, cli: Option<&Path>) -> Result<Peak> {
    let started = Instant::now();
    let backups = match cli {
        Some(cli) => crate::b6_cli_list::list_with_cli(job, cli)?,
        None => {
            let client = wrapper_client(job)?;
            multi_thread_runtime()?.block_on(async {
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
        Some(_) => {
            let children = nix::sys::resource::UsageWho::RUSAGE_CHILDREN;
            u64::try_from(nix::sys::resource::getrusage(children)?.max_rss())?
        }
        None => proc_kib("/proc/self/status", "VmHWM").ok_or("no VmHWM in /proc/self/status")?,
    };
    Ok(Peak {
        backups,
        seconds,
        peak_rss_kib,
    })
}
