//! The fixed probe plan, a table sent by one loop, and the checks of each answer: against the
//! contract (every answer, here), and against the inferred choices (what each probe is for,
//! in `checks`); the writes' before-and-after comparison is in `writes`.

mod checks;
mod verdicts;
mod writes;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use http::{HeaderMap, Method};
use serde_json::{Map, Value};
use vpsorg_contract::{Contract, Finding, FindingKind};

use super::choice::{ChoiceId as C, ChoiceId, ChoiceVerdict, Contradiction, Verdict};
use super::report::{ContractInfo, Deviation, Outcome, ProbeRecord, Report, Summary};
use super::transport::{Answer, Credential, Request, Transport, header_text};
use super::{excerpt, first};
use writes::{Listing, listing_of};

/// The id no account can have, for the writes that must fail (the CLI README says why); the
/// plan's paths spell it out.
const UNUSED_ID: i64 = i64::MAX;

/// The body of the create that must fail: not JSON, so that no parser finds a server in it.
const CREATE_BODY: &str = "vpsorg doctor: this body is not JSON";

const BACKUPS: &str = "/api/v1/backups/";

#[derive(Debug, Clone, Copy)]
enum Expect {
    /// A 200 page of backups: its query says which page, how long, and the filter.
    Page(&'static [ChoiceId]),
    /// The page after the previous probe's, at the same `page_size`: its backup is older.
    NextPage(&'static [ChoiceId]),
    /// A filtered page: only matching backups, and no more than the whole list counts.
    Filtered,
    /// A page with `count` 0 (no server has the id asked for).
    Empty(&'static [ChoiceId]),
    /// A 400 with a DRF field error on this field.
    FieldError(&'static str, &'static [ChoiceId]),
    /// A DRF `{"detail", "code"}` error with this status and code.
    Detail(u16, &'static str, &'static [ChoiceId]),
    /// The list before the writes, and after them (compared).
    Before,
    After,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Step {
    pub(super) id: &'static str,
    operation_id: &'static str,
    method: &'static str,
    path: &'static str,
    /// The query, with `{past_last}` (the page after the last at `page_size=100`, from a
    /// `count`) or `{server}` (one seen on the first list) filled in from earlier answers.
    query: &'static str,
    credential: Credential,
    body: Option<&'static str>,
    /// One of the writes (and the lists around them) only `--probe-errors` sends.
    pub(super) write: bool,
    expect: Expect,
}

const fn list(id: &'static str, query: &'static str, expect: Expect) -> Step {
    Step {
        id,
        operation_id: "listBackups",
        method: "GET",
        path: BACKUPS,
        query,
        credential: Credential::Token,
        body: None,
        write: false,
        expect,
    }
}

const fn write(
    id: &'static str,
    operation_id: &'static str,
    (method, path): (&'static str, &'static str),
    body: Option<&'static str>,
    expect: Expect,
) -> Step {
    Step { operation_id, method, path, write: true, body, ..list(id, "", expect) }
}

const PAGINATION: &[ChoiceId] = &[C::Pagination];
const RESTORE_BODY: &str = "{\"backup_id\": 9223372036854775807}";

/// Every probe, in the order a run sends them. Without `--probe-errors`, only the reads.
#[rustfmt::skip] // A table: one probe a line.
pub(super) const PLAN: [Step; 21] = [
    list("list", "", Expect::Page(PAGINATION)),
    list("page-size-1", "page_size=1", Expect::Page(PAGINATION)),
    list("page-2", "page=2&page_size=1", Expect::NextPage(PAGINATION)),
    list("page-size-100", "page_size=100", Expect::Page(PAGINATION)),
    list("page-size-0", "page_size=0", Expect::FieldError("page_size", &[C::Pagination, C::List400])),
    list("page-size-101", "page_size=101", Expect::FieldError("page_size", &[C::Pagination, C::List400])),
    list("page-past-last", "page={past_last}&page_size=100", Expect::Detail(404, "not_found", PAGINATION)),
    list("page-invalid", "page=abc", Expect::Detail(404, "not_found", PAGINATION)),
    list("filter-bad-type", "backup_type=no-such-type", Expect::FieldError("backup_type", &[C::List400])),
    list("filter-bad-server", "server_id=abc", Expect::FieldError("server_id", &[C::List400])),
    list("filter-no-server", "server_id=0", Expect::Empty(&[C::List400])),
    list("filter-server", "server_id={server}", Expect::Filtered),
    list("filter-manual", "backup_type=manual", Expect::Filtered),
    list("filter-automatic", "backup_type=automatic", Expect::Filtered),
    Step { credential: Credential::None, ..list("auth-none", "", Expect::Detail(401, "not_authenticated", &[C::ErrorBodies])) },
    Step { credential: Credential::Wrong, ..list("auth-wrong", "", Expect::Detail(401, "authentication_failed", &[C::ErrorBodies])) },
    Step { write: true, ..list("writes-before", "page_size=100", Expect::Before) },
    write("delete-unknown", "deleteBackup", ("DELETE", "/api/v1/backups/9223372036854775807/"),
        None, Expect::Detail(404, "backup_not_found", &[C::Delete404])),
    write("restore-unknown", "restoreServer", ("POST", "/api/v1/servers/9223372036854775807/restore/"),
        Some(RESTORE_BODY), Expect::Detail(404, "server_not_found", &[C::Restore])),
    write("create-invalid", "createBackup", ("POST", BACKUPS),
        Some(CREATE_BODY), Expect::Detail(400, "parse_error", &[C::Create])),
    Step { write: true, ..list("writes-after", "page_size=100", Expect::After) },
];

#[derive(Clone)]
struct Probe {
    id: &'static str,
    operation_id: &'static str,
    request: Request,
}

impl Probe {
    fn new(step: &Step, query: &str) -> Self {
        let target = match query {
            "" => step.path.to_string(),
            query => format!("{}?{query}", step.path),
        };
        let method = Method::from_bytes(step.method.as_bytes()).expect("the plan's methods");
        let (credential, body) = (step.credential, step.body);
        Self {
            id: step.id,
            operation_id: step.operation_id,
            request: Request { method, target, credential, body },
        }
    }

    /// The request in a few words, for notes: `?page_size=0`, `no token`, `DELETE ...`.
    fn label(&self) -> String {
        match self.request.credential {
            Credential::None => return "no token".into(),
            Credential::Wrong => return "a wrong token".into(),
            Credential::Token => {}
        }
        match self.request.target.split_once('?') {
            Some((_, query)) if self.request.method == Method::GET => format!("?{query}"),
            _ => format!("{} {}", self.request.method, self.request.target),
        }
    }
}

/// The final answer to a probe (kept with it), with its body parsed when it is JSON.
struct Reply {
    probe: Probe,
    status: u16,
    json: Option<Value>,
    request_id: Option<String>,
}

impl Reply {
    fn object(&self) -> Option<&Map<String, Value>> {
        self.json.as_ref().and_then(Value::as_object)
    }

    /// The answer in a few words: `200 with count 5 and 1 result`, `404 with code not_found`.
    fn summary(&self) -> String {
        let status = self.status;
        let Some(body) = self.object() else {
            return match self.json {
                Some(ref other) => {
                    format!("{status} with {}", vpsorg_contract::describe_value(other))
                }
                None => format!("{status} without a JSON body"),
            };
        };
        if let (Some(count), Some(results)) = (
            body.get("count").and_then(Value::as_u64),
            body.get("results").and_then(Value::as_array),
        ) {
            return format!("{status} with count {count} and {} results", results.len());
        }
        if let Some(code) = body.get("code").and_then(Value::as_str) {
            return format!("{status} with code {}", excerpt(code));
        }
        if let Some(detail) = body.get("detail").and_then(Value::as_str) {
            return format!("{status} with detail {:?} and no code", excerpt(detail));
        }
        let fields: Vec<&str> = body.keys().map(String::as_str).collect();
        format!("{status} with field errors on {}", excerpt(&fields.join(", ")))
    }
}

pub(crate) struct Run<'a> {
    transport: &'a Transport,
    contract: &'a Contract,
    probe_errors: bool,
    started: Instant,
    tally: Tally,
}

/// What the answers showed so far; `conclude` sums its counts up into notes.
#[derive(Default)]
struct Tally {
    records: Vec<ProbeRecord>,
    deviations: Vec<Deviation>,
    notes: BTreeMap<ChoiceId, Vec<String>>,
    /// Why a choice was not observed, should no answer confirm or contradict it.
    unobserved: BTreeMap<ChoiceId, &'static str>,
    incomplete: Vec<String>,
    /// Requests in a row that got no answer; at [`MAX_SILENCES`] the run sends no more.
    silences: usize,
    /// Probes not sent because the API had stopped answering, for "not checked".
    unsent: Vec<&'static str>,
    token_refused: bool,
    /// Answers, and the probe, operation and status of each without `X-Request-Id`.
    answers: usize,
    without_request_id: Vec<(&'static str, &'static str, u16)>,
    /// Error bodies in DRF's shape, their codes and the fields of field errors.
    error_bodies: usize,
    error_codes: BTreeSet<String>,
    error_fields: BTreeSet<String>,
    /// Every backup checked, by id, as first seen.
    backups: BTreeMap<i64, Value>,
    ordered_pages: usize,
    /// Pages whose length matched `count` and `page_size`, the sizes, and right links.
    sized_pages: usize,
    page_sizes: BTreeSet<u64>,
    right_links: usize,
    /// 5xx answers by status and content type.
    server_errors: BTreeMap<String, usize>,
}

/// Requests in a row without an answer after which a run stops sending: each could take a
/// whole timeout, and an API that stopped answering will not answer the rest either.
const MAX_SILENCES: usize = 2;

impl<'a> Run<'a> {
    pub(crate) fn new(
        transport: &'a Transport,
        contract: &'a Contract,
        probe_errors: bool,
    ) -> Self {
        Self { transport, contract, probe_errors, started: Instant::now(), tally: Tally::default() }
    }

    /// Sends the plan, in order: the first list alone (every other probe builds on it), then
    /// the rest, one loop over [`PLAN`].
    pub(crate) async fn execute(&mut self) {
        if !self.probe_errors {
            for choice in [C::Create, C::Delete404, C::Restore] {
                let why = "needs --probe-errors (it sends a write that must fail)";
                self.tally.unobserved.insert(choice, why);
            }
        }
        let (first_step, rest) = PLAN.split_first().expect("the plan starts with a list");
        let first = Probe::new(first_step, first_step.query);
        let Some(list) = self.send(&first).await else {
            let rest = self.planned_except(&["list"]);
            self.not_sent(&rest, "since the API could not be reached");
            return;
        };
        // Page 1 always exists, even empty: a 404 means the base URL is not the API's, and
        // every other probe would say the same (the caller reports it as a usage error).
        if list.status == 404 {
            let rest = self.planned_except(&["list"]);
            self.not_sent(&rest, "since the backup list was not found at this URL");
            return;
        }
        // Every other check needs the token; the two auth probes do not.
        let refused = matches!(list.status, 401 | 403);
        let mut all = None;
        if refused {
            self.refused(&list);
            let rest = self.planned_except(&["list", "auth-none", "auth-wrong"]);
            self.not_sent(&rest, "since they need the token the API refused");
        } else {
            all = self.check_page(&list, &[C::Pagination]);
        }
        let total = all.as_ref().map(|page| page.count);
        let server = list.object().and_then(|body| {
            body.get("results")?
                .as_array()?
                .iter()
                .find_map(|backup| backup.get("server")?.get("id")?.as_i64())
        });
        // The number of backups: the first list's, else the first paged probe's.
        let mut count = total;
        let mut counted = false;
        let mut previous: Option<Listing> = None;
        let mut before: Option<Listing> = None;
        for step in rest {
            if (step.write && !self.probe_errors)
                || (refused && step.credential == Credential::Token)
            {
                continue;
            }
            // What earlier answers must have shown: two backups for page 2, a value for each
            // placeholder.
            let next_page = matches!(step.expect, Expect::NextPage(_));
            let unknown = match (count, server) {
                (Some(n), _) if next_page && n < 2 => {
                    let why =
                        "the account has fewer than two backups, so no page can show an order";
                    self.tally.unobserved.insert(C::Ordering, why);
                    continue;
                }
                (None, _) if next_page => Some(
                    "since no list answered with a count (whether there is a page 2 is unknown)",
                ),
                (None, _) if step.query.contains("{past_last}") => {
                    Some("since no list answered with a count (the last page is unknown)")
                }
                (_, None) if step.query.contains("{server}") => match &all {
                    // An account without backups: nothing to filter by.
                    Some(page) if page.backups.is_empty() => continue,
                    Some(_) => Some("since no backup on the first list names its server"),
                    None => Some("since the first list gave no page to take a server from"),
                },
                _ => None,
            };
            if let Some(why) = unknown {
                self.not_sent(&[step.id], why);
                continue;
            }
            let past_last = count.unwrap_or(0).div_ceil(100).max(1).saturating_add(1);
            let query = (step.query.replace("{past_last}", &past_last.to_string()))
                .replace("{server}", &server.unwrap_or(0).to_string());
            let probe = Probe::new(step, &query);
            let reply = self.send(&probe).await;
            match (step.expect, reply) {
                (Expect::Before, reply) => before = reply.as_ref().and_then(listing_of),
                (Expect::After, reply) => self.compare(before.take(), reply),
                (Expect::Page(choices), reply) => {
                    previous = reply.and_then(|reply| self.check_page(&reply, choices));
                    if !std::mem::replace(&mut counted, true) {
                        count = count.or(previous.as_ref().map(|p| p.count));
                    }
                }
                (_, None) => {}
                (Expect::NextPage(choices), Some(reply)) => {
                    let next = self.check_page(&reply, choices);
                    self.check_across_pages(&reply, previous.as_ref(), next.as_ref());
                }
                (Expect::Filtered, Some(reply)) => self.check_filtered(&reply, total),
                (Expect::Empty(choices), Some(reply)) => self.check_empty(&reply, choices),
                (Expect::FieldError(field, choices), Some(reply)) => {
                    self.expect_field_error(&reply, field, choices);
                }
                (Expect::Detail(status, code, choices), Some(reply)) => {
                    self.expect_detail(&reply, status, code, choices);
                }
            }
        }
    }

    /// The probes this run plans (the writes only with `--probe-errors`), but `sent`.
    fn planned_except(&self, sent: &[&str]) -> Vec<&'static str> {
        PLAN.iter()
            .filter(|p| (!p.write || self.probe_errors) && !sent.contains(&p.id))
            .map(|p| p.id)
            .collect()
    }

    /// Says which probes were not sent, and why: every probe of the plan is either among
    /// the report's requests or named under "not checked" (or, when the account itself
    /// made it pointless, in a choice's verdict).
    fn not_sent(&mut self, ids: &[&str], why: &str) {
        if !ids.is_empty() {
            self.tally.incomplete.push(format!("{}: not sent, {why}", ids.join(", ")));
        }
    }

    /// The API refused the configured token: the run's outcome, whatever else it saw.
    fn refused(&mut self, reply: &Reply) {
        self.tally.token_refused = true;
        self.tally.incomplete.push(format!(
            "{}: the token was refused ({})",
            reply.probe.id,
            reply.summary()
        ));
    }

    /// Sends a probe, checks every answer against the contract, and records it. `None` when
    /// no answer came (or the API had stopped answering, and it was not sent).
    async fn send(&mut self, probe: &Probe) -> Option<Reply> {
        if self.tally.silences >= MAX_SILENCES {
            self.tally.unsent.push(probe.id);
            return None;
        }
        let sent = self.transport.send(&probe.request).await;
        // Every answer is checked (retries included); the last one is the probe's.
        let reply = sent.answers.iter().map(|answer| self.inspect(probe, answer)).last();
        self.tally.records.push(ProbeRecord {
            id: probe.id.to_string(),
            method: probe.request.method.to_string(),
            request: probe.request.target.clone(),
            credential: probe.request.credential,
            status: reply.as_ref().map(|r| r.status).filter(|_| sent.error.is_none()),
            attempts: sent.answers.len() + usize::from(sent.error.is_some()),
            request_id: reply.as_ref().and_then(|r| r.request_id.clone()),
            elapsed_ms: u64::try_from(sent.elapsed.as_millis()).unwrap_or(u64::MAX),
            error: sent.error.as_deref().map(excerpt),
        });
        if let Some(error) = sent.error {
            self.tally.incomplete.push(format!("{}: no answer ({})", probe.id, excerpt(&error)));
            self.tally.silences += 1;
            if self.tally.silences == MAX_SILENCES {
                self.tally.incomplete.push(
                    "the API stopped answering (two requests in a row), so the rest of the \
                     plan was not sent"
                        .into(),
                );
            }
            return None;
        }
        self.tally.silences = 0;
        reply
    }

    /// The checks every answer gets, whatever its probe is for.
    fn inspect(&mut self, probe: &Probe, answer: &Answer) -> Reply {
        let reply = Reply {
            probe: probe.clone(),
            status: answer.status,
            json: is_json(&answer.headers)
                .then(|| serde_json::from_slice::<Value>(&answer.body).ok())
                .flatten(),
            request_id: header_text(&answer.headers, "x-request-id").map(|id| excerpt(&id)),
        };
        match self.contract.check_response(
            probe.operation_id,
            answer.status,
            &answer.headers,
            &answer.body,
        ) {
            Ok(findings) => {
                for finding in findings {
                    let choices = choices_for(probe.operation_id, answer.status, &finding);
                    self.deviate(&reply, finding, &choices);
                }
            }
            Err(error) => self.tally.incomplete.push(format!("{}: {error}", probe.id)),
        }
        self.tally.answers += 1;
        if reply.request_id.is_none() {
            self.tally.without_request_id.push((probe.id, probe.operation_id, answer.status));
        }
        match answer.status {
            429 => self.inspect_throttled(&reply, &answer.headers),
            500..=599 => self.inspect_server_error(&reply, &answer.headers),
            400..=499 => self.inspect_error_body(&reply, &answer.headers),
            _ => {}
        }
        reply
    }

    fn note(&mut self, choice: ChoiceId, text: &str) {
        let notes = self.tally.notes.entry(choice).or_default();
        if !notes.iter().any(|n| n == text) {
            notes.push(text.to_string());
        }
    }

    /// Adds a finding to the deviations, merged with an equal one seen before. What came
    /// from the server is made safe to show here, once for every check.
    fn deviate(&mut self, reply: &Reply, finding: Finding, choices: &[ChoiceId]) {
        let location = wildcard_indices(&excerpt(&finding.location));
        let operation_id = reply.probe.operation_id.to_string();
        let existing = self.tally.deviations.iter_mut().find(|d| {
            d.kind == finding.kind
                && d.severity == finding.severity
                && d.operation_id == operation_id
                && d.status == Some(reply.status)
                && d.location == location
                && d.expected == finding.expected
                && d.choices == choices
        });
        match existing {
            Some(deviation) => {
                deviation.occurrences += 1;
                if deviation.probes.last().map(String::as_str) != Some(reply.probe.id) {
                    deviation.probes.push(reply.probe.id.to_string());
                }
            }
            None => self.tally.deviations.push(Deviation {
                severity: finding.severity,
                kind: finding.kind,
                choices: choices.to_vec(),
                operation_id,
                status: Some(reply.status),
                location,
                expected: finding.expected,
                got: excerpt(&finding.got),
                request_id: reply.request_id.clone(),
                probes: vec![reply.probe.id.to_string()],
                occurrences: 1,
            }),
        }
    }
}

fn choices_for(operation_id: &str, status: u16, finding: &Finding) -> Vec<ChoiceId> {
    let location = finding.location.as_str();
    match finding.kind {
        FindingKind::UnknownEnumValue => vec![C::Enums],
        FindingKind::UndocumentedField | FindingKind::UndocumentedStatus => Vec::new(),
        _ => match status {
            429 => vec![C::Throttling],
            500..=599 => vec![C::ServerErrors],
            400..=499 => vec![C::ErrorBodies],
            _ if location.starts_with("/results/") => vec![C::BackupFields],
            _ if location == "/next" || location == "/previous" => vec![C::Pagination],
            _ if operation_id == "restoreServer" => vec![C::Restore],
            _ => Vec::new(),
        },
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    header_text(headers, "content-type").is_some_and(|ct| {
        let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        essence == "application/json" || essence.ends_with("+json")
    })
}

/// A JSON pointer with array indices as `*`, so that one deviation covers every backup.
fn wildcard_indices(location: &str) -> String {
    if !location.starts_with('/') {
        return location.to_string();
    }
    let index = |segment: &str| !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
    let segments = location.split('/').map(|segment| if index(segment) { "*" } else { segment });
    segments.collect::<Vec<_>>().join("/")
}

#[cfg(test)]
#[path = "tests/plan.rs"]
mod tests;
