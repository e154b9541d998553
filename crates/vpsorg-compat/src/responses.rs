//! Request bodies, responses, headers and media types, and what progenitor makes of an
//! operation's bodies: one success type and one error type per method.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value};

use crate::{Class, Diff, Usage, keys, object, reference_name, resolve};

impl Diff<'_> {
    pub(crate) fn request_body(&mut self, at: &str, old: Option<&Value>, new: Option<&Value>) {
        let where_ = format!("{at} request body");
        let (old, new) = (
            old.map(|v| resolve(self.old, v)),
            new.map(|v| resolve(self.new, v)),
        );
        let required = |b: &Value| b.get("required").and_then(Value::as_bool) == Some(true);
        match (old, new) {
            (None, None) => {}
            (Some(_), None) => self.push(Class::Breaking, &where_, "removed"),
            (None, Some(b)) if required(b) => {
                self.push(Class::Breaking, &where_, "added as required")
            }
            (None, Some(_)) => self.push(Class::Additive, &where_, "added, optional"),
            (Some(a), Some(b)) => {
                match (required(a), required(b)) {
                    (false, true) => self.push(Class::Breaking, &where_, "became required"),
                    (true, false) => self.push(Class::Additive, &where_, "became optional"),
                    _ => {}
                }
                for (key, x, y) in self.changed(&where_, a, b) {
                    match key.as_str() {
                        "required" => {}
                        "content" => self.content(&where_, x, y, Usage::REQUEST),
                        other => self.unknown(&where_, other),
                    }
                }
            }
        }
    }

    pub(crate) fn responses(&mut self, at: &str, old: Option<&Value>, new: Option<&Value>) {
        let empty = Value::Object(Map::new());
        let (old, new) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
        for status in keys(old, new) {
            let where_ = format!("{at} response {status}");
            let (a, b) = (
                old.get(&status).map(|v| resolve(self.old, v)),
                new.get(&status).map(|v| resolve(self.new, v)),
            );
            match (a, b) {
                (None, None) => {}
                (Some(_), None) => self.push(
                    Class::Breaking,
                    &where_,
                    "removed: clients that handle it lose it",
                ),
                (None, Some(_)) => self.push(Class::Additive, &where_, "added"),
                (Some(a), Some(b)) => self.response(&where_, a, b),
            }
        }
    }

    /// progenitor 0.15 gives a method one success type and one error type, from the bodies
    /// of its success responses (2xx, 101, `default`) and of its error responses (4xx, 5xx,
    /// `default`): no body (`()`), a body that is not JSON (a byte stream), or a JSON schema.
    /// A change of either is a change of the method's signature; two different bodies on one
    /// side cannot be generated at all.
    pub(crate) fn response_types(&mut self, at: &str, old: Option<&Value>, new: Option<&Value>) {
        let empty = Value::Object(Map::new());
        let (old, new) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
        fn success(status: &str) -> bool {
            status == "default" || status == "101" || status.starts_with('2')
        }
        fn error(status: &str) -> bool {
            status == "default" || status.starts_with('4') || status.starts_with('5')
        }
        type Side = (&'static str, fn(&str) -> bool);
        let sides: [Side; 2] = [("success", success), ("error", error)];
        for (side, belongs) in sides {
            let kinds = |doc: &Value, responses: &Value| -> BTreeSet<BodyKind> {
                let kinds: BTreeSet<BodyKind> = object(responses)
                    .iter()
                    .filter(|(status, _)| belongs(status))
                    .map(|(_, response)| BodyKind::of(resolve(doc, response)))
                    .collect();
                if kinds.is_empty() {
                    BTreeSet::from([BodyKind::None])
                } else {
                    kinds
                }
            };
            let (before, after) = (kinds(self.old, old), kinds(self.new, new));
            if after.len() > 1 {
                let list: Vec<String> = after.iter().map(BodyKind::to_string).collect();
                self.push(
                    Class::Breaking,
                    at,
                    format!(
                        "its {side} responses now have different bodies ({}): progenitor 0.15 generates one {side} type per operation and cannot generate this",
                        list.join(", ")
                    ),
                );
            } else if before.len() == 1
                && before.first().map(BodyKind::category) != after.first().map(BodyKind::category)
            {
                self.push(
                    Class::Breaking,
                    at,
                    format!(
                        "its {side} body changes from {} to {}: the generated method's {side} type changes",
                        before.first().map(BodyKind::to_string).unwrap_or_default(),
                        after.first().map(BodyKind::to_string).unwrap_or_default(),
                    ),
                );
            }
        }
    }

    pub(crate) fn response(&mut self, at: &str, old: &Value, new: &Value) {
        for (key, a, b) in self.changed(at, old, new) {
            match key.as_str() {
                "content" => self.content(at, a, b, Usage::RESPONSE),
                "headers" => self.headers(at, a, b),
                "links" => self.push(
                    Class::DocsOnly,
                    at,
                    "`links` changed (they guide tools such as schemathesis; the generated code ignores them)",
                ),
                other => self.unknown(at, other),
            }
        }
    }

    pub(crate) fn headers(&mut self, at: &str, old: Option<&Value>, new: Option<&Value>) {
        let empty = Value::Object(Map::new());
        let (old, new) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
        for name in keys(old, new) {
            let where_ = format!("{at} header `{name}`");
            match (old.get(&name), new.get(&name)) {
                (Some(_), None) => self.push(
                    Class::Breaking,
                    &where_,
                    "removed: clients that read it lose it",
                ),
                (None, Some(_)) => self.push(Class::Additive, &where_, "added"),
                (Some(a), Some(b)) if a != b => {
                    let (a, b) = (resolve(self.old, a), resolve(self.new, b));
                    for (key, x, y) in self.changed(&where_, a, b) {
                        match key.as_str() {
                            "schema" => self.schema_pair(&where_, x, y, Usage::RESPONSE),
                            other => self.unknown(&where_, other),
                        }
                    }
                }
                _ => {}
            }
        }
    }

    pub(crate) fn content(
        &mut self,
        at: &str,
        old: Option<&Value>,
        new: Option<&Value>,
        usage: Usage,
    ) {
        let empty = Value::Object(Map::new());
        let (old, new) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
        for media in keys(old, new) {
            let where_ = format!("{at} {media}");
            match (old.get(&media), new.get(&media)) {
                (Some(_), None) => self.push(Class::Breaking, &where_, "media type removed"),
                (None, Some(_)) if usage.request && !object(old).is_empty() => self.push(
                    Class::Breaking,
                    &where_,
                    "a second media type for the body: progenitor 0.15 generates one body type per operation and cannot generate this",
                ),
                // What it does to the generated method's type is judged per operation, in
                // `response_types`.
                (None, Some(_)) => self.push(Class::Additive, &where_, "media type added"),
                (Some(a), Some(b)) if a != b => {
                    for (key, x, y) in self.changed(&where_, a, b) {
                        match key.as_str() {
                            "schema" => self.schema_pair(&where_, x, y, usage),
                            other => self.unknown(&where_, other),
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// What progenitor makes of a response's body (see `Diff::response_types`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum BodyKind {
    /// No content: `()`.
    None,
    /// Content, none of it JSON: a byte stream.
    Raw,
    /// A JSON body: the schema, as the spec writes it (a `$ref` names its type).
    Json(String),
}

impl BodyKind {
    pub(crate) fn of(response: &Value) -> Self {
        let content = object(response.get("content").unwrap_or(&Value::Null));
        let json = content.iter().find(|(media, _)| {
            *media == "application/json" || media.starts_with("application/json;")
        });
        match json {
            Some((_, media)) => {
                let schema = media.get("schema").unwrap_or(&Value::Null);
                BodyKind::Json(match reference_name(schema) {
                    Some(name) => format!("JSON {name}"),
                    None => format!("JSON {schema}"),
                })
            }
            None if content.is_empty() => BodyKind::None,
            None => BodyKind::Raw,
        }
    }

    pub(crate) fn category(&self) -> u8 {
        match self {
            BodyKind::None => 0,
            BodyKind::Raw => 1,
            BodyKind::Json(_) => 2,
        }
    }
}

impl fmt::Display for BodyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyKind::None => f.write_str("no body"),
            BodyKind::Raw => f.write_str("a body that is not JSON"),
            BodyKind::Json(schema) => f.write_str(schema),
        }
    }
}
