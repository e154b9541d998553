use super::*;

#[test]
fn ids_are_stable_numbered_and_in_readme_order() {
    let ids: Vec<&str> = ChoiceId::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        ids,
        [
            "pagination",
            "ordering",
            "error_bodies",
            "list_400",
            "create",
            "backup_fields",
            "enums",
            "delete_404",
            "restore",
            "throttling",
            "server_errors",
            "request_id"
        ]
    );
    for (i, choice) in ChoiceId::ALL.iter().enumerate() {
        assert_eq!(usize::from(choice.number()), i + 1);
        assert_eq!(
            serde_json::to_value(choice).unwrap(),
            serde_json::Value::String(choice.as_str().into())
        );
    }
}
