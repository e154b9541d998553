//! B3: peak memory while streaming every backup, dropping each as it arrives.
//!
//! One size per process: the peak resident set (`VmHWM`) of this process covers exactly one
//! listing. The xtask runs it for 10,000 and for 100,000 backups and compares the peaks; the
//! fake server runs in a process of its own, so its memory is not counted.

use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::args::Args;
use crate::stats::proc_status_kib;
use crate::{Result, multi_thread_runtime, wrapper_client};

pub(crate) fn run(args: &Args) -> Result<Value> {
    let page_size: u32 = args.get("page-size", 100)?;
    let expect: u64 = args.get("expect", 0)?;
    let client = wrapper_client(args)?;
    let runtime = multi_thread_runtime()?;
    let rss_before = proc_status_kib("self", "VmRSS");
    let started = std::time::Instant::now();
    let (items, id_sum) = runtime.block_on(async {
        let mut stream = client
            .backups()
            .list()
            .page_size(u64::from(page_size))
            .items();
        let (mut items, mut id_sum) = (0_u64, 0_i64);
        while let Some(backup) = stream.try_next().await? {
            // Touch each backup so the work cannot be optimised away, then drop it.
            id_sum = id_sum.wrapping_add(backup.id);
            items += 1;
        }
        Ok::<_, vpsorg_backups::Error>((items, id_sum))
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    if expect != 0 && items != expect {
        return Err(format!("listed {items} backups, expected {expect}").into());
    }
    let peak = proc_status_kib("self", "VmHWM").ok_or("no VmHWM in /proc/self/status")?;
    Ok(json!({
        "bench": "b3",
        "backups": items,
        "page_size": page_size,
        "id_sum": id_sum,
        "seconds": elapsed,
        "rss_before_kib": rss_before,
        "peak_rss_kib": peak,
    }))
}
