//! The fixed probe plan, and the checks of each answer: against the contract (every answer),
//! and against the inferred choices (what each probe is for).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use http::{HeaderMap, Method};
use reqwest::Url;
use serde::Serialize;
use serde_json::{Map, Value};

use vpsorg_contract::{Contract, Finding, FindingKind, Severity, clean};

use super::choice::{ChoiceId, ChoiceVerdict, Contradiction, Verdict};
use super::report::{ContractInfo, Deviation, Outcome, ProbeRecord, Report, Summary};
use super::transport::{Answer, Credential, Request, Transport, header_text, retry_after};

/// The id no account can have, for the writes that must fail: the largest `int64`, which
/// the spec allows in a path. Ids are allocated upwards from small numbers; reaching this
/// one would take 9.2 × 10¹⁸ backups or servers.
pub(crate) const UNUSED_ID: i64 = i64::MAX;

/// The body of the create that must fail: not JSON, so that no parser finds a server in it.
const CREATE_BODY: &str = "vpsorg doctor: this body is not JSON";

/// The spec's default `page_size`.
const DEFAULT_PAGE_SIZE: u64 = 20;
const BACKUPS: &str = "/api/v1/backups/";

/// One probe of the plan, described.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub(crate) struct ProbeInfo {
    /// Its id in the report.
    pub(crate) id: &'static str,
    /// The request, relative to the base URL.
    pub(crate) request: &'static str,
    /// What its answer must be.
    pub(crate) expects: &'static str,
    /// Whether it is one of the writes only `--probe-errors` sends.
    pub(crate) write: bool,
}

const fn read(id: &'static str, request: &'static str, expects: &'static str) -> ProbeInfo {
    ProbeInfo {
        id,
        request,
        expects,
        write: false,
    }
}

/// Every probe, in the order a run sends them. Without `--probe-errors`, only the reads.
pub(crate) const PROBES: [ProbeInfo; 21] = [
    read(
        "list",
        "GET /api/v1/backups/",
        "200 BackupList: page 1 at the default page_size 20, links, ordering, every backup",
    ),
    read(
        "page-size-1",
        "GET /api/v1/backups/?page_size=1",
        "200 with 1 result and a next link to page 2 when there are 2 or more backups",
    ),
    read(
        "page-2",
        "GET /api/v1/backups/?page=2&page_size=1",
        "200 with the second-newest backup and a previous link (sent when there are 2 or more)",
    ),
    read(
        "page-size-100",
        "GET /api/v1/backups/?page_size=100",
        "200 with up to 100 results",
    ),
    read(
        "page-size-0",
        "GET /api/v1/backups/?page_size=0",
        "400 with a field error on page_size",
    ),
    read(
        "page-size-101",
        "GET /api/v1/backups/?page_size=101",
        "400 with a field error on page_size",
    ),
    read(
        "page-past-last",
        "GET /api/v1/backups/?page=N&page_size=100",
        "404 not_found (Invalid page.) for the page after the last",
    ),
    read(
        "page-invalid",
        "GET /api/v1/backups/?page=abc",
        "404 not_found (Invalid page.)",
    ),
    read(
        "filter-bad-type",
        "GET /api/v1/backups/?backup_type=no-such-type",
        "400 with a field error on backup_type",
    ),
    read(
        "filter-bad-server",
        "GET /api/v1/backups/?server_id=abc",
        "400 with a field error on server_id",
    ),
    read(
        "filter-no-server",
        "GET /api/v1/backups/?server_id=0",
        "200 with count 0 (no server has id 0)",
    ),
    read(
        "filter-server",
        "GET /api/v1/backups/?server_id=S",
        "200 with only backups of server S, one seen on the first page (sent when there is one)",
    ),
    read(
        "filter-manual",
        "GET /api/v1/backups/?backup_type=manual",
        "200 with only manual backups",
    ),
    read(
        "filter-automatic",
        "GET /api/v1/backups/?backup_type=automatic",
        "200 with only automatic backups",
    ),
    read(
        "auth-none",
        "GET /api/v1/backups/ without Authorization",
        "401 not_authenticated with WWW-Authenticate",
    ),
    read(
        "auth-wrong",
        "GET /api/v1/backups/ with a wrong token",
        "401 authentication_failed with WWW-Authenticate",
    ),
    ProbeInfo {
        write: true,
        ..read(
            "writes-before",
            "GET /api/v1/backups/?page_size=100",
            "200: the state before the writes",
        )
    },
    ProbeInfo {
        write: true,
        ..read(
            "delete-unknown",
            "DELETE /api/v1/backups/9223372036854775807/",
            "404 backup_not_found",
        )
    },
    ProbeInfo {
        write: true,
        ..read(
            "restore-unknown",
            "POST /api/v1/servers/9223372036854775807/restore/ {\"backup_id\": 9223372036854775807}",
            "404 server_not_found",
        )
    },
    ProbeInfo {
        write: true,
        ..read(
            "create-invalid",
            "POST /api/v1/backups/ with a body that is not JSON",
            "400 parse_error",
        )
    },
    ProbeInfo {
        write: true,
        ..read(
            "writes-after",
            "GET /api/v1/backups/?page_size=100",
            "200 with the same backups as before the writes",
        )
    },
];

/// A probe about to be sent.
struct Probe {
    id: &'static str,
    operation_id: &'static str,
    request: Request,
}

impl Probe {
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

    fn list(id: &'static str, query: &str) -> Self {
        Self::with(id, Credential::Token, query)
    }

    fn with(id: &'static str, credential: Credential, query: &str) -> Self {
        let target = if query.is_empty() {
            BACKUPS.to_string()
        } else {
            format!("{BACKUPS}?{query}")
        };
        Self {
            id,
            operation_id: "listBackups",
            request: Request {
                method: Method::GET,
                target,
                credential,
                body: None,
            },
        }
    }
}

/// The final answer to a probe, with its body parsed when it is JSON.
struct Reply {
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
            return format!("{status} with code {}", clean(code));
        }
        if let Some(detail) = body.get("detail").and_then(Value::as_str) {
            return format!("{status} with detail {:?} and no code", clean(detail));
        }
        let fields: Vec<&str> = body.keys().map(String::as_str).collect();
        format!(
            "{status} with field errors on {}",
            clean(&fields.join(", "))
        )
    }
}

/// What a list's page held.
#[derive(Debug, PartialEq, Eq)]
struct Page {
    count: u64,
    ids: Vec<i64>,
}

/// A filter a list was sent with, whose results must all match it.
#[derive(Debug, Clone, Copy)]
enum Filter<'a> {
    None,
    Server(i64),
    Type(&'a str),
}

/// What a list asked for, and so what its page must hold.
#[derive(Debug, Clone, Copy)]
struct Asked<'a> {
    /// The page number (1-based).
    page: u64,
    /// `page_size`, when the query gave one (the spec's default is 20).
    page_size: Option<u64>,
    /// Query parameters the `next`/`previous` links must keep.
    kept: &'a [(&'a str, &'a str)],
    /// A filter every result must match.
    filter: Filter<'a>,
    /// The inferred choices a status other than 200 contradicts.
    choices: &'a [ChoiceId],
}

/// One run: the answers so far and what they showed.
pub(crate) struct Run<'a> {
    transport: &'a Transport,
    contract: &'a Contract,
    probe_errors: bool,
    started: Instant,
    records: Vec<ProbeRecord>,
    requests: usize,
    deviations: Vec<Deviation>,
    notes: BTreeMap<ChoiceId, Vec<String>>,
    unobserved: BTreeMap<ChoiceId, String>,
    incomplete: Vec<String>,
    /// Answers, and how many of them carried `X-Request-Id`; the first one without.
    answers: usize,
    with_request_id: usize,
    first_without_request_id: Option<(String, &'static str, u16)>,
    /// Error bodies in DRF's shape, their codes and the fields of field errors.
    error_bodies: usize,
    error_codes: BTreeSet<String>,
    error_fields: BTreeSet<String>,
    /// Distinct backups checked, and what they held.
    backups: BTreeSet<i64>,
    null_size: usize,
    null_expiry: usize,
    types_seen: BTreeSet<String>,
    statuses_seen: BTreeSet<String>,
    ordered_pages: usize,
    /// Pages whose length matched `count` and `page_size`, the sizes, and right links.
    sized_pages: usize,
    page_sizes: BTreeSet<u64>,
    right_links: usize,
    /// 5xx answers by status and content type.
    server_errors: BTreeMap<String, usize>,
    /// Requests in a row that got no answer; at [`MAX_SILENCES`] the run sends no more.
    silences: usize,
    /// Probes not sent because the API had stopped answering, for "not checked".
    unsent: Vec<&'static str>,
    /// Whether the API refused the configured token (401 or 403) on any probe.
    token_refused: bool,
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
        Self {
            transport,
            contract,
            probe_errors,
            started: Instant::now(),
            records: Vec::new(),
            requests: 0,
            deviations: Vec::new(),
            notes: BTreeMap::new(),
            unobserved: BTreeMap::new(),
            incomplete: Vec::new(),
            answers: 0,
            with_request_id: 0,
            first_without_request_id: None,
            error_bodies: 0,
            error_codes: BTreeSet::new(),
            error_fields: BTreeSet::new(),
            backups: BTreeSet::new(),
            null_size: 0,
            null_expiry: 0,
            types_seen: BTreeSet::new(),
            statuses_seen: BTreeSet::new(),
            ordered_pages: 0,
            sized_pages: 0,
            page_sizes: BTreeSet::new(),
            right_links: 0,
            server_errors: BTreeMap::new(),
            silences: 0,
            unsent: Vec::new(),
            token_refused: false,
        }
    }

    /// Sends the plan, in order.
    pub(crate) async fn execute(&mut self) {
        if !self.probe_errors {
            for choice in [ChoiceId::Create, ChoiceId::Delete404, ChoiceId::Restore] {
                self.unobserved.insert(
                    choice,
                    "needs --probe-errors (it sends a write that must fail)".into(),
                );
            }
        }
        let first = Probe::list("list", "");
        let Some(list) = self.send(&first).await else {
            let rest = self.planned_except(&["list"]);
            self.not_sent(&rest, "since the API could not be reached");
            return;
        };
        if matches!(list.status, 401 | 403) {
            // Every other check needs the token; the two auth probes do not.
            self.refused(&first, &list);
            let rest = self.planned_except(&["list", "auth-none", "auth-wrong"]);
            self.not_sent(&rest, "since they need the token the API refused");
            self.auth_probes().await;
            return;
        }
        let pagination = [ChoiceId::Pagination];
        let all = self.check_page(
            &first,
            &list,
            &Asked {
                page: 1,
                page_size: None,
                kept: &[],
                filter: Filter::None,
                choices: &pagination,
            },
        );
        let total = all.as_ref().map(|page| page.count);

        // Pagination.
        let probe = Probe::list("page-size-1", "page_size=1");
        let one = self.send(&probe).await;
        let first_page = match &one {
            Some(reply) => self.check_page(
                &probe,
                reply,
                &Asked {
                    page: 1,
                    page_size: Some(1),
                    kept: &[("page_size", "1")],
                    filter: Filter::None,
                    choices: &pagination,
                },
            ),
            None => None,
        };
        let count = total.or(first_page.as_ref().map(|p| p.count));
        if count.is_some_and(|n| n >= 2) {
            let probe = Probe::list("page-2", "page=2&page_size=1");
            if let Some(reply) = self.send(&probe).await {
                let second = self.check_page(
                    &probe,
                    &reply,
                    &Asked {
                        page: 2,
                        page_size: Some(1),
                        kept: &[("page_size", "1")],
                        filter: Filter::None,
                        choices: &pagination,
                    },
                );
                self.check_across_pages(&probe, &reply, first_page.as_ref(), second.as_ref());
            }
        } else if count.is_some() {
            self.unobserved.insert(
                ChoiceId::Ordering,
                "the account has fewer than two backups, so no page can show an order".into(),
            );
        } else {
            self.not_sent(
                &["page-2"],
                "since no list answered with a count (whether there is a page 2 is unknown)",
            );
        }
        let probe = Probe::list("page-size-100", "page_size=100");
        if let Some(reply) = self.send(&probe).await {
            self.check_page(
                &probe,
                &reply,
                &Asked {
                    page: 1,
                    page_size: Some(100),
                    kept: &[("page_size", "100")],
                    filter: Filter::None,
                    choices: &pagination,
                },
            );
        }
        for (id, query) in [
            ("page-size-0", "page_size=0"),
            ("page-size-101", "page_size=101"),
        ] {
            let probe = Probe::list(id, query);
            if let Some(reply) = self.send(&probe).await {
                self.expect_field_error(
                    &probe,
                    &reply,
                    "page_size",
                    &[ChoiceId::Pagination, ChoiceId::List400],
                );
            }
        }
        if let Some(count) = count {
            let last = count.div_ceil(100).max(1);
            let probe = Probe::list(
                "page-past-last",
                &format!("page={}&page_size=100", last.saturating_add(1)),
            );
            if let Some(reply) = self.send(&probe).await {
                self.expect_detail(&probe, &reply, 404, "not_found", &[ChoiceId::Pagination]);
            }
        } else {
            self.not_sent(
                &["page-past-last"],
                "since no list answered with a count (the last page is unknown)",
            );
        }
        let probe = Probe::list("page-invalid", "page=abc");
        if let Some(reply) = self.send(&probe).await {
            self.expect_detail(&probe, &reply, 404, "not_found", &[ChoiceId::Pagination]);
        }

        // Filters.
        for (id, query, field) in [
            ("filter-bad-type", "backup_type=no-such-type", "backup_type"),
            ("filter-bad-server", "server_id=abc", "server_id"),
        ] {
            let probe = Probe::list(id, query);
            if let Some(reply) = self.send(&probe).await {
                self.expect_field_error(&probe, &reply, field, &[ChoiceId::List400]);
            }
        }
        let probe = Probe::list("filter-no-server", "server_id=0");
        if let Some(reply) = self.send(&probe).await
            && let Some(page) = self.check_page(
                &probe,
                &reply,
                &Asked {
                    page: 1,
                    page_size: None,
                    kept: &[("server_id", "0")],
                    filter: Filter::Server(0),
                    choices: &[ChoiceId::List400],
                },
            )
        {
            if page.count == 0 {
                self.note(ChoiceId::List400, "?server_id=0 → 200 with count 0");
            } else {
                self.deviate(
                    &probe,
                    &reply,
                    Finding::new(
                        FindingKind::FilterIgnored,
                        "/count",
                        "count 0 (no server has id 0)",
                        format!("count {}", page.count),
                    ),
                    &[ChoiceId::List400],
                );
            }
        }
        let server = list.object().and_then(|body| {
            body.get("results")?
                .as_array()?
                .iter()
                .find_map(|backup| backup.get("server")?.get("id")?.as_i64())
        });
        if let Some(server) = server {
            let probe = Probe::list("filter-server", &format!("server_id={server}"));
            if let Some(reply) = self.send(&probe).await {
                let server_text = server.to_string();
                let page = self.check_page(
                    &probe,
                    &reply,
                    &Asked {
                        page: 1,
                        page_size: None,
                        kept: &[("server_id", &server_text)],
                        filter: Filter::Server(server),
                        choices: &[],
                    },
                );
                self.check_not_more(&probe, &reply, page.as_ref(), total);
            }
        } else if all.is_none() {
            self.not_sent(
                &["filter-server"],
                "since the first list gave no page to take a server from",
            );
        } else if all.as_ref().is_some_and(|page| !page.ids.is_empty()) {
            self.not_sent(
                &["filter-server"],
                "since no backup on the first list names its server",
            );
        }
        for (id, backup_type) in [
            ("filter-manual", "manual"),
            ("filter-automatic", "automatic"),
        ] {
            let probe = Probe::list(id, &format!("backup_type={backup_type}"));
            if let Some(reply) = self.send(&probe).await {
                let page = self.check_page(
                    &probe,
                    &reply,
                    &Asked {
                        page: 1,
                        page_size: None,
                        kept: &[("backup_type", backup_type)],
                        filter: Filter::Type(backup_type),
                        choices: &[],
                    },
                );
                self.check_not_more(&probe, &reply, page.as_ref(), total);
            }
        }

        self.auth_probes().await;

        if self.probe_errors {
            self.error_probes().await;
        }
    }

    /// The probes this run plans (the writes only with `--probe-errors`), but `sent`.
    fn planned_except(&self, sent: &[&str]) -> Vec<&'static str> {
        PROBES
            .iter()
            .filter(|p| (!p.write || self.probe_errors) && !sent.contains(&p.id))
            .map(|p| p.id)
            .collect()
    }

    /// Says which probes were not sent, and why: every probe of the plan is either among
    /// the report's requests or named under "not checked" (or, when the account itself
    /// made it pointless, in a choice's verdict).
    fn not_sent(&mut self, ids: &[&str], why: &str) {
        if !ids.is_empty() {
            self.incomplete
                .push(format!("{}: not sent, {why}", ids.join(", ")));
        }
    }

    /// The API refused the configured token: the run's outcome, whatever else it saw.
    fn refused(&mut self, probe: &Probe, reply: &Reply) {
        self.token_refused = true;
        self.incomplete.push(format!(
            "{}: the token was refused ({})",
            probe.id,
            reply.summary()
        ));
    }

    async fn auth_probes(&mut self) {
        for (id, credential, code) in [
            ("auth-none", Credential::None, "not_authenticated"),
            ("auth-wrong", Credential::Wrong, "authentication_failed"),
        ] {
            let probe = Probe::with(id, credential, "");
            if let Some(reply) = self.send(&probe).await {
                self.expect_detail(&probe, &reply, 401, code, &[ChoiceId::ErrorBodies]);
            }
        }
    }

    /// The writes that must fail, between two snapshots of the list.
    async fn error_probes(&mut self) {
        let before_probe = Probe::list("writes-before", "page_size=100");
        let before = match self.send(&before_probe).await {
            Some(reply) => listing_of(&reply),
            None => None,
        };
        let delete = Probe {
            id: "delete-unknown",
            operation_id: "deleteBackup",
            request: Request {
                method: Method::DELETE,
                target: format!("{BACKUPS}{UNUSED_ID}/"),
                credential: Credential::Token,
                body: None,
            },
        };
        if let Some(reply) = self.send(&delete).await {
            self.expect_detail(
                &delete,
                &reply,
                404,
                "backup_not_found",
                &[ChoiceId::Delete404],
            );
        }
        let restore = Probe {
            id: "restore-unknown",
            operation_id: "restoreServer",
            request: Request {
                method: Method::POST,
                target: format!("/api/v1/servers/{UNUSED_ID}/restore/"),
                credential: Credential::Token,
                body: Some((
                    "application/json",
                    format!("{{\"backup_id\": {UNUSED_ID}}}").into_bytes(),
                )),
            },
        };
        if let Some(reply) = self.send(&restore).await {
            self.expect_detail(
                &restore,
                &reply,
                404,
                "server_not_found",
                &[ChoiceId::Restore],
            );
        }
        let create = Probe {
            id: "create-invalid",
            operation_id: "createBackup",
            request: Request {
                method: Method::POST,
                target: BACKUPS.to_string(),
                credential: Credential::Token,
                // Not JSON at all: no parser can read a server to back up out of it.
                body: Some(("application/json", CREATE_BODY.as_bytes().to_vec())),
            },
        };
        if let Some(reply) = self.send(&create).await {
            self.expect_detail(&create, &reply, 400, "parse_error", &[ChoiceId::Create]);
        }
        let after_probe = Probe::list("writes-after", "page_size=100");
        let after = match self.send(&after_probe).await {
            Some(reply) => listing_of(&reply).map(|listing| (listing, reply)),
            None => None,
        };
        let (Some(before), Some((after, reply))) = (before, after) else {
            self.incomplete.push(
                "whether the writes changed the list: no list before or after to compare".into(),
            );
            return;
        };
        let changes = changes(&before, &after);
        if changes.is_empty() {
            // Restore gets no such note: it changes no list, whatever it does; its guard is
            // the 404 for a server that cannot exist.
            let note = format!(
                "the list was the same before and after the writes ({} backups)",
                after.count
            );
            for choice in [ChoiceId::Create, ChoiceId::Delete404] {
                self.note(choice, &note);
            }
            return;
        }
        let counts = format!("count {} → {}", before.count, after.count);
        let (by_writes, by_others): (Vec<Change>, Vec<Change>) =
            changes.into_iter().partition(|c| c.cause.is_some());
        if !by_writes.is_empty() {
            let mut choices: Vec<ChoiceId> = by_writes.iter().filter_map(|c| c.cause).collect();
            choices.sort();
            choices.dedup();
            self.deviate(
                &after_probe,
                &reply,
                Finding::new(
                    FindingKind::StateChanged,
                    "/results",
                    format!(
                        "no backup the writes could have made or deleted (before them: count {}, \
                         ids {})",
                        before.count,
                        ids_text(&before.ids())
                    ),
                    format!("{} ({counts})", texts(&by_writes)),
                ),
                &choices,
            );
        }
        if !by_others.is_empty() {
            // A live account changes by itself: a schedule starts backups, old ones expire,
            // people work. Not the contract's business, and not a reason to fail a run.
            self.deviate(
                &after_probe,
                &reply,
                Finding::new(
                    FindingKind::AccountChanged,
                    "/results",
                    "no change across the writes, or only one they could cause; this one none \
                     could: the account changed during the run (another actor: a schedule, an \
                     expiry, a person)",
                    format!("{} ({counts})", texts(&by_others)),
                ),
                &[],
            );
        }
    }

    /// Sends a probe, checks every answer against the contract, and records it. `None` when
    /// no answer came (or the API had stopped answering, and it was not sent).
    async fn send(&mut self, probe: &Probe) -> Option<Reply> {
        if self.silences >= MAX_SILENCES {
            self.unsent.push(probe.id);
            return None;
        }
        let sent = self.transport.send(&probe.request).await;
        let attempts = sent.answers.len() + usize::from(sent.error.is_some());
        self.requests += attempts;
        let replies: Vec<Reply> = sent
            .answers
            .iter()
            .map(|answer| self.inspect(probe, answer))
            .collect();
        self.records.push(ProbeRecord {
            id: probe.id.to_string(),
            method: probe.request.method.to_string(),
            request: probe.request.target.clone(),
            credential: probe.request.credential.as_str(),
            status: match sent.error {
                Some(_) => None,
                None => replies.last().map(|r| r.status),
            },
            attempts,
            request_id: replies.last().and_then(|r| r.request_id.clone()),
            elapsed_ms: u64::try_from(sent.elapsed.as_millis()).unwrap_or(u64::MAX),
            error: sent.error.as_deref().map(clean),
        });
        if let Some(error) = sent.error {
            self.incomplete
                .push(format!("{}: no answer ({})", probe.id, clean(&error)));
            self.silences += 1;
            if self.silences == MAX_SILENCES {
                self.incomplete.push(
                    "the API stopped answering (two requests in a row), so the rest of the \
                     plan was not sent"
                        .into(),
                );
            }
            return None;
        }
        self.silences = 0;
        replies.into_iter().last()
    }

    /// The checks every answer gets: the contract, `X-Request-Id`, and by status class the
    /// choices about throttling, server errors and error bodies.
    fn inspect(&mut self, probe: &Probe, answer: &Answer) -> Reply {
        let reply = Reply {
            status: answer.status,
            json: is_json(&answer.headers)
                .then(|| serde_json::from_slice::<Value>(&answer.body).ok())
                .flatten(),
            request_id: answer.request_id().map(|id| clean(&id)),
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
                    self.deviate(probe, &reply, finding, &choices);
                }
            }
            Err(error) => self.incomplete.push(format!("{}: {error}", probe.id)),
        }
        self.answers += 1;
        if reply.request_id.is_some() {
            self.with_request_id += 1;
        } else if self.first_without_request_id.is_none() {
            self.first_without_request_id =
                Some((probe.id.to_string(), probe.operation_id, answer.status));
        }
        match answer.status {
            429 => self.inspect_throttled(probe, &reply, &answer.headers),
            500..=599 => self.inspect_server_error(probe, &reply, &answer.headers),
            400..=499 => self.inspect_error_body(probe, &reply, &answer.headers),
            _ => {}
        }
        reply
    }

    fn inspect_throttled(&mut self, probe: &Probe, reply: &Reply, headers: &HeaderMap) {
        let choice = [ChoiceId::Throttling];
        match header_text(headers, "retry-after") {
            None => self.deviate(
                probe,
                reply,
                Finding::new(
                    FindingKind::MissingHeader,
                    "header:Retry-After",
                    "Retry-After in whole seconds (or an HTTP date)",
                    "none",
                ),
                &choice,
            ),
            Some(value) if retry_after(headers, std::time::SystemTime::now()).is_none() => self
                .deviate(
                    probe,
                    reply,
                    Finding::new(
                        FindingKind::InvalidHeader,
                        "header:Retry-After",
                        "whole seconds (or an HTTP date)",
                        value,
                    ),
                    &choice,
                ),
            Some(value) => {
                let form = if value.parse::<u64>().is_ok() {
                    "seconds"
                } else {
                    "an HTTP date"
                };
                self.note(
                    ChoiceId::Throttling,
                    &format!("429 on {} with Retry-After in {form}", probe.id),
                );
            }
        }
        match reply
            .object()
            .and_then(|body| body.get("code"))
            .and_then(Value::as_str)
        {
            Some("throttled") | None => {}
            Some(other) => self.deviate(
                probe,
                reply,
                Finding::new(
                    FindingKind::ErrorBody,
                    "/code",
                    "code \"throttled\"",
                    format!("code {other:?}"),
                ),
                &choice,
            ),
        }
    }

    fn inspect_server_error(&mut self, probe: &Probe, reply: &Reply, headers: &HeaderMap) {
        let content_type = header_text(headers, "content-type")
            .map_or_else(|| "no Content-Type".to_string(), |ct| clean(&ct));
        *self
            .server_errors
            .entry(format!("{} ({content_type})", reply.status))
            .or_default() += 1;
        if reply.status == 503
            && let Some(value) = header_text(headers, "retry-after")
            && retry_after(headers, std::time::SystemTime::now()).is_none()
        {
            self.deviate(
                probe,
                reply,
                Finding::new(
                    FindingKind::InvalidHeader,
                    "header:Retry-After",
                    "whole seconds (or an HTTP date)",
                    value,
                ),
                &[ChoiceId::ServerErrors],
            );
        }
    }

    /// A 4xx body must be DRF's: `detail` with a `code`, or field errors.
    fn inspect_error_body(&mut self, probe: &Probe, reply: &Reply, headers: &HeaderMap) {
        if reply.status == 401 && headers.get("www-authenticate").is_none() {
            self.deviate(
                probe,
                reply,
                Finding::new(
                    FindingKind::MissingHeader,
                    "header:WWW-Authenticate",
                    "a WWW-Authenticate challenge (HTTP requires one on a 401; the spec is silent)",
                    "none",
                )
                .with_severity(Severity::Warning),
                &[],
            );
        }
        // Not JSON at all: the contract check has said so already.
        let Some(body) = reply.object() else {
            return;
        };
        let shape = if body.contains_key("detail") {
            match body.get("code").and_then(Value::as_str) {
                Some(code) => Ok(Some(code.to_string())),
                None => Err("a detail without a code".to_string()),
            }
        } else if body.is_empty() {
            Err("an empty object".to_string())
        } else if body.values().all(is_message_list) {
            self.error_fields.extend(body.keys().map(|k| clean(k)));
            Ok(None)
        } else {
            // A field whose value is not a list of messages: the contract check said so.
            return;
        };
        match shape {
            Ok(code) => {
                self.error_bodies += 1;
                self.error_codes.extend(code.map(|c| clean(&c)));
            }
            Err(got) => self.deviate(
                probe,
                reply,
                Finding::new(
                    FindingKind::ErrorBody,
                    "body",
                    "DRF's {\"detail\", \"code\"} or field errors {\"field\": [\"message\"]}",
                    got,
                ),
                &[ChoiceId::ErrorBodies],
            ),
        }
    }

    /// Whether the reply has the status a check needs. Another status contradicts `choices`
    /// (a 403 included); a 5xx or a 429 means the check could not run, and a 401 that the
    /// token was revoked.
    fn expect_status(
        &mut self,
        probe: &Probe,
        reply: &Reply,
        expected: u16,
        what: &str,
        choices: &[ChoiceId],
    ) -> bool {
        if reply.status == expected {
            return true;
        }
        let id = probe.id;
        match reply.status {
            500..=599 => self.incomplete.push(format!(
                "{id}: answered {} where the check needs {expected}",
                reply.status
            )),
            429 => self.incomplete.push(format!(
                "{id}: still throttled (429) after the bounded wait"
            )),
            // The first list already read with this token (a 401 or 403 there ends the run
            // before any check), so a 401 now means it was revoked during the run. A 403 is
            // the API refusing this one request to a token that works: a permission the
            // contract does not document, which is a deviation, not a token problem.
            401 if probe.request.credential == Credential::Token => {
                self.refused(probe, reply);
            }
            _ => self.deviate(
                probe,
                reply,
                Finding::new(
                    FindingKind::UnexpectedStatus,
                    "status",
                    format!("{expected} {what}"),
                    reply.summary(),
                ),
                choices,
            ),
        }
        false
    }

    /// A DRF `{"detail", "code"}` error with this status and code.
    fn expect_detail(
        &mut self,
        probe: &Probe,
        reply: &Reply,
        status: u16,
        code: &str,
        choices: &[ChoiceId],
    ) {
        if !self.expect_status(probe, reply, status, &format!("with code {code}"), choices) {
            return;
        }
        let Some(body) = reply.object() else {
            return;
        };
        match body.get("code").and_then(Value::as_str) {
            Some(got) if got == code => {
                for choice in choices {
                    self.note(*choice, &format!("{} → {status} {code}", probe.label()));
                }
            }
            Some(got) => self.deviate(
                probe,
                reply,
                Finding::new(
                    FindingKind::ErrorBody,
                    "/code",
                    format!("code {code:?}"),
                    format!("code {:?}", clean(got)),
                ),
                choices,
            ),
            // A detail without a code was reported as an error body already.
            None if body.contains_key("detail") => {}
            None => self.deviate(
                probe,
                reply,
                Finding::new(
                    FindingKind::ErrorBody,
                    "body",
                    format!("{{\"detail\": ..., \"code\": {code:?}}}"),
                    reply.summary(),
                ),
                choices,
            ),
        }
    }

    /// A 400 with a DRF field error on `field`.
    fn expect_field_error(
        &mut self,
        probe: &Probe,
        reply: &Reply,
        field: &str,
        choices: &[ChoiceId],
    ) {
        let what = format!("with a field error on {field}");
        if !self.expect_status(probe, reply, 400, &what, choices) {
            return;
        }
        let Some(body) = reply.object() else {
            return;
        };
        if body.get(field).is_some_and(is_message_list) {
            for choice in choices {
                self.note(*choice, &format!("{} → 400 on {field}", probe.label()));
            }
        } else {
            self.deviate(
                probe,
                reply,
                Finding::new(
                    FindingKind::ErrorBody,
                    "body",
                    format!("{{\"{field}\": [\"message\"]}}"),
                    reply.summary(),
                ),
                choices,
            );
        }
    }

    /// A 200 page: its length from `count` and `page_size`, its links, its order, its
    /// backups, and its filter.
    fn check_page(&mut self, probe: &Probe, reply: &Reply, asked: &Asked<'_>) -> Option<Page> {
        let Asked {
            page,
            page_size,
            kept,
            filter,
            choices,
        } = *asked;
        if !self.expect_status(probe, reply, 200, "with a page of backups", choices) {
            return None;
        }
        let parsed = self.page_of(reply)?;
        let body = reply.object()?;
        let results = body.get("results")?.as_array()?;
        let size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        let before = (page - 1).saturating_mul(size);
        let expected_len = parsed.count.saturating_sub(before).min(size);
        let len = results.len() as u64;
        if len == expected_len {
            self.sized_pages += 1;
            self.page_sizes.insert(size);
        } else {
            self.deviate(
                probe,
                reply,
                Finding::new(
                    FindingKind::PageLength,
                    "/results",
                    format!(
                        "{expected_len} results (count {}, page {page}, page_size {size})",
                        parsed.count
                    ),
                    format!("{len} results"),
                ),
                &[ChoiceId::Pagination],
            );
        }
        let next = (parsed.count > page.saturating_mul(size)).then_some(page + 1);
        let previous = (page > 1).then(|| page - 1);
        self.check_link(probe, reply, "next", next, kept);
        self.check_link(probe, reply, "previous", previous, kept);

        if parsed.ids.len() >= 2 {
            match parsed.ids.windows(2).find(|pair| pair[0] <= pair[1]) {
                None => self.ordered_pages += 1,
                Some(pair) => self.deviate(
                    probe,
                    reply,
                    Finding::new(
                        FindingKind::Ordering,
                        "/results",
                        "ids newest (highest) first",
                        format!("id {} before id {}", pair[0], pair[1]),
                    ),
                    &[ChoiceId::Ordering],
                ),
            }
        }
        for backup in results {
            self.tally_backup(backup);
        }
        let stray = results.iter().find(|backup| match filter {
            Filter::None => false,
            Filter::Server(id) => {
                backup
                    .get("server")
                    .and_then(|s| s.get("id"))
                    .and_then(Value::as_i64)
                    != Some(id)
            }
            Filter::Type(backup_type) => {
                backup.get("backup_type").and_then(Value::as_str) != Some(backup_type)
            }
        });
        match (filter, stray) {
            (Filter::None, _) => {}
            (_, Some(stray)) => {
                let (expected, got) = match filter {
                    Filter::Server(id) => (
                        format!("only backups of server {id}"),
                        format!(
                            "backup {} of server {}",
                            stray.get("id").map_or("?".into(), Value::to_string),
                            stray
                                .pointer("/server/id")
                                .map_or("?".into(), Value::to_string)
                        ),
                    ),
                    _ => (
                        format!("only backups whose backup_type is {}", filter_text(filter)),
                        format!(
                            "backup {} of type {}",
                            stray.get("id").map_or("?".into(), Value::to_string),
                            stray
                                .get("backup_type")
                                .map_or("?".into(), |v| clean(&v.to_string()))
                        ),
                    ),
                };
                self.deviate(
                    probe,
                    reply,
                    Finding::new(FindingKind::FilterIgnored, "/results", expected, got),
                    &[],
                );
            }
            (Filter::Type(backup_type), None) if !results.is_empty() => self.note(
                ChoiceId::Enums,
                &format!("backup_type={backup_type} lists only {backup_type} backups"),
            ),
            _ => {}
        }
        Some(parsed)
    }

    /// `count` and the ids of a page, when the body has them.
    fn page_of(&self, reply: &Reply) -> Option<Page> {
        if reply.status != 200 {
            return None;
        }
        let body = reply.object()?;
        let count = body.get("count")?.as_u64()?;
        let ids = body
            .get("results")?
            .as_array()?
            .iter()
            .filter_map(|backup| backup.get("id")?.as_i64())
            .collect();
        Some(Page { count, ids })
    }

    /// A `next` or `previous` link: absent (a warning: the spec allows it), null exactly
    /// when there is no such page, else an absolute URL on the base URL's origin and path
    /// with that page and the same other parameters.
    fn check_link(
        &mut self,
        probe: &Probe,
        reply: &Reply,
        name: &str,
        page: Option<u64>,
        kept: &[(&str, &str)],
    ) {
        let Some(body) = reply.object() else {
            return;
        };
        let location = format!("/{name}");
        let expected = match page {
            Some(page) => format!("a `{name}` link to page {page}"),
            None => format!("`{name}`: null (there is no {name} page)"),
        };
        let Some(value) = body.get(name) else {
            // One deviation per field, whatever page it would have named.
            self.deviate(
                probe,
                reply,
                Finding::new(
                    FindingKind::PageLinks,
                    location,
                    format!("a `{name}` field: a link, or null when there is no {name} page"),
                    "absent (the spec allows it; clients then page by number)",
                )
                .with_severity(Severity::Warning),
                &[ChoiceId::Pagination],
            );
            return;
        };
        let problem = match (value, page) {
            (Value::Null, None) => None,
            (Value::Null, Some(_)) => Some("null".to_string()),
            (Value::String(link), None) => Some(clean(link)),
            (Value::String(link), Some(page)) => self
                .link_problem(link, page, kept)
                .map(|why| format!("{} ({why})", clean(link))),
            // Another type: the contract check has reported it.
            (_, _) => None,
        };
        match problem {
            None => {
                if page.is_some() {
                    self.right_links += 1;
                }
            }
            Some(got) => self.deviate(
                probe,
                reply,
                Finding::new(FindingKind::PageLinks, location, expected, got),
                &[ChoiceId::Pagination],
            ),
        }
    }

    /// Why a link is not the base URL's list at `page` with the `kept` parameters.
    fn link_problem(&self, link: &str, page: u64, kept: &[(&str, &str)]) -> Option<String> {
        let Ok(url) = Url::parse(link) else {
            return Some("not an absolute URL".into());
        };
        let base = self.transport.base();
        if url.origin() != base.origin() {
            return Some(format!(
                "another origin than {}; not followed",
                base.origin().ascii_serialization()
            ));
        }
        let path = format!("{}{BACKUPS}", base.path().trim_end_matches('/'));
        if url.path() != path {
            return Some(format!("path {} instead of {path}", url.path()));
        }
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let value = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let page_text = page.to_string();
        match value("page") {
            Some(got) if got == page_text => {}
            // DRF drops `page=1` from the link to the first page.
            None if page == 1 => {}
            got => return Some(format!("page {}", got.unwrap_or("absent"))),
        }
        kept.iter()
            .find(|(name, want)| value(name) != Some(want))
            .map(|(name, want)| format!("{name}={want} not kept"))
    }

    /// Page 2 at page_size=1 holds the backup after page 1's.
    fn check_across_pages(
        &mut self,
        probe: &Probe,
        reply: &Reply,
        first: Option<&Page>,
        second: Option<&Page>,
    ) {
        let (Some(&a), Some(&b)) = (
            first.and_then(|p| p.ids.first()),
            second.and_then(|p| p.ids.first()),
        ) else {
            return;
        };
        if a > b {
            self.ordered_pages += 1;
            self.note(
                ChoiceId::Ordering,
                &format!("at page_size=1, page 1 holds id {a} and page 2 id {b}"),
            );
        } else {
            self.deviate(
                probe,
                reply,
                Finding::new(
                    FindingKind::Ordering,
                    "/results",
                    format!("a lower id than page 1's {a} on page 2"),
                    format!("id {b}"),
                ),
                &[ChoiceId::Ordering],
            );
        }
    }

    /// A filtered list counts no more than the whole list.
    fn check_not_more(
        &mut self,
        probe: &Probe,
        reply: &Reply,
        page: Option<&Page>,
        total: Option<u64>,
    ) {
        if let (Some(page), Some(total)) = (page, total)
            && page.count > total
        {
            self.deviate(
                probe,
                reply,
                Finding::new(
                    FindingKind::FilterIgnored,
                    "/count",
                    format!("a count of at most {total} (the unfiltered count)"),
                    format!("count {}", page.count),
                ),
                &[],
            );
        }
    }

    fn tally_backup(&mut self, backup: &Value) {
        let Some(id) = backup.get("id").and_then(Value::as_i64) else {
            return;
        };
        if !self.backups.insert(id) {
            return;
        }
        if backup.get("size_mb").is_none_or(Value::is_null) {
            self.null_size += 1;
        }
        if backup.get("expires_at").is_none_or(Value::is_null) {
            self.null_expiry += 1;
        }
        if let Some(value) = backup.get("backup_type").and_then(Value::as_str) {
            self.types_seen.insert(clean(value));
        }
        if let Some(value) = backup.get("status").and_then(Value::as_str) {
            self.statuses_seen.insert(clean(value));
        }
    }

    fn note(&mut self, choice: ChoiceId, text: &str) {
        let notes = self.notes.entry(choice).or_default();
        if !notes.iter().any(|n| n == text) {
            notes.push(text.to_string());
        }
    }

    /// Adds a finding to the deviations, merged with an equal one seen before.
    fn deviate(&mut self, probe: &Probe, reply: &Reply, finding: Finding, choices: &[ChoiceId]) {
        let location = wildcard_indices(&finding.location);
        let operation_id = probe.operation_id.to_string();
        let existing = self.deviations.iter_mut().find(|d| {
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
                if deviation.probes.last().map(String::as_str) != Some(probe.id) {
                    deviation.probes.push(probe.id.to_string());
                }
            }
            None => self.deviations.push(Deviation {
                severity: finding.severity,
                kind: finding.kind,
                choices: choices.to_vec(),
                operation_id,
                status: Some(reply.status),
                location,
                expected: finding.expected,
                got: finding.got,
                request_id: reply.request_id.clone(),
                probes: vec![probe.id.to_string()],
                occurrences: 1,
            }),
        }
    }

    /// The notes every answer contributed to, once all are in.
    fn conclude(&mut self) {
        let unsent = std::mem::take(&mut self.unsent);
        self.not_sent(&unsent, "since the API had stopped answering");
        if self.answers > 0 {
            let missing = self.answers - self.with_request_id;
            if missing == 0 {
                self.note(
                    ChoiceId::RequestId,
                    &format!("X-Request-Id on all {} answers", self.answers),
                );
            } else if let Some((probe, operation_id, status)) = self.first_without_request_id.take()
            {
                self.deviations.push(Deviation {
                    severity: Severity::Warning,
                    kind: FindingKind::MissingHeader,
                    choices: vec![ChoiceId::RequestId],
                    operation_id: operation_id.to_string(),
                    status: Some(status),
                    location: "header:X-Request-Id".into(),
                    expected: "an X-Request-Id header (the spec: responses may carry one)".into(),
                    got: format!("none on {missing} of {} answers", self.answers),
                    request_id: None,
                    probes: vec![probe],
                    occurrences: missing,
                });
            }
        }
        if self.error_bodies > 0 {
            let mut text = format!("{} error bodies in DRF's shape", self.error_bodies);
            if !self.error_codes.is_empty() {
                text.push_str(&format!("; codes {}", join(&self.error_codes)));
            }
            if !self.error_fields.is_empty() {
                text.push_str(&format!("; field errors on {}", join(&self.error_fields)));
            }
            self.note(ChoiceId::ErrorBodies, &text);
        }
        if self.backups.is_empty() {
            for choice in [ChoiceId::BackupFields, ChoiceId::Enums] {
                self.unobserved
                    .entry(choice)
                    .or_insert_with(|| "no backup was seen to check".into());
            }
        } else {
            let n = self.backups.len();
            self.note(
                ChoiceId::BackupFields,
                &format!(
                    "{n} backups checked against the Backup schema ({} with size_mb null or \
                     absent, {} with expires_at null or absent)",
                    self.null_size, self.null_expiry
                ),
            );
            self.note(
                ChoiceId::Enums,
                &format!(
                    "backup_type {}; status {} (on {n} backups)",
                    join(&self.types_seen),
                    join(&self.statuses_seen)
                ),
            );
        }
        let mut pagination = Vec::new();
        if self.sized_pages > 0 {
            let sizes: Vec<String> = self.page_sizes.iter().map(u64::to_string).collect();
            pagination.push(format!(
                "{} pages as long as count and page_size say (page_size {})",
                self.sized_pages,
                sizes.join(", ")
            ));
        }
        if self.right_links > 0 {
            pagination.push(format!(
                "{} next/previous links to the right page",
                self.right_links
            ));
        }
        let notes = self.notes.entry(ChoiceId::Pagination).or_default();
        for (i, text) in pagination.into_iter().enumerate() {
            notes.insert(i, text);
        }
        if self.ordered_pages > 0 {
            let text = format!("{} pages newest first", self.ordered_pages);
            self.notes
                .entry(ChoiceId::Ordering)
                .or_default()
                .insert(0, text);
        }
        for (answer, times) in std::mem::take(&mut self.server_errors) {
            let times = if times == 1 {
                "once".to_string()
            } else {
                format!("{times} times")
            };
            self.note(ChoiceId::ServerErrors, &format!("{answer} {times}"));
        }
        self.unobserved
            .entry(ChoiceId::Throttling)
            .or_insert_with(|| "no 429 came (the doctor never provokes throttling)".into());
        self.unobserved
            .entry(ChoiceId::ServerErrors)
            .or_insert_with(|| "no 5xx came".into());
    }

    /// The report.
    pub(crate) fn finish(mut self, base_url: &str, strict: bool) -> Report {
        self.conclude();
        let mut deviations = std::mem::take(&mut self.deviations);
        deviations.sort_by_key(|d| d.severity);
        let choices: Vec<ChoiceVerdict> = ChoiceId::ALL
            .iter()
            .map(|&id| {
                let contradictions: Vec<Contradiction> = deviations
                    .iter()
                    .filter(|d| d.choices.contains(&id))
                    .map(|d| Contradiction {
                        severity: d.severity,
                        expected: d.expected.clone(),
                        got: d.got.clone(),
                        request_id: d.request_id.clone(),
                        probes: d.probes.clone(),
                    })
                    .collect();
                let notes = self.notes.remove(&id).unwrap_or_default();
                let (verdict, detail) = if !contradictions.is_empty() {
                    (Verdict::Contradicted, notes.join("; "))
                } else if !notes.is_empty() {
                    (Verdict::Confirmed, notes.join("; "))
                } else {
                    let reason = self.unobserved.remove(&id).unwrap_or_else(|| {
                        "no answer it needs could be read (see the deviations and what was not checked)".into()
                    });
                    (Verdict::NotObserved, reason)
                };
                ChoiceVerdict {
                    id,
                    number: id.info().number,
                    title: id.info().title,
                    verdict,
                    severity: contradictions.iter().map(|c| c.severity).min(),
                    detail,
                    contradictions,
                }
            })
            .collect();
        let count = |severity| deviations.iter().filter(|d| d.severity == severity).count();
        let violations = count(Severity::Violation);
        let warnings = count(Severity::Warning);
        let strict_fails = deviations
            .iter()
            .any(|d| d.severity == Severity::Warning && fails_strict(d.kind));
        // A refused token first: until it is fixed, most of the contract went unchecked.
        let outcome = if self.token_refused {
            Outcome::TokenRefused
        } else if violations > 0 || (strict && strict_fails) {
            Outcome::Contradicted
        } else if !self.incomplete.is_empty() {
            Outcome::Incomplete
        } else {
            Outcome::Consistent
        };
        let verdicts = |verdict| choices.iter().filter(|c| c.verdict == verdict).count();
        let summary = Summary {
            confirmed: verdicts(Verdict::Confirmed),
            contradicted: verdicts(Verdict::Contradicted),
            not_observed: verdicts(Verdict::NotObserved),
            violations,
            warnings,
            requests: self.requests,
        };
        Report {
            tool: concat!("vpsorg-doctor ", env!("CARGO_PKG_VERSION")).to_string(),
            base_url: base_url.to_string(),
            contract: ContractInfo {
                title: self.contract.title().to_string(),
                version: self.contract.version().to_string(),
                sha256: self.contract.sha256().to_string(),
            },
            probe_errors: self.probe_errors,
            strict,
            outcome,
            exit_code: outcome.exit_code(),
            summary,
            choices,
            deviations,
            incomplete: self.incomplete,
            probes: self.records,
            elapsed_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// What a list showed, for the comparison around the writes: `count`, and the page's
/// backups, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listing {
    count: u64,
    backups: Vec<Listed>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    id: i64,
    backup_type: String,
    description: String,
}

impl Listing {
    fn ids(&self) -> Vec<i64> {
        self.backups.iter().map(|b| b.id).collect()
    }

    /// Whether `id` is among what this page can show: every backup when the page holds
    /// the whole list; otherwise only ids above the page's lowest, since the rest may have
    /// moved to page 2 (or up from it) when something newer came or went.
    fn covers(&self, id: i64) -> bool {
        self.backups.len() as u64 >= self.count
            || self.backups.last().is_some_and(|lowest| id > lowest.id)
    }

    fn holds(&self, id: i64) -> bool {
        self.backups.iter().any(|b| b.id == id)
    }
}

/// The list of a 200 answer, when its body has one.
fn listing_of(reply: &Reply) -> Option<Listing> {
    if reply.status != 200 {
        return None;
    }
    let body = reply.object()?;
    let count = body.get("count")?.as_u64()?;
    let backups = body
        .get("results")?
        .as_array()?
        .iter()
        .filter_map(|backup| {
            Some(Listed {
                id: backup.get("id")?.as_i64()?,
                backup_type: backup
                    .get("backup_type")
                    .and_then(Value::as_str)
                    .map(clean)
                    .unwrap_or_default(),
                description: backup
                    .get("description")
                    .and_then(Value::as_str)
                    .map(clean)
                    .unwrap_or_default(),
            })
        })
        .collect();
    Some(Listing { count, backups })
}

/// One difference between the lists before and after the writes, and the write that could
/// have caused it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Change {
    text: String,
    cause: Option<ChoiceId>,
}

/// What differs between the lists before and after the writes. A difference is blamed on
/// a write only when that write could have caused it: a backup the create could have made
/// (manual, with the description a server that read the body anyway could give it: the
/// body's text, or the empty default), or the backup the delete targeted. The body names
/// no server, so no server can be matched.
fn changes(before: &Listing, after: &Listing) -> Vec<Change> {
    let mut changes = Vec::new();
    for backup in after.backups.iter().filter(|b| !before.holds(b.id)) {
        if !before.covers(backup.id) {
            continue;
        }
        // Creates make manual backups; the schedule makes the others.
        let manual = backup.backup_type == "manual";
        let could_be_create =
            manual && (backup.description.is_empty() || backup.description.contains(CREATE_BODY));
        let text = if manual {
            format!(
                "backup {} appeared (manual, description {:?})",
                backup.id, backup.description
            )
        } else {
            format!("backup {} appeared ({})", backup.id, backup.backup_type)
        };
        changes.push(Change {
            text,
            cause: could_be_create.then_some(ChoiceId::Create),
        });
    }
    for backup in before.backups.iter().filter(|b| !after.holds(b.id)) {
        if !after.covers(backup.id) {
            continue;
        }
        changes.push(Change {
            text: format!("backup {} disappeared", backup.id),
            cause: (backup.id == UNUSED_ID).then_some(ChoiceId::Delete404),
        });
    }
    if changes.is_empty() && before.count != after.count {
        changes.push(Change {
            text: "the count changed, on pages the comparison does not see".into(),
            cause: None,
        });
    }
    changes
}

/// Whether a warning of this kind fails a `--strict` run: every warning does but
/// [`FindingKind::AccountChanged`], which is about another actor, not the API.
fn fails_strict(kind: FindingKind) -> bool {
    kind != FindingKind::AccountChanged
}

/// The first three changes, and how many more: a finding's `got` is kept short.
fn texts(changes: &[Change]) -> String {
    let shown: Vec<&str> = changes.iter().take(3).map(|c| c.text.as_str()).collect();
    match changes.len() {
        0..=3 => shown.join("; "),
        n => format!("{} and {} more", shown.join("; "), n - 3),
    }
}

/// The inferred choices a contract finding contradicts.
fn choices_for(operation_id: &str, status: u16, finding: &Finding) -> Vec<ChoiceId> {
    let location = finding.location.as_str();
    match finding.kind {
        FindingKind::UnknownEnumValue => vec![ChoiceId::Enums],
        FindingKind::UndocumentedField | FindingKind::UndocumentedStatus => Vec::new(),
        _ => match status {
            429 => vec![ChoiceId::Throttling],
            500..=599 => vec![ChoiceId::ServerErrors],
            400..=499 => vec![ChoiceId::ErrorBodies],
            _ if location.starts_with("/results/") => vec![ChoiceId::BackupFields],
            _ if location == "/next" || location == "/previous" => vec![ChoiceId::Pagination],
            _ if operation_id == "restoreServer" => vec![ChoiceId::Restore],
            _ => Vec::new(),
        },
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    header_text(headers, "content-type").is_some_and(|ct| {
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        essence == "application/json" || essence.ends_with("+json")
    })
}

/// `["message", ...]`: DRF's list of messages for one field.
fn is_message_list(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|items| !items.is_empty() && items.iter().all(Value::is_string))
}

/// A JSON pointer with array indices as `*`, so that one deviation covers every backup.
fn wildcard_indices(location: &str) -> String {
    if !location.starts_with('/') {
        return location.to_string();
    }
    location
        .split('/')
        .map(|segment| {
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn filter_text(filter: Filter<'_>) -> String {
    match filter {
        Filter::None => String::new(),
        Filter::Server(id) => id.to_string(),
        Filter::Type(backup_type) => backup_type.to_string(),
    }
}

fn join(values: &BTreeSet<String>) -> String {
    values.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// At most 10 ids, then how many more.
fn ids_text(ids: &[i64]) -> String {
    let shown: Vec<String> = ids.iter().take(10).map(i64::to_string).collect();
    let more = ids.len().saturating_sub(10);
    if more > 0 {
        format!("[{} and {more} more]", shown.join(", "))
    } else {
        format!("[{}]", shown.join(", "))
    }
}

#[cfg(test)]
#[path = "tests/plan.rs"]
mod tests;
