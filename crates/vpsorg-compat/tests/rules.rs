//! The rules, one family at a time, on a copy of the VPS.org Backups spec.

use serde_json::json;

use serde_json::Value;
use vpsorg_compat::{Class, diff};

/// The VPS.org Backups contract as it was when these tests were written.
const SPEC: &str = include_str!("fixtures/backups.yaml");

fn spec() -> Value {
    serde_yaml_ng::from_str(SPEC).unwrap()
}

/// The changes after `edit` makes one change to the real spec.
fn changes_after(edit: impl FnOnce(&mut Value)) -> Vec<(Class, String)> {
    let old = spec();
    let mut new = old.clone();
    edit(&mut new);
    diff(&old, &new)
        .into_iter()
        .map(|c| (c.class, format!("{}: {}", c.location, c.reason)))
        .collect()
}

fn at<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Value {
    doc.pointer_mut(pointer).unwrap_or_else(|| panic!("no {pointer} in the spec"))
}

const LIST: &str = "/paths/~1api~1v1~1backups~1/get";
const CREATE: &str = "/paths/~1api~1v1~1backups~1/post";
const BACKUP: &str = "/components/schemas/Backup";

fn only(changes: &[(Class, String)], class: Class, needle: &str) {
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].0, class, "{changes:#?}");
    assert!(changes[0].1.contains(needle), "{changes:#?}");
}

#[test]
fn the_same_spec_has_no_changes() {
    assert_eq!(diff(&spec(), &spec()), Vec::new());
}

#[test]
fn operations_removed_added_and_renamed() {
    let removed = changes_after(|s| {
        at(s, "/paths/~1api~1v1~1backups~1{backup_id}~1").as_object_mut().unwrap().remove("delete");
    });
    only(&removed, Class::Breaking, "(deleteBackup): operation removed");

    let added = changes_after(|s| {
        let get = json!({"operationId": "getBackup", "responses": {"200": {"description": "ok"}}});
        at(s, "/paths/~1api~1v1~1backups~1{backup_id}~1")["get"] = get;
    });
    only(&added, Class::Additive, "GET /api/v1/backups/{backup_id}/ (getBackup): operation added");

    let renamed = changes_after(|s| at(s, LIST)["operationId"] = json!("listAllBackups"));
    only(&renamed, Class::Breaking, "the generated method is renamed");
}

#[test]
fn parameters() {
    let required =
        changes_after(|s| at(s, &format!("{LIST}/parameters/0"))["required"] = json!(true));
    only(&required, Class::Breaking, "query parameter `server_id`: became required");

    let removed = changes_after(|s| {
        at(s, &format!("{LIST}/parameters")).as_array_mut().unwrap().remove(0);
    });
    only(&removed, Class::Breaking, "query parameter `server_id`: removed");

    let optional = changes_after(|s| {
        let sort = json!({"name": "ordering", "in": "query", "schema": {"type": "string"}});
        at(s, &format!("{LIST}/parameters")).as_array_mut().unwrap().push(sort);
    });
    only(&optional, Class::Additive, "query parameter `ordering`: added, optional");

    let mandatory = changes_after(|s| {
        let sort = json!({"name": "ordering", "in": "query", "required": true, "schema": {"type": "string"}});
        at(s, &format!("{LIST}/parameters")).as_array_mut().unwrap().push(sort);
    });
    only(&mandatory, Class::Breaking, "added as required");

    let retyped = changes_after(|s| {
        at(s, &format!("{LIST}/parameters/0/schema"))["type"] = json!("string");
    });
    only(&retyped, Class::Breaking, "type changed from integer to string");

    let narrowed = changes_after(|s| {
        at(s, &format!("{LIST}/parameters/3/schema"))["maximum"] = json!(50);
    });
    only(
        &narrowed,
        Class::Breaking,
        "`maximum` narrowed: requests that were valid may be refused (100 -> 50)",
    );

    let widened = changes_after(|s| {
        at(s, &format!("{LIST}/parameters/3/schema"))["maximum"] = json!(500);
    });
    only(&widened, Class::Additive, "`maximum` widened: every request that was valid still is");

    let default = changes_after(|s| {
        at(s, &format!("{LIST}/parameters/3/schema"))["default"] = json!(50);
    });
    only(&default, Class::Breaking, "default changed from 20 to 50");

    let described = changes_after(|s| {
        at(s, &format!("{LIST}/parameters/0"))["description"] = json!("Only this server");
    });
    only(&described, Class::DocsOnly, "`description` changed");
}

#[test]
fn properties_by_direction() {
    // Backup is only ever received.
    let optional = changes_after(|s| {
        at(s, &format!("{BACKUP}/properties"))["region"] =
            json!({"type": "string", "nullable": true});
    });
    only(&optional, Class::Additive, "schema Backup.region: property added, optional");

    let required = changes_after(|s| {
        at(s, &format!("{BACKUP}/properties"))["region"] = json!({"type": "string"});
        at(s, &format!("{BACKUP}/required")).as_array_mut().unwrap().push(json!("region"));
    });
    only(&required, Class::Additive, "property added, required");

    let removed = changes_after(|s| {
        at(s, &format!("{BACKUP}/properties")).as_object_mut().unwrap().remove("size_mb");
    });
    only(&removed, Class::Breaking, "schema Backup.size_mb: property removed");

    let made_optional = changes_after(|s| {
        at(s, &format!("{BACKUP}/required")).as_array_mut().unwrap().retain(|v| v != "description");
    });
    only(&made_optional, Class::Breaking, "schema Backup.description: became optional");

    // CreateBackupRequest is only ever sent.
    let request = "/components/schemas/CreateBackupRequest";
    let required_in_request = changes_after(|s| {
        at(s, &format!("{request}/required")).as_array_mut().unwrap().push(json!("description"));
    });
    only(&required_in_request, Class::Breaking, "CreateBackupRequest.description: became required");

    let added_optional = changes_after(|s| {
        at(s, &format!("{request}/properties"))["label"] = json!({"type": "integer"});
    });
    only(&added_optional, Class::Additive, "property added, optional");

    let added_required = changes_after(|s| {
        at(s, &format!("{request}/properties"))["label"] = json!({"type": "integer"});
        at(s, &format!("{request}/required")).as_array_mut().unwrap().push(json!("label"));
    });
    only(&added_required, Class::Breaking, "property added as required in a request");

    let shorter = changes_after(|s| {
        at(s, &format!("{request}/properties/description"))["maxLength"] = json!(100);
    });
    only(&shorter, Class::Breaking, "`maxLength` narrowed");

    let nullable = changes_after(|s| {
        at(s, &format!("{BACKUP}/properties/description"))["nullable"] = json!(true);
    });
    only(&nullable, Class::Breaking, "became nullable");

    // The API accepts more, but the generated field becomes an Option.
    let optional_in_request = changes_after(|s| {
        at(s, &format!("{request}/required")).as_array_mut().unwrap().retain(|v| v != "server_id");
    });
    only(
        &optional_in_request,
        Class::Breaking,
        "CreateBackupRequest.server_id: became optional: its Rust field becomes an Option",
    );

    // An optional field is an Option in Rust, nullable or not; a required one ignores a
    // default. Neither is worth a major release.
    let nullable_optional = changes_after(|s| {
        at(s, "/components/schemas/Restore/properties/message")["nullable"] = json!(true);
    });
    only(
        &nullable_optional,
        Class::Additive,
        "Restore.message: became nullable: an optional field",
    );
    let default_on_required = changes_after(|s| {
        at(s, "/components/schemas/Restore/properties/backup_id")["default"] = json!(1);
    });
    only(&default_on_required, Class::DocsOnly, "the field is required, so always there");
    let nullable_request = |s: &mut Value| {
        at(s, "/components/schemas/RestoreRequest/properties/backup_id")["nullable"] = json!(true);
    };
    let old = {
        let mut old = spec();
        nullable_request(&mut old);
        old
    };
    let mut new = old.clone();
    at(&mut new, "/components/schemas/RestoreRequest/required").as_array_mut().unwrap().clear();
    let changes = diff(&old, &new);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].class, Class::Additive, "{changes:#?}");
    assert!(changes[0].reason.contains("is an Option either way"));

    // typify drops the Option of an optional field with a default.
    let defaulted = changes_after(|s| {
        at(s, "/components/schemas/Restore/properties/message")["default"] =
            json!("Restore started");
    });
    only(&defaulted, Class::Breaking, "an optional field with a default is no Option");
}

#[test]
fn enums_by_direction() {
    // BackupType is sent (the list's filter) and received.
    let added = changes_after(|s| {
        at(s, "/components/schemas/BackupStatus/enum")
            .as_array_mut()
            .unwrap()
            .push(json!("archived"));
    });
    only(&added, Class::Additive, "enum value \"archived\" added: the generated enums keep values");

    let removed = changes_after(|s| {
        at(s, "/components/schemas/BackupType/enum").as_array_mut().unwrap().pop();
    });
    only(&removed, Class::Breaking, "enum value \"automatic\" removed");

    let new_enum = changes_after(|s| {
        at(s, &format!("{BACKUP}/properties"))["tier"] =
            json!({"type": "string", "enum": ["hot", "cold"]});
    });
    only(&new_enum, Class::Additive, "schema Backup.tier: property added, optional");

    let string_to_enum = changes_after(|s| {
        at(s, &format!("{BACKUP}/properties/description"))["enum"] = json!(["a"]);
    });
    only(&string_to_enum, Class::Breaking, "became an enum");
}

#[test]
fn responses_and_media_types() {
    let status = changes_after(|s| {
        at(s, &format!("{CREATE}/responses")).as_object_mut().unwrap().remove("404");
    });
    only(&status, Class::Breaking, "response 404: removed");

    let media = changes_after(|s| {
        at(s, "/components/responses/ServerError/content")
            .as_object_mut()
            .unwrap()
            .remove("text/html");
    });
    // Every operation answers with it.
    assert_eq!(media.len(), 4, "{media:#?}");
    assert!(
        media
            .iter()
            .all(|(c, r)| *c == Class::Breaking && r.ends_with("text/html: media type removed"))
    );

    let error_status = changes_after(|s| {
        at(s, &format!("{CREATE}/responses"))["409"] =
            json!({"$ref": "#/components/responses/BadQuery"});
    });
    only(&error_status, Class::Additive, "response 409: added");

    // progenitor gives a method one success type: a second success status with another
    // body cannot be generated, one with the same body is just another status.
    let success = changes_after(|s| {
        at(s, &format!("{CREATE}/responses"))["200"] = json!({"description": "already there"});
    });
    let breaking: Vec<_> = success.iter().filter(|(c, _)| *c == Class::Breaking).collect();
    assert_eq!(breaking.len(), 1, "{success:#?}");
    assert!(
        breaking[0]
            .1
            .contains("success responses now have different bodies (no body, JSON CreatedBackup)")
    );
    let same_body = changes_after(|s| {
        let created = at(s, &format!("{CREATE}/responses/201")).clone();
        at(s, &format!("{CREATE}/responses"))["200"] = created;
    });
    only(&same_body, Class::Additive, "response 200: added");

    // An error status without a body, where the others have DRF's JSON body.
    let bare_error = changes_after(|s| {
        at(s, &format!("{CREATE}/responses"))["409"] = json!({"description": "Conflict"});
    });
    assert!(
        bare_error.iter().any(|(c, r)| *c == Class::Breaking
            && r.contains("error responses now have different bodies (no body, JSON Error)")),
        "{bare_error:#?}"
    );

    // A body where the method returned nothing changes its return type.
    let delete_204 = "/paths/~1api~1v1~1backups~1{backup_id}~1/delete/responses/204";
    let body_added = changes_after(|s| {
        at(s, delete_204)["content"] = json!({"application/json": {"schema":
            {"$ref": "#/components/schemas/Backup"}}});
    });
    assert!(
        body_added.iter().any(|(c, r)| *c == Class::Breaking
            && r.contains("success body changes from no body to JSON Backup")),
        "{body_added:#?}"
    );

    // progenitor generates one request body per operation.
    let second_body = changes_after(|s| {
        at(s, &format!("{CREATE}/requestBody/content"))["application/x-www-form-urlencoded"] =
            json!({"schema": {"$ref": "#/components/schemas/CreateBackupRequest"}});
    });
    only(&second_body, Class::Breaking, "a second media type for the body");

    let reference = changes_after(|s| {
        at(s, &format!("{CREATE}/responses/201/content/application~1json/schema"))["$ref"] =
            json!("#/components/schemas/Backup");
    });
    only(&reference, Class::Breaking, "refers to schema Backup instead of CreatedBackup");
}

#[test]
fn unknown_keys_are_breaking_until_reviewed() {
    let changes = changes_after(|s| at(s, LIST)["x-internal"] = json!(true));
    only(&changes, Class::Breaking, "`x-internal` changed, and no rule classifies it");
    let changes = changes_after(|s| at(s, BACKUP)["discriminator"] = json!({"propertyName": "id"}));
    only(&changes, Class::Breaking, "review it by hand");
}
