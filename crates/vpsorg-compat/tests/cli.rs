//! The binary: classified changes on stdout, and the exit code a script can act on.

use std::process::Command;

mod common;

fn spec() -> String {
    common::spec("deleteBackup", "", "")
}

/// Runs the binary on the fixture and `new`, with `args` first, in a directory of `test`'s
/// own; its exit code and stdout.
fn run(test: &str, new: &str, args: &[&str]) -> (Option<i32>, String) {
    let dir = std::env::temp_dir().join(format!("vpsorg-compat-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (old_path, new_path) = (dir.join("old.yaml"), dir.join("new.yaml"));
    std::fs::write(&old_path, spec()).unwrap();
    std::fs::write(&new_path, new).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_vpsorg-compat"))
        .args(args)
        .arg(&old_path)
        .arg(&new_path)
        .output()
        .unwrap();
    (output.status.code(), String::from_utf8(output.stdout).unwrap())
}

#[test]
fn a_breaking_change_exits_1_unless_the_versions_say_it_is_a_breaking_release() {
    let renamed = common::spec("removeBackup", "", "");
    assert_ne!(renamed, spec());
    let (code, stdout) = run("breaking", &renamed, &["--interface", "builder"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("breaking   DELETE /api/v1/backups/{backup_id}/ (deleteBackup): operationId changed to `removeBackup`"),
        "{stdout}"
    );
    assert!(stdout.contains("Client::delete_backup: removed"), "{stdout}");
    let (code, stdout) = run("breaking", &renamed, &["--versions", "0.2.0", "0.3.0"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("0.3.0 covers the changes since 0.2.0"), "{stdout}");
}

#[test]
fn an_additive_change_exits_0_and_a_spec_that_does_not_parse_exits_2() {
    // A new operation adds a method and a builder; the plain progenitor output this binary
    // compares has no `#[non_exhaustive]`, so a new response field would break literals.
    let mut doc: serde_json::Value = serde_yaml_ng::from_str(&spec()).unwrap();
    doc["paths"]["/api/v1/backups/{backup_id}/"]["get"] = serde_json::json!({
        "operationId": "getBackup",
        "parameters": [{"name": "backup_id", "in": "path", "required": true,
                        "schema": {"type": "integer", "format": "int64"}}],
        "responses": {"200": {"description": "The backup", "content": {"application/json":
            {"schema": {"$ref": "#/components/schemas/Backup"}}}}}
    });
    let added = serde_yaml_ng::to_string(&doc).unwrap();
    let (code, stdout) = run("additive", &added, &[]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("additive   GET /api/v1/backups/{backup_id}/ (getBackup): operation added"),
        "{stdout}"
    );
    assert!(stdout.contains("additive changes: a minor release"), "{stdout}");
    assert_eq!(run("unparsed", "openapi: [", &[]).0, Some(2));
    assert_eq!(run("style", &spec(), &["--interface", "sideways"]).0, Some(2));
}
