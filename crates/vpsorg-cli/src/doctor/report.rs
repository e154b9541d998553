//! The report of one run: a verdict per inferred choice, every deviation, every request, and
//! the exit code. Serializes to JSON (`-o json`); renders as text for a terminal.

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use vpsorg_contract::{FindingKind, Severity};

use super::choice::{ChoiceId, ChoiceVerdict, Verdict};
use super::first;
use super::transport::Credential;
use crate::exit::Exit;
use crate::text::plural;

/// How a run ended (`--help` and the CLI README say what each means). When several apply,
/// the first listed here wins: a refused token, then a contradiction, then an incomplete run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    Consistent,
    TokenRefused,
    Contradicted,
    Incomplete,
}

impl Outcome {
    /// How `vpsorg doctor` exits for this outcome: a row of the CLI's exit-code table.
    pub(crate) fn exit(self) -> Exit {
        match self {
            Self::Consistent => Exit::Success,
            Self::TokenRefused => Exit::Unauthorized,
            Self::Contradicted => Exit::Contradicted,
            Self::Incomplete => Exit::Unchecked,
        }
    }

    fn sentence(self) -> &'static str {
        match self {
            Self::Consistent => "consistent with the contract",
            Self::TokenRefused => {
                "TOKEN REFUSED: the API refused the configured token, so most checks did not run"
            }
            Self::Contradicted => "CONTRADICTS the contract",
            Self::Incomplete => {
                "incomplete: nothing contradicts the contract, but not everything could be checked"
            }
        }
    }
}

/// The contract a run checked against: `info.title`, `info.version`, and the SHA-256 of the
/// YAML in hex (the hash `generated.rs` names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ContractInfo {
    pub(crate) title: String,
    pub(crate) version: String,
    pub(crate) sha256: String,
}

/// Counts, for a glance: choices by verdict, deviations by severity, and HTTP requests sent
/// (retries included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Summary {
    pub(crate) confirmed: usize,
    pub(crate) contradicted: usize,
    pub(crate) not_observed: usize,
    pub(crate) violations: usize,
    pub(crate) warnings: usize,
    pub(crate) requests: usize,
}

/// One way the server differs from the contract, gathered over every answer that showed it:
/// what came (`got`) and its `X-Request-Id` are the first answer's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Deviation {
    pub(crate) severity: Severity,
    pub(crate) kind: FindingKind,
    /// The inferred choices it contradicts (empty for the vendor's documented facts and for
    /// additive surprises the choices say nothing about).
    pub(crate) choices: Vec<ChoiceId>,
    /// The operation (`listBackups`), or `-` for a check over several.
    pub(crate) operation_id: String,
    pub(crate) status: Option<u16>,
    /// Where: `status`, `header:<Name>`, `body`, or a JSON pointer with array indices as `*`
    /// (`/results/*/description`).
    pub(crate) location: String,
    pub(crate) expected: String,
    pub(crate) got: String,
    pub(crate) request_id: Option<String>,
    /// The probes whose answers showed it, in order.
    pub(crate) probes: Vec<String>,
    /// How many times it was seen (once per place per answer).
    pub(crate) occurrences: usize,
}

/// One request the run sent (with its retries): `request` is the path and query relative to
/// the base URL, `status` and `request_id` the final answer's (no status when none came, and
/// `error` says why), `elapsed_ms` from the first attempt to the last answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ProbeRecord {
    pub(crate) id: String,
    pub(crate) method: String,
    pub(crate) request: String,
    pub(crate) credential: Credential,
    pub(crate) status: Option<u16>,
    pub(crate) attempts: usize,
    pub(crate) request_id: Option<String>,
    pub(crate) elapsed_ms: u64,
    pub(crate) error: Option<String>,
}

/// The report of one run (`-o json` serializes it): the choices in README's order, the
/// deviations violations first, what could not be checked and why (`incomplete`), every
/// request in the order sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Report {
    /// `vpsorg <version>`.
    pub(crate) tool: String,
    pub(crate) base_url: String,
    pub(crate) contract: ContractInfo,
    pub(crate) probe_errors: bool,
    pub(crate) strict: bool,
    pub(crate) outcome: Outcome,
    pub(crate) exit_code: i32,
    pub(crate) summary: Summary,
    pub(crate) choices: Vec<ChoiceVerdict>,
    pub(crate) deviations: Vec<Deviation>,
    pub(crate) incomplete: Vec<String>,
    pub(crate) probes: Vec<ProbeRecord>,
    pub(crate) elapsed_ms: u64,
}

impl Report {
    /// The report as text for a terminal `width` columns wide (at least 60 are used).
    pub(crate) fn render_table(&self, width: u16) -> String {
        let width = width.max(60);
        let (summary, contract) = (&self.summary, &self.contract);
        let mode = if self.probe_errors {
            "--probe-errors: GETs, plus a delete, a restore and a create that must fail"
        } else {
            "read-only: GET requests only"
        };
        let mut out = format!(
            "vpsorg doctor   {}\ncontract        {} {} (sha256 {})\nrequests        {} in {} ms; \
             {mode}{}\nresult          {} (exit {})\n                {} confirmed, {} \
             contradicted, {} not observed; {}, {}\n",
            self.base_url,
            contract.title,
            contract.version,
            &contract.sha256[..contract.sha256.len().min(12)],
            summary.requests,
            self.elapsed_ms,
            if self.strict { "; --strict" } else { "" },
            self.outcome.sentence(),
            self.exit_code,
            summary.confirmed,
            summary.contradicted,
            summary.not_observed,
            plural(summary.violations, "violation"),
            plural(summary.warnings, "warning"),
        );

        out.push_str("\nSPEC NOTES (README): the inferred choices\n");
        let choices = self.choices.iter().map(|choice| {
            let verdict = match (choice.verdict, choice.severity) {
                (Verdict::Contradicted, Some(severity)) => format!("contradicted ({severity})"),
                (verdict, _) => verdict.to_string(),
            };
            let contradictions = choice.contradictions.iter().map(|c| {
                let request_id = c.request_id.as_deref().unwrap_or("none");
                let probes = first(&c.probes, 3, ", ");
                format!(
                    "expected {}; got {} (request id {request_id}; {probes})",
                    c.expected, c.got
                )
            });
            let detail = match choice.contradictions.is_empty() {
                true => choice.detail.clone(),
                false => contradictions.collect::<Vec<_>>().join("\n"),
            };
            [choice.number.to_string(), choice.id.as_str().into(), verdict, detail]
        });
        out.push_str(&table(width, ["#", "CHOICE", "VERDICT", "DETAIL"], choices));

        out.push_str("\n\nDEVIATIONS");
        if self.deviations.is_empty() {
            out.push_str(": none\n");
        } else {
            let deviations = self.deviations.iter().map(|d| {
                let status = d.status.map(|s| format!(" {s}")).unwrap_or_default();
                let seen = match d.occurrences {
                    1 => String::new(),
                    n => format!(" ({n} times)"),
                };
                let request_id = d.request_id.as_deref().unwrap_or("none");
                [
                    format!("{}\n{}", d.severity, d.kind),
                    format!("{}{status}\n{}", d.operation_id, d.location),
                    d.expected.clone(),
                    format!(
                        "{}{seen}\nrequest id {request_id}; {}",
                        d.got,
                        first(&d.probes, 3, ", ")
                    ),
                ]
            });
            out.push('\n');
            out.push_str(&table(width, ["SEVERITY", "WHERE", "EXPECTED", "GOT"], deviations));
            out.push('\n');
        }

        if !self.incomplete.is_empty() {
            out.push_str("\nNOT CHECKED\n");
            for reason in &self.incomplete {
                out.push_str(&wrap(reason, usize::from(width), "  - ", "    "));
            }
        }

        out.push_str("\nPROBES\n");
        let probes = self.probes.iter().map(|p| {
            let status = match (p.status, &p.error) {
                (Some(status), _) if p.attempts > 1 => format!("{status} ({} tries)", p.attempts),
                (Some(status), _) => status.to_string(),
                (None, Some(error)) => format!("no answer: {error}"),
                (None, None) => "no answer".into(),
            };
            let credential = match p.credential {
                Credential::None => " (no token)",
                Credential::Wrong => " (wrong token)",
                Credential::Token => "",
            };
            [
                p.id.clone(),
                format!("{} {}{credential}", p.method, p.request),
                status,
                p.elapsed_ms.to_string(),
                p.request_id.clone().unwrap_or_else(|| "-".into()),
            ]
        });
        out.push_str(&table(width, ["PROBE", "REQUEST", "STATUS", "MS", "REQUEST ID"], probes));
        out.push('\n');
        out
    }

    /// Replaces `secret` wherever server text brought it into the report (a server that
    /// echoes the token in an error, say). The doctor itself never writes it anywhere.
    pub(crate) fn scrub(&mut self, secret: &str) {
        let scrub = |text: &mut String| {
            if text.contains(secret) {
                *text = text.replace(secret, "[redacted]");
            }
        };
        scrub(&mut self.base_url);
        for choice in &mut self.choices {
            scrub(&mut choice.detail);
            for c in &mut choice.contradictions {
                [&mut c.expected, &mut c.got].into_iter().chain(&mut c.request_id).for_each(scrub);
            }
        }
        for d in &mut self.deviations {
            [&mut d.location, &mut d.expected, &mut d.got]
                .into_iter()
                .chain(&mut d.request_id)
                .for_each(scrub);
        }
        self.incomplete.iter_mut().for_each(scrub);
        for p in &mut self.probes {
            [&mut p.request]
                .into_iter()
                .chain(&mut p.request_id)
                .chain(&mut p.error)
                .for_each(scrub);
        }
    }
}

/// `text` in lines of at most `width` columns (a longer word gets a line of its own), the
/// first prefixed by `first`, the others by `rest`; each ends with a newline.
fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(first);
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// A table without borders, fitted to `width`, as lines indented by two without trailing
/// spaces.
fn table<const N: usize>(
    width: u16,
    header: [&str; N],
    rows: impl Iterator<Item = [String; N]>,
) -> String {
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(header)
        .add_rows(rows);
    table
        .lines()
        .map(|line| format!(" {line}").trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
#[path = "tests/report.rs"]
mod tests;
