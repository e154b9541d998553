use super::writes::{Listed, Listing, changes};
use super::*;

#[test]
fn array_indices_become_wildcards() {
    assert_eq!(wildcard_indices("/results/12/server/id"), "/results/*/server/id");
    assert_eq!(wildcard_indices("header:X-Request-Id"), "header:X-Request-Id");
    assert_eq!(wildcard_indices("body"), "body");
}

#[test]
fn the_probe_list_names_every_probe_once_reads_first() {
    let ids: BTreeSet<&str> = PLAN.iter().map(|p| p.id).collect();
    assert_eq!(ids.len(), PLAN.len());
    let first_write = PLAN.iter().position(|p| p.write).unwrap();
    assert!(PLAN[first_write..].iter().all(|p| p.write));
    assert!(PLAN.iter().all(|p| p.write || p.method == "GET"));
    // The writes name the one id no account can have.
    let unused = UNUSED_ID.to_string();
    for step in PLAN.iter().filter(|p| p.method != "GET") {
        let names = step.path.contains(&unused) || step.id == "create-invalid";
        assert!(names, "{}", step.path);
    }
}

fn listing(count: u64, backups: &[(i64, &str, &str)]) -> Listing {
    Listing {
        count,
        backups: backups
            .iter()
            .map(|&(id, backup_type, description)| Listed {
                id,
                backup_type: backup_type.into(),
                description: description.into(),
            })
            .collect(),
    }
}

#[test]
fn only_what_a_write_could_cause_is_blamed_on_it() {
    let before = listing(2, &[(7, "manual", "a"), (5, "automatic", "")]);
    assert!(changes(&before, &before).is_empty());
    // The create's body names no description: a server that acted on it anyway made a
    // manual backup with the empty default, or with the body's text.
    let after = listing(
        5,
        &[
            (10, "manual", ""),
            (9, "manual", CREATE_BODY),
            (8, "manual", "Pre-deployment"),
            (7, "manual", "a"),
            (6, "automatic", ""),
        ],
    );
    let found = changes(&before, &after);
    let blamed: Vec<Option<ChoiceId>> = found.iter().map(|(_, cause)| *cause).collect();
    assert_eq!(
        blamed,
        [
            Some(ChoiceId::Create),
            Some(ChoiceId::Create),
            None,
            None,
            // 5 is gone, but the delete targeted UNUSED_ID.
            None,
        ],
        "{found:?}"
    );
    assert_eq!(found[3].0, "backup 6 appeared (automatic)");
    assert_eq!(found[4].0, "backup 5 disappeared");
    let target = listing(2, &[(UNUSED_ID, "manual", ""), (7, "manual", "a")]);
    let gone = listing(1, &[(7, "manual", "a")]);
    assert_eq!(
        changes(&target, &gone),
        [("backup 9223372036854775807 disappeared".to_string(), Some(ChoiceId::Delete404))]
    );
}

#[test]
fn a_full_page_judges_only_the_ids_it_can_show() {
    // Page 1 of 3 backups at a page of 2: a new backup pushes 8 onto page 2, which
    // the comparison does not see. That is no disappearance.
    let before = listing(3, &[(9, "automatic", ""), (8, "automatic", "")]);
    let after = listing(4, &[(10, "automatic", ""), (9, "automatic", "")]);
    assert_eq!(changes(&before, &after), [("backup 10 appeared (automatic)".to_string(), None)]);
    // And one gone from page 1 pulls 7 up from page 2: no new backup.
    let after = listing(2, &[(9, "automatic", ""), (7, "automatic", "")]);
    assert_eq!(changes(&before, &after), [("backup 8 disappeared".to_string(), None)]);
    // A change beyond the page shows only in the count.
    let after = listing(4, &[(9, "automatic", ""), (8, "automatic", "")]);
    assert_eq!(
        changes(&before, &after),
        [("the count changed, on pages the comparison does not see".to_string(), None)]
    );
}

#[test]
fn findings_are_tied_to_the_choice_they_contradict() {
    let finding = |kind, location: &str| Finding::new(kind, location, "x", "y");
    assert_eq!(
        choices_for(
            "listBackups",
            200,
            &finding(FindingKind::UnknownEnumValue, "/results/0/status")
        ),
        [ChoiceId::Enums]
    );
    assert_eq!(
        choices_for(
            "listBackups",
            200,
            &finding(FindingKind::MissingRequiredField, "/results/0/description")
        ),
        [ChoiceId::BackupFields]
    );
    assert_eq!(
        choices_for(
            "listBackups",
            404,
            &finding(FindingKind::WrongContentType, "header:Content-Type")
        ),
        [ChoiceId::ErrorBodies]
    );
    assert_eq!(
        choices_for("listBackups", 200, &finding(FindingKind::UndocumentedField, "/results/0/x")),
        []
    );
    assert_eq!(
        choices_for(
            "listBackups",
            200,
            &finding(FindingKind::WrongContentType, "header:Content-Type")
        ),
        []
    );
}

/// The plan's filter probes against the embedded spec: every value of every enum query
/// parameter of the list is probed as a filter, and each such parameter gets a bad value. A
/// new enum value or enum filter in the spec fails here until `PLAN` in
/// `crates/vpsorg-cli/src/doctor/plan.rs` probes it.
#[test]
fn every_enum_filter_value_of_the_spec_is_probed() {
    let spec = Contract::embedded().document();
    let list = &spec["paths"][BACKUPS]["get"]["parameters"];
    let mut missing = Vec::new();
    let mut enums = 0;
    for parameter in list.as_array().unwrap() {
        let (name, schema) = (parameter["name"].as_str().unwrap(), &parameter["schema"]);
        let schema = match schema["$ref"].as_str() {
            Some(at) => &spec["components"]["schemas"][at.rsplit('/').next().unwrap()],
            None => schema,
        };
        let Some(values) = schema["enum"].as_array() else {
            continue;
        };
        enums += 1;
        for value in values.iter().filter_map(Value::as_str) {
            let query = format!("{name}={value}");
            if !PLAN.iter().any(|p| p.query == query && matches!(p.expect, Expect::Filtered)) {
                missing.push(format!(
                    "no probe ?{query} in PLAN (crates/vpsorg-cli/src/doctor/plan.rs)"
                ));
            }
        }
        let bad = |p: &&Step| matches!(p.expect, Expect::FieldError(field, _) if field == name);
        if !PLAN.iter().any(|p| p.query.starts_with(&format!("{name}=")) && bad(&p)) {
            missing.push(format!(
                "no bad-value probe of {name} in PLAN (crates/vpsorg-cli/src/doctor/plan.rs)"
            ));
        }
    }
    assert!(enums > 0, "the spec's list has no enum filter: {list}");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
