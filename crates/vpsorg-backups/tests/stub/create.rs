//! Creating a backup: the description rule, and what happens when a create's answer is lost
//! (the backup is looked for in the server's list, on the server's clock).

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use vpsorg_backups::{Error, MAX_DESCRIPTION_CHARS};

use crate::support::{Reply, Request, Stub, backup};

const SERVER: i64 = 12345;

/// A created backup as the API answers a create.
fn created(id: i64, description: &str) -> Value {
    let mut created = backup(id, SERVER, "in_progress");
    created["description"] = json!(description);
    created["message"] = json!("Backup is being created.");
    created
}

#[tokio::test]
async fn descriptions_are_trimmed_then_checked_as_the_api_does() {
    let stub = Stub::start(|request, _| {
        if request.method == "GET" {
            // The listing before each create.
            return Reply::json(200, json!({"count": 0, "results": []}));
        }
        let body: Value = serde_json::from_str(&request.body).unwrap();
        let description = body["description"].as_str().unwrap_or_default().to_owned();
        Reply::json(201, created(502, &description))
    })
    .await;
    let client = stub.client();

    // 255 characters with whitespace around them: accepted, and sent trimmed.
    let longest = "é".repeat(MAX_DESCRIPTION_CHARS);
    let padded = format!("  \n\t{longest} \r\n");
    let made = client.backups().create(SERVER).description(padded).send().await.unwrap();
    assert_eq!(made.backup.description, longest);
    let sent: Value = serde_json::from_str(&stub.requests()[1].body).unwrap();
    assert_eq!(sent["description"], json!(longest));

    // 256 once trimmed: refused before anything is sent.
    let error = client
        .backups()
        .create(SERVER)
        .description(format!(" {longest}x "))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidInput { .. }), "{error:?}");
    assert_eq!(stub.requests().len(), 2);

    // Only whitespace: an empty description, as the API stores it.
    client.backups().create(SERVER).description("   ").send().await.unwrap();
    let sent: Value = serde_json::from_str(&stub.requests()[3].body).unwrap();
    assert_eq!(sent["description"], json!(""));
}

/// Backups a stub lists: `(id, description, seconds before the server's now)`.
type Listed = Vec<(i64, &'static str, u64)>;

/// A stub API whose clock is `skew` away from this machine's: creates get `create`, and
/// the list holds `listed` (each `(id, description, seconds before the server's now)`),
/// with a `Date` header unless `date` is false. Before the create, the list holds only
/// the backups at least a minute old: the others are made around the create.
async fn api(
    create: Reply,
    skew: Duration,
    ahead: bool,
    listed: Vec<(i64, &'static str, u64)>,
    date: bool,
) -> Stub {
    let server_now = move || {
        if ahead { SystemTime::now() + skew } else { SystemTime::now() - skew }
    };
    let posted = std::sync::atomic::AtomicBool::new(false);
    Stub::start(move |request: &Request, _| match request.method.as_str() {
        "POST" => {
            posted.store(true, std::sync::atomic::Ordering::SeqCst);
            create.clone()
        }
        _ => {
            let now = server_now();
            let made = posted.load(std::sync::atomic::Ordering::SeqCst);
            let results: Vec<Value> = listed
                .iter()
                .filter(|(_, _, ago)| made || *ago >= 60)
                .map(|(id, description, ago)| {
                    let mut item = backup(*id, SERVER, "in_progress");
                    item["description"] = json!(description);
                    let at: DateTime<Utc> = (now - Duration::from_secs(*ago)).into();
                    item["created_at"] = json!(at.to_rfc3339());
                    item
                })
                .collect();
            let reply = Reply::json(200, json!({"count": results.len(), "results": results}));
            if date { reply.header("Date", &httpdate::fmt_http_date(now)) } else { reply }
        }
    })
    .await
}

fn posts(stub: &Stub) -> usize {
    stub.requests().iter().filter(|r| r.method == "POST").count()
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_found_on_the_servers_clock() {
    // The server's clock is hours behind or ahead of this machine's: only its own clock
    // counts. Backup 9 is the create's; 8 has the same description but is older than the
    // request; 10 is newer with another description.
    for ahead in [false, true] {
        let listed = vec![(10, "other", 0), (9, "nightly", 0), (8, "nightly", 3600)];
        let stub = api(Reply::HangUp, Duration::from_secs(3 * 3600), ahead, listed, true).await;
        let created =
            stub.client().backups().create(SERVER).description(" nightly ").send().await.unwrap();
        assert!(created.recovered, "ahead: {ahead}");
        assert_eq!(created.backup.id, 9);
        assert_eq!(created.message, "");
        assert_eq!(posts(&stub), 1, "never sent twice");
        let methods: Vec<_> = stub.requests().into_iter().map(|r| r.method).collect();
        assert_eq!(methods, ["GET", "POST", "GET"], "a listing before, and one after");
        for listing in stub.requests().into_iter().filter(|r| r.method == "GET") {
            assert_eq!(listing.query("server_id").as_deref(), Some("12345"));
            assert_eq!(listing.query("backup_type").as_deref(), Some("manual"));
            assert_eq!(listing.query("page_size").as_deref(), Some("100"));
        }
    }
}

#[tokio::test]
async fn a_2xx_whose_body_cannot_be_read_is_found_too() {
    let unreadable = Reply::raw(201, "application/json", "{\"id\": 9, \"serv");
    let stub = api(unreadable, Duration::ZERO, false, vec![(9, "", 0)], true).await;
    let created = stub.client().backups().create(SERVER).send().await.unwrap();
    assert!(created.recovered);
    assert_eq!(created.backup.id, 9);
}

#[tokio::test]
async fn without_exactly_one_match_the_outcome_stays_unknown() {
    let lost = Reply::raw(502, "text/html", "<h1>bad gateway</h1>");
    let cases: Vec<(&str, Listed, bool)> = vec![
        ("two match", vec![(10, "nightly", 0), (9, "nightly", 1)], true),
        ("none matches", vec![(8, "nightly", 3600), (7, "other", 0)], true),
        ("no Date header", vec![(9, "nightly", 0)], false),
    ];
    for (case, listed, date) in cases {
        let stub = api(lost.clone(), Duration::ZERO, false, listed, date).await;
        let error =
            stub.client().backups().create(SERVER).description("nightly").send().await.unwrap_err();
        assert!(
            matches!(&error, Error::OutcomeUnknown { source, .. } if source.status().map(|s| s.as_u16()) == Some(502)),
            "{case}: {error:?}"
        );
        assert_eq!(posts(&stub), 1, "{case}");
        assert_eq!(stub.requests().len(), 3, "{case}: one listing before, one after");
    }

    // The listing fails too: the create's own error comes back.
    let stub = Stub::always(Reply::HangUp).await;
    let error = stub.client().backups().create(SERVER).send().await.unwrap_err();
    assert!(
        matches!(&error, Error::OutcomeUnknown { source, .. } if matches!(**source, Error::Transport { .. })),
        "{error:?}"
    );
    assert_eq!(posts(&stub), 1);
}

#[tokio::test]
async fn the_search_can_be_turned_off_and_restores_never_search() {
    let stub = api(Reply::HangUp, Duration::ZERO, false, vec![(9, "", 0)], true).await;
    let error = stub
        .client()
        .backups()
        .create(SERVER)
        .resolve_unknown_outcome(false)
        .send()
        .await
        .unwrap_err();
    assert!(error.is_outcome_unknown(), "{error:?}");
    assert_eq!(stub.requests().len(), 1, "no listing");

    let error = stub.client().servers().restore(SERVER, 9).send().await.unwrap_err();
    assert!(error.is_outcome_unknown(), "{error:?}");
    assert_eq!(stub.requests().len(), 2, "the restore, and no listing");
}

#[tokio::test]
async fn refusals_are_not_searched_for() {
    let full = Reply::json(
        400,
        json!({"detail": "Maximum 10 manual backups per server.", "code": "manual_backup_limit_reached"}),
    );
    let stub = api(full, Duration::ZERO, false, vec![(9, "", 0)], true).await;
    let error = stub.client().backups().create(SERVER).send().await.unwrap_err();
    assert!(matches!(error, Error::ManualBackupLimit { .. }), "{error:?}");
    assert_eq!(stub.requests().len(), 2, "the listing before, the create, no search");
}
