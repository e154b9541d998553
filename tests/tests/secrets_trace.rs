//! Everything logged at TRACE level, from every target (`tracing` and reqwest's `log`),
//! while the client works through successes, retries, redirects, refused links, timeouts
//! and errors, never holds the token or an `Authorization` value.
//!
//! One test in a binary of its own: the subscriber and the logger are global.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt;
use vpsorg_backups::{Client, RetryPolicy};
use vpsorg_backups_mock::{Fault, MockServer, Operation, Seed};

const TOKEN: &str = "trace-token-3be1f0";

/// Everything written, by `tracing` and by `log`.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!("LOG {} {} {}\n", record.level(), record.target(), record.args());
        self.0.lock().unwrap().extend_from_slice(line.as_bytes());
    }

    fn flush(&self) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_logged_at_trace_level_holds_the_token() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(capture.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    log::set_boxed_logger(Box::new(capture.clone())).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    let server = MockServer::builder()
        .token(TOKEN)
        .seed(Seed::generated(2, 45))
        .complete_after(Duration::from_millis(20))
        .start()
        .await
        .unwrap();
    let elsewhere = MockServer::builder().token(TOKEN).start().await.unwrap();
    let client = Client::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .timeout(Duration::from_millis(500))
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(4)),
        )
        .build()
        .unwrap();
    let server_id = server.backups()[0].server.id;

    // Successes, across pages, with retries on the way.
    server.inject(Fault::status(503).header("Retry-After", "0").on(Operation::ListBackups));
    server.inject(Fault::drop_after_read().on(Operation::ListBackups).nth(2));
    let all: Vec<_> = client.backups().list().page_size(10).items().try_collect().await.unwrap();
    assert_eq!(all.len(), 90);
    server.inject(Fault::throttled(0).on(Operation::CreateBackup));
    let created = client.backups().create(server_id).send().await.unwrap();
    client
        .backups()
        .wait_until_completed(&created)
        .poll_interval(Duration::from_millis(10))
        .send()
        .await
        .unwrap();
    let completed = server
        .backups_of(server_id)
        .into_iter()
        .find(|b| b.status == vpsorg_backups_mock::BackupStatus::Completed)
        .unwrap();
    client.servers().restore(server_id, completed.id).send().await.unwrap();
    // A redirect on the same origin is followed, with the token.
    server.inject(
        Fault::status(307)
            .header("Location", server.url(&format!("/api/v1/backups/{}/", created.backup.id)))
            .on(Operation::DeleteBackup),
    );
    client.backups().delete(created.backup.id).send().await.unwrap();

    // Failures of every kind.
    let mut failures = Vec::new();
    server.inject(Fault::status(302).header("Location", elsewhere.url("/")).on(Operation::Any));
    failures.push(client.backups().list().send().await.map(drop));
    server.inject(
        Fault::unknown_enum("next", elsewhere.url("/api/v1/backups/?page=2")).on(Operation::Any),
    );
    failures.push(client.backups().list().items().try_collect::<Vec<_>>().await.map(drop));
    // A create whose answer is too slow: found by listing, then (without the search) unknown.
    server.inject(Fault::latency(Duration::from_secs(1)).on(Operation::CreateBackup));
    let found = client.backups().create(server_id).send().await.unwrap();
    assert!(found.recovered);
    server.inject(Fault::latency(Duration::from_secs(1)).on(Operation::CreateBackup));
    failures.push(
        client.backups().create(server_id).resolve_unknown_outcome(false).send().await.map(drop),
    );
    server.inject(Fault::truncated_body().on(Operation::RestoreServer));
    failures.push(client.servers().restore(server_id, completed.id).send().await.map(drop));
    server.inject(Fault::malformed_json().on(Operation::ListBackups));
    failures.push(client.backups().list().send().await.map(drop));
    failures.push(client.backups().delete(999_999).send().await);
    let wrong =
        Client::builder().token("not-the-trace-token").base_url(server.base_url()).build().unwrap();
    failures.push(wrong.backups().list().send().await.map(drop));
    for failure in &failures {
        let error = failure.as_ref().unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(TOKEN), "{shown}");
    }
    assert!(elsewhere.requests().is_empty());

    let text = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    let lines = text.lines().count();
    assert!(text.contains("vpsorg_backups.request"), "{text}");
    assert!(text.contains("retrying"), "{text}");
    assert!(lines > 100, "only {lines} lines were logged");
    for secret in [TOKEN, "not-the-trace-token", "Bearer", "authorization"] {
        let line = text.lines().find(|line| line.contains(secret));
        assert!(line.is_none(), "{secret} was logged: {line:?}");
    }
    let count = |needle: &str| text.lines().filter(|line| line.contains(needle)).count();
    println!(
        "{lines} lines logged ({} at TRACE, {} from reqwest's `log`), none with the token",
        count(" TRACE ") + count("LOG TRACE"),
        count("LOG ")
    );
}
