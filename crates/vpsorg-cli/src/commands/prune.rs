//! `vpsorg backups prune`: keep a server's newest completed backups, delete the older ones,
//! and say why for each. Rotation for the limit of 10 manual backups a server may have.

use std::io::Write;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use serde::Serialize;
use vpsorg_backups::{Backup, BackupStatus, Client, MAX_PAGE_SIZE};

use super::backups::note_short_list;
use super::{ErrorJson, LIST_CONCURRENCY, acted, report_now};
use crate::cli::{OutputFormat, PruneArgs};
use crate::error::CliError;
use crate::output::{self, BackupJson, TextTable, minute};
use crate::progress::say;
use crate::prompt;
use crate::text::clean;

/// What the plan does with one backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Action {
    Keep,
    Delete,
}

/// One backup in the plan, and why.
#[derive(Debug)]
pub(crate) struct Decision {
    pub(crate) backup: Backup,
    pub(crate) action: Action,
    pub(crate) reason: String,
}

/// Decides, newest first by creation time: the `keep_last` newest completed backups stay; so
/// does any backup newer than `older_than`, any in progress, and any whose status this CLI
/// does not know (it cannot tell whether deleting it is safe). Completed and failed backups
/// beyond those go.
pub(crate) fn plan(
    mut backups: Vec<Backup>,
    keep_last: u32,
    older_than: Option<Duration>,
    now: DateTime<Utc>,
) -> Vec<Decision> {
    backups.sort_by_key(|b| std::cmp::Reverse((b.created_at, b.id)));
    let cutoff = older_than
        .map(|age| now - chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX));
    let mut kept_completed = 0_u32;
    backups
        .into_iter()
        .map(|backup| {
            let young = cutoff.is_some_and(|cutoff| backup.created_at > cutoff);
            let age = older_than.map(age);
            let (action, reason) = match backup.status {
                BackupStatus::InProgress => {
                    (Action::Keep, "in progress: never deleted".to_string())
                }
                BackupStatus::Completed if kept_completed < keep_last => {
                    kept_completed += 1;
                    (Action::Keep, kept_as_newest(keep_last))
                }
                BackupStatus::Completed | BackupStatus::Failed if young => {
                    (Action::Keep, format!("newer than {}", age.unwrap_or_default()))
                }
                BackupStatus::Completed => (
                    Action::Delete,
                    match age {
                        Some(age) => format!("older than {age}, {}", not_newest(keep_last)),
                        None => not_newest(keep_last),
                    },
                ),
                BackupStatus::Failed => (Action::Delete, "failed".to_string()),
                _ => (
                    Action::Keep,
                    format!("unknown status '{}': never deleted", clean(backup.status.as_str())),
                ),
            };
            Decision { backup, action, reason }
        })
        .collect()
}

/// Why a backup is kept: it is one of the `keep_last` newest completed ones.
fn kept_as_newest(keep_last: u32) -> String {
    match keep_last {
        1 => "the newest".to_string(),
        n => format!("one of the {n} newest"),
    }
}

/// Why a completed backup goes: it is not one of the `keep_last` newest.
fn not_newest(keep_last: u32) -> String {
    match keep_last {
        0 => "--keep-last 0".to_string(),
        1 => "not the newest".to_string(),
        n => format!("not one of the {n} newest"),
    }
}

/// An age as people type it: `45d`, `12h`, `90m`, else humantime's `1h 30m 10s`.
fn age(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        _ => humantime::format_duration(duration).to_string(),
    }
}

/// "1 backup", "2 backups".
fn count_backups(n: usize) -> String {
    if n == 1 { "1 backup".to_string() } else { format!("{n} backups") }
}

/// The JSON of a prune: the plan and, unless it was a dry run, what happened.
#[derive(Debug, Serialize)]
struct PruneJson<'a> {
    server_id: i64,
    dry_run: bool,
    backups: Vec<DecisionJson<'a>>,
}

#[derive(Debug, Serialize)]
struct DecisionJson<'a> {
    backup: BackupJson<'a>,
    action: Action,
    reason: &'a str,
    /// `deleted`, `already_gone` or `failed`; null when nothing was attempted.
    result: Option<&'static str>,
    error: Option<ErrorJson>,
}

pub(crate) async fn prune(client: &Client, args: &PruneArgs) -> Result<(), CliError> {
    let format = output::resolve(args.output.format);
    let request = client
        .backups()
        .list()
        .server_id(args.server_id)
        .backup_type(args.backup_type.clone())
        .page_size(MAX_PAGE_SIZE)
        .concurrency(LIST_CONCURRENCY);
    let (mut backups, mut counted) = (Vec::<Backup>::new(), 0_u64);
    // Ages are measured on the server's clock (page 1's `Date`), as `created_at` is.
    let mut server_time = None;
    let mut pages = request.pages();
    while let Some(page) = pages.try_next().await? {
        counted = counted.max(page.count);
        server_time = server_time.or(page.server_time);
        backups.extend(page.backups);
    }
    if (backups.len() as u64) < counted {
        note_short_list(backups.len() as u64, counted);
    }
    let now = match server_time {
        Some(now) => now,
        None => {
            if args.older_than.is_some() {
                say(
                    "note: the API sent no Date header; --older-than is judged on this machine's clock",
                );
            }
            Utc::now()
        }
    };
    let decisions = plan(backups, args.keep_last, args.older_than, now);
    let doomed: Vec<i64> =
        decisions.iter().filter(|d| d.action == Action::Delete).map(|d| d.backup.id).collect();

    // Every deletion the plan holds is made, whether or not anyone still reads stdout.
    let mut out = output::KeepGoing::new();
    if format == OutputFormat::Table {
        let _ = writeln!(out, "{}", plan_table(&decisions).render(true, output::row_width()));
        let _ = out.flush();
    }
    if let Some(max) = args.max_delete.filter(|&max| doomed.len() > max) {
        return Err(CliError::usage(format!(
            "the plan deletes {} of server {}, more than --max-delete {max}; nothing was deleted",
            count_backups(doomed.len()),
            args.server_id
        ))
        .with_hint("check the plan (--dry-run), then narrow it with --keep-last or --older-than"));
    }
    let mut results: Vec<(Option<&'static str>, Option<ErrorJson>)> =
        decisions.iter().map(|_| (None, None)).collect();
    let mut failures = Vec::new();
    let kept = decisions.len() - doomed.len();
    if doomed.is_empty() {
        say(&format!(
            "Nothing to prune: keeping all {} of server {}.",
            count_backups(kept),
            args.server_id
        ));
    } else if args.dry_run {
        say(&format!(
            "Dry run: would delete {} and keep {} of server {}.",
            count_backups(doomed.len()),
            count_backups(kept),
            args.server_id
        ));
    } else {
        let listed = doomed.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        // Without a terminal, the plan above is all a script gets unless it said --yes.
        prompt::ensure_can_confirm(
            "prune",
            args.yes,
            "pass --yes to confirm, or --dry-run to see the plan",
        )?;
        let mut warning = format!(
            "Pruning deletes {} of server {} ({listed}) permanently.",
            count_backups(doomed.len()),
            args.server_id
        );
        // JSON or YAML comes after the deletions: the person asked sees the plan with the
        // question instead.
        if format != OutputFormat::Table && !args.yes {
            let plan = plan_table(&decisions).render(true, output::question_width());
            warning = format!("{plan}\n{warning}");
        }
        prompt::confirm(&warning, &format!("delete {}", count_backups(doomed.len())), args.yes)?;
        for (decision, result) in decisions.iter().zip(results.iter_mut()) {
            if decision.action != Action::Delete {
                continue;
            }
            let id = decision.backup.id;
            *result = match client.backups().delete(id).send().await {
                Ok(()) => (Some("deleted"), None),
                // Deleted by someone else since the listing: what prune wanted.
                Err(vpsorg_backups::Error::NotFound { .. }) => (Some("already_gone"), None),
                Err(error) => {
                    let error = CliError::from(error).at_url(client.base_url().as_str());
                    report_now(&error);
                    failures.push(error.exit());
                    (Some("failed"), Some(ErrorJson::of(&error)))
                }
            };
            if format == OutputFormat::Table {
                let line = match result.0 {
                    Some("deleted") => format!("Deleted backup {id}."),
                    Some("already_gone") => format!("Backup {id} was already gone."),
                    _ => continue,
                };
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            }
        }
    }
    let mut written = Ok(());
    if format != OutputFormat::Table {
        let json = PruneJson {
            server_id: args.server_id,
            dry_run: args.dry_run,
            backups: decisions
                .iter()
                .zip(results)
                .map(|(decision, (result, error))| DecisionJson {
                    backup: BackupJson::from(&decision.backup),
                    action: decision.action,
                    reason: &decision.reason,
                    result,
                    error,
                })
                .collect(),
        };
        written = output::write_data(&mut out, format, &json);
    }
    acted(&failures, written.and(out.finish()))
}

fn plan_table(decisions: &[Decision]) -> TextTable {
    let mut table =
        TextTable::new(&["ID", "SERVER", "TYPE", "STATUS", "CREATED (UTC)", "ACTION", "REASON"]);
    table.align_right(0);
    table.align_right(1);
    table.flexible(6);
    for decision in decisions {
        let backup = &decision.backup;
        table.row(vec![
            backup.id.to_string(),
            backup.server.id.to_string(),
            clean(backup.backup_type.as_str()).into_owned(),
            clean(backup.status.as_str()).into_owned(),
            minute(&backup.created_at),
            match decision.action {
                Action::Keep => "keep".to_string(),
                Action::Delete => "delete".to_string(),
            },
            decision.reason.clone(),
        ]);
    }
    table
}
