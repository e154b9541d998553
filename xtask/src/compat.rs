//! `cargo xtask compat [--base <git-ref>]`: what changed in `openapi/backups.yaml` since a
//! baseline, each change classed as breaking, additive or docs-only, and whether the version
//! of the generated client says so.
//!
//! The question every rule answers: can code that compiled and worked against the client
//! generated from the old spec fail to compile, or fail at run time against a server that
//! follows the new spec? Then the change is **breaking**. Rules follow oasdiff's families
//! (removed operations, parameters and properties, type changes, optional made required in
//! a request, enum values removed, narrowed request constraints, widened response
//! constraints, changed defaults, removed statuses and media types), plus what progenitor
//! and typify make of the spec: a nullability or requiredness change changes a field's Rust
//! type, a `maxLength`/`minLength`/`pattern` turns a `String` into a validating newtype, a
//! `minimum` of exactly 1 turns `i64` into `NonZeroU64`, and an operationId names a method.
//! What the generated code absorbs is **additive**: new operations, optional parameters,
//! response fields (every generated struct is `#[non_exhaustive]`), response enum values
//! (every string enum is lenient). Text for people is **docs-only**. A change no rule knows
//! is reported as breaking, to be reviewed by hand, rather than passed in silence.
//!
//! The rules explain a change in the spec's terms; the generated code is the ground truth.
//! So compat also generates the client from both specs with today's codegen and compares
//! their public items (`compat/surface.rs`): an item that goes, or changes its type or
//! signature, is breaking even where no rule saw it (typify has more choices than rules list).

mod surface;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::process::Command;

use serde_json::{Map, Value};

use crate::{Result, SPEC_PATH, project_root, read_spec_text};

/// Where `cargo xtask compat --record` keeps the contract as last released.
pub const RELEASED_SPEC_PATH: &str = "openapi/released/backups.yaml";
/// The version of the generated client that release shipped as.
pub const RELEASED_VERSION_PATH: &str = "openapi/released/version";
/// The crate whose version the contract's changes are judged against.
pub const CLIENT_CRATE: &str = "vpsorg-backups-client";
const CLIENT_MANIFEST: &str = "crates/vpsorg-backups-client/Cargo.toml";

/// How a change affects crates built against the generated client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// Breaking, additive or docs-only.
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

/// A spec and the version of the client crate that goes with it.
#[derive(Debug, Clone)]
pub struct Contract {
    /// The spec's text.
    pub spec: String,
    /// The client crate's version.
    pub version: semver::Version,
    /// Where it came from, for the report.
    pub label: String,
}

/// Runs the command: compares the baseline (a git ref, or the recorded release) with the
/// working tree, prints every change, and fails when a breaking change is not matched by a
/// semver-breaking version bump.
pub fn run(base: Option<&str>) -> Result<()> {
    let report = report(base)?;
    if report.passes {
        Ok(())
    } else {
        Err(report.verdict.into())
    }
}

/// Compares and prints every change (and the verdict when it passes); the caller decides
/// what a failing verdict does. `cargo xtask compat` exits 1 for it and 2 when it could not
/// compare at all (a bad git ref, a spec that is not YAML), so that a script can tell "this
/// change needs a bump" from "the check did not run".
pub fn report(base: Option<&str>) -> Result<Report> {
    let old = match base {
        Some(reference) => Contract::at_git_ref(reference)?,
        None => Contract::released()?,
    };
    let new = Contract::working_tree()?;
    let report = compare(&old, &new)?;
    print!("{}", report.text);
    if report.passes {
        println!("{}", report.verdict);
    }
    Ok(report)
}

/// What [`compare`] found.
#[derive(Debug, Clone)]
pub struct Report {
    /// Every change, most severe first.
    pub changes: Vec<Change>,
    /// Whether the version bump covers the changes.
    pub passes: bool,
    /// One line: the verdict.
    pub verdict: String,
    /// Every change and the counts, as printed (the verdict is printed after it).
    pub text: String,
    /// The generated client's public items that go or change (empty when neither spec
    /// generates, or nothing breaks).
    pub generated_breaks: Vec<String>,
}

/// The most breaks of the generated client's items a report lists one by one.
const LISTED_BREAKS: usize = 12;

/// What generating the client from both specs says of the change.
enum Generated {
    /// Both generate: the public items that go or change, and how many are new.
    Compared { breaks: Vec<String>, added: usize },
    /// The new spec cannot be generated (progenitor refuses it, or panics).
    NewFails(String),
    /// The old spec does not generate with today's codegen, so there is nothing to compare
    /// with; the rules alone judge.
    OldFails(String),
}

impl Generated {
    fn between(old: &str, new: &str) -> Self {
        let generate = |spec: &str| crate::codegen::try_generate(spec).map_err(|e| e.to_string());
        let surface = |code: &str| surface::surface(code).map_err(|e| e.to_string());
        let old = match generate(old).and_then(|code| surface(&code)) {
            Ok(old) => old,
            Err(e) => return Generated::OldFails(e),
        };
        let new = match generate(new).and_then(|code| surface(&code)) {
            Ok(new) => new,
            Err(e) => return Generated::NewFails(e),
        };
        let (breaks, added) = surface::compare(&old, &new);
        Generated::Compared {
            breaks: breaks
                .into_iter()
                .map(|b| format!("{}: {}", b.path, b.what))
                .collect(),
            added,
        }
    }
}

/// Compares two contracts and judges the version bump.
///
/// # Errors
///
/// A spec that is not YAML.
pub fn compare(old: &Contract, new: &Contract) -> Result<Report> {
    let old_doc: Value = serde_yaml_ng::from_str(&old.spec)
        .map_err(|e| format!("parsing {SPEC_PATH} at {}: {e}", old.label))?;
    let new_doc: Value = serde_yaml_ng::from_str(&new.spec)
        .map_err(|e| format!("parsing {SPEC_PATH} at {}: {e}", new.label))?;
    let changes = diff(&old_doc, &new_doc);
    let generated = if old.spec == new.spec {
        Generated::Compared {
            breaks: Vec::new(),
            added: 0,
        }
    } else {
        Generated::between(&old.spec, &new.spec)
    };

    let count = |class| changes.iter().filter(|c| c.class == class).count();
    let (breaking, additive, docs) = (
        count(Class::Breaking),
        count(Class::Additive),
        count(Class::DocsOnly),
    );
    let mut text = format!(
        "{SPEC_PATH}: {} ({}) -> working tree ({})\n",
        old.label, old.version, new.version
    );
    for change in &changes {
        text.push_str(&format!("  {change}\n"));
    }
    text.push_str(&format!(
        "{} change(s): {breaking} breaking, {additive} additive, {docs} docs-only\n",
        changes.len()
    ));
    let generated_breaks = match generated {
        Generated::Compared { breaks, added } => {
            if !breaks.is_empty() || added > 0 {
                text.push_str(&format!(
                    "the generated client (today's codegen on both specs): {} public item(s) go or change, {added} added\n",
                    breaks.len()
                ));
            }
            for line in breaks.iter().take(LISTED_BREAKS) {
                text.push_str(&format!("  {:<9}  {line}\n", Class::Breaking));
            }
            if breaks.len() > LISTED_BREAKS {
                text.push_str(&format!(
                    "  ... and {} more (`cargo xtask public-api` shows them all after codegen)\n",
                    breaks.len() - LISTED_BREAKS
                ));
            }
            breaks
        }
        Generated::NewFails(e) => {
            let line = format!("the client cannot be generated from the new spec: {e}");
            text.push_str("the generated client (today's codegen on both specs):\n");
            text.push_str(&format!("  {:<9}  {line}\n", Class::Breaking));
            vec![line]
        }
        Generated::OldFails(e) => {
            text.push_str(&format!(
                "note: {} does not generate with today's codegen ({e}); the rules above alone judge the change\n",
                old.label
            ));
            Vec::new()
        }
    };
    let what_breaks = if breaking > 0 {
        format!("{breaking} breaking change(s)")
    } else {
        format!(
            "{} breaking change(s) of the generated client's public items",
            generated_breaks.len()
        )
    };
    let needed = if generated_breaks.is_empty() {
        required_bump(&old.version, &changes)
    } else {
        Bump::Major
    };
    let (passes, verdict) = match needed {
        Bump::Major if !is_breaking_bump(&old.version, &new.version) => (
            false,
            format!(
                "{what_breaks} need a semver-breaking release of {CLIENT_CRATE}: \
                 {} or later (now {}). Bump the workspace version and say what breaks in \
                 CHANGELOG.md, or make the change additive.",
                next_breaking(&old.version),
                new.version
            ),
        ),
        Bump::Minor if new.version <= old.version => (
            true,
            format!(
                "additive changes: release them as {CLIENT_CRATE} {} or later (now {}).",
                next_minor(&old.version),
                new.version
            ),
        ),
        _ => (
            true,
            format!(
                "{CLIENT_CRATE} {} covers the changes since {}.",
                new.version, old.version
            ),
        ),
    };
    Ok(Report {
        changes,
        passes,
        verdict,
        text,
        generated_breaks,
    })
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Bump {
    None,
    Minor,
    Major,
}

fn required_bump(_old: &semver::Version, changes: &[Change]) -> Bump {
    if changes.iter().any(|c| c.class == Class::Breaking) {
        Bump::Major
    } else if changes.iter().any(|c| c.class == Class::Additive) {
        Bump::Minor
    } else {
        Bump::None
    }
}

/// Whether going from `old` to `new` is a semver-breaking release as cargo reads it: the
/// major number at 1.0 and later, the minor number at 0.x, the patch number at 0.0.x.
pub fn is_breaking_bump(old: &semver::Version, new: &semver::Version) -> bool {
    let key = |v: &semver::Version| match (v.major, v.minor) {
        (0, 0) => (0, 0, v.patch),
        (0, minor) => (0, minor, 0),
        (major, _) => (major, 0, 0),
    };
    key(new) > key(old)
}

fn next_breaking(v: &semver::Version) -> semver::Version {
    match (v.major, v.minor) {
        (0, 0) => semver::Version::new(0, 0, v.patch + 1),
        (0, minor) => semver::Version::new(0, minor + 1, 0),
        (major, _) => semver::Version::new(major + 1, 0, 0),
    }
}

fn next_minor(v: &semver::Version) -> semver::Version {
    match v.major {
        0 => semver::Version::new(0, v.minor, v.patch + 1),
        major => semver::Version::new(major, v.minor + 1, 0),
    }
}

impl Contract {
    /// The working tree's spec and client version.
    pub fn working_tree() -> Result<Self> {
        let read = |path: &str| -> Result<String> {
            std::fs::read_to_string(project_root().join(path))
                .map_err(|e| format!("reading {path}: {e}").into())
        };
        Ok(Contract {
            spec: read_spec_text()?,
            version: client_version(&read("Cargo.toml")?, &read(CLIENT_MANIFEST)?)?,
            label: "working tree".into(),
        })
    }

    /// The spec and client version at a git ref.
    pub fn at_git_ref(reference: &str) -> Result<Self> {
        Ok(Contract {
            spec: git_show(reference, SPEC_PATH)?,
            version: client_version(
                &git_show(reference, "Cargo.toml")?,
                &git_show(reference, CLIENT_MANIFEST)?,
            )?,
            label: reference.to_owned(),
        })
    }

    /// The contract as last released, recorded by `cargo xtask compat --record`.
    pub fn released() -> Result<Self> {
        let root = project_root();
        let spec = std::fs::read_to_string(root.join(RELEASED_SPEC_PATH))
            .map_err(|e| format!("reading {RELEASED_SPEC_PATH}: {e}"))?;
        let version = std::fs::read_to_string(root.join(RELEASED_VERSION_PATH))
            .map_err(|e| format!("reading {RELEASED_VERSION_PATH}: {e}"))?;
        let version = semver::Version::parse(version.trim())
            .map_err(|e| format!("{RELEASED_VERSION_PATH}: {e}"))?;
        Ok(Contract {
            spec,
            label: format!("release {version}"),
            version,
        })
    }
}

/// Records the working tree's spec and client version as the released baseline.
pub fn record() -> Result<()> {
    let current = Contract::working_tree()?;
    let root = project_root();
    std::fs::create_dir_all(root.join("openapi/released"))?;
    std::fs::write(root.join(RELEASED_SPEC_PATH), &current.spec)?;
    std::fs::write(
        root.join(RELEASED_VERSION_PATH),
        format!("{}\n", current.version),
    )?;
    eprintln!(
        "recorded {SPEC_PATH} as released with {CLIENT_CRATE} {}",
        current.version
    );
    Ok(())
}

fn git_show(reference: &str, path: &str) -> Result<String> {
    let output = Command::new("git")
        .arg("show")
        .arg(format!("{reference}:{path}"))
        .current_dir(project_root())
        .output()
        .map_err(|e| format!("running git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git show {reference}:{path}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )
        .into());
    }
    Ok(String::from_utf8(output.stdout)?)
}

/// The client crate's version from its manifest, or the workspace's when it inherits it.
fn client_version(root_manifest: &str, client_manifest: &str) -> Result<semver::Version> {
    let client: toml::Table = client_manifest.parse()?;
    let version = &client["package"]["version"];
    let text = match version {
        toml::Value::String(text) => text.clone(),
        _ => {
            let root: toml::Table = root_manifest.parse()?;
            root["workspace"]["package"]["version"]
                .as_str()
                .ok_or("no [workspace.package] version")?
                .to_owned()
        }
    };
    Ok(semver::Version::parse(&text)?)
}

// -------------------------------------------------------------------------------------------
// The diff.

/// Every change from `old` to `new`, most severe first.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    // Shared parameters, responses and headers are compared where they are used; schemas
    // stay references, compared once under `components`.
    let (old, new) = (&inline_refs(old, old, 0), &inline_refs(new, new, 0));
    let mut cx = Diff {
        old,
        new,
        changes: Vec::new(),
    };
    cx.document();
    let mut changes = cx.changes;
    changes.sort();
    changes.dedup();
    changes
}

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

const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Which way data flows through a schema: what the client sends, what it receives, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Usage {
    request: bool,
    response: bool,
}

impl Usage {
    const REQUEST: Usage = Usage {
        request: true,
        response: false,
    };
    const RESPONSE: Usage = Usage {
        request: false,
        response: true,
    };

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
        let mut class = Class::DocsOnly;
        if self.request {
            class = class.min(if_request);
        }
        if self.response {
            class = class.min(if_response);
        }
        class
    }
}

struct Diff<'a> {
    old: &'a Value,
    new: &'a Value,
    changes: Vec<Change>,
}

impl<'a> Diff<'a> {
    fn push(&mut self, class: Class, location: &str, reason: impl Into<String>) {
        self.changes.push(Change {
            class,
            location: location.to_owned(),
            reason: reason.into(),
        });
    }

    fn document(&mut self) {
        let (old, new) = (self.old, self.new);
        for key in keys(old, new) {
            let (a, b) = (old.get(&key), new.get(&key));
            if a == b {
                continue;
            }
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
                other => self.push(
                    Class::Breaking,
                    other,
                    "changed, and no rule classifies it: review it by hand",
                ),
            }
        }
    }

    // --- operations ---------------------------------------------------------------------

    fn operations(&mut self) {
        let old_ops = operations(self.old);
        let new_ops = operations(self.new);
        let mut matched_new = BTreeSet::new();
        for (id, old_op) in &old_ops {
            if let Some(new_op) = new_ops.get(id) {
                matched_new.insert(id.clone());
                self.operation(old_op, new_op);
                continue;
            }
            // The same method and path under another operationId is a renamed method.
            let renamed = new_ops
                .iter()
                .find(|(_, op)| op.method == old_op.method && op.path == old_op.path);
            match renamed {
                Some((new_id, new_op)) => {
                    matched_new.insert(new_id.clone());
                    self.push(
                        Class::Breaking,
                        &old_op.label(),
                        format!(
                            "operationId changed to `{new_id}`: the generated method is renamed"
                        ),
                    );
                    self.operation(old_op, new_op);
                }
                None => self.push(Class::Breaking, &old_op.label(), "operation removed"),
            }
        }
        for (id, new_op) in &new_ops {
            if !matched_new.contains(id) {
                self.push(Class::Additive, &new_op.label(), "operation added");
            }
        }
    }

    fn operation(&mut self, old: &Operation<'a>, new: &Operation<'a>) {
        let at = new.label();
        if (old.method, &old.path) != (new.method, &new.path) {
            self.push(
                Class::Breaking,
                &at,
                format!("moved from {} {}", old.method.to_uppercase(), old.path),
            );
        }
        self.parameters(&at, old, new);
        for key in keys(old.value, new.value) {
            let (a, b) = (old.value.get(&key), new.value.get(&key));
            if a == b {
                continue;
            }
            match key.as_str() {
                "operationId" | "parameters" => {}
                "requestBody" => self.request_body(&at, a, b),
                "responses" => {
                    self.responses(&at, a, b);
                    self.response_types(&at, a, b);
                }
                "security" => self.push(
                    Class::Breaking,
                    &at,
                    "the authentication it requires changed",
                ),
                "callbacks" | "servers" => self.push(
                    Class::Breaking,
                    &at,
                    format!("`{key}` changed, and no rule classifies it: review it by hand"),
                ),
                doc if is_doc_key(doc) => {
                    self.push(Class::DocsOnly, &at, format!("`{doc}` changed"))
                }
                other => self.push(
                    Class::Breaking,
                    &at,
                    format!("`{other}` changed, and no rule classifies it: review it by hand"),
                ),
            }
        }
    }

    fn parameters(&mut self, at: &str, old: &Operation<'a>, new: &Operation<'a>) {
        let old_params = parameters(self.old, old);
        let new_params = parameters(self.new, new);
        for (key, a) in &old_params {
            let where_ = format!("{at} {} parameter `{}`", key.0, key.1);
            let Some(b) = new_params.get(key) else {
                self.push(Class::Breaking, &where_, "removed");
                continue;
            };
            let required = |p: &Value| p.get("required").and_then(Value::as_bool) == Some(true);
            match (required(a), required(b)) {
                (false, true) => self.push(Class::Breaking, &where_, "became required"),
                (true, false) => self.push(Class::Additive, &where_, "became optional"),
                _ => {}
            }
            for field in keys(a, b) {
                let (x, y) = (a.get(&field), b.get(&field));
                if x == y {
                    continue;
                }
                match field.as_str() {
                    "name" | "in" | "required" => {}
                    "schema" => self.schema_pair(&where_, x, y, Usage::REQUEST),
                    doc if is_doc_key(doc) => {
                        self.push(Class::DocsOnly, &where_, format!("`{doc}` changed"))
                    }
                    other => self.push(
                        Class::Breaking,
                        &where_,
                        format!("`{other}` changed: the parameter is sent differently"),
                    ),
                }
            }
        }
        for (key, b) in &new_params {
            if old_params.contains_key(key) {
                continue;
            }
            let where_ = format!("{at} {} parameter `{}`", key.0, key.1);
            if b.get("required").and_then(Value::as_bool) == Some(true) {
                self.push(
                    Class::Breaking,
                    &where_,
                    "added as required: existing calls do not send it",
                );
            } else {
                self.push(Class::Additive, &where_, "added, optional");
            }
        }
    }

    fn request_body(&mut self, at: &str, old: Option<&Value>, new: Option<&Value>) {
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
                for key in keys(a, b) {
                    let (x, y) = (a.get(&key), b.get(&key));
                    if x == y {
                        continue;
                    }
                    match key.as_str() {
                        "required" => {}
                        "content" => self.content(&where_, x, y, Usage::REQUEST),
                        doc if is_doc_key(doc) => {
                            self.push(Class::DocsOnly, &where_, format!("`{doc}` changed"))
                        }
                        other => self.push(
                            Class::Breaking,
                            &where_,
                            format!(
                                "`{other}` changed, and no rule classifies it: review it by hand"
                            ),
                        ),
                    }
                }
            }
        }
    }

    fn responses(&mut self, at: &str, old: Option<&Value>, new: Option<&Value>) {
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
    fn response_types(&mut self, at: &str, old: Option<&Value>, new: Option<&Value>) {
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

    fn response(&mut self, at: &str, old: &Value, new: &Value) {
        for key in keys(old, new) {
            let (a, b) = (old.get(&key), new.get(&key));
            if a == b {
                continue;
            }
            match key.as_str() {
                "content" => self.content(at, a, b, Usage::RESPONSE),
                "headers" => self.headers(at, a, b),
                "links" => self.push(
                    Class::DocsOnly,
                    at,
                    "`links` changed (they guide tools such as schemathesis; the generated code ignores them)",
                ),
                doc if is_doc_key(doc) => {
                    self.push(Class::DocsOnly, at, format!("`{doc}` changed"))
                }
                other => self.push(
                    Class::Breaking,
                    at,
                    format!("`{other}` changed, and no rule classifies it: review it by hand"),
                ),
            }
        }
    }

    fn headers(&mut self, at: &str, old: Option<&Value>, new: Option<&Value>) {
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
                    for key in keys(a, b) {
                        let (x, y) = (a.get(&key), b.get(&key));
                        if x == y {
                            continue;
                        }
                        match key.as_str() {
                            "schema" => self.schema_pair(&where_, x, y, Usage::RESPONSE),
                            doc if is_doc_key(doc) => {
                                self.push(Class::DocsOnly, &where_, format!("`{doc}` changed"))
                            }
                            other => self.push(
                                Class::Breaking,
                                &where_,
                                format!("`{other}` changed, and no rule classifies it: review it by hand"),
                            ),
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn content(&mut self, at: &str, old: Option<&Value>, new: Option<&Value>, usage: Usage) {
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
                    for key in keys(a, b) {
                        let (x, y) = (a.get(&key), b.get(&key));
                        if x == y {
                            continue;
                        }
                        match key.as_str() {
                            "schema" => self.schema_pair(&where_, x, y, usage),
                            doc if is_doc_key(doc) => {
                                self.push(Class::DocsOnly, &where_, format!("`{doc}` changed"))
                            }
                            other => self.push(
                                Class::Breaking,
                                &where_,
                                format!("`{other}` changed, and no rule classifies it: review it by hand"),
                            ),
                        }
                    }
                }
                _ => {}
            }
        }
    }

    // --- components ---------------------------------------------------------------------

    fn components(&mut self) {
        let usage = schema_usage(self.old)
            .into_iter()
            .chain(schema_usage(self.new))
            .fold(BTreeMap::<String, Usage>::new(), |mut all, (name, u)| {
                let entry = all.entry(name).or_default();
                entry.request |= u.request;
                entry.response |= u.response;
                all
            });
        let (old, new) = (self.old, self.new);
        let section = |doc: &'a Value, name: &str| -> &'a Value {
            doc.pointer(&format!("/components/{name}"))
                .unwrap_or(&Value::Null)
        };
        for name in keys(
            old.get("components").unwrap_or(&Value::Null),
            new.get("components").unwrap_or(&Value::Null),
        ) {
            let (a, b) = (section(old, &name), section(new, &name));
            if a == b {
                continue;
            }
            match name.as_str() {
                "schemas" => {
                    for schema in keys(a, b) {
                        let where_ = format!("schema {schema}");
                        let used = usage.get(&schema).copied().unwrap_or(Usage {
                            request: true,
                            response: true,
                        });
                        match (a.get(&schema), b.get(&schema)) {
                            (Some(_), None) => self.push(
                                Class::Breaking,
                                &where_,
                                "removed: its generated type goes",
                            ),
                            (None, Some(_)) => {
                                self.push(Class::Additive, &where_, "added: a new generated type")
                            }
                            (Some(x), Some(y)) if x != y => self.schema(&where_, x, y, used),
                            _ => {}
                        }
                    }
                }
                // Referenced from operations, and compared there, resolved.
                "parameters" | "responses" | "requestBodies" | "headers" | "examples" | "links" => {
                }
                "securitySchemes" => self.push(
                    Class::Breaking,
                    "components/securitySchemes",
                    "the authentication schemes changed",
                ),
                other => self.push(
                    Class::Breaking,
                    &format!("components/{other}"),
                    "changed, and no rule classifies it: review it by hand",
                ),
            }
        }
    }

    // --- schemas ------------------------------------------------------------------------

    /// Compares two schemas that may be `$ref`s. Two references to the same component are
    /// the same type, compared once under `components` instead; a reference that now
    /// names another component is another generated type.
    fn schema_pair(&mut self, at: &str, old: Option<&Value>, new: Option<&Value>, usage: Usage) {
        let (old, new) = match (old, new) {
            (None, None) => return,
            (Some(_), None) => {
                return self.push(Class::Breaking, at, "its schema was removed");
            }
            (None, Some(_)) => {
                return self.push(
                    Class::Breaking,
                    at,
                    "a schema was added where there was none",
                );
            }
            (Some(a), Some(b)) => (a, b),
        };
        match (reference_name(old), reference_name(new)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) => self.push(
                Class::Breaking,
                at,
                format!("refers to schema {b} instead of {a}: another generated type"),
            ),
            (Some(a), None) => self.push(
                Class::Breaking,
                at,
                format!("an inline schema replaces schema {a}: another generated type"),
            ),
            (None, Some(b)) => self.push(
                Class::Breaking,
                at,
                format!("schema {b} replaces an inline schema: another generated type"),
            ),
            (None, None) => self.schema(at, old, new, usage),
        }
    }

    fn schema(&mut self, at: &str, old: &Value, new: &Value, usage: Usage) {
        let type_of = |s: &Value| s.get("type").and_then(Value::as_str).map(str::to_owned);
        let (old_type, new_type) = (type_of(old), type_of(new));
        if old_type != new_type {
            self.push(
                Class::Breaking,
                at,
                format!(
                    "type changed from {} to {}",
                    old_type.as_deref().unwrap_or("(none)"),
                    new_type.as_deref().unwrap_or("(none)")
                ),
            );
            return;
        }
        self.rust_type(at, old, new);
        for key in keys(old, new) {
            let (a, b) = (old.get(&key), new.get(&key));
            if a == b {
                continue;
            }
            match key.as_str() {
                "type" => {}
                "format" => self.push(
                    Class::Breaking,
                    at,
                    format!(
                        "format changed from {} to {}: the value's Rust type changes",
                        show(a),
                        show(b)
                    ),
                ),
                "nullable" => {
                    let nullable = |v: Option<&Value>| v.and_then(Value::as_bool) == Some(true);
                    if nullable(b) {
                        // The API accepts more, but the Rust field's type changes either way.
                        self.push(Class::Breaking, at, usage.say(
                            "became nullable: the Rust field becomes an Option, so code that reads or sets it changes",
                            "became nullable: the Rust type becomes an Option, and clients must handle null",
                        ));
                    } else {
                        self.push(
                            Class::Breaking,
                            at,
                            "is no longer nullable: the Rust type is no longer an Option",
                        );
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
                        format!(
                            "additionalProperties changed from {} to {}",
                            show(a),
                            show(b)
                        ),
                    ),
                },
                "allOf" | "oneOf" | "anyOf" => {
                    let (x, y) = (array(a), array(b));
                    if x.len() != y.len() {
                        self.push(
                            Class::Breaking,
                            at,
                            format!("`{key}` now has {} parts instead of {}", y.len(), x.len()),
                        );
                    } else {
                        for (index, (x, y)) in x.iter().zip(y).enumerate() {
                            if x != y {
                                self.schema_pair(
                                    &format!("{at} {key}[{index}]"),
                                    Some(x),
                                    Some(y),
                                    usage,
                                );
                            }
                        }
                    }
                }
                "maximum" | "exclusiveMaximum" | "maxLength" | "maxItems" | "maxProperties" => {
                    self.bound(at, &key, a, b, Direction::Upper, usage)
                }
                "minimum" | "exclusiveMinimum" | "minLength" | "minItems" | "minProperties" => {
                    self.bound(at, &key, a, b, Direction::Lower, usage)
                }
                "pattern" | "multipleOf" | "uniqueItems" => {
                    let class = match (a, b) {
                        // Removing a constraint widens it.
                        (Some(_), None) => usage.class(Class::Additive, Class::Breaking),
                        // Adding or changing one may narrow it.
                        _ => usage.class(Class::Breaking, Class::Additive),
                    };
                    self.push(
                        class,
                        at,
                        format!("`{key}` changed from {} to {}", show(a), show(b)),
                    );
                }
                // In a request, leaving the value out now means something else; in a
                // response, an old client fills in the old default. Either way typify drops
                // the `Option` of an optional field that gains a default (and adds it back
                // when the default goes): the field's Rust type changes.
                "default" => self.push(
                    Class::Breaking,
                    at,
                    format!(
                        "default changed from {} to {}: {}; an optional field with a default is no Option in Rust",
                        show(a),
                        show(b),
                        usage.say(
                            "a request that leaves it out now means something else",
                            "old clients fill in the old default"
                        )
                    ),
                ),
                "readOnly" | "writeOnly" | "not" | "discriminator" => self.push(
                    Class::Breaking,
                    at,
                    format!("`{key}` changed, and no rule classifies it: review it by hand"),
                ),
                doc if is_doc_key(doc) => {
                    self.push(Class::DocsOnly, at, format!("`{doc}` changed"))
                }
                other if other.starts_with("x-") => {
                    self.push(Class::DocsOnly, at, format!("extension `{other}` changed"))
                }
                other => self.push(
                    Class::Breaking,
                    at,
                    format!("`{other}` changed, and no rule classifies it: review it by hand"),
                ),
            }
        }
    }

    /// Changes typify makes to a value's Rust type that no constraint rule shows by itself.
    fn rust_type(&mut self, at: &str, old: &Value, new: &Value) {
        let is_newtype = |s: &Value| {
            s.get("type").and_then(Value::as_str) == Some("string")
                && s.get("enum").is_none()
                && ["maxLength", "minLength", "pattern"]
                    .iter()
                    .any(|k| s.get(*k).is_some())
        };
        if is_newtype(old) != is_newtype(new) {
            self.push(
                Class::Breaking,
                at,
                if is_newtype(new) {
                    "a length or pattern constraint makes its Rust type a validating newtype instead of String"
                } else {
                    "without length or pattern constraints its Rust type is String instead of a newtype"
                },
            );
        }
        let non_zero = |s: &Value| {
            s.get("type").and_then(Value::as_str) == Some("integer")
                && s.get("minimum").and_then(Value::as_f64) == Some(1.0)
        };
        if non_zero(old) != non_zero(new) {
            self.push(
                Class::Breaking,
                at,
                "a minimum of exactly 1 makes its Rust type a NonZero integer; that changed",
            );
        }
        let is_enum = |s: &Value| s.get("enum").is_some();
        if is_enum(old) != is_enum(new) {
            self.push(
                Class::Breaking,
                at,
                if is_enum(new) {
                    "became an enum: its Rust type is an enum instead of String"
                } else {
                    "is no longer an enum: its Rust type is String instead of an enum"
                },
            );
        }
    }

    fn enum_values(&mut self, at: &str, old: Option<&Value>, new: Option<&Value>, usage: Usage) {
        let (Some(old), Some(new)) = (old, new) else {
            return; // Covered by `rust_type`.
        };
        let (old, new) = (array(Some(old)), array(Some(new)));
        for value in old.iter().filter(|v| !new.contains(v)) {
            self.push(
                Class::Breaking,
                at,
                format!("enum value {value} removed: its Rust variant goes"),
            );
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

    fn properties(&mut self, at: &str, old: &Value, new: &Value, usage: Usage) {
        let props = |s: &Value| {
            s.get("properties")
                .cloned()
                .unwrap_or_else(|| Value::Object(Map::new()))
        };
        let required = |s: &Value| -> BTreeSet<String> {
            array(s.get("required"))
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        let (old_props, new_props) = (props(old), props(new));
        let (old_required, new_required) = (required(old), required(new));
        for name in keys(&old_props, &new_props) {
            let where_ = format!("{at}.{name}");
            let (was_required, is_required) =
                (old_required.contains(&name), new_required.contains(&name));
            match (old_props.get(&name), new_props.get(&name)) {
                (Some(_), None) => self.push(
                    Class::Breaking,
                    &where_,
                    "property removed: its Rust field goes",
                ),
                (None, Some(_)) => {
                    let class = usage.class(
                        if is_required {
                            Class::Breaking
                        } else {
                            Class::Additive
                        },
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
                        let (a, b) = self.property_rules(
                            &where_,
                            a,
                            b,
                            was_required && is_required,
                            !was_required && !is_required,
                            usage,
                        );
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
    /// the copies it returns for [`Diff::schema_pair`]: an optional field (`optional`) is an
    /// `Option` whether or not it is nullable, and a required one (`required`) is always
    /// there, so its `default` means nothing. (Arrays and maps are not wrapped in an
    /// `Option` when optional, so their nullability still changes their type.)
    fn property_rules(
        &mut self,
        at: &str,
        old: &Value,
        new: &Value,
        required: bool,
        optional: bool,
        usage: Usage,
    ) -> (Value, Value) {
        let (mut old, mut new) = (old.clone(), new.clone());
        let differs = |a: &Value, b: &Value, key: &str| a.get(key) != b.get(key);
        if optional
            && is_optioned_when_optional(&old)
            && is_optioned_when_optional(&new)
            && differs(&old, &new, "nullable")
        {
            let nullable = new.get("nullable").and_then(Value::as_bool) == Some(true);
            self.push(
                Class::Additive,
                at,
                usage.say(
                    if nullable {
                        "became nullable: an optional field, an Option in Rust either way; sending null is as good as leaving it out"
                    } else {
                        "is no longer nullable: an optional field, an Option in Rust either way"
                    },
                    if nullable {
                        "became nullable: an optional field, an Option in Rust either way; null reads as absent"
                    } else {
                        "is no longer nullable: an optional field, an Option in Rust either way"
                    },
                ),
            );
            remove_key(&mut old, "nullable");
            remove_key(&mut new, "nullable");
        }
        if required && differs(&old, &new, "default") {
            self.push(
                Class::DocsOnly,
                at,
                format!(
                    "default changed from {} to {}: the field is required, so always there, and typify ignores it",
                    show(old.get("default")),
                    show(new.get("default"))
                ),
            );
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
        direction: Direction,
        usage: Usage,
    ) {
        let number = |v: Option<&Value>| v.and_then(Value::as_f64);
        let narrower = match (number(old), number(new)) {
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => match direction {
                Direction::Upper => b < a,
                Direction::Lower => b > a,
            },
            // `exclusiveMaximum: true` in 3.0 is a boolean: adding it narrows.
            (None, None) => new.and_then(Value::as_bool) == Some(true),
        };
        let (class, how) = if narrower {
            (
                usage.class(Class::Breaking, Class::Additive),
                "narrowed: requests that were valid may be refused",
            )
        } else {
            (
                usage.class(Class::Additive, Class::Breaking),
                "widened: responses may hold values clients did not expect",
            )
        };
        let how = match (narrower, usage.request, usage.response) {
            (true, false, true) => "narrowed: responses stay within what clients expected",
            (false, true, false) => "widened: every request that was valid still is",
            _ => how,
        };
        self.push(
            class,
            at,
            format!("`{key}` {how} ({} -> {})", show(old), show(new)),
        );
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
    fn of(response: &Value) -> Self {
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

    fn category(&self) -> u8 {
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

#[derive(Debug, Clone, Copy)]
enum Direction {
    Upper,
    Lower,
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
    fn label(&self) -> String {
        let id = self
            .value
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("no operationId");
        format!("{} {} ({id})", self.method.to_uppercase(), self.path)
    }
}

/// The spec's operations by operationId (or by method and path when it has none).
fn operations(doc: &Value) -> BTreeMap<String, Operation<'_>> {
    let mut all = BTreeMap::new();
    for (path, item) in object(doc.get("paths").unwrap_or(&Value::Null)) {
        for method in HTTP_METHODS {
            let Some(value) = item.get(*method) else {
                continue;
            };
            let key = value
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
            all.insert(
                key,
                Operation {
                    method,
                    path: path.clone(),
                    value,
                    path_parameters: item.get("parameters"),
                },
            );
        }
    }
    all
}

/// An operation's parameters, path-level ones included, by (location, name), resolved.
fn parameters<'a>(doc: &'a Value, op: &Operation<'a>) -> BTreeMap<(String, String), &'a Value> {
    let mut all = BTreeMap::new();
    for list in [op.path_parameters, op.value.get("parameters")] {
        for parameter in array(list) {
            let parameter = resolve(doc, parameter);
            let text = |k: &str| {
                parameter
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            all.insert((text("in"), text("name")), parameter);
        }
    }
    all
}

/// Which component schemas are reachable from requests and from responses.
fn schema_usage(doc: &Value) -> BTreeMap<String, Usage> {
    let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
    let mut roots: Vec<(&Value, Usage)> = Vec::new();
    for op in operations(doc).values() {
        for parameter in parameters(doc, op).values() {
            roots.push((parameter, Usage::REQUEST));
        }
        if let Some(body) = op.value.get("requestBody") {
            roots.push((resolve(doc, body), Usage::REQUEST));
        }
        for response in object(op.value.get("responses").unwrap_or(&Value::Null)).values() {
            roots.push((resolve(doc, response), Usage::RESPONSE));
        }
    }
    let mut stack: Vec<(&Value, Usage)> = roots;
    let mut visited: BTreeSet<(String, bool)> = BTreeSet::new();
    while let Some((value, u)) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(name) = reference_name(value) {
                    if name.contains('/') {
                        // A reference to another kind of component: follow it.
                        stack.push((resolve(doc, value), u));
                        continue;
                    }
                    let entry = usage.entry(name.clone()).or_default();
                    entry.request |= u.request;
                    entry.response |= u.response;
                    if visited.insert((name.clone(), u.request)) {
                        stack.push((resolve(doc, value), u));
                    }
                    continue;
                }
                stack.extend(map.values().map(|v| (v, u)));
            }
            Value::Array(items) => stack.extend(items.iter().map(|v| (v, u))),
            _ => {}
        }
    }
    usage
}

/// `value` with every `$ref` to a component other than a schema replaced by what it points
/// to.
fn inline_refs(doc: &Value, value: &Value, depth: usize) -> Value {
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str)
                && !reference.starts_with("#/components/schemas/")
                && depth < 16
                && let Some(target) = reference.strip_prefix('#').and_then(|p| doc.pointer(p))
            {
                return inline_refs(doc, target, depth + 1);
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), inline_refs(doc, v, depth)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| inline_refs(doc, v, depth)).collect())
        }
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

/// Follows `$ref`s (to a depth that no sane spec needs) to the value they point to.
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return value;
        };
        match reference
            .strip_prefix('#')
            .and_then(|pointer| doc.pointer(pointer))
        {
            Some(target) => value = target,
            None => return value,
        }
    }
    value
}

fn keys(a: &Value, b: &Value) -> BTreeSet<String> {
    object(a).keys().chain(object(b).keys()).cloned().collect()
}

fn object(value: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    value
        .as_object()
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

fn array(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "(none)".to_owned(), Value::to_string)
}

fn is_doc_key(key: &str) -> bool {
    DOC_KEYS.contains(&key)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn spec() -> Value {
        serde_yaml_ng::from_str(&read_spec_text().unwrap()).unwrap()
    }

    /// The changes after `edit` makes one change to the real spec.
    fn changes_after(edit: impl FnOnce(&mut Value)) -> Vec<(Class, String)> {
        let old = spec();
        let mut new = old.clone();
        edit(&mut new);
        diff(&old, &new)
            .into_iter()
            .map(|c| (c.class, format!("{}: {}", c.location, c.reason)))
            .collect()
    }

    fn at<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Value {
        doc.pointer_mut(pointer)
            .unwrap_or_else(|| panic!("no {pointer} in the spec"))
    }

    const LIST: &str = "/paths/~1api~1v1~1backups~1/get";
    const CREATE: &str = "/paths/~1api~1v1~1backups~1/post";
    const BACKUP: &str = "/components/schemas/Backup";

    fn only(changes: &[(Class, String)], class: Class, needle: &str) {
        assert_eq!(changes.len(), 1, "{changes:#?}");
        assert_eq!(changes[0].0, class, "{changes:#?}");
        assert!(changes[0].1.contains(needle), "{changes:#?}");
    }

    #[test]
    fn the_same_spec_has_no_changes() {
        assert_eq!(diff(&spec(), &spec()), Vec::new());
    }

    #[test]
    fn operations_removed_added_and_renamed() {
        let removed = changes_after(|s| {
            at(s, "/paths/~1api~1v1~1backups~1{backup_id}~1")
                .as_object_mut()
                .unwrap()
                .remove("delete");
        });
        only(
            &removed,
            Class::Breaking,
            "(deleteBackup): operation removed",
        );

        let added = changes_after(|s| {
            let get =
                json!({"operationId": "getBackup", "responses": {"200": {"description": "ok"}}});
            at(s, "/paths/~1api~1v1~1backups~1{backup_id}~1")["get"] = get;
        });
        only(
            &added,
            Class::Additive,
            "GET /api/v1/backups/{backup_id}/ (getBackup): operation added",
        );

        let renamed = changes_after(|s| at(s, LIST)["operationId"] = json!("listAllBackups"));
        only(&renamed, Class::Breaking, "the generated method is renamed");
    }

    #[test]
    fn parameters() {
        let required =
            changes_after(|s| at(s, &format!("{LIST}/parameters/0"))["required"] = json!(true));
        only(
            &required,
            Class::Breaking,
            "query parameter `server_id`: became required",
        );

        let removed = changes_after(|s| {
            at(s, &format!("{LIST}/parameters"))
                .as_array_mut()
                .unwrap()
                .remove(0);
        });
        only(
            &removed,
            Class::Breaking,
            "query parameter `server_id`: removed",
        );

        let optional = changes_after(|s| {
            let sort = json!({"name": "ordering", "in": "query", "schema": {"type": "string"}});
            at(s, &format!("{LIST}/parameters"))
                .as_array_mut()
                .unwrap()
                .push(sort);
        });
        only(
            &optional,
            Class::Additive,
            "query parameter `ordering`: added, optional",
        );

        let mandatory = changes_after(|s| {
            let sort = json!({"name": "ordering", "in": "query", "required": true, "schema": {"type": "string"}});
            at(s, &format!("{LIST}/parameters"))
                .as_array_mut()
                .unwrap()
                .push(sort);
        });
        only(&mandatory, Class::Breaking, "added as required");

        let retyped = changes_after(|s| {
            at(s, &format!("{LIST}/parameters/0/schema"))["type"] = json!("string");
        });
        only(
            &retyped,
            Class::Breaking,
            "type changed from integer to string",
        );

        let narrowed = changes_after(|s| {
            at(s, &format!("{LIST}/parameters/3/schema"))["maximum"] = json!(50);
        });
        only(
            &narrowed,
            Class::Breaking,
            "`maximum` narrowed: requests that were valid may be refused (100 -> 50)",
        );

        let widened = changes_after(|s| {
            at(s, &format!("{LIST}/parameters/3/schema"))["maximum"] = json!(500);
        });
        only(
            &widened,
            Class::Additive,
            "`maximum` widened: every request that was valid still is",
        );

        let default = changes_after(|s| {
            at(s, &format!("{LIST}/parameters/3/schema"))["default"] = json!(50);
        });
        only(&default, Class::Breaking, "default changed from 20 to 50");

        let described = changes_after(|s| {
            at(s, &format!("{LIST}/parameters/0"))["description"] = json!("Only this server");
        });
        only(&described, Class::DocsOnly, "`description` changed");
    }

    #[test]
    fn properties_by_direction() {
        // Backup is only ever received.
        let optional = changes_after(|s| {
            at(s, &format!("{BACKUP}/properties"))["region"] =
                json!({"type": "string", "nullable": true});
        });
        only(
            &optional,
            Class::Additive,
            "schema Backup.region: property added, optional",
        );

        let required = changes_after(|s| {
            at(s, &format!("{BACKUP}/properties"))["region"] = json!({"type": "string"});
            at(s, &format!("{BACKUP}/required"))
                .as_array_mut()
                .unwrap()
                .push(json!("region"));
        });
        only(&required, Class::Additive, "property added, required");

        let removed = changes_after(|s| {
            at(s, &format!("{BACKUP}/properties"))
                .as_object_mut()
                .unwrap()
                .remove("size_mb");
        });
        only(
            &removed,
            Class::Breaking,
            "schema Backup.size_mb: property removed",
        );

        let made_optional = changes_after(|s| {
            at(s, &format!("{BACKUP}/required"))
                .as_array_mut()
                .unwrap()
                .retain(|v| v != "description");
        });
        only(
            &made_optional,
            Class::Breaking,
            "schema Backup.description: became optional",
        );

        // CreateBackupRequest is only ever sent.
        let request = "/components/schemas/CreateBackupRequest";
        let required_in_request = changes_after(|s| {
            at(s, &format!("{request}/required"))
                .as_array_mut()
                .unwrap()
                .push(json!("description"));
        });
        only(
            &required_in_request,
            Class::Breaking,
            "CreateBackupRequest.description: became required",
        );

        let added_optional = changes_after(|s| {
            at(s, &format!("{request}/properties"))["label"] = json!({"type": "integer"});
        });
        only(&added_optional, Class::Additive, "property added, optional");

        let added_required = changes_after(|s| {
            at(s, &format!("{request}/properties"))["label"] = json!({"type": "integer"});
            at(s, &format!("{request}/required"))
                .as_array_mut()
                .unwrap()
                .push(json!("label"));
        });
        only(
            &added_required,
            Class::Breaking,
            "property added as required in a request",
        );

        let shorter = changes_after(|s| {
            at(s, &format!("{request}/properties/description"))["maxLength"] = json!(100);
        });
        only(&shorter, Class::Breaking, "`maxLength` narrowed");

        let nullable = changes_after(|s| {
            at(s, &format!("{BACKUP}/properties/description"))["nullable"] = json!(true);
        });
        only(&nullable, Class::Breaking, "became nullable");

        // The API accepts more, but the generated field becomes an Option.
        let optional_in_request = changes_after(|s| {
            at(s, &format!("{request}/required"))
                .as_array_mut()
                .unwrap()
                .retain(|v| v != "server_id");
        });
        only(
            &optional_in_request,
            Class::Breaking,
            "CreateBackupRequest.server_id: became optional: its Rust field becomes an Option",
        );

        // An optional field is an Option in Rust, nullable or not; a required one ignores a
        // default. Neither is worth a major release.
        let nullable_optional = changes_after(|s| {
            at(s, "/components/schemas/Restore/properties/message")["nullable"] = json!(true);
        });
        only(
            &nullable_optional,
            Class::Additive,
            "Restore.message: became nullable: an optional field",
        );
        let default_on_required = changes_after(|s| {
            at(s, "/components/schemas/Restore/properties/backup_id")["default"] = json!(1);
        });
        only(
            &default_on_required,
            Class::DocsOnly,
            "the field is required, so always there",
        );
        let nullable_request = |s: &mut Value| {
            at(s, "/components/schemas/RestoreRequest/properties/backup_id")["nullable"] =
                json!(true);
        };
        let old = {
            let mut old = spec();
            nullable_request(&mut old);
            old
        };
        let mut new = old.clone();
        at(&mut new, "/components/schemas/RestoreRequest/required")
            .as_array_mut()
            .unwrap()
            .clear();
        let changes = diff(&old, &new);
        assert_eq!(changes.len(), 1, "{changes:#?}");
        assert_eq!(changes[0].class, Class::Additive, "{changes:#?}");
        assert!(changes[0].reason.contains("is an Option either way"));

        // typify drops the Option of an optional field with a default.
        let defaulted = changes_after(|s| {
            at(s, "/components/schemas/Restore/properties/message")["default"] =
                json!("Restore started");
        });
        only(
            &defaulted,
            Class::Breaking,
            "an optional field with a default is no Option",
        );
    }

    #[test]
    fn enums_by_direction() {
        // BackupType is sent (the list's filter) and received.
        let added = changes_after(|s| {
            at(s, "/components/schemas/BackupStatus/enum")
                .as_array_mut()
                .unwrap()
                .push(json!("archived"));
        });
        only(
            &added,
            Class::Additive,
            "enum value \"archived\" added: the generated enums keep values",
        );

        let removed = changes_after(|s| {
            at(s, "/components/schemas/BackupType/enum")
                .as_array_mut()
                .unwrap()
                .pop();
        });
        only(
            &removed,
            Class::Breaking,
            "enum value \"automatic\" removed",
        );

        let new_enum = changes_after(|s| {
            at(s, &format!("{BACKUP}/properties"))["tier"] =
                json!({"type": "string", "enum": ["hot", "cold"]});
        });
        only(
            &new_enum,
            Class::Additive,
            "schema Backup.tier: property added, optional",
        );

        let string_to_enum = changes_after(|s| {
            at(s, &format!("{BACKUP}/properties/description"))["enum"] = json!(["a"]);
        });
        only(&string_to_enum, Class::Breaking, "became an enum");
    }

    #[test]
    fn responses_and_media_types() {
        let status = changes_after(|s| {
            at(s, &format!("{CREATE}/responses"))
                .as_object_mut()
                .unwrap()
                .remove("404");
        });
        only(&status, Class::Breaking, "response 404: removed");

        let media = changes_after(|s| {
            at(s, "/components/responses/ServerError/content")
                .as_object_mut()
                .unwrap()
                .remove("text/html");
        });
        // Every operation answers with it.
        assert_eq!(media.len(), 4, "{media:#?}");
        assert!(media.iter().all(|(c, r)| *c == Class::Breaking && r.ends_with("text/html: media type removed")));

        let error_status = changes_after(|s| {
            at(s, &format!("{CREATE}/responses"))["409"] =
                json!({"$ref": "#/components/responses/BadQuery"});
        });
        only(&error_status, Class::Additive, "response 409: added");

        // progenitor gives a method one success type: a second success status with another
        // body cannot be generated, one with the same body is just another status.
        let success = changes_after(|s| {
            at(s, &format!("{CREATE}/responses"))["200"] = json!({"description": "already there"});
        });
        let breaking: Vec<_> = success
            .iter()
            .filter(|(c, _)| *c == Class::Breaking)
            .collect();
        assert_eq!(breaking.len(), 1, "{success:#?}");
        assert!(
            breaking[0].1.contains(
                "success responses now have different bodies (no body, JSON CreatedBackup)"
            )
        );
        let same_body = changes_after(|s| {
            let created = at(s, &format!("{CREATE}/responses/201")).clone();
            at(s, &format!("{CREATE}/responses"))["200"] = created;
        });
        only(&same_body, Class::Additive, "response 200: added");

        // An error status without a body, where the others have DRF's JSON body.
        let bare_error = changes_after(|s| {
            at(s, &format!("{CREATE}/responses"))["409"] = json!({"description": "Conflict"});
        });
        assert!(
            bare_error.iter().any(|(c, r)| *c == Class::Breaking
                && r.contains("error responses now have different bodies (no body, JSON Error)")),
            "{bare_error:#?}"
        );

        // A body where the method returned nothing changes its return type.
        let delete_204 = "/paths/~1api~1v1~1backups~1{backup_id}~1/delete/responses/204";
        let body_added = changes_after(|s| {
            at(s, delete_204)["content"] = json!({"application/json": {"schema":
                {"$ref": "#/components/schemas/Backup"}}});
        });
        assert!(
            body_added.iter().any(|(c, r)| *c == Class::Breaking
                && r.contains("success body changes from no body to JSON Backup")),
            "{body_added:#?}"
        );

        // progenitor generates one request body per operation.
        let second_body = changes_after(|s| {
            at(s, &format!("{CREATE}/requestBody/content"))["application/x-www-form-urlencoded"] =
                json!({"schema": {"$ref": "#/components/schemas/CreateBackupRequest"}});
        });
        only(
            &second_body,
            Class::Breaking,
            "a second media type for the body",
        );

        let reference = changes_after(|s| {
            at(
                s,
                &format!("{CREATE}/responses/201/content/application~1json/schema"),
            )["$ref"] = json!("#/components/schemas/Backup");
        });
        only(
            &reference,
            Class::Breaking,
            "refers to schema Backup instead of CreatedBackup",
        );
    }

    #[test]
    fn unknown_keys_are_breaking_until_reviewed() {
        let changes = changes_after(|s| at(s, LIST)["x-internal"] = json!(true));
        only(
            &changes,
            Class::Breaking,
            "`x-internal` changed, and no rule classifies it",
        );
        let changes =
            changes_after(|s| at(s, BACKUP)["discriminator"] = json!({"propertyName": "id"}));
        only(&changes, Class::Breaking, "review it by hand");
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
        let old_spec = read_spec_text().unwrap();
        let new_spec = old_spec.replacen(
            "    delete:\n      operationId: deleteBackup\n",
            "    delete:\n      operationId: removeBackup\n",
            1,
        );
        assert_ne!(old_spec, new_spec);
        let contract = |spec: &str, version: &str| Contract {
            spec: spec.to_owned(),
            version: semver::Version::parse(version).unwrap(),
            label: "test".into(),
        };
        let same = compare(&contract(&old_spec, "0.2.0"), &contract(&new_spec, "0.2.3")).unwrap();
        assert!(!same.passes, "{}", same.text);
        assert!(
            same.verdict.contains("0.3.0 or later (now 0.2.3)"),
            "{}",
            same.verdict
        );
        let bumped = compare(&contract(&old_spec, "0.2.0"), &contract(&new_spec, "0.3.0")).unwrap();
        assert!(bumped.passes, "{}", bumped.text);
        let docs = compare(&contract(&old_spec, "0.2.0"), &contract(&old_spec, "0.2.0")).unwrap();
        assert!(docs.passes && docs.changes.is_empty());
    }

    /// typify picks `u64` for an integer with no format and a minimum of 0: no spec rule
    /// sees a type change there, the generated client's public items do.
    #[test]
    fn the_generated_client_catches_what_no_rule_sees() {
        let with_field = |schema: &str| {
            read_spec_text().unwrap().replacen(
                "        message:\n          type: string\n          description: What happens next",
                &format!("        priority:\n          {schema}\n        message:\n          type: string\n          description: What happens next"),
                1,
            )
        };
        let (old_spec, new_spec) = (
            with_field("type: integer"),
            with_field("type: integer\n          minimum: 0"),
        );
        assert_ne!(
            old_spec,
            read_spec_text().unwrap(),
            "the test's anchor left the spec"
        );
        let contract = |spec: &str| Contract {
            spec: spec.to_owned(),
            version: semver::Version::parse("0.2.0").unwrap(),
            label: "test".into(),
        };
        let report = compare(&contract(&old_spec), &contract(&new_spec)).unwrap();
        // The rules alone call a response's narrower bound additive.
        assert!(
            report.changes.iter().all(|c| c.class == Class::Additive),
            "{}",
            report.text
        );
        assert!(!report.passes, "{}", report.text);
        assert!(
            report.generated_breaks.iter().any(|b| b.starts_with(
                "types::Restore.priority: changed from `Option<i64>` to `Option<u64>`"
            )),
            "{}",
            report.text
        );
        assert!(
            report
                .verdict
                .contains("of the generated client's public items"),
            "{}",
            report.verdict
        );

        // A spec progenitor cannot generate is breaking, with progenitor's reason.
        let unbuildable = old_spec.replacen(
            "    delete:\n      operationId: deleteBackup\n",
            "    delete:\n      operationId: deleteBackup\n      requestBody:\n        content:\n          application/json: {schema: {type: object}}\n          text/plain: {schema: {type: string}}\n",
            1,
        );
        assert_ne!(unbuildable, old_spec);
        let report = compare(&contract(&old_spec), &contract(&unbuildable)).unwrap();
        assert!(!report.passes);
        assert!(
            report
                .generated_breaks
                .iter()
                .any(|b| b.contains("cannot be generated")),
            "{}",
            report.text
        );
    }

    #[test]
    fn the_client_version_is_read_from_the_workspace_when_inherited() {
        let root = "[workspace.package]\nversion = \"0.4.1\"\n";
        let inherits = "[package]\nname = \"c\"\nversion.workspace = true\n";
        let own = "[package]\nname = \"c\"\nversion = \"1.2.3\"\n";
        assert_eq!(client_version(root, inherits).unwrap().to_string(), "0.4.1");
        assert_eq!(client_version(root, own).unwrap().to_string(), "1.2.3");
    }
}
