//! The `vpsorg` binary as people and scripts use it, against the fake server over real HTTP.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use vpsorg_backups_mock::{Fault, MockServer, Operation, Seed};

const TOKEN: &str = "cli-test-token-5b1e";

/// What one run of `vpsorg` printed, and how it exited.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The binary with a clean environment: no token or URL leaks in from the machine, and
/// stdin is not a terminal.
fn vpsorg(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vpsorg"));
    command
        .args(args)
        .env_remove("VPSORG_API_TOKEN")
        .env_remove("VPSORG_API_URL")
        .env("COLUMNS", "200")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

async fn run(mut command: Command) -> Run {
    let output = command.output().await.expect("vpsorg runs");
    Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// `vpsorg <args>` against `server`, with its URL and token in the environment.
async fn against(server: &MockServer, args: &[&str]) -> Run {
    let mut command = vpsorg(args);
    command
        .env("VPSORG_API_URL", server.base_url())
        .env("VPSORG_API_TOKEN", server.token());
    run(command).await
}

async fn vendor_server() -> MockServer {
    MockServer::builder()
        .token(TOKEN)
        .seed(Seed::vendor_examples())
        .complete_after(Duration::from_millis(300))
        .start()
        .await
        .unwrap()
}

fn assert_no_token(run: &Run) {
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "token leaked: {run:#?}"
    );
}

#[tokio::test]
async fn list_prints_a_table_for_people() {
    let server = vendor_server().await;
    let run = against(
        &server,
        &["backups", "list", "--server-id", "12345", "-o", "table"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    insta::assert_snapshot!("list_table", run.stdout);
}

#[tokio::test]
async fn list_prints_stable_json_into_a_pipe() {
    let server = vendor_server().await;
    let run = against(&server, &["backups", "list", "--type", "manual"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let rows: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|row| row["backup_type"] == "manual")
    );
    insta::assert_snapshot!("list_json_manual", run.stdout);
}

#[tokio::test]
async fn list_limit_and_all_page_through_everything() {
    let server = MockServer::builder()
        .token(TOKEN)
        .seed(Seed::generated(2, 130))
        .start()
        .await
        .unwrap();
    let all = against(&server, &["backups", "list", "--all"]).await;
    let all: Vec<serde_json::Value> = serde_json::from_str(&all.stdout).unwrap();
    assert_eq!(all.len(), server.backups().len());
    assert!(all.len() > 200, "more than two pages of 100");
    let all_requests = server.requests();
    assert!(all_requests.iter().all(|r| {
        r.query
            .as_deref()
            .is_some_and(|q| q.contains("page_size=100"))
    }));
    server.clear_requests();
    let limited = against(&server, &["backups", "list", "--limit", "7"]).await;
    let limited: Vec<serde_json::Value> = serde_json::from_str(&limited.stdout).unwrap();
    assert_eq!(limited, all[..7]);
    assert_eq!(
        server.requests().len(),
        1,
        "a limit that fits in a page is one request"
    );
    server.clear_requests();
    let across_pages = against(&server, &["backups", "list", "--limit", "150"]).await;
    let across_pages: Vec<serde_json::Value> = serde_json::from_str(&across_pages.stdout).unwrap();
    assert_eq!(across_pages, all[..150]);
}

#[tokio::test]
async fn server_text_cannot_drive_the_terminal() {
    let server = vendor_server().await;
    let hostile = "ok\u{1b}[2J\u{1b}]0;pwned\u{7}\nforged line";
    let created = against(
        &server,
        &[
            "backups",
            "create",
            "--server-id",
            "12345",
            "--description",
            hostile,
            "-o",
            "table",
        ],
    )
    .await;
    assert_eq!(created.code, 0, "{created:#?}");
    let listed = against(
        &server,
        &["backups", "list", "--server-id", "12345", "-o", "table"],
    )
    .await;
    for run in [&created, &listed] {
        assert!(
            !run.stdout.contains('\u{1b}') && !run.stdout.contains('\u{7}'),
            "{run:#?}"
        );
        assert!(!run.stdout.contains("\nforged line"), "{run:#?}");
    }
    // JSON keeps the text exactly, escaped.
    let json = against(&server, &["backups", "list", "--server-id", "12345"]).await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(rows[0]["description"], hostile);
}

#[tokio::test]
async fn create_with_wait_prints_the_completed_backup() {
    let server = vendor_server().await;
    let run = against(
        &server,
        &[
            "backups",
            "create",
            "--server-id",
            "12345",
            "--description",
            "before upgrade",
            "--wait",
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let backup: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(backup["status"], "completed");
    assert_eq!(backup["description"], "before upgrade");
    assert!(backup["size_mb"].as_i64().unwrap() > 0);
    assert_eq!(server.backups_of(12345).len(), 4);
    // stderr is not a terminal here: no spinner, just the one line about the new backup.
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[tokio::test]
async fn wait_for_an_existing_backup() {
    let server = vendor_server().await;
    let run = against(
        &server,
        &[
            "backups",
            "wait",
            "499",
            "--server-id",
            "12345",
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap()["id"],
        499
    );
    let missing = against(&server, &["backups", "wait", "777", "--server-id", "12345"]).await;
    assert_eq!(missing.code, 4, "{missing:#?}");
}

#[tokio::test]
async fn delete_without_a_terminal_or_yes_deletes_nothing() {
    let server = vendor_server().await;
    let run = against(&server, &["backups", "delete", "501", "499"]).await;
    assert_eq!(run.code, 2, "{run:#?}");
    insta::assert_snapshot!("delete_refused", run.stderr);
    assert_eq!(server.backups_of(12345).len(), 3, "nothing was deleted");
    assert!(server.requests().is_empty(), "not even a request was sent");
}

#[tokio::test]
async fn delete_with_yes_deletes_each_and_reports_failures() {
    let server = vendor_server().await;
    let run = against(
        &server,
        &["backups", "delete", "501", "777", "499", "--yes"],
    )
    .await;
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(run.stdout, "Deleted backup 501.\nDeleted backup 499.\n");
    insta::assert_snapshot!("delete_partial_failure", run.stderr);
    let left: Vec<i64> = server.backups_of(12345).iter().map(|b| b.id).collect();
    assert_eq!(left, [495]);
}

#[tokio::test]
async fn restore_asks_first_and_then_restores() {
    let server = vendor_server().await;
    let refused = against(
        &server,
        &["servers", "restore", "12345", "--backup-id", "501"],
    )
    .await;
    assert_eq!(refused.code, 2, "{refused:#?}");
    assert!(server.restores().is_empty());
    let run = against(
        &server,
        &["servers", "restore", "12345", "--backup-id", "501", "--yes"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    insta::assert_snapshot!("restore", run.stdout);
    assert_eq!(server.restores().len(), 1);
}

#[tokio::test]
async fn errors_are_one_line_with_a_hint_and_an_exit_code() {
    let server = vendor_server().await;
    let cases: [(&str, &[&str]); 5] = [
        (
            "unknown_server",
            &["backups", "create", "--server-id", "999"],
        ),
        (
            "other_servers_backup",
            &["servers", "restore", "67890", "--backup-id", "501", "--yes"],
        ),
        (
            "bad_argument",
            &["backups", "list", "--server-id", "twelve"],
        ),
        ("unknown_command", &["backups", "snapshot"]),
        (
            "description_too_long",
            &[
                "backups",
                "create",
                "--server-id",
                "12345",
                "--description",
                &"x".repeat(256),
            ],
        ),
    ];
    let mut report = String::new();
    for (name, args) in cases {
        let run = against(&server, args).await;
        assert_no_token(&run);
        report.push_str(&format!(
            "## {name} (exit {})\n{}\n",
            run.code,
            run.stderr.trim_end()
        ));
    }
    assert_eq!(server.backups_of(12345).len(), 3);
    insta::assert_snapshot!("errors", report);
}

#[tokio::test]
async fn the_manual_backup_limit_is_its_own_error() {
    let server = vendor_server().await;
    for _ in 0..9 {
        assert_eq!(
            against(&server, &["backups", "create", "--server-id", "12345"])
                .await
                .code,
            0
        );
    }
    let run = against(&server, &["backups", "create", "--server-id", "12345"]).await;
    assert_eq!(run.code, 1, "{run:#?}");
    insta::assert_snapshot!("manual_limit", run.stderr);
}

#[tokio::test]
async fn a_missing_or_wrong_token_is_explained() {
    let server = vendor_server().await;
    let mut no_token = vpsorg(&["backups", "list"]);
    no_token.env("VPSORG_API_URL", server.base_url());
    let no_token = run(no_token).await;
    assert_eq!(no_token.code, 2);
    let mut wrong = vpsorg(&["backups", "list", "--token", "not-the-token"]);
    wrong.env("VPSORG_API_URL", server.base_url());
    let wrong = run(wrong).await;
    assert_eq!(wrong.code, 1);
    assert!(!wrong.stderr.contains("not-the-token"), "{wrong:#?}");
    insta::assert_snapshot!(
        "token_errors",
        format!("{}\n{}", no_token.stderr, wrong.stderr)
    );
}

#[tokio::test]
async fn the_token_never_appears_even_with_vv() {
    let server = vendor_server().await;
    for args in [
        &["-vv", "backups", "list", "--server-id", "12345"][..],
        &["-vv", "backups", "create", "--server-id", "12345", "--wait"],
        &[
            "-vv",
            "servers",
            "restore",
            "12345",
            "--backup-id",
            "501",
            "--yes",
        ],
        &["-vv", "backups", "delete", "495", "--yes"],
        &["-vv", "backups", "delete", "495", "--yes"],
    ] {
        let run = against(&server, args).await;
        assert_no_token(&run);
        assert!(
            run.stderr.contains("vpsorg_backups.request"),
            "-vv logs requests: {run:#?}"
        );
    }
    // Retries, failures and a token given on the command line: still nowhere.
    let faulted: [(Fault, &[&str]); 4] = [
        (
            Fault::status(503)
                .header("Retry-After", "0")
                .on(Operation::ListBackups),
            &["-vv", "backups", "list", "--server-id", "12345"],
        ),
        (
            Fault::drop_after_read().on(Operation::CreateBackup),
            &["-vv", "backups", "create", "--server-id", "12345"],
        ),
        (
            Fault::status(302)
                .header("Location", "http://127.0.0.1:9/elsewhere")
                .on(Operation::RestoreServer),
            &[
                "-vv",
                "servers",
                "restore",
                "12345",
                "--backup-id",
                "501",
                "--yes",
            ],
        ),
        (
            Fault::malformed_json().on(Operation::ListBackups),
            &["-vv", "backups", "list", "--token", TOKEN],
        ),
    ];
    for (fault, args) in faulted {
        server.inject(fault);
        let run = against(&server, args).await;
        assert_no_token(&run);
        assert!(run.stderr.contains("vpsorg_backups.request"), "{run:#?}");
    }
}

#[tokio::test]
async fn help_lists_commands_and_exit_codes() {
    let mut report = String::new();
    for args in [
        &["--help"][..],
        &["backups", "list", "--help"],
        &["backups", "create", "--help"],
    ] {
        let run = run(vpsorg(args)).await;
        assert_eq!(run.code, 0);
        report.push_str(&format!("$ vpsorg {}\n{}\n", args.join(" "), run.stdout));
    }
    insta::assert_snapshot!("help", report);
}

#[tokio::test]
async fn completions_are_generated() {
    let run = run(vpsorg(&["completions", "bash"])).await;
    assert_eq!(run.code, 0);
    for word in ["complete -F", "backups", "restore", "--server-id"] {
        assert!(run.stdout.contains(word), "{word} missing");
    }
}

#[tokio::test]
async fn mock_serve_serves_until_stopped() {
    let mut child = vpsorg(&["mock", "serve", "--port", "0", "--token", TOKEN])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut base_url = None;
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(url) = line.strip_prefix("base URL:") {
            base_url = Some(url.trim().to_string());
            break;
        }
    }
    let base_url = base_url.expect("the banner names the base URL");
    let mut list = vpsorg(&["backups", "list", "--server-id", "12345"]);
    list.env("VPSORG_API_URL", &base_url)
        .env("VPSORG_API_TOKEN", TOKEN);
    let run = run(list).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        serde_json::from_str::<Vec<serde_json::Value>>(&run.stdout)
            .unwrap()
            .len(),
        3
    );
    child.kill().await.unwrap();
}

#[tokio::test]
async fn the_demo_runs_to_the_end() {
    let run = run(vpsorg(&["demo"])).await;
    assert_eq!(run.code, 0, "{run:#?}");
    for step in [
        "backups list",
        "backups create",
        "backups wait",
        "servers restore",
        "backups delete",
    ] {
        assert!(
            run.stdout.contains(&format!("$ vpsorg {step}")),
            "{step} missing:\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("completed"));
    assert!(run.stdout.ends_with("`vpsorg mock serve`.\n"));
}
