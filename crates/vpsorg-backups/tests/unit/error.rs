//! Unit tests of `src/error.rs`, compiled as its child module `tests` (hence `super::*`).

use super::*;

#[test]
fn display_shows_a_few_field_errors_and_counts_the_rest() {
    let field_errors = (1..=5)
        .map(|i| {
            let messages = (1..=i).map(|m| format!("m{m}")).collect();
            (format!("f{i}"), messages)
        })
        .collect();
    let error = Error::InvalidRequest {
        status: StatusCode::BAD_REQUEST,
        code: None,
        detail: None,
        field_errors,
        request_id: None,
    };
    assert_eq!(
        error.to_string(),
        "invalid request (HTTP 400): f1: m1; f2: m1 m2; f3: m1 m2 (+1 more); and 2 more fields"
    );
}

#[test]
fn decode_errors_show_a_bounded_line_of_the_json_error() {
    let body = format!("{{\"count\": \"{}\"}}", "x".repeat(100_000));
    let source =
        serde_json::from_str::<vpsorg_backups_client::types::BackupList>(&body).unwrap_err();
    let error =
        Error::Decode { status: StatusCode::OK, excerpt: clean(&body), request_id: None, source };
    let shown = error.to_string();
    assert!(shown.starts_with("could not decode the API's response (HTTP 200): "));
    assert!(shown.chars().count() < 300, "{shown}");
    assert!(!shown.contains('\n'));
}
