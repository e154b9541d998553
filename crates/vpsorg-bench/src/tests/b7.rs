use super::*;

#[test]
fn package_ids_read_in_both_of_cargos_spellings() {
    assert_eq!(
        package_of_id("registry+https://github.com/rust-lang/crates.io-index#serde@1.0.229"),
        "serde 1.0.229"
    );
    assert_eq!(
        package_of_id("path+file:///work/crates/vpsorg-backups#0.2.0"),
        "vpsorg-backups 0.2.0"
    );
    assert_eq!(package_of_id("path+file:///work/b7/with#b7-with@0.0.0"), "b7-with 0.0.0");
    assert_eq!(
        package_of_id("serde 1.0.229 (registry+https://github.com/rust-lang/crates.io-index)"),
        "serde 1.0.229"
    );
}

#[test]
fn compiled_packages_come_from_compiler_artifacts_once_each() {
    let messages = [
        r#"{"reason":"compiler-artifact","package_id":"registry+https://x#serde@1.0.229"}"#,
        r#"{"reason":"build-script-executed","package_id":"registry+https://x#libc@0.2.1"}"#,
        r#"{"reason":"compiler-artifact","package_id":"registry+https://x#libc@0.2.1"}"#,
        r#"{"reason":"compiler-artifact","package_id":"registry+https://x#libc@0.2.1"}"#,
        "Compiling something (not JSON)",
    ]
    .join("\n");
    assert_eq!(compiled_packages(&messages), ["libc 0.2.1", "serde 1.0.229"]);
}

#[test]
fn the_baseline_asks_for_the_workspace_versions() {
    let workspace = "[workspace.dependencies]\nreqwest = { version = \"0.13.5\" }\n\
                     serde = \"1.0.229\"\ntokio = \"1.54.1\"\n";
    let [baseline, sdk] = crates(Path::new("/w"), &workspace.parse().unwrap()).unwrap();
    let table: toml::Table = baseline.0.parse().unwrap();
    let deps = table["dependencies"].as_table().unwrap();
    assert_eq!(deps["reqwest"]["version"].as_str(), Some("0.13.5"));
    assert_eq!(deps["reqwest"]["default-features"].as_bool(), Some(false));
    assert_eq!(deps.len(), 3);
    assert!(baseline.1.contains("reqwest::Client::new()"));
    let table: toml::Table = sdk.0.parse().unwrap();
    let deps = table["dependencies"].as_table().unwrap();
    let path = deps["vpsorg-backups"]["path"].as_str().unwrap();
    assert!(path.ends_with("crates/vpsorg-backups"));
    assert_eq!(deps.len(), 2);
    assert!(table.contains_key("workspace"));
    assert!(sdk.1.contains("vpsorg_backups::Client::from_env()"));
}
