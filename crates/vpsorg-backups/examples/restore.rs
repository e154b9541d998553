//! Restores a server (the argument, default 12345) from its newest completed backup:
//! `cargo run -p vpsorg-backups --example restore`. Against the real API when
//! `VPSORG_API_TOKEN` is set, else against a fake server.

use futures::TryStreamExt;
use vpsorg_backups::{BackupStatus, Error};

#[path = "support/connect.rs"]
mod connect;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server_id: i64 = match std::env::args().nth(1) {
        Some(id) => id.parse()?,
        None => 12345,
    };
    let (client, _fake) = connect::connect().await?;

    // The list is newest first: the first completed backup is the newest.
    let newest = client
        .backups()
        .list()
        .server_id(server_id)
        .items()
        .try_filter(|backup| std::future::ready(backup.status == BackupStatus::Completed))
        .try_next()
        .await?;
    let Some(backup) = newest else {
        eprintln!("server {server_id} has no completed backup");
        std::process::exit(1);
    };

    match client.servers().restore(server_id, backup.id).send().await {
        Ok(restore) => println!(
            "restoring {} from backup {} ({}): {}",
            restore.server.name,
            restore.backup_id,
            backup.created_at,
            restore.message.unwrap_or_default(),
        ),
        Err(error @ Error::OutcomeUnknown { .. }) => {
            // Never blindly repeat a restore: it overwrites the server again.
            eprintln!("{error}");
            std::process::exit(1);
        }
        Err(error) => return Err(error.into()),
    }
    Ok(())
}
