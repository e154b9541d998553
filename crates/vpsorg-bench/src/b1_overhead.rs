//! B1: the cost of one `list` call, three ways (see [`crate::list`]): rounds in a rotating
//! order, so drift on a noisy machine hits all of them alike, each call timed on its own.

use crate::Result;
use crate::measure::{Raw, interleaved, runtime, wrapper_client};
use crate::results::{B1, Job, Sizes, Summary, median};

const VARIANTS: [&str; 3] = ["raw", "generated", "wrapper"];

/// Measures B1; with `only`, one variant alone, and prints its mean per call instead.
pub(crate) fn run(job: &Job, sizes: &Sizes, only: Option<&str>) -> Result<Option<B1>> {
    let (calls, warmup, page_size) = (sizes.b1_calls, sizes.b1_warmup, sizes.b1_page_size);
    let (raw, base) = (Raw::new(job)?, job.url.trim_end_matches('/'));
    let generated = vpsorg_backups_client::Client::new_with_client(base, Raw::new(job)?.http);
    let (wrapper, per_page) = (wrapper_client(job)?, u64::from(page_size));
    let call = async |variant: usize| -> Result<u64> {
        let backups = match variant {
            0 => raw.list(page_size, 1).await?.results.len(),
            1 => {
                let page = generated.list_backups().page_size(per_page).send().await;
                let page = page.map_err(|e| format!("generated list: {e}"))?;
                page.into_inner().results.len()
            }
            _ => {
                let page = wrapper.backups().list().page_size(per_page).send().await?;
                page.backups.len()
            }
        };
        Ok(backups as u64)
    };
    // One thread: the three clients see the same scheduler, and no call waits for another
    // worker thread to wake up.
    runtime(false)?.block_on(async {
        if let Some(name) = only {
            let variant = VARIANTS.iter().position(|v| *v == name);
            let variant = variant.ok_or_else(|| format!("only: unknown variant `{name}`"))?;
            let alone = async |_| call(variant).await;
            let times = &interleaved(warmup + calls, [name], per_page, alone).await?[0];
            let per_call = times.iter().sum::<f64>() * 1e6 / times.len() as f64;
            eprintln!("b1 {name}: {per_call:.1} µs per call");
            return Ok(None);
        }
        interleaved(warmup, VARIANTS, per_page, &call).await?;
        let times = interleaved(calls, VARIANTS, per_page, &call).await?;
        let us = times.map(|t| t.iter().map(|s| s * 1e6).collect::<Vec<_>>());
        let paired = |i: usize| {
            median(&us[i].iter().zip(&us[0]).map(|(v, raw)| v / raw).collect::<Vec<_>>())
        };
        let [raw, generated, wrapper] = us.each_ref().map(|t| Summary::of(t));
        Ok(Some(B1 {
            raw,
            generated,
            wrapper,
            paired_generated_over_raw: paired(1),
            paired_wrapper_over_raw: paired(2),
        }))
    })
}
