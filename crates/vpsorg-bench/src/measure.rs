//! What the measuring processes share: the clients (the wrapper's, and the hand-written
//! baseline: reqwest with the headers the generated client sends, decoding the same
//! `types::BackupList`), listing every page one at a time, and timing variants interleaved.

use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use vpsorg_backups::ListBackups;
use vpsorg_backups_client::types::BackupList;

use crate::Result;
use crate::results::Job;

/// A Tokio runtime like the one `#[tokio::main]` gives an application.
pub(crate) fn multi_thread_runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// The wrapper's client for the fake server, without retries (a retry would hide a failure).
pub(crate) fn wrapper_client(job: &Job) -> Result<vpsorg_backups::Client> {
    let client = vpsorg_backups::Client::builder()
        .token(&job.token)
        .base_url(&job.url);
    Ok(client.retry(vpsorg_backups::RetryPolicy::none()).build()?)
}

/// A reqwest client sending the token and the wrapper's User-Agent on every request.
pub(crate) fn http_client(token: &str) -> Result<reqwest::Client> {
    let mut authorization = HeaderValue::from_str(&format!("Bearer {token}"))?;
    authorization.set_sensitive(true);
    let headers = HeaderMap::from_iter([(AUTHORIZATION, authorization)]);
    let builder = reqwest::Client::builder().default_headers(headers);
    Ok(builder
        .user_agent(vpsorg_backups::DEFAULT_USER_AGENT)
        .build()?)
}

/// The list operation's URL on the server at `base`.
pub(crate) fn list_url(base: &str) -> String {
    format!("{}/api/v1/backups/", base.trim_end_matches('/'))
}

/// One page of the backup list by hand (`page` 1 is sent without a `page` parameter, as the
/// wrapper does).
pub(crate) async fn raw_list(
    http: &reqwest::Client,
    list_url: &str,
    page_size: u32,
    page: u64,
) -> Result<BackupList> {
    let request = http
        .get(list_url)
        .header(ACCEPT, HeaderValue::from_static("application/json"));
    let request = request.header("api-version", HeaderValue::from_static("1.0.0"));
    let mut request = request.query(&[("page_size", page_size)]);
    if page > 1 {
        request = request.query(&[("page", page)]);
    }
    let response = request.send().await?;
    if !response.status().is_success() {
        return Err(format!("raw list: HTTP {}", response.status()).into());
    }
    Ok(serde_json::from_slice(&response.bytes().await?)?)
}

/// Every page, one at a time (`.page(n).send()`, or by hand with `raw`), the caller spending
/// `work` on each; the backups listed.
pub(crate) async fn sequential(
    list: &ListBackups,
    raw: Option<(&reqwest::Client, &str, u32)>,
    work: Duration,
) -> Result<u64> {
    let mut backups = 0;
    for number in 1.. {
        let has_next = match raw {
            Some((http, url, page_size)) => {
                let page = raw_list(http, url, page_size, number).await?;
                backups += page.results.len() as u64;
                page.next.is_some()
            }
            None => {
                let page = list.clone().page(number).send().await?;
                backups += page.backups.len() as u64;
                page.has_next
            }
        };
        pause(work).await;
        if !has_next {
            break;
        }
    }
    Ok(backups)
}

/// The time a caller spends on each page.
pub(crate) async fn pause(work: Duration) {
    if !work.is_zero() {
        tokio::time::sleep(work).await;
    }
}

/// Calls each of the `names` variants `rounds` times, in an order that rotates every round
/// so that drift on a noisy machine hits all alike; each call must return `expect` (backups
/// listed). The seconds each call took, per variant, in round order.
pub(crate) async fn interleaved<const N: usize>(
    rounds: usize,
    names: [&str; N],
    expect: u64,
    mut call: impl AsyncFnMut(usize) -> Result<u64>,
) -> Result<[Vec<f64>; N]> {
    let mut times = [const { Vec::new() }; N];
    for round in 0..rounds {
        for k in 0..N {
            let variant = (k + round) % N;
            let started = Instant::now();
            let got = call(variant).await?;
            times[variant].push(started.elapsed().as_secs_f64());
            if got != expect {
                let name = names[variant];
                return Err(format!("{name} listed {got} backups, not {expect}").into());
            }
        }
    }
    Ok(times)
}
