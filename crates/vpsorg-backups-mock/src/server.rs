//! The server: a TCP accept loop, hyper serving each connection, and a service in front of the
//! axum router that logs requests and applies faults.
//!
//! axum's handlers cannot drop a connection or send less than their `Content-Length`, so the
//! mock accepts connections itself and serves them with hyper: a service error makes hyper
//! close the connection without an answer, and a body that ends early under a larger
//! `Content-Length` truncates it.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request, Response};
use bytes::BytesMut;
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tower_service::Service;

use crate::api::{self, BODY_LIMIT, RequestBody};
use crate::corrupt::{corrupt, status_response, without_query_param};
use crate::fault::{self, Fault, FaultKind, Operation};
use crate::log::{LoggedRequest, RequestLog};
use crate::model::{Backup, RestoreRecord};
use crate::seed::Seed;
use crate::state::{Clock, Shared, State};

/// The token a mock accepts unless [`MockServerBuilder::token`] says otherwise.
pub const DEFAULT_TOKEN: &str = "mock-token";
/// How long a new backup stays `in_progress` unless [`MockServerBuilder::complete_after`] says.
pub const DEFAULT_COMPLETE_AFTER: Duration = Duration::from_secs(2);
/// How many requests the log keeps unless [`MockServerBuilder::request_log_capacity`] says.
pub const DEFAULT_REQUEST_LOG_CAPACITY: usize = 1_000;
/// A body bigger than this is not even read to the end: the connection closes after the 400.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;
/// How long a shut-down server waits for requests in flight before cutting them off.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Configures and starts a [`MockServer`]; from [`MockServer::builder`].
#[derive(Clone)]
pub struct MockServerBuilder {
    token: String,
    seed: Seed,
    complete_after: Duration,
    latency: Duration,
    port: u16,
    clock_start: Option<DateTime<Utc>>,
    faults: Vec<Fault>,
    request_log_capacity: usize,
}

impl fmt::Debug for MockServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServerBuilder")
            .field("token", &"[redacted]")
            .field("seed", &self.seed.describe())
            .field("complete_after", &self.complete_after)
            .field("latency", &self.latency)
            .field("port", &self.port)
            .field("clock_start", &self.clock_start)
            .field("faults", &self.faults)
            .field("request_log_capacity", &self.request_log_capacity)
            .finish()
    }
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            token: DEFAULT_TOKEN.to_string(),
            seed: Seed::vendor_examples(),
            complete_after: DEFAULT_COMPLETE_AFTER,
            latency: Duration::ZERO,
            port: 0,
            clock_start: None,
            faults: Vec::new(),
            request_log_capacity: DEFAULT_REQUEST_LOG_CAPACITY,
        }
    }
}

impl MockServerBuilder {
    /// The bearer token clients must send (default [`DEFAULT_TOKEN`], `mock-token`). It must
    /// be non-empty visible ASCII without spaces, or [`start`](Self::start) fails.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = token.into();
        self
    }

    /// The data to start with (default [`Seed::vendor_examples`]).
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = seed;
        self
    }

    /// How long a created backup stays `in_progress` before it is `completed` with `size_mb`
    /// set (default 2 s). The create's own answer always says `in_progress`.
    pub fn complete_after(mut self, delay: Duration) -> Self {
        self.complete_after = delay;
        self
    }

    /// Delay added to every response (default none): each answer is sent this long after its
    /// request arrived, to within about 0.2 ms (or as soon as it is ready, if building it took
    /// longer). The request's effect on state happens at once; only the answer waits.
    pub fn latency(mut self, delay: Duration) -> Self {
        self.latency = delay;
        self
    }

    /// The port to bind on 127.0.0.1 (default 0: a free port the system picks).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Where the mock's clock starts, overriding the seed's (the vendor's seed starts at
    /// 2025-01-16T15:45:00Z; other seeds at the real time of start).
    pub fn clock_start(mut self, start: DateTime<Utc>) -> Self {
        self.clock_start = Some(start);
        self
    }

    /// A fault armed from the start, as if [`MockServer::inject`] had been called first.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// How many of the latest requests [`MockServer::requests`] keeps (default 1,000; 0 keeps
    /// none, which suits benchmarks).
    pub fn request_log_capacity(mut self, capacity: usize) -> Self {
        self.request_log_capacity = capacity;
        self
    }

    /// Binds 127.0.0.1 and starts serving on the current Tokio runtime.
    ///
    /// # Errors
    ///
    /// The port cannot be bound, or the token is empty or not visible ASCII without spaces
    /// ([`io::ErrorKind::InvalidInput`]).
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime (it spawns the server's task).
    pub async fn start(self) -> io::Result<MockServer> {
        if self.token.is_empty() || !self.token.bytes().all(|b| b.is_ascii_graphic()) {
            let why = "the mock's token must be non-empty visible ASCII without spaces";
            return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port)).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let seed_description = self.seed.describe().to_string();
        let origin = self.clock_start.or(self.seed.clock_start_time()).unwrap_or_else(Utc::now);
        let shared = Arc::new(Shared {
            state: RwLock::new(State::new(self.seed, origin, self.complete_after)),
            clock: Clock::starting_at(origin),
            token: self.token,
            base_url,
            latency: self.latency,
            faults_armed: AtomicBool::default(),
            faults: Mutex::default(),
            log: RequestLog::new(self.request_log_capacity),
            requests_seen: AtomicU64::new(0),
        });
        shared.with_faults(|faults| faults.extend(self.faults.into_iter().map(Into::into)));
        let (shutdown, watch) = watch::channel(());
        let task = tokio::spawn(accept_loop(listener, shared.clone(), watch));
        Ok(MockServer { shared, addr, seed_description, shutdown, task: Some(task) })
    }
}

/// A running fake VPS.org server on 127.0.0.1. It stops when dropped: it stops accepting at
/// once, lets requests in flight finish (up to 5 s), and closes idle connections.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use std::time::Duration;
/// use vpsorg_backups_mock::{Fault, MockServer, Operation, Seed};
///
/// let server = MockServer::builder()
///     .token("t")
///     .seed(Seed::vendor_examples())
///     .complete_after(Duration::from_millis(50))
///     .start()
///     .await?;
/// server.inject(Fault::status(503).header("Retry-After", "1").on(Operation::ListBackups).times(2));
/// println!("{} {}", server.base_url(), server.token());
/// # Ok(()) }
/// ```
pub struct MockServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    seed_description: String,
    shutdown: watch::Sender<()>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("base_url", &self.shared.base_url)
            .field("token", &"[redacted]")
            .field("seed", &self.seed_description)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// A builder with the defaults: token `mock-token`, the vendor's examples, completion after
    /// 2 s, no latency, a free port.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// Starts a server with the defaults (see [`builder`](Self::builder)).
    ///
    /// # Errors
    ///
    /// As [`MockServerBuilder::start`].
    pub async fn start() -> io::Result<Self> {
        Self::builder().start().await
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The base URL joined with a path: `server.url("/api/v1/backups/")`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.shared.base_url)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bearer token clients must send.
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// What the server was seeded with, in a few words.
    pub fn seed_description(&self) -> &str {
        &self.seed_description
    }

    /// Arms a fault. See [`Fault`] for what each kind does to the answer and to state.
    pub fn inject(&self, fault: Fault) {
        self.shared.with_faults(|faults| faults.push(fault.into()));
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.shared.with_faults(Vec::clear);
    }

    /// Every backup a list would show now (expired ones are gone), newest first.
    pub fn backups(&self) -> Vec<Backup> {
        let (state, now) = self.shared.read();
        state.backups(None, usize::MAX, now)
    }

    /// The newest backup, if there is one (cheaper than `backups()` on a large seed).
    pub fn newest_backup(&self) -> Option<Backup> {
        let (state, now) = self.shared.read();
        state.backups(None, 1, now).pop()
    }

    /// The backups of one server, newest first (empty for an unknown server).
    pub fn backups_of(&self, server_id: i64) -> Vec<Backup> {
        let (state, now) = self.shared.read();
        state.backups(Some(server_id), usize::MAX, now)
    }

    /// Every restore the server accepted, oldest first.
    pub fn restores(&self) -> Vec<RestoreRecord> {
        self.shared.read().0.restores.clone()
    }

    /// The latest requests (see [`request_log_capacity`](MockServerBuilder::request_log_capacity)),
    /// oldest first, with credentials redacted. A request is logged before its answer is sent.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log.snapshot()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.shared.log.clear();
    }

    /// The time on the mock's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    /// Moves the mock's clock forward: backups complete and automatic backups expire as if
    /// that much time had passed.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Stops the server and waits until every connection is closed (at most about 5 s for
    /// requests still in flight). Dropping the server does the same without waiting.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(());
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(());
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<()>,
) {
    let router = api::router(shared.clone());
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let (shared, router) = (shared.clone(), router.clone());
                    let service =
                        service_fn(move |request| handle(shared.clone(), router.clone(), request));
                    let connection =
                        http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                    connections.spawn(graceful.watch(connection));
                }
                // Out of file descriptors, say: wait a little rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    // Idle connections close at once, busy ones after their answer, the rest at the deadline.
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
    connections.shutdown().await;
}

async fn handle(
    shared: Arc<Shared>,
    mut router: Router,
    request: Request<Incoming>,
) -> io::Result<Response<Body>> {
    let arrived = tokio::time::Instant::now();
    let number = shared.requests_seen.fetch_add(1, Ordering::Relaxed) + 1;
    let request_id = format!("mock-{number:08}");
    let (parts, incoming) = request.into_parts();
    let operation = Operation::of_request(&parts.method, parts.uri.path());
    let armed = shared.faults_armed.load(Ordering::Acquire);
    let fault = armed
        .then(|| shared.with_faults(|faults| fault::pick(faults, operation, parts.uri.path())));
    let fault = fault.flatten();
    let mut entry = shared.log.enabled().then(|| {
        let fault = fault.as_ref().map(ToString::to_string);
        LoggedRequest::new(&parts, &shared.token, request_id.clone(), operation, fault)
    });
    let kind = fault.as_ref().map(|f| &f.kind);
    // Logs a request that gets no answer, and has hyper close the connection.
    let unanswered = |entry| {
        shared.log.push(entry, None);
        Err(io::Error::other("connection dropped by a fault"))
    };

    if kind == Some(&FaultKind::DropBeforeRead) {
        return unanswered(entry);
    }
    let Ok(body) = read_body(incoming).await else {
        // The client went away mid-body; there is no one to answer.
        return unanswered(entry);
    };
    if let Some(entry) = &mut entry {
        entry.set_body(&shared.token, &body.bytes, body.len);
    }

    let response = match kind {
        Some(FaultKind::Status { status, body }) => status_response(*status, body.as_deref()),
        _ => {
            let mut parts = parts;
            if let Some(FaultKind::IgnoreFilter(param)) = kind {
                parts.uri = without_query_param(&parts.uri, param);
            }
            let mut request = Request::from_parts(parts, Body::empty());
            request.extensions_mut().insert(body);
            let Ok(response) = router.call(request).await;
            response
        }
    };
    let Some(mut response) = corrupt(response, kind).await else {
        return unanswered(entry);
    };

    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(HeaderName::from_static("x-request-id"), value);
    }
    // `Date` from the mock's clock, which also stamps `created_at`: a real server's Date and
    // timestamps come from one clock, and clients compare them (the wrapper does, to find a
    // backup whose create's answer was lost). A fault's own `Date` still wins below.
    let date = shared.clock.now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    if let Ok(value) = HeaderValue::from_str(&date) {
        headers.insert(axum::http::header::DATE, value);
    }
    for (name, value) in fault.iter().flat_map(|f| &f.headers) {
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value))
        {
            headers.insert(name, value);
        }
    }
    shared.log.push(entry, Some(response.status().as_u16()));

    let mut delay = shared.latency;
    if let Some(FaultKind::Latency(extra)) = kind {
        delay = delay.saturating_add(*extra);
    }
    if !delay.is_zero() {
        match arrived.checked_add(delay) {
            Some(deadline) => sleep_until_precisely(deadline).await,
            // Past the end of the timer's range: never answer (Tokio saturates this sleep).
            None => tokio::time::sleep(delay).await,
        }
    }
    Ok(response)
}

/// How long before a deadline [`sleep_until_precisely`] leaves Tokio's timer.
const TIMER_SLACK: Duration = Duration::from_millis(2);

/// Waits until `deadline`, to within about 0.2 ms. Tokio's timer counts whole milliseconds and
/// wakes about a millisecond late on average, which would make a 20 ms latency about 21 ms
/// (5% on top of every request a benchmark measures). So it waits on Tokio's timer until
/// shortly before the deadline and sleeps the rest on a blocking thread, whose sleep is
/// precise; a runtime with a paused clock does not advance it meanwhile.
async fn sleep_until_precisely(deadline: tokio::time::Instant) {
    if let Some(early) = deadline.checked_sub(TIMER_SLACK) {
        tokio::time::sleep_until(early).await;
    }
    let rest = deadline.saturating_duration_since(tokio::time::Instant::now());
    if !rest.is_zero() {
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(rest)).await;
    }
}

/// Reads the whole body, keeping it only if it is at most [`BODY_LIMIT`] bytes.
async fn read_body(mut incoming: Incoming) -> Result<RequestBody, hyper::Error> {
    let mut kept = BytesMut::new();
    let mut total = 0usize;
    while let Some(frame) = incoming.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        total = total.saturating_add(data.len());
        if total <= BODY_LIMIT {
            kept.extend_from_slice(&data);
        } else {
            kept.clear();
            if total > DRAIN_LIMIT {
                break;
            }
        }
    }
    Ok(RequestBody { bytes: kept.freeze(), len: total })
}

#[cfg(test)]
#[path = "tests/server.rs"]
mod tests;
