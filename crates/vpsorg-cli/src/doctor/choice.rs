//! The twelve choices README's "Spec notes" marks "Inferred, not documented", each with a
//! stable id, and the verdict a run gives it.

use std::fmt;

use serde::Serialize;

use vpsorg_contract::Severity;

/// One inferred choice of the contract (README, "Spec notes"). The serialized id
/// (`pagination`, `ordering`, ...) is stable: JSON consumers may rely on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[non_exhaustive]
pub(crate) enum ChoiceId {
    /// 1. DRF `PageNumberPagination`: `page`, `page_size` 1..=100, `next`/`previous` links,
    ///    404 "Invalid page.", 400 for a `page_size` out of range.
    #[serde(rename = "pagination")]
    Pagination,
    /// 2. Ordered by `id`, newest first.
    #[serde(rename = "ordering")]
    Ordering,
    /// 3. DRF's error bodies: `{"detail", "code"}` or field errors, with the named codes.
    #[serde(rename = "error_bodies")]
    ErrorBodies,
    /// 4. A bad `server_id`, `backup_type` or `page_size` is a 400 field error; a
    ///    `server_id` of no server lists nothing.
    #[serde(rename = "list_400")]
    List400,
    /// 5. Create's errors: `parse_error`, `server_not_found`, the manual-backup limit, 415.
    #[serde(rename = "create")]
    Create,
    /// 6. `size_mb`/`expires_at` nullable and optional, `description` a required string,
    ///    ids 64-bit.
    #[serde(rename = "backup_fields")]
    BackupFields,
    /// 7. `backup_type` and `status` list the known values; new ones may appear.
    #[serde(rename = "enums")]
    Enums,
    /// 8. Deleting an unknown backup is 404 with code `backup_not_found`.
    #[serde(rename = "delete_404")]
    Delete404,
    /// 9. Restore: 202 with the `Restore` body; 404 `server_not_found` for an unknown server
    ///    whatever the body.
    #[serde(rename = "restore")]
    Restore,
    /// 10. 429 with `Retry-After` in whole seconds (or an HTTP date from a proxy).
    #[serde(rename = "throttling")]
    Throttling,
    /// 11. Any 5XX, with DRF's JSON or a proxy's HTML.
    #[serde(rename = "server_errors")]
    ServerErrors,
    /// 12. Responses may carry `X-Request-Id`.
    #[serde(rename = "request_id")]
    RequestId,
}

impl ChoiceId {
    /// Every choice, in README's order.
    pub(crate) const ALL: [ChoiceId; 12] = [
        Self::Pagination,
        Self::Ordering,
        Self::ErrorBodies,
        Self::List400,
        Self::Create,
        Self::BackupFields,
        Self::Enums,
        Self::Delete404,
        Self::Restore,
        Self::Throttling,
        Self::ServerErrors,
        Self::RequestId,
    ];

    /// The stable id (`pagination`, ...), as in the JSON report.
    pub(crate) fn as_str(self) -> &'static str {
        self.info().id
    }

    /// What README says about this choice, and how the doctor checks it.
    pub(crate) fn info(self) -> &'static ChoiceInfo {
        &CHOICES[self as usize]
    }
}

impl fmt::Display for ChoiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One inferred choice, described.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub(crate) struct ChoiceInfo {
    /// Its stable id.
    pub(crate) id: &'static str,
    /// Its number in README's "Spec notes".
    pub(crate) number: u8,
    /// Its title there.
    pub(crate) title: &'static str,
    /// What the contract infers, in one sentence.
    pub(crate) claim: &'static str,
    /// What the doctor does to observe it.
    pub(crate) observed_by: &'static str,
}

/// The twelve choices, in README's order.
pub(crate) const CHOICES: [ChoiceInfo; 12] = [
    ChoiceInfo {
        id: "pagination",
        number: 1,
        title: "Pagination",
        claim: "DRF PageNumberPagination: page (1-based) and page_size (1..=100, default 20); \
                count, results and absolute next/previous links (which may be absent); a page \
                past the end or not a positive integer is 404 Invalid page; a page_size out of \
                range is a 400 field error",
        observed_by: "lists at page_size 1, 20 (default), 100, 0 and 101, page 2, the page after \
                      the last and page=abc; every link's origin, path and query",
    },
    ChoiceInfo {
        id: "ordering",
        number: 2,
        title: "Ordering",
        claim: "results ordered by id, newest first",
        observed_by: "the ids of every page, and across pages 1 and 2 at page_size=1",
    },
    ChoiceInfo {
        id: "error_bodies",
        number: 3,
        title: "Error bodies",
        claim: "DRF's: {\"detail\", \"code\"} or field errors {\"field\": [\"message\"]}, with codes \
                such as not_authenticated, authentication_failed and not_found",
        observed_by: "every 4xx body's shape, and the code of each 401 and 404 the plan provokes",
    },
    ChoiceInfo {
        id: "list_400",
        number: 4,
        title: "List 400",
        claim: "an invalid server_id, backup_type or page_size is a 400 field error; a \
                server_id of no server lists nothing with 200",
        observed_by: "backup_type=no-such-type, server_id=abc, page_size=0 and 101, server_id=0",
    },
    ChoiceInfo {
        id: "create",
        number: 5,
        title: "Create",
        claim: "a body that is not JSON is 400 parse_error (also: 404 server_not_found, the \
                11th manual backup 400 manual_backup_limit_reached, 415 for other media types)",
        observed_by: "with --probe-errors: a create whose body is not JSON",
    },
    ChoiceInfo {
        id: "backup_fields",
        number: 6,
        title: "Backup fields",
        claim: "size_mb and expires_at nullable and optional, description a required string, \
                ids 64-bit integers; manual backups never expire",
        observed_by: "every backup in every list, against the Backup schema",
    },
    ChoiceInfo {
        id: "enums",
        number: 7,
        title: "Enums may grow",
        claim: "backup_type is manual or automatic, status in_progress, completed or failed; \
                other values may appear",
        observed_by: "every backup's backup_type and status (a new value is a warning), and \
                      the backup_type filters",
    },
    ChoiceInfo {
        id: "delete_404",
        number: 8,
        title: "Delete 404 body",
        claim: "deleting an unknown backup is 404 with code backup_not_found",
        observed_by: "with --probe-errors: DELETE of backup 9223372036854775807",
    },
    ChoiceInfo {
        id: "restore",
        number: 9,
        title: "Restore",
        claim: "202 with the Restore body; an unknown server is 404 server_not_found whatever \
                the body",
        observed_by: "with --probe-errors: a restore of server 9223372036854775807 (the 202 \
                      is never provoked: it would overwrite a server)",
    },
    ChoiceInfo {
        id: "throttling",
        number: 10,
        title: "Throttling",
        claim: "429 with Retry-After in whole seconds (a proxy may send an HTTP date)",
        observed_by: "any 429 that comes; the doctor waits it out (bounded) but never provokes one",
    },
    ChoiceInfo {
        id: "server_errors",
        number: 11,
        title: "Server errors",
        claim: "any 5XX, with DRF's JSON or a proxy's text/html; 503 may carry Retry-After",
        observed_by: "any 5xx that comes",
    },
    ChoiceInfo {
        id: "request_id",
        number: 12,
        title: "Request id",
        claim: "responses may carry X-Request-Id",
        observed_by: "the headers of every response",
    },
];

/// What a run concluded about one choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Verdict {
    /// Seen, and matching the contract.
    Confirmed,
    /// Seen, and different: see the contradictions.
    Contradicted,
    /// Nothing the run saw could tell.
    NotObserved,
}

impl Verdict {
    /// `confirmed`, `contradicted` or `not observed`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Contradicted => "contradicted",
            Self::NotObserved => "not observed",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One way the server contradicted a choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub(crate) struct Contradiction {
    /// A violation, or a warning (the contract tolerates it).
    pub(crate) severity: Severity,
    /// What the choice predicts.
    pub(crate) expected: String,
    /// What came (the first time it was seen).
    pub(crate) got: String,
    /// The `X-Request-Id` of that answer, when it had one.
    pub(crate) request_id: Option<String>,
    /// The probes whose answers showed it.
    pub(crate) probes: Vec<String>,
}

/// The verdict on one choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub(crate) struct ChoiceVerdict {
    /// The stable id (`pagination`).
    pub(crate) id: ChoiceId,
    /// Its number in README's "Spec notes".
    pub(crate) number: u8,
    /// Its title there.
    pub(crate) title: &'static str,
    /// Confirmed, contradicted or not observed.
    pub(crate) verdict: Verdict,
    /// When contradicted: the worst severity among the contradictions.
    pub(crate) severity: Option<Severity>,
    /// What confirmed it, or why it was not observed, in a sentence or two.
    pub(crate) detail: String,
    /// When contradicted: each way, with what was expected, what came and the request id.
    pub(crate) contradictions: Vec<Contradiction>,
}

#[cfg(test)]
#[path = "tests/choice.rs"]
mod tests;
