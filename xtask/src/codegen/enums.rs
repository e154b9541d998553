//! Every string enum of the spec becomes a lenient enum of the client crate.
//!
//! progenitor would generate a strict enum for each, so one value the spec does not list
//! (a new backup status, say) would fail a whole page. Before generation, [`hoist`] moves
//! every inline string enum into `components/schemas` under a derived name, so that each has
//! a name to replace; codegen then swaps each for a lenient enum written from the spec's own
//! values ([`StringEnum::rust_source`]).

use serde_json::{Map, Value, json};

use crate::Result;

/// A string enum of the spec, and what its Rust type is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct StringEnum {
    /// The schema's name under `components/schemas`, and the Rust type's name.
    pub name: String,
    pub description: Option<String>,
    /// Each value as the API spells it, with its Rust variant name and its description
    /// (from the schema's `x-enum-descriptions`, when it has one).
    pub values: Vec<EnumValue>,
}

/// One value of a [`StringEnum`].
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    /// The value on the wire.
    pub wire: String,
    pub variant: String,
    /// What it means, for the variant's docs.
    pub description: Option<String>,
}

/// Moves every inline string enum of `spec` (a property, an array's items, a parameter, a
/// request or response body, at any depth) into `components/schemas`, leaving a `$ref`
/// behind, and returns every string enum of the spec, sorted by name.
///
/// Hoisted names follow where the enum was found: property `tier` of schema `Backup` is
/// `BackupTier`; parameter `sort` of operation `listBackups` is `ListBackupsSort`.
///
/// # Errors
///
/// A hoisted name that another schema already has, an enum value that is not a string, or
/// two values that give one Rust variant name.
pub fn hoist(spec: &mut Value) -> Result<Vec<StringEnum>> {
    let mut hoisted: Vec<(String, Value)> = Vec::new();
    // An enum can also sit in a shared parameter, request body, response or header, or in a
    // path-level parameter: bring each into the operations that use it (as progenitor reads
    // them anyway), so that the walk below finds it.
    inline_shared_components(spec);

    if let Some(schemas) = spec.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for (name, schema) in schemas.iter_mut() {
            hoist_within(schema, name, &mut hoisted);
        }
    }
    let operations = spec
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(Value::as_object_mut);
    for operation in operations {
        if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
            let prefix = pascal_case(id);
            hoist_in_operation(operation, &prefix, &mut hoisted);
        }
    }

    let schemas = spec.pointer_mut("/components/schemas").and_then(Value::as_object_mut);
    let schemas = match schemas {
        Some(schemas) => schemas,
        None if hoisted.is_empty() => return Ok(Vec::new()),
        None => return Err("the spec has inline enums but no components/schemas".into()),
    };
    for (name, schema) in hoisted {
        if schemas.contains_key(&name) {
            return Err(format!(
                "an inline enum would be named `{name}`, which another schema already is; \
                 move the enum to components/schemas under a name of your choice"
            )
            .into());
        }
        schemas.insert(name, schema);
    }

    let mut enums = schemas
        .iter()
        .filter(|(_, schema)| is_string_enum(schema))
        .map(|(name, schema)| StringEnum::from_schema(name, schema))
        .collect::<Result<Vec<_>>>()?;
    enums.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(enums)
}

fn hoist_in_operation(
    operation: &mut Map<String, Value>,
    prefix: &str,
    hoisted: &mut Vec<(String, Value)>,
) {
    let parameters = operation.get_mut("parameters").and_then(Value::as_array_mut);
    for parameter in parameters.into_iter().flatten() {
        let name = parameter.get("name").and_then(Value::as_str);
        let name = format!("{prefix}{}", name.map(pascal_case).unwrap_or_default());
        if let Some(schema) = parameter.get_mut("schema") {
            hoist_here_or_within(schema, &name, hoisted);
        }
    }
    if let Some(body) = operation.get_mut("requestBody") {
        hoist_in_content(body, &format!("{prefix}Body"), hoisted);
    }
    let responses = operation.get_mut("responses").and_then(Value::as_object_mut);
    for (status, response) in responses.into_iter().flatten() {
        let name = format!("{prefix}Response{}", pascal_case(status));
        hoist_in_content(response, &name, hoisted);
    }
}

/// Hoists the enums of each media type's schema of a request body or a response.
fn hoist_in_content(body: &mut Value, name: &str, hoisted: &mut Vec<(String, Value)>) {
    let content = body.get_mut("content").and_then(Value::as_object_mut);
    for media in content.into_iter().flat_map(|content| content.values_mut()) {
        if let Some(schema) = media.get_mut("schema") {
            hoist_here_or_within(schema, name, hoisted);
        }
    }
}

/// Hoists `schema` itself when it is an inline string enum, or the enums inside it.
fn hoist_here_or_within(schema: &mut Value, name: &str, hoisted: &mut Vec<(String, Value)>) {
    if is_string_enum(schema) {
        let enum_schema =
            std::mem::replace(schema, json!({ "$ref": format!("#/components/schemas/{name}") }));
        hoisted.push((name.to_owned(), enum_schema));
    } else {
        hoist_within(schema, name, hoisted);
    }
}

/// Hoists the inline string enums inside `schema` (not `schema` itself), naming each after
/// `name` and its place.
fn hoist_within(schema: &mut Value, name: &str, hoisted: &mut Vec<(String, Value)>) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
        for (property, value) in properties.iter_mut() {
            hoist_here_or_within(value, &format!("{name}{}", pascal_case(property)), hoisted);
        }
    }
    if let Some(items) = object.get_mut("items") {
        hoist_here_or_within(items, &format!("{name}Item"), hoisted);
    }
    if let Some(additional) = object.get_mut("additionalProperties")
        && additional.is_object()
    {
        hoist_here_or_within(additional, &format!("{name}Value"), hoisted);
    }
    for combinator in ["allOf", "oneOf", "anyOf"] {
        if let Some(parts) = object.get_mut(combinator).and_then(Value::as_array_mut) {
            for (index, part) in parts.iter_mut().enumerate() {
                let part_name = if index == 0 { name.to_owned() } else { format!("{name}{index}") };
                hoist_here_or_within(part, &part_name, hoisted);
            }
        }
    }
}

/// A string enum: `type: string` with an `enum`, or an `enum` of strings with no `type` (typify
/// makes a strict Rust enum of either).
fn is_string_enum(schema: &Value) -> bool {
    let Some(values) = schema.get("enum").and_then(Value::as_array) else {
        return false;
    };
    schema.get("$ref").is_none()
        && match schema.get("type") {
            Some(kind) => kind.as_str() == Some("string"),
            None => !values.is_empty() && values.iter().all(Value::is_string),
        }
}

/// Replaces every `$ref` to a shared parameter, request body, response or header by a copy
/// of what it names, and moves each path-level parameter into the operations of its path
/// that do not declare one of the same name, as progenitor merges them. Schemas stay
/// references: they are hoisted where they are defined.
fn inline_shared_components(spec: &mut Value) {
    *spec = vpsorg_compat::inline_refs(spec);
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let Some(Value::Array(shared)) = item.remove("parameters") else {
            continue;
        };
        let operations = item
            .iter_mut()
            .filter(|(method, _)| vpsorg_compat::HTTP_METHODS.contains(&method.as_str()))
            .filter_map(|(_, operation)| operation.as_object_mut());
        for operation in operations {
            // progenitor merges them by name, in the path's order, an operation's own
            // parameter replacing the path's in place, then the operation's others.
            let mut merged = shared.clone();
            if let Some(Value::Array(own)) = operation.remove("parameters") {
                for parameter in own {
                    match merged.iter_mut().find(|p| p.get("name") == parameter.get("name")) {
                        Some(path_level) => *path_level = parameter,
                        None => merged.push(parameter),
                    }
                }
            }
            operation.insert("parameters".into(), Value::Array(merged));
        }
    }
}

impl StringEnum {
    fn from_schema(name: &str, schema: &Value) -> Result<Self> {
        let descriptions = schema.get("x-enum-descriptions").and_then(Value::as_object);
        let mut values: Vec<EnumValue> = Vec::new();
        // A `null` in a nullable enum's list is its absence, not a value.
        for value in schema["enum"].as_array().into_iter().flatten().filter(|v| !v.is_null()) {
            let wire = value
                .as_str()
                .ok_or_else(|| format!("schema {name}: enum value {value} is not a string"))?;
            let variant = variant_name(wire);
            if let Some(twin) = values.iter().find(|v| v.variant == variant) {
                return Err(format!(
                    "schema {name}: values `{}` and `{wire}` both become variant {variant}",
                    twin.wire
                )
                .into());
            }
            let description = descriptions.and_then(|d| d.get(wire)?.as_str()).map(str::to_owned);
            values.push(EnumValue { wire: wire.to_owned(), variant, description });
        }
        if values.is_empty() {
            return Err(format!("schema {name}: an enum needs at least one value").into());
        }
        Ok(StringEnum {
            name: name.to_owned(),
            description: schema.get("description").and_then(Value::as_str).map(str::to_owned),
            values,
        })
    }

    /// The enum as Rust source: the type, its wire values, and a call of the client crate's
    /// `lenient_impls!` for the traits (serde, `Display`, `FromStr`, schemars), which need
    /// only `as_str` and `From<&str>`.
    pub fn rust_source(&self) -> String {
        let name = &self.name;
        let each =
            |line: fn(&EnumValue) -> String| self.values.iter().map(line).collect::<String>();
        let variants = each(|value| {
            let doc = value.description.clone().unwrap_or_else(|| format!("`{}`", value.wire));
            format!("{}{},\n", doc_attributes(Some(&doc)), value.variant)
        });
        let known = each(|value| format!("Self::{}, ", value.variant));
        let as_str = each(|value| format!("Self::{} => {:?},\n", value.variant, value.wire));
        let from_str = each(|value| format!("{:?} => Self::{},\n", value.wire, value.variant));
        let doc = doc_attributes(self.description.as_deref());
        format!(
            r#"{doc}///
/// Values the spec does not list decode as `Unknown`, and a later version of the crate may
/// give them a variant of their own: compare `as_str()` rather than matching `Unknown`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum {name} {{
    {variants}
    /// A value this version of the crate does not know, kept as the API sent it; read it
    /// with `as_str()`.
    Unknown(crate::UnknownValue),
}}
impl {name} {{
    /// Every value this version of the crate knows, in the spec's order.
    pub const KNOWN: &'static [Self] = &[{known}];
    /// The value as the API spells it.
    pub fn as_str(&self) -> &str {{
        match self {{
            {as_str}
            Self::Unknown(value) => value.as_str(),
        }}
    }}
    /// Whether this is a value this version of the crate does not know.
    pub fn is_unknown(&self) -> bool {{
        matches!(self, Self::Unknown(_))
    }}
}}
impl ::std::convert::From<&str> for {name} {{
    fn from(value: &str) -> Self {{
        match value {{
            {from_str}
            other => Self::Unknown(crate::UnknownValue::new(other)),
        }}
    }}
}}
crate::lenient::lenient_impls!({name});
"#
        )
    }
}

fn doc_attributes(text: Option<&str>) -> String {
    let lines = text.into_iter().flat_map(|text| text.trim_end().lines());
    lines.map(|line| format!("///{}\n", format!(" {line}").trim_end())).collect()
}

/// `in_progress` -> `InProgress`; a value that starts with a digit gets a `V` (`7d` -> `V7d`);
/// the empty string is `Empty`.
fn variant_name(wire: &str) -> String {
    let name = pascal_case(wire);
    match name.chars().next() {
        None => "Empty".to_owned(),
        Some(first) if first.is_ascii_digit() => format!("V{name}"),
        Some(_) => name,
    }
}

/// `listBackups` -> `ListBackups`, `page_size` -> `PageSize`, `5XX` -> `5xx`: words split at
/// anything that is not a letter or a digit, and at lower-to-upper case changes.
pub fn pascal_case(text: &str) -> String {
    let mut out = String::new();
    let mut start_word = true;
    let mut previous_lower = false;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            start_word = true;
            previous_lower = false;
            continue;
        }
        start_word |= c.is_uppercase() && previous_lower;
        match start_word {
            true => out.extend(c.to_uppercase()),
            false => out.extend(c.to_lowercase()),
        }
        start_word = false;
        previous_lower = c.is_lowercase();
    }
    out
}
