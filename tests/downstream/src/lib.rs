//! A downstream crate, frozen: code written against the public API of `vpsorg-backups` (and,
//! for teams that need one exact call, `vpsorg-backups-client`) the way users write it. It
//! reads every field, matches every enum and error, pages, waits and restores.
//!
//! `cargo xtask evolution` regenerates the client after each additive change to the spec (an
//! optional or required response field, an optional request field, a new enum value, a new
//! enum-typed field, a new endpoint) and checks that this crate still compiles unchanged.
//! Edit it only when the public API changes on purpose, in a semver-breaking release.

use std::time::Duration;

use futures::TryStreamExt;
use vpsorg_backups::{
    Backup, BackupRef, BackupStatus, BackupType, Client, CreatedBackup, Error, Page,
    PaginationIssue, Resource, Restore, RestoreStatus, RetriedOperation, RetryNotice, RetryPolicy,
    ServerRef, StatusChange,
};
use vpsorg_backups_client::types;

/// One line per backup, from every field.
pub fn describe(backup: &Backup) -> String {
    let Backup {
        id,
        server,
        backup_type,
        status,
        size_mb,
        created_at,
        expires_at,
        description,
        ..
    } = backup;
    let ServerRef { id: server_id, name, .. } = server;
    format!(
        "{id} {server_id}/{name} {} {} {} {} {} {description:?}",
        type_word(backup_type),
        status_word(status),
        size_mb.map_or("-".to_owned(), |mb| format!("{mb} MB")),
        created_at.to_rfc3339(),
        expires_at.map_or("never".to_owned(), |at| at.to_rfc3339()),
    )
}

/// Every backup type this code knows, and a fallback for new ones.
pub fn type_word(backup_type: &BackupType) -> &'static str {
    match backup_type {
        BackupType::Manual => "manual",
        BackupType::Automatic => "automatic",
        other if other.is_unknown() => "unknown",
        _ => "other",
    }
}

/// Every status this code knows, and a fallback for new ones.
pub fn status_word(status: &BackupStatus) -> &'static str {
    match status {
        BackupStatus::InProgress => "in progress",
        BackupStatus::Completed => "completed",
        BackupStatus::Failed => "failed",
        // The documented way to look at a value the crate may not know yet.
        other if other.as_str() == "queued" => "queued",
        _ => "other",
    }
}

/// What a person should be told, from every error this code handles on purpose.
pub fn explain(error: &Error) -> String {
    let extra = format!(
        "(status {:?}, retryable {}, request {:?}, code {:?}, detail {:?}, retry after {:?}, may have reached server {}, outcome unknown {})",
        error.status().map(|s| s.as_u16()),
        error.is_retryable(),
        error.request_id(),
        error.code(),
        error.detail(),
        error.retry_after(),
        error.may_have_reached_server(),
        error.is_outcome_unknown(),
    );
    let what = match error {
        Error::Unauthorized { status, .. } => format!("check the token ({status})"),
        Error::NotFound { resource: Resource::Backup(id), .. } => format!("no backup {id}"),
        Error::NotFound { resource: Resource::Server(id), .. } => format!("no server {id}"),
        Error::NotFound { resource: Resource::Page(page), .. } => format!("no page {page}"),
        Error::NotFound { resource, .. } => format!("{resource} not found"),
        Error::ManualBackupLimit { server_id, .. } => format!("server {server_id} is full"),
        Error::InvalidRequest { field_errors, .. } => format!("{} bad fields", field_errors.len()),
        Error::RateLimited { retry_after, .. } => format!("slow down {retry_after:?}"),
        Error::Server { status, .. } | Error::UnexpectedStatus { status, .. } => {
            format!("the API failed ({status})")
        }
        Error::Timeout { .. } | Error::Transport { .. } => "the network failed".to_owned(),
        Error::Decode { excerpt, .. } => format!("unreadable answer: {excerpt}"),
        Error::OutcomeUnknown { operation, source, .. } => {
            format!("{operation} may have happened: {source}")
        }
        Error::ForeignOrigin { origin, .. } => format!("refused {origin}"),
        Error::Pagination { issue: PaginationIssue::NoProgress { page }, .. } => {
            format!("paging stuck at {page}")
        }
        Error::Pagination { issue, .. } => issue.to_string(),
        Error::BackupFailed { backup, .. } => format!("backup failed: {}", describe(backup)),
        Error::BackupNotListed { backup_id, .. } => format!("no backup {backup_id} to wait for"),
        Error::BackupDisappeared { backup_id, .. } => format!("backup {backup_id} was deleted"),
        Error::WaitTimeout { last_status, last_error, waited, .. } => format!(
            "gave up after {waited:?} at {:?} ({:?})",
            last_status.as_ref().map(status_word),
            last_error.as_ref().map(|e| e.to_string())
        ),
        Error::InvalidInput { message, .. } | Error::Config { message, .. } => message.clone(),
        other => other.to_string(),
    };
    format!("{what} {extra}")
}

/// A client configured the way a service would.
///
/// # Errors
///
/// The client's configuration errors.
pub fn client(base_url: &str, token: &str) -> Result<Client, Error> {
    Client::builder()
        .base_url(base_url)
        .token(token)
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(5))
        .retry(RetryPolicy::default())
        .user_agent("downstream/1.0")
        .allow_insecure_http(true)
        .on_retry(|notice: &RetryNotice<'_>| {
            let RetryNotice { operation, attempt, delay, error, .. } = notice;
            let what = match operation {
                RetriedOperation::ListBackups => "list",
                RetriedOperation::CreateBackup => "create",
                RetriedOperation::DeleteBackup => "delete",
                RetriedOperation::RestoreServer => "restore",
                RetriedOperation::WaitUntilCompleted => "wait",
                _ => "other",
            };
            let _ = format!("{what} attempt {attempt} in {delay:?}: {}", explain(error));
        })
        .build()
}

/// Every manual backup of a server, page by page and as one stream.
///
/// # Errors
///
/// Listing errors.
pub async fn inventory(client: &Client, server_id: i64) -> Result<Vec<String>, Error> {
    let first: Page = client
        .backups()
        .list()
        .server_id(server_id)
        .backup_type(BackupType::Manual)
        .page_size(50)
        .page(1)
        .send()
        .await?;
    let mut lines =
        vec![format!("page {} of {} backups, more: {}", first.number, first.count, first.has_next)];
    let mut pages = client.backups().list().server_id(server_id).pages();
    while let Some(page) = pages.try_next().await? {
        lines.extend(page.backups.iter().map(describe));
    }
    let all: Vec<Backup> =
        client.backups().list().server_id(server_id).concurrency(4).items().try_collect().await?;
    lines.push(format!("{} in all", all.len()));
    Ok(lines)
}

/// Creates a backup and waits for it, reporting progress.
///
/// # Errors
///
/// Creation and waiting errors.
pub async fn backup_and_wait(client: &Client, server_id: i64) -> Result<Backup, Error> {
    let created: CreatedBackup =
        client.backups().create(server_id).description("before the upgrade").send().await?;
    let CreatedBackup { backup, message, recovered, .. } = &created;
    let target = BackupRef::from(backup);
    // `recovered`: the answer was lost and the backup found by listing.
    let _ = (message.len(), recovered, target.server_id, target.backup_id);
    client
        .backups()
        .wait_until_completed(&created)
        .timeout(Duration::from_secs(600))
        .poll_interval(Duration::from_secs(2))
        .max_poll_interval(Duration::from_secs(20))
        .on_status_change(|change: &StatusChange| {
            let StatusChange { backup, previous, elapsed, polls, .. } = change;
            let _ = (describe(backup), previous, elapsed, polls);
        })
        .send()
        .await
}

/// Deletes a backup, treating "already gone" as done.
///
/// # Errors
///
/// Deletion errors other than not found.
pub async fn delete(client: &Client, backup_id: i64) -> Result<(), Error> {
    // A delete is idempotent: this caller wants more patience than the client's default.
    let patient = RetryPolicy::default().max_attempts(6);
    match client.backups().delete(backup_id).retry(patient).send().await {
        Err(Error::NotFound { .. }) | Ok(()) => Ok(()),
        Err(other) => Err(other),
    }
}

/// Restores a server and says what it is doing.
///
/// # Errors
///
/// Restore errors.
pub async fn restore(client: &Client, server_id: i64, backup_id: i64) -> Result<String, Error> {
    let restore: Restore = client.servers().restore(server_id, backup_id).send().await?;
    let Restore { server, backup_id, status, message, .. } = restore;
    let status = match status {
        RestoreStatus::Restoring => "restoring".to_owned(),
        other => other.as_str().to_owned(),
    };
    Ok(format!(
        "{} ({}) from {backup_id}: {status} {}",
        server.name,
        server.id,
        message.unwrap_or_default()
    ))
}

/// Serializes what the API sent, for a cache.
///
/// # Errors
///
/// JSON errors.
pub fn to_json(backup: &Backup) -> serde_json::Result<String> {
    serde_json::to_string(backup)
}

/// A team that needs one exact call uses the generated client: every field of a page.
///
/// # Errors
///
/// The generated client's errors.
pub async fn raw_page(
    client: &vpsorg_backups_client::Client,
) -> Result<Vec<String>, vpsorg_backups_client::Error<types::Error>> {
    let page = client
        .list_backups()
        .server_id(12345)
        .backup_type(types::BackupType::Automatic)
        .page(1u64)
        .page_size(20u64)
        .send()
        .await?
        .into_inner();
    let mut lines = vec![format!("{} {:?} {:?}", page.count, page.next, page.previous)];
    for backup in &page.results {
        let when: chrono::DateTime<chrono::Utc> = backup.created_at;
        lines.push(format!(
            "{} {} {} {} {} {:?} {} {:?} {}",
            backup.id,
            backup.server.id,
            backup.server.name,
            backup.backup_type,
            backup.status.as_str(),
            backup.size_mb,
            when,
            backup.expires_at,
            backup.description
        ));
    }
    Ok(lines)
}

/// Creates, deletes and restores with the generated client and its builders.
///
/// # Errors
///
/// The generated client's errors.
pub async fn raw_writes(
    client: &vpsorg_backups_client::Client,
) -> Result<String, vpsorg_backups_client::Error<types::Error>> {
    let created = client
        .create_backup()
        .body(
            types::CreateBackupRequest::builder().server_id(12345).description(Some(
                "nightly"
                    .parse::<types::CreateBackupRequestDescription>()
                    .map_err(|e| vpsorg_backups_client::Error::InvalidRequest(e.to_string()))?,
            )),
        )
        .send()
        .await?
        .into_inner();
    client.delete_backup().backup_id(created.id).send().await?;
    let restore = client
        .restore_server()
        .server_id(created.server.id)
        .body(types::RestoreRequest::builder().backup_id(501))
        .send()
        .await?
        .into_inner();
    Ok(format!(
        "{} {} {} {} {} {} {:?} {:?} {:?} {} {} {:?} {} {} {}",
        created.id,
        created.server.id,
        created.server.name,
        created.backup_type,
        created.status,
        created.created_at,
        created.size_mb,
        created.expires_at,
        created.description,
        created.message,
        restore.backup_id,
        restore.message,
        restore.status,
        restore.server.id,
        restore.server.name,
    ))
}
