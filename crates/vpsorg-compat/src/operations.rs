//! Operations and their parameters: removed, added, renamed or moved operations, and each
//! operation's parameters (path-level ones merged in, as progenitor merges them).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::{Class, Diff, HTTP_METHODS, Usage, array, object, reference_name};

impl<'a> Diff<'a> {
    pub(crate) fn operations(&mut self) {
        let old_ops = operations(self.old);
        let new_ops = operations(self.new);
        let mut matched_new = BTreeSet::new();
        for (id, old_op) in &old_ops {
            // The same method and path under another operationId is a renamed method.
            let same_place =
                |op: &Operation<'_>| (op.method, &op.path) == (old_op.method, &old_op.path);
            let found =
                new_ops.get_key_value(id).or_else(|| new_ops.iter().find(|(_, op)| same_place(op)));
            let Some((new_id, new_op)) = found else {
                self.push(Class::Breaking, &old_op.label(), "operation removed");
                continue;
            };
            if new_id != id {
                let why =
                    format!("operationId changed to `{new_id}`: the generated method is renamed");
                self.push(Class::Breaking, &old_op.label(), why);
            }
            matched_new.insert(new_id);
            self.operation(old_op, new_op);
        }
        for (id, new_op) in &new_ops {
            if !matched_new.contains(&id) {
                self.push(Class::Additive, &new_op.label(), "operation added");
            }
        }
    }

    fn operation(&mut self, old: &Operation<'a>, new: &Operation<'a>) {
        let at = new.label();
        if (old.method, &old.path) != (new.method, &new.path) {
            let why = format!("moved from {} {}", old.method.to_uppercase(), old.path);
            self.push(Class::Breaking, &at, why);
        }
        self.parameters(&at, old, new);
        for (key, a, b) in self.changed(&at, old.value, new.value) {
            match key.as_str() {
                "operationId" | "parameters" => {}
                "requestBody" => self.request_body(&at, a, b),
                "responses" => {
                    self.responses(&at, a, b);
                    self.response_types(&at, a, b);
                }
                "security" => {
                    self.push(Class::Breaking, &at, "the authentication it requires changed")
                }
                other => self.unknown(&at, other),
            }
        }
    }

    fn parameters(&mut self, at: &str, old: &Operation<'a>, new: &Operation<'a>) {
        let (old_params, new_params) = (parameters(old), parameters(new));
        for key in old_params.keys().chain(new_params.keys()).collect::<BTreeSet<_>>() {
            let where_ = format!("{at} {} parameter `{}`", key.0, key.1);
            let (a, b) = (old_params.get(key).copied(), new_params.get(key).copied());
            let added_required = "added as required: existing calls do not send it";
            let Some((a, b)) = self.presence(&where_, a, b, added_required) else {
                continue;
            };
            for (field, x, y) in self.changed(&where_, a, b) {
                match field.as_str() {
                    "name" | "in" | "required" => {}
                    "schema" => self.schema_pair(&where_, x, y, Usage::REQUEST),
                    other => self.push(
                        Class::Breaking,
                        &where_,
                        format!("`{other}` changed: the parameter is sent differently"),
                    ),
                }
            }
        }
    }
}

/// An operation of the spec, found by method and path.
struct Operation<'a> {
    method: &'a str,
    path: String,
    value: &'a Value,
    /// Parameters declared on the path item, shared by its operations.
    path_parameters: Option<&'a Value>,
}

impl Operation<'_> {
    pub(crate) fn label(&self) -> String {
        let id = self.value.get("operationId").and_then(Value::as_str).unwrap_or("no operationId");
        format!("{} {} ({id})", self.method.to_uppercase(), self.path)
    }
}

/// The spec's operations by operationId (or by method and path when it has none).
fn operations(doc: &Value) -> BTreeMap<String, Operation<'_>> {
    let mut all = BTreeMap::new();
    for (path, item) in object(doc.get("paths").unwrap_or(&Value::Null)) {
        let present = HTTP_METHODS.iter().filter_map(|method| Some((*method, item.get(*method)?)));
        for (method, value) in present {
            let id = value.get("operationId").and_then(Value::as_str).map(str::to_owned);
            let key = id.unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
            let path_parameters = item.get("parameters");
            all.insert(key, Operation { method, path: path.clone(), value, path_parameters });
        }
    }
    all
}

/// An operation's parameters, path-level ones included, by (location, name). Shared ones are
/// inlined already (see `crate::inline_refs`).
fn parameters<'a>(op: &Operation<'a>) -> BTreeMap<(String, String), &'a Value> {
    let mut all = BTreeMap::new();
    for list in [op.path_parameters, op.value.get("parameters")] {
        for parameter in array(list) {
            let text = |k: &str| parameter.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            all.insert((text("in"), text("name")), parameter);
        }
    }
    all
}

/// Adds to `usage` which component schemas are reachable from requests and from responses
/// (in a document whose other components are inlined).
pub(crate) fn schema_usage(doc: &Value, usage: &mut BTreeMap<String, Usage>) {
    let mut stack = Vec::new();
    for op in operations(doc).values() {
        let sent = parameters(op).into_values().chain(op.value.get("requestBody"));
        stack.extend(sent.map(|value| (value, Usage::REQUEST)));
        let received = object(op.value.get("responses").unwrap_or(&Value::Null)).values();
        stack.extend(received.map(|value| (value, Usage::RESPONSE)));
    }
    let mut visited = BTreeSet::new();
    while let Some((value, u)) = stack.pop() {
        let Some(name) = reference_name(value) else {
            // An object's values, an array's items.
            let children = object(value).values().chain(array(Some(value)));
            stack.extend(children.map(|child| (child, u)));
            continue;
        };
        let used = usage.entry(name.clone()).or_default();
        used.request |= u.request;
        used.response |= u.response;
        // One hop: a schema that is itself a `$ref` is the next one popped.
        if visited.insert((name, u.request)) {
            let target = value["$ref"].as_str().and_then(|r| doc.pointer(&r[1..]));
            stack.extend(target.map(|target| (target, u)));
        }
    }
}
