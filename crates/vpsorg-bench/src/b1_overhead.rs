//! B1: the cost of one `list` call, three ways (see [`crate::list`]): rounds in a rotating
//! order, so drift on a noisy machine hits all of them alike, each call timed on its own.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use crate::results::{B1, Job, Summary, median};
use crate::{Result, measure, wrapper_client};

const VARIANTS: [&str; 3] = ["raw", "generated", "wrapper"];

/// Measures B1; with `only`, one variant alone, and prints its mean per call instead.
pub(crate) fn run(
    job: &Job,
    calls: usize,
    warmup: usize,
    page_size: u32,
    only: Option<&str>,
) -> Result<Option<B1>> {
    let only = match only {
        None => None,
        Some(name) => Some(
            VARIANTS
                .iter()
                .position(|v| *v == name)
                .ok_or_else(|| format!("only: unknown variant `{name}`"))?,
        ),
    };
    let base = job.url.trim_end_matches('/').to_string();
    let list_url = format!("{base}/api/v1/backups/");

    let raw_http = measure::http_client(&job.token)?;
    let generated =
        vpsorg_backups_client::Client::new_with_client(&base, measure::http_client(&job.token)?);
    let wrapper = wrapper_client(job)?;

    // One thread: the three clients see the same scheduler, and no call waits for another
    // worker thread to wake up.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        type Call<'a> = Pin<Box<dyn Future<Output = Result<usize>> + 'a>>;
        let call = |variant: usize| -> Call<'_> {
            match variant {
                0 => Box::pin(async {
                    let list = measure::list(&raw_http, &list_url, page_size, 1).await?;
                    Ok(list.results.len())
                }),
                1 => Box::pin(async {
                    let page = generated
                        .list_backups()
                        .page_size(u64::from(page_size))
                        .send()
                        .await
                        .map_err(|e| format!("generated list: {e}"))?;
                    Ok(page.into_inner().results.len())
                }),
                _ => Box::pin(async {
                    let page = wrapper
                        .backups()
                        .list()
                        .page_size(u64::from(page_size))
                        .send()
                        .await?;
                    Ok(page.backups.len())
                }),
            }
        };

        if let Some(variant) = only {
            let started = Instant::now();
            for _ in 0..warmup + calls {
                call(variant).await?;
            }
            let per_call = started.elapsed().as_secs_f64() * 1e6 / (warmup + calls) as f64;
            eprintln!("b1 {}: {per_call:.1} µs per call", VARIANTS[variant]);
            return Ok(None);
        }
        for round in 0..warmup {
            for variant in 0..3 {
                call((variant + round) % 3).await?;
            }
        }
        let mut samples: [Vec<f64>; 3] = Default::default();
        let mut paired: [Vec<f64>; 2] = Default::default();
        for round in 0..calls {
            let mut this_round = [0.0; 3];
            for k in 0..3 {
                let variant = (k + round) % 3;
                let started = Instant::now();
                let received = call(variant).await?;
                let elapsed = started.elapsed().as_secs_f64() * 1e6;
                if received != page_size as usize {
                    return Err(format!(
                        "{} received {received} backups, not a page of {page_size}",
                        VARIANTS[variant]
                    )
                    .into());
                }
                samples[variant].push(elapsed);
                this_round[variant] = elapsed;
            }
            paired[0].push(this_round[1] / this_round[0]);
            paired[1].push(this_round[2] / this_round[0]);
        }

        let [raw, generated, wrapper] = samples.each_ref().map(|s| Summary::of(s));
        Ok(Some(B1 {
            calls,
            warmup,
            page_size,
            raw,
            generated,
            wrapper,
            paired_generated_over_raw: median(&paired[0]),
            paired_wrapper_over_raw: median(&paired[1]),
        }))
    })
}
