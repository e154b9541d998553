#![doc = include_str!("../README.md")]
//!
//! [`changes`] classifies the changes between two spec texts; [`compare`] also generates the
//! client from both specs and compares their public items ([`surface`]), the ground truth
//! where no rule saw a change, and judges a version bump ([`report`]).

mod operations;
pub mod report;
mod responses;
mod schemas;
pub mod surface;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

pub use report::{
    Contract, Options, Report, compare, generate_with_progenitor, is_breaking_bump, next_breaking,
    next_minor,
};

/// How a change affects crates built against the generated client; serde reads it as
/// `Display` writes it (`breaking`, `additive`, `docs-only`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Code that worked may stop compiling or working: a semver-major change.
    Breaking,
    /// New things, which code written before does not notice: a minor change.
    Additive,
    /// Descriptions, examples and other text for people.
    DocsOnly,
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Class::Breaking => "breaking",
            Class::Additive => "additive",
            Class::DocsOnly => "docs-only",
        })
    }
}

/// One change between two versions of the spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub class: Class,
    /// Where: an operation and the place in it, or a component.
    pub location: String,
    /// What changed, and why it has this class.
    pub reason: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<9}  {}: {}", self.class, self.location, self.reason)
    }
}

/// Every change from the spec text `old` to `new` (YAML or JSON), most severe first.
///
/// # Errors
///
/// A text that is neither YAML nor JSON.
pub fn changes(old: &str, new: &str) -> Result<Vec<Change>, String> {
    let parse = |text: &str, which: &str| -> Result<Value, String> {
        serde_yaml_ng::from_str(text).map_err(|e| format!("parsing the {which} spec: {e}"))
    };
    Ok(diff(&parse(old, "old")?, &parse(new, "new")?))
}

/// Every change from `old` to `new`, most severe first.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    // Shared parameters, responses and headers are compared where they are used; schemas
    // stay references, compared once under `components`.
    let (old, new) = (&inline_refs(old), &inline_refs(new));
    let mut usage = BTreeMap::new();
    operations::schema_usage(old, &mut usage);
    operations::schema_usage(new, &mut usage);
    let mut cx = Diff { old, new, usage, changes: Vec::new() };
    cx.document();
    let mut changes = cx.changes;
    changes.sort();
    changes.dedup();
    changes
}

/// The operations a path item may hold, as OpenAPI spells them (lower case), in its order.
pub const HTTP_METHODS: &[&str] =
    &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Keys that are text for people: a change to them is docs-only wherever it is.
const DOC_KEYS: &[&str] = &[
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
    "deprecated",
    "tags",
    "x-enum-descriptions",
];

const UNCLASSIFIED: &str = "changed, and no rule classifies it: review it by hand";

/// Which way data flows through a schema: what the client sends, what it receives, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Usage {
    request: bool,
    response: bool,
}

impl Usage {
    const REQUEST: Usage = Usage { request: true, response: false };
    const RESPONSE: Usage = Usage { request: false, response: true };

    /// The reason that applies: in a request, in a response, or both.
    fn say(self, in_request: &str, in_response: &str) -> String {
        match (self.request, self.response) {
            (true, false) => in_request.to_owned(),
            (false, true) => in_response.to_owned(),
            _ => format!("in a request, {in_request}; in a response, {in_response}"),
        }
    }

    /// The class of a change that is `if_request` in a request and `if_response` in a
    /// response: the more severe of the two that apply.
    fn class(self, if_request: Class, if_response: Class) -> Class {
        let applies = [(self.request, if_request), (self.response, if_response)];
        applies.into_iter().filter(|(used, _)| *used).fold(Class::DocsOnly, |a, (_, b)| a.min(b))
    }
}

struct Diff<'a> {
    old: &'a Value,
    new: &'a Value,
    /// Which way each component schema is used, in either spec.
    usage: BTreeMap<String, Usage>,
    changes: Vec<Change>,
}

impl<'a> Diff<'a> {
    fn push(&mut self, class: Class, location: &str, reason: impl Into<String>) {
        self.changes.push(Change { class, location: location.to_owned(), reason: reason.into() });
    }

    /// The keys whose values differ from `a` to `b`, with both values; a change of text for
    /// people is recorded here, as docs-only, and not returned.
    fn changed<'v>(
        &mut self,
        at: &str,
        a: &'v Value,
        b: &'v Value,
    ) -> Vec<(String, Option<&'v Value>, Option<&'v Value>)> {
        let (docs, changed): (Vec<_>, _) =
            differing(a, b).into_iter().partition(|(key, ..)| DOC_KEYS.contains(&key.as_str()));
        for (key, ..) in docs {
            self.push(Class::DocsOnly, at, format!("`{key}` changed"));
        }
        changed
    }

    /// Compares two maps (absent is empty) member by member: one that goes is `gone`, one
    /// that comes is `came`, at `at(name)`; one on both sides goes to `both(self, name, at)`.
    fn members<'v>(
        &mut self,
        old: Option<&'v Value>,
        new: Option<&'v Value>,
        at: impl Fn(&str) -> String,
        (gone, came): ((Class, &str), (Class, &str)),
        mut both: impl FnMut(&mut Self, &str, &str, &'v Value, &'v Value),
    ) {
        let (old, new) = (old.unwrap_or(&Value::Null), new.unwrap_or(&Value::Null));
        for name in keys(old, new) {
            let here = at(&name);
            match (old.get(&name), new.get(&name)) {
                (Some(_), None) => self.push(gone.0, &here, gone.1),
                (None, Some(_)) => self.push(came.0, &here, came.1),
                (Some(a), Some(b)) => both(self, &name, &here, a, b),
                (None, None) => {}
            }
        }
    }

    /// Compares two objects (a media type, a header) whose one key with a rule is `schema`.
    fn schema_only(&mut self, at: &str, a: &Value, b: &Value, usage: Usage) {
        for (key, x, y) in self.changed(at, a, b) {
            match key.as_str() {
                "schema" => self.schema_pair(at, x, y, usage),
                other => self.unknown(at, other),
            }
        }
    }

    /// A parameter or request body removed, added (saying `added_required` if required), or
    /// made required or optional; its two sides when it is on both.
    fn presence<'v>(
        &mut self,
        at: &str,
        old: Option<&'v Value>,
        new: Option<&'v Value>,
        added_required: &str,
    ) -> Option<(&'v Value, &'v Value)> {
        match (old, new) {
            (Some(_), None) => self.push(Class::Breaking, at, "removed"),
            (None, Some(b)) if is_true(b, "required") => {
                self.push(Class::Breaking, at, added_required)
            }
            (None, Some(_)) => self.push(Class::Additive, at, "added, optional"),
            (Some(a), Some(b)) => {
                match (is_true(a, "required"), is_true(b, "required")) {
                    (false, true) => self.push(Class::Breaking, at, "became required"),
                    (true, false) => self.push(Class::Additive, at, "became optional"),
                    _ => {}
                }
                return Some((a, b));
            }
            (None, None) => {}
        }
        None
    }

    fn unknown(&mut self, at: &str, key: &str) {
        self.push(Class::Breaking, at, format!("`{key}` {UNCLASSIFIED}"));
    }

    fn document(&mut self) {
        for (key, ..) in differing(self.old, self.new) {
            match key.as_str() {
                "paths" => self.operations(),
                "components" => self.components(),
                "info" | "servers" | "tags" | "externalDocs" => self.push(
                    Class::DocsOnly,
                    &key,
                    format!("`{key}` changed (the generated client takes the base URL as an argument and ignores the rest)"),
                ),
                "openapi" => self.push(Class::Breaking, "openapi", "the OpenAPI version changed"),
                "security" => self.push(
                    Class::Breaking,
                    "security",
                    "the authentication the API requires changed",
                ),
                other if other.starts_with("x-") => {
                    self.push(Class::DocsOnly, other, "an extension changed")
                }
                other => self.push(Class::Breaking, other, UNCLASSIFIED),
            }
        }
    }
}

/// `doc` with every `$ref` to a component other than a schema (a parameter, request body,
/// response, header, ...) replaced by what it points to; schemas stay references.
pub fn inline_refs(doc: &Value) -> Value {
    inline(doc, doc, 0)
}

fn inline(doc: &Value, value: &Value, depth: usize) -> Value {
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str)
                && !reference.starts_with("#/components/schemas/")
                && depth < 16
                && let Some(target) = reference.strip_prefix('#').and_then(|p| doc.pointer(p))
            {
                return inline(doc, target, depth + 1);
            }
            Value::Object(map.iter().map(|(k, v)| (k.clone(), inline(doc, v, depth))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| inline(doc, v, depth)).collect()),
        other => other.clone(),
    }
}

/// The name of the component schema a `$ref` points to; for other components, the rest of
/// the path (`responses/Unauthorized`).
fn reference_name(value: &Value) -> Option<String> {
    let reference = value.get("$ref")?.as_str()?;
    let rest = reference.strip_prefix("#/components/")?;
    Some(rest.strip_prefix("schemas/").unwrap_or(rest).to_owned())
}

fn keys(a: &Value, b: &Value) -> BTreeSet<String> {
    object(a).keys().chain(object(b).keys()).cloned().collect()
}

/// The keys whose values differ from `a` to `b` (or are absent from one), with both values.
fn differing<'v>(
    a: &'v Value,
    b: &'v Value,
) -> Vec<(String, Option<&'v Value>, Option<&'v Value>)> {
    let pair = |key: String| {
        let (x, y) = (a.get(&key), b.get(&key));
        (x != y).then_some((key, x, y))
    };
    keys(a, b).into_iter().filter_map(pair).collect()
}

fn object(value: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    value.as_object().unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

fn array(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn is_true(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool) == Some(true)
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "(none)".to_owned(), Value::to_string)
}
