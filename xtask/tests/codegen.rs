//! Code generation on a small spec of its own (`fixtures/spec.yaml`) and on JSON snippets;
//! then, in [`live`], that the checked-in client is what `openapi/backups.yaml` generates.

use serde_json::json;
use xtask::codegen::{generate, hoist_string_enums, pascal_case};

const FIXTURE: &str = include_str!("fixtures/spec.yaml");

/// The fixture with `from` replaced by `to` once; fails naming `from` when it is not there.
fn fixture_with(from: &str, to: &str) -> String {
    assert!(FIXTURE.contains(from), "{from:?} is not in fixtures/spec.yaml");
    FIXTURE.replacen(from, to, 1)
}

#[test]
fn generation_is_deterministic() {
    let (first, second) = (generate(FIXTURE).unwrap(), generate(FIXTURE).unwrap());
    assert!(
        first == second,
        "two runs differ:\n{}",
        similar::TextDiff::from_lines(&first, &second).unified_diff()
    );
}

/// A path-level parameter and a shared response component are places progenitor reads
/// but the walk over operations once missed: their enums must come out lenient too.
#[test]
fn enums_outside_operations_and_schemas_come_out_lenient() {
    let changed = fixture_with(
        "  /things/:\n    get:\n",
        "  /things/:\n    parameters:\n      - name: view\n        in: query\n        \
         schema:\n          enum: [full, brief]\n    get:\n",
    );
    let code = generate(&changed).unwrap();
    let lenient = code.split("pub enum ListThingsView {").nth(1).expect("no enum for `view`");
    let body = &lenient[..lenient.find('}').unwrap()];
    assert!(body.contains("Unknown(crate::UnknownValue)"), "{body}");
}

#[test]
fn a_changed_description_is_drift() {
    let changed = fixture_with("Unique thing ID", "Unique thing identifier");
    let (before, after) = (generate(FIXTURE).unwrap(), generate(&changed).unwrap());
    assert!(before != after, "the generated code does not change with a description");
}

#[test]
fn names_are_pascal_case() {
    assert_eq!(pascal_case("listBackups"), "ListBackups");
    assert_eq!(pascal_case("page_size"), "PageSize");
    assert_eq!(pascal_case("storage-tier"), "StorageTier");
    assert_eq!(pascal_case("5XX"), "5xx");
    let mut spec = json!({"components": {"schemas": {
        "Mode": {"type": "string", "enum": ["in_progress", "7d", ""]}}}});
    let enums = hoist_string_enums(&mut spec).unwrap();
    let variants: Vec<&str> = enums[0].values.iter().map(|v| v.variant.as_str()).collect();
    assert_eq!(variants, ["InProgress", "V7d", "Empty"]);
}

#[test]
fn inline_enums_are_hoisted_wherever_they_are() {
    let mut spec = json!({
        "paths": {"/x/": {"get": {
            "operationId": "listThings",
            "parameters": [{"name": "sort_order", "in": "query",
                "schema": {"type": "string", "enum": ["asc", "desc"]}}],
            "responses": {"200": {"content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"state": {"type": "string", "enum": ["on"]}}}}}}}
        }}},
        "components": {"schemas": {
            "Kind": {"type": "string", "enum": ["a", "b"]},
            "Thing": {"type": "object", "properties": {
                "tier": {"type": "string", "enum": ["hot", "cold"]},
                "tags": {"type": "array", "items": {"type": "string", "enum": ["x"]}},
                "kind": {"$ref": "#/components/schemas/Kind"}
            }}
        }}
    });
    let enums = hoist_string_enums(&mut spec).unwrap();
    let names: Vec<&str> = enums.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["Kind", "ListThingsResponse200State", "ListThingsSortOrder", "ThingTagsItem", "ThingTier"]
    );
    assert_eq!(
        spec.pointer("/components/schemas/Thing/properties/tier"),
        Some(&json!({"$ref": "#/components/schemas/ThingTier"}))
    );
    assert_eq!(
        spec.pointer("/paths/~1x~1/get/parameters/0/schema"),
        Some(&json!({"$ref": "#/components/schemas/ListThingsSortOrder"}))
    );
}

#[test]
fn enums_in_shared_components_and_path_parameters_are_hoisted_too() {
    let state = json!({"type": "object",
        "properties": {"state": {"type": "string", "enum": ["on"]}}});
    let mut spec = json!({
        "paths": {"/x/{id}/": {
            "parameters": [{"name": "view", "in": "query",
                "schema": {"enum": ["full", "brief"]}}],
            "get": {
                "operationId": "getThing",
                "parameters": [{"$ref": "#/components/parameters/Sort"}],
                "requestBody": {"$ref": "#/components/requestBodies/Filter"},
                "responses": {"200": {"$ref": "#/components/responses/Thing"}}
            }
        }},
        "components": {
            "schemas": {},
            "parameters": {"Sort": {"name": "sort", "in": "query",
                "schema": {"type": "string", "enum": ["asc", "desc"]}}},
            "requestBodies": {"Filter": {"content": {"application/json": {"schema": state}}}},
            "responses": {"Thing": {"description": "a thing",
                "content": {"application/json": {"schema": state}}}}
        }
    });
    let enums = hoist_string_enums(&mut spec).unwrap();
    let names: Vec<&str> = enums.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["GetThingBodyState", "GetThingResponse200State", "GetThingSort", "GetThingView"]
    );
    // The path-level parameter now belongs to the operation (first, where progenitor
    // puts it), hoisted like its own.
    assert_eq!(spec.pointer("/paths/~1x~1{id}~1/parameters"), None);
    assert_eq!(
        spec.pointer("/paths/~1x~1{id}~1/get/parameters/0/schema"),
        Some(&json!({"$ref": "#/components/schemas/GetThingView"}))
    );
}

#[test]
fn a_hoisted_name_that_is_taken_is_an_error() {
    let mut spec = json!({"components": {"schemas": {
        "ThingTier": {"type": "object"},
        "Thing": {"type": "object", "properties": {
            "tier": {"type": "string", "enum": ["hot"]}}}
    }}});
    let error = hoist_string_enums(&mut spec).unwrap_err().to_string();
    assert!(error.contains("`ThingTier`"), "{error}");
}

#[test]
fn values_that_collide_as_variants_are_an_error() {
    let mut spec = json!({"components": {"schemas": {
        "Mode": {"type": "string", "enum": ["fast_lane", "fast-lane"]}}}});
    let error = hoist_string_enums(&mut spec).unwrap_err().to_string();
    assert!(error.contains("FastLane"), "{error}");
}

#[test]
fn variant_docs_come_from_x_enum_descriptions() {
    let mut spec = json!({"components": {"schemas": {"Mode": {
        "type": "string", "description": "How.", "enum": ["a", "b"],
        "x-enum-descriptions": {"a": "The first."}}}}});
    let enums = hoist_string_enums(&mut spec).unwrap();
    let source = enums[0].rust_source();
    assert!(source.contains("/// The first.\nA,\n/// `b`\nB,\n"), "{source}");
    assert!(source.starts_with("/// How.\n///\n"), "{source}");
    assert!(source.contains("\"b\" => Self::B,"), "{source}");
    syn::parse_file(&source).expect("the enum is valid Rust");
}

mod live {
    /// `cargo test` alone catches a stale generated client, without running the xtask.
    #[test]
    fn the_checked_in_client_is_what_the_live_spec_generates() {
        if let Err(e) = xtask::codegen::run(true) {
            panic!("{e}");
        }
    }
}
