//! The hand-written baseline: a minimal reqwest call with the headers the generated client
//! sends, decoding the body into the same `types::BackupList`, as someone would write without
//! an SDK.

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use vpsorg_backups_client::types::BackupList;

use crate::Result;

/// A reqwest client sending the token and the wrapper's User-Agent on every request.
pub(crate) fn http_client(token: &str) -> Result<reqwest::Client> {
    let mut authorization = HeaderValue::from_str(&format!("Bearer {token}"))?;
    authorization.set_sensitive(true);
    Ok(reqwest::Client::builder()
        .default_headers(HeaderMap::from_iter([(AUTHORIZATION, authorization)]))
        .user_agent(vpsorg_backups::DEFAULT_USER_AGENT)
        .build()?)
}

/// One page of the backup list (`page` 1 is sent without a `page` parameter, as the wrapper
/// does).
pub(crate) async fn list(
    http: &reqwest::Client,
    list_url: &str,
    page_size: u32,
    page: u64,
) -> Result<BackupList> {
    let mut request = http
        .get(list_url)
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .header("api-version", HeaderValue::from_static("1.0.0"))
        .query(&[("page_size", page_size)]);
    if page > 1 {
        request = request.query(&[("page", page)]);
    }
    let response = request.send().await?;
    if !response.status().is_success() {
        return Err(format!("raw list: HTTP {}", response.status()).into());
    }
    let body = response.bytes().await?;
    Ok(serde_json::from_slice(&body)?)
}
