//! `vpsorg backups prune`: keep a server's newest completed backups, delete the older ones,
//! and say why for each. Rotation for the limit of 10 manual backups a server may have.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt, stream};
use serde::Serialize;
use vpsorg_backups::{Backup, BackupStatus, Client, MAX_PAGE_SIZE};

use super::backups::note_short_list;
use super::{ErrorJson, LIST_CONCURRENCY, acted};
use crate::cli::{OutputFormat, PruneArgs};
use crate::error::CliError;
use crate::exit::Exit;
use crate::output::{self, BackupJson, KeepGoing, TextTable, minute};
use crate::progress::{say, say_always};
use crate::prompt;
use crate::text::{clean, plural};

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
    let age = older_than.map(age);
    // Why a completed backup stays, or goes: it is one of the `keep_last` newest, or not.
    let (newest, not_newest) = match keep_last {
        0 => (String::new(), "--keep-last 0".to_string()),
        1 => ("the newest".to_string(), "not the newest".to_string()),
        n => (format!("one of the {n} newest"), format!("not one of the {n} newest")),
    };
    let mut kept_completed = 0_u32;
    backups
        .into_iter()
        .map(|backup| {
            let young = cutoff.is_some_and(|cutoff| backup.created_at > cutoff);
            let (action, reason) = match backup.status {
                BackupStatus::InProgress => {
                    (Action::Keep, "in progress: never deleted".to_string())
                }
                BackupStatus::Completed if kept_completed < keep_last => {
                    kept_completed += 1;
                    (Action::Keep, newest.clone())
                }
                BackupStatus::Completed | BackupStatus::Failed if young => {
                    (Action::Keep, format!("newer than {}", age.as_deref().unwrap_or_default()))
                }
                BackupStatus::Completed => (
                    Action::Delete,
                    match &age {
                        Some(age) => format!("older than {age}, {not_newest}"),
                        None => not_newest.clone(),
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

/// The JSON of a prune: the plan and, unless it was a dry run, what happened; `server_id` is
/// null with --all-servers, and `servers` has a line per server.
#[derive(Debug, Serialize)]
struct PruneJson<'a> {
    server_id: Option<i64>,
    dry_run: bool,
    backups: Vec<DecisionJson<'a>>,
    servers: Vec<ServerJson>,
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

/// One server's plan (`keep`, `delete`) and what came of it.
#[derive(Debug, Serialize)]
struct ServerJson {
    server_id: i64,
    keep: usize,
    delete: usize,
    deleted: usize,
    already_gone: usize,
    failed: usize,
}

/// What came of one planned backup: nothing tried, or `deleted`, `already_gone` or `failed`.
type Outcome = (Option<&'static str>, Option<(ErrorJson, Exit)>);

pub(crate) async fn prune(client: &Client, args: &PruneArgs) -> Result<(), CliError> {
    let format = output::resolve(args.remote.output.format);
    let mut request = client
        .backups()
        .list()
        .backup_type(args.backup_type.clone())
        .page_size(MAX_PAGE_SIZE)
        .concurrency(LIST_CONCURRENCY);
    // The servers: the one named, or (--all-servers) those the listing names.
    let mut servers: BTreeMap<i64, Vec<Backup>> = BTreeMap::new();
    if let Some(id) = args.server_id {
        request = request.server_id(id);
        servers.insert(id, Vec::new());
    }
    let (mut listed, mut counted) = (0_u64, 0_u64);
    // Ages are measured on the server's clock (page 1's `Date`), as `created_at` is.
    let mut server_time = None;
    let mut pages = request.pages();
    while let Some(page) = pages.try_next().await? {
        counted = counted.max(page.count);
        server_time = server_time.or(page.server_time);
        listed += page.backups.len() as u64;
        for backup in page.backups {
            servers.entry(backup.server.id).or_default().push(backup);
        }
    }
    if listed < counted {
        note_short_list(listed, counted);
    }
    if server_time.is_none() && args.older_than.is_some() {
        say("note: the API sent no Date header; --older-than is judged on this machine's clock");
    }
    let now = server_time.unwrap_or_else(Utc::now);
    let plans: Vec<(i64, Vec<Decision>)> = servers
        .into_iter()
        .map(|(id, backups)| (id, plan(backups, args.keep_last, args.older_than, now)))
        .collect();
    let whom = match args.server_id {
        Some(id) => format!("server {id}"),
        None => plural(plans.len(), "server"),
    };
    let decisions = || plans.iter().flat_map(|(_, decisions)| decisions);
    let doomed: Vec<i64> =
        decisions().filter(|d| d.action == Action::Delete).map(|d| d.backup.id).collect();

    // Every deletion the plan holds is made, whether or not anyone still reads stdout.
    let out = RefCell::new(output::KeepGoing::new());
    if format == OutputFormat::Table {
        out.borrow_mut().line(plan_table(decisions()).render(true, output::row_width()));
    }
    if let Some(max) = args.max_delete.filter(|&max| doomed.len() > max) {
        return Err(CliError::usage(format!(
            "the plan deletes {} of {whom}, more than --max-delete {max}; nothing was deleted",
            plural(doomed.len(), "backup"),
        ))
        .with_hint("check the plan (--dry-run), then narrow it with --keep-last or --older-than"));
    }
    let kept = decisions().count() - doomed.len();
    let act = !doomed.is_empty() && !args.dry_run;
    if doomed.is_empty() {
        say(&format!("Nothing to prune: keeping all {} of {whom}.", plural(kept, "backup")));
    } else if args.dry_run {
        say(&format!(
            "Dry run: would delete {} and keep {} of {whom}.",
            plural(doomed.len(), "backup"),
            plural(kept, "backup"),
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
            "Pruning deletes {} of {whom} ({listed}) permanently.",
            plural(doomed.len(), "backup"),
        );
        // JSON or YAML comes after the deletions: the person asked sees the plan with the
        // question instead.
        if format != OutputFormat::Table && !args.yes {
            let plan = plan_table(decisions()).render(true, output::question_width());
            warning = format!("{plan}\n{warning}");
        }
        prompt::confirm(&warning, &format!("delete {}", plural(doomed.len(), "backup")), args.yes)?;
    }
    // Servers are pruned LIST_CONCURRENCY at a time, each one's backups in plan order.
    let (table, shared) = (format == OutputFormat::Table, &out);
    let mut outcomes: Vec<(usize, Vec<Outcome>)> = stream::iter(plans.iter().enumerate())
        .map(|(i, (_, decisions))| async move {
            let mut outcomes = Vec::new();
            for decision in decisions {
                let doomed = act && decision.action == Action::Delete;
                outcomes.push(if doomed {
                    delete(client, decision.backup.id, table, shared).await
                } else {
                    (None, None)
                });
            }
            (i, outcomes)
        })
        .buffer_unordered(LIST_CONCURRENCY)
        .collect()
        .await;
    outcomes.sort_by_key(|(i, _)| *i);
    let mut servers = Vec::new();
    for ((server_id, decisions), (_, outcomes)) in plans.iter().zip(&outcomes) {
        let count = |result| outcomes.iter().filter(|o| o.0 == Some(result)).count();
        let delete = decisions.iter().filter(|d| d.action == Action::Delete).count();
        let line = ServerJson {
            server_id: *server_id,
            keep: decisions.len() - delete,
            delete,
            deleted: count("deleted"),
            already_gone: count("already_gone"),
            failed: count("failed"),
        };
        let failure = outcomes.iter().find_map(|o| o.1.as_ref());
        if args.server_id.is_none() {
            let text = server_line(&line, !args.dry_run, failure);
            // A failing server's line goes with its error, even with -q.
            if failure.is_some() { say_always(&text) } else { say(&text) }
        }
        servers.push(line);
    }
    let failures: Vec<Exit> =
        outcomes.iter().flat_map(|(_, o)| o).filter_map(|o| Some(o.1.as_ref()?.1)).collect();
    let mut written = Ok(());
    let mut out = out.into_inner();
    if format != OutputFormat::Table {
        let json = PruneJson {
            server_id: args.server_id,
            dry_run: args.dry_run,
            backups: decisions()
                .zip(outcomes.into_iter().flat_map(|(_, o)| o))
                .map(|(decision, (result, error))| DecisionJson {
                    backup: BackupJson::from(&decision.backup),
                    action: decision.action,
                    reason: &decision.reason,
                    result,
                    error: error.map(|(json, _)| json),
                })
                .collect(),
            servers,
        };
        written = output::write_data(&mut out, format, &json);
    }
    acted(&failures, written.and(out.finish()))
}

/// Deletes one backup of the plan, reporting a failure now and, in a table, a success.
async fn delete(client: &Client, id: i64, table: bool, out: &RefCell<KeepGoing>) -> Outcome {
    let (result, line) = match client.backups().delete(id).send().await {
        Ok(()) => ("deleted", format!("Deleted backup {id}.")),
        // Deleted by someone else since the listing: what prune wanted.
        Err(vpsorg_backups::Error::NotFound { .. }) => {
            ("already_gone", format!("Backup {id} was already gone."))
        }
        Err(error) => return (Some("failed"), Some(ErrorJson::report(client, id, error))),
    };
    if table {
        out.borrow_mut().line(line);
    }
    (Some(result), None)
}

/// A server's line on stderr with --all-servers: `server 12: deleted 3, kept 10`, with the
/// first failure if there was one.
fn server_line(server: &ServerJson, acted: bool, failure: Option<&(ErrorJson, Exit)>) -> String {
    let ServerJson { server_id, keep, delete, deleted, already_gone, failed } = server;
    let mut line = if acted {
        format!("server {server_id}: deleted {deleted}, kept {keep}")
    } else {
        format!("server {server_id}: would delete {delete}, keep {keep}")
    };
    if *already_gone > 0 {
        line.push_str(&format!(", {already_gone} already gone"));
    }
    if let Some((error, exit)) = failure {
        line.push_str(&format!("; failed {failed}: {} (exit {})", error.message, exit.code()));
    }
    line
}

fn plan_table<'a>(decisions: impl Iterator<Item = &'a Decision>) -> TextTable {
    let mut table =
        TextTable::new(&["ID", "SERVER", "TYPE", "STATUS", "CREATED (UTC)", "ACTION", "REASON"]);
    (table.right, table.flexible) = (vec![0, 1], Some(6));
    for decision in decisions {
        let backup = &decision.backup;
        table.rows.push(vec![
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
