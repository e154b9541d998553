//! The checks of one response against the contract; the crate's README.md says how they work.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use http::HeaderMap;
use http::header::CONTENT_TYPE;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::finding::{Finding, FindingKind, describe_value, json_type};

const EMBEDDED_YAML: &str = include_str!("../contract/backups.yaml");

/// The HTTP methods an OpenAPI path item may hold (in lower case there), in its order.
const METHODS: &str = "GET PUT POST DELETE OPTIONS HEAD PATCH TRACE";

/// Why a contract could not be loaded or asked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContractError {
    /// The text is not YAML, or not an OpenAPI 3.0 document.
    Parse(String),
    /// No operation has this `operationId`.
    UnknownOperation(String),
    /// A schema in the document is not a valid JSON Schema once rewritten to draft 4.
    InvalidSchema {
        /// Where the schema is (a JSON pointer into the document, or `inline`).
        location: String,
        /// What the validator said.
        message: String,
    },
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parse(message) => write!(f, "not an OpenAPI 3.0 document: {message}"),
            Self::UnknownOperation(id) => write!(f, "no operation `{id}` in the contract"),
            Self::InvalidSchema { location, message } => {
                write!(f, "the schema at {location} is invalid: {message}")
            }
        }
    }
}

impl std::error::Error for ContractError {}

/// One operation of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationRef<'a> {
    /// Its `operationId`.
    pub id: &'a str,
    /// The HTTP method in upper case (`GET`).
    pub method: &'static str,
    /// The path template (`/api/v1/backups/{backup_id}/`).
    pub path: &'a str,
}

/// An OpenAPI 3.0 document ready to check responses against.
///
/// ```
/// use vpsorg_contract::{Contract, FindingKind};
///
/// let contract = Contract::embedded();
/// let headers = http::HeaderMap::from_iter([(
///     http::header::CONTENT_TYPE,
///     http::HeaderValue::from_static("application/json"),
/// )]);
/// let body = br#"{"count": 0, "results": [], "next": null, "previous": null, "total": 0}"#;
/// let findings = contract.check_response("listBackups", 200, &headers, body).unwrap();
/// assert_eq!(findings.len(), 1);
/// assert_eq!(findings[0].kind, FindingKind::UndocumentedField); // `total`: a warning
/// ```
pub struct Contract {
    openapi: openapiv3::OpenAPI,
    /// The whole document as JSON, as written.
    raw: Value,
    /// `{"components": ...}`, every schema rewritten to draft 4: what `$ref`s resolve against.
    draft4: Value,
    sha256: String,
    /// Compiled validators, by the schema's location (or its text for inline schemas).
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

impl fmt::Debug for Contract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Contract")
            .field("title", &self.title())
            .field("version", &self.version())
            .field("sha256", &self.sha256)
            .finish_non_exhaustive()
    }
}

impl Contract {
    /// The contract this crate was built with (`contract/backups.yaml`), parsed once.
    pub fn embedded() -> &'static Contract {
        static EMBEDDED: OnceLock<Contract> = OnceLock::new();
        EMBEDDED.get_or_init(|| {
            // The embedded text is fixed at build time and a unit test parses it.
            Contract::from_yaml(EMBEDDED_YAML)
                .unwrap_or_else(|e| panic!("the embedded contract does not parse: {e}"))
        })
    }

    /// Parses an OpenAPI 3.0 document from YAML (or JSON) text.
    ///
    /// # Errors
    ///
    /// [`ContractError::Parse`] when the text is not YAML or not an OpenAPI 3.0 document.
    pub fn from_yaml(text: &str) -> Result<Self, ContractError> {
        // Parsed once, as written; the typed document is read from that (as codegen does).
        let parse_error = |e: &dyn fmt::Display| ContractError::Parse(e.to_string());
        let raw: Value = serde_yaml_ng::from_str(text).map_err(|e| parse_error(&e))?;
        let openapi: openapiv3::OpenAPI =
            serde_json::from_value(raw.clone()).map_err(|e| parse_error(&e))?;
        if !openapi.openapi.starts_with("3.0.") {
            let version = &openapi.openapi;
            return Err(ContractError::Parse(format!("`openapi: {version}` is not 3.0.x")));
        }
        let components = to_draft4(raw.get("components").cloned().unwrap_or_else(|| json!({})));
        let draft4 = json!({ "components": components });
        let sha256 = format!("{:x}", Sha256::digest(text.as_bytes()));
        Ok(Self { openapi, raw, draft4, sha256, validators: Mutex::new(HashMap::new()) })
    }

    /// The whole document as JSON, as written (for walking it: examples, descriptions).
    pub fn document(&self) -> &Value {
        &self.raw
    }

    /// `info.title`.
    pub fn title(&self) -> &str {
        &self.openapi.info.title
    }

    /// `info.version`.
    pub fn version(&self) -> &str {
        &self.openapi.info.version
    }

    /// The SHA-256 of the YAML text, in lower-case hex (the hash `generated.rs` names).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Every operation, by path in sorted order, then by method (GET, PUT, POST, DELETE, …).
    pub fn operations(&self) -> Vec<OperationRef<'_>> {
        let mut operations = Vec::new();
        for (path, item) in self.raw["paths"].as_object().into_iter().flatten() {
            for method in METHODS.split(' ') {
                if let Some(id) = item[method.to_ascii_lowercase()]["operationId"].as_str() {
                    operations.push(OperationRef { id, method, path });
                }
            }
        }
        operations
    }

    /// The operation's `responses` and where they are (`#/paths/<path>/<method>/responses`).
    fn responses(&self, operation_id: &str) -> Result<(String, &Value), ContractError> {
        let op = self.operations().into_iter().find(|op| op.id == operation_id);
        let op = op.ok_or_else(|| ContractError::UnknownOperation(operation_id.to_string()))?;
        let method = op.method.to_ascii_lowercase();
        let at = format!("#/paths/{}/{method}/responses", escape_pointer(op.path));
        Ok((at, &self.raw["paths"][op.path][method]["responses"]))
    }

    /// The response keys an operation documents, sorted as text (`200`, `5XX`, `default`).
    ///
    /// # Errors
    ///
    /// [`ContractError::UnknownOperation`].
    pub fn documented_responses(&self, operation_id: &str) -> Result<Vec<String>, ContractError> {
        let (_, responses) = self.responses(operation_id)?;
        Ok(responses.as_object().map(|r| r.keys().cloned().collect()).unwrap_or_default())
    }

    /// The documented response that answers `status`: the exact code, else its range
    /// (`5XX`), else `default`; `None` when the status is undocumented.
    ///
    /// # Errors
    ///
    /// [`ContractError::UnknownOperation`].
    pub fn response_key(
        &self,
        operation_id: &str,
        status: u16,
    ) -> Result<Option<String>, ContractError> {
        Ok(self.response(operation_id, status)?.map(|(key, ..)| key))
    }

    /// Checks one response against the operation's documented responses: the status is
    /// documented; the `Content-Type` is one the response declares (and a response that
    /// declares no content has no body); a JSON body parses and matches its schema; declared
    /// headers that are present match their schema, and required ones are present.
    ///
    /// Returns every difference found; empty when the response keeps the contract. Fields
    /// and enum values the schema does not list are [warnings](crate::Severity::Warning).
    ///
    /// # Errors
    ///
    /// [`ContractError::UnknownOperation`], or [`ContractError::InvalidSchema`] when the
    /// contract's own schema does not compile.
    pub fn check_response(
        &self,
        operation_id: &str,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<Finding>, ContractError> {
        let Some((key, at, response)) = self.response(operation_id, status)? else {
            return Ok(vec![self.undocumented(operation_id, status)?]);
        };
        let mut findings = self.check_headers(response, headers)?;
        let content = response.get("content").and_then(Value::as_object);
        let Some(content) = content.filter(|c| !c.is_empty()) else {
            if !body.is_empty() {
                let expected = format!("no body (the {key} response declares none)");
                let got = format!("{} bytes", body.len());
                findings.push(Finding::new(FindingKind::UnexpectedBody, "body", expected, got));
            }
            return Ok(findings);
        };
        let content_type =
            headers.get(CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let media = content_type.as_deref().and_then(|ct| {
            let essence = ct.split(';').next().unwrap_or("").trim();
            content.get_key_value(&essence.to_ascii_lowercase())
        });
        let Some((media_type, media)) = media else {
            let expected = content.keys().cloned().collect::<Vec<_>>().join(" or ");
            let got = content_type.unwrap_or_else(|| "no Content-Type".into());
            let location = "header:Content-Type";
            findings.push(Finding::new(FindingKind::WrongContentType, location, expected, got));
            return Ok(findings);
        };
        if media_type != "application/json" && !media_type.ends_with("+json") {
            return Ok(findings);
        }
        let value = match serde_json::from_slice::<Value>(body) {
            Ok(value) => value,
            Err(error) => {
                let got = if body.is_empty() {
                    "an empty body".to_string()
                } else {
                    let start = String::from_utf8_lossy(&body[..body.len().min(40)]);
                    format!("{error}; the body starts {start:?}")
                };
                let expected = format!("JSON ({media_type})");
                findings.push(Finding::new(FindingKind::NotJson, "body", expected, got));
                return Ok(findings);
            }
        };
        if let Some(schema) = media.get("schema") {
            let location = format!("{at}/content/{media_type}/schema");
            findings.extend(self.check_schema_at(&location, schema, &value)?);
        }
        Ok(findings)
    }

    /// Checks a body that is already JSON against the `application/json` schema the
    /// operation declares for `status` (no headers, no content type). A `null` body stands
    /// for "no body".
    ///
    /// # Errors
    ///
    /// As [`check_response`](Self::check_response).
    pub fn check_json(
        &self,
        operation_id: &str,
        status: u16,
        body: &Value,
    ) -> Result<Vec<Finding>, ContractError> {
        let Some((key, at, response)) = self.response(operation_id, status)? else {
            return Ok(vec![self.undocumented(operation_id, status)?]);
        };
        match response.pointer("/content/application~1json/schema") {
            Some(schema) => {
                let location = format!("{at}/content/application/json/schema");
                self.check_schema_at(&location, schema, body)
            }
            None if body.is_null() => Ok(Vec::new()),
            None => Ok(vec![Finding::new(
                FindingKind::UnexpectedBody,
                "body",
                format!("no JSON body (the {key} response declares none)"),
                describe_value(body),
            )]),
        }
    }

    /// Checks `instance` against a schema written in the contract's dialect (OpenAPI 3.0:
    /// `nullable`, `$ref`s into this document's `components`), such as an example's schema.
    ///
    /// # Errors
    ///
    /// [`ContractError::InvalidSchema`] when the schema does not compile.
    pub fn check_value(
        &self,
        schema: &Value,
        instance: &Value,
    ) -> Result<Vec<Finding>, ContractError> {
        let location = format!("inline:{schema}");
        self.check_schema_at(&location, schema, instance)
    }

    /// The documented response for `status`, with `$ref` resolved: its key, and where it is.
    fn response(
        &self,
        operation_id: &str,
        status: u16,
    ) -> Result<Option<(String, String, &Value)>, ContractError> {
        let (at, responses) = self.responses(operation_id)?;
        let keys = [status.to_string(), format!("{}XX", status / 100), "default".to_string()];
        Ok(keys.into_iter().find_map(|key| {
            let response = resolve(&self.raw, responses.get(&key)?);
            let at = format!("{at}/{key}");
            Some((key, at, response))
        }))
    }

    fn undocumented(&self, operation_id: &str, status: u16) -> Result<Finding, ContractError> {
        let documented = self.documented_responses(operation_id)?.join(", ");
        let expected = format!("one of {documented} for {operation_id}");
        Ok(Finding::new(FindingKind::UndocumentedStatus, "status", expected, status.to_string()))
    }

    fn check_headers(
        &self,
        response: &Value,
        headers: &HeaderMap,
    ) -> Result<Vec<Finding>, ContractError> {
        let mut findings = Vec::new();
        let declared_headers = response.get("headers").and_then(Value::as_object);
        for (name, declared) in declared_headers.into_iter().flatten() {
            let declared = resolve(&self.raw, declared);
            let finding = |kind, expected: String, got: String| {
                Finding::new(kind, format!("header:{name}"), expected, got)
            };
            let Some(value) = headers.get(name.as_str()) else {
                if declared.get("required") == Some(&Value::Bool(true)) {
                    let expected = format!("a {name} header");
                    findings.push(finding(FindingKind::MissingHeader, expected, "none".into()));
                }
                continue;
            };
            let Ok(text) = value.to_str() else {
                let got = String::from_utf8_lossy(value.as_bytes()).into_owned();
                let expected = "visible ASCII text".into();
                findings.push(finding(FindingKind::InvalidHeader, expected, got));
                continue;
            };
            if let Some(schema) = declared.get("schema") {
                let text = Value::String(text.into());
                let found = self.check_schema_at(&format!("header {name}"), schema, &text)?;
                let invalid = |f: Finding| finding(FindingKind::InvalidHeader, f.expected, f.got);
                findings.extend(found.into_iter().map(invalid));
            }
        }
        Ok(findings)
    }

    /// Validates with `jsonschema`, then walks for undocumented fields and `int64` ranges.
    fn check_schema_at(
        &self,
        location: &str,
        schema: &Value,
        instance: &Value,
    ) -> Result<Vec<Finding>, ContractError> {
        let schema = to_draft4(schema.clone());
        let validator = self.validator(location, &schema)?;
        let mut findings = Vec::new();
        let mut typed_paths = Vec::new();
        let mut enum_errors = Vec::new();
        for error in validator.iter_errors(instance) {
            let mut path = error.instance_path().as_str().to_string();
            let got = describe_value(error.instance());
            let (kind, expected, got) = match error.kind() {
                ValidationErrorKind::Required { property } => {
                    let property = property.as_str().unwrap_or_default();
                    path = format!("{path}/{}", escape_pointer(property));
                    let expected = format!("required field `{property}`");
                    (FindingKind::MissingRequiredField, expected, "absent".into())
                }
                ValidationErrorKind::Type { kind } => {
                    typed_paths.push(path.clone());
                    let got = format!("{} ({got})", json_type(error.instance()));
                    let expected = match kind {
                        TypeKind::Single(ty) => ty.to_string(),
                        TypeKind::Multiple(set) => set
                            .into_iter()
                            .map(|ty| ty.to_string())
                            .collect::<Vec<_>>()
                            .join(" or "),
                    };
                    (FindingKind::TypeMismatch, expected, got)
                }
                ValidationErrorKind::Enum { options } => {
                    let options = options
                        .as_array()
                        .map(|o| o.iter().map(describe_value).collect::<Vec<_>>().join(", "))
                        .unwrap_or_default();
                    (FindingKind::UnknownEnumValue, format!("one of {options}"), got)
                }
                ValidationErrorKind::Format { format } => {
                    (FindingKind::FormatMismatch, format!("format {format}"), got)
                }
                _ => {
                    let keyword = format!("`{}`", error.schema_path().as_str());
                    (FindingKind::ConstraintViolated, keyword, error.to_string())
                }
            };
            let finding = Finding::new(kind, at_path(&path), expected, got);
            match kind {
                FindingKind::UnknownEnumValue => enum_errors.push(finding),
                _ => findings.push(finding),
            }
        }
        // `status: 5` fails both `type` and `enum`; the type mismatch says it all.
        enum_errors.retain(|f| !typed_paths.iter().any(|p| at_path(p) == f.location));
        findings.extend(enum_errors);
        let mut walk = Walk { draft4: &self.draft4, findings: &mut findings };
        walk.value(&schema, instance, "", 0);
        Ok(findings)
    }

    fn validator(
        &self,
        location: &str,
        schema: &Value,
    ) -> Result<Arc<jsonschema::Validator>, ContractError> {
        let mut cache = self.validators.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(validator) = cache.get(location) {
            return Ok(validator.clone());
        }
        // The target sits beside `components`, so that `#/components/...` references resolve.
        let root = json!({
            "components": self.draft4["components"],
            "x-target": schema,
            "$ref": "#/x-target",
        });
        let validator = jsonschema::draft4::options()
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| ContractError::InvalidSchema {
                location: location.chars().take(200).collect(),
                message: e.to_string(),
            })?;
        let validator = Arc::new(validator);
        cache.insert(location.to_string(), validator.clone());
        Ok(validator)
    }
}

fn at_path(path: &str) -> &str {
    if path.is_empty() { "body" } else { path }
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// What the validator does not report: fields a schema does not declare (the spec never says
/// `additionalProperties: false`, so a validator accepts them), and integers outside `int64`.
struct Walk<'a> {
    draft4: &'a Value,
    findings: &'a mut Vec<Finding>,
}

/// How deep the walk follows a body (the contract's bodies are three levels deep).
const MAX_DEPTH: usize = 32;

impl Walk<'_> {
    fn value(&mut self, schema: &Value, instance: &Value, path: &str, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let parts = self.flatten(schema, 0);
        match instance {
            Value::Object(object) => self.object(&parts, object, path, depth),
            Value::Array(items) => {
                if let Some(item_schema) = parts.iter().find_map(|p| p.get("items")) {
                    for (i, item) in items.iter().enumerate() {
                        self.value(item_schema, item, &format!("{path}/{i}"), depth + 1);
                    }
                }
            }
            Value::Number(n) => {
                let int64 =
                    parts.iter().any(|p| p.get("format").and_then(Value::as_str) == Some("int64"));
                let whole = n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0);
                if int64 && whole && n.as_i64().is_none() {
                    let expected = "a 64-bit integer (int64)";
                    let kind = FindingKind::TypeMismatch;
                    self.findings.push(Finding::new(kind, at_path(path), expected, n.to_string()));
                }
            }
            _ => {}
        }
    }

    fn object(&mut self, parts: &[Value], object: &Map<String, Value>, path: &str, depth: usize) {
        let declares_object = parts.iter().any(|p| {
            p.get("properties").is_some()
                || p.get("additionalProperties").is_some()
                || p.get("type") == Some(&json!("object"))
        });
        if !declares_object {
            return;
        }
        for (name, value) in object {
            let here = format!("{path}/{}", escape_pointer(name));
            let declared = parts.iter().find_map(|p| p.get("properties")?.get(name));
            let extra = parts.iter().find_map(|p| p.get("additionalProperties"));
            match (declared, extra) {
                (Some(schema), _) | (None, Some(schema @ Value::Object(_))) => {
                    self.value(schema, value, &here, depth + 1)
                }
                // `false`: the validator already refused it.
                (None, Some(Value::Bool(false))) => {}
                _ => self.findings.push(Finding::new(
                    FindingKind::UndocumentedField,
                    here,
                    "only the fields the schema declares",
                    format!("a field of type {} ({})", json_type(value), describe_value(value)),
                )),
            }
        }
    }

    /// The schema and everything it is made of through `$ref`, `allOf`, `anyOf` and `oneOf`
    /// (leniently: what any alternative declares counts as declared).
    fn flatten(&self, schema: &Value, depth: usize) -> Vec<Value> {
        let schema = resolve(self.draft4, schema);
        // Too deep, or a `$ref` that does not resolve.
        if depth > MAX_DEPTH || schema.get("$ref").is_some() {
            return Vec::new();
        }
        let mut parts = vec![schema.clone()];
        for combinator in ["allOf", "anyOf", "oneOf"] {
            let subs = schema.get(combinator).and_then(Value::as_array);
            for sub in subs.into_iter().flatten() {
                parts.extend(self.flatten(sub, depth + 1));
            }
        }
        parts
    }
}

/// Follows local `$ref`s (`#/components/...`) in `doc` until it reaches a value; a cycle of
/// references stops after a few hops, at a `$ref`.
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..8 {
        let reference = value.get("$ref").and_then(Value::as_str);
        match reference.and_then(|r| doc.pointer(r.strip_prefix('#')?)) {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

/// Rewrites the OpenAPI 3.0 dialect into JSON Schema draft 4: `nullable: true` becomes a
/// `null` type (and a `null` enum member; an `anyOf` with `null` when there is no `type`).
/// The values of data keywords (`example`, `enum`, `default`) are left alone.
pub(crate) fn to_draft4(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let nullable = map.get("nullable") == Some(&Value::Bool(true));
            let mut out = Map::new();
            for (key, child) in map {
                let child = match key.as_str() {
                    "nullable" => continue,
                    "example" | "examples" | "default" | "enum" => child,
                    _ => to_draft4(child),
                };
                out.insert(key, child);
            }
            if !nullable {
                return Value::Object(out);
            }
            match out.get("type").cloned() {
                Some(Value::String(ty)) => {
                    out.insert("type".into(), json!([ty, "null"]));
                    if let Some(Value::Array(values)) = out.get_mut("enum") {
                        values.push(Value::Null);
                    }
                    Value::Object(out)
                }
                _ => json!({"anyOf": [Value::Object(out), {"type": "null"}]}),
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(to_draft4).collect()),
        other => other,
    }
}
