//! `get`, `create`, `wait`, `delete` and `servers restore`: what scripts get on stdout, and
//! the exit code when it does not work out.

use std::time::Duration;

use vpsorg_backups_mock::{Fault, MockServer, Operation, Seed};

use crate::support::*;

/// Defect 15: one JSON shape per resource. A backup looks the same whichever command
/// prints it; delete and restore print JSON too.
#[tokio::test]
async fn a_backup_has_one_json_shape_whichever_command_prints_it() {
    let server = vendor_server().await;
    let listed = against(&server, &["backups", "list", "--server-id", "12345"]).await.json();
    let shape = keys(&listed[0]);
    assert_eq!(
        shape,
        [
            "backup_type",
            "created_at",
            "description",
            "expires_at",
            "id",
            "server",
            "size_mb",
            "status"
        ]
    );
    let created =
        against(&server, &["backups", "create", "--server-id", "12345", "-o", "json"]).await;
    created.assert_code(0);
    let id = created.json()["id"].as_i64().unwrap().to_string();
    let waited =
        against(&server, &["backups", "wait", &id, "--server-id", "12345", "-o", "json"]).await;
    let got = against(&server, &["backups", "get", &id, "-o", "json"]).await;
    let created_waited =
        against(&server, &["backups", "create", "--server-id", "12345", "--wait", "-o", "json"])
            .await;
    for run in [&created, &waited, &got, &created_waited] {
        run.assert_code(0);
        assert_eq!(keys(&run.json()), shape, "{run:#?}");
    }
    assert_eq!(got.json(), waited.json());
    assert_eq!(waited.json()["status"], "completed");
    // The API's message is for people: stderr.
    assert!(created.stderr.contains("Backup is being created"), "{created:#?}");

    let deleted = against(&server, &["backups", "delete", &id, "--yes", "-o", "json"]).await;
    deleted.assert_code(0);
    assert_eq!(
        deleted.json(),
        serde_json::json!([{ "id": id.parse::<i64>().unwrap(), "deleted": true, "error": null }])
    );
    let restored = against(
        &server,
        &["servers", "restore", "12345", "--backup-id", "501", "--yes", "-o", "json"],
    )
    .await;
    restored.assert_code(0);
    insta::assert_json_snapshot!("restore_json", restored.json());
    let yaml = against(
        &server,
        &["servers", "restore", "12345", "--backup-id", "501", "--yes", "-o", "yaml"],
    )
    .await;
    let from_yaml: serde_json::Value = serde_yaml_ng::from_str(&yaml.stdout).unwrap();
    assert_eq!(from_yaml, restored.json());
}

#[tokio::test]
async fn get_finds_a_backup_with_or_without_its_server() {
    let server = server_with(Seed::generated(3, 150)).await;
    let with_server =
        against(&server, &["backups", "get", "302", "--server-id", "10002", "-o", "json"]).await;
    with_server.assert_code(0);
    assert_eq!(with_server.json()["id"], 302);
    let anywhere = against(&server, &["backups", "get", "302", "-o", "json"]).await;
    assert_eq!(anywhere.json(), with_server.json());

    let elsewhere = against(&server, &["backups", "get", "302", "--server-id", "10001"]).await;
    elsewhere.assert_code(6);
    assert_eq!(elsewhere.stdout, "");
    let nowhere = against(&server, &["backups", "get", "99999"]).await;
    nowhere.assert_code(6);
    insta::assert_snapshot!("get_not_found", format!("{}{}", elsewhere.stderr, nowhere.stderr));
}

/// Defect 2: `create --wait` that timed out printed nothing on stdout, although the backup
/// it created now takes one of the server's 10 manual slots.
#[tokio::test]
async fn a_wait_that_times_out_still_prints_the_created_backup() {
    let server = MockServer::builder()
        .token(TOKEN)
        .complete_after(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let run = against(
        &server,
        &[
            "-q",
            "backups",
            "create",
            "--server-id",
            "67890",
            "--wait",
            "--timeout",
            "2s",
            "-o",
            "json",
        ],
    )
    .await;
    run.assert_code(4);
    let backup = run.json();
    let created = server.backups_of(67890).into_iter().map(|b| b.id).max().unwrap();
    assert_eq!(backup["id"], created);
    assert_eq!(backup["status"], "in_progress");
    assert!(
        run.stderr.contains(&format!("vpsorg backups wait {created} --server-id 67890")),
        "says how to wait on: {run:#?}"
    );
}

/// Defect 4: waiting for a backup that does not exist, or belongs to another server, said
/// it "disappeared while waiting" (exit 4). Nothing was waited for.
#[tokio::test]
async fn waiting_for_a_backup_that_is_not_there_is_not_found() {
    let server = vendor_server().await;
    let mut report = String::new();
    for args in [
        &["backups", "wait", "999", "--server-id", "12345"][..],
        &["backups", "wait", "500", "--server-id", "12345"],
        &["backups", "wait", "999"],
    ] {
        let run = against(&server, args).await;
        run.assert_code(6);
        assert!(!run.stderr.contains("disappeared"), "{run:#?}");
        assert_eq!(run.stdout, "");
        report.push_str(&format!("$ vpsorg {}\n{}", args.join(" "), run.stderr));
    }
    insta::assert_snapshot!("wait_not_found", report);
    // Without --server-id, the backup's server is found first.
    let found = against(&server, &["backups", "wait", "500", "-o", "json"]).await;
    found.assert_code(0);
    assert_eq!(found.json()["server"]["id"], 67890);
}

/// Defect 8: `delete 506 999 505 506 --yes` deleted 506, then failed on the second 506.
#[tokio::test]
async fn each_backup_is_deleted_once_and_every_failure_reported() {
    let server = vendor_server().await;
    let run =
        against(&server, &["backups", "delete", "501", "777", "499", "501", "--yes", "-o", "json"])
            .await;
    // 777 does not exist: exit 6, after the others were deleted.
    run.assert_code(6);
    insta::assert_json_snapshot!("delete_results", run.json());
    insta::assert_snapshot!("delete_stderr", run.stderr);
    let left: Vec<i64> = server.backups_of(12345).iter().map(|b| b.id).collect();
    assert_eq!(left, [495]);
    let deletes = server.requests().iter().filter(|r| r.method == "DELETE").count();
    assert_eq!(deletes, 3, "501 once");

    let table = against(&server, &["backups", "rm", "495", "--yes", "-o", "table"]).await;
    table.assert_code(0);
    assert_eq!(table.stdout, "Deleted backup 495.\n");
}

/// A refused delete among several said only "error: forbidden (HTTP 403)": with stdout in a
/// file, stderr did not tell which backup was left. It names it now (a 404 names it already).
#[tokio::test]
async fn a_failed_delete_names_its_backup_on_stderr() {
    let server = vendor_server().await;
    server.inject(Fault::status(403).on(Operation::DeleteBackup).on_id(499).always());
    let run = against(&server, &["backups", "delete", "501", "499", "777", "--yes"]).await;
    run.assert_code(7);
    let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 2, "{run:#?}");
    assert!(errors[0].starts_with("error: deleting backup 499: forbidden (HTTP 403)"), "{run:#?}");
    assert!(errors[1].starts_with("error: backup 777 not found (HTTP 404)"), "{run:#?}");
    // The JSON keeps the API's words; the backup is its `id`.
    let results = run.json();
    assert_eq!(results[1]["id"], 499);
    assert!(results[1]["error"]["message"].as_str().unwrap().starts_with("forbidden"));
}

#[tokio::test]
async fn delete_and_restore_without_a_terminal_or_yes_send_nothing() {
    let server = vendor_server().await;
    let delete = against(&server, &["backups", "delete", "501", "499"]).await;
    delete.assert_code(2);
    let restore = against(&server, &["servers", "restore", "12345", "--backup-id", "501"]).await;
    restore.assert_code(2);
    insta::assert_snapshot!(
        "refused_without_terminal",
        format!("{}{}", delete.stderr, restore.stderr)
    );
    assert!(server.requests().is_empty(), "not even a request was sent");
}

/// Defect 16: exit 1 meant 401, 404, network down and "may or may not have happened" alike.
#[tokio::test]
async fn each_kind_of_failure_has_its_exit_code() {
    let server = vendor_server().await;
    let unknown_server = against(&server, &["backups", "create", "--server-id", "999"]).await;
    unknown_server.assert_code(6);

    let mut wrong_token = Home::new().vpsorg(&["backups", "list", "--token", "not-the-token"]);
    wrong_token.env("VPSORG_API_URL", server.base_url());
    let wrong_token = run(wrong_token).await;
    wrong_token.assert_code(7);
    assert!(!wrong_token.stderr.contains("not-the-token"), "{wrong_token:#?}");

    // A 503 answers before anything runs, but the client cannot know that: nothing matches
    // when it lists the server's backups, so the outcome stays unknown.
    server.inject(Fault::status(503).on(Operation::CreateBackup));
    let unknown_outcome = against(&server, &["backups", "create", "--server-id", "12345"]).await;
    unknown_outcome.assert_code(5);
    assert_eq!(server.backups_of(12345).len(), 3, "nothing was created");

    // The answer lost after the create ran: the backup is found by listing, exit 0.
    server.inject(Fault::drop_after_read().on(Operation::CreateBackup));
    let recovered = against(
        &server,
        &["backups", "create", "--server-id", "12345", "--description", "lost answer"],
    )
    .await;
    recovered.assert_code(0);
    assert_eq!(recovered.json()["description"], "lost answer");
    assert!(recovered.stderr.contains("the API's answer was lost"), "{recovered:#?}");
    assert_eq!(server.backups_of(12345).len(), 4, "created once");

    // A token the API knows but that may not do this: 403 is refused like 401.
    server.inject(Fault::status(403).on(Operation::ListBackups));
    let forbidden = against(&server, &["backups", "list"]).await;
    forbidden.assert_code(7);

    // The restore ran, then the connection dropped before the answer: nobody can tell
    // from here whether it happened, and retrying would restore twice.
    server.inject(Fault::drop_after_read().on(Operation::RestoreServer));
    let restore_unknown =
        against(&server, &["-q", "servers", "restore", "12345", "--backup-id", "501", "--yes"])
            .await;
    restore_unknown.assert_code(5);
    assert_eq!(restore_unknown.stdout, "");
    assert_eq!(server.restores().len(), 1, "it did happen, once");

    // -q: the retry notices' jittered delays are tested elsewhere.
    let mut refused =
        Home::new().vpsorg(&["-q", "backups", "list", "--api-url", "http://127.0.0.1:9"]);
    refused.env("VPSORG_API_TOKEN", TOKEN);
    let refused = run(refused).await;
    refused.assert_code(8);

    let mut report = String::new();
    for (name, run) in [
        ("404", &unknown_server),
        ("401", &wrong_token),
        ("403", &forbidden),
        ("outcome unknown", &unknown_outcome),
        ("restore outcome unknown", &restore_unknown),
        ("connection refused", &refused),
    ] {
        assert_no_token(run);
        let stderr = run.stderr.replace(&server.addr().port().to_string(), "PORT");
        report.push_str(&format!("## {name} (exit {})\n{stderr}", run.code));
    }
    insta::assert_snapshot!("exit_codes", report);
}

/// Defect 10: `--timeout 0s` was accepted, and failed later in confusing ways.
#[tokio::test]
async fn a_zero_timeout_is_refused_before_anything_is_sent() {
    let server = vendor_server().await;
    for args in [
        &["backups", "list", "--timeout", "0s"][..],
        &["backups", "create", "--server-id", "12345", "--wait", "--timeout", "0s"],
        &["backups", "wait", "501", "--timeout", "0"],
    ] {
        let run = against(&server, args).await;
        run.assert_code(2);
        assert!(run.stderr.contains("must be more than zero"), "{run:#?}");
    }
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn the_manual_backup_limit_points_at_prune() {
    let server = vendor_server().await;
    for _ in 0..9 {
        against(&server, &["backups", "create", "--server-id", "12345"]).await.assert_code(0);
    }
    let run = against(&server, &["backups", "create", "--server-id", "12345"]).await;
    run.assert_code(1);
    insta::assert_snapshot!("manual_limit", run.stderr);
}

/// A closed stdout (`| head -1`) stopped a delete after its first line: `rm 501 499 495
/// --yes -o table | head -1` deleted one and exited 0. Now the output stops, the deletions
/// do not.
#[tokio::test]
async fn a_closed_stdout_stops_the_output_not_the_deletions() {
    let server = vendor_server().await;
    let table = run_with_closed_stdout(against_command(
        &server,
        &["backups", "rm", "501", "499", "495", "--yes", "-o", "table"],
    ))
    .await;
    table.assert_code(0);
    assert_eq!(table.stderr, "", "a closed stdout is no news");
    assert!(server.backups_of(12345).is_empty(), "all three deleted");

    let json = run_with_closed_stdout(against_command(
        &server,
        &["backups", "rm", "500", "497", "--yes", "-o", "json"],
    ))
    .await;
    json.assert_code(0);
    assert!(server.backups_of(67890).is_empty(), "both deleted");
}

/// With a closed stdout, a failed delete exited 0: the closed pipe replaced the failure.
#[tokio::test]
async fn a_failure_keeps_its_exit_code_when_stdout_is_closed() {
    let server = vendor_server().await;
    let table = run_with_closed_stdout(against_command(
        &server,
        &["backups", "rm", "501", "777", "499", "--yes", "-o", "table"],
    ))
    .await;
    table.assert_code(6);
    assert!(table.stderr.contains("777"), "the failure is reported: {table:#?}");
    let left: Vec<i64> = server.backups_of(12345).iter().map(|b| b.id).collect();
    assert_eq!(left, [495], "501 and 499 deleted around the failure");

    let json = run_with_closed_stdout(against_command(
        &server,
        &["backups", "rm", "777", "--yes", "-o", "json"],
    ))
    .await;
    json.assert_code(6);

    // A wait that times out keeps its exit 4 too.
    let slow = MockServer::builder()
        .token(TOKEN)
        .complete_after(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let waited = run_with_closed_stdout(against_command(
        &slow,
        &[
            "-q",
            "backups",
            "create",
            "--server-id",
            "67890",
            "--wait",
            "--timeout",
            "1s",
            "-o",
            "json",
        ],
    ))
    .await;
    waited.assert_code(4);
    assert!(waited.stderr.contains("--timeout 1h"), "{waited:#?}");
}

/// Issue 18: `get 500 --server-id 12345`, through a proxy that dropped `server_id`, printed
/// server 67890's backup with exit 0; the waiter trusted the same list.
#[tokio::test]
async fn get_and_wait_refuse_a_listing_that_ignored_its_filter() {
    let server = vendor_server().await;
    server.inject(Fault::ignore_filter("server_id").on(Operation::ListBackups).always());
    for args in [
        &["backups", "get", "500", "--server-id", "12345"][..],
        &["backups", "wait", "501", "--server-id", "12345"],
    ] {
        let run = against(&server, args).await;
        run.assert_code(1);
        assert_eq!(run.stdout, "", "{run:#?}");
        assert!(
            run.stderr.contains("of server 67890") && run.stderr.contains("ignored the filter"),
            "{run:#?}"
        );
    }
}

/// Issue 18: a restore answered 202 with malformed JSON, HTML or a missing field exited 1
/// ("could not decode"), though the API had accepted it; a create's 201 likewise when its
/// search failed. Every unreadable answer is now one case: restore exits 0 with a warning
/// that names the request id; create is found by listing (0) or exits 5.
#[tokio::test]
async fn an_accepted_answer_that_cannot_be_read_is_a_success_with_unknown_details() {
    let server = vendor_server().await;
    let faults = [
        Fault::malformed_json(),
        Fault::wrong_content_type(),
        Fault::missing_field("server"),
        Fault::truncated_body(),
    ];
    for (n, fault) in faults.into_iter().enumerate() {
        let fault = fault.header("X-Request-Id", "rid-42");
        // Distinct descriptions: each search has one backup to find.
        let (found_as, unknown_as) = (format!("found {n}"), format!("unknown {n}"));
        let create = |description| {
            ["backups", "create", "--server-id", "12345", "--description", description]
        };
        let name = fault.to_string();
        server.inject(fault.clone().on(Operation::RestoreServer));
        let restored =
            against(&server, &["servers", "restore", "12345", "--backup-id", "501", "--yes"]).await;
        restored.assert_code(0);
        assert_eq!(restored.stdout, "", "{name}");
        assert!(
            restored.stderr.starts_with("warning: the API accepted the restore server (HTTP 202)")
                && restored.stderr.contains("request id: rid-42"),
            "{name}: {restored:#?}"
        );

        server.inject(fault.clone().on(Operation::CreateBackup));
        let found = against(&server, &create(&found_as)).await;
        found.assert_code(0);
        assert!(found.stderr.contains("found by listing"), "{name}: {found:#?}");

        server.inject(fault.on(Operation::CreateBackup));
        server.inject(Fault::status(500).on(Operation::ListBackups).always());
        let unknown = against(&server, &create(&unknown_as)).await;
        server.clear_faults();
        unknown.assert_code(5);
        assert!(
            unknown.stderr.contains("the API accepted the create backup (HTTP 201)"),
            "{name}: {unknown:#?}"
        );
    }
    assert_eq!(server.restores().len(), 4);
    let made = server.backups_of(12345).into_iter().filter(|b| b.id > 501);
    assert_eq!(made.count(), 8, "each create ran once");
}

/// Issue 18's repro: with `--fault create:drop-before:nth=2`, two runs of `backups create
/// --server-id 12345 --description dup` within a second; the second said "Created backup 502
/// (found by listing)" and exited 0, though its create never reached the server.
#[tokio::test]
async fn a_second_create_never_claims_the_firsts_backup() {
    let server = vendor_server().await;
    server.inject(Fault::drop_before_read().on(Operation::CreateBackup).nth(2));
    let args = ["backups", "create", "--server-id", "12345", "--description", "dup"];
    let first = against(&server, &args).await;
    first.assert_code(0);
    assert_eq!(first.json()["id"], 502);
    let second = against(&server, &args).await;
    second.assert_code(5);
    assert_eq!(second.stdout, "", "{second:#?}");
    assert!(!second.stderr.contains("found by listing"), "{second:#?}");
    let dups = server.backups_of(12345).into_iter().filter(|b| b.description == "dup");
    assert_eq!(dups.count(), 1);
}

/// Item 16 of issue 18: `delete --ignore-not-found` makes a missing backup a success, for
/// scripts that may delete the same backup twice; any other failure still fails.
#[tokio::test]
async fn delete_ignore_not_found_makes_a_missing_backup_a_success() {
    let server = vendor_server().await;
    let args = ["backups", "delete", "501", "777", "--yes", "--ignore-not-found", "-o", "json"];
    let run = against(&server, &args).await;
    run.assert_code(0);
    assert_eq!(
        run.json(),
        serde_json::json!([
            { "id": 501, "deleted": true, "error": null },
            { "id": 777, "deleted": false, "error": null },
        ])
    );
    assert!(run.stderr.contains("777 was not found"), "{run:#?}");
    // Again: both are gone now, and that is what the script wanted.
    against(&server, &args).await.assert_code(0);
    let table =
        against(&server, &["backups", "rm", "501", "--yes", "--ignore-not-found", "-o", "table"])
            .await;
    table.assert_code(0);
    assert_eq!(table.stdout, "");
    let left: Vec<i64> = server.backups_of(12345).iter().map(|b| b.id).collect();
    assert_eq!(left, [499, 495]);
    // Without it, the missing one is exit 6 as before.
    against(&server, &["backups", "delete", "777", "--yes"]).await.assert_code(6);
}

/// Item 16 of issue 18: `wait --poll-interval` polls at that steady pace (by default the
/// first pause is 1 s, so a 1 s wait polls at most twice).
#[tokio::test]
async fn wait_polls_as_often_as_poll_interval_says() {
    let server = MockServer::builder()
        .token(TOKEN)
        .complete_after(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let created =
        against(&server, &["backups", "create", "--server-id", "67890", "-o", "json"]).await;
    created.assert_code(0);
    let id = created.json()["id"].as_i64().unwrap().to_string();
    let before = server.requests().len();
    let run = against(
        &server,
        &[
            "-q",
            "backups",
            "wait",
            &id,
            "--server-id",
            "67890",
            "--timeout",
            "1s",
            "--poll-interval",
            "100ms",
        ],
    )
    .await;
    run.assert_code(4);
    let polls = server.requests()[before..].iter().filter(|r| r.method == "GET").count();
    assert!(polls >= 4, "{polls} polls in 1 s: {run:#?}");
}

/// Issue 18 item 9: a create against a 50 s latency took 30 s whatever `--timeout` said.
#[tokio::test]
async fn create_honours_its_timeout_with_or_without_wait() {
    let server = vendor_server().await;
    server.inject(Fault::latency(Duration::from_secs(50)).on(Operation::CreateBackup));
    for wait in [false, true] {
        let mut args = vec!["backups", "create", "--server-id", "12345"];
        if wait {
            // Before the subcommand too.
            args.splice(0..0, ["--timeout", "2s"]);
            args.push("--wait");
        } else {
            args.extend(["--timeout", "2s"]);
        }
        let started = std::time::Instant::now();
        let run = tokio::time::timeout(Duration::from_secs(20), against(&server, &args))
            .await
            .unwrap_or_else(|_| panic!("still running after 20 s (--wait: {wait})"));
        assert!(started.elapsed() < Duration::from_secs(15), "--wait: {wait}: {run:#?}");
        // The backup was made, its answer is 50 s away: given up on after 2 s, the create
        // is found by listing (0), or its outcome is unknown (5); never a 30 s wait.
        assert!([0, 5].contains(&run.code), "{run:#?}");
    }
}
