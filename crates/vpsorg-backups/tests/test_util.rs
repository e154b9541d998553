//! The `test-util` constructors as a downstream crate uses them: it hides the client behind
//! a trait of its own, and unit-tests its logic against a fake built with the constructors,
//! with no server. The real client implements the same trait, and one test runs the same
//! logic against the fake VPS.org server to show that the two agree.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use futures::TryStreamExt;
use vpsorg_backups::{
    Backup, BackupStatus, BackupStream, BackupType, Client, CreatedBackup, Error, Page, Resource,
    Restore, RestoreStatus, Result, ServerRef, StatusCode,
};
use vpsorg_backups_mock::{MockServer, Seed};

/// What the application needs from the backup API.
trait BackupStore {
    async fn create(&self, server_id: i64, description: &str) -> Result<CreatedBackup>;
    async fn first_page(&self, server_id: i64) -> Result<Page>;
    fn all(&self, server_id: i64) -> BackupStream;
    async fn restore(&self, server_id: i64, backup_id: i64) -> Result<Restore>;
}

impl BackupStore for Client {
    async fn create(&self, server_id: i64, description: &str) -> Result<CreatedBackup> {
        self.backups().create(server_id).description(description).send().await
    }

    async fn first_page(&self, server_id: i64) -> Result<Page> {
        self.backups().list().server_id(server_id).page_size(100).send().await
    }

    fn all(&self, server_id: i64) -> BackupStream {
        self.backups().list().server_id(server_id).items()
    }

    async fn restore(&self, server_id: i64, backup_id: i64) -> Result<Restore> {
        self.servers().restore(server_id, backup_id).send().await
    }
}

/// A fake whose answers are scripted with the constructors. Errors are not `Clone`, so each
/// answer is made by a function.
#[derive(Default)]
struct Fake {
    create: Option<Box<dyn Fn() -> Result<CreatedBackup> + Send + Sync>>,
    page: Option<Box<dyn Fn() -> Result<Page> + Send + Sync>>,
    all: Vec<Backup>,
    restore: Option<Box<dyn Fn() -> Result<Restore> + Send + Sync>>,
    calls: Mutex<Vec<String>>,
}

impl Fake {
    fn called(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }
}

impl BackupStore for Fake {
    async fn create(&self, server_id: i64, description: &str) -> Result<CreatedBackup> {
        self.called(format!("create {server_id} {description:?}"));
        (self.create.as_ref().expect("create is scripted"))()
    }

    async fn first_page(&self, server_id: i64) -> Result<Page> {
        self.called(format!("first_page {server_id}"));
        (self.page.as_ref().expect("the page is scripted"))()
    }

    fn all(&self, server_id: i64) -> BackupStream {
        self.called(format!("all {server_id}"));
        BackupStream::from_stream(futures::stream::iter(self.all.clone().into_iter().map(Ok)))
    }

    async fn restore(&self, server_id: i64, backup_id: i64) -> Result<Restore> {
        self.called(format!("restore {server_id} {backup_id}"));
        (self.restore.as_ref().expect("restore is scripted"))()
    }
}

/// The application's decision before a deployment.
#[derive(Debug, PartialEq)]
enum Decision {
    /// A backup was started (or found after its answer was lost).
    Proceed { backup_id: i64, recovered: bool },
    /// The server is full: delete this manual backup (the oldest completed one) first.
    DeleteFirst { backup_id: i64 },
    /// Try again later, after this long if the API said.
    TryLater(Option<Duration>),
    /// Stop, and tell a person why.
    Stop(String),
}

/// The logic under test: back the server up before deploying; when it already has 10 manual
/// backups, name the oldest completed one to delete.
async fn before_deploy(store: &impl BackupStore, server_id: i64) -> Decision {
    match store.create(server_id, "pre-deploy").await {
        Ok(created) => {
            Decision::Proceed { backup_id: created.backup.id, recovered: created.recovered }
        }
        Err(Error::ManualBackupLimit { .. }) => match store.first_page(server_id).await {
            Ok(page) => page
                .backups
                .iter()
                .filter(|b| b.backup_type == BackupType::Manual)
                .filter(|b| b.status == BackupStatus::Completed)
                .min_by_key(|b| b.created_at)
                .map_or_else(
                    || Decision::Stop("no completed manual backup to delete".into()),
                    |oldest| Decision::DeleteFirst { backup_id: oldest.id },
                ),
            Err(error) => Decision::Stop(error.to_string()),
        },
        Err(error) if error.is_retryable() => Decision::TryLater(error.retry_after()),
        Err(error) => Decision::Stop(error.to_string()),
    }
}

/// Restores the newest completed backup; says which.
async fn restore_newest(store: &impl BackupStore, server_id: i64) -> Result<Option<Restore>> {
    let backups: Vec<Backup> = store.all(server_id).try_collect().await?;
    let Some(newest) =
        backups.iter().filter(|b| b.status == BackupStatus::Completed).max_by_key(|b| b.created_at)
    else {
        return Ok(None);
    };
    store.restore(server_id, newest.id).await.map(Some)
}

fn server() -> ServerRef {
    ServerRef::new(12345, "web-server-01")
}

fn at(day: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, day, 3, 0, 0).unwrap()
}

#[tokio::test]
async fn a_started_backup_lets_the_deploy_proceed() {
    let fake = Fake {
        create: Some(Box::new(|| {
            let backup = Backup::new(502, server()).with_status(BackupStatus::InProgress);
            Ok(CreatedBackup::new(backup, "Backup is being created."))
        })),
        ..Fake::default()
    };
    assert_eq!(
        before_deploy(&fake, 12345).await,
        Decision::Proceed { backup_id: 502, recovered: false }
    );
    assert_eq!(*fake.calls.lock().unwrap(), ["create 12345 \"pre-deploy\""]);

    let recovered = Fake {
        create: Some(Box::new(|| {
            Ok(CreatedBackup::new(Backup::new(503, server()), "").with_recovered(true))
        })),
        ..Fake::default()
    };
    assert_eq!(
        before_deploy(&recovered, 12345).await,
        Decision::Proceed { backup_id: 503, recovered: true }
    );
}

#[tokio::test]
async fn a_full_server_names_the_oldest_completed_manual_backup() {
    let fake = Fake {
        create: Some(Box::new(|| {
            Err(Error::manual_backup_limit(12345)
                .with_detail("Maximum 10 manual backups per server.")
                .with_request_id("req-7"))
        })),
        page: Some(Box::new(|| {
            Ok(Page::new(
                1,
                vec![
                    Backup::new(10, server()).with_created_at(at(9)),
                    // Older, but automatic.
                    Backup::new(8, server())
                        .with_backup_type(BackupType::Automatic)
                        .with_created_at(at(2)),
                    // Older, but not completed.
                    Backup::new(7, server())
                        .with_status(BackupStatus::Failed)
                        .with_created_at(at(3)),
                    Backup::new(6, server()).with_created_at(at(4)),
                ],
            )
            .with_count(4))
        })),
        ..Fake::default()
    };
    assert_eq!(before_deploy(&fake, 12345).await, Decision::DeleteFirst { backup_id: 6 });
    assert_eq!(*fake.calls.lock().unwrap(), ["create 12345 \"pre-deploy\"", "first_page 12345"]);
}

#[tokio::test]
async fn errors_built_by_the_constructors_drive_the_decisions() {
    let cases: Vec<(Box<dyn Fn() -> Error + Send + Sync>, Decision)> = vec![
        (
            Box::new(|| Error::rate_limited(Some(Duration::from_secs(5)))),
            Decision::TryLater(Some(Duration::from_secs(5))),
        ),
        (
            Box::new(|| {
                Error::server(StatusCode::SERVICE_UNAVAILABLE)
                    .with_retry_after(Duration::from_secs(2))
            }),
            Decision::TryLater(Some(Duration::from_secs(2))),
        ),
        (Box::new(|| Error::transport(false, "connection refused")), Decision::TryLater(None)),
        (
            Box::new(|| Error::outcome_unknown("create backup", Error::timeout(true, "no answer"))),
            Decision::Stop(
                "create backup may or may not have happened (request timed out); \
                 list the server's backups before retrying"
                    .into(),
            ),
        ),
        (
            Box::new(|| Error::not_found(Resource::Server(12345)).with_code("server_not_found")),
            Decision::Stop("server 12345 not found (HTTP 404)".into()),
        ),
        (
            Box::new(|| {
                Error::invalid_request(StatusCode::BAD_REQUEST)
                    .with_field_error("description", "Not a valid string.")
            }),
            Decision::Stop("invalid request (HTTP 400): description: Not a valid string.".into()),
        ),
        (
            Box::new(|| {
                Error::unauthorized(StatusCode::UNAUTHORIZED).with_detail("Invalid token.")
            }),
            Decision::Stop("unauthorized (HTTP 401): Invalid token.".into()),
        ),
    ];
    for (error, decision) in cases {
        let expected = error().to_string();
        let fake = Fake { create: Some(Box::new(move || Err(error()))), ..Fake::default() };
        assert_eq!(before_deploy(&fake, 12345).await, decision, "{expected}");
    }
}

#[tokio::test]
async fn a_fake_listing_streams_what_it_was_given() {
    let fake = Fake {
        all: vec![
            Backup::new(501, server()).with_created_at(at(16)),
            Backup::new(499, server()).with_created_at(at(15)),
            Backup::new(504, server())
                .with_status(BackupStatus::InProgress)
                .with_created_at(at(17)),
        ],
        restore: Some(Box::new(|| {
            Ok(Restore::new(server(), 501).with_message("Server restore initiated."))
        })),
        ..Fake::default()
    };
    let restore = restore_newest(&fake, 12345).await.unwrap().unwrap();
    assert_eq!(restore.backup_id, 501);
    assert_eq!(restore.status, RestoreStatus::Restoring);
    assert_eq!(*fake.calls.lock().unwrap(), ["all 12345", "restore 12345 501"]);

    let stream = BackupStream::from_stream(futures::stream::iter([
        Ok(Backup::new(1, server())),
        Err(Error::pagination(vpsorg_backups::PaginationIssue::NoProgress { page: 2 })),
    ]));
    let collected: Result<Vec<Backup>> = stream.try_collect().await;
    assert!(matches!(collected, Err(Error::Pagination { .. })));
}

/// The constructors build the very values the real client decodes, so a fake's answers can
/// be what the API would send.
#[tokio::test]
async fn the_constructors_build_what_the_real_client_returns() {
    let server = MockServer::builder()
        .seed(Seed::vendor_examples())
        // The backup made below stays in progress, so that 501 is the newest completed.
        .complete_after(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let client =
        Client::builder().token(server.token()).base_url(server.base_url()).build().unwrap();
    let page = client.first_page(12345).await.unwrap();
    let listed = page.backups.iter().find(|b| b.id == 501).unwrap().clone();
    let built = Backup::new(501, ServerRef::new(12345, "web-server-01"))
        .with_backup_type(BackupType::Automatic)
        .with_status(BackupStatus::Completed)
        .with_size_mb(4523)
        .with_created_at(listed.created_at)
        .with_expires_at(listed.expires_at)
        .with_description(listed.description.clone());
    assert_eq!(built, listed);
    assert_eq!(
        Page::new(page.number, page.backups.clone())
            .with_count(page.count)
            .with_has_next(page.has_next)
            .with_server_time(page.server_time),
        page
    );

    // The same application logic, against the real client and the fake VPS.org server.
    match before_deploy(&client, 12345).await {
        Decision::Proceed { backup_id, recovered: false } => {
            let backups = server.backups_of(12345);
            let made = backups.iter().find(|b| b.id == backup_id).unwrap();
            assert_eq!(made.description, "pre-deploy");
        }
        other => panic!("expected the deploy to proceed, got {other:?}"),
    }
    let restore = restore_newest(&client, 12345).await.unwrap().unwrap();
    let mut expected = Restore::new(ServerRef::new(12345, "web-server-01"), 501);
    if let Some(message) = &restore.message {
        expected = expected.with_message(message.clone());
    }
    assert_eq!(restore, expected);
}
