//! Lists every backup on the account, across pages, then the manual ones of one server:
//! `cargo run -p vpsorg-backups --example list_all`. Against the real API when
//! `VPSORG_API_TOKEN` is set, else against a fake server.

use futures::TryStreamExt;
use vpsorg_backups::BackupType;

#[path = "support/connect.rs"]
mod connect;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _fake) = connect::connect().await?;

    // A stream of backups: pages are fetched as it goes, the next one while you work.
    let mut backups = client.backups().list().page_size(100).items();
    let mut total = 0;
    while let Some(backup) = backups.try_next().await? {
        total += 1;
        println!(
            "{:>8}  {:<16} {:<9} {:<11} {:>7} MB  {}",
            backup.id,
            backup.server.name,
            // `as_str` so that the width applies.
            backup.backup_type.as_str(),
            backup.status.as_str(),
            backup.size_mb.map_or_else(|| "-".to_owned(), |mb| mb.to_string()),
            backup.description,
        );
    }
    println!("{total} backups");

    // Or gather them: the manual backups of the first server listed.
    let first = client.backups().list().page_size(1).send().await?;
    if let Some(backup) = first.backups.first() {
        let manual: Vec<_> = client
            .backups()
            .list()
            .server_id(backup.server.id)
            .backup_type(BackupType::Manual)
            .items()
            .try_collect()
            .await?;
        println!("server {} has {} manual backups (at most 10)", backup.server.name, manual.len());
    }
    Ok(())
}
