//! The token goes to the configured origin in the `Authorization` header, and nowhere else:
//! not to another origin that a `next` link or a redirect names (two fake servers on two
//! ports), not into `Debug` or `Display` of the client, the builder or any error, and not
//! into a snapshot. `tracing` output is in `secrets_trace.rs`, a binary of its own; the CLI's
//! `-vv` output in `crates/vpsorg-cli/tests/cli.rs`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::TryStreamExt;
use vpsorg_backups::{Client, Error, RetryPolicy};
use vpsorg_backups_mock::{Fault, MockServer, Operation, Seed};

const TOKEN: &str = "secrets-token-a41d7c";

async fn mock() -> MockServer {
    MockServer::builder().token(TOKEN).seed(Seed::vendor_examples()).start().await.unwrap()
}

fn client(base_url: &str) -> Client {
    Client::builder()
        .token(TOKEN)
        .base_url(base_url)
        .timeout(Duration::from_secs(5))
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(4)),
        )
        .build()
        .unwrap()
}

/// Neither `Display` nor `Debug` (nor any source's) shows the token.
fn assert_hidden(what: &str, error: &Error) {
    let mut shown = format!("{error} {error:?} {error:#?}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        shown.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    assert!(!shown.contains(TOKEN), "{what}: {shown}");
}

/// The other origin got nothing at all: no request, so no token.
fn assert_untouched(other: &MockServer, what: &str) {
    let requests = other.requests();
    assert!(requests.is_empty(), "{what}: {requests:#?}");
}

fn foreign_origin(error: &Error) -> Option<&str> {
    match error {
        Error::ForeignOrigin { origin, .. } => Some(origin),
        _ => None,
    }
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_never_followed() {
    let home = mock().await;
    let elsewhere = mock().await;
    // The same server under another host name is another origin too.
    let same_server_other_name = home.base_url().replace("127.0.0.1", "localhost");
    for target in [elsewhere.base_url().to_owned(), same_server_other_name] {
        let next = format!("{target}/api/v1/backups/?page=2&server_id=12345");
        home.inject(Fault::unknown_enum("next", next.as_str()).on(Operation::ListBackups).always());
        let client = client(home.base_url());

        let mut items = client.backups().list().server_id(12345).items();
        let mut listed = 0;
        let error = loop {
            match items.try_next().await {
                Ok(Some(_)) => listed += 1,
                Ok(None) => panic!("the listing ended without following {next}"),
                Err(error) => break error,
            }
        };
        assert_eq!(listed, 3, "page 1 is listed before the link is refused");
        assert_eq!(foreign_origin(&error), Some(target.as_str()), "{error:?}");
        assert_hidden("items", &error);

        let error = client.backups().list().pages().try_collect::<Vec<_>>().await.unwrap_err();
        assert_eq!(foreign_origin(&error), Some(target.as_str()), "{error:?}");

        // The waiter pages through the list too, looking for a backup that is not there.
        let error = client
            .backups()
            .wait_until_completed((12345, 777))
            .poll_interval(Duration::from_millis(5))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap_err();
        assert_eq!(foreign_origin(&error), Some(target.as_str()), "{error:?}");
        home.clear_faults();
    }
    assert_untouched(&elsewhere, "next links");
    // Every request that did go out went home, with the token.
    let requests = home.requests();
    assert!(requests.len() >= 6);
    assert!(
        requests.iter().all(
            |r| r.header("authorization") == Some("Bearer [redacted]") && r.status == Some(200)
        )
    );
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_never_followed() {
    let home = mock().await;
    let elsewhere = mock().await;
    let client = client(home.base_url());
    let before = (home.backups(), home.restores());
    for status in [301, 302, 303, 307, 308] {
        for (operation, path) in [
            (Operation::ListBackups, "/api/v1/backups/"),
            (Operation::CreateBackup, "/api/v1/backups/"),
            (Operation::DeleteBackup, "/api/v1/backups/495/"),
            (Operation::RestoreServer, "/api/v1/servers/12345/restore/"),
        ] {
            home.inject(
                Fault::status(status).header("Location", elsewhere.url(path)).on(operation),
            );
            let result = match operation {
                Operation::ListBackups => client.backups().list().send().await.map(drop),
                Operation::CreateBackup => client.backups().create(12345).send().await.map(drop),
                Operation::DeleteBackup => client.backups().delete(495).send().await,
                _ => client.servers().restore(12345, 501).send().await.map(drop),
            };
            let what = format!("{status} on {operation}");
            let error = result.expect_err(&what);
            assert_eq!(foreign_origin(&error), Some(elsewhere.base_url()), "{what}: {error:?}");
            assert!(!error.may_have_reached_server(), "{what}");
            assert_hidden(&what, &error);
        }
    }
    assert_untouched(&elsewhere, "redirects");
    assert_eq!(
        (home.backups(), home.restores()),
        before,
        "the redirecting answers changed nothing"
    );
    assert_eq!(
        home.requests().len(),
        25,
        "one request each, none retried, and the listing before each create"
    );
}

#[tokio::test]
async fn debug_of_the_client_the_builder_and_every_error_hides_the_token() {
    let builder = Client::builder().token(TOKEN).base_url("http://127.0.0.1:9");
    let shown = format!("{builder:?} {builder:#?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    let client = builder.build().unwrap();
    let shown = format!("{client:?} {client:#?} {:?}", client.backups().create(1));
    assert!(!shown.contains(TOKEN), "{shown}");

    // Configuration errors about the token never quote it.
    for token in [format!("{TOKEN}\u{7f}"), format!("{TOKEN} \n x")] {
        let error = Client::builder().token(&token).build().unwrap_err();
        assert_hidden("a token a header cannot carry", &error);
    }

    // Errors of every kind a response can give, from a server that knows the token.
    let server = mock().await;
    let client = Client::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .timeout(Duration::from_millis(500))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let faults = [
        Fault::status(401),
        Fault::status(403),
        Fault::status(404),
        Fault::status(400),
        Fault::status(429).header("Retry-After", "0"),
        Fault::status(500),
        Fault::status(418),
        Fault::drop_after_read(),
        Fault::truncated_body(),
        Fault::malformed_json(),
        Fault::missing_field("server"),
        Fault::latency(Duration::from_secs(1)),
    ];
    let mut kinds = std::collections::BTreeSet::new();
    for fault in faults {
        let what = fault.to_string();
        server.inject(fault.always());
        let errors = [
            client.backups().list().send().await.map(drop),
            client.backups().create(12345).send().await.map(drop),
            client.servers().restore(12345, 501).send().await.map(drop),
        ];
        server.clear_faults();
        for error in errors {
            let error = error.expect_err(&what);
            kinds.insert(format!("{error:?}").split([' ', '{']).next().unwrap().to_owned());
            assert_hidden(&what, &error);
        }
    }
    // A connection that is never made, and a wrong token.
    let refused = Client::builder()
        .token(TOKEN)
        .base_url("http://127.0.0.1:9")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let error = refused.backups().list().send().await.unwrap_err();
    assert_hidden("connection refused", &error);
    kinds.insert("Transport".into());
    assert!(kinds.len() >= 9, "{kinds:?}");
}

/// Test tokens: the string literals that tests hand to a client or a fake server.
fn test_tokens(root: &Path) -> Vec<String> {
    let mut tokens = Vec::new();
    for file in files(root, "rs") {
        let text = std::fs::read_to_string(&file).unwrap();
        for marker in ["TOKEN: &str = \"", ".token(\"", "\"--token\", \"", "bearer_auth(\""] {
            for (at, _) in text.match_indices(marker) {
                let rest = &text[at + marker.len()..];
                let token = &rest[..rest.find('"').unwrap_or(0)];
                // Short ones (`t`) would match everywhere; YOUR_API_TOKEN is the vendor's
                // placeholder, shown in documentation on purpose.
                if token.len() >= 8 && token != "YOUR_API_TOKEN" && !token.contains('\\') {
                    tokens.push(token.to_owned());
                }
            }
        }
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

/// Every file under `root` with this extension, outside build output and `.git`.
fn files(root: &Path, extension: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == extension) {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn no_snapshot_holds_a_test_token() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let tokens = test_tokens(root);
    for known in [TOKEN, "test-token-s3cr3t", "cli-test-token-5b1e", "matrix-token-0c4f9e"] {
        assert!(tokens.iter().any(|t| t == known), "{known} not found: {tokens:?}");
    }
    let snapshots = files(root, "snap");
    assert!(snapshots.len() >= 16, "{snapshots:?}");
    for snapshot in &snapshots {
        let text = std::fs::read_to_string(snapshot).unwrap();
        for token in &tokens {
            assert!(
                !text.contains(token.as_str()),
                "{} holds the test token {token}",
                snapshot.display()
            );
        }
        // Any Authorization value in a snapshot is a placeholder.
        for (at, _) in text.match_indices("Bearer ") {
            let value: String = text[at + 7..]
                .chars()
                .take_while(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | ','))
                .collect();
            assert!(
                ["[token]", "[redacted]", "YOUR_API_TOKEN"].contains(&value.as_str()),
                "{} shows `Bearer {value}`",
                snapshot.display()
            );
        }
    }
    println!("{} snapshots scanned for {} test tokens", snapshots.len(), tokens.len());
}
