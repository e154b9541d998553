//! Scripted faults: what goes wrong, on which operation, on which matching request, how often.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use axum::http::Method;

/// An operation of the API, as a fault's target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `GET` (or `HEAD`) `/api/v1/backups/` (`listBackups`).
    ListBackups,
    /// `POST /api/v1/backups/` (`createBackup`).
    CreateBackup,
    /// `DELETE /api/v1/backups/{backup_id}/` (`deleteBackup`).
    DeleteBackup,
    /// `POST /api/v1/servers/{server_id}/restore/` (`restoreServer`).
    RestoreServer,
    /// Every request, including ones to paths the API does not have.
    Any,
}

impl Operation {
    /// The operation a request is for, from its method and path; `None` for anything else.
    pub fn of_request(method: &Method, path: &str) -> Option<Self> {
        let path = path.strip_prefix("/api/v1/")?.strip_suffix('/')?;
        let id = |id: &str| !id.is_empty() && !id.contains('/');
        let restored = path.strip_prefix("servers/").and_then(|p| p.strip_suffix("/restore"));
        match (method.as_str(), path) {
            ("GET" | "HEAD", "backups") => Some(Self::ListBackups),
            ("POST", "backups") => Some(Self::CreateBackup),
            ("DELETE", _) if path.strip_prefix("backups/").is_some_and(id) => {
                Some(Self::DeleteBackup)
            }
            ("POST", _) if restored.is_some_and(id) => Some(Self::RestoreServer),
            _ => None,
        }
    }

    /// The spec's `operationId` (`listBackups`, …), or `any`.
    pub fn operation_id(self) -> &'static str {
        OPERATIONS[self as usize].1
    }

    /// The short name the fault syntax uses: `list`, `create`, `delete`, `restore`, `any`.
    pub fn short_name(self) -> &'static str {
        OPERATIONS[self as usize].2
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.operation_id())
    }
}

/// What a fault does. See the constructors on [`Fault`] for each one's effect on state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FaultKind {
    Status { status: u16, body: Option<String> },
    Latency(Duration),
    DropBeforeRead,
    DropAfterRead,
    TruncatedBody,
    MalformedJson,
    UnknownEnum { field: String, value: String },
    ExtraFields,
    MissingField(String),
    NoPageLinks,
    LargeBody(usize),
    WrongContentType,
    IgnoreFilter(String),
}

/// A scripted fault: a kind (from a constructor), the [`Operation`] it targets (default
/// [`Operation::Any`]), [`nth`](Self::nth) and [`times`](Self::times). What each kind does,
/// and whether the real operation runs, is in the crate's [Faults](crate#faults) table.
///
/// Faults are counted per fault: every request that matches a fault's operation counts towards
/// its `nth`, even if another fault answered it. When several faults would fire on one
/// request, the one injected first wins; the others keep their remaining count.
///
/// Faults also parse from a short text form, used by `vpsorg-mock --fault`:
///
/// ```
/// use vpsorg_backups_mock::{Fault, Operation};
///
/// let fault: Fault = "list:503:nth=1:times=2:retry-after=1".parse().unwrap();
/// assert_eq!(
///     fault,
///     Fault::status(503).header("Retry-After", "1").on(Operation::ListBackups).nth(1).times(2)
/// );
/// assert!(!fault.runs_operation());
/// assert!("create:drop-after".parse::<Fault>().unwrap().runs_operation());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub(crate) kind: FaultKind,
    pub(crate) operation: Operation,
    pub(crate) nth: u64,
    /// `None`: every matching request from `nth` on.
    pub(crate) times: Option<u64>,
    pub(crate) headers: Vec<(String, String)>,
    /// `Some(n)`: only requests whose path names id `n`.
    pub(crate) id: Option<u64>,
}

impl Fault {
    fn new(kind: FaultKind) -> Self {
        Self {
            kind,
            operation: Operation::Any,
            nth: 1,
            times: Some(1),
            headers: Vec::new(),
            id: None,
        }
    }

    /// Answers `status` without running the operation ([Faults](crate#faults)). The body's
    /// DRF `code` is `throttled` (429), `service_unavailable` (503) or `error`; 204 and 304
    /// have none; a status outside 200..=599 is sent as 500.
    pub fn status(status: u16) -> Self {
        Self::new(FaultKind::Status { status, body: None })
    }

    /// A 429 with `Retry-After: seconds` and DRF's throttled body: **no change of state**.
    pub fn throttled(retry_after_seconds: u64) -> Self {
        Self::new(FaultKind::Status {
            status: 429,
            body: Some(format!(
                r#"{{"detail":"Request was throttled. Expected available in {retry_after_seconds} seconds.","code":"throttled"}}"#
            )),
        })
        .header("Retry-After", retry_after_seconds.to_string())
    }

    /// Runs the operation at once and sends its answer `delay` later ([Faults](crate#faults)).
    pub fn latency(delay: Duration) -> Self {
        Self::new(FaultKind::Latency(delay))
    }

    /// Closes the connection before reading the body, running nothing ([Faults](crate#faults)).
    pub fn drop_before_read() -> Self {
        Self::new(FaultKind::DropBeforeRead)
    }

    /// Runs the operation, then closes without answering ([Faults](crate#faults)).
    pub fn drop_after_read() -> Self {
        Self::new(FaultKind::DropAfterRead)
    }

    /// Runs the operation and sends half its body under the full length ([Faults](crate#faults)).
    pub fn truncated_body() -> Self {
        Self::new(FaultKind::TruncatedBody)
    }

    /// Runs the operation and sends its JSON cut off ([Faults](crate#faults)), with a correct
    /// `Content-Length` and `application/json`; a 204 is left alone.
    pub fn malformed_json() -> Self {
        Self::new(FaultKind::MalformedJson)
    }

    /// Runs the operation and sets `field` to the string `value` ([Faults](crate#faults)).
    pub fn unknown_enum(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::new(FaultKind::UnknownEnum { field: field.into(), value: value.into() })
    }

    /// Runs the operation and adds `x_mock_extra` (a string) and `x_mock_extra_object` to the
    /// top object, each result and each `server` ([Faults](crate#faults)).
    pub fn extra_fields() -> Self {
        Self::new(FaultKind::ExtraFields)
    }

    /// Runs the operation and removes `field` ([Faults](crate#faults)).
    pub fn missing_field(field: impl Into<String>) -> Self {
        Self::new(FaultKind::MissingField(field.into()))
    }

    /// Runs the operation and removes a list's `next` and `previous` ([Faults](crate#faults)):
    /// clients then page by number until `count` backups are seen.
    pub fn no_page_links() -> Self {
        Self::new(FaultKind::NoPageLinks)
    }

    /// Runs the operation and pads its JSON object with an `x_mock_padding` string to `bytes`,
    /// never below the real size ([Faults](crate#faults)); a response without a body is left alone.
    pub fn large_body(bytes: usize) -> Self {
        Self::new(FaultKind::LargeBody(bytes))
    }

    /// Runs the operation and sends an HTML page as `text/html; charset=utf-8` with the real
    /// status ([Faults](crate#faults)); a response without a body is left alone.
    pub fn wrong_content_type() -> Self {
        Self::new(FaultKind::WrongContentType)
    }

    /// Runs the operation without the query parameter `param` ([Faults](crate#faults)); the
    /// `next` and `previous` links lack it too, and the request log keeps what the client sent.
    pub fn ignore_filter(param: impl Into<String>) -> Self {
        Self::new(FaultKind::IgnoreFilter(param.into()))
    }

    /// The operation this fault targets (default [`Operation::Any`]).
    pub fn on(mut self, operation: Operation) -> Self {
        self.operation = operation;
        self
    }

    /// Matches only requests for id `id`: a delete of that backup, a restore of that server.
    pub fn on_id(mut self, id: u64) -> Self {
        self.id = Some(id);
        self
    }

    /// Fires first on the `n`th matching request after injection (1-based; 0 counts as 1).
    pub fn nth(mut self, n: u64) -> Self {
        self.nth = n.max(1);
        self
    }

    /// Fires on this many matching requests in a row (default 1; 0 disables the fault).
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// Fires on every matching request from the `nth` on.
    pub fn always(mut self) -> Self {
        self.times = None;
        self
    }

    /// Adds a header to the response this fault sends or corrupts (`Retry-After`, say). A name
    /// or value HTTP does not allow is skipped when the response is sent.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body of a [`status`](Self::status) fault (sent as `application/json` unless a
    /// `Content-Type` [`header`](Self::header) says otherwise). No effect on other kinds.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        if let FaultKind::Status { body: slot, .. } = &mut self.kind {
            *slot = Some(body.into());
        }
        self
    }

    /// Whether the real operation runs when this fault fires ([Faults](crate#faults)).
    pub fn runs_operation(&self) -> bool {
        !matches!(self.kind, FaultKind::Status { .. } | FaultKind::DropBeforeRead)
    }

    /// The operation this fault targets.
    pub fn operation(&self) -> Operation {
        self.operation
    }
}

/// A fault with its counters, as injected into a running server.
#[derive(Debug)]
pub(crate) struct Armed {
    fault: Fault,
    seen: u64,
    fired: u64,
}

impl From<Fault> for Armed {
    fn from(fault: Fault) -> Self {
        Self { fault, seen: 0, fired: 0 }
    }
}

/// Counts a request for every fault (in injection order) that matches it, and returns the
/// fault that fires.
pub(crate) fn pick(
    faults: &mut Vec<Armed>,
    operation: Option<Operation>,
    path: &str,
) -> Option<Fault> {
    let mut chosen = None;
    for armed in &mut *faults {
        let names = |id: u64| path.split('/').any(|part| part == id.to_string());
        let target = armed.fault.operation;
        let on_operation = target == Operation::Any || operation == Some(target);
        if !on_operation || !armed.fault.id.is_none_or(names) {
            continue;
        }
        armed.seen += 1;
        let due = armed.seen >= armed.fault.nth
            && armed.fault.times.is_none_or(|times| armed.fired < times);
        if due && chosen.is_none() {
            armed.fired += 1;
            chosen = Some(armed.fault.clone());
        }
    }
    // Spent faults go, so a long-running server does not scan them forever.
    faults.retain(|a| a.fault.times.is_none_or(|times| a.fired < times));
    chosen
}

/// Why a fault's text form did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFaultError(String);

impl fmt::Display for ParseFaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (see --help for the fault syntax)", self.0)
    }
}

impl std::error::Error for ParseFaultError {}

/// The fault syntax, for `--help` (its text: `src/fault_syntax.txt`).
pub const FAULT_SYNTAX: &str = include_str!("fault_syntax.txt");

/// Each operation (in the order of their declaration) with its `operationId` and its name in
/// the fault syntax.
const OPERATIONS: [(Operation, &str, &str); 5] = [
    (Operation::ListBackups, "listBackups", "list"),
    (Operation::CreateBackup, "createBackup", "create"),
    (Operation::DeleteBackup, "deleteBackup", "delete"),
    (Operation::RestoreServer, "restoreServer", "restore"),
    (Operation::Any, "any", "any"),
];

/// The kinds without a value, by their name in the fault syntax.
const SIMPLE_KINDS: [(&str, FaultKind); 7] = [
    ("drop-before", FaultKind::DropBeforeRead),
    ("drop-after", FaultKind::DropAfterRead),
    ("truncate", FaultKind::TruncatedBody),
    ("malformed", FaultKind::MalformedJson),
    ("extra-fields", FaultKind::ExtraFields),
    ("no-links", FaultKind::NoPageLinks),
    ("html", FaultKind::WrongContentType),
];

impl FromStr for Fault {
    type Err = ParseFaultError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |message: String| ParseFaultError(format!("fault `{text}`: {message}"));
        let mut parts = text.split(':');
        let op = parts.next().unwrap_or("").trim();
        let known = OPERATIONS.into_iter().find(|&(.., short)| short == op);
        let unknown =
            || err(format!("unknown operation `{op}` (list, create, delete, restore or any)"));
        let (operation, ..) = known.ok_or_else(unknown)?;
        let kind = parts.next().ok_or_else(|| err("no kind after the operation".into()))?.trim();
        let (name, value) = kind.split_once('=').map_or((kind, None), |(n, v)| (n, Some(v)));
        let need = |what: &str| {
            value.filter(|v| !v.is_empty()).ok_or_else(|| err(format!("`{name}` needs `={what}`")))
        };
        let mut fault = match name {
            "missing" => Fault::missing_field(need("FIELD")?),
            "large" => Fault::large_body(parse_size(need("SIZE")?).map_err(err)?),
            "latency" => Fault::latency(parse_duration(need("DURATION")?).map_err(err)?),
            "ignore-filter" => match need("PARAM")? {
                param @ ("server_id" | "backup_type") => Fault::ignore_filter(param),
                other => {
                    return Err(err(format!(
                        "`ignore-filter` takes server_id or backup_type, not `{other}`"
                    )));
                }
            },
            "unknown-enum" => {
                let (field, value) = need("FIELD=VALUE")?
                    .split_once('=')
                    .ok_or_else(|| err("`unknown-enum` needs `=FIELD=VALUE`".into()))?;
                Fault::unknown_enum(field, value)
            }
            status if status.chars().all(|c| c.is_ascii_digit()) && value.is_none() => {
                match status.parse::<u16>() {
                    Ok(code @ 200..=599) => Fault::status(code),
                    _ => return Err(err(format!("status `{status}` is not in 200-599"))),
                }
            }
            other => match SIMPLE_KINDS.iter().find(|(n, _)| *n == other) {
                Some((_, kind)) => Fault::new(kind.clone()),
                None => return Err(err(format!("unknown kind `{other}`"))),
            },
        };
        for option in parts {
            let (key, value) = option
                .split_once('=')
                .ok_or_else(|| err(format!("option `{option}` needs `=VALUE`")))?;
            let number = |v: &str| {
                v.parse::<u64>()
                    .map_err(|_| err(format!("`{key}` needs a whole number, not `{v}`")))
            };
            fault = match key {
                "nth" => fault.nth(number(value)?),
                "times" if value == "always" => fault.always(),
                "times" => fault.times(number(value)?),
                "id" => fault.on_id(number(value)?),
                "retry-after" => fault.header("Retry-After", number(value)?.to_string()),
                "header" => {
                    let (name, value) = value
                        .split_once('=')
                        .ok_or_else(|| err("`header` needs `=NAME=VALUE`".into()))?;
                    fault.header(name, value)
                }
                other => return Err(err(format!("unknown option `{other}`"))),
            };
        }
        Ok(fault.on(operation))
    }
}

impl fmt::Display for Fault {
    /// The fault in its text form (`list:503:nth=1:times=2:header=Retry-After=1`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.operation.short_name())?;
        match &self.kind {
            FaultKind::Status { status, .. } => write!(f, "{status}")?,
            FaultKind::Latency(d) => write!(f, "latency={}ms", d.as_millis())?,
            FaultKind::UnknownEnum { field, value } => write!(f, "unknown-enum={field}={value}")?,
            FaultKind::MissingField(field) => write!(f, "missing={field}")?,
            FaultKind::LargeBody(n) => write!(f, "large={n}")?,
            FaultKind::IgnoreFilter(param) => write!(f, "ignore-filter={param}")?,
            kind => {
                let (name, _) = SIMPLE_KINDS.iter().find(|(_, k)| k == kind).ok_or(fmt::Error)?;
                f.write_str(name)?;
            }
        }
        write!(f, ":nth={}", self.nth)?;
        match self.times {
            Some(times) => write!(f, ":times={times}")?,
            None => f.write_str(":times=always")?,
        }
        for (name, value) in &self.headers {
            write!(f, ":header={name}={value}")?;
        }
        if let Some(id) = self.id {
            write!(f, ":id={id}")?;
        }
        Ok(())
    }
}

/// Parses a duration as the flags take it: what `humantime` takes (`250ms`, `2s`, `1m30s`,
/// `1h`), like the `vpsorg` CLI's own flags, plus two forms these flags took before: a
/// decimal before one unit (`1.5s`) and bare milliseconds (`40`).
///
/// # Errors
///
/// A message for the person at the terminal when `text` is not such a duration.
#[cfg_attr(not(feature = "cli"), allow(unreachable_pub))]
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let invalid = |why: &dyn fmt::Display| {
        format!("`{text}` is not a duration ({why}; e.g. 250ms, 2s, 1m30s, 1h)")
    };
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'));
    let (number, unit) = text.split_at(split.unwrap_or(text.len()));
    // The legacy forms: bare milliseconds, and a decimal humantime refuses before one unit.
    let unit = match humantime::parse_duration(text) {
        _ if unit.is_empty() => Duration::from_millis(1),
        Ok(duration) => return Ok(duration),
        Err(_) if number.contains('.') => {
            humantime::parse_duration(&format!("1{}", unit.trim_start()))
                .map_err(|e| invalid(&e))?
        }
        Err(error) => return Err(invalid(&error)),
    };
    let number: f64 = number.parse().map_err(|_| invalid(&"not a number"))?;
    Duration::try_from_secs_f64(unit.as_secs_f64() * number).map_err(|e| invalid(&e))
}

/// Parses a size as the fault syntax takes it: `2048`, `512k` (KiB) or `10M` (MiB), with an
/// optional `B`/`iB`.
///
/// # Errors
///
/// A message for the person at the terminal when `text` is not such a size.
#[cfg_attr(not(feature = "cli"), allow(unreachable_pub))]
pub fn parse_size(text: &str) -> Result<usize, String> {
    let lower = text.trim().to_ascii_lowercase();
    let lower = lower.trim_end_matches("ib").trim_end_matches('b');
    let (number, multiplier) = match lower.chars().last() {
        Some('k') => (&lower[..lower.len() - 1], 1024),
        Some('m') => (&lower[..lower.len() - 1], 1024 * 1024),
        _ => (lower, 1),
    };
    number
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| format!("`{text}` is not a size (2048, 512k, 10M)"))
}

#[cfg(test)]
#[path = "tests/fault.rs"]
mod tests;
