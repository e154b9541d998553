//! Every operation of the wrapper meets every fault the fake server can inject, over real
//! HTTP on loopback. Each cell asserts:
//!
//! - the exact outcome: success (and after how many requests), or a specific `Error`
//!   variant (with its status or its cause);
//! - no panic (each cell runs in a task of its own, whose panic would fail the cell);
//! - an elapsed time within timeout × attempts, plus the `Retry-After` waits, plus 2 s;
//! - for create and restore, the fake server's state: exactly one backup or restore when
//!   the fault let the operation run, none when the fault replaced the response, never two;
//! - for create, that a backup the fault hid the answer of is found by listing (and only
//!   then: when the fault replaced the answer, the outcome stays unknown).
//!
//! The table of outcomes is printed (`--nocapture` shows it) and is an insta snapshot,
//! `snapshots/fault_matrix__fault_matrix.snap`, which README's "Reliability" links to.

use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime};

use futures::StreamExt;
use vpsorg_backups::{Client, Error, RetryPolicy};
use vpsorg_backups_mock::{Fault, MockServer, Operation, Seed};

const TOKEN: &str = "matrix-token-0c4f9e";
/// The client's timeout for one request; the slow fault answers after twice as long.
const TIMEOUT: Duration = Duration::from_secs(3);
/// The timeout for the 10 MB row: a debug build on two busy cores takes about 2 s to
/// produce, send and decode 10 MB (measured with five at once), which must not look slow.
const LARGE_TIMEOUT: Duration = Duration::from_secs(20);
const ATTEMPTS: u32 = 3;
const MAX_BACKOFF: Duration = Duration::from_millis(40);
/// What the `Retry-After` faults ask for (in seconds, or as a date that far ahead).
const RETRY_AFTER: Duration = Duration::from_secs(1);
const SLACK: Duration = Duration::from_secs(2);
/// Cells run this many at a time, each against a fake server of its own.
const CONCURRENCY: usize = 6;

const SERVER: i64 = 12345;
/// A completed backup of `SERVER` in the vendor's seed, to restore from and to wait for.
const COMPLETED: i64 = 501;
/// Another backup of `SERVER`, to delete.
const TO_DELETE: i64 = 495;
/// A completed manual backup of `SERVER`, to wait for.
const TO_WAIT_FOR: i64 = 499;

const HTML: &str = "<html><head><title>502 Bad Gateway</title></head>\
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    List,
    Create,
    Delete,
    Restore,
    Wait,
}

const OPS: [Op; 5] = [Op::List, Op::Create, Op::Delete, Op::Restore, Op::Wait];

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::List => "list",
            Op::Create => "create",
            Op::Delete => "delete",
            Op::Restore => "restore",
            Op::Wait => "wait",
        }
    }

    /// The HTTP operation a fault must target to hit this one (the waiter lists).
    fn target(self) -> Operation {
        match self {
            Op::List | Op::Wait => Operation::ListBackups,
            Op::Create => Operation::CreateBackup,
            Op::Delete => Operation::DeleteBackup,
            Op::Restore => Operation::RestoreServer,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    S500,
    S502Html,
    S503Seconds,
    S503Date,
    S429Seconds,
    S429Date,
    ResetBeforeRead,
    ResetAfterRun,
    Truncated,
    Slow,
    Malformed,
    UnknownEnum,
    MissingField,
    Large,
    WrongContentType,
}

const KINDS: [Kind; 15] = [
    Kind::S500,
    Kind::S502Html,
    Kind::S503Seconds,
    Kind::S503Date,
    Kind::S429Seconds,
    Kind::S429Date,
    Kind::ResetBeforeRead,
    Kind::ResetAfterRun,
    Kind::Truncated,
    Kind::Slow,
    Kind::Malformed,
    Kind::UnknownEnum,
    Kind::MissingField,
    Kind::Large,
    Kind::WrongContentType,
];

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::S500 => "500",
            Kind::S502Html => "502, HTML body",
            Kind::S503Seconds => "503, `Retry-After: 1`",
            Kind::S503Date => "503, `Retry-After:` HTTP date",
            Kind::S429Seconds => "429, `Retry-After: 1`",
            Kind::S429Date => "429, `Retry-After:` HTTP date",
            Kind::ResetBeforeRead => "connection reset before the request is read",
            Kind::ResetAfterRun => "connection reset after the request ran",
            Kind::Truncated => "truncated body",
            Kind::Slow => "answer slower than the timeout",
            Kind::Malformed => "malformed JSON",
            Kind::UnknownEnum => "unknown enum value (`status: archived`)",
            Kind::MissingField => "missing field (`server`)",
            Kind::Large => "10 MB body",
            Kind::WrongContentType => "wrong content type (HTML page)",
        }
    }

    /// The fault, built when it is injected (an HTTP date is one second from now).
    fn fault(self) -> Fault {
        let date = || httpdate::fmt_http_date(SystemTime::now() + RETRY_AFTER);
        let seconds = RETRY_AFTER.as_secs().to_string();
        match self {
            Kind::S500 => Fault::status(500),
            Kind::S502Html => {
                Fault::status(502).body(HTML).header("Content-Type", "text/html; charset=utf-8")
            }
            Kind::S503Seconds => Fault::status(503).header("Retry-After", seconds),
            Kind::S503Date => Fault::status(503).header("Retry-After", date()),
            Kind::S429Seconds => Fault::throttled(RETRY_AFTER.as_secs()),
            Kind::S429Date => Fault::status(429).header("Retry-After", date()),
            Kind::ResetBeforeRead => Fault::drop_before_read(),
            Kind::ResetAfterRun => Fault::drop_after_read(),
            Kind::Truncated => Fault::truncated_body(),
            Kind::Slow => Fault::latency(TIMEOUT * 2),
            Kind::Malformed => Fault::malformed_json(),
            Kind::UnknownEnum => Fault::unknown_enum("status", "archived"),
            Kind::MissingField => Fault::missing_field("server"),
            Kind::Large => Fault::large_body(10 * 1024 * 1024),
            Kind::WrongContentType => Fault::wrong_content_type(),
        }
    }

    /// The client's timeout in this row.
    fn timeout(self) -> Duration {
        if self == Kind::Large { LARGE_TIMEOUT } else { TIMEOUT }
    }

    /// The `Retry-After` the fault asks for, if any.
    fn waits(self) -> Duration {
        match self {
            Kind::S503Seconds | Kind::S503Date | Kind::S429Seconds | Kind::S429Date => RETRY_AFTER,
            _ => Duration::ZERO,
        }
    }

    /// Whether the client may retry after this fault on an idempotent operation.
    fn transient(self) -> bool {
        !matches!(
            self,
            Kind::S500
                | Kind::Malformed
                | Kind::UnknownEnum
                | Kind::MissingField
                | Kind::Large
                | Kind::WrongContentType
        )
    }

    /// Whether the fault replaces the body of a response that has one (a 204 has none).
    fn breaks_the_body(self) -> bool {
        matches!(self, Kind::Malformed | Kind::MissingField | Kind::WrongContentType)
    }
}

/// What a cell must give: the outcome, and how many requests of the operation it took.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Want {
    outcome: String,
    requests: usize,
    /// Backups created, restores started, or the backup deleted (1) or kept (0).
    effect: Option<usize>,
}

/// What a create whose answer was lost gives when the listing finds the backup it made.
const FOUND: &str = "found by listing";

/// The documented behaviour, operation by operation (README's "Retries" and the Spec notes):
/// list, delete and the waiter's polls retry what is transient; create and restore are not
/// idempotent and retry only a 429 (throttling refuses before anything runs), and anything
/// after which the request may have run is `OutcomeUnknown`; a 2xx whose body cannot be
/// read (malformed, HTML, a field missing, cut short) is `AnswerUnreadable`, for a create or
/// restore that happened all the same; 500 is not
/// transient (the spec: "502, 503 and 504 are transient"). A create whose answer was lost
/// (`OutcomeUnknown`, or `AnswerUnreadable`) is looked for in the server's list: a
/// backup the fault let it make is found, and one it did not is not.
fn expected(op: Op, kind: Kind) -> Want {
    let ok = |requests| (String::from("ok"), requests);
    let status = |kind: Kind| match kind {
        Kind::S500 => 500,
        Kind::S502Html => 502,
        _ => 503,
    };
    let (outcome, requests) = match op {
        Op::List | Op::Wait if kind.transient() => ok(2),
        Op::List | Op::Wait => match kind {
            Kind::S500 => ("Server 500".into(), 1),
            Kind::UnknownEnum if op == Op::Wait => ok(2), // waited through, polled again
            Kind::UnknownEnum | Kind::Large => ok(1),
            _ => ("Decode (HTTP 200)".into(), 1),
        },
        Op::Delete => match kind {
            Kind::S500 => ("Server 500".into(), 1),
            // Retried; when an earlier attempt may have deleted it, a 404 counts as done.
            _ if kind.transient() => ok(2),
            // A 204 has no body to corrupt.
            _ => ok(1),
        },
        Op::Create | Op::Restore => {
            let success = if op == Op::Create { 201 } else { 202 };
            let ran = kind.fault().runs_operation();
            match kind {
                Kind::S429Seconds | Kind::S429Date => ok(2),
                Kind::S500 | Kind::S502Html | Kind::S503Seconds | Kind::S503Date => {
                    (format!("OutcomeUnknown(Server {})", status(kind)), 1)
                }
                // The backup was made and its answer lost: the listing finds it.
                Kind::ResetAfterRun | Kind::Truncated | Kind::Slow if op == Op::Create && ran => {
                    (FOUND.into(), 1)
                }
                _ if kind.breaks_the_body() && op == Op::Create => (FOUND.into(), 1),
                _ if kind.breaks_the_body() || matches!(kind, Kind::Truncated) => {
                    (format!("AnswerUnreadable (HTTP {success})"), 1)
                }
                Kind::ResetBeforeRead | Kind::ResetAfterRun => {
                    ("OutcomeUnknown(Transport)".into(), 1)
                }
                Kind::Slow => ("OutcomeUnknown(Timeout)".into(), 1),
                _ => ok(1),
            }
        }
    };
    let ran = kind.fault().runs_operation();
    let effect = match op {
        Op::Create | Op::Restore => Some(usize::from(outcome == "ok" || outcome == FOUND || ran)),
        Op::Delete => Some(usize::from(outcome == "ok" || ran)),
        Op::List | Op::Wait => None,
    };
    Want { outcome, requests, effect }
}

/// An error in the table's words: the variant, with its status or cause.
fn describe(error: &Error) -> String {
    match error {
        Error::Server { status, .. } => format!("Server {}", status.as_u16()),
        Error::Decode { status, .. } => format!("Decode (HTTP {})", status.as_u16()),
        Error::AnswerUnreadable { status, .. } => {
            format!("AnswerUnreadable (HTTP {})", status.as_u16())
        }
        Error::Timeout { .. } => "Timeout".into(),
        Error::Transport { .. } => "Transport".into(),
        Error::RateLimited { .. } => "RateLimited".into(),
        Error::OutcomeUnknown { source, .. } => format!("OutcomeUnknown({})", describe(source)),
        other => format!("{other:?}"),
    }
}

/// What one cell gave.
#[derive(Debug)]
struct Got {
    want: Want,
    outcome: String,
    requests: usize,
    effect: Option<usize>,
    elapsed: Duration,
    bound: Duration,
    display: String,
    debug: String,
}

fn client(server: &MockServer, timeout: Duration) -> Client {
    Client::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .timeout(timeout)
        .connect_timeout(timeout)
        .retry(
            RetryPolicy::default()
                .max_attempts(ATTEMPTS)
                .initial_backoff(Duration::from_millis(10))
                .max_backoff(MAX_BACKOFF)
                .budget(Duration::from_secs(30)),
        )
        .build()
        .unwrap()
}

/// The longest one call may take: every attempt timing out, and the longest wait between
/// attempts before each retry.
fn request_bound(kind: Kind) -> Duration {
    kind.timeout() * ATTEMPTS + (ATTEMPTS - 1) * kind.waits().max(MAX_BACKOFF) + SLACK
}

async fn run_cell(op: Op, kind: Kind) -> Got {
    let server = MockServer::builder()
        .token(TOKEN)
        .seed(Seed::vendor_examples())
        .complete_after(Duration::from_millis(50))
        .start()
        .await
        .unwrap();
    let client = client(&server, kind.timeout());
    let backups_before = server.backups_of(SERVER).len();
    server.inject(kind.fault().on(op.target()));

    let started = Instant::now();
    // `Ok(true)` for a create found by listing after its answer was lost.
    let result: Result<bool, Error> = match op {
        Op::List => client
            .backups()
            .list()
            .server_id(SERVER)
            .items()
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map(|_| false),
        Op::Create => client
            .backups()
            .create(SERVER)
            .description("fault matrix")
            .send()
            .await
            .map(|created| created.recovered),
        Op::Delete => client.backups().delete(TO_DELETE).send().await.map(|()| false),
        Op::Restore => client.servers().restore(SERVER, COMPLETED).send().await.map(|_| false),
        Op::Wait => client
            .backups()
            .wait_until_completed((SERVER, TO_WAIT_FOR))
            .poll_interval(Duration::from_millis(20))
            .max_poll_interval(Duration::from_millis(40))
            .timeout(Duration::from_secs(20))
            .send()
            .await
            .map(|_| false),
    };
    let elapsed = started.elapsed();

    let requests =
        server.requests().iter().filter(|request| request.operation == Some(op.target())).count();
    let effect = match op {
        Op::Create => Some(server.backups_of(SERVER).len() - backups_before),
        Op::Restore => Some(server.restores().len()),
        Op::Delete => {
            Some(usize::from(!server.backups_of(SERVER).iter().any(|b| b.id == TO_DELETE)))
        }
        Op::List | Op::Wait => None,
    };
    let (outcome, display, debug) = match &result {
        Ok(false) => ("ok".to_owned(), String::new(), String::new()),
        Ok(true) => (FOUND.to_owned(), String::new(), String::new()),
        Err(error) => (describe(error), error.to_string(), format!("{error:?}")),
    };
    let polls = if op == Op::Wait { 2 } else { 1 };
    Got {
        want: expected(op, kind),
        outcome,
        requests,
        effect,
        elapsed,
        bound: request_bound(kind) * polls,
        display,
        debug,
    }
}

/// A cell as the table shows it.
fn cell(op: Op, got: &Got) -> String {
    let mut text = got.outcome.clone();
    if got.outcome == "ok" && got.requests > 1 {
        write!(text, " after {} requests", got.requests).unwrap();
    }
    match (op, got.effect) {
        (Op::Create, Some(n)) => write!(text, "; {n} created").unwrap(),
        (Op::Restore, Some(n)) => {
            write!(text, "; {n} restore{}", if n == 1 { "" } else { "s" }).unwrap()
        }
        (Op::Delete, Some(0)) => text.push_str("; kept"),
        _ => {}
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_meets_every_fault() {
    // Operation by operation, so that the heavy cells of one row (10 MB) never run at once.
    let cells: Vec<(Kind, Op)> =
        OPS.iter().flat_map(|&op| KINDS.iter().map(move |&kind| (kind, op))).collect();
    let started = Instant::now();
    let results: Vec<(Kind, Op, Result<Got, String>)> = futures::stream::iter(cells)
        .map(|(kind, op)| async move {
            let limit = request_bound(kind) * 2 + Duration::from_secs(10);
            let task = tokio::spawn(tokio::time::timeout(limit, run_cell(op, kind)));
            let got = match task.await {
                Ok(Ok(got)) => Ok(got),
                Ok(Err(_)) => Err(format!("hung past {limit:?}")),
                Err(error) if error.is_panic() => Err("panicked".to_owned()),
                Err(error) => Err(format!("task failed: {error}")),
            };
            (kind, op, got)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let total = started.elapsed();

    let mut table = String::from("| fault | list | create | delete | restore | wait |\n");
    table.push_str("|---|---|---|---|---|---|\n");
    let mut failures = Vec::new();
    for kind in KINDS {
        write!(table, "| {} |", kind.label()).unwrap();
        for op in OPS {
            let (_, _, got) = results.iter().find(|(k, o, _)| *k == kind && *o == op).unwrap();
            let where_ = format!("{} × {}", op.name(), kind.label());
            let got = match got {
                Ok(got) => got,
                Err(problem) => {
                    failures.push(format!("{where_}: {problem}"));
                    table.push_str(" **failed** |");
                    continue;
                }
            };
            write!(table, " {} |", cell(op, got)).unwrap();
            let actual = (got.outcome.as_str(), got.requests, got.effect);
            let want = (got.want.outcome.as_str(), got.want.requests, got.want.effect);
            if actual != want {
                failures.push(format!("{where_}: got {actual:?}, want {want:?} ({})", got.display));
            }
            if got.elapsed > got.bound {
                failures
                    .push(format!("{where_}: took {:?}, more than {:?}", got.elapsed, got.bound));
            }
            if got.display.contains('\n')
                || got.display.contains(TOKEN)
                || got.debug.contains(TOKEN)
            {
                failures.push(format!("{where_}: the error shows {:?}", got.debug));
            }
        }
        table.push('\n');
    }
    println!("{table}");
    if let Some((kind, op, got)) = results
        .iter()
        .filter_map(|(kind, op, got)| Some((kind, op, got.as_ref().ok()?)))
        .max_by(|a, b| a.2.elapsed.cmp(&b.2.elapsed))
    {
        println!(
            "slowest cell: {} × {}, {:.2} s of its {:.0} s bound",
            op.name(),
            kind.label(),
            got.elapsed.as_secs_f64(),
            got.bound.as_secs_f64()
        );
    }
    println!("{} cells in {:.1} s ({CONCURRENCY} at a time)", results.len(), total.as_secs_f64());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    insta::assert_snapshot!("fault_matrix", table);
}
