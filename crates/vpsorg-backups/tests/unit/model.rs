//! Unit tests of `src/model.rs`, compiled as its child module `tests` (hence `super::*`).

use super::*;

const VENDOR_CREATED: &str = r#"{"id": 502, "server": {"id": 12345, "name": "web-server-01"},
    "backup_type": "manual", "status": "in_progress", "size_mb": null,
    "created_at": "2025-01-16T15:45:00Z", "expires_at": null,
    "description": "Pre-deployment backup",
    "message": "Backup is being created. This may take several minutes depending on server size."}"#;

#[test]
fn the_wire_format_round_trips() {
    let wire: serde_json::Value = serde_json::from_str(VENDOR_CREATED).unwrap();
    let generated: types::CreatedBackup = serde_json::from_value(wire.clone()).unwrap();
    let created = CreatedBackup::from_wire(generated);
    assert_eq!(created.backup.id, 502);
    assert_eq!(created.backup.server.name, "web-server-01");
    assert_eq!(created.backup.status, BackupStatus::InProgress);
    // Serialized like the API: nulls included, same fields.
    assert_eq!(serde_json::to_value(&created).unwrap(), wire);
    let parsed: CreatedBackup = serde_json::from_value(wire).unwrap();
    assert_eq!(parsed, created);
}

#[test]
fn absent_nullable_fields_read_as_none() {
    let backup: Backup = serde_json::from_str(
        r#"{"id": 1, "server": {"id": 2, "name": "s"}, "backup_type": "snapshot",
            "status": "completed", "created_at": "2025-01-16T03:00:00Z", "description": ""}"#,
    )
    .unwrap();
    assert_eq!((backup.size_mb, backup.expires_at), (None, None));
    assert_eq!(backup.backup_type.as_str(), "snapshot");
}

/// With `schemars`, the schema of a created backup has the API's fields (flattened, as it
/// serializes), and not `recovered`, which is never serialized. Run with
/// `cargo test -p vpsorg-backups --lib --features schemars`.
#[cfg(feature = "schemars")]
#[test]
fn schemas_describe_the_wire_format() {
    let schema = serde_json::to_value(schemars::schema_for!(CreatedBackup)).unwrap();
    let properties = schema["properties"].as_object().unwrap();
    let mut names: Vec<&str> = properties.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "backup_type",
            "created_at",
            "description",
            "expires_at",
            "id",
            "message",
            "server",
            "size_mb",
            "status"
        ]
    );
}
