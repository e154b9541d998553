//! The doctor against the fake server, in process over real HTTP on 127.0.0.1: unaltered
//! (everything it can see is confirmed), and altered by faults so that it differs from the
//! contract. Each report is a snapshot, with the port, request ids and timings made stable.

use std::time::Duration;

use serde_json::json;
use vpsorg_backups_mock::{Fault, MockServer, Operation};
use vpsorg_contract::{FindingKind, Severity};

use super::choice::{ChoiceId, Verdict};
use super::plan::PLAN;
use super::report::Outcome;
use super::{Doctor, Error, MAX_SERVER_TEXT, Report, excerpt};
use crate::exit::Exit;

const EXIT_CONSISTENT: i32 = Exit::Success.code() as i32;
const EXIT_TOKEN_REFUSED: i32 = Exit::Unauthorized.code() as i32;
const EXIT_CONTRADICTED: i32 = Exit::Contradicted.code() as i32;
const EXIT_INCOMPLETE: i32 = Exit::Unchecked.code() as i32;

/// Long and distinctive, so that a leak anywhere is found by a plain search.
const TOKEN: &str = "doctor-test-token-3b9d71f2c8";

async fn server(faults: impl IntoIterator<Item = Fault>) -> MockServer {
    let mut builder = MockServer::builder().token(TOKEN);
    for fault in faults {
        builder = builder.fault(fault);
    }
    builder.start().await.expect("the fake server starts")
}

fn doctor(server: &MockServer) -> Doctor {
    Doctor::new(server.base_url(), TOKEN)
}

async fn run(server: &MockServer) -> Report {
    doctor(server).run().await.expect("the doctor runs")
}

/// The report as text, with what changes from run to run replaced: the port, the request
/// ids (`mock-00000001`), the timings, the contract's hash and vpsorg's version.
fn table(report: &Report, server: &MockServer) -> String {
    stable(&untimed(report).render_table(100), server)
}

/// The JSON report as `-o json` prints it, made stable the same way.
fn json_of(report: &Report, server: &MockServer) -> String {
    stable(&serde_json::to_string_pretty(&untimed(report)).unwrap(), server)
}

fn untimed(report: &Report) -> Report {
    let mut report = report.clone();
    report.elapsed_ms = 0;
    for probe in &mut report.probes {
        probe.elapsed_ms = 0;
    }
    report
}

fn stable(text: &str, server: &MockServer) -> String {
    // The contract's hash changes with any edit of the spec, even one no answer shows.
    let sha256 = vpsorg_contract::Contract::embedded().sha256();
    let text = text
        .replace(server.base_url(), "http://127.0.0.1:[port]")
        .replace(sha256, "[sha256]")
        .replace(&sha256[..12], "[sha256]")
        .replace(concat!("vpsorg ", env!("CARGO_PKG_VERSION")), "vpsorg [version]");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("mock-") {
        let id = &rest[at + 5..];
        let digits = id.bytes().take_while(u8::is_ascii_digit).count();
        out.push_str(&rest[..at]);
        if digits == 8 {
            out.push_str("[request-id]");
            rest = &id[8..];
        } else {
            out.push_str("mock-");
            rest = id;
        }
    }
    out.push_str(rest);
    out
}

/// Every probe the run planned is either among its requests or named under "not checked"
/// (an entry `id, id, ...: why`).
fn assert_every_probe_accounted_for(report: &Report) {
    let sent: Vec<&str> = report.probes.iter().map(|p| p.id.as_str()).collect();
    let named: Vec<&str> = report
        .incomplete
        .iter()
        .filter_map(|entry| entry.split_once(": "))
        .flat_map(|(ids, _)| ids.split(", "))
        .collect();
    for probe in PLAN.iter().filter(|p| !p.write || report.probe_errors) {
        assert!(
            sent.contains(&probe.id) || named.contains(&probe.id),
            "{} neither sent nor named: {:#?}",
            probe.id,
            report.incomplete
        );
    }
}

fn verdicts(report: &Report) -> Vec<(&'static str, Verdict)> {
    report.choices.iter().map(|c| (c.id.as_str(), c.verdict)).collect()
}

impl std::fmt::Display for Report {
    /// The table for a 100-column terminal.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render_table(100))
    }
}

impl Report {
    /// The verdict on one choice.
    fn choice(&self, id: ChoiceId) -> Option<&super::choice::ChoiceVerdict> {
        self.choices.iter().find(|c| c.id == id)
    }
}

fn verdict(report: &Report, id: ChoiceId) -> Verdict {
    report.choice(id).unwrap().verdict
}

#[tokio::test]
async fn the_unaltered_fake_server_confirms_every_choice_a_read_can_see() {
    let server = server([]).await;
    let report = run(&server).await;
    assert_eq!(report.outcome, Outcome::Consistent);
    assert_eq!(report.exit_code, EXIT_CONSISTENT);
    assert!(report.deviations.is_empty(), "{report}");
    assert!(report.incomplete.is_empty(), "{report}");
    use Verdict::{Confirmed as C, NotObserved as N};
    assert_eq!(
        verdicts(&report),
        [
            ("pagination", C),
            ("ordering", C),
            ("error_bodies", C),
            ("list_400", C),
            ("create", N),
            ("backup_fields", C),
            ("enums", C),
            ("delete_404", N),
            ("restore", N),
            ("throttling", N),
            ("server_errors", N),
            ("request_id", C),
        ]
    );
    assert_eq!(report.probes.len(), 16);
    insta::assert_snapshot!("unaltered", table(&report, &server));
    insta::assert_snapshot!("unaltered_json", json_of(&report, &server));
}

#[tokio::test]
async fn an_account_without_backups_contradicts_nothing() {
    let server = MockServer::builder()
        .token(TOKEN)
        .seed(vpsorg_backups_mock::Seed::empty())
        .start()
        .await
        .unwrap();
    let report = Doctor { probe_errors: true, ..doctor(&server) }.run().await.unwrap();
    assert_eq!(report.exit_code, EXIT_CONSISTENT, "{report}");
    assert!(report.deviations.is_empty(), "{report}");
    for choice in [ChoiceId::Ordering, ChoiceId::BackupFields, ChoiceId::Enums] {
        assert_eq!(verdict(&report, choice), Verdict::NotObserved, "{choice:?}");
    }
    assert_eq!(verdict(&report, ChoiceId::Pagination), Verdict::Confirmed);
    let probes: Vec<&str> = report.probes.iter().map(|p| p.id.as_str()).collect();
    assert!(!probes.contains(&"page-2") && !probes.contains(&"filter-server"));
}

#[tokio::test]
async fn without_probe_errors_only_gets_are_sent() {
    let server = server([]).await;
    let report = run(&server).await;
    let log = server.requests();
    assert_eq!(log.len(), report.summary.requests);
    assert_eq!(log.len(), report.probes.len());
    assert!(log.iter().all(|r| r.method == "GET" && r.path == "/api/v1/backups/"), "{log:#?}");
    let without_token = log.iter().filter(|r| r.header("authorization").is_none());
    assert_eq!(without_token.count(), 1, "only auth-none goes without a token");
}

#[tokio::test]
async fn probe_errors_sends_three_writes_that_change_nothing() {
    let server = server([]).await;
    let backups = server.backups();
    let report = Doctor { probe_errors: true, ..doctor(&server) }.run().await.unwrap();
    assert_eq!(report.exit_code, EXIT_CONSISTENT, "{report}");
    assert_eq!(server.backups(), backups, "no backup created or deleted");
    assert!(server.restores().is_empty(), "no restore accepted");
    let writes: Vec<(String, String)> = server
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(
        writes,
        [
            ("DELETE".into(), "/api/v1/backups/9223372036854775807/".into()),
            ("POST".into(), "/api/v1/servers/9223372036854775807/restore/".into()),
            ("POST".into(), "/api/v1/backups/".into()),
        ]
    );
    for choice in [ChoiceId::Create, ChoiceId::Delete404, ChoiceId::Restore] {
        let verdict = report.choice(choice).unwrap();
        assert_eq!(verdict.verdict, Verdict::Confirmed, "{choice:?}");
        // A restore changes no list whatever it does: the comparison says nothing of it.
        assert_eq!(
            verdict.detail.contains("the same before and after"),
            choice != ChoiceId::Restore,
            "{choice:?}: {}",
            verdict.detail
        );
    }
    assert_eq!(report.summary.confirmed, 10);
    insta::assert_snapshot!("probe_errors", table(&report, &server));
}

/// The writes are retried like every request, as `--probe-errors`' help says: harmless for
/// requests built to fail, but worth knowing before pointing them at an account.
#[tokio::test]
async fn a_write_answered_503_is_sent_again_as_the_help_says() {
    let server =
        server([Fault::status(503).header("Retry-After", "0").on(Operation::DeleteBackup)]).await;
    let report = Doctor { probe_errors: true, ..doctor(&server) }.run().await.unwrap();
    assert_eq!(report.exit_code, EXIT_CONSISTENT, "{report}");
    let deletes = server.requests().into_iter().filter(|r| r.method == "DELETE").count();
    assert_eq!(deletes, 2);
    let delete = report.probes.iter().find(|p| p.id == "delete-unknown").unwrap();
    assert_eq!((delete.attempts, delete.status), (2, Some(404)));
    let mut cli = <crate::cli::Cli as clap::CommandFactory>::command();
    cli.build();
    let doctor = cli.find_subcommand("doctor").unwrap();
    let probe_errors = doctor.get_arguments().find(|a| a.get_id() == "probe_errors").unwrap();
    let probe_errors_help = probe_errors.get_help().unwrap().to_string();
    for help in [probe_errors_help, crate::cli::doctor_help()] {
        assert!(help.contains("at most twice"), "{help}");
    }
}

#[tokio::test]
async fn a_write_that_succeeds_where_it_must_fail_contradicts_its_choice() {
    let server = server([Fault::status(204).on(Operation::DeleteBackup)]).await;
    let report = Doctor { probe_errors: true, ..doctor(&server) }.run().await.unwrap();
    assert_eq!(report.exit_code, EXIT_CONTRADICTED, "{report}");
    let delete = report.choice(ChoiceId::Delete404).unwrap();
    assert_eq!(delete.verdict, Verdict::Contradicted);
    assert_eq!(delete.contradictions[0].expected, "404 with code backup_not_found");
    assert_eq!(delete.contradictions[0].got, "204 without a JSON body");
    assert!(delete.contradictions[0].request_id.is_some());
}

/// The fake server's backups as a list answers them, newest first.
fn listed(server: &MockServer) -> Vec<serde_json::Value> {
    let mut backups = server.backups();
    backups.sort_by_key(|b| std::cmp::Reverse(b.id));
    backups.iter().map(|b| serde_json::to_value(b).unwrap()).collect()
}

fn list_body(results: Vec<serde_json::Value>) -> String {
    json!({"count": results.len(), "next": null, "previous": null, "results": results}).to_string()
}

fn new_backup(id: i64, backup_type: &str, description: &str) -> serde_json::Value {
    json!({
        "id": id, "server": {"id": 12345, "name": "web-server-01"},
        "backup_type": backup_type, "status": "in_progress", "size_mb": null,
        "created_at": "2025-01-16T03:00:00Z", "expires_at": null, "description": description
    })
}

/// The 17th list is writes-before, the 18th writes-after (16 reads come first).
fn list_answer(nth: u64, body: String) -> Fault {
    Fault::status(200).body(body).on(Operation::ListBackups).nth(nth)
}

fn state_deviations(report: &Report) -> Vec<&super::report::Deviation> {
    report
        .deviations
        .iter()
        .filter(|d| matches!(d.kind, FindingKind::StateChanged | FindingKind::AccountChanged))
        .collect()
}

#[tokio::test]
async fn a_manual_backup_the_create_could_have_made_is_a_violation() {
    let seeded = server([]).await;
    let mut after = vec![new_backup(900, "manual", "")];
    after.extend(listed(&seeded));
    let server = server([list_answer(18, list_body(after))]).await;
    let report = Doctor { probe_errors: true, ..doctor(&server) }.run().await.unwrap();
    assert_eq!(report.exit_code, EXIT_CONTRADICTED, "{report}");
    let [changed] = state_deviations(&report)[..] else {
        panic!("one state deviation: {report}");
    };
    assert_eq!((changed.kind, changed.severity), (FindingKind::StateChanged, Severity::Violation));
    assert_eq!(changed.choices, [ChoiceId::Create]);
    assert_eq!(changed.probes, ["writes-after"]);
    assert_eq!(changed.got, "backup 900 appeared (manual, description \"\") (count 5 → 6)");
    assert_eq!(verdict(&report, ChoiceId::Create), Verdict::Contradicted);
}

#[tokio::test]
async fn the_backup_the_delete_targeted_disappearing_is_a_violation() {
    let seeded = server([]).await;
    let mut before = vec![new_backup(i64::MAX, "manual", "Pre-deployment")];
    before.extend(listed(&seeded));
    let server = server([list_answer(17, list_body(before))]).await;
    let report = Doctor { probe_errors: true, ..doctor(&server) }.run().await.unwrap();
    assert_eq!(report.exit_code, EXIT_CONTRADICTED, "{report}");
    let [changed] = state_deviations(&report)[..] else {
        panic!("one state deviation: {report}");
    };
    assert_eq!(changed.choices, [ChoiceId::Delete404]);
    assert_eq!(changed.got, "backup 9223372036854775807 disappeared (count 6 → 5)");
}

/// On a live account an automatic backup may start, or an old one expire, while the
/// writes run: none of them could cause that, so it is a warning (another actor), and not
/// one that fails even `--strict`, or every nightly run would be a coin toss.
#[tokio::test]
async fn an_account_changing_by_itself_during_the_writes_is_only_a_warning() {
    let seeded = server([]).await;
    let mut after = vec![
        new_backup(900, "automatic", "Automatic daily backup"),
        // Manual, but with a description the create's body cannot give: someone else's.
        new_backup(899, "manual", "Pre-deployment"),
    ];
    let mut before = listed(&seeded);
    let expired = before.pop().unwrap();
    after.extend(before);
    let faults = || [list_answer(18, list_body(after.clone()))];
    let server = server(faults()).await;
    let report = Doctor { probe_errors: true, ..doctor(&server) }.run().await.unwrap();
    assert_eq!(report.exit_code, EXIT_CONSISTENT, "{report}");
    let [changed] = state_deviations(&report)[..] else {
        panic!("one state deviation: {report}");
    };
    assert_eq!((changed.kind, changed.severity), (FindingKind::AccountChanged, Severity::Warning));
    assert!(changed.choices.is_empty());
    assert!(
        changed.got.contains(&format!("backup {} disappeared", expired["id"])),
        "{}",
        changed.got
    );
    for choice in [ChoiceId::Create, ChoiceId::Delete404, ChoiceId::Restore] {
        let verdict = report.choice(choice).unwrap();
        assert_eq!(verdict.verdict, Verdict::Confirmed, "{choice:?}");
        assert!(!verdict.detail.contains("the same before and after"));
    }
    insta::assert_snapshot!("account_changed", table(&report, &server));

    let server = self::server(faults()).await;
    let strict =
        Doctor { probe_errors: true, strict: true, ..doctor(&server) }.run().await.unwrap();
    assert_eq!(strict.exit_code, EXIT_CONSISTENT, "{strict}");
}

#[tokio::test]
async fn an_api_that_stops_answering_stops_the_run() {
    // From the third list on, the connection closes before any answer.
    let server =
        server([Fault::drop_before_read().on(Operation::ListBackups).nth(3).always()]).await;
    let report = run(&server).await;
    assert_eq!(report.exit_code, EXIT_INCOMPLETE, "{report}");
    let probes: Vec<(&str, Option<u16>)> =
        report.probes.iter().map(|p| (p.id.as_str(), p.status)).collect();
    assert_eq!(
        probes,
        [
            ("list", Some(200)),
            ("page-size-1", Some(200)),
            ("page-2", None),
            ("page-size-100", None)
        ]
    );
    assert_eq!(server.requests().len(), 4, "nothing sent after two silences");
    assert!(
        report.incomplete.iter().any(|r| r.contains("stopped answering")),
        "{:?}",
        report.incomplete
    );
    assert_every_probe_accounted_for(&report);
}

#[tokio::test]
async fn extra_fields_on_the_pages_are_warnings_that_fail_only_when_strict() {
    // The first four lists are the plan's 200 pages (list, page-size-1, page-2, page-size-100).
    let fault = || Fault::extra_fields().on(Operation::ListBackups).times(4);
    let server = server([fault()]).await;
    let report = run(&server).await;
    assert_eq!(report.exit_code, EXIT_CONSISTENT, "{report}");
    assert_eq!(report.summary.violations, 0);
    assert!(report.summary.warnings > 0);
    assert!(
        report
            .deviations
            .iter()
            .all(|d| d.kind == FindingKind::UndocumentedField && d.severity == Severity::Warning),
        "{report}"
    );
    insta::assert_snapshot!("extra_fields", table(&report, &server));

    let server = self::server([fault()]).await;
    let strict = Doctor { strict: true, ..doctor(&server) }.run().await.unwrap();
    assert_eq!(strict.outcome, Outcome::Contradicted);
    assert_eq!(strict.exit_code, EXIT_CONTRADICTED);
    assert_eq!(strict.deviations, report.deviations);
}

/// The spec's `Error` schema says any field besides `detail` and `code` is a list of
/// messages, so a new string field in an error body breaks it (the generated client then
/// cannot decode the body).
#[tokio::test]
async fn an_extra_field_in_an_error_body_breaks_the_error_schema() {
    // The fifth list is page-size-0, a 400.
    let server = server([Fault::extra_fields().on(Operation::ListBackups).nth(5)]).await;
    let report = run(&server).await;
    assert_eq!(report.exit_code, EXIT_CONTRADICTED, "{report}");
    let broken = &report.deviations[0];
    assert_eq!(
        (broken.kind, broken.status, broken.location.as_str()),
        (FindingKind::TypeMismatch, Some(400), "/x_mock_extra")
    );
    assert_eq!(broken.choices, [ChoiceId::ErrorBodies]);
}

#[tokio::test]
async fn a_missing_required_field_contradicts_the_contract() {
    let server =
        server([Fault::missing_field("description").on(Operation::ListBackups).always()]).await;
    let report = run(&server).await;
    assert_eq!(report.outcome, Outcome::Contradicted);
    assert_eq!(report.exit_code, EXIT_CONTRADICTED);
    let fields = report.choice(ChoiceId::BackupFields).unwrap();
    assert_eq!(fields.verdict, Verdict::Contradicted);
    assert_eq!(fields.severity, Some(Severity::Violation));
    let missing = &report.deviations[0];
    assert_eq!(missing.kind, FindingKind::MissingRequiredField);
    assert_eq!(missing.location, "/results/*/description");
    assert_eq!(missing.request_id.as_deref(), Some("mock-00000001"));
    insta::assert_snapshot!("missing_description", table(&report, &server));
    insta::assert_snapshot!("missing_description_json", json_of(&report, &server));
}

#[tokio::test]
async fn a_wrong_content_type_contradicts_the_contract() {
    let server = server([Fault::wrong_content_type().on(Operation::ListBackups).always()]).await;
    let report = run(&server).await;
    assert_eq!(report.exit_code, EXIT_CONTRADICTED, "{report}");
    assert!(
        report
            .deviations
            .iter()
            .all(|d| d.kind == FindingKind::WrongContentType && d.severity == Severity::Violation)
    );
    let statuses: Vec<Option<u16>> = report.deviations.iter().map(|d| d.status).collect();
    assert_eq!(statuses, [Some(200), Some(400), Some(404), Some(401)]);
    assert_eq!(verdict(&report, ChoiceId::ErrorBodies), Verdict::Contradicted);
    insta::assert_snapshot!("html", table(&report, &server));
}

#[tokio::test]
async fn an_unknown_enum_value_is_a_warning() {
    let server =
        server([Fault::unknown_enum("status", "archived").on(Operation::ListBackups).always()])
            .await;
    let report = run(&server).await;
    assert_eq!(report.exit_code, EXIT_CONSISTENT, "{report}");
    let enums = report.choice(ChoiceId::Enums).unwrap();
    assert_eq!((enums.verdict, enums.severity), (Verdict::Contradicted, Some(Severity::Warning)));
    assert_eq!(enums.contradictions[0].got, "\"archived\"");
    assert_eq!(report.deviations.len(), 1);
    insta::assert_snapshot!("unknown_enum", table(&report, &server));
}

#[tokio::test]
async fn pages_without_links_are_a_warning_on_pagination() {
    let server = server([Fault::no_page_links().on(Operation::ListBackups).always()]).await;
    let report = run(&server).await;
    assert_eq!(report.exit_code, EXIT_CONSISTENT, "{report}");
    let pagination = report.choice(ChoiceId::Pagination).unwrap();
    assert_eq!(
        (pagination.verdict, pagination.severity),
        (Verdict::Contradicted, Some(Severity::Warning))
    );
    let locations: Vec<&str> = report.deviations.iter().map(|d| d.location.as_str()).collect();
    assert!(locations.contains(&"/next") && locations.contains(&"/previous"), "{locations:?}");
    assert!(report.deviations.iter().all(|d| d.kind == FindingKind::PageLinks));
    insta::assert_snapshot!("no_links", table(&report, &server));

    let server = self::server([Fault::no_page_links().on(Operation::ListBackups).always()]).await;
    let strict = Doctor { strict: true, ..doctor(&server) }.run().await.unwrap();
    assert_eq!(strict.exit_code, EXIT_CONTRADICTED);
}

#[tokio::test]
async fn a_500_on_every_list_leaves_the_run_incomplete() {
    let server = server([Fault::status(500).on(Operation::ListBackups).always()]).await;
    let report = run(&server).await;
    assert_eq!(report.outcome, Outcome::Incomplete);
    assert_eq!(report.exit_code, EXIT_INCOMPLETE);
    assert!(report.deviations.is_empty(), "a 5XX is documented: {report}");
    assert_eq!(verdict(&report, ChoiceId::ServerErrors), Verdict::Confirmed);
    assert_eq!(verdict(&report, ChoiceId::Pagination), Verdict::NotObserved);
    // 13 answered 500; page-2, page-past-last and filter-server needed the first list.
    assert_eq!(report.incomplete.len(), 16, "{:#?}", report.incomplete);
    assert_every_probe_accounted_for(&report);
    insta::assert_snapshot!("server_error", table(&report, &server));
}

#[tokio::test]
async fn a_throttled_probe_waits_for_retry_after_and_confirms_throttling() {
    // `Retry-After: 0`: honoured without making the test wait.
    let server = server([Fault::throttled(0).on(Operation::ListBackups)]).await;
    let report = run(&server).await;
    assert_eq!(report.exit_code, EXIT_CONSISTENT, "{report}");
    assert_eq!(report.probes[0].attempts, 2);
    assert_eq!(report.probes[0].status, Some(200));
    assert_eq!(server.requests().len(), report.probes.len() + 1);
    let throttling = report.choice(ChoiceId::Throttling).unwrap();
    assert_eq!(throttling.verdict, Verdict::Confirmed);
    assert_eq!(throttling.detail, "429 on list with Retry-After in seconds");
}

#[tokio::test]
async fn a_retry_after_past_the_limit_is_not_waited_for() {
    let server = server([Fault::throttled(3600).on(Operation::ListBackups).always()]).await;
    let report =
        Doctor { max_retry_wait: Duration::from_secs(1), ..doctor(&server) }.run().await.unwrap();
    assert_eq!(report.exit_code, EXIT_INCOMPLETE, "{report}");
    assert!(report.probes.iter().all(|p| p.attempts == 1 && p.status == Some(429)));
    assert_eq!(verdict(&report, ChoiceId::Throttling), Verdict::Confirmed);
}

#[tokio::test]
async fn a_429_without_retry_after_contradicts_throttling() {
    let server = server([Fault::status(429).on(Operation::ListBackups)]).await;
    let report = Doctor { max_retry_wait: Duration::ZERO, ..doctor(&server) }.run().await.unwrap();
    assert_eq!(report.exit_code, EXIT_CONTRADICTED, "{report}");
    let throttling = report.choice(ChoiceId::Throttling).unwrap();
    assert_eq!(throttling.verdict, Verdict::Contradicted);
    assert_eq!(throttling.contradictions[0].got, "none");
}

#[tokio::test]
async fn the_token_appears_nowhere_even_when_the_server_echoes_it() {
    // page-size-0 (the fifth list) answers with the token in its body.
    // Without a code, the report quotes the detail.
    let echo = format!(r#"{{"detail": "Token {TOKEN} lacks scope"}}"#);
    let server = server([Fault::status(403).body(echo).on(Operation::ListBackups).nth(5)]).await;
    let doctor = Doctor { probe_errors: true, ..doctor(&server) };
    let report = doctor.run().await.unwrap();
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("[redacted]"), "the echo is in the report, scrubbed");
    for text in [
        json,
        report.render_table(200),
        report.to_string(),
        format!("{report:?}"),
        format!("{doctor:?}"),
    ] {
        assert!(!text.contains(TOKEN), "{text}");
    }
    let error = Doctor::new("ftp://127.0.0.1", TOKEN).run().await.unwrap_err();
    assert!(!format!("{error} {error:?}").contains(TOKEN));
}

#[tokio::test]
async fn a_link_to_another_origin_is_a_violation_and_is_not_followed() {
    let elsewhere = server([]).await;
    let page = json!({
        "count": 5,
        "next": elsewhere.url("/api/v1/backups/?page=2&page_size=1"),
        "previous": null,
        "results": [{
            "id": 501, "server": {"id": 12345, "name": "web-server-01"},
            "backup_type": "automatic", "status": "completed", "size_mb": 4523,
            "created_at": "2025-01-16T03:00:00Z", "expires_at": "2025-02-16T03:00:00Z",
            "description": "Automatic daily backup"
        }]
    });
    // The second list is page-size-1.
    let server =
        server([Fault::status(200).body(page.to_string()).on(Operation::ListBackups).nth(2)]).await;
    let report = run(&server).await;
    assert_eq!(report.exit_code, EXIT_CONTRADICTED, "{report}");
    let link = report.deviations.iter().find(|d| d.kind == FindingKind::PageLinks).unwrap();
    assert_eq!(link.probes, ["page-size-1"]);
    assert!(link.got.contains("another origin"), "{}", link.got);
    assert!(elsewhere.requests().is_empty(), "nothing went to the other origin");
}

#[tokio::test]
async fn a_redirect_is_reported_and_not_followed() {
    let elsewhere = server([]).await;
    let server = server([Fault::status(302)
        .header("Location", elsewhere.url("/api/v1/backups/"))
        .on(Operation::ListBackups)])
    .await;
    let report = run(&server).await;
    assert_eq!(report.exit_code, EXIT_CONTRADICTED, "{report}");
    let redirect = &report.deviations[0];
    assert_eq!((redirect.kind, redirect.status), (FindingKind::UndocumentedStatus, Some(302)));
    assert!(elsewhere.requests().is_empty(), "the redirect was not followed");
}

/// A revoked or mistyped token must fail a nightly job: it is not "incomplete" (which the
/// nightly example lets pass with a warning), but exit 7, as any vpsorg command whose token
/// the API refuses.
#[tokio::test]
async fn a_refused_token_is_its_own_outcome_and_checks_only_what_needs_none() {
    let server = server([]).await;
    let report = Doctor::new(server.base_url(), "not-the-servers-token").run().await.unwrap();
    assert_eq!(report.outcome, Outcome::TokenRefused, "{report}");
    assert_eq!(report.exit_code, EXIT_TOKEN_REFUSED);
    assert_eq!(EXIT_TOKEN_REFUSED, 7);
    let probes: Vec<&str> = report.probes.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(probes, ["list", "auth-none", "auth-wrong"]);
    assert_eq!(
        report.incomplete[0],
        "list: the token was refused (401 with code authentication_failed)"
    );
    assert_every_probe_accounted_for(&report);
    assert_eq!(verdict(&report, ChoiceId::ErrorBodies), Verdict::Confirmed);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!((&json["outcome"], &json["exit_code"]), (&json!("token_refused"), &json!(7)));
    insta::assert_snapshot!("token_refused", table(&report, &server));
}

/// DRF answers 403 instead of 401 when its first authentication class sends no challenge;
/// a token without the permission is refused with 403 too. Either is the token, not the
/// contract, even though the spec documents no 403 (that deviation is reported as well).
#[tokio::test]
async fn a_403_on_the_first_list_is_a_refused_token() {
    let forbidden = json!({"detail": "You do not have permission to perform this action.", "code": "permission_denied"});
    let server =
        server([Fault::status(403).body(forbidden.to_string()).on(Operation::ListBackups)]).await;
    let report = run(&server).await;
    assert_eq!(report.exit_code, EXIT_TOKEN_REFUSED, "{report}");
    assert_eq!(
        report.incomplete[0],
        "list: the token was refused (403 with code permission_denied)"
    );
    assert!(
        report
            .deviations
            .iter()
            .any(|d| d.kind == FindingKind::UndocumentedStatus && d.status == Some(403)),
        "{report}"
    );
}

/// A token refused part-way (revoked during the run, say) wins over what the rest found.
#[tokio::test]
async fn a_token_refused_mid_run_is_still_a_refused_token() {
    let refused = json!({"detail": "Invalid token.", "code": "authentication_failed"});
    // The fifth list is page-size-0.
    let server =
        server([Fault::status(401).body(refused.to_string()).on(Operation::ListBackups).nth(5)])
            .await;
    let report = run(&server).await;
    assert_eq!(report.exit_code, EXIT_TOKEN_REFUSED, "{report}");
    assert_eq!(
        report.incomplete,
        ["page-size-0: the token was refused (401 with code authentication_failed)"]
    );
    assert_eq!(report.probes.len(), 16, "the rest of the plan still ran");
}

/// A token that read the first list is not "refused" by a later 403: that is the API
/// refusing one request with a status the contract does not document (a permission), the
/// drift the doctor exists to find.
#[tokio::test]
async fn a_403_after_the_token_worked_contradicts_the_contract() {
    let denied = json!({"detail": "You do not have permission.", "code": "permission_denied"});
    let server =
        server([Fault::status(403).body(denied.to_string()).on(Operation::ListBackups).nth(5)])
            .await;
    let report = run(&server).await;
    assert_eq!(report.exit_code, EXIT_CONTRADICTED, "{report}");
    assert!(report.deviations.iter().any(|d| d.status == Some(403)), "{report}");
    assert!(!report.incomplete.iter().any(|r| r.contains("refused")), "{:?}", report.incomplete);
}

#[tokio::test]
async fn an_unreachable_api_is_incomplete_after_one_request() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let report = Doctor::new(format!("http://127.0.0.1:{port}"), TOKEN).run().await.unwrap();
    assert_eq!(report.exit_code, EXIT_INCOMPLETE);
    assert_eq!(report.probes.len(), 1);
    // The network's words, as the CLI's errors give them, not reqwest's outer layers.
    let error = report.probes[0].error.as_deref().unwrap();
    assert!(
        error.contains("Connection refused") && !error.contains("error sending request"),
        "{error}"
    );
    assert_every_probe_accounted_for(&report);
    assert!(
        report.incomplete.iter().any(|r| r.contains("could not be reached")),
        "{:?}",
        report.incomplete
    );
}

#[tokio::test]
async fn a_run_that_cannot_start_is_a_clear_error() {
    for (url, token, expected) in [
        ("ftp://127.0.0.1", TOKEN, "not http"),
        ("http://admin.vps.org", TOKEN, "not loopback"),
        ("127.0.0.1:8080", TOKEN, "invalid API URL"),
        ("http://127.0.0.1", " ", "the token is empty"),
        ("http://127.0.0.1", "two\nlines", "cannot carry"),
    ] {
        let error = Doctor::new(url, token).run().await.unwrap_err();
        assert!(error.to_string().contains(expected), "{url}: {error}");
        assert!(matches!(error, Error::BaseUrl(_) | Error::Token(_)));
    }
}

/// The CLI may spawn a run on a multi-threaded runtime and hand the report to another task.
#[test]
fn runs_reports_and_errors_can_cross_threads() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<Doctor>();
    shared::<Report>();
    shared::<Error>();
    fn sendable<F: std::future::Future + Send>(future: F) -> F {
        future
    }
    let doctor = Doctor::new("http://127.0.0.1:9", TOKEN);
    drop(sendable(doctor.run()));
}

#[test]
fn server_text_is_cleaned_and_bounded() {
    assert_eq!(excerpt("a\u{1b}[31m\r\n  b"), "a [31m b");
    // The CLI's terminal-safe text: no override can reorder what a report line seems to say.
    assert_eq!(excerpt("invoice\u{202E}fdp.exe"), "invoice fdp.exe");
    // Trimmed, as every server text in the workspace.
    assert_eq!(excerpt("\n  padded body\r\n"), "padded body");
    let long = "x".repeat(1000);
    let cleaned = excerpt(&long);
    assert_eq!(cleaned.chars().count(), MAX_SERVER_TEXT + 1);
    assert!(cleaned.ends_with('…'));
}
