//! B2: listing every backup, with the server's latency on every page.
//!
//! - sequential: one page at a time with `.page(n).send()`, the next requested only after the
//!   previous arrived (what a hand-written loop does);
//! - prefetch: the `.items()` stream, which requests the next page while the caller works
//!   through the current one;
//! - concurrent: `.items()` with `.concurrency(n)`;
//! - raw sequential: the same page-at-a-time loop written by hand with reqwest (see
//!   [`crate::raw`]), the baseline the wrapper's sequential loop is compared with.
//!
//! Each item is dropped as it arrives. With `--work-ms W`, the sequential loop and the prefetch
//! stream also run once more with a caller that spends W ms on each page (an await, as writing
//! the page somewhere would), to show what prefetching buys. Runs of the variants are
//! interleaved, so drift on a noisy machine hits all of them alike.

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::args::Args;
use crate::stats::summary;
use crate::{Result, multi_thread_runtime, raw, wrapper_client};

pub(crate) fn run(args: &Args) -> Result<Value> {
    let page_size: u32 = args.get("page-size", 100)?;
    let reps: usize = args.get("reps", 5)?;
    let concurrency: usize = args.get("concurrency", 8)?;
    let work = Duration::from_millis(args.get("work-ms", 0)?);
    let client = wrapper_client(args)?;
    let http = raw::http_client(args.token())?;
    let list_url = format!("{}/api/v1/backups/", args.url()?.trim_end_matches('/'));

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
                let list = raw::list(&http, &list_url, page_size, number).await?;
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

        let mut result = json!({
            "bench": "b2",
            "backups": count,
            "page_size": page_size,
            "pages": pages_seen,
            "reps": reps,
            "concurrency": concurrency,
            "work_ms": work.as_millis() as u64,
            "unit": "s",
        });
        for (name, samples) in &variants {
            result[*name] = summary(samples);
        }
        Ok(result)
    })
}
