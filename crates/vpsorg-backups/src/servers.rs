//! Operations on servers: [`Servers::restore`].

use vpsorg_backups_client::{ResponseValue, types};

use crate::error::Result;
use crate::response::Operation;
use crate::{Client, Restore, RetryPolicy};

/// Operations on servers, from [`Client::servers`].
#[derive(Debug, Clone)]
pub struct Servers {
    pub(crate) client: Client,
}

impl Servers {
    /// Restores a server from one of its `completed` backups, overwriting its disk.
    ///
    /// ```
    /// # async fn run(client: vpsorg_backups::Client) -> vpsorg_backups::Result<()> {
    /// let restore = client.servers().restore(12345, 501).send().await?;
    /// println!("server {} is {}", restore.server.name, restore.status);
    /// # Ok(())
    /// # }
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> { with_fake_server(run) }
    /// # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/doctest.rs"));
    /// ```
    pub fn restore(&self, server_id: i64, backup_id: i64) -> RestoreServer {
        RestoreServer { client: self.client.clone(), server_id, backup_id, retry: None }
    }
}

/// A restore being configured, from [`Servers::restore`].
#[derive(Debug, Clone)]
#[must_use]
pub struct RestoreServer {
    client: Client,
    server_id: i64,
    backup_id: i64,
    retry: Option<RetryPolicy>,
}

impl RestoreServer {
    setters! {
        /// How this restore is retried, instead of the client's [`RetryPolicy`]. Whatever the
        /// policy, a restore is retried only when the API provably did not act on it (see
        /// [`send`](Self::send)).
        fn retry(policy: RetryPolicy) => retry = Some(policy);
    }

    /// Starts the restore; it runs in the background on the API's side.
    ///
    /// Not idempotent, so retried only when the API provably did not act on the request: a
    /// refused connection, or a 429 (throttling refuses a request before anything runs).
    /// After it may have arrived, a failure is
    /// [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown), which, unlike a create's,
    /// cannot be looked up (the API lists no restores and shows no server status): check the
    /// server before trying again. A 2xx whose body cannot be read is
    /// [`Error::AnswerUnreadable`](crate::Error::AnswerUnreadable): the restore runs.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest) with
    /// [`code`](crate::Error::code) `backup_server_mismatch` (a backup of another server)
    /// or `backup_not_completed`; [`Error::NotFound`](crate::Error::NotFound) for an unknown
    /// server or backup; and the errors of any request (see [`Error`](crate::Error)).
    ///
    /// ```
    /// # async fn run(client: vpsorg_backups::Client) -> vpsorg_backups::Result<()> {
    /// match client.servers().restore(12345, 501).send().await {
    ///     Ok(restore) => println!("{}", restore.message.unwrap_or_default()),
    ///     Err(error) if error.code() == Some("backup_not_completed") => {
    ///         eprintln!("wait for the backup to complete first")
    ///     }
    ///     Err(error) => return Err(error),
    /// }
    /// # Ok(())
    /// # }
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> { with_fake_server(run) }
    /// # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/doctest.rs"));
    /// ```
    pub async fn send(self) -> Result<Restore> {
        let (server_id, backup_id) = (self.server_id, self.backup_id);
        let path = format!(
            "{}/api/v1/servers/{server_id}/restore/",
            self.client.base_url().path().trim_end_matches('/')
        );
        let op = Operation::Restore { server_id, backup_id };
        let restore: types::Restore = self
            .client
            .execute(op, &path, self.retry.as_ref(), None, |raw| async move {
                raw.restore_server()
                    .server_id(server_id)
                    .body(types::RestoreRequest::builder().backup_id(backup_id))
                    .send()
                    .await
                    .map(ResponseValue::into_inner)
            })
            .await?;
        Ok(Restore::from_wire(restore))
    }
}
