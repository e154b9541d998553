//! `vpsorg backups prune`: the plan, and deleting exactly what it says.

use std::time::Duration;

use chrono::Utc;
use vpsorg_backups_mock::{
    Backup, BackupStatus, BackupType, Fault, MockServer, Operation, Seed, ServerRef,
};

use crate::support::*;

/// Server 42's backups, newest first: 10 in progress (1 hour old), 9 completed (2 days),
/// 8 failed (3 days), 7 completed (10 days), 6, 5 and 4 completed (40, 50, 60 days), and an
/// automatic one, 3 (70 days).
pub(crate) async fn server_42() -> MockServer {
    let backup = |id, hours, status, backup_type| backup_of(42, id, hours, status, backup_type);
    use BackupStatus::{Completed, Failed, InProgress};
    use BackupType::{Automatic, Manual};
    let seed = [
        backup(10, 1, InProgress, Manual),
        backup(9, 48, Completed, Manual),
        backup(8, 72, Failed, Manual),
        backup(7, 240, Completed, Manual),
        backup(6, 960, Completed, Manual),
        backup(5, 1200, Completed, Manual),
        backup(4, 1440, Completed, Manual),
        backup(3, 1680, Completed, Automatic),
    ]
    .into_iter()
    .fold(Seed::empty(), Seed::backup);
    start(seed).await
}

async fn start(seed: Seed) -> MockServer {
    MockServer::builder()
        .token(TOKEN)
        .seed(seed)
        .complete_after(Duration::from_secs(3600))
        .start()
        .await
        .unwrap()
}

/// A backup of server `server` (named `db-<server>`), `hours` old.
fn backup_of(server: i64, id: i64, hours: i64, status: BackupStatus, kind: BackupType) -> Backup {
    Backup {
        id,
        server: ServerRef::new(server, format!("db-{server}")),
        backup_type: kind,
        status,
        size_mb: (status == BackupStatus::Completed).then_some(100),
        created_at: Utc::now() - chrono::Duration::hours(hours),
        expires_at: None,
        description: format!("backup {id}"),
    }
}

/// A fleet: servers 12, 14 and 16 with three completed manual backups each (121, 122, 123:
/// the highest id is the newest), and server 18 with an automatic one, 181.
pub(crate) async fn fleet() -> MockServer {
    let manual = [12, 14, 16].into_iter().flat_map(|server| {
        (1..=3).map(move |n| {
            let id = server * 10 + n;
            backup_of(server, id, 100 - n, BackupStatus::Completed, BackupType::Manual)
        })
    });
    let automatic = backup_of(18, 181, 100, BackupStatus::Completed, BackupType::Automatic);
    start(manual.chain([automatic]).fold(Seed::empty(), Seed::backup)).await
}

/// The ids of every backup on `server`, sorted.
pub(crate) fn all_ids(server: &MockServer) -> Vec<i64> {
    let mut ids: Vec<i64> = server.backups().iter().map(|b| b.id).collect();
    ids.sort_unstable();
    ids
}

/// `vpsorg backups prune --all-servers --keep-last 1` and `extra`.
fn prune_all<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["backups", "prune", "--all-servers", "--keep-last", "1"];
    args.extend(extra);
    args
}

/// One line per backup of prune's JSON: "id action: reason [result]".
fn plan_summary(json: &serde_json::Value) -> String {
    json["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}: {} [{}]\n",
                d["backup"]["id"],
                d["action"].as_str().unwrap(),
                d["reason"].as_str().unwrap(),
                d["result"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

pub(crate) fn ids_of(server: &MockServer) -> Vec<i64> {
    let mut ids: Vec<i64> = server.backups_of(42).iter().map(|b| b.id).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn a_dry_run_shows_the_plan_and_deletes_nothing() {
    let server = server_42().await;
    let mut report = String::new();
    for extra in [&[][..], &["--older-than", "45d"], &["--keep-last", "0"]] {
        let mut args =
            vec!["backups", "prune", "--server-id", "42", "--type", "manual", "--dry-run"];
        if !extra.contains(&"--keep-last") {
            args.extend(["--keep-last", "2"]);
        }
        args.extend(extra);
        let run = against(&server, &args).await;
        run.assert_code(0);
        let json = run.json();
        assert_eq!(json["dry_run"], true);
        report.push_str(&format!(
            "$ vpsorg {}\n{}{}\n",
            args.join(" "),
            plan_summary(&json),
            run.stderr
        ));
    }
    insta::assert_snapshot!("prune_plans", report);
    assert_eq!(ids_of(&server), [3, 4, 5, 6, 7, 8, 9, 10]);
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}

/// Item 14 of issue 18: `--dry-run` wins over `--yes` (it was a usage error, exit 2), so that
/// a cron line saying --yes can take `${DRY_RUN:+--dry-run}`.
#[tokio::test]
async fn a_dry_run_with_yes_is_still_a_dry_run() {
    let server = server_42().await;
    let args = ["backups", "prune", "--server-id", "42", "--keep-last", "0", "--yes", "--dry-run"];
    let run = against(&server, &args).await;
    run.assert_code(0);
    assert_eq!(run.json()["dry_run"], true);
    assert_eq!(ids_of(&server), [3, 4, 5, 6, 7, 8, 9, 10]);
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test]
async fn prune_deletes_what_the_plan_says_and_never_a_backup_in_progress() {
    let server = server_42().await;
    let run = against(
        &server,
        &["backups", "prune", "--server-id", "42", "--type", "manual", "--keep-last", "0", "--yes"],
    )
    .await;
    run.assert_code(0);
    // Every manual backup goes but the one in progress; the automatic one was not asked about.
    assert_eq!(ids_of(&server), [3, 10]);
    let json = run.json();
    assert_eq!(json["dry_run"], false);
    let results: Vec<(&str, &str)> = json["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["action"].as_str().unwrap(), d["result"].as_str().unwrap_or("-")))
        .collect();
    assert_eq!(
        results,
        [
            ("keep", "-"),
            ("delete", "deleted"),
            ("delete", "deleted"),
            ("delete", "deleted"),
            ("delete", "deleted"),
            ("delete", "deleted"),
            ("delete", "deleted")
        ]
    );
    // The plan's shape holds a backup in the shape every command prints.
    let listed = against(&server, &["backups", "list"]).await.json();
    assert_eq!(keys(&json["backups"][0]["backup"]), keys(&listed[0]));
}

#[tokio::test]
async fn a_table_plan_for_people() {
    let server = server_42().await;
    // Wide enough for every reason in full.
    let mut command = against_command(
        &server,
        &["backups", "prune", "--server-id", "42", "--keep-last", "3", "--yes", "-o", "table"],
    );
    command.env("COLUMNS", "100");
    let run = run(command).await;
    run.assert_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "ID  SERVER  TYPE    STATUS       CREATED (UTC)     ACTION  REASON");
    assert!(
        lines[1].starts_with("10      42  manual  in_progress")
            && lines[1].ends_with("keep    in progress: never deleted"),
        "{}",
        run.stdout
    );
    // Without --type, only manual backups: the automatic 3 is not even planned.
    assert!(
        lines.iter().any(|l| l.starts_with(" 4      42  manual")
            && l.ends_with("delete  not one of the 3 newest")),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("automatic"), "{}", run.stdout);
    assert!(run.stdout.ends_with("Deleted backup 4.\n"), "{}", run.stdout);
    assert_eq!(ids_of(&server), [3, 6, 7, 9, 10]);
}

#[tokio::test]
async fn without_a_terminal_prune_needs_yes_or_dry_run_to_delete() {
    let server = server_42().await;
    let run =
        against(&server, &["backups", "prune", "--server-id", "42", "--keep-last", "1"]).await;
    run.assert_code(2);
    assert!(run.stderr.contains("--dry-run"), "{run:#?}");
    assert!(server.requests().iter().all(|r| r.method == "GET"));
    assert_eq!(ids_of(&server).len(), 8);
}

#[tokio::test]
async fn nothing_to_prune_is_said_and_changes_nothing() {
    let server = server_42().await;
    let run = against(
        &server,
        &["backups", "prune", "--server-id", "42", "--keep-last", "10", "--older-than", "100d"],
    )
    .await;
    run.assert_code(0);
    assert!(run.stderr.contains("Nothing to prune"), "{run:#?}");
    assert_eq!(ids_of(&server).len(), 8);
}

/// A closed stdout stopped prune after its plan or first line, leaving the rest undeleted
/// with exit 0; and a failed delete exited 0 as well.
#[tokio::test]
async fn a_closed_stdout_stops_the_output_not_the_pruning() {
    let args =
        ["backups", "prune", "--server-id", "42", "--type", "manual", "--keep-last", "0", "--yes"];
    for format in ["table", "json"] {
        let server = server_42().await;
        let mut with_format = args.to_vec();
        with_format.extend(["-o", format]);
        let run = run_with_closed_stdout(against_command(&server, &with_format)).await;
        run.assert_code(0);
        assert_eq!(ids_of(&server), [3, 10], "-o {format}: {run:#?}");
    }

    // The first deletion (9, the newest completed) is refused; the others still happen,
    // and the refusal's exit code is the command's.
    let server = server_42().await;
    server.inject(Fault::status(403).on(Operation::DeleteBackup));
    let mut with_format = args.to_vec();
    with_format.extend(["-o", "table"]);
    let run = run_with_closed_stdout(against_command(&server, &with_format)).await;
    run.assert_code(7);
    assert_eq!(ids_of(&server), [3, 9, 10]);
}

/// Issue 18: through a proxy that dropped `server_id`, prune deleted server 67890's backup
/// 497, and its plan had no SERVER column to show it. Now the listing is verified first.
#[tokio::test]
async fn prune_never_acts_on_a_listing_that_ignored_its_filter() {
    let server = vendor_server().await;
    server.inject(Fault::ignore_filter("server_id").on(Operation::ListBackups).always());
    for format in ["table", "json"] {
        let run = against(
            &server,
            &[
                "backups",
                "prune",
                "--server-id",
                "12345",
                "--type",
                "manual",
                "--keep-last",
                "1",
                "--yes",
                "-o",
                format,
            ],
        )
        .await;
        run.assert_code(1);
        assert_eq!(run.stdout, "", "no plan from an unverified list");
        assert!(
            run.stderr.contains("the API listed backup 497 of server 67890")
                && run.stderr.contains("ignored the filter"),
            "{run:#?}"
        );
    }
    assert!(server.requests().iter().all(|r| r.method == "GET"));
    assert_eq!(server.backups().len(), 5);

    // The plan names each backup's server.
    server.clear_faults();
    let run = against(
        &server,
        &[
            "backups",
            "prune",
            "--server-id",
            "12345",
            "--keep-last",
            "1",
            "--dry-run",
            "-o",
            "table",
        ],
    )
    .await;
    run.assert_code(0);
    let header = run.stdout.lines().next().unwrap();
    assert!(header.starts_with(" ID  SERVER  TYPE"), "{}", run.stdout);
    assert!(run.stdout.lines().skip(1).all(|l| l.contains(" 12345  ")), "{}", run.stdout);
}

/// Issue 18: without `--type`, prune deleted 9 automatic backups, though its help calls it
/// rotation for the limit of 10 manual backups. Manual is the default now; automatic backups
/// go only with `--type automatic`; `--max-delete` refuses a plan that deletes more.
#[tokio::test]
async fn prune_deletes_manual_backups_unless_told_otherwise() {
    let server = server_42().await;
    let prune = |extra: &[&'static str]| {
        let mut args = vec!["backups", "prune", "--server-id", "42", "--keep-last", "0"];
        args.extend(extra);
        args
    };
    // Six to delete (9, 8, 7, 6, 5, 4): more than 5 is refused, before anything is deleted.
    for format in ["table", "json"] {
        let refused = against(&server, &prune(&["--max-delete", "5", "--yes", "-o", format])).await;
        refused.assert_code(2);
        assert!(
            refused
                .stderr
                .contains("the plan deletes 6 backups of server 42, more than --max-delete 5"),
            "{refused:#?}"
        );
    }
    let dry = against(&server, &prune(&["--max-delete", "5", "--dry-run"])).await;
    dry.assert_code(2);
    assert!(server.requests().iter().all(|r| r.method == "GET"));

    let run = against(&server, &prune(&["--max-delete", "6", "--yes"])).await;
    run.assert_code(0);
    assert_eq!(ids_of(&server), [3, 10], "the automatic 3 was not asked about");

    let run = against(&server, &prune(&["--type", "automatic", "--yes"])).await;
    run.assert_code(0);
    assert_eq!(ids_of(&server), [10]);
}

/// Issue 18: `--older-than` read the local clock. Against the fake server, whose clock is
/// in January 2025, backups made seconds before were "older than 1h"; a host whose clock is
/// off got the same wrong answer. Ages are now measured on the server's clock.
#[tokio::test]
async fn older_than_is_measured_on_the_servers_clock() {
    let server = vendor_server().await;
    for _ in 0..2 {
        against(&server, &["backups", "create", "--server-id", "12345", "--wait"])
            .await
            .assert_code(0);
    }
    let run = against(
        &server,
        &[
            "backups",
            "prune",
            "--server-id",
            "12345",
            "--keep-last",
            "0",
            "--older-than",
            "1h",
            "--dry-run",
        ],
    )
    .await;
    run.assert_code(0);
    // 499 is from 2025-01-14, two days before the server's now; 502 and 503 are seconds old.
    assert_eq!(
        plan_summary(&run.json()),
        "503 keep: newer than 1h [-]\n502 keep: newer than 1h [-]\n\
         499 delete: older than 1h, --keep-last 0 [-]\n"
    );
}

/// Item 17 of issue 18: `--all-servers` prunes every server the listing names (there is no
/// list of servers), from one listing, with one plan and --max-delete over the total, and says
/// a line per server.
#[tokio::test]
async fn all_servers_prunes_every_server_listed_with_one_plan() {
    let server = fleet().await;
    let all = [121, 122, 123, 141, 142, 143, 161, 162, 163, 181];
    // 6 to delete over 3 servers: more than 5 is refused, in a dry run too.
    for extra in [&["--yes"][..], &["--dry-run"]] {
        let refused = against(&server, &prune_all(&[&["--max-delete", "5"], extra].concat())).await;
        refused.assert_code(2);
        assert!(
            refused
                .stderr
                .contains("the plan deletes 6 backups of 3 servers, more than --max-delete 5"),
            "{refused:#?}"
        );
    }
    // Without a terminal, --yes is needed; --dry-run --yes is a dry run.
    against(&server, &prune_all(&[])).await.assert_code(2);
    let dry = against(&server, &prune_all(&["--dry-run", "--yes"])).await;
    dry.assert_code(0);
    assert_eq!((&dry.json()["dry_run"], &dry.json()["server_id"]), (&true.into(), &().into()));
    assert!(dry.stderr.contains("server 12: would delete 2, keep 1\n"), "{dry:#?}");
    assert!(server.requests().iter().all(|r| r.method == "GET"));
    assert_eq!(all_ids(&server), all);
    server.clear_requests();

    let run = against(&server, &prune_all(&["--max-delete", "6", "--yes"])).await;
    run.assert_code(0);
    assert_eq!(all_ids(&server), [123, 143, 163, 181], "the automatic 181 was not asked about");
    let lists: Vec<_> = server.requests().into_iter().filter(|r| r.method == "GET").collect();
    assert_eq!(lists.len(), 1, "one listing for the fleet: {lists:#?}");
    assert!(!lists[0].query.as_deref().unwrap_or("").contains("server_id"), "{lists:#?}");
    let json = run.json();
    insta::assert_snapshot!(
        "prune_all_servers",
        format!("{}{}\n{}", plan_summary(&json), json["servers"], run.stderr)
    );
}

/// Item 17: a server whose deletes fail does not stop the others; its exit code is the
/// command's, and of several, the first failing server's by id, whatever finished first.
#[tokio::test]
async fn a_failing_server_does_not_stop_the_others_and_keeps_its_exit_code() {
    for (faults, code) in
        [(&[(142, 403)][..], 7), (&[(161, 500), (142, 403)], 7), (&[(121, 500), (142, 403)], 1)]
    {
        let server = fleet().await;
        for &(id, status) in faults {
            server.inject(Fault::status(status).on(Operation::DeleteBackup).on_id(id).always());
        }
        // With -q, only the failing servers' lines, which go with their errors.
        let quiet = faults.len() > 1;
        let mut args = prune_all(&["--yes", "-o", "table"]);
        args.extend(quiet.then_some("-q"));
        let run = against(&server, &args).await;
        run.assert_code(code);
        let failed = faults.iter().map(|f| f.0 as i64);
        let mut left = [123, 143, 163, 181].into_iter().chain(failed).collect::<Vec<_>>();
        left.sort_unstable();
        assert_eq!(all_ids(&server), left, "{run:#?}");
        assert!(run.stderr.contains("server 14: deleted 1, kept 1; failed 1: "), "{run:#?}");
        assert!(run.stderr.contains("(exit 7)\n"), "{run:#?}");
        let summaries = run.stderr.lines().filter(|l| l.starts_with("server 1")).count();
        assert_eq!(summaries, if quiet { faults.len() } else { 3 }, "{run:#?}");
    }
}

/// A failing server's line went through `eprintln!`, which panics (exit 101) when stderr is
/// a closed pipe: the command must end with the failure's own exit code, the other servers
/// pruned.
#[tokio::test]
async fn a_failing_server_keeps_its_exit_code_when_stderr_is_closed() {
    let server = fleet().await;
    server.inject(Fault::status(403).on(Operation::DeleteBackup).on_id(142).always());
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut command = against_command(&server, &prune_all(&["--yes", "-o", "json"]));
    let child =
        command.stdout(std::process::Stdio::null()).stderr(writer).spawn().expect("vpsorg runs");
    let status = child.wait_with_output().await.unwrap().status;
    assert_eq!(status.code(), Some(7));
    assert_eq!(all_ids(&server), [123, 142, 143, 163, 181]);
}

/// Item 17 with item 1: a fleet prune sends no `server_id`, so a proxy that drops it changes
/// nothing, and each backup is planned with the server the listing names; a proxy that drops
/// `backup_type` stops it before it plans.
#[tokio::test]
async fn all_servers_never_acts_on_a_listing_that_ignored_its_filter() {
    let server = fleet().await;
    server.inject(Fault::ignore_filter("backup_type").on(Operation::ListBackups).always());
    let run = against(&server, &prune_all(&["--yes"])).await;
    run.assert_code(1);
    assert_eq!(run.stdout, "", "no plan from an unverified list");
    assert!(server.requests().iter().all(|r| r.method == "GET"));
    server.clear_faults();
    server.inject(Fault::ignore_filter("server_id").on(Operation::ListBackups).always());
    against(&server, &prune_all(&["--yes"])).await.assert_code(0);
    assert_eq!(all_ids(&server), [123, 143, 163, 181]);

    // Exactly one of --server-id and --all-servers.
    for args in [&["--server-id", "12", "--all-servers"][..], &[]] {
        let mut args = [&["backups", "prune", "--keep-last", "1"][..], args].concat();
        args.push("--dry-run");
        vpsorg(&args).await.assert_code(2);
    }
}
