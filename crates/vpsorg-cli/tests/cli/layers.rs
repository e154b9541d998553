//! The CLI against the spec (the contract `vpsorg-contract` embeds): every query parameter of
//! the list has a `backups list` flag, and every property of the responses it prints
//! (`Backup`, `CreatedBackup`, `Restore`) is a key of its `-o json`.
//! A spec change the CLI does not follow fails here, naming the file to change; what the CLI
//! leaves out on purpose is in [`WAIVERS`], with the reason. The wrapper and the fake server
//! are held to the spec in `tests/tests/layers.rs`.

use serde_json::Value;
use vpsorg_contract::Contract;

use crate::support::*;

/// `(name, why)`: a list query parameter the CLI has no flag of that name for.
const WAIVERS: &[(&str, &str)] = &[
    ("page", "`backups list` lists every page (--limit bounds it)"),
    ("page_size", "the CLI picks the page size"),
    ("backup_type", "named --type"),
];

fn spec() -> &'static Value {
    Contract::embedded().document()
}

#[tokio::test]
async fn every_list_parameter_has_a_flag() {
    let help = vpsorg(&["backups", "list", "--help"]).await;
    assert_eq!(help.code, 0, "{}", help.stderr);
    let parameters = spec()["paths"]["/api/v1/backups/"]["get"]["parameters"]
        .as_array()
        .expect("the list operation's parameters");
    let mut missing = Vec::new();
    for parameter in parameters {
        let parameter = match parameter.get("$ref").and_then(Value::as_str) {
            Some(reference) => (spec().pointer(reference.trim_start_matches('#')))
                .unwrap_or_else(|| panic!("{reference} is not in the spec")),
            None => parameter,
        };
        if parameter["in"] != "query" {
            continue;
        }
        let name = parameter["name"].as_str().expect("a parameter's name");
        let flag = format!("--{} ", name.replace('_', "-"));
        if !WAIVERS.iter().any(|(waived, _)| *waived == name) && !help.stdout.contains(&flag) {
            missing.push(format!(
                "no {flag}flag on `backups list` (crates/vpsorg-cli/src/cli.rs), or a waiver in \
                 crates/vpsorg-cli/tests/cli/layers.rs"
            ));
        }
    }
    assert!(!parameters.is_empty());
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[tokio::test]
async fn every_backup_property_is_a_key_of_the_json() {
    let properties = spec()["components"]["schemas"]["Backup"]["properties"]
        .as_object()
        .expect("Backup's properties");
    let server = vendor_server().await;
    let listed = against(&server, &["backups", "list", "-o", "json"]).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let json: Value = serde_json::from_str(&listed.stdout).unwrap();
    let first = &json.as_array().expect("a JSON array of backups")[0];
    let missing: Vec<_> = (properties.keys())
        .filter(|name| first.get(name.as_str()).is_none())
        .map(|name| {
            format!("`backups list -o json` has no `{name}` key (crates/vpsorg-cli/src/output.rs)")
        })
        .collect();
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// The response properties the CLI's JSON leaves out on purpose: `(schema, property, why)`.
const JSON_WAIVERS: &[(&str, &str, &str)] = &[(
    "CreatedBackup",
    "message",
    "create prints the backup in the one JSON shape of a backup; the message goes to stderr",
)];

/// The properties of `schema` (for `allOf`, of its parts: a `$ref` part is its schema's).
fn properties(schema: &str) -> Vec<String> {
    let value = &spec()["components"]["schemas"][schema];
    let parts = value["allOf"].as_array().cloned().unwrap_or_else(|| vec![value.clone()]);
    let mut names = Vec::new();
    for part in parts {
        match part["$ref"].as_str() {
            Some(reference) => names.extend(properties(reference.rsplit('/').next().unwrap())),
            None => names
                .extend(part["properties"].as_object().into_iter().flat_map(|p| p.keys().cloned())),
        }
    }
    names
}

#[tokio::test]
async fn every_property_of_create_and_restore_is_a_key_of_their_json() {
    let server = vendor_server().await;
    let mut missing = Vec::new();
    for (schema, args) in [
        ("CreatedBackup", &["backups", "create", "--server-id", "12345", "-o", "json"][..]),
        (
            "Restore",
            &["servers", "restore", "12345", "--backup-id", "501", "--yes", "-o", "json"][..],
        ),
    ] {
        let run = against(&server, args).await;
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let json: Value = serde_json::from_str(&run.stdout).unwrap();
        let names = properties(schema);
        assert!(!names.is_empty(), "{schema} has no properties");
        missing.extend(
            names
                .into_iter()
                .filter(|name| json.get(name).is_none())
                .filter(|name| !JSON_WAIVERS.iter().any(|(s, n, _)| *s == schema && n == name))
                .map(|name| format!("`{}` -o json has no `{name}` key ({schema}; crates/vpsorg-cli/src/output.rs)", args[..2].join(" "))),
        );
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
