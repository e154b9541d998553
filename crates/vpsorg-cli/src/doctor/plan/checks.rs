//! What each probe is for: the checks of its answer against the inferred choices (a page's
//! length, links, order and filter; an error's status, code and shape; throttling and server
//! errors), beyond the contract check every answer gets.

use http::HeaderMap;
use reqwest::Url;
use serde_json::{Map, Value};
use vpsorg_contract::{Finding, FindingKind, Severity};

use super::super::transport::{Credential, header_text};
use super::writes::{Listing, listing_of};
use super::{BACKUPS, C, ChoiceId, Reply, Run, excerpt};
use vpsorg_backups::__private::retry_after;

/// The spec's default `page_size`.
const DEFAULT_PAGE_SIZE: u64 = 20;

/// A filter a list was sent with, whose results must all match it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Filter {
    None,
    Server(i64),
    Type(String),
}

/// What a list's query asked for, and so what its page must hold; `kept` are the parameters
/// the `next`/`previous` links must keep (all but `page`).
#[derive(Debug)]
struct Asked {
    page: u64,
    page_size: u64,
    kept: Vec<(String, String)>,
    filter: Filter,
}

impl Asked {
    fn of(target: &str) -> Self {
        let query = target.split_once('?').map_or("", |(_, query)| query);
        let pairs = query.split('&').filter_map(|pair| pair.split_once('='));
        let (page, page_size, kept, filter) = (1, DEFAULT_PAGE_SIZE, Vec::new(), Filter::None);
        let mut asked = Asked { page, page_size, kept, filter };
        for (name, value) in pairs {
            match name {
                "page" => asked.page = value.parse().unwrap_or(1),
                "page_size" => asked.page_size = value.parse().unwrap_or(DEFAULT_PAGE_SIZE),
                "server_id" => asked.filter = value.parse().map_or(Filter::None, Filter::Server),
                "backup_type" => asked.filter = Filter::Type(value.to_string()),
                _ => {}
            }
            if name != "page" {
                asked.kept.push((name.to_string(), value.to_string()));
            }
        }
        asked
    }
}

impl Run<'_> {
    pub(super) fn inspect_throttled(&mut self, reply: &Reply, headers: &HeaderMap) {
        let choice = [C::Throttling];
        match (header_text(headers, "retry-after"), bad_retry_after(headers)) {
            (None, _) => {
                let finding = Finding::new(
                    FindingKind::MissingHeader,
                    "header:Retry-After",
                    "Retry-After in whole seconds (or an HTTP date)",
                    "none",
                );
                self.deviate(reply, finding, &choice);
            }
            (Some(_), Some(finding)) => self.deviate(reply, finding, &choice),
            (Some(value), None) => {
                let form = if value.parse::<u64>().is_ok() { "seconds" } else { "an HTTP date" };
                self.note(
                    C::Throttling,
                    &format!("429 on {} with Retry-After in {form}", reply.probe.id),
                );
            }
        }
        match reply.object().and_then(|body| body.get("code")).and_then(Value::as_str) {
            Some("throttled") | None => {}
            Some(other) => {
                let finding = Finding::new(
                    FindingKind::ErrorBody,
                    "/code",
                    "code \"throttled\"",
                    format!("code {other:?}"),
                );
                self.deviate(reply, finding, &choice);
            }
        }
    }

    pub(super) fn inspect_server_error(&mut self, reply: &Reply, headers: &HeaderMap) {
        let content_type = header_text(headers, "content-type")
            .map_or_else(|| "no Content-Type".to_string(), |ct| excerpt(&ct));
        *self
            .tally
            .server_errors
            .entry(format!("{} ({content_type})", reply.status))
            .or_default() += 1;
        if reply.status == 503
            && let Some(finding) = bad_retry_after(headers)
        {
            self.deviate(reply, finding, &[C::ServerErrors]);
        }
    }

    /// A 4xx body must be DRF's: `detail` with a `code`, or field errors.
    pub(super) fn inspect_error_body(&mut self, reply: &Reply, headers: &HeaderMap) {
        if reply.status == 401 && headers.get("www-authenticate").is_none() {
            let finding = Finding::new(
                FindingKind::MissingHeader,
                "header:WWW-Authenticate",
                "a WWW-Authenticate challenge (HTTP requires one on a 401; the spec is silent)",
                "none",
            )
            .with_severity(Severity::Warning);
            self.deviate(reply, finding, &[]);
        }
        // Not JSON at all: the contract check has said so already.
        let Some(body) = reply.object() else {
            return;
        };
        let wrong = if body.contains_key("detail") {
            let code = body.get("code").and_then(Value::as_str);
            self.tally.error_codes.extend(code.map(excerpt));
            code.is_none().then_some("a detail without a code")
        } else if body.is_empty() {
            Some("an empty object")
        } else if body.values().all(is_message_list) {
            self.tally.error_fields.extend(body.keys().map(|k| excerpt(k)));
            None
        } else {
            // A field whose value is not a list of messages: the contract check said so.
            return;
        };
        match wrong {
            None => self.tally.error_bodies += 1,
            Some(got) => {
                let finding = Finding::new(
                    FindingKind::ErrorBody,
                    "body",
                    "DRF's {\"detail\", \"code\"} or field errors {\"field\": [\"message\"]}",
                    got,
                );
                self.deviate(reply, finding, &[C::ErrorBodies]);
            }
        }
    }

    /// The reply's JSON object, when it has the status a check needs. Another status
    /// contradicts `choices` (a 403 included); a 5xx or a 429 means the check could not run,
    /// and a 401 that the token was revoked.
    fn expect_status<'r>(
        &mut self,
        reply: &'r Reply,
        expected: u16,
        what: &str,
        choices: &[ChoiceId],
    ) -> Option<&'r Map<String, Value>> {
        if reply.status == expected {
            return reply.object();
        }
        let id = reply.probe.id;
        match reply.status {
            500..=599 => self
                .tally
                .incomplete
                .push(format!("{id}: answered {} where the check needs {expected}", reply.status)),
            429 => self
                .tally
                .incomplete
                .push(format!("{id}: still throttled (429) after the bounded wait")),
            // The first list already read with this token (a 401 or 403 there ends the run
            // before any check), so a 401 now means it was revoked during the run. A 403 is
            // the API refusing this one request to a token that works: a permission the
            // contract does not document, which is a deviation, not a token problem.
            401 if reply.probe.request.credential == Credential::Token => {
                self.refused(reply);
            }
            _ => {
                let finding = Finding::new(
                    FindingKind::UnexpectedStatus,
                    "status",
                    format!("{expected} {what}"),
                    reply.summary(),
                );
                self.deviate(reply, finding, choices);
            }
        }
        None
    }

    pub(super) fn expect_detail(
        &mut self,
        reply: &Reply,
        status: u16,
        code: &str,
        choices: &[ChoiceId],
    ) {
        let what = format!("with code {code}");
        let Some(body) = self.expect_status(reply, status, &what, choices) else {
            return;
        };
        match body.get("code").and_then(Value::as_str) {
            Some(got) if got == code => {
                for choice in choices {
                    self.note(*choice, &format!("{} → {status} {code}", reply.probe.label()));
                }
            }
            Some(got) => {
                let finding = Finding::new(
                    FindingKind::ErrorBody,
                    "/code",
                    format!("code {code:?}"),
                    format!("code {:?}", excerpt(got)),
                );
                self.deviate(reply, finding, choices);
            }
            // A detail without a code was reported as an error body already.
            None if body.contains_key("detail") => {}
            None => {
                let finding = Finding::new(
                    FindingKind::ErrorBody,
                    "body",
                    format!("{{\"detail\": ..., \"code\": {code:?}}}"),
                    reply.summary(),
                );
                self.deviate(reply, finding, choices);
            }
        }
    }

    pub(super) fn expect_field_error(&mut self, reply: &Reply, field: &str, choices: &[ChoiceId]) {
        let what = format!("with a field error on {field}");
        let Some(body) = self.expect_status(reply, 400, &what, choices) else {
            return;
        };
        if body.get(field).is_some_and(is_message_list) {
            for choice in choices {
                self.note(*choice, &format!("{} → 400 on {field}", reply.probe.label()));
            }
        } else {
            let finding = Finding::new(
                FindingKind::ErrorBody,
                "body",
                format!("{{\"{field}\": [\"message\"]}}"),
                reply.summary(),
            );
            self.deviate(reply, finding, choices);
        }
    }

    /// A 200 page: its length from `count` and `page_size`, its links, its order, its
    /// backups, and its filter (what the probe's query asked for).
    pub(super) fn check_page(&mut self, reply: &Reply, choices: &[ChoiceId]) -> Option<Listing> {
        let Asked { page, page_size: size, kept, filter } = Asked::of(&reply.probe.request.target);
        let body = self.expect_status(reply, 200, "with a page of backups", choices)?;
        let parsed = listing_of(reply)?;
        let results = body.get("results")?.as_array()?;
        let before = (page - 1).saturating_mul(size);
        let expected_len = parsed.count.saturating_sub(before).min(size);
        let len = results.len() as u64;
        if len == expected_len {
            self.tally.sized_pages += 1;
            self.tally.page_sizes.insert(size);
        } else {
            let expected = format!(
                "{expected_len} results (count {}, page {page}, page_size {size})",
                parsed.count
            );
            let finding = Finding::new(
                FindingKind::PageLength,
                "/results",
                expected,
                format!("{len} results"),
            );
            self.deviate(reply, finding, &[C::Pagination]);
        }
        let next = (parsed.count > page.saturating_mul(size)).then_some(page + 1);
        let previous = (page > 1).then(|| page - 1);
        self.check_link(reply, body, "next", next, &kept);
        self.check_link(reply, body, "previous", previous, &kept);

        let ids = parsed.ids();
        if ids.len() >= 2 {
            match ids.windows(2).find(|pair| pair[0] <= pair[1]) {
                None => self.tally.ordered_pages += 1,
                Some(pair) => {
                    let got = format!("id {} before id {}", pair[0], pair[1]);
                    let expected = "ids newest (highest) first";
                    let finding = Finding::new(FindingKind::Ordering, "/results", expected, got);
                    self.deviate(reply, finding, &[C::Ordering]);
                }
            }
        }
        for backup in results {
            if let Some(id) = backup.get("id").and_then(Value::as_i64) {
                self.tally.backups.entry(id).or_insert_with(|| backup.clone());
            }
        }
        let field =
            |backup: &Value, pointer| backup.pointer(pointer).map_or("?".into(), Value::to_string);
        let (pointer, wanted, expected) = match &filter {
            Filter::None => return Some(parsed),
            Filter::Server(id) => {
                ("/server/id", Value::from(*id), format!("only backups of server {id}"))
            }
            Filter::Type(backup_type) => (
                "/backup_type",
                Value::from(backup_type.as_str()),
                format!("only backups whose backup_type is {backup_type}"),
            ),
        };
        match results.iter().find(|b| b.pointer(pointer) != Some(&wanted)) {
            Some(stray) => {
                let what =
                    if matches!(filter, Filter::Server(_)) { "of server" } else { "of type" };
                let got =
                    format!("backup {} {what} {}", field(stray, "/id"), field(stray, pointer));
                let finding = Finding::new(FindingKind::FilterIgnored, "/results", expected, got);
                self.deviate(reply, finding, &[]);
            }
            None => {
                if let Filter::Type(backup_type) = &filter
                    && !results.is_empty()
                {
                    let text =
                        format!("backup_type={backup_type} lists only {backup_type} backups");
                    self.note(C::Enums, &text);
                }
            }
        }
        Some(parsed)
    }

    pub(super) fn check_empty(&mut self, reply: &Reply, choices: &[ChoiceId]) {
        let Some(page) = self.check_page(reply, choices) else {
            return;
        };
        if page.count == 0 {
            self.note(C::List400, &format!("{} → 200 with count 0", reply.probe.label()));
        } else {
            let finding = Finding::new(
                FindingKind::FilterIgnored,
                "/count",
                "count 0 (no server has id 0)",
                format!("count {}", page.count),
            );
            self.deviate(reply, finding, choices);
        }
    }

    /// A `next` or `previous` link: absent (a warning: the spec allows it), null exactly
    /// when there is no such page, else an absolute URL on the base URL's origin and path
    /// with that page and the same other parameters.
    fn check_link(
        &mut self,
        reply: &Reply,
        body: &Map<String, Value>,
        name: &str,
        page: Option<u64>,
        kept: &[(String, String)],
    ) {
        let location = format!("/{name}");
        let expected = match page {
            Some(page) => format!("a `{name}` link to page {page}"),
            None => format!("`{name}`: null (there is no {name} page)"),
        };
        let Some(value) = body.get(name) else {
            // One deviation per field, whatever page it would have named.
            let finding = Finding::new(
                FindingKind::PageLinks,
                location,
                format!("a `{name}` field: a link, or null when there is no {name} page"),
                "absent (the spec allows it; clients then page by number)",
            )
            .with_severity(Severity::Warning);
            self.deviate(reply, finding, &[C::Pagination]);
            return;
        };
        let problem = match (value, page) {
            (Value::Null, Some(_)) => Some("null".to_string()),
            (Value::String(link), None) => Some(excerpt(link)),
            (Value::String(link), Some(page)) => {
                self.link_problem(link, page, kept).map(|why| format!("{} ({why})", excerpt(link)))
            }
            // Null with no such page is right; another type the contract check has reported.
            _ => None,
        };
        match problem {
            None if page.is_some() => self.tally.right_links += 1,
            None => {}
            Some(got) => {
                let finding = Finding::new(FindingKind::PageLinks, location, expected, got);
                self.deviate(reply, finding, &[C::Pagination]);
            }
        }
    }

    /// Why a link is not the base URL's list at `page` with the `kept` parameters.
    fn link_problem(&self, link: &str, page: u64, kept: &[(String, String)]) -> Option<String> {
        let Ok(url) = Url::parse(link) else {
            return Some("not an absolute URL".into());
        };
        let base = &self.transport.base;
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
        let value =
            |name: &str| pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let page_text = page.to_string();
        match value("page") {
            Some(got) if got == page_text => {}
            // DRF drops `page=1` from the link to the first page.
            None if page == 1 => {}
            got => return Some(format!("page {}", got.unwrap_or("absent"))),
        }
        kept.iter()
            .find(|(name, want)| value(name) != Some(want.as_str()))
            .map(|(name, want)| format!("{name}={want} not kept"))
    }

    /// Page 2 at page_size=1 holds the backup after page 1's.
    pub(super) fn check_across_pages(
        &mut self,
        reply: &Reply,
        first: Option<&Listing>,
        second: Option<&Listing>,
    ) {
        let id = |page: Option<&Listing>| Some(page?.backups.first()?.id);
        let (Some(a), Some(b)) = (id(first), id(second)) else {
            return;
        };
        if a > b {
            self.tally.ordered_pages += 1;
            self.note(
                C::Ordering,
                &format!("at page_size=1, page 1 holds id {a} and page 2 id {b}"),
            );
        } else {
            let finding = Finding::new(
                FindingKind::Ordering,
                "/results",
                format!("a lower id than page 1's {a} on page 2"),
                format!("id {b}"),
            );
            self.deviate(reply, finding, &[C::Ordering]);
        }
    }

    /// A filtered page, which counts no more than the whole list (`total`).
    pub(super) fn check_filtered(&mut self, reply: &Reply, total: Option<u64>) {
        if let (Some(page), Some(total)) = (self.check_page(reply, &[]), total)
            && page.count > total
        {
            let finding = Finding::new(
                FindingKind::FilterIgnored,
                "/count",
                format!("a count of at most {total} (the unfiltered count)"),
                format!("count {}", page.count),
            );
            self.deviate(reply, finding, &[]);
        }
    }
}

/// A `Retry-After` that is neither whole seconds nor an HTTP date, when there is one.
fn bad_retry_after(headers: &HeaderMap) -> Option<Finding> {
    let value = header_text(headers, "retry-after")?;
    retry_after(headers, std::time::SystemTime::now()).is_none().then(|| {
        let expected = "whole seconds (or an HTTP date)";
        Finding::new(FindingKind::InvalidHeader, "header:Retry-After", expected, value)
    })
}

/// `["message", ...]`: DRF's list of messages for one field.
fn is_message_list(value: &Value) -> bool {
    value.as_array().is_some_and(|items| !items.is_empty() && items.iter().all(Value::is_string))
}
