//! `vpsorg servers restore`.

use std::io::Write;

use serde::Serialize;
use vpsorg_backups::Client;

use super::backups::find;
use crate::cli::{OutputFormat, RestoreArgs};
use crate::error::CliError;
use crate::exit::Exit;
use crate::output::{self, ServerJson};
use crate::progress::say_always;
use crate::prompt;
use crate::text::clean;

/// The JSON of a restore: the API's answer, every field present.
#[derive(Debug, Serialize)]
struct RestoreJson<'a> {
    server: ServerJson<'a>,
    backup_id: i64,
    status: String,
    message: Option<&'a str>,
}

pub(crate) async fn restore(client: &Client, args: &RestoreArgs) -> Result<(), CliError> {
    let format = output::resolve(args.remote.output.format);
    if !args.yes {
        confirm_restore(client, args).await?;
    }
    let restore = match client.servers().restore(args.server_id, args.backup_id).send().await {
        Ok(restore) => restore,
        // Accepted: the restore runs, and only what the API said about it is lost.
        Err(error @ vpsorg_backups::Error::AnswerUnreadable { .. }) => {
            let request_id = error.request_id().unwrap_or("none sent");
            say_always(&format!(
                "warning: {}
The restore of server {} from backup {} started; request id: {}",
                clean(&error.to_string()),
                args.server_id,
                args.backup_id,
                clean(request_id)
            ));
            return Ok(());
        }
        Err(error) => {
            return Err(CliError::from(error).restore_refused(args.server_id, args.backup_id));
        }
    };
    let status = restore.status.to_string();
    let mut out = output::stdout();
    if format == OutputFormat::Table {
        writeln!(
            out,
            "Restore of server {} ({}) from backup {} started; the server is {}.",
            restore.server.id,
            clean(&restore.server.name),
            restore.backup_id,
            clean(&status)
        )?;
        if let Some(message) = &restore.message {
            writeln!(out, "{}", clean(message))?;
        }
    } else {
        let json = RestoreJson {
            server: ServerJson { id: restore.server.id, name: &restore.server.name },
            backup_id: restore.backup_id,
            status,
            message: restore.message.as_deref(),
        };
        output::write_data(&mut out, format, &json)?;
    }
    out.flush()?;
    Ok(())
}

/// Asks before a restore, showing the server's name and the backup; a backup that is not
/// listed, or is another server's, fails before the question (one list call when the backup
/// is on page 1).
async fn confirm_restore(client: &Client, args: &RestoreArgs) -> Result<(), CliError> {
    let action = format!("restore server {}", args.server_id);
    prompt::ensure_can_confirm(&action, false, "pass --yes to confirm")?;
    let backup = find(client, args.backup_id, None).await?;
    // The exit code the API's refusal (400 `backup_server_mismatch`) gets with `--yes`.
    if backup.server.id != args.server_id {
        return Err(CliError::new(
            Exit::Api,
            format!(
                "backup {} is server {}'s, not server {}'s: a server is restored from its own \
             backups; nothing was restored",
                backup.id, backup.server.id, args.server_id
            ),
        )
        .with_hint(format!(
            "`vpsorg backups list --server-id {}` lists server {}'s backups",
            args.server_id, args.server_id
        )));
    }
    prompt::confirm(
        &format!(
            "Restoring server {} ({}) from backup {} overwrites everything on the server's \
             disk:\n{}",
            args.server_id,
            clean(&backup.server.name),
            backup.id,
            prompt::describe(&backup)
        ),
        &action,
        false,
    )
}
