//! Keeps the status and a few headers of an operation's response, even when progenitor's error
//! drops them (a body that fails to decode becomes `InvalidResponsePayload`, with no status),
//! through [`record`], the generated code's post hook.

use std::cell::RefCell;
use std::future::Future;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// The part of a response that error handling needs: its status and the headers that say
/// when to retry, what the body is, and which request it was.
#[derive(Debug, Clone)]
pub struct ResponseHead {
    /// The HTTP status.
    pub status: StatusCode,
    /// Only `Retry-After`, `Content-Type` and `X-Request-Id`, so that no credential or
    /// cookie is ever kept.
    pub headers: HeaderMap,
}

/// The response headers [`ResponseHead`] keeps.
const KEPT_HEADERS: [&str; 3] = ["retry-after", "content-type", "x-request-id"];

impl ResponseHead {
    /// The head of `response` as [`capture_response_head`] keeps it: the status and only
    /// the headers listed on [`headers`](Self::headers).
    pub fn of(response: &reqwest::Response) -> Self {
        let mut headers = HeaderMap::new();
        for name in KEPT_HEADERS {
            for value in response.headers().get_all(name) {
                headers.append(name, value.clone());
            }
        }
        ResponseHead { status: response.status(), headers }
    }
}

tokio::task_local! {
    static LAST_RESPONSE: RefCell<Option<ResponseHead>>;
}

/// Runs one operation's future and returns its output with the head of the last response
/// it received (`None` when no response arrived, for example when the connection failed).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let server = vpsorg_backups_mock::MockServer::start().await?;
/// # let base_url = server.base_url();
/// // No token: the fake server answers 401, as the API does.
/// let client = vpsorg_backups_client::Client::new(base_url);
/// let (result, head) =
///     vpsorg_backups_client::capture_response_head(client.list_backups().send()).await;
/// if let (Err(_), Some(head)) = (&result, &head) {
///     eprintln!("failed with HTTP {}", head.status);
/// }
/// # assert_eq!(head.map(|h| h.status.as_u16()), Some(401));
/// # Ok(()) }
/// ```
pub async fn capture_response_head<F: Future>(operation: F) -> (F::Output, Option<ResponseHead>) {
    LAST_RESPONSE
        .scope(RefCell::new(None), async move {
            let output = operation.await;
            (output, LAST_RESPONSE.with(|cell| cell.take()))
        })
        .await
}

/// The generated client's post hook.
pub(crate) fn record(result: &reqwest::Result<reqwest::Response>) {
    let Ok(response) = result else { return };
    // Outside `capture_response_head` there is nowhere to record to, and nothing to do.
    let _ = LAST_RESPONSE.try_with(|cell| {
        *cell.borrow_mut() = Some(ResponseHead::of(response));
    });
}
