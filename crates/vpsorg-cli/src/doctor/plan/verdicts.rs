//! Once every answer is in: the notes they add up to, a verdict on each inferred choice, and
//! the report.

use std::collections::BTreeSet;

use serde_json::Value;
use vpsorg_contract::{FindingKind, Severity};

use super::{
    ChoiceId, ChoiceVerdict, ContractInfo, Contradiction, Deviation, Outcome, Report, Run, Summary,
    Verdict, excerpt,
};

impl Run<'_> {
    fn conclude(&mut self) {
        let unsent = std::mem::take(&mut self.tally.unsent);
        self.not_sent(&unsent, "since the API had stopped answering");
        let (answers, missing) = (self.tally.answers, self.tally.without_request_id.len());
        match self.tally.without_request_id.first() {
            None if answers > 0 => {
                self.note(ChoiceId::RequestId, &format!("X-Request-Id on all {answers} answers"));
            }
            None => {}
            Some(&(probe, operation_id, status)) => self.tally.deviations.push(Deviation {
                severity: Severity::Warning,
                kind: FindingKind::MissingHeader,
                choices: vec![ChoiceId::RequestId],
                operation_id: operation_id.to_string(),
                status: Some(status),
                location: "header:X-Request-Id".into(),
                expected: "an X-Request-Id header (the spec: responses may carry one)".into(),
                got: format!("none on {missing} of {answers} answers"),
                request_id: None,
                probes: vec![probe.to_string()],
                occurrences: missing,
            }),
        }
        if self.tally.error_bodies > 0 {
            let mut text = format!("{} error bodies in DRF's shape", self.tally.error_bodies);
            if !self.tally.error_codes.is_empty() {
                text.push_str(&format!("; codes {}", join(&self.tally.error_codes)));
            }
            if !self.tally.error_fields.is_empty() {
                text.push_str(&format!("; field errors on {}", join(&self.tally.error_fields)));
            }
            self.note(ChoiceId::ErrorBodies, &text);
        }
        if self.tally.backups.is_empty() {
            for choice in [ChoiceId::BackupFields, ChoiceId::Enums] {
                self.tally.unobserved.insert(choice, "no backup was seen to check");
            }
        } else {
            let (backups, n) = (self.tally.backups.values(), self.tally.backups.len());
            let nulls =
                |field| backups.clone().filter(|b| b.get(field).is_none_or(Value::is_null)).count();
            let seen = |field| -> BTreeSet<String> {
                backups.clone().filter_map(|b| Some(excerpt(b.get(field)?.as_str()?))).collect()
            };
            let fields = format!(
                "{n} backups checked against the Backup schema ({} with size_mb null or absent, \
                 {} with expires_at null or absent)",
                nulls("size_mb"),
                nulls("expires_at")
            );
            let enums = format!(
                "backup_type {}; status {} (on {n} backups)",
                join(&seen("backup_type")),
                join(&seen("status"))
            );
            self.note(ChoiceId::BackupFields, &fields);
            self.note(ChoiceId::Enums, &enums);
        }
        let mut pagination = Vec::new();
        if self.tally.sized_pages > 0 {
            pagination.push(format!(
                "{} pages as long as count and page_size say (page_size {})",
                self.tally.sized_pages,
                join(&self.tally.page_sizes)
            ));
        }
        if self.tally.right_links > 0 {
            pagination
                .push(format!("{} next/previous links to the right page", self.tally.right_links));
        }
        self.tally.notes.entry(ChoiceId::Pagination).or_default().splice(0..0, pagination);
        if self.tally.ordered_pages > 0 {
            let text = format!("{} pages newest first", self.tally.ordered_pages);
            self.tally.notes.entry(ChoiceId::Ordering).or_default().insert(0, text);
        }
        for (answer, times) in std::mem::take(&mut self.tally.server_errors) {
            let times = if times == 1 { "once".to_string() } else { format!("{times} times") };
            self.note(ChoiceId::ServerErrors, &format!("{answer} {times}"));
        }
        let throttling = "no 429 came (the doctor never provokes throttling)";
        self.tally.unobserved.insert(ChoiceId::Throttling, throttling);
        self.tally.unobserved.insert(ChoiceId::ServerErrors, "no 5xx came");
    }

    pub(crate) fn finish(mut self, base_url: &str, strict: bool) -> Report {
        self.conclude();
        let mut deviations = std::mem::take(&mut self.tally.deviations);
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
                let notes = self.tally.notes.remove(&id).unwrap_or_default();
                let (verdict, detail) = if !contradictions.is_empty() {
                    (Verdict::Contradicted, notes.join("; "))
                } else if !notes.is_empty() {
                    (Verdict::Confirmed, notes.join("; "))
                } else {
                    let reason = self.tally.unobserved.remove(&id).unwrap_or(
                        "no answer it needs could be read (see the deviations and what was not checked)",
                    );
                    (Verdict::NotObserved, reason.to_string())
                };
                ChoiceVerdict {
                    id,
                    number: id.number(),
                    title: id.title(),
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
        // Every warning fails a `--strict` run but `account_changed`, which is about another
        // actor, not the API.
        let strict_fails = deviations
            .iter()
            .any(|d| d.severity == Severity::Warning && d.kind != FindingKind::AccountChanged);
        // A refused token first: until it is fixed, most of the contract went unchecked.
        let outcome = if self.tally.token_refused {
            Outcome::TokenRefused
        } else if violations > 0 || (strict && strict_fails) {
            Outcome::Contradicted
        } else if !self.tally.incomplete.is_empty() {
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
            requests: self.tally.records.iter().map(|probe| probe.attempts).sum(),
        };
        Report {
            tool: concat!("vpsorg ", env!("CARGO_PKG_VERSION")).to_string(),
            base_url: base_url.to_string(),
            contract: ContractInfo {
                title: self.contract.title().to_string(),
                version: self.contract.version().to_string(),
                sha256: self.contract.sha256().to_string(),
            },
            probe_errors: self.probe_errors,
            strict,
            outcome,
            exit_code: i32::from(outcome.exit().code()),
            summary,
            choices,
            deviations,
            incomplete: self.tally.incomplete,
            probes: self.tally.records,
            elapsed_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        }
    }
}

fn join<T: ToString>(values: &BTreeSet<T>) -> String {
    values.iter().map(T::to_string).collect::<Vec<_>>().join(", ")
}
