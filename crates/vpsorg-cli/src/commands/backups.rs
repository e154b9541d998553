//! `vpsorg backups list|get|create|wait|delete`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use vpsorg_backups::{Backup, Client, MAX_PAGE_SIZE, StatusChange};

use super::{ErrorJson, LIST_CONCURRENCY, acted, report_now};
use crate::cli::{CreateArgs, DeleteArgs, GetArgs, ListArgs, OutputFormat, WaitArgs};
use crate::error::CliError;
use crate::exit::Exit;
use crate::output::{self, BackupView};
use crate::progress::{Spinner, say};
use crate::prompt;
use crate::text::clean;

/// Lists every backup that matches, or the first `--limit`, printing each page as it comes.
pub(crate) async fn list(client: &Client, args: &ListArgs) -> Result<(), CliError> {
    let view = BackupView::new(&args.remote.output)?;
    let limit = args.limit.unwrap_or(u64::MAX);
    let mut request = client.backups().list().page_size(limit.min(MAX_PAGE_SIZE));
    if let Some(server_id) = args.server_id {
        request = request.server_id(server_id);
    }
    if let Some(backup_type) = &args.backup_type {
        request = request.backup_type(backup_type.clone());
    }
    let mut printed = view.list();
    // The most backups any page said there are: a list that ends short of it changed while
    // it was read.
    let mut counted = 0_u64;
    match limit {
        // Every backup: the client's stream, several pages at once.
        u64::MAX => {
            let mut pages = request.concurrency(LIST_CONCURRENCY).pages();
            while let Some(page) = pages.try_next().await? {
                counted = counted.max(page.count);
                page.backups.iter().try_for_each(|backup| printed.push(backup))?;
            }
        }
        // Exactly the pages the limit needs (one request when it fits a page, as big as the
        // limit), several at once once page 1 has told how many there are. (The stream
        // fetches a page ahead, one too many when the limit ends a page.)
        _ => {
            let first = request.clone().send().await?;
            counted = first.count;
            // The pages are as long as page 1 is (a server may hold fewer than asked for).
            let per_page = match first.backups.len() as u64 {
                0 => MAX_PAGE_SIZE,
                n => n,
            };
            let last_page = limit.div_ceil(per_page).min(first.count.div_ceil(per_page));
            let mut pages = futures::stream::iter(2..=last_page)
                .map(|number| request.clone().page(number).send())
                .buffered(LIST_CONCURRENCY);
            // A backup pushed onto the next page by one created meanwhile is shown once.
            let mut previous: HashSet<i64> = HashSet::new();
            let mut page = Some(first);
            while let Some(current) = page.take() {
                for backup in &current.backups {
                    if printed.written == limit {
                        break;
                    }
                    if !previous.contains(&backup.id) {
                        printed.push(backup)?;
                    }
                }
                if printed.written == limit || current.backups.is_empty() {
                    break;
                }
                previous = current.backups.iter().map(|backup| backup.id).collect();
                page = match pages.next().await {
                    Some(Ok(next)) => {
                        counted = counted.max(next.count);
                        Some(next)
                    }
                    // A page past the last, after deletions: the end of the list.
                    Some(Err(vpsorg_backups::Error::NotFound {
                        resource: vpsorg_backups::Resource::Page(_),
                        ..
                    }))
                    | None => None,
                    Some(Err(error)) => return Err(error.into()),
                };
            }
        }
    }
    let shown = printed.written;
    printed.finish()?;
    if shown < counted.min(limit) {
        note_short_list(shown, counted);
    } else if args.limit.is_some() && counted > shown {
        say(&format!(
            "(showing the first {shown} of {counted} backups: --limit {limit}; without --limit every backup is listed)"
        ));
    }
    Ok(())
}

/// Says that a listing came up short of the API's count: backups were deleted or created
/// between its pages, which moves others from page to page, so some may have been missed.
pub(crate) fn note_short_list(listed: u64, counted: u64) {
    say(&format!(
        "note: listed {listed} of the {counted} backups the API counted; the list changed while \
         it was read, so some may be missing: list again"
    ));
}

/// Finds one backup in the list: of its server when known, else of every server. The API
/// has no call that fetches one backup.
pub(crate) async fn find(
    client: &Client,
    backup_id: i64,
    server_id: Option<i64>,
) -> Result<Backup, CliError> {
    if let Some(backup) = find_all(client, &[backup_id], server_id).await?.pop().flatten() {
        return Ok(backup);
    }
    Err(match server_id {
        Some(server_id) => {
            CliError::not_found(format!("backup {backup_id} is not listed for server {server_id}"))
                .with_hint("without --server-id every server's backups are searched")
        }
        None => CliError::not_found(format!("there is no backup {backup_id}"))
            .with_hint("`vpsorg backups list` lists them"),
    })
}

pub(crate) async fn get(client: &Client, args: &GetArgs) -> Result<(), CliError> {
    let view = BackupView::new(&args.remote.output)?;
    let backup = find(client, args.backup_id, args.server_id).await?;
    view.print_one(&backup)
}

/// How long `create --wait` waits without `--timeout`.
const CREATE_WAIT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

pub(crate) async fn create(client: &Client, args: &CreateArgs) -> Result<(), CliError> {
    let started = std::time::Instant::now();
    let view = BackupView::new(&args.output)?;
    let mut request = client.backups().create(args.server_id);
    if let Some(description) = &args.description {
        request = request.description(description.as_str());
    }
    let created = request.send().await?;
    let how = if created.recovered {
        " (the API's answer was lost; the backup was found by listing the server's backups)".into()
    } else {
        format!(": {}", clean(&created.message))
    };
    say(&format!(
        "Created backup {} of server {}{how}",
        created.backup.id, created.backup.server.id
    ));
    if !args.wait {
        return view.print_one(&created.backup);
    }
    let target = (created.backup.server.id, created.backup.id);
    // `--timeout` bounds the create and the wait together.
    let timeout = args
        .timeout
        .map_or(CREATE_WAIT_TIMEOUT, |timeout| timeout.saturating_sub(started.elapsed()));
    wait_polling(client, &view, target, timeout, Some(created.backup.clone()), None).await
}

pub(crate) async fn wait(client: &Client, args: &WaitArgs) -> Result<(), CliError> {
    let view = BackupView::new(&args.output)?;
    let server_id = match args.server_id {
        Some(server_id) => server_id,
        None => find(client, args.backup_id, None).await?.server.id,
    };
    let target = (server_id, args.backup_id);
    wait_polling(client, &view, target, args.timeout, None, args.poll_interval).await
}

/// Waits for a backup to complete, with a spinner that shows its status, until it completes,
/// fails, the timeout passes, or Ctrl-C. With `poll_interval`, it polls at that steady
/// pace; without, at the wrapper's growing one.
///
/// Then prints the backup as last seen, even when the wait failed: a script gets the id and
/// the status either way, and the exit code says whether it completed. A wait that failed
/// keeps its exit code when the output fails too (a closed stdout would otherwise make it 0).
async fn wait_polling(
    client: &Client,
    view: &BackupView,
    (server_id, backup_id): (i64, i64),
    timeout: Duration,
    seen: Option<Backup>,
    poll_interval: Option<Duration>,
) -> Result<(), CliError> {
    let spinner = Spinner::start(format!("waiting for backup {backup_id}"));
    let last_seen = Arc::new(Mutex::new(seen));
    let bar = spinner.bar.clone();
    let observed = Arc::clone(&last_seen);
    let mut waiting =
        client.backups().wait_until_completed((server_id, backup_id)).timeout(timeout);
    if let Some(interval) = poll_interval {
        waiting = waiting.poll_interval(interval).max_poll_interval(interval);
    }
    let waiting = waiting
        .on_status_change(move |change: &StatusChange| {
            bar.set_message(format!(
                "backup {backup_id} is {}",
                clean(change.backup.status.as_str())
            ));
            if let Ok(mut seen) = observed.lock() {
                *seen = Some(change.backup.clone());
            }
        })
        .send();
    let resume = format!("vpsorg backups wait {backup_id} --server-id {server_id}");
    let last = || last_seen.lock().ok().and_then(|seen| seen.clone());
    let (last_seen, result) = tokio::select! {
        result = waiting => match result {
            Ok(backup) => {
                let status = clean(backup.status.as_str());
                spinner.bar.finish_with_message(format!("backup {backup_id} is {status}"));
                (Some(backup), Ok(()))
            }
            Err(error) => {
                drop(spinner); // The error says what happened.
                let seen = match &error {
                    vpsorg_backups::Error::BackupFailed { backup, .. } => Some((**backup).clone()),
                    _ => last(),
                };
                let error = match error {
                    // A backup that was seen goes on after a timeout: say how to wait longer.
                    timeout @ vpsorg_backups::Error::WaitTimeout { .. } if seen.is_some() => {
                        CliError::new(Exit::WaitFailed, timeout.to_string()).with_hint(format!(
                            "the backup goes on; `{resume} --timeout 1h` waits longer"
                        ))
                    }
                    other => CliError::from(other),
                };
                (seen, Err(error))
            }
        },
        _ = tokio::signal::ctrl_c() => {
            drop(spinner);
            let seen = last();
            let status = seen.as_ref().map_or_else(
                || "not seen yet".to_string(),
                |backup| format!("it was {}", clean(backup.status.as_str())),
            );
            let error = CliError::new(
                Exit::Interrupted,
                format!("stopped waiting; backup {backup_id} of server {server_id} goes on ({status})"),
            )
            .with_hint(format!("`{resume}` waits again"));
            (seen, Err(error))
        }
    };
    let printed = last_seen.as_ref().map_or(Ok(()), |backup| view.print_one(backup));
    if let (Err(_), Err(write_error)) = (&result, &printed) {
        report_now(write_error);
    }
    result.and(printed)
}

/// The JSON of one backup's deletion.
#[derive(Debug, Serialize)]
struct DeletedJson {
    id: i64,
    deleted: bool,
    error: Option<ErrorJson>,
}

pub(crate) async fn delete(client: &Client, args: &DeleteArgs) -> Result<(), CliError> {
    let format = output::resolve(args.remote.output.format);
    // Each backup once: a second delete of the same one could only fail.
    let mut ids: Vec<i64> = Vec::with_capacity(args.backup_ids.len());
    for &id in &args.backup_ids {
        if ids.contains(&id) {
            say(&format!("note: backup {id} is given more than once; deleting it once"));
        } else {
            ids.push(id);
        }
    }
    confirm_delete(client, &ids, args).await?;
    let mut results = Vec::with_capacity(ids.len());
    let mut failures = Vec::new();
    // Every backup asked for is deleted, whether or not anyone still reads stdout.
    let mut out = output::KeepGoing::new();
    for id in ids {
        match client.backups().delete(id).send().await {
            Ok(()) => {
                if format == OutputFormat::Table {
                    out.line(format_args!("Deleted backup {id}."));
                }
                results.push(DeletedJson { id, deleted: true, error: None });
            }
            Err(vpsorg_backups::Error::NotFound {
                resource: vpsorg_backups::Resource::Backup(_),
                ..
            }) if args.ignore_not_found => {
                say(&format!("Backup {id} was not found: nothing to delete."));
                results.push(DeletedJson { id, deleted: false, error: None });
            }
            Err(error) => {
                let (json, exit) = ErrorJson::report(client, id, error);
                failures.push(exit);
                results.push(DeletedJson { id, deleted: false, error: Some(json) });
            }
        }
    }
    let written = match format {
        OutputFormat::Table => Ok(()),
        format => output::write_data(&mut out, format, &results),
    };
    acted(&failures, written.and(out.finish()))
}

/// Asks before deleting `ids`, showing each backup's server, date, type and description.
/// An id that is not listed fails before the question (one list call when they all fit a
/// page), unless `--ignore-not-found`; with `--yes` nothing is listed.
async fn confirm_delete(client: &Client, ids: &[i64], args: &DeleteArgs) -> Result<(), CliError> {
    if args.yes {
        return Ok(());
    }
    let listed = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let what = if ids.len() == 1 { "backup" } else { "backups" };
    let action = format!("delete {what} {listed}");
    prompt::ensure_can_confirm(&action, false, "pass --yes to confirm")?;
    let found = find_all(client, ids, None).await?;
    let missing: Vec<String> = ids
        .iter()
        .zip(&found)
        .filter(|(_, backup)| backup.is_none())
        .map(|(id, _)| id.to_string())
        .collect();
    if !missing.is_empty() && !args.ignore_not_found {
        return Err(CliError::not_found(format!(
            "there is no backup {}; nothing was deleted",
            missing.join(", ")
        ))
        .with_hint("`vpsorg backups list` lists them; --ignore-not-found skips them"));
    }
    let shown: Vec<String> = ids
        .iter()
        .zip(&found)
        .map(|(id, backup)| match backup {
            Some(backup) => prompt::describe(backup),
            None => format!("  backup {id} is not listed: nothing to delete"),
        })
        .collect();
    prompt::confirm(
        &format!(
            "Deleting {what} {listed} is permanent and cannot be undone:\n{}",
            shown.join("\n")
        ),
        &action,
        false,
    )
}

/// The backups `ids` name, in their order (`None` for one that is not listed), from the list
/// of `server_id`'s backups when given, else of every server's.
async fn find_all(
    client: &Client,
    ids: &[i64],
    server_id: Option<i64>,
) -> Result<Vec<Option<Backup>>, CliError> {
    let mut found: Vec<Option<Backup>> = vec![None; ids.len()];
    let mut request =
        client.backups().list().page_size(MAX_PAGE_SIZE).concurrency(LIST_CONCURRENCY);
    if let Some(server_id) = server_id {
        request = request.server_id(server_id);
    }
    let mut backups = request.items();
    while found.iter().any(Option::is_none)
        && let Some(backup) = backups.try_next().await?
    {
        if let Some(i) = ids.iter().position(|&id| id == backup.id) {
            found[i] = Some(backup);
        }
    }
    Ok(found)
}
