//! Request bodies, responses, headers and media types, and what progenitor makes of an
//! operation's bodies: one success type and one error type per method.

use std::collections::BTreeSet;
use std::fmt;
use std::mem::discriminant;

use serde_json::Value;

use crate::{Class, Diff, Usage, object, reference_name};

impl Diff<'_> {
    pub(crate) fn request_body(&mut self, at: &str, old: Option<&Value>, new: Option<&Value>) {
        let where_ = format!("{at} request body");
        let Some((a, b)) = self.presence(&where_, old, new, "added as required") else {
            return;
        };
        for (key, x, y) in self.changed(&where_, a, b) {
            match key.as_str() {
                "required" => {}
                "content" => self.content(&where_, x, y, Usage::REQUEST),
                other => self.unknown(&where_, other),
            }
        }
    }

    pub(crate) fn responses(&mut self, at: &str, old: Option<&Value>, new: Option<&Value>) {
        let gone = (Class::Breaking, "removed: clients that handle it lose it");
        let at = |status: &str| format!("{at} response {status}");
        let added = (Class::Additive, "added");
        self.members(old, new, at, (gone, added), |cx, _, at, a, b| cx.response(at, a, b));
    }

    /// progenitor 0.15 gives a method one success type and one error type (see README.md):
    /// a change of either changes its signature; two bodies on one side cannot be generated.
    pub(crate) fn response_types(&mut self, at: &str, old: Option<&Value>, new: Option<&Value>) {
        let (old, new) = (old.unwrap_or(&Value::Null), new.unwrap_or(&Value::Null));
        type Side = (&'static str, fn(&str) -> bool);
        let sides: [Side; 2] = [
            ("success", |s| s == "default" || s == "101" || s.starts_with('2')),
            ("error", |s| s == "default" || s.starts_with(['4', '5'])),
        ];
        for (side, belongs) in sides {
            let kinds = |responses: &Value| -> BTreeSet<BodyKind> {
                let ours = object(responses).iter().filter(|(status, _)| belongs(status));
                let kinds: BTreeSet<BodyKind> = ours.map(|(_, r)| BodyKind::of(r)).collect();
                if kinds.is_empty() { BTreeSet::from([BodyKind::None]) } else { kinds }
            };
            let (before, after) = (kinds(old), kinds(new));
            if after.len() > 1 {
                let list: Vec<String> = after.iter().map(BodyKind::to_string).collect();
                let list = list.join(", ");
                let why = format!(
                    "its {side} responses now have different bodies ({list}): progenitor 0.15 generates one {side} type per operation and cannot generate this"
                );
                self.push(Class::Breaking, at, why);
            } else if let (1, Some(was), Some(is)) = (before.len(), before.first(), after.first())
                && discriminant(was) != discriminant(is)
            {
                let why = format!(
                    "its {side} body changes from {was} to {is}: the generated method's {side} type changes"
                );
                self.push(Class::Breaking, at, why);
            }
        }
    }

    pub(crate) fn response(&mut self, at: &str, old: &Value, new: &Value) {
        for (key, a, b) in self.changed(at, old, new) {
            match key.as_str() {
                "content" => self.content(at, a, b, Usage::RESPONSE),
                "headers" => {
                    let gone = (Class::Breaking, "removed: clients that read it lose it");
                    let at = |name: &str| format!("{at} header `{name}`");
                    let added = (Class::Additive, "added");
                    self.members(a, b, at, (gone, added), |cx, _, at, a, b| {
                        cx.schema_only(at, a, b, Usage::RESPONSE)
                    });
                }
                "links" => self.push(
                    Class::DocsOnly,
                    at,
                    "`links` changed (they guide tools such as schemathesis; the generated code ignores them)",
                ),
                other => self.unknown(at, other),
            }
        }
    }

    /// A media type added beside another of a request body cannot be generated; what one
    /// does to a response's type is judged per operation, in `response_types`.
    pub(crate) fn content(
        &mut self,
        at: &str,
        old: Option<&Value>,
        new: Option<&Value>,
        usage: Usage,
    ) {
        let came = if usage.request && old.is_some_and(|o| !object(o).is_empty()) {
            (
                Class::Breaking,
                "a second media type for the body: progenitor 0.15 generates one body type per operation and cannot generate this",
            )
        } else {
            (Class::Additive, "media type added")
        };
        let gone = (Class::Breaking, "media type removed");
        let at = |media: &str| format!("{at} {media}");
        self.members(old, new, at, (gone, came), |cx, _, at, a, b| cx.schema_only(at, a, b, usage));
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
