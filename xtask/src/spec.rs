//! `cargo xtask lint`: checks `openapi/backups.yaml` beyond what progenitor checks, and lets
//! tests validate JSON against the schemas the spec declares.
//!
//! Validation is `vpsorg_contract::Contract`'s, the code that checks a live API, so that the
//! lint, the conformance tests and the doctor cannot disagree about what the spec allows.

use serde_json::Value;
use vpsorg_contract::{Contract, Finding, FindingKind, Severity};

use crate::{Result, read_spec_text};

/// The spec: typed by `openapiv3` (what progenitor sees), and as a [`Contract`] (what the
/// validator sees).
#[derive(Debug)]
pub struct Spec {
    pub openapi: openapiv3::OpenAPI,
    pub contract: Contract,
}

impl Spec {
    pub fn load() -> Result<Self> {
        Self::parse(&read_spec_text()?)
    }

    pub fn parse(text: &str) -> Result<Self> {
        let openapi: openapiv3::OpenAPI = serde_yaml_ng::from_str(text)
            .map_err(|e| format!("not an OpenAPI 3.0 document: {e}"))?;
        let contract = Contract::from_yaml(text)?;
        Ok(Self { openapi, contract })
    }

    /// Every problem the lint finds; empty when the spec is clean.
    pub fn lint(&self) -> Vec<String> {
        // `openapi: 3.1` (which progenitor rejects) fails `parse` already, in `Contract`.
        let mut problems = Vec::new();
        let operation_ids: Vec<&str> =
            self.openapi.operations().filter_map(|(_, _, op)| op.operation_id.as_deref()).collect();
        for (path, method, op) in self.openapi.operations() {
            let name = format!("{} {path}", method.to_uppercase());
            let documented = &op.responses.responses;
            let has_success = documented.keys().any(|code| match code {
                openapiv3::StatusCode::Code(n) => (200..300).contains(n),
                openapiv3::StatusCode::Range(n) => *n == 2,
            });
            let missing = [
                (op.operation_id.as_deref().unwrap_or("").is_empty(), "operationId"),
                (op.summary.is_none(), "summary"),
                (documented.is_empty() && op.responses.default.is_none(), "documented response"),
                (!has_success, "2xx response"),
            ];
            let missing = missing.into_iter().filter(|(missing, _)| *missing);
            problems.extend(missing.map(|(_, what)| format!("{name}: no {what}")));
            // A link to an operation that does not exist misleads the tools that follow it.
            let responses = documented.iter().filter_map(|(code, r)| Some((code, r.as_item()?)));
            for (code, response) in responses {
                for (link_name, link) in &response.links {
                    let target = link.as_item().and_then(|link| match &link.operation {
                        openapiv3::LinkOperation::OperationId(id) => Some(id.as_str()),
                        openapiv3::LinkOperation::OperationRef(_) => None,
                    });
                    if let Some(target) = target.filter(|t| !operation_ids.contains(t)) {
                        let what = format!("link `{link_name}`: no operation `{target}`");
                        problems.push(format!("{name} {code} {what}"));
                    }
                }
            }
        }
        // Codegen turns each description into the docs of a generated field, and the client
        // crate warns on a public item without docs (CI denies warnings): say so here, where
        // the spec author looks, rather than in the generated code.
        let schemas = self.contract.document().pointer("/components/schemas");
        for (schema, value) in schemas.and_then(Value::as_object).into_iter().flatten() {
            let properties = value.get("properties").and_then(Value::as_object);
            for (property, value) in properties.into_iter().flatten() {
                if value.get("description").is_none() && value.get("$ref").is_none() {
                    problems.push(format!(
                        "schema {schema} property `{property}`: no description (the generated \
                         field needs docs)"
                    ));
                }
            }
        }
        let mut cases = Vec::new();
        let document = self.contract.document();
        collect_examples(document, "#", false, &mut cases, &mut problems);
        for (location, schema, example) in &cases {
            // An example shows what its schema declares, no more: no undeclared property either.
            let findings = self.contract.check_value(schema, example);
            let findings = findings.map_err(|e| format!("the schema itself is invalid: {e}"));
            if let Err(errors) = findings.and_then(|findings| violations(&findings, true)) {
                problems.push(format!("example at {location} does not match its schema: {errors}"));
            }
        }
        if cases.is_empty() {
            problems.push("the spec has no examples to check".into());
        }
        problems
    }

    /// Validates `body` against the JSON body that the spec declares for `operation_id`
    /// answering `status` (an exact code first, then a range such as `5XX`, then `default`).
    ///
    /// Returns `Ok(false)` when the spec declares that status with no JSON body, and an
    /// error when the status is undocumented or the body does not match.
    pub fn validate_response(&self, operation_id: &str, status: u16, body: &Value) -> Result<bool> {
        let findings = self.contract.check_json(operation_id, status, body)?;
        violations(&findings, false)
            .map_err(|errors| format!("{operation_id} {status}: {errors}"))?;
        // Where the response declares no JSON body, the contract calls any body unexpected.
        let probe = self.contract.check_json(operation_id, status, &Value::Bool(true))?;
        Ok(!probe.iter().any(|f| f.kind == FindingKind::UnexpectedBody))
    }
}

/// `cargo xtask lint`: fails with every problem [`Spec::lint`] finds in the workspace's spec.
pub fn lint() -> Result<()> {
    let problems = Spec::load()?.lint();
    if problems.is_empty() {
        eprintln!("spec lint: openapi/backups.yaml is clean");
        return Ok(());
    }
    Err(format!("spec lint found {} problem(s):\n  {}", problems.len(), problems.join("\n  "))
        .into())
}

/// What the schema forbids among `findings`, as one message. The doctor calls an enum value
/// the spec does not list an additive surprise (clients keep it), but the schema's `enum`
/// forbids it, and neither the fake server nor an example may send one. A field the schema
/// does not list is allowed in a response (no schema says `additionalProperties: false`), and
/// with `undeclared_fields` forbidden: an example shows what the schema declares, no more.
fn violations(findings: &[Finding], undeclared_fields: bool) -> std::result::Result<(), String> {
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| {
            f.severity == Severity::Violation
                || f.kind == FindingKind::UnknownEnumValue
                || (undeclared_fields && f.kind == FindingKind::UndocumentedField)
        })
        .map(|f| {
            format!("{}: expected {}, got {} (at `{}`)", f.kind, f.expected, f.got, f.location)
        })
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(errors.join("; ")) }
}

/// Finds every example in the document, with where it is and the schema it must satisfy:
/// `example`/`examples` beside a `schema` (media types, parameters, headers), and `example`
/// inside a schema.
fn collect_examples(
    value: &Value,
    location: &str,
    in_schema: bool,
    cases: &mut Vec<(String, Value, Value)>,
    problems: &mut Vec<String>,
) {
    match value {
        Value::Object(map) => {
            if in_schema && let Some(example) = map.get("example") {
                let mut schema = map.clone();
                schema.remove("example");
                cases.push((location.to_owned(), Value::Object(schema), example.clone()));
            } else if !in_schema && let Some(schema) = map.get("schema") {
                if let Some(example) = map.get("example") {
                    let here = format!("{location}/example");
                    cases.push((here, schema.clone(), example.clone()));
                }
                let examples = map.get("examples").and_then(Value::as_object);
                for (name, example) in examples.into_iter().flatten() {
                    let here = format!("{location}/examples/{name}");
                    match example.get("value") {
                        Some(value) => cases.push((here, schema.clone(), value.clone())),
                        None => problems
                            .push(format!("{here}: only inline `value` examples are supported")),
                    }
                }
            }
            for (key, child) in map {
                if matches!(key.as_str(), "example" | "examples" | "default" | "enum") {
                    continue;
                }
                let here = format!("{location}/{key}");
                let child_in_schema = in_schema
                    || key == "schema"
                    || (location == "#/components" && key == "schemas");
                collect_examples(child, &here, child_in_schema, cases, problems);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_examples(item, &format!("{location}/{i}"), in_schema, cases, problems);
            }
        }
        _ => {}
    }
}
