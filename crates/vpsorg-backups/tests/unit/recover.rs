//! Unit tests of `src/recover.rs`, compiled as its child module `tests` (hence `super::*`).

use super::*;

#[test]
fn the_bound_is_the_servers_date_less_the_elapsed_time_and_the_margin() {
    let date = DateTime::parse_from_rfc3339("2025-01-16T15:45:10Z").unwrap().with_timezone(&Utc);
    let since = earliest_creation(date, Duration::from_secs(3)).unwrap();
    assert_eq!(since.to_rfc3339(), "2025-01-16T15:45:05+00:00");
    assert_eq!(earliest_creation(date, Duration::MAX), None);
}

#[test]
fn only_unknown_outcomes_and_unreadable_successes_are_worth_a_listing() {
    use reqwest::StatusCode;
    let unknown = Error::OutcomeUnknown {
        operation: "create backup",
        source: Box::new(Error::Transport {
            may_have_reached_server: true,
            source: "reset".into(),
        }),
    };
    assert!(worth_looking(&unknown));
    let decode = |status| Error::Decode {
        status,
        excerpt: String::new(),
        request_id: None,
        source: serde_json::from_str::<u8>("x").unwrap_err(),
    };
    let unreadable = Error::AnswerUnreadable {
        operation: "create backup",
        status: StatusCode::CREATED,
        request_id: None,
        source: Box::new(decode(StatusCode::CREATED)),
    };
    assert!(worth_looking(&unreadable));
    assert!(!worth_looking(&decode(StatusCode::BAD_GATEWAY)));
    assert!(!worth_looking(&Error::invalid_input("too long")));
}
