//! Creates a manual backup of a server (the argument, default 12345) and waits for it to
//! complete, showing progress: `cargo run -p vpsorg-backups --example create_and_wait`.
//! Against the real API when `VPSORG_API_TOKEN` is set, else against a fake server.

use std::time::Duration;

use vpsorg_backups::Error;

#[path = "support/connect.rs"]
mod connect;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server_id: i64 = match std::env::args().nth(1) {
        Some(id) => id.parse()?,
        None => 12345,
    };
    let (client, _fake) = connect::connect().await?;

    let created = match client
        .backups()
        .create(server_id)
        .description("Created by the create_and_wait example")
        .send()
        .await
    {
        Ok(created) => created,
        Err(Error::ManualBackupLimit { server_id, .. }) => {
            eprintln!("server {server_id} already has 10 manual backups; delete one first");
            std::process::exit(1);
        }
        Err(error) if error.is_outcome_unknown() => {
            eprintln!("{error}");
            std::process::exit(1);
        }
        Err(error) => return Err(error.into()),
    };
    println!("backup {} started: {}", created.backup.id, created.message);

    let backup = client
        .backups()
        .wait_until_completed(&created)
        .timeout(Duration::from_secs(30 * 60))
        .on_status_change(|change| {
            println!("  {:>5.1}s  {}", change.elapsed.as_secs_f64(), change.backup.status)
        })
        .send()
        .await?;
    println!("backup {} completed: {} MB", backup.id, backup.size_mb.unwrap_or_default());
    Ok(())
}
