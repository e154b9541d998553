use super::*;

#[test]
fn the_client_version_is_read_from_the_workspace_when_inherited() {
    let root = "[workspace.package]\nversion = \"0.4.1\"\n";
    let inherits = "[package]\nname = \"c\"\nversion.workspace = true\n";
    let own = "[package]\nname = \"c\"\nversion = \"1.2.3\"\n";
    assert_eq!(client_version(root, inherits).unwrap().to_string(), "0.4.1");
    assert_eq!(client_version(root, own).unwrap().to_string(), "1.2.3");
}

#[test]
fn the_changelog_groups_changes_by_class_and_leaves_out_empty_groups() {
    let change = |class, location: &str| vpsorg_compat::Change {
        class,
        location: location.into(),
        reason: "added".into(),
    };
    let report = Report {
        changes: vec![change(Class::Breaking, "b"), change(Class::DocsOnly, "d")],
        passes: true,
        verdict: String::new(),
        text: String::new(),
        generated_breaks: vec!["types::X: removed".into()],
    };
    let text = changelog("release 1.0.0", &report);
    assert!(text.starts_with("# Changes to the API contract since release 1.0.0\n"));
    let body = &text[text.find("\n## ").unwrap()..];
    assert_eq!(
        body,
        "\n## Breaking\n\n- b: added\n- generated client: types::X: removed\n\
         \n## Docs-only\n\n- d: added\n"
    );
}
