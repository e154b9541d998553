//! The wrapper and the fake server against the spec: a change to `openapi/backups.yaml` that
//! one of them does not follow fails here, naming the layer and the file to change. The list
//! operation's query parameters and every request body's properties have a wrapper setter
//! (`public-api/vpsorg-backups.txt`); the fake server implements every filter (a value filters,
//! an invalid value gets 400); every property of the response schemas the wrapper models
//! (`ServerRef`, `Backup`, `CreatedBackup`, `Restore`) is a field of its own type.
//! What a layer leaves out on purpose is in [`WAIVERS`], with the reason. The CLI's flags and JSON keys are held to the
//! spec by its own tests (`crates/vpsorg-cli/tests/cli/layers.rs`).

use openapiv3::{Parameter, ReferenceOr};
use serde_json::Value;
use vpsorg_backups_mock::{Backup, BackupStatus, MockServer, Seed};
use xtask::spec::Spec;

const BACKUPS: &str = "/api/v1/backups/";

/// `(layer, name, why)`: a query parameter or property a layer leaves out, or names otherwise.
const WAIVERS: &[(&str, &str, &str)] = &[
    ("server", "page", "not a filter: pagination"),
    ("server", "page_size", "not a filter: pagination"),
    (
        "wrapper",
        "CreateBackup.server_id",
        "an argument of Backups::create(server_id), not a setter: it is required",
    ),
    (
        "wrapper",
        "RestoreServer.backup_id",
        "an argument of Servers::restore(server_id, backup_id), not a setter: it is required",
    ),
];

fn waived(layer: &str, name: &str) -> bool {
    WAIVERS.iter().any(|(l, n, _)| *l == layer && *n == name)
}

/// The list operation's query parameters, from the spec: (name, is an enum).
fn list_parameters() -> Vec<(String, bool)> {
    let spec = Spec::load().unwrap().openapi;
    let ReferenceOr::Item(path) = &spec.paths.paths[BACKUPS] else { panic!("{BACKUPS} is a $ref") };
    let operation = path.get.as_ref().expect("GET /api/v1/backups/");
    (operation.parameters.iter())
        .filter_map(|p| match p.as_item()? {
            Parameter::Query { parameter_data, .. } => {
                let schema = serde_json::to_value(&parameter_data.format).unwrap();
                Some((parameter_data.name.clone(), schema.to_string().contains("$ref")))
            }
            _ => None,
        })
        .collect()
}

/// The vendor's examples and a failed backup: each filtered property has two values or more.
fn seed() -> Seed {
    let seed = Seed::vendor_examples();
    let failed = Backup { id: 9, status: BackupStatus::Failed, ..seed.backups()[0].clone() };
    seed.backup(failed)
}

fn public_api() -> String {
    std::fs::read_to_string(xtask::project_root().join("public-api/vpsorg-backups.txt")).unwrap()
}

/// The wrapper's file that defines `pub struct {name}`.
fn defined_in(name: &str) -> String {
    let dir = xtask::project_root().join("crates/vpsorg-backups/src");
    let files = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path());
    let found = files.into_iter().find(|f| {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        text.contains(&format!("pub struct {name} "))
    });
    let file =
        found.map_or("src".into(), |f| f.file_name().unwrap().to_string_lossy().into_owned());
    format!("crates/vpsorg-backups/src/{file}")
}

#[test]
fn every_list_parameter_has_a_wrapper_setter() {
    let api = public_api();
    let missing: Vec<_> = (list_parameters().into_iter())
        .filter(|(name, _)| !api.contains(&format!("pub fn vpsorg_backups::ListBackups::{name}(")))
        .map(|(name, _)| {
            format!("wrapper: no ListBackups::{name} setter (crates/vpsorg-backups/src/backups.rs)")
        })
        .collect();
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Every request body's property has a setter on the operation's builder (`createBackup`:
/// `CreateBackup`), or a waiver.
#[test]
fn every_request_body_field_has_a_wrapper_setter() {
    let spec: Value = serde_json::to_value(Spec::load().unwrap().openapi).unwrap();
    let (api, mut missing, mut bodies) = (public_api(), Vec::new(), 0);
    for operation in spec["paths"].as_object().unwrap().values().flat_map(|p| {
        let methods = p.as_object().unwrap().values();
        methods.filter(|o| o.get("requestBody").is_some())
    }) {
        bodies += 1;
        let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
        let name = schema["$ref"].as_str().expect("a request body is a $ref");
        let name = name.rsplit('/').next().unwrap();
        let id = operation["operationId"].as_str().unwrap();
        let builder = id[..1].to_uppercase() + &id[1..];
        let properties = spec["components"]["schemas"][name]["properties"].as_object();
        for field in properties.unwrap().keys() {
            let setter = format!("pub fn vpsorg_backups::{builder}::{field}(");
            if !api.contains(&setter) && !waived("wrapper", &format!("{builder}.{field}")) {
                missing.push(format!(
                    "wrapper: no {builder}::{field} setter for {name}.{field} ({})",
                    defined_in(&builder)
                ));
            }
        }
    }
    assert!(bodies >= 2, "the spec's request bodies were not found");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[tokio::test]
async fn the_fake_server_implements_every_filter() {
    let server = MockServer::builder().seed(seed()).start().await.unwrap();
    let http = reqwest::Client::new();
    let token = server.token().to_owned();
    let list = |query: String| {
        let request = http.get(server.url(&format!("{BACKUPS}?page_size=100&{query}")));
        let request = request.bearer_auth(&token);
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.json::<Value>().await.unwrap())
        }
    };
    let all = list(String::new()).await.1["results"].as_array().unwrap().clone();
    // A filter's value in a backup: the property of its name (`server_id`: `server.id`).
    let value = |backup: &Value, name: &str| match name.strip_suffix("_id") {
        Some(object) => backup[object]["id"].clone(),
        None => backup[name].clone(),
    };
    let mut wrong = Vec::new();
    for (name, is_enum) in list_parameters().into_iter().filter(|(n, _)| !waived("server", n)) {
        let at = "crates/vpsorg-backups-mock/src/api.rs (list_backups)";
        let Some(wanted) =
            all.iter().map(|b| value(b, &name)).find(|v| all.iter().any(|b| value(b, &name) != *v))
        else {
            wrong.push(format!(
                "the seed has one value of `{name}`: give seed() in tests/tests/layers.rs another"
            ));
            continue;
        };
        let shown = wanted.as_str().map_or(wanted.to_string(), str::to_owned);
        let (status, body) = list(format!("{name}={shown}")).await;
        let found = body["results"].as_array().cloned().unwrap_or_default();
        let expected = all.iter().filter(|b| value(b, &name) == wanted).count();
        if status != 200
            || found.len() != expected
            || found.iter().any(|b| value(b, &name) != wanted)
        {
            wrong.push(format!("fake server: ?{name}={shown} answered {status} with {} backup(s), not the {expected} that match: {at}", found.len()));
        }
        let bogus = if is_enum { "bogus" } else { "x" };
        let (status, _) = list(format!("{name}={bogus}")).await;
        if status != 400 {
            wrong.push(format!("fake server: ?{name}={bogus} answered {status}, not 400: {at}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every property of each response schema the wrapper models is a field of its own type of
/// the same name (`CreatedBackup` is `allOf` `Backup` and its own properties: the `Backup` part
/// is checked as `Backup`, and reached through `CreatedBackup::backup`).
#[test]
fn every_response_property_reaches_the_wrapper() {
    let spec: Value = serde_json::to_value(Spec::load().unwrap().openapi).unwrap();
    let api = public_api();
    let mut missing = Vec::new();
    for schema in ["ServerRef", "Backup", "CreatedBackup", "Restore"] {
        let schema_value = &spec["components"]["schemas"][schema];
        let parts =
            schema_value["allOf"].as_array().cloned().unwrap_or_else(|| vec![schema_value.clone()]);
        let names: Vec<String> = parts
            .iter()
            .filter_map(|part| part["properties"].as_object())
            .flat_map(|p| p.keys().cloned())
            .collect();
        assert!(!names.is_empty(), "{schema} has no properties in the spec");
        missing.extend(names.iter().filter(|name| !api.contains(&format!("pub vpsorg_backups::{schema}::{name}: "))).map(
            |name| format!("wrapper: {schema} has no `{name}` field (crates/vpsorg-backups/src/model.rs)"),
        ));
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
