//! Connects the examples to the real API when `VPSORG_API_TOKEN` is set, and otherwise to a
//! fake VPS.org server started in-process with the vendor's example data.

use std::time::Duration;

use vpsorg_backups::Client;
use vpsorg_backups_mock::{MockServer, Seed};

/// The client, and the fake server when one was started (it stops when dropped).
pub(crate) async fn connect() -> Result<(Client, Option<MockServer>), Box<dyn std::error::Error>> {
    if std::env::var_os(vpsorg_backups::TOKEN_ENV).is_some() {
        return Ok((Client::from_env()?, None));
    }
    let server = MockServer::builder()
        .seed(Seed::vendor_examples())
        .complete_after(Duration::from_secs(2))
        .start()
        .await?;
    eprintln!("VPSORG_API_TOKEN is not set: using a fake server at {}", server.base_url());
    let client = Client::builder().token(server.token()).base_url(server.base_url()).build()?;
    Ok((client, Some(server)))
}
