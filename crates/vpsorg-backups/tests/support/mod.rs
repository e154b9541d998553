//! A tiny scripted HTTP/1.1 server on loopback, for the cases that need exact control over
//! each response (hang-ups, HTML error pages, foreign links and redirects), plus helpers
//! shared by the integration tests.

#![allow(dead_code, unreachable_pub, reason = "each test binary uses part of the support")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use vpsorg_backups::{Client, ClientBuilder, RetryPolicy};

/// The token every test client sends.
pub const TOKEN: &str = "test-token-s3cr3t";

/// One request as the stub received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Lower-case names, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// The value of a query parameter.
    pub fn query(&self, name: &str) -> Option<String> {
        let (_, query) = self.target.split_once('?')?;
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The request as a reviewer reads it: request line, sorted headers (token, host port
    /// redacted), body.
    pub fn render(&self) -> String {
        let mut headers = self.headers.clone();
        headers.sort();
        let mut out = format!("{} {}\n", self.method, self.target);
        for (name, value) in headers {
            let value = match name.as_str() {
                "authorization" => value.replace(TOKEN, "[token]"),
                "host" => "127.0.0.1:[port]".to_owned(),
                "user-agent" => value.replace(env!("CARGO_PKG_VERSION"), "[version]"),
                _ => value,
            };
            out.push_str(&format!("{name}: {value}\n"));
        }
        if !self.body.is_empty() {
            out.push_str(&format!("\n{}\n", self.body));
        }
        out
    }
}

/// What the stub answers.
#[derive(Debug, Clone)]
pub enum Reply {
    Response {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Close the connection without answering.
    HangUp,
    /// Never answer (until the client gives up).
    Stall,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply::Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }

    pub fn raw(status: u16, content_type: &str, body: &str) -> Reply {
        Reply::Response {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply::Response { status, headers: Vec::new(), body: String::new() }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Response { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

/// The scripted server. The handler gets each request and its index (from 0).
pub struct Stub {
    pub url: String,
    log: Arc<Mutex<Vec<Request>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Stub {
    pub async fn start(handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let task = tokio::spawn({
            let log = log.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let (log, handler) = (log.clone(), handler.clone());
                    tokio::spawn(async move {
                        let _ = serve(stream, log, handler).await;
                    });
                }
            }
        });
        Stub { url, log, task }
    }

    /// Always answers `reply`.
    pub async fn always(reply: Reply) -> Stub {
        Stub::start(move |_, _| reply.clone()).await
    }

    /// Answers the replies in order, then repeats the last one.
    pub async fn sequence(replies: Vec<Reply>) -> Stub {
        Stub::start(move |_, index| replies[index.min(replies.len() - 1)].clone()).await
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    /// A client for this stub, with tiny retry delays.
    pub fn client(&self) -> Client {
        self.builder().build().unwrap()
    }

    pub fn builder(&self) -> ClientBuilder {
        Client::builder().token(TOKEN).base_url(&self.url).retry(fast_retries())
    }
}

/// Retries with delays of a few milliseconds.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(4))
}

async fn serve(
    stream: TcpStream,
    log: Arc<Mutex<Vec<Request>>>,
    handler: Arc<Handler>,
) -> std::io::Result<()> {
    // One request per connection: every reply closes it.
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).await? == 0 {
        return Ok(());
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    let request =
        Request { method, target, headers, body: String::from_utf8_lossy(&body).into_owned() };
    let index = {
        let mut log = log.lock().unwrap();
        log.push(request.clone());
        log.len() - 1
    };
    match handler(&request, index) {
        Reply::HangUp => Ok(()),
        Reply::Stall => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(())
        }
        Reply::Response { status, headers, body } => {
            let mut head = format!(
                "HTTP/1.1 {status} Stub\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let stream = reader.get_mut();
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(body.as_bytes()).await?;
            stream.shutdown().await
        }
    }
}

/// A backup as the API lists it.
pub fn backup(id: i64, server_id: i64, status: &str) -> Value {
    json!({
        "id": id,
        "server": {"id": server_id, "name": format!("server-{server_id}")},
        "backup_type": "manual",
        "status": status,
        "size_mb": if status == "completed" { json!(1024) } else { Value::Null },
        "created_at": "2025-01-16T15:45:00Z",
        "expires_at": null,
        "description": format!("backup {id}"),
    })
}

/// A page of backups with the given ids (newest first), without links.
pub fn page(count: usize, ids: impl IntoIterator<Item = i64>) -> Value {
    let results: Vec<Value> = ids.into_iter().map(|id| backup(id, 1, "completed")).collect();
    json!({"count": count, "results": results})
}

/// A port on which nothing listens.
pub async fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// Captures `tracing` output (debug level, with span closings).
///
/// Install it as the global default in a test binary of its own with one test: `tracing`
/// caches per call site whether anyone listens, so a thread-scoped subscriber in a binary
/// whose other tests run in parallel can miss spans.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    pub fn install_globally(&self) {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_ansi(false)
            .with_writer(self.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
