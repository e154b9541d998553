//! B2, listing everything four ways, interleaved so that drift on a noisy machine hits all of
//! them alike, and B3, the memory of one listing (see [`crate::list`]).

use std::time::{Duration, Instant};

use futures::TryStreamExt;

use crate::results::{B2, Job, Peak, Summary};
use crate::sys::proc_status_kib;
use crate::{Result, measure, multi_thread_runtime, wrapper_client};

pub(crate) fn run(
    job: &Job,
    page_size: u32,
    reps: usize,
    concurrency: usize,
    work_ms: u64,
) -> Result<B2> {
    let work = Duration::from_millis(work_ms);
    let client = wrapper_client(job)?;
    let http = measure::http_client(&job.token)?;
    let list_url = format!("{}/api/v1/backups/", job.url.trim_end_matches('/'));

    let runtime = multi_thread_runtime()?;
    runtime.block_on(async {
        let list = || client.backups().list().page_size(u64::from(page_size));
        // Warm up the connection pool and learn how many backups there are.
        let count = list().send().await?.count;

        let sequential = |work: Duration| async move {
            let (mut items, mut pages, mut number) = (0_u64, 0_u64, 1_u64);
            loop {
                let page = list().page(number).send().await?;
                items += page.backups.len() as u64;
                pages += 1;
                if !work.is_zero() {
                    tokio::time::sleep(work).await;
                }
                if !page.has_next {
                    return Ok::<_, vpsorg_backups::Error>((items, pages));
                }
                number += 1;
            }
        };
        let raw_sequential = || async {
            let (mut items, mut pages, mut number) = (0_u64, 0_u64, 1_u64);
            loop {
                let list = measure::list(&http, &list_url, page_size, number).await?;
                items += list.results.len() as u64;
                pages += 1;
                if list.next.is_none() {
                    return Ok::<_, crate::BoxError>((items, pages));
                }
                number += 1;
            }
        };
        let streamed = |concurrency: usize, work: Duration| async move {
            let mut stream = list().concurrency(concurrency).pages();
            let (mut items, mut pages) = (0_u64, 0_u64);
            while let Some(page) = stream.try_next().await? {
                for backup in page {
                    drop(backup);
                    items += 1;
                }
                pages += 1;
                if !work.is_zero() {
                    tokio::time::sleep(work).await;
                }
            }
            Ok::<_, vpsorg_backups::Error>((items, pages))
        };

        let mut variants: Vec<(&str, Vec<f64>)> = vec![
            ("sequential", Vec::new()),
            ("prefetch", Vec::new()),
            ("concurrent", Vec::new()),
            ("raw_sequential", Vec::new()),
        ];
        if !work.is_zero() {
            variants.push(("sequential_with_work", Vec::new()));
            variants.push(("prefetch_with_work", Vec::new()));
        }
        let mut pages_seen = 0;
        for rep in 0..reps {
            for k in 0..variants.len() {
                let index = (k + rep) % variants.len();
                let name = variants[index].0;
                let started = Instant::now();
                let (items, pages) = match name {
                    "sequential" => sequential(Duration::ZERO).await?,
                    "prefetch" => streamed(1, Duration::ZERO).await?,
                    "concurrent" => streamed(concurrency, Duration::ZERO).await?,
                    "raw_sequential" => raw_sequential().await?,
                    "sequential_with_work" => sequential(work).await?,
                    _ => streamed(1, work).await?,
                };
                let elapsed = started.elapsed().as_secs_f64();
                if items != count {
                    return Err(format!("{name} listed {items} backups, not {count}").into());
                }
                pages_seen = pages;
                variants[index].1.push(elapsed);
            }
        }

        let mut times = variants
            .into_iter()
            .map(|(_, samples)| Summary::of(&samples));
        let mut next = || times.next().unwrap_or_default();
        Ok(B2 {
            backups: count,
            page_size,
            pages: pages_seen,
            reps,
            concurrency,
            work_ms,
            latency_ms: 0,
            sequential: next(),
            prefetch: next(),
            concurrent: next(),
            raw_sequential: next(),
            sequential_with_work: (!work.is_zero()).then(&mut next),
            prefetch_with_work: (!work.is_zero()).then(&mut next),
        })
    })
}

/// B3: streams every backup with `.items()` (page size 100), dropping each, in a process that
/// lists once, so that its peak resident set (`VmHWM`) covers exactly one listing.
pub(crate) fn memory(job: &Job, expect: u64) -> Result<Peak> {
    let client = wrapper_client(job)?;
    let started = Instant::now();
    let backups = multi_thread_runtime()?.block_on(async {
        let mut stream = client.backups().list().page_size(100).items();
        let (mut items, mut id_sum) = (0_u64, 0_i64);
        while let Some(backup) = stream.try_next().await? {
            // Touch each backup so the work cannot be optimised away, then drop it.
            id_sum = id_sum.wrapping_add(backup.id);
            items += 1;
        }
        std::hint::black_box(id_sum);
        Ok::<_, vpsorg_backups::Error>(items)
    })?;
    if backups != expect {
        return Err(format!("listed {backups} backups, expected {expect}").into());
    }
    let peak_rss_kib = proc_status_kib("self", "VmHWM").ok_or("no VmHWM in /proc/self/status")?;
    Ok(Peak {
        backups,
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_kib,
    })
}
