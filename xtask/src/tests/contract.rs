#[test]
fn names_come_from_parameters_properties_schemas_and_operations() {
    let q = "GET /b/ (listBackups) query parameter `status`";
    assert_eq!(super::names_in(q), ["status"]);
    assert_eq!(super::names_in("schema Backup.size_mb"), ["size_mb"]);
    assert_eq!(super::names_in("schema BackupStatus"), ["BackupStatus"]);
    assert_eq!(super::names_in("DELETE /b/{id}/ (deleteBackup)"), ["deleteBackup"]);
}
