//! The verdict, and what generating the client from both specs adds to the rules.

use progenitor::{GenerationSettings, InterfaceStyle, TagStyle};
use vpsorg_compat::{
    Class, Contract, Options, Report, compare, generate_with_progenitor, is_breaking_bump,
    next_breaking, next_minor,
};

mod common;
use common::spec;

/// compare, with progenitor's builder interface as the VPS.org client uses it.
fn judge(old: &Contract, new: &Contract) -> Result<Report, String> {
    let mut settings = GenerationSettings::default();
    settings.with_interface(InterfaceStyle::Builder).with_tag(TagStyle::Merged);
    let generate = |spec: &str| generate_with_progenitor(spec, &settings);
    let options =
        Options { spec_name: "backups.yaml", krate: "vpsorg-backups-client", generate: &generate };
    compare(old, new, &options)
}

#[test]
fn semver_breaking_bumps_follow_cargo() {
    let v = |s: &str| semver::Version::parse(s).unwrap();
    assert!(is_breaking_bump(&v("0.1.0"), &v("0.2.0")));
    assert!(!is_breaking_bump(&v("0.1.0"), &v("0.1.9")));
    assert!(is_breaking_bump(&v("1.4.2"), &v("2.0.0")));
    assert!(!is_breaking_bump(&v("1.4.2"), &v("1.9.0")));
    assert!(is_breaking_bump(&v("0.0.3"), &v("0.0.4")));
    assert!(!is_breaking_bump(&v("0.2.0"), &v("0.1.0")));
    assert_eq!(next_breaking(&v("0.1.3")), v("0.2.0"));
    assert_eq!(next_minor(&v("0.1.3")), v("0.1.4"));
}

#[test]
fn the_verdict_depends_on_the_bump() {
    let old_spec = spec("deleteBackup", "", "");
    let new_spec = spec("removeBackup", "", "");
    assert_ne!(old_spec, new_spec);
    let contract = |spec: &str, version: &str| Contract {
        spec: spec.to_owned(),
        version: Some(semver::Version::parse(version).unwrap()),
        label: "test".into(),
    };
    let same = judge(&contract(&old_spec, "0.2.0"), &contract(&new_spec, "0.2.3")).unwrap();
    assert!(!same.passes, "{}", same.text);
    assert!(same.verdict.contains("0.3.0 or later (now 0.2.3)"), "{}", same.verdict);
    let bumped = judge(&contract(&old_spec, "0.2.0"), &contract(&new_spec, "0.3.0")).unwrap();
    assert!(bumped.passes, "{}", bumped.text);
    let docs = judge(&contract(&old_spec, "0.2.0"), &contract(&old_spec, "0.2.0")).unwrap();
    assert!(docs.passes && docs.changes.is_empty());
}

/// typify picks `u64` for an integer with no format and a minimum of 0: no spec rule
/// sees a type change there, the generated client's public items do.
#[test]
fn the_generated_client_catches_what_no_rule_sees() {
    let with_field = |schema: &str| {
        spec("deleteBackup", "", &format!("        priority:\n          {schema}\n"))
    };
    let (old_spec, new_spec) =
        (with_field("type: integer"), with_field("type: integer\n          minimum: 0"));
    assert_ne!(old_spec, spec("deleteBackup", "", ""), "the field is in the spec");
    let contract = |spec: &str| Contract {
        spec: spec.to_owned(),
        version: Some(semver::Version::parse("0.2.0").unwrap()),
        label: "test".into(),
    };
    let report = judge(&contract(&old_spec), &contract(&new_spec)).unwrap();
    // The rules alone call a response's narrower bound additive.
    assert!(report.changes.iter().all(|c| c.class == Class::Additive), "{}", report.text);
    assert!(!report.passes, "{}", report.text);
    assert!(
        report.generated_breaks.iter().any(|b| b
            .starts_with("types::Restore.priority: changed from `Option<i64>` to `Option<u64>`")),
        "{}",
        report.text
    );
    assert!(
        report.verdict.contains("of the generated client's public items"),
        "{}",
        report.verdict
    );

    // A spec progenitor cannot generate is breaking, with progenitor's reason.
    let two_bodies = "      requestBody:\n        content:\n          application/json: {schema: {type: object}}\n          text/plain: {schema: {type: string}}\n";
    let unbuildable =
        spec("deleteBackup", two_bodies, "        priority:\n          type: integer\n");
    assert_ne!(unbuildable, old_spec);
    let report = judge(&contract(&old_spec), &contract(&unbuildable)).unwrap();
    assert!(!report.passes);
    assert!(
        report.generated_breaks.iter().any(|b| b.contains("cannot be generated")),
        "{}",
        report.text
    );
}
