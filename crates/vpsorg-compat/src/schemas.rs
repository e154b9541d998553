//! Component schemas and their properties: types, formats, nullability, requiredness,
//! enums, bounds and defaults, each judged by the direction the schema is used in.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::{
    Class, Diff, UNCLASSIFIED, Usage, array, differing, is_true, keys, reference_name, show,
};

impl<'a> Diff<'a> {
    pub(crate) fn components(&mut self) {
        let section = |doc: &'a Value| doc.get("components").unwrap_or(&Value::Null);
        for (name, a, b) in differing(section(self.old), section(self.new)) {
            match name.as_str() {
                "schemas" => {
                    let gone = (Class::Breaking, "removed: its generated type goes");
                    let came = (Class::Additive, "added: a new generated type");
                    let at = |schema: &str| format!("schema {schema}");
                    self.members(a, b, at, (gone, came), |cx, schema, at, x, y| {
                        let both = Usage { request: true, response: true };
                        let used = cx.usage.get(schema).copied().unwrap_or(both);
                        cx.schema(at, x, y, used)
                    });
                }
                // Referenced from operations, and compared there, resolved.
                "parameters" | "responses" | "requestBodies" | "headers" | "examples" | "links" => {
                }
                "securitySchemes" => self.push(
                    Class::Breaking,
                    "components/securitySchemes",
                    "the authentication schemes changed",
                ),
                other => self.push(Class::Breaking, &format!("components/{other}"), UNCLASSIFIED),
            }
        }
    }

    /// Compares two schemas that may be `$ref`s. Two references to the same component are
    /// the same type, compared once under `components` instead; a reference that now
    /// names another component is another generated type.
    pub(crate) fn schema_pair(
        &mut self,
        at: &str,
        old: Option<&Value>,
        new: Option<&Value>,
        usage: Usage,
    ) {
        let (old, new) = match (old, new) {
            (Some(a), Some(b)) => (a, b),
            (Some(_), None) => return self.push(Class::Breaking, at, "its schema was removed"),
            (None, Some(_)) => {
                let why = "a schema was added where there was none";
                return self.push(Class::Breaking, at, why);
            }
            (None, None) => return,
        };
        let what = match (reference_name(old), reference_name(new)) {
            (None, None) => return self.schema(at, old, new, usage),
            (Some(a), Some(b)) if a == b => return,
            (Some(a), Some(b)) => format!("refers to schema {b} instead of {a}"),
            (Some(a), None) => format!("an inline schema replaces schema {a}"),
            (None, Some(b)) => format!("schema {b} replaces an inline schema"),
        };
        self.push(Class::Breaking, at, format!("{what}: another generated type"));
    }

    pub(crate) fn schema(&mut self, at: &str, old: &Value, new: &Value, usage: Usage) {
        let [was, now] =
            [old, new].map(|s| s.get("type").and_then(Value::as_str).unwrap_or("(none)"));
        if was != now {
            return self.push(Class::Breaking, at, format!("type changed from {was} to {now}"));
        }
        self.rust_type(at, old, new);
        for (key, a, b) in self.changed(at, old, new) {
            let (was, now) = (show(a), show(b));
            match key.as_str() {
                "type" => {}
                "format" => self.push(
                    Class::Breaking,
                    at,
                    format!("format changed from {was} to {now}: the value's Rust type changes"),
                ),
                "nullable" => {
                    if b.and_then(Value::as_bool) == Some(true) {
                        // The API accepts more, but the Rust field's type changes either way.
                        self.push(Class::Breaking, at, usage.say(
                            "became nullable: the Rust field becomes an Option, so code that reads or sets it changes",
                            "became nullable: the Rust type becomes an Option, and clients must handle null",
                        ));
                    } else {
                        let why = "is no longer nullable: the Rust type is no longer an Option";
                        self.push(Class::Breaking, at, why);
                    }
                }
                "enum" => self.enum_values(at, a, b, usage),
                // Compared together, once: requiredness is a property's.
                "properties" => self.properties(at, old, new, usage),
                "required" if old.get("properties") == new.get("properties") => {
                    self.properties(at, old, new, usage)
                }
                "required" => {}
                "items" => self.schema_pair(&format!("{at}[]"), a, b, usage),
                "additionalProperties" => match (a, b) {
                    (Some(x), Some(y)) if x.is_object() && y.is_object() => {
                        self.schema_pair(&format!("{at}{{*}}"), a, b, usage)
                    }
                    _ => self.push(
                        Class::Breaking,
                        at,
                        format!("additionalProperties changed from {was} to {now}"),
                    ),
                },
                "allOf" | "oneOf" | "anyOf" => {
                    let (x, y) = (array(a), array(b));
                    if x.len() != y.len() {
                        let (was, now) = (x.len(), y.len());
                        let why = format!("`{key}` now has {now} parts instead of {was}");
                        self.push(Class::Breaking, at, why);
                    } else {
                        for (index, (x, y)) in x.iter().zip(y).enumerate() {
                            if x != y {
                                let here = format!("{at} {key}[{index}]");
                                self.schema_pair(&here, Some(x), Some(y), usage);
                            }
                        }
                    }
                }
                "maximum" | "exclusiveMaximum" | "maxLength" | "maxItems" | "maxProperties"
                | "minimum" | "exclusiveMinimum" | "minLength" | "minItems" | "minProperties" => {
                    self.bound(at, &key, a, b, usage)
                }
                "pattern" | "multipleOf" | "uniqueItems" => {
                    let class = match (a, b) {
                        // Removing a constraint widens it.
                        (Some(_), None) => usage.class(Class::Additive, Class::Breaking),
                        // Adding or changing one may narrow it.
                        _ => usage.class(Class::Breaking, Class::Additive),
                    };
                    self.push(class, at, format!("`{key}` changed from {was} to {now}"));
                }
                "default" => {
                    let what = usage.say(
                        "a request that leaves it out now means something else",
                        "old clients fill in the old default",
                    );
                    let why = format!(
                        "default changed from {was} to {now}: {what}; an optional field with a default is no Option in Rust"
                    );
                    self.push(Class::Breaking, at, why);
                }
                other if other.starts_with("x-") => {
                    self.push(Class::DocsOnly, at, format!("extension `{other}` changed"))
                }
                // `readOnly`, `writeOnly`, `not`, `discriminator`, and what no rule knows.
                other => self.unknown(at, other),
            }
        }
    }

    /// Changes typify makes to a value's Rust type that no constraint rule shows by itself:
    /// what gives the type, what to say when it comes and when it goes.
    pub(crate) fn rust_type(&mut self, at: &str, old: &Value, new: &Value) {
        let kind = |s: &Value, of: &str| s.get("type").and_then(Value::as_str) == Some(of);
        type Rule<'r> = (&'r dyn Fn(&Value) -> bool, &'static str, &'static str);
        let rules: [Rule<'_>; 3] = [
            (
                &|s| {
                    kind(s, "string")
                        && s.get("enum").is_none()
                        && ["maxLength", "minLength", "pattern"].iter().any(|k| s.get(*k).is_some())
                },
                "a length or pattern constraint makes its Rust type a validating newtype instead of String",
                "without length or pattern constraints its Rust type is String instead of a newtype",
            ),
            (
                &|s| kind(s, "integer") && s.get("minimum").and_then(Value::as_f64) == Some(1.0),
                "a minimum of exactly 1 makes its Rust type a NonZero integer; that changed",
                "a minimum of exactly 1 makes its Rust type a NonZero integer; that changed",
            ),
            (
                &|s| s.get("enum").is_some(),
                "became an enum: its Rust type is an enum instead of String",
                "is no longer an enum: its Rust type is String instead of an enum",
            ),
        ];
        for (has, came, went) in rules {
            if has(old) != has(new) {
                self.push(Class::Breaking, at, if has(new) { came } else { went });
            }
        }
    }

    pub(crate) fn enum_values(
        &mut self,
        at: &str,
        old: Option<&Value>,
        new: Option<&Value>,
        usage: Usage,
    ) {
        let (Some(old), Some(new)) = (old, new) else {
            return; // Covered by `rust_type`.
        };
        let (old, new) = (array(Some(old)), array(Some(new)));
        for value in old.iter().filter(|v| !new.contains(v)) {
            let why = format!("enum value {value} removed: its Rust variant goes");
            self.push(Class::Breaking, at, why);
        }
        for value in new.iter().filter(|v| !old.contains(v)) {
            let class = usage.class(Class::Additive, Class::Additive);
            let why = if usage.response {
                "the generated enums keep values they do not know as Unknown"
            } else {
                "clients may send it"
            };
            self.push(class, at, format!("enum value {value} added: {why}"));
        }
    }

    pub(crate) fn properties(&mut self, at: &str, old: &Value, new: &Value, usage: Usage) {
        let props = |s| Value::get(s, "properties").unwrap_or(&Value::Null);
        let required = |s: &Value| -> BTreeSet<String> {
            array(s.get("required")).iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
        };
        let (old_props, new_props) = (props(old), props(new));
        let (old_required, new_required) = (required(old), required(new));
        for name in keys(old_props, new_props) {
            let where_ = format!("{at}.{name}");
            let (was_required, is_required) =
                (old_required.contains(&name), new_required.contains(&name));
            match (old_props.get(&name), new_props.get(&name)) {
                (Some(_), None) => {
                    self.push(Class::Breaking, &where_, "property removed: its Rust field goes")
                }
                (None, Some(_)) => {
                    let class = usage.class(
                        if is_required { Class::Breaking } else { Class::Additive },
                        Class::Additive,
                    );
                    let reason = match (class, is_required) {
                        (Class::Breaking, _) => {
                            "property added as required in a request: existing code does not set it"
                        }
                        (_, true) => {
                            "property added, required: a new field of a #[non_exhaustive] struct"
                        }
                        (_, false) => "property added, optional",
                    };
                    self.push(class, &where_, reason);
                }
                (Some(a), Some(b)) => {
                    match (was_required, is_required) {
                        (false, true) => {
                            let class = usage.class(Class::Breaking, Class::Breaking);
                            let reason = usage.say(
                                "became required: existing code may not set it",
                                "became required: its Rust type is no longer an Option",
                            );
                            self.push(class, &where_, reason);
                        }
                        // A nullable field is an Option already: in a request, leaving it
                        // out is as good as null; a response may now omit it, which a
                        // required nullable field's decoder refuses.
                        (true, false) if is_optioned(a) && is_optioned(b) => {
                            let class = usage.class(Class::Additive, Class::Breaking);
                            let reason = usage.say(
                                "became optional: its Rust field, nullable, is an Option either way",
                                "became optional: clients that decode it as a required, nullable field refuse an answer without it",
                            );
                            self.push(class, &where_, reason);
                        }
                        (true, false) => {
                            // The API accepts more, but typify makes the field an Option.
                            let reason = usage.say(
                                "became optional: its Rust field becomes an Option, so code that reads it, or sets it with a value that is not an Option, changes",
                                "became optional: clients may not get it, and its Rust type becomes an Option",
                            );
                            self.push(Class::Breaking, &where_, reason);
                        }
                        _ => {}
                    }
                    if a != b {
                        let required = [was_required, is_required];
                        let (a, b) = self.property_rules(&where_, a, b, required, usage);
                        if a != b {
                            self.schema_pair(&where_, Some(&a), Some(&b), usage);
                        }
                    }
                }
                (None, None) => {}
            }
        }
    }

    /// What a property's place changes of the generic rules, reported here and taken out of
    /// the copies it returns for [`Diff::schema_pair`]: a field optional on both sides is an
    /// `Option` whether or not it is nullable, and one required on both sides is always
    /// there, so its `default` means nothing. (Arrays and maps are not wrapped in an
    /// `Option` when optional, so their nullability still changes their type.)
    pub(crate) fn property_rules(
        &mut self,
        at: &str,
        old: &Value,
        new: &Value,
        [was_required, is_required]: [bool; 2],
        usage: Usage,
    ) -> (Value, Value) {
        let (required, optional) = (was_required && is_required, !was_required && !is_required);
        let (mut old, mut new) = (old.clone(), new.clone());
        let differs = |a: &Value, b: &Value, key: &str| a.get(key) != b.get(key);
        if optional
            && is_optioned_when_optional(&old)
            && is_optioned_when_optional(&new)
            && differs(&old, &new, "nullable")
        {
            let (sent, read) = if is_true(&new, "nullable") {
                let became = "became nullable: an optional field, an Option in Rust either way";
                (
                    format!("{became}; sending null is as good as leaving it out"),
                    format!("{became}; null reads as absent"),
                )
            } else {
                let s = "is no longer nullable: an optional field, an Option in Rust either way";
                (s.to_owned(), s.to_owned())
            };
            self.push(Class::Additive, at, usage.say(&sent, &read));
            remove_key(&mut old, "nullable");
            remove_key(&mut new, "nullable");
        }
        if required && differs(&old, &new, "default") {
            let (was, now) = (show(old.get("default")), show(new.get("default")));
            let why = format!(
                "default changed from {was} to {now}: the field is required, so always there, and typify ignores it"
            );
            self.push(Class::DocsOnly, at, why);
            remove_key(&mut old, "default");
            remove_key(&mut new, "default");
        }
        (old, new)
    }

    fn bound(
        &mut self,
        at: &str,
        key: &str,
        old: Option<&Value>,
        new: Option<&Value>,
        usage: Usage,
    ) {
        let number = |v: Option<&Value>| v.and_then(Value::as_f64);
        let narrower = match (number(old), number(new)) {
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) if key.to_lowercase().contains("max") => b < a,
            (Some(a), Some(b)) => b > a,
            // `exclusiveMaximum: true` in 3.0 is a boolean: adding it narrows.
            (None, None) => new.and_then(Value::as_bool) == Some(true),
        };
        let class = match narrower {
            true => usage.class(Class::Breaking, Class::Additive),
            false => usage.class(Class::Additive, Class::Breaking),
        };
        let how = match (narrower, usage.request, usage.response) {
            (true, false, true) => "narrowed: responses stay within what clients expected",
            (true, ..) => "narrowed: requests that were valid may be refused",
            (false, true, false) => "widened: every request that was valid still is",
            (false, ..) => "widened: responses may hold values clients did not expect",
        };
        let reason = format!("`{key}` {how} ({} -> {})", show(old), show(new));
        self.push(class, at, reason);
    }
}

/// Whether typify gives a required property of this schema an `Option`: an inline schema
/// marked nullable (a `$ref` keeps its nullability in the component). Arrays and maps too.
fn is_optioned(schema: &Value) -> bool {
    schema.get("$ref").is_none() && schema.get("nullable").and_then(Value::as_bool) == Some(true)
}

/// Whether typify wraps an optional property of this schema in an `Option` (it does not for
/// arrays and maps, which default to empty), and the schema is inline.
fn is_optioned_when_optional(schema: &Value) -> bool {
    let kind = schema.get("type").and_then(Value::as_str);
    let map = kind == Some("object") && schema.get("properties").is_none();
    schema.get("$ref").is_none() && kind != Some("array") && !map
}

fn remove_key(schema: &mut Value, key: &str) {
    if let Some(map) = schema.as_object_mut() {
        map.remove(key);
    }
}
