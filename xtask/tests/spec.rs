//! The spec lint and validator on a small spec of their own (`fixtures/spec.yaml`); then, in
//! [`live`], what `openapi/backups.yaml` itself must hold.

use xtask::spec::Spec;

const FIXTURE: &str = include_str!("fixtures/spec.yaml");

/// The fixture with `from` replaced by `to` once; fails naming `from` when it is not there.
fn fixture_with(from: &str, to: &str) -> String {
    assert!(FIXTURE.contains(from), "{from:?} is not in fixtures/spec.yaml");
    FIXTURE.replacen(from, to, 1)
}

fn lint(text: &str) -> Vec<String> {
    Spec::parse(text).unwrap().lint()
}

#[test]
fn the_fixture_is_clean() {
    assert_eq!(lint(FIXTURE), Vec::<String>::new());
}

#[test]
fn a_property_without_a_description_is_reported() {
    let bare = fixture_with("          description: Who owns the thing.\n", "");
    assert_eq!(
        lint(&bare),
        ["schema ThingRequest property `owner_id`: no description (the generated field needs \
             docs)"]
    );
}

#[test]
fn an_example_that_contradicts_its_schema_is_reported() {
    let problems = lint(&fixture_with("size_mb: 4523", "size_mb: big"));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].contains("/things//get/responses/200"), "{}", problems[0]);
    assert!(problems[0].contains("size_mb"), "{}", problems[0]);
}

/// The schema renames a property and the examples still carry the old name.
#[test]
fn an_example_with_a_property_its_schema_does_not_declare_is_reported() {
    let renamed = fixture_with(
        "        size_mb:\n          type: integer\n",
        "        size_bytes:\n          type: integer\n",
    )
    .replacen("required: [id, size_mb, note]", "required: [id, note]", 1);
    let problems = lint(&renamed);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].starts_with(
            "example at #/paths//things//get/responses/200/content/application/json/examples/\
             sample does not match its schema: undocumented_field"
        ),
        "{}",
        problems[0]
    );
    assert!(problems[0].contains("size_mb"), "{}", problems[0]);
    // A request body's example is checked the same way.
    let extra = fixture_with(
        "example:\n              owner_id: 12",
        "example:\n              owner_id: 12\n              colour: red",
    );
    let problems = lint(&extra);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("/things//post/requestBody/content/application/json/example")
            && problems[0].contains("colour"),
        "{}",
        problems[0]
    );
}

#[test]
fn a_null_where_the_schema_forbids_it_is_reported() {
    let problems = lint(&fixture_with("tier: hot", "tier: null"));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    // A nullable field may be null.
    assert_eq!(lint(&fixture_with("note: Before the update", "note: null")), Vec::<String>::new());
}

#[test]
fn a_missing_operation_id_is_reported() {
    let broken = fixture_with("    delete:\n      operationId: deleteThing\n", "    delete:\n");
    // Create's link to the delete now names nothing, too.
    assert_eq!(
        lint(&broken),
        [
            "POST /things/ 201 link `deleteIt`: no operation `deleteThing`",
            "DELETE /things/{thing_id}/: no operationId"
        ]
    );
}

/// `openapi/backups.yaml`, the live spec: it is clean, and it says what the vendor's page says.
mod live {
    use serde_json::{Value, json};
    use xtask::spec::Spec;

    #[test]
    fn the_live_spec_is_clean() {
        let problems = Spec::load().unwrap().lint();
        assert!(problems.is_empty(), "spec lint:\n{}", problems.join("\n"));
    }

    /// The vendor's example responses, copied verbatim from its page into fixtures.
    fn vendor_fixture(name: &str) -> Value {
        let path =
            xtask::project_root().join("crates/vpsorg-backups-client/tests/fixtures").join(name);
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn the_vendors_examples_are_in_the_live_spec_unchanged() {
        let spec = Spec::load().unwrap();
        let example = |pointer: &str| {
            spec.contract
                .document()
                .pointer(pointer)
                .cloned()
                .unwrap_or_else(|| panic!("no {pointer}"))
        };
        let backups = "/paths/~1api~1v1~1backups~1";
        assert_eq!(
            example(&format!(
                "{backups}/get/responses/200/content/application~1json/examples/vendor/value"
            )),
            vendor_fixture("vendor_list_response.json")
        );
        assert_eq!(
            example(&format!(
                "{backups}/post/responses/201/content/application~1json/examples/vendor/value"
            )),
            vendor_fixture("vendor_create_response.json")
        );
        assert_eq!(
            example(&format!(
                "{backups}/post/requestBody/content/application~1json/examples/vendor/value"
            )),
            json!({"server_id": 12345, "description": "Pre-deployment backup"})
        );
        assert_eq!(
            example(
                "/paths/~1api~1v1~1servers~1{server_id}~1restore~1/post/requestBody/content/application~1json/examples/vendor/value"
            ),
            json!({"backup_id": 501})
        );
    }

    /// Every statement on the vendor's page, in its own words, somewhere in the live spec.
    #[test]
    fn every_fact_on_the_vendors_page_is_in_the_live_spec() {
        let text =
            xtask::read_spec_text().unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
        let facts = [
            "Manage server backups programmatically. List, create, restore and delete backups for your servers.",
            "https://admin.vps.org",
            "base path `/api/v1/backups`",
            "List all backups",
            "Retrieve a list of all backups on your servers.",
            "Filter backups by server ID",
            "Filter by type: `manual`, `automatic`",
            "Backup list retrieved successfully",
            "Unauthorized — invalid or missing authentication token",
            "Create manual backup",
            "Create a manual backup of a server. Manual backups do not expire automatically.",
            "ID of the server to back up",
            "Optional description for the backup",
            "Backup creation started successfully",
            "Bad request — invalid parameters or malformed request",
            "Not found — the server does not exist",
            "you can have at most **10 manual backups per server**",
            "Automatic backups are retained according to your plan's backup retention policy (typically 7–30 days).",
            "Delete backup",
            "Permanently delete a backup. This action cannot be undone.",
            "Unique backup ID",
            "Backup deleted successfully",
            "Not found — the backup does not exist",
            "Warning: deleting a backup is permanent and cannot be undone. Make sure you no longer need the backup before deleting it.",
            "To restore a server from a backup, use the Servers API restore endpoint.",
            "/api/v1/servers/{server_id}/restore/",
            "For detailed information about server restore, see the Servers API documentation.",
            "Authorization: Bearer YOUR_API_TOKEN",
            "Content-Type: application/json",
        ];
        let missing: Vec<_> = facts.iter().filter(|fact| !text.contains(*fact)).collect();
        assert!(missing.is_empty(), "not in the spec: {missing:#?}");
        let documented = [
            ("listBackups", [200, 401].as_slice()),
            ("createBackup", &[201, 400, 401, 404]),
            ("deleteBackup", &[204, 401, 404]),
        ];
        let spec = Spec::load().unwrap();
        for (operation_id, statuses) in documented {
            for status in statuses {
                assert_eq!(
                    spec.contract.response_key(operation_id, *status).unwrap(),
                    Some(status.to_string()),
                    "{operation_id} lacks {status}"
                );
            }
        }
    }

    #[test]
    fn the_live_spec_validates_responses_against_the_declared_status() {
        let spec = Spec::load().unwrap();
        let error = json!({"detail": "Invalid token.", "code": "authentication_failed"});
        assert!(spec.validate_response("listBackups", 401, &error).unwrap());
        assert!(spec.validate_response("listBackups", 503, &error).unwrap(), "5XX range");
        assert!(!spec.validate_response("deleteBackup", 204, &Value::Null).unwrap(), "no body");
        assert!(spec.validate_response("deleteBackup", 418, &error).is_err(), "undocumented");
        let field_errors = json!({"server_id": ["This field is required."]});
        assert!(spec.validate_response("createBackup", 400, &field_errors).unwrap());
        let not_a_list = json!({"server_id": "This field is required."});
        assert!(spec.validate_response("createBackup", 400, &not_a_list).is_err());
    }
}
