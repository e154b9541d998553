//! `vpsorg doctor`: the engine is tested in `src/doctor/tests/`; here, what the command
//! adds: the connection settings, the output formats and the exit codes.

use vpsorg_backups_mock::{Fault, MockServer, Operation, Seed};

use crate::support::*;

async fn altered(fault: Fault) -> MockServer {
    MockServer::builder()
        .token(TOKEN)
        .seed(Seed::vendor_examples())
        .fault(fault)
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_fake_server_matches_the_contract() {
    let server = vendor_server().await;
    let run = against(&server, &["doctor", "-o", "json"]).await;
    run.assert_code(0);
    let report = run.json();
    assert_eq!(report["outcome"], "consistent");
    assert_eq!(report["summary"]["contradicted"], 0);
    assert_eq!(report["choices"].as_array().unwrap().len(), 12);
    assert_no_token(&run);
    // Read-only: every request was a GET.
    assert!(server.requests().iter().all(|r| r.method == "GET"), "{:?}", server.requests());

    let table = against(&server, &["doctor", "-o", "table"]).await;
    table.assert_code(0);
    assert!(table.stdout.contains("consistent with the contract (exit 0)"), "{}", table.stdout);
}

#[tokio::test]
async fn a_contradiction_a_refused_token_and_an_incomplete_run_have_their_own_exit_codes() {
    let missing =
        altered(Fault::missing_field("description").on(Operation::ListBackups).always()).await;
    let run = against(&missing, &["doctor", "-o", "json"]).await;
    run.assert_code(9);
    assert_eq!(run.json()["outcome"], "contradicted");

    // `vpsorg doctor | head`: the reader goes, the verdict stays.
    let piped = run_with_closed_stdout(against_command(&missing, &["doctor", "-o", "table"])).await;
    piped.assert_code(9);

    let failing = altered(Fault::status(500).on(Operation::ListBackups).always()).await;
    let run = against(&failing, &["doctor", "-o", "json"]).await;
    run.assert_code(10);
    assert_eq!(run.json()["outcome"], "incomplete");

    // A revoked token is not "incomplete": a nightly job that lets 10 pass must still fail.
    let server = vendor_server().await;
    let mut refused = Home::new().vpsorg(&["doctor", "-o", "json", "--token", "revoked-token"]);
    refused.env("VPSORG_API_URL", server.base_url());
    let refused = crate::support::run(refused).await;
    refused.assert_code(7);
    assert_eq!(refused.json()["outcome"], "token_refused");
    assert!(!refused.stdout.contains("revoked-token"), "{refused:#?}");

    // An additive surprise fails only with --strict.
    let extra = || Fault::unknown_enum("status", "archived").on(Operation::ListBackups).always();
    against(&altered(extra()).await, &["doctor", "-o", "json"]).await.assert_code(0);
    against(&altered(extra()).await, &["doctor", "--strict", "-o", "json"]).await.assert_code(9);
}

#[tokio::test]
async fn probe_errors_sends_only_writes_that_fail_and_changes_nothing() {
    let server = vendor_server().await;
    let before = server.backups_of(12345).len() + server.backups_of(67890).len();
    let run = against(&server, &["doctor", "--probe-errors", "-o", "json"]).await;
    run.assert_code(0);
    let after = server.backups_of(12345).len() + server.backups_of(67890).len();
    assert_eq!(before, after);
    let writes: Vec<_> = server.requests().into_iter().filter(|r| r.method != "GET").collect();
    assert_eq!(writes.len(), 3, "{writes:?}");
    assert!(writes.iter().all(|r| r.status.is_some_and(|s| s >= 400)), "{writes:?}");
}

/// Issue 18, item 8: with `--api-url …/api/v1` every path is a 404, and the doctor said the
/// API "CONTRADICTS the contract" (exit 9), which a nightly job reports as a vendor change.
/// It is a wrong URL: exit 2, with the hint `backups list` gives for the same URL.
#[tokio::test]
async fn a_wrong_api_url_is_a_usage_error_with_the_hint_of_backups_list() {
    let server = vendor_server().await;
    let url = format!("{}/api/v1", server.base_url());
    let mut doctor = Home::new().vpsorg(&["doctor", "--api-url", &url]);
    doctor.env("VPSORG_API_TOKEN", TOKEN);
    let doctor = run(doctor).await;
    doctor.assert_code(2);
    let mut list = Home::new().vpsorg(&["backups", "list", "--api-url", &url]);
    list.env("VPSORG_API_TOKEN", TOKEN);
    let list = run(list).await;
    list.assert_code(2);
    let hint =
        |run: &Run| run.stderr.lines().find(|line| line.starts_with("hint: ")).map(str::to_string);
    assert!(hint(&doctor).is_some(), "{doctor:#?}");
    assert_eq!(hint(&doctor), hint(&list), "{doctor:#?}");
    assert!(!doctor.stdout.contains("CONTRADICTS"), "{doctor:#?}");
    // Only the first list was sent: the rest would have said the same.
    assert_eq!(server.requests().len(), 2, "{:?}", server.requests());
}
