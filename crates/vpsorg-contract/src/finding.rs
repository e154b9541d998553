//! One way a response differs from the contract, and how much that matters.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// How much a [`Finding`] matters.
///
/// A **violation** breaks what clients were promised: a missing required field, a wrong
/// type, a status or content type the spec does not document, or an inferred choice that
/// the server does not follow. A **warning** is a surprise the contract tolerates: a field or
/// enum value the spec does not list (additive), or something the spec says "may" be absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Breaks the contract; always fails the run.
    Violation,
    /// Tolerated by the contract; fails the run only with `--strict`.
    Warning,
}

impl fmt::Display for Severity {
    /// `violation` or `warning`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Violation => "violation",
            Self::Warning => "warning",
        })
    }
}

/// What kind of difference a [`Finding`] is. The first group comes from checking a response
/// against the spec ([`Contract::check_response`](crate::Contract::check_response)); the
/// second from checking the inferred choices of README's "Spec notes".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// The status is not among the operation's documented responses.
    UndocumentedStatus,
    /// The `Content-Type` is missing or not one the response declares.
    WrongContentType,
    /// The body should be JSON and is not (or is empty).
    NotJson,
    /// A body came where the response declares none (a `204`, say).
    UnexpectedBody,
    /// A field the schema requires is absent.
    MissingRequiredField,
    /// A value has another JSON type than the schema's (a `null` where none is allowed, too),
    /// or an integer does not fit the declared `int64`.
    TypeMismatch,
    /// A string does not match its declared `format` (`date-time`, `uri`).
    FormatMismatch,
    /// Another schema keyword fails (`minimum`, `maxLength`, `pattern`, ...).
    ConstraintViolated,
    /// A value the schema's `enum` does not list (additive: a warning).
    UnknownEnumValue,
    /// A field the schema does not declare (additive: a warning).
    UndocumentedField,
    /// A header the contract or an inferred choice calls for is absent.
    MissingHeader,
    /// A header is present but its value does not match what is declared.
    InvalidHeader,
    /// A documented status, but not the one an inferred choice predicts for this request.
    UnexpectedStatus,
    /// An error body without DRF's shape (`detail` and `code`, or field errors), or with
    /// another code or field than the inferred choice names.
    ErrorBody,
    /// `next`/`previous` missing, null where a page exists, or pointing somewhere else.
    PageLinks,
    /// A page with another number of results than `count` and `page_size` imply.
    PageLength,
    /// Results not ordered by `id`, newest first.
    Ordering,
    /// A filtered list holding backups the filter excludes.
    FilterIgnored,
    /// Across the `--probe-errors` writes, a backup appeared that the create could have
    /// made, or the backup the delete targeted disappeared: a write that must fail acted.
    StateChanged,
    /// Across the `--probe-errors` writes, the account changed in a way none of them could
    /// cause (an automatic backup started, one expired, someone else created or deleted
    /// one): a warning, and one that fails no run, even with `--strict`, since it says
    /// nothing about the contract.
    AccountChanged,
}

impl FindingKind {
    /// The severity a finding of this kind has unless the check says otherwise: additive
    /// kinds are warnings, everything else a violation.
    pub fn default_severity(self) -> Severity {
        match self {
            Self::UnknownEnumValue | Self::UndocumentedField | Self::AccountChanged => {
                Severity::Warning
            }
            _ => Severity::Violation,
        }
    }
}

impl fmt::Display for FindingKind {
    /// The kind's name in snake case, as in the JSON report: serde's, the one list of names.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = serde_json::to_value(self).map_err(|_| fmt::Error)?;
        f.write_str(name.as_str().unwrap_or_default())
    }
}

/// One difference between a response and the contract.
///
/// `location` says where: `status`, `header:<Name>`, `body`, or a JSON pointer into the body
/// (`/results/0/description`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// What kind of difference.
    pub kind: FindingKind,
    /// How much it matters.
    pub severity: Severity,
    /// Where in the response.
    pub location: String,
    /// What the contract says, in a few words.
    pub expected: String,
    /// What came instead, in a few words: server text, as it came.
    pub got: String,
}

impl Finding {
    /// A finding with the kind's [default severity](FindingKind::default_severity).
    pub fn new(
        kind: FindingKind,
        location: impl Into<String>,
        expected: impl Into<String>,
        got: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            severity: kind.default_severity(),
            location: location.into(),
            expected: expected.into(),
            got: got.into(),
        }
    }

    /// The same finding with another severity.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { kind, severity, location, expected, got } = self;
        write!(f, "{severity} {kind} at {location}: expected {expected}, got {got}")
    }
}

/// A JSON value in a few words: its text for scalars, its type and size otherwise.
pub fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => format!("an array of {}", items.len()),
        Value::Object(map) => format!("an object with {} fields", map.len()),
    }
}

/// The JSON type of a value, as JSON Schema names it.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
