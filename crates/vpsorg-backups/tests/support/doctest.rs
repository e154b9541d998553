// Included by the crate's doc-tests, after their `run` and a hidden `fn main` that calls
// `with_fake_server(run)`: starts the fake VPS.org server (vpsorg-backups-mock, with the
// vendor's example data; backups complete after 50 ms), builds a client for it and runs
// the example.
fn with_fake_server<F, E>(
    run: impl FnOnce(vpsorg_backups::Client) -> F,
) -> Result<(), Box<dyn std::error::Error>>
where
    F: std::future::Future<Output = Result<(), E>>,
    E: Into<Box<dyn std::error::Error>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let server = vpsorg_backups_mock::MockServer::builder()
            .complete_after(std::time::Duration::from_millis(50))
            .start()
            .await?;
        let client = vpsorg_backups::Client::builder()
            .token(server.token())
            .base_url(server.base_url())
            .build()?;
        run(client).await.map_err(Into::into)
    })
}
