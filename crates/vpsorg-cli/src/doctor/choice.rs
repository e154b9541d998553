//! The twelve choices README's "Spec notes" marks "Inferred, not documented", each with a
//! stable id, and the verdict a run gives it.

use std::fmt;

use serde::Serialize;
use vpsorg_contract::Severity;

/// Each row: the variant, its stable id (JSON consumers rely on it) and its title in README's
/// "Spec notes", where its number is its place here, from 1 (README says what each means).
macro_rules! choices {
    ($($variant:ident = $id:literal, $title:literal;)*) => {
        /// One inferred choice of the contract.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub(crate) enum ChoiceId { $(#[serde(rename = $id)] $variant),* }

        impl ChoiceId {
            /// Every choice, in README's order.
            pub(crate) const ALL: &[ChoiceId] = &[$(ChoiceId::$variant),*];
            const ROWS: &[(&str, &str)] = &[$(($id, $title)),*];
        }
    };
}

#[rustfmt::skip] // A table: one choice a line.
choices! {
    Pagination = "pagination", "Pagination";
    Ordering = "ordering", "Ordering";
    ErrorBodies = "error_bodies", "Error bodies";
    List400 = "list_400", "List 400";
    Create = "create", "Create";
    BackupFields = "backup_fields", "Backup fields";
    Enums = "enums", "Enums may grow";
    Delete404 = "delete_404", "Delete 404 body";
    Restore = "restore", "Restore";
    Throttling = "throttling", "Throttling";
    ServerErrors = "server_errors", "Server errors";
    RequestId = "request_id", "Request id";
}

impl ChoiceId {
    pub(crate) fn as_str(self) -> &'static str {
        Self::ROWS[self as usize].0
    }

    pub(crate) fn number(self) -> u8 {
        self as u8 + 1
    }

    pub(crate) fn title(self) -> &'static str {
        Self::ROWS[self as usize].1
    }
}

/// What a run concluded about one choice: seen and matching the contract, seen and
/// different, or nothing the run saw could tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Verdict {
    Confirmed,
    Contradicted,
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

/// One way the server contradicted a choice: as its [`Deviation`](super::report::Deviation)
/// says, the first time it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Contradiction {
    pub(crate) severity: Severity,
    pub(crate) expected: String,
    pub(crate) got: String,
    pub(crate) request_id: Option<String>,
    pub(crate) probes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ChoiceVerdict {
    pub(crate) id: ChoiceId,
    pub(crate) number: u8,
    pub(crate) title: &'static str,
    pub(crate) verdict: Verdict,
    /// When contradicted: the worst severity among the contradictions.
    pub(crate) severity: Option<Severity>,
    /// What confirmed it, or why it was not observed, in a sentence or two.
    pub(crate) detail: String,
    pub(crate) contradictions: Vec<Contradiction>,
}

#[cfg(test)]
#[path = "tests/choice.rs"]
mod tests;
