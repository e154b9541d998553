//! The public methods of [`Client`]: its constructors, the operations, and what it was
//! configured with.

use reqwest::Url;

use crate::error::Result;
use crate::{Backups, Client, ClientBuilder, RetryPolicy, Servers};

impl Client {
    /// Starts configuring a client. Only the token is required.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from the environment: the token from `VPSORG_API_TOKEN`, the
    /// base URL from `VPSORG_API_URL` (default `https://admin.vps.org`).
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) when `VPSORG_API_TOKEN` is unset or empty, or when the base URL is
    /// malformed or insecure (see [`ClientBuilder::build`]).
    ///
    // Compiled, not run: it reads VPSORG_API_TOKEN and VPSORG_API_URL, which a doc-test
    // cannot set safely (setting the environment is unsafe with other threads running), and
    // without them it is a configuration error.
    /// ```no_run
    /// let client = vpsorg_backups::Client::from_env()?;
    /// # Ok::<(), vpsorg_backups::Error>(())
    /// ```
    pub fn from_env() -> Result<Client> {
        ClientBuilder::from_env().build()
    }

    /// Operations on backups: list, create, delete, wait.
    pub fn backups(&self) -> Backups {
        Backups { client: self.clone() }
    }

    /// Operations on servers: restore from a backup.
    pub fn servers(&self) -> Servers {
        Servers { client: self.clone() }
    }

    /// The generated low-level client underneath, sharing this client's token, connection
    /// pool, timeouts and proxy, for a call the wrapper does not offer. Its calls are not
    /// retried, and return the generated crate's errors. Its types are in
    /// [`vpsorg_backups::raw`](crate::raw), the very version this crate uses: no need to
    /// add `vpsorg-backups-client` yourself. Needs the `raw` feature.
    ///
    /// ```
    /// # async fn run(client: vpsorg_backups::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let page: vpsorg_backups::raw::types::BackupList =
    ///     client.raw().list_backups().page_size(5).send().await?.into_inner();
    /// println!("{} backups in all", page.count);
    /// # Ok(())
    /// # }
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> { with_fake_server(run) }
    /// # include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/doctest.rs"));
    /// ```
    #[cfg(feature = "raw")]
    #[cfg_attr(docsrs, doc(cfg(feature = "raw")))]
    pub fn raw(&self) -> &vpsorg_backups_client::Client {
        &self.inner.raw
    }

    /// The base URL requests go to, as configured.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The retry policy requests follow.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }
}
