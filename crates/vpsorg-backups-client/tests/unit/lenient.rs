//! Unit tests of `src/lenient.rs`, compiled as its child module `tests` (hence `super::*`).

use crate::types::{BackupStatus, BackupType};

#[test]
fn known_and_unknown_values_round_trip() {
    for wire in ["manual", "automatic", "snapshot", ""] {
        let parsed: BackupType = serde_json::from_value(wire.into()).unwrap();
        assert_eq!(parsed.is_unknown(), !["manual", "automatic"].contains(&wire));
        assert_eq!(serde_json::to_value(&parsed).unwrap(), wire);
        assert_eq!(parsed.to_string(), wire);
    }
    assert_eq!(BackupStatus::from("in_progress"), BackupStatus::InProgress);
    let restoring = BackupStatus::from("restoring".to_string());
    assert!(restoring.is_unknown());
    assert_eq!(restoring.as_str(), "restoring");
    assert_eq!(BackupStatus::from("restoring"), restoring);
}

#[test]
fn display_honours_width_and_alignment() {
    assert_eq!(format!("[{:<12}]", BackupType::Manual), "[manual      ]");
    assert_eq!(format!("[{:>12}]", BackupStatus::Completed), "[   completed]");
    assert_eq!(format!("[{:^9}]", BackupStatus::from("new")), "[   new   ]");
    assert_eq!(format!("[{:.3}]", BackupType::Automatic), "[aut]");
    assert_eq!(format!("{}", BackupStatus::InProgress), "in_progress");
}

#[test]
fn non_strings_are_rejected() {
    assert!(serde_json::from_str::<BackupStatus>("42").is_err());
    assert!(serde_json::from_str::<BackupStatus>("null").is_err());
}

#[test]
fn escaped_strings_decode_as_owned() {
    let parsed: BackupStatus = serde_json::from_str(r#""compl\u0065ted""#).unwrap();
    assert_eq!(parsed, BackupStatus::Completed);
}
