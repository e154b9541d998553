//! `vpsorg backups list`: everything by default, in every format, streamed; tables that fit.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use vpsorg_backups_mock::{Backup, BackupStatus, BackupType, Fault, Operation, Seed, ServerRef};

use crate::support::*;

/// One server (10001) with `n` backups.
async fn server_of(n: u32) -> vpsorg_backups_mock::MockServer {
    server_with(Seed::generated(1, n)).await
}

/// Defect 1: a list printed 20 of 180 backups in a pipe, silently.
#[tokio::test]
async fn every_backup_is_listed_in_every_format() {
    let server = server_of(180).await;
    let json = against(&server, &["backups", "list", "--server-id", "10001"]).await;
    json.assert_code(0);
    assert_eq!(ids(&json.json()).len(), 180);
    assert_eq!(json.stderr, "", "nothing to say when everything is listed");
    // 100 per page: two requests, whatever the output.
    assert_eq!(server.requests().len(), 2);

    let yaml = against(&server, &["backups", "list", "--server-id", "10001", "-o", "yaml"]).await;
    yaml.assert_code(0);
    let parsed: Vec<serde_json::Value> = serde_yaml_ng::from_str(&yaml.stdout).unwrap();
    assert_eq!(parsed.len(), 180);
    assert_eq!(serde_json::Value::Array(parsed), json.json());

    let table = against(&server, &["backups", "list", "-o", "table"]).await;
    table.assert_code(0);
    assert_eq!(table.stdout.lines().count(), 1 + 180);
}

/// Defect 9: `--limit 180` on exactly 180 backups claimed there were more.
#[tokio::test]
async fn a_limit_says_when_there_is_more_and_only_then() {
    let server = server_of(180).await;
    let exact = against(&server, &["backups", "list", "--limit", "180"]).await;
    exact.assert_code(0);
    assert_eq!(ids(&exact.json()).len(), 180);
    assert_eq!(exact.stderr, "");

    let all = against(&server, &["backups", "list"]).await.json();
    for (limit, requests) in [(7, 1), (179, 2), (100, 1)] {
        server.clear_requests();
        let run = against(&server, &["backups", "list", "--limit", &limit.to_string()]).await;
        run.assert_code(0);
        assert_eq!(ids(&run.json()), ids(&all)[..limit], "the first {limit}, in order");
        assert_eq!(
            run.stderr,
            format!(
                "(showing the first {limit} of 180 backups: --limit {limit}; without --limit every backup is listed)\n"
            )
        );
        assert_eq!(server.requests().len(), requests, "--limit {limit}");
    }
    // More than there are: every page once, and nothing to say.
    server.clear_requests();
    let beyond = against(&server, &["backups", "list", "--limit", "1000"]).await;
    beyond.assert_code(0);
    assert_eq!(ids(&beyond.json()), ids(&all));
    assert_eq!(beyond.stderr, "");
    assert_eq!(server.requests().len(), 2);
    // A limit that ends a page: the page after it is not fetched (it was, one ahead).
    let larger = server_of(250).await;
    let on_boundary = against(&larger, &["backups", "list", "--limit", "200"]).await;
    on_boundary.assert_code(0);
    assert_eq!(ids(&on_boundary.json()).len(), 200);
    assert!(on_boundary.stderr.contains("first 200 of 250"), "{on_boundary:#?}");
    assert_eq!(larger.requests().len(), 2);
    // A table says it too; -q says nothing.
    let table = against(&server, &["backups", "list", "--limit", "5", "-o", "table"]).await;
    assert!(table.stderr.contains("first 5 of 180"), "{table:#?}");
    let quiet = against(&server, &["-q", "backups", "list", "--limit", "5"]).await;
    assert_eq!(quiet.stderr, "");
}

/// A list-all that came up short of the API's count said nothing: backups deleted while it
/// was read move others onto pages already read, and those are missed.
#[tokio::test]
async fn a_list_that_changed_while_it_was_read_says_so() {
    let server = server_of(250).await;
    // Page 1 is read at once and held back for 2 s, while 10 of its backups are deleted.
    server.inject(Fault::latency(Duration::from_secs(2)).on(Operation::ListBackups));
    let listing = against_command(&server, &["backups", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while server.requests().is_empty() {
        assert!(std::time::Instant::now() < deadline, "page 1 never asked for");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let client = vpsorg_backups::Client::builder()
        .token(server.token())
        .base_url(server.base_url())
        .build()
        .unwrap();
    let mut newest: Vec<i64> = server.backups_of(10001).iter().map(|b| b.id).collect();
    newest.sort_unstable_by(|a, b| b.cmp(a));
    for &id in &newest[..10] {
        client.backups().delete(id).send().await.unwrap();
    }
    let output = listing.wait_with_output().await.unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // Page 1 as it was (the 10 deleted included), then pages 2 and 3 of the shorter list,
    // which skip the 10 that moved onto page 1.
    assert_eq!(ids(&listed).len(), 240);
    assert_eq!(
        stderr,
        "note: listed 240 of the 250 backups the API counted; the list changed while it was \
         read, so some may be missing: list again\n"
    );
}

/// Output starts before the last page arrives: a page the server holds back for seconds
/// does not hold back the pages before it.
#[tokio::test]
async fn output_starts_before_the_last_page_arrives() {
    let server = server_of(250).await;
    server.inject(Fault::latency(Duration::from_secs(3)).on(Operation::ListBackups).nth(3));
    let mut child = against_command(&server, &["backups", "list"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).await.unwrap();
    assert_eq!(first, "[\n");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the first backups were printed while the last page was still on its way"
    );
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).await.unwrap();
    assert!(child.wait().await.unwrap().success());
    let all: serde_json::Value = serde_json::from_str(&(first + &rest)).unwrap();
    assert_eq!(ids(&all).len(), 250);
}

/// Defect 3: `vpsorg backups list | head -1` printed "Broken pipe" and exited 1.
#[tokio::test]
async fn a_closed_stdout_ends_the_command_quietly() {
    let server = server_of(2_000).await;
    for format in ["json", "yaml", "table"] {
        let mut child = against_command(&server, &["backups", "list", "-o", format])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).await.unwrap();
        // `head -1` exits: the pipe's reading end is closed with most of the list unread.
        drop(stdout);
        let output = child.wait_with_output().await.unwrap();
        assert_eq!(
            (output.status.code(), String::from_utf8_lossy(&output.stderr).as_ref()),
            (Some(0), ""),
            "-o {format}"
        );
    }
}

/// Defect 14: at 80 columns every row wrapped onto two lines.
#[tokio::test]
async fn tables_fit_80_columns() {
    let server = vendor_server().await;
    // As an 80-column terminal: a pipe gets whole rows (see
    // `a_table_streams_and_is_whole_in_a_pipe`).
    let mut table = against_command(&server, &["backups", "list", "-o", "table"]);
    table.env("COLUMNS", "80");
    let table = run(table).await;
    table.assert_code(0);
    assert!(table.stdout.lines().all(|line| line.chars().count() <= 80), "{}", table.stdout);
    insta::assert_snapshot!("list_table", table.stdout);

    // A wider terminal shows more of the description; other columns on request.
    let mut wide = against_command(
        &server,
        &["backups", "list", "--columns", "id,server-name,expires,description", "--no-header"],
    );
    wide.env("COLUMNS", "120");
    let wide = run(wide).await;
    wide.assert_code(0);
    insta::assert_snapshot!("list_columns_no_header", wide.stdout);
}

/// Issue 18 item 10: a table was printed once every page was in (222 MB and 5.5 s before
/// `| head -3` saw a line, at 100,000 backups), and cut to 80 columns in a file or a pipe.
#[tokio::test]
async fn a_table_streams_and_is_whole_in_a_pipe() {
    let server = server_of(250).await;
    server.inject(Fault::latency(Duration::from_secs(3)).on(Operation::ListBackups).nth(3));
    let mut child = against_command(&server, &["backups", "list", "-o", "table"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).await.unwrap();
    assert!(first.trim_start().starts_with("ID  SERVER"), "{first}");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the first rows were printed while the last page was still on its way"
    );
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).await.unwrap();
    assert!(child.wait().await.unwrap().success());
    assert_eq!(rest.lines().count(), 250, "{rest}");

    let whole = against(&vendor_server().await, &["backups", "list", "-o", "table"]).await;
    whole.assert_code(0);
    assert!(!whole.stdout.contains('…'), "{}", whole.stdout);
    assert!(whole.stdout.lines().any(|line| line.chars().count() > 80), "{}", whole.stdout);
}

/// Defect 13: help said "newest first", but the API orders by id.
#[tokio::test]
async fn the_order_is_the_apis_highest_id_first_as_help_says() {
    let server = vendor_server().await;
    let run = against(&server, &["backups", "list", "--server-id", "12345"]).await;
    // 499 was created before 495, and is listed first: the order is by id.
    assert_eq!(ids(&run.json()), [501, 499, 495]);
    let help = vpsorg(&["backups", "list", "--help"]).await;
    assert!(help.stdout.contains("highest id first"), "{}", help.stdout);
    assert!(!help.stdout.contains("newest first"), "{}", help.stdout);
}

#[tokio::test]
async fn columns_and_no_header_shape_tables_only() {
    let server = vendor_server().await;
    let run = against(&server, &["backups", "ls", "--columns", "id,status", "--no-header"]).await;
    run.assert_code(0);
    assert_eq!(
        run.stdout,
        "501  completed\n500  completed\n499  completed\n497  completed\n495  completed\n"
    );
    let refused = against(&server, &["backups", "list", "--columns", "id", "-o", "json"]).await;
    refused.assert_code(2);
    assert!(refused.stderr.contains("--columns"), "{refused:#?}");
    assert!(server.requests().len() == 1, "the refused one sent nothing");
    // Item 16 of issue 18: column names in any case.
    let upper = against(&server, &["backups", "ls", "--columns", "ID,Status", "--no-header"]).await;
    upper.assert_code(0);
    assert_eq!(upper.stdout, run.stdout);
}

/// Defect 18: `--server-id -1` was "unexpected argument"; it is an id the API answers.
#[tokio::test]
async fn negative_ids_are_ids() {
    let server = vendor_server().await;
    let run = against(&server, &["backups", "list", "--server-id", "-1"]).await;
    run.assert_code(0);
    assert_eq!(run.stdout, "[]\n");
    assert_eq!(server.requests()[0].query.as_deref(), Some("page_size=100&server_id=-1"));
}

/// Defect 18: U+202E (right-to-left override) passed the table's sanitising.
#[tokio::test]
async fn server_text_cannot_drive_or_reorder_the_terminal() {
    let hostile = "ok\u{1b}[2J\u{1b}]0;pwned\u{7}\nforged line \u{202E}exe.pdf";
    let server = server_with(Seed::empty().backup(Backup {
        id: 1,
        server: ServerRef::new(7, "web\u{202E}10-bew"),
        backup_type: BackupType::Manual,
        status: BackupStatus::Completed,
        size_mb: Some(1),
        created_at: chrono::DateTime::UNIX_EPOCH,
        expires_at: None,
        description: hostile.into(),
    }))
    .await;
    let table = against(
        &server,
        &["backups", "list", "-o", "table", "--columns", "id,server-name,description"],
    )
    .await;
    table.assert_code(0);
    for bad in ['\u{1b}', '\u{7}', '\u{202E}'] {
        assert!(!table.stdout.contains(bad), "{bad:?} in {:?}", table.stdout);
    }
    assert_eq!(table.stdout.lines().count(), 2, "{:?}", table.stdout);
    // JSON keeps the text exactly, escaped.
    let json = against(&server, &["backups", "list"]).await.json();
    assert_eq!(json[0]["description"], hostile);
}

/// Item 6 of issue 18: `--token`, `--api-url`, `--context`, `-o` and `--timeout` also work
/// before the subcommand, as in kubectl (they were "unexpected argument", exit 2). After the
/// subcommand wins; before one that has no such option, they are a usage error.
#[tokio::test]
async fn connection_and_output_options_also_go_before_the_subcommand() {
    // Backups stay in progress, so that only --timeout ends a wait.
    let server = vpsorg_backups_mock::MockServer::builder()
        .token(TOKEN)
        .seed(Seed::vendor_examples())
        .complete_after(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let (url, token) = (server.base_url().to_string(), server.token().to_string());
    let home = Home::new();
    let leading = ["--api-url", &url, "--token", &token, "-o", "table", "--timeout", "5s", "-v"];
    let list = ["backups", "list", "--server-id", "12345", "-o", "json"];
    let listed = run(home.vpsorg(&[&leading[..], &list].concat())).await;
    listed.assert_code(0);
    assert_eq!(ids(&listed.json()), [501, 499, 495], "-o json after wins");
    assert_no_token(&listed);

    let context = run(home.vpsorg(&["--context", "nope", "backups", "list"])).await;
    assert!(context.stderr.contains("no context named 'nope'"), "{context:#?}");

    // A leading --timeout is the command's own: here, wait's.
    let mut created = against(&server, &["backups", "create", "--server-id", "67890"]).await;
    created.assert_code(0);
    let id = created.json()["id"].as_i64().unwrap().to_string();
    created = run(home.vpsorg(
        &[
            &leading[..6],
            &["--timeout", "1s", "-q", "backups", "wait", &id, "--server-id", "67890"],
        ]
        .concat(),
    ))
    .await;
    created.assert_code(4);

    let mock = vpsorg(&["--token", "x", "mock", "serve"]).await;
    mock.assert_code(2);
    assert!(mock.stderr.contains("--token does not apply to `vpsorg mock serve`"), "{mock:#?}");
    // Before a command whose own options have no --timeout (clap is not asked about one).
    let listed = vpsorg(&["--timeout", "5s", "context", "list"]).await;
    listed.assert_code(2);
    let refused = "--timeout does not apply to `vpsorg context list`";
    assert!(listed.stderr.contains(refused), "{listed:#?}");
}
