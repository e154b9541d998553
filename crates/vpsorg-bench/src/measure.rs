//! What the measuring processes share: the clients (the wrapper's, and the hand-written
//! baseline: reqwest with the headers the generated client sends, decoding the same
//! `types::BackupList`), listing every page one at a time, and timing variants interleaved.

use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use vpsorg_backups::ListBackups;
use vpsorg_backups_client::types::BackupList;

use crate::Result;
use crate::results::Job;

/// A Tokio runtime like the one `#[tokio::main]` gives an application, or with one thread.
pub(crate) fn runtime(multi_thread: bool) -> Result<tokio::runtime::Runtime> {
    let mut builder = match multi_thread {
        true => tokio::runtime::Builder::new_multi_thread(),
        false => tokio::runtime::Builder::new_current_thread(),
    };
    Ok(builder.enable_all().build()?)
}

/// The wrapper's client for the fake server, without retries (a retry would hide a failure).
pub(crate) fn wrapper_client(job: &Job) -> Result<vpsorg_backups::Client> {
    let client = vpsorg_backups::Client::builder().token(&job.token);
    let client = client.base_url(&job.url).retry(vpsorg_backups::RetryPolicy::none());
    Ok(client.build()?)
}

/// The hand-written baseline: a reqwest client sending the token and the wrapper's
/// User-Agent on every request, and the list operation's URL.
pub(crate) struct Raw {
    pub(crate) http: reqwest::Client,
    url: String,
}

impl Raw {
    pub(crate) fn new(job: &Job) -> Result<Raw> {
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", job.token))?;
        authorization.set_sensitive(true);
        let headers = HeaderMap::from_iter([(AUTHORIZATION, authorization)]);
        let http = reqwest::Client::builder().default_headers(headers);
        let http = http.user_agent(vpsorg_backups::DEFAULT_USER_AGENT).build()?;
        let url = format!("{}/api/v1/backups/", job.url.trim_end_matches('/'));
        Ok(Raw { http, url })
    }

    /// One page of the backup list, with the headers the generated client sends (`page` 1
    /// is sent without a `page` parameter, as the wrapper does).
    pub(crate) async fn list(&self, page_size: u32, page: u64) -> Result<BackupList> {
        let json = HeaderValue::from_static("application/json");
        let request = self.http.get(&self.url).header(ACCEPT, json);
        let request = request.header("api-version", HeaderValue::from_static("1.0.0"));
        let page = (page > 1).then_some(("page", page));
        let request = request.query(&[("page_size", u64::from(page_size))]).query(page.as_slice());
        let response = request.send().await?;
        if !response.status().is_success() {
            return Err(format!("raw list: HTTP {}", response.status()).into());
        }
        Ok(serde_json::from_slice(&response.bytes().await?)?)
    }
}

/// Every page, one at a time (`.page(n).send()`, or by hand with `raw`), the caller spending
/// `work` on each; the backups listed.
pub(crate) async fn sequential(
    list: &ListBackups,
    raw: Option<(&Raw, u32)>,
    work: Duration,
) -> Result<u64> {
    let mut backups = 0;
    for number in 1.. {
        let has_next = match raw {
            Some((raw, page_size)) => {
                let page = raw.list(page_size, number).await?;
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
