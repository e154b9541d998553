//! The report and the verdict: every change the rules find, what generating the client from
//! both specs adds to them, and whether the version bump covers them.

use crate::{Change, Class, changes, surface};

/// A spec and the version of the client crate that goes with it.
#[derive(Debug, Clone)]
pub struct Contract {
    /// The spec's text, YAML or JSON.
    pub spec: String,
    /// The client crate's version, when known: the verdict compares the two.
    pub version: Option<semver::Version>,
    /// Where it came from, for the report.
    pub label: String,
}

/// What the report names, and how it generates the client.
pub struct Options<'a> {
    /// The spec, as the report's first line names it (a path).
    pub spec_name: &'a str,
    /// The client crate the verdict talks about.
    pub krate: &'a str,
    /// Turns a spec's text into the client's Rust source. A panic counts as a refusal.
    pub generate: &'a dyn Fn(&str) -> Result<String, String>,
}

impl std::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("spec_name", &self.spec_name)
            .field("krate", &self.krate)
            .finish_non_exhaustive()
    }
}

/// What [`compare`] found.
#[derive(Debug, Clone)]
pub struct Report {
    /// Every change, most severe first.
    pub changes: Vec<Change>,
    /// Whether the version bump covers the changes.
    pub passes: bool,
    pub verdict: String,
    /// Every change and the counts, as printed (the verdict is printed after it).
    pub text: String,
    /// The generated client's public items that go or change (empty when neither spec
    /// generates, or nothing breaks).
    pub generated_breaks: Vec<String>,
}

/// The most breaks of the generated client's items a report lists one by one.
const LISTED_BREAKS: usize = 12;

/// Compares two contracts and judges the version bump.
///
/// # Errors
///
/// A spec that is neither YAML nor JSON.
pub fn compare(old: &Contract, new: &Contract, options: &Options<'_>) -> Result<Report, String> {
    let spec_name = options.spec_name;
    let changes = changes(&old.spec, &new.spec)
        .map_err(|e| format!("{spec_name} ({} -> {}): {e}", old.label, new.label))?;
    let count = |class| changes.iter().filter(|c| c.class == class).count();
    let [breaking, additive, docs] = [Class::Breaking, Class::Additive, Class::DocsOnly].map(count);
    let version = |c: &Contract| c.version.as_ref().map_or(String::new(), |v| format!(" ({v})"));
    let (from, to) = (version(old), version(new));
    let mut text = format!("{spec_name}: {}{from} -> {}{to}\n", old.label, new.label);
    text.extend(changes.iter().map(|change| format!("  {change}\n")));
    let total = changes.len();
    text.push_str(&format!(
        "{total} change(s): {breaking} breaking, {additive} additive, {docs} docs-only\n"
    ));
    let generated_breaks = generated_breaks(old, new, options.generate, &mut text);
    let what_breaks = match generated_breaks.len() {
        _ if breaking > 0 => format!("{breaking} breaking change(s)"),
        n => format!("{n} breaking change(s) of the generated client's public items"),
    };
    // `changes` come most severe first.
    let needed = match changes.first() {
        _ if !generated_breaks.is_empty() => Class::Breaking,
        first => first.map_or(Class::DocsOnly, |change| change.class),
    };
    let krate = options.krate;
    let (passes, verdict) = match (&old.version, &new.version, needed) {
        (Some(old), Some(new), Class::Breaking) if !is_breaking_bump(old, new) => (
            false,
            format!(
                "{what_breaks} need a semver-breaking release of {krate}: {} or later (now \
                 {new}). Bump the version, or make the change additive.",
                next_breaking(old)
            ),
        ),
        (Some(old), Some(new), Class::Additive) if new <= old => (
            true,
            format!(
                "additive changes: release them as {krate} {} or later (now {new}).",
                next_minor(old)
            ),
        ),
        (Some(old), Some(new), _) => {
            (true, format!("{krate} {new} covers the changes since {old}."))
        }
        (_, _, Class::Breaking) => {
            (false, format!("{what_breaks} need a semver-breaking release of {krate}."))
        }
        (_, _, Class::Additive) => (true, format!("additive changes: a minor release of {krate}.")),
        (_, _, Class::DocsOnly) => (true, format!("no change needs a release of {krate}.")),
    };
    Ok(Report { changes, passes, verdict, text, generated_breaks })
}

/// What generating the client from both specs adds to the report, written to `text`: the
/// public items that go or change. None when the old spec does not generate with today's
/// codegen (the rules alone judge); one when the new spec cannot be generated (progenitor
/// refuses it, or panics).
fn generated_breaks(
    old: &Contract,
    new: &Contract,
    generate: &dyn Fn(&str) -> Result<String, String>,
    text: &mut String,
) -> Vec<String> {
    if old.spec == new.spec {
        return Vec::new();
    }
    let surface =
        |spec: &str| without_panics(|| generate(spec)).and_then(|code| surface::surface(&code));
    let (breaks, added) = match (surface(&old.spec), surface(&new.spec)) {
        (Err(e), _) => {
            text.push_str(&format!(
                "note: {} does not generate with today's codegen ({e}); the rules above alone judge the change\n",
                old.label
            ));
            return Vec::new();
        }
        (_, Err(e)) => {
            let line = format!("the client cannot be generated from the new spec: {e}");
            text.push_str("the generated client (today's codegen on both specs):\n");
            text.push_str(&format!("  {:<9}  {line}\n", Class::Breaking));
            return vec![line];
        }
        (Ok(old), Ok(new)) => surface::compare(&old, &new),
    };
    let breaks: Vec<String> =
        breaks.into_iter().map(|b| format!("{}: {}", b.path, b.what)).collect();
    if !breaks.is_empty() || added > 0 {
        text.push_str(&format!(
            "the generated client (today's codegen on both specs): {} public item(s) go or change, {added} added\n",
            breaks.len()
        ));
    }
    let listed = breaks.iter().take(LISTED_BREAKS);
    text.extend(listed.map(|line| format!("  {:<9}  {line}\n", Class::Breaking)));
    if let Some(more) = breaks.len().checked_sub(LISTED_BREAKS).filter(|n| *n > 0) {
        text.push_str(&format!("  ... and {more} more\n"));
    }
    breaks
}

/// Whether going from `old` to `new` is a semver-breaking release as cargo reads it: the
/// major number at 1.0 and later, the minor number at 0.x, the patch number at 0.0.x.
pub fn is_breaking_bump(old: &semver::Version, new: &semver::Version) -> bool {
    semver::Version::new(new.major, new.minor, new.patch) >= next_breaking(old)
}

/// The first semver-breaking release after `v`.
pub fn next_breaking(v: &semver::Version) -> semver::Version {
    match (v.major, v.minor) {
        (0, 0) => semver::Version::new(0, 0, v.patch + 1),
        (0, minor) => semver::Version::new(0, minor + 1, 0),
        (major, _) => semver::Version::new(major + 1, 0, 0),
    }
}

/// The first release after `v` that may add things without breaking any.
pub fn next_minor(v: &semver::Version) -> semver::Version {
    match v.major {
        0 => semver::Version::new(0, v.minor, v.patch + 1),
        major => semver::Version::new(major, v.minor + 1, 0),
    }
}

/// The client progenitor generates from `spec` (YAML or JSON) with `settings`, as Rust
/// source: what the binary compares when no project codegen is given.
///
/// # Errors
///
/// A spec that is not OpenAPI 3.0, or one progenitor refuses.
pub fn generate_with_progenitor(
    spec: &str,
    settings: &progenitor::GenerationSettings,
) -> Result<String, String> {
    let document: openapiv3::OpenAPI =
        serde_yaml_ng::from_str(spec).map_err(|e| format!("reading the spec: {e}"))?;
    let tokens = progenitor::Generator::new(settings)
        .generate_tokens(&document)
        .map_err(|e| format!("progenitor: {e}"))?;
    Ok(tokens.to_string())
}

/// Runs `generate`, turning a panic (progenitor asserts what it cannot generate) into an
/// error that carries its message. The panic is kept off stderr on this thread while it
/// runs; every other panic is printed as usual.
pub fn without_panics(generate: impl FnOnce() -> Result<String, String>) -> Result<String, String> {
    thread_local! {
        static GENERATING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    static QUIET_HOOK: std::sync::Once = std::sync::Once::new();
    QUIET_HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GENERATING.with(std::cell::Cell::get) {
                default(info);
            }
        }));
    });
    GENERATING.with(|flag| flag.set(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(generate));
    GENERATING.with(|flag| flag.set(false));
    outcome.unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        Err(format!("progenitor panicked: {message}"))
    })
}
