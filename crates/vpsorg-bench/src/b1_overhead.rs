//! B1: the cost of one `list` call, three ways, interleaved.
//!
//! - raw: a minimal hand-written reqwest call with the headers the generated client sends,
//!   decoding the body into the same `types::BackupList`;
//! - generated: `vpsorg_backups_client::Client::list_backups().page_size(..).send()` on a
//!   reqwest client configured like the raw one;
//! - wrapper: `vpsorg_backups::Client::backups().list().page_size(..).send()` (retries off).
//!
//! Each round runs the three in a rotating order, so drift on a noisy machine hits all of them
//! alike, and each call is timed on its own. Each client keeps its own keep-alive connection.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use serde_json::json;

use crate::args::Args;
use crate::stats::{median, micros, summary};
use crate::{Result, raw, wrapper_client};

const VARIANTS: [&str; 3] = ["raw", "generated", "wrapper"];

pub(crate) fn run(args: &Args) -> Result<serde_json::Value> {
    let calls: usize = args.get("calls", 2_000)?;
    let warmup: usize = args.get("warmup", 100)?;
    let page_size: u32 = args.get("page-size", 20)?;
    // `--only wrapper` (or raw, generated) runs one variant alone, for a profiler.
    let only = match args.get("only", String::new())?.as_str() {
        "" => None,
        name => Some(
            VARIANTS
                .iter()
                .position(|v| *v == name)
                .ok_or_else(|| format!("--only: unknown variant `{name}`"))?,
        ),
    };
    let base = args.url()?.trim_end_matches('/').to_string();
    let list_url = format!("{base}/api/v1/backups/");

    let raw_http = raw::http_client(args.token())?;
    let generated =
        vpsorg_backups_client::Client::new_with_client(&base, raw::http_client(args.token())?);
    let wrapper = wrapper_client(args)?;

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
                    let list = raw::list(&raw_http, &list_url, page_size, 1).await?;
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
            let per_call = micros(started.elapsed()) / (warmup + calls) as f64;
            return Ok(json!({ "bench": "b1", "only": VARIANTS[variant], "mean_us": per_call }));
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
                let elapsed = micros(started.elapsed());
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

        let medians = samples.each_ref().map(|s| median(s));
        Ok(json!({
            "bench": "b1",
            "calls": calls,
            "warmup": warmup,
            "page_size": page_size,
            "unit": "us",
            "raw": summary(&samples[0]),
            "generated": summary(&samples[1]),
            "wrapper": summary(&samples[2]),
            "generated_over_raw": medians[1] / medians[0],
            "wrapper_over_raw": medians[2] / medians[0],
            "paired_generated_over_raw": median(&paired[0]),
            "paired_wrapper_over_raw": median(&paired[1]),
        }))
    })
}
