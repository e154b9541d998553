//! The twelve choices README's "Spec notes" marks "Inferred, not documented", each with a
//! stable id, and the verdict a run gives it.

use std::fmt;

use serde::Serialize;
use vpsorg_contract::Severity;

/// One inferred choice of the contract, in README's order (its number there is its place
/// here, from 1). The serialized id (`pagination`, ...) is stable: JSON consumers rely on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ChoiceId {
    /// DRF `PageNumberPagination`: `page`, `page_size` 1..=100, links, 404 "Invalid page.".
    Pagination,
    /// Ordered by `id`, newest first.
    Ordering,
    /// DRF's error bodies: `{"detail", "code"}` or field errors, with the named codes.
    ErrorBodies,
    /// A bad `server_id`, `backup_type` or `page_size` is a 400 field error; a `server_id`
    /// of no server lists nothing.
    #[serde(rename = "list_400")]
    List400,
    /// Create's errors: `parse_error`, `server_not_found`, the manual-backup limit, 415.
    Create,
    /// `size_mb`/`expires_at` nullable and optional, `description` required, ids 64-bit.
    BackupFields,
    /// `backup_type` and `status` list the known values; new ones may appear.
    Enums,
    /// Deleting an unknown backup is 404 `backup_not_found`.
    #[serde(rename = "delete_404")]
    Delete404,
    /// Restore: 202 with the `Restore` body; 404 `server_not_found` for an unknown server.
    Restore,
    /// 429 with `Retry-After` in whole seconds (or an HTTP date from a proxy).
    Throttling,
    /// Any 5XX, with DRF's JSON or a proxy's HTML.
    ServerErrors,
    /// Responses may carry `X-Request-Id`.
    RequestId,
}

/// Each choice's id and its title in README's "Spec notes", in [`ChoiceId`]'s order.
const CHOICES: [(&str, &str); 12] = [
    ("pagination", "Pagination"),
    ("ordering", "Ordering"),
    ("error_bodies", "Error bodies"),
    ("list_400", "List 400"),
    ("create", "Create"),
    ("backup_fields", "Backup fields"),
    ("enums", "Enums may grow"),
    ("delete_404", "Delete 404 body"),
    ("restore", "Restore"),
    ("throttling", "Throttling"),
    ("server_errors", "Server errors"),
    ("request_id", "Request id"),
];

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
        CHOICES[self as usize].0
    }

    /// Its number in README's "Spec notes".
    pub(crate) fn number(self) -> u8 {
        self as u8 + 1
    }

    /// Its title there.
    pub(crate) fn title(self) -> &'static str {
        CHOICES[self as usize].1
    }
}

impl fmt::Display for ChoiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Confirmed => "confirmed",
            Self::Contradicted => "contradicted",
            Self::NotObserved => "not observed",
        })
    }
}

/// One way the server contradicted a choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
