//! `Contract`'s checks, on the embedded contract and variations of it.

use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use vpsorg_contract::{Contract, ContractError, Finding, FindingKind, Severity};

/// The contract `Contract::embedded()` parses.
const EMBEDDED_YAML: &str = include_str!("../contract/backups.yaml");

fn json_headers() -> HeaderMap {
    HeaderMap::from_iter([(CONTENT_TYPE, HeaderValue::from_static("application/json"))])
}

fn backup() -> Value {
    json!({
        "id": 501,
        "server": {"id": 12345, "name": "web-server-01"},
        "backup_type": "automatic",
        "status": "completed",
        "size_mb": 4523,
        "created_at": "2025-01-16T03:00:00Z",
        "expires_at": "2025-02-16T03:00:00Z",
        "description": "Automatic daily backup"
    })
}

fn list(results: Vec<Value>) -> Value {
    json!({"count": results.len(), "next": null, "previous": null, "results": results})
}

fn check_list(body: &Value) -> Vec<Finding> {
    Contract::embedded().check_json("listBackups", 200, body).unwrap()
}

/// The order the docs promise: paths sorted, then methods; response keys sorted; whatever
/// order the document wrote them in (its docs said "the document's order", which they were
/// not).
#[test]
fn operations_and_responses_come_sorted_not_as_written() {
    let contract = Contract::from_yaml(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  \
         /z: {post: {operationId: zPost, responses: {'500': {description: e}, '200': {description: ok}}}, \
         get: {operationId: zGet, responses: {'200': {description: ok}}}}\n  \
         /a: {get: {operationId: aGet, responses: {'200': {description: ok}}}}\n",
    )
    .unwrap();
    let ops: Vec<_> = contract.operations().iter().map(|op| op.id).collect();
    assert_eq!(ops, ["aGet", "zGet", "zPost"]);
    assert_eq!(contract.documented_responses("zPost").unwrap(), ["200", "500"]);
}

#[test]
fn the_embedded_contract_parses_and_names_its_operations() {
    let contract = Contract::embedded();
    assert_eq!(contract.title(), "VPS.org Backups API");
    assert_eq!(contract.version(), "1.0.0");
    assert_eq!(contract.sha256().len(), 64);
    let ops: Vec<_> = contract
        .operations()
        .iter()
        .map(|op| format!("{} {} {}", op.id, op.method, op.path))
        .collect();
    assert_eq!(
        ops,
        [
            "listBackups GET /api/v1/backups/",
            "createBackup POST /api/v1/backups/",
            "deleteBackup DELETE /api/v1/backups/{backup_id}/",
            "restoreServer POST /api/v1/servers/{server_id}/restore/",
        ]
    );
    assert_eq!(
        contract.documented_responses("deleteBackup").unwrap(),
        ["204", "401", "404", "429", "5XX"]
    );
    assert_eq!(contract.response_key("listBackups", 503).unwrap().as_deref(), Some("5XX"));
    assert_eq!(contract.response_key("listBackups", 302).unwrap(), None);
    assert_eq!(contract.document()["openapi"], "3.0.3");
}

#[test]
fn a_valid_page_has_no_findings() {
    assert_eq!(check_list(&list(vec![backup()])), []);
    let mut nullable = backup();
    nullable["size_mb"] = Value::Null;
    nullable["expires_at"] = Value::Null;
    let mut absent = backup();
    absent.as_object_mut().unwrap().remove("size_mb");
    assert_eq!(check_list(&list(vec![nullable, absent])), []);
}

#[test]
fn a_missing_required_field_is_a_violation_at_its_place() {
    let mut broken = backup();
    broken.as_object_mut().unwrap().remove("description");
    let findings = check_list(&list(vec![backup(), broken]));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].kind, FindingKind::MissingRequiredField);
    assert_eq!(findings[0].severity, Severity::Violation);
    assert_eq!(findings[0].location, "/results/1/description");
}

#[test]
fn wrong_types_nulls_and_formats_are_violations() {
    let mut broken = backup();
    broken["id"] = json!("501");
    broken["description"] = Value::Null;
    broken["created_at"] = json!("yesterday");
    broken["status"] = json!(5);
    let findings = check_list(&list(vec![broken]));
    let mut seen: Vec<_> =
        findings.iter().map(|f| (f.kind, f.location.as_str(), f.severity)).collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            (FindingKind::TypeMismatch, "/results/0/description", Severity::Violation),
            (FindingKind::TypeMismatch, "/results/0/id", Severity::Violation),
            (FindingKind::TypeMismatch, "/results/0/status", Severity::Violation),
            (FindingKind::FormatMismatch, "/results/0/created_at", Severity::Violation),
        ]
    );
}

#[test]
fn new_fields_and_enum_values_are_warnings() {
    let mut grown = backup();
    grown["status"] = json!("archived");
    grown["region"] = json!("eu-1");
    grown["server"]["zone"] = json!({"id": 1});
    let mut page = list(vec![grown]);
    page["total_pages"] = json!(1);
    let findings = check_list(&page);
    let mut seen: Vec<_> =
        findings.iter().map(|f| (f.kind, f.location.as_str(), f.severity)).collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            (FindingKind::UnknownEnumValue, "/results/0/status", Severity::Warning),
            (FindingKind::UndocumentedField, "/results/0/region", Severity::Warning),
            (FindingKind::UndocumentedField, "/results/0/server/zone", Severity::Warning),
            (FindingKind::UndocumentedField, "/total_pages", Severity::Warning),
        ]
    );
    let status = findings.iter().find(|f| f.kind == FindingKind::UnknownEnumValue).unwrap();
    assert_eq!(status.got, "\"archived\"");
    assert!(status.expected.contains("\"completed\""), "{}", status.expected);
}

#[test]
fn all_of_declares_the_fields_of_every_part() {
    let contract = Contract::embedded();
    let mut created = backup();
    created["message"] = json!("Backup is being created.");
    assert_eq!(contract.check_json("createBackup", 201, &created).unwrap(), []);
    created["eta_seconds"] = json!(60);
    let findings = contract.check_json("createBackup", 201, &created).unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].location, "/eta_seconds");
    created.as_object_mut().unwrap().remove("message");
    let findings = contract.check_json("createBackup", 201, &created).unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f.kind == FindingKind::MissingRequiredField && f.location == "/message"),
        "{findings:#?}"
    );
}

#[test]
fn error_bodies_may_carry_field_errors_but_not_other_shapes() {
    let contract = Contract::embedded();
    let fields = json!({"server_id": ["This field is required."]});
    assert_eq!(contract.check_json("createBackup", 400, &fields).unwrap(), []);
    let detail = json!({"detail": "Invalid page.", "code": "not_found"});
    assert_eq!(contract.check_json("listBackups", 404, &detail).unwrap(), []);
    let bad = json!({"server_id": "This field is required."});
    let findings = contract.check_json("createBackup", 400, &bad).unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].kind, FindingKind::TypeMismatch);
}

#[test]
fn ids_beyond_int64_are_type_mismatches() {
    let mut huge = backup();
    huge["id"] = json!(u64::MAX);
    let findings = check_list(&list(vec![huge]));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].kind, FindingKind::TypeMismatch);
    assert_eq!(findings[0].location, "/results/0/id");
}

#[test]
fn status_content_type_and_body_presence_are_checked() {
    let contract = Contract::embedded();
    let check = |op, status, headers: &HeaderMap, body: &[u8]| {
        contract
            .check_response(op, status, headers, body)
            .unwrap()
            .into_iter()
            .map(|f| f.kind)
            .collect::<Vec<_>>()
    };
    let html = HeaderMap::from_iter([(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    )]);
    let page = serde_json::to_vec(&list(vec![backup()])).unwrap();
    assert_eq!(check("listBackups", 200, &json_headers(), &page), []);
    assert_eq!(check("listBackups", 200, &html, b"<html></html>"), [FindingKind::WrongContentType]);
    assert_eq!(
        check("listBackups", 200, &HeaderMap::new(), &page),
        [FindingKind::WrongContentType]
    );
    assert_eq!(check("listBackups", 502, &html, b"<html></html>"), [], "5XX may be HTML");
    assert_eq!(check("listBackups", 200, &json_headers(), b"{\"count\": "), [FindingKind::NotJson]);
    assert_eq!(check("listBackups", 200, &json_headers(), b""), [FindingKind::NotJson]);
    assert_eq!(check("listBackups", 302, &json_headers(), b""), [FindingKind::UndocumentedStatus]);
    assert_eq!(check("deleteBackup", 204, &HeaderMap::new(), b""), []);
    assert_eq!(check("deleteBackup", 204, &json_headers(), b"{}"), [FindingKind::UnexpectedBody]);
}

#[test]
fn declared_headers_are_checked_when_present() {
    let contract = Contract::embedded();
    let mut headers = json_headers();
    headers.insert("retry-after", HeaderValue::from_static("30"));
    let body = br#"{"detail": "Request was throttled.", "code": "throttled"}"#;
    assert_eq!(contract.check_response("listBackups", 429, &headers, body).unwrap(), []);
}

#[test]
fn unknown_operations_and_bad_documents_are_errors() {
    let contract = Contract::embedded();
    assert_eq!(
        contract.check_json("getBackup", 200, &Value::Null),
        Err(ContractError::UnknownOperation("getBackup".into()))
    );
    assert!(matches!(Contract::from_yaml("not: [yaml"), Err(ContractError::Parse(_))));
    let v31 = EMBEDDED_YAML.replacen("openapi: 3.0.3", "openapi: 3.1.0", 1);
    let error = Contract::from_yaml(&v31).unwrap_err();
    assert!(error.to_string().contains("3.0.x"), "{error}");
}

#[test]
fn a_changed_contract_changes_the_checks() {
    let stricter = EMBEDDED_YAML.replacen(
        "        - created_at\n        - description\n",
        "        - created_at\n        - description\n        - size_mb\n",
        1,
    );
    assert_ne!(stricter, EMBEDDED_YAML);
    let contract = Contract::from_yaml(&stricter).unwrap();
    assert_ne!(contract.sha256(), Contract::embedded().sha256());
    let mut absent = backup();
    absent.as_object_mut().unwrap().remove("size_mb");
    let findings = contract.check_json("listBackups", 200, &list(vec![absent])).unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].location, "/results/0/size_mb");
}

#[test]
fn inline_schemas_in_the_contracts_dialect_are_checked() {
    let contract = Contract::embedded();
    let schema = json!({"type": "string", "nullable": true, "maxLength": 3});
    assert_eq!(contract.check_value(&schema, &Value::Null).unwrap(), []);
    let findings = contract.check_value(&schema, &json!("long")).unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].kind, FindingKind::ConstraintViolated);
    let by_ref = json!({"$ref": "#/components/schemas/ServerRef"});
    assert_eq!(contract.check_value(&by_ref, &json!({"id": 1, "name": "a"})).unwrap(), []);
    let error = contract.check_value(&json!({"type": 5}), &Value::Null).unwrap_err();
    assert!(matches!(error, ContractError::InvalidSchema { .. }), "{error}");
}

#[test]
fn additive_kinds_are_warnings() {
    assert_eq!(FindingKind::UndocumentedField.default_severity(), Severity::Warning);
    assert_eq!(FindingKind::UnknownEnumValue.default_severity(), Severity::Warning);
    assert_eq!(FindingKind::MissingRequiredField.default_severity(), Severity::Violation);
    let finding = Finding::new(FindingKind::TypeMismatch, "/id", "integer", "string");
    assert_eq!(finding.to_string(), "violation type_mismatch at /id: expected integer, got string");
}
