//! `cargo xtask contract`: a change to `openapi/backups.yaml`, end to end, in the steps that
//! README.md lists ("Changing the API contract").

use std::collections::BTreeSet;

use vpsorg_compat::Class;

use crate::{Result, codegen, compat, public_api, read_spec_text, spec};

/// Where the hand-written layers live: the wrapper, the fake server, the CLI, the tests.
const PLACES: [&str; 4] = [
    "crates/vpsorg-backups/src",
    "crates/vpsorg-backups-mock/src",
    "crates/vpsorg-cli/src",
    "tests/",
];

pub fn run() -> Result<()> {
    let step = |name: &str, next: &str, run: &dyn Fn() -> Result<()>| -> Result<()> {
        eprintln!("==> {name}");
        run().map_err(|e| format!("{name} failed: {e}\n\nnext: {next}").into())
    };
    let spec = "fix openapi/backups.yaml, then run `cargo xtask contract` again";
    step("lint", spec, &spec::lint)?;
    step("codegen", spec, &|| codegen::run(false))?;
    let bump = "`cargo xtask bump VERSION` with the version it names, or make the change additive";
    step("compat", bump, &|| compat::run(None, true))?;
    let fix = "fix what the compiler names; the places listed above name what changed";
    let checked = step("cargo check --workspace --all-targets", fix, &|| {
        let args = ["check", "--workspace", "--all-targets", "--locked", "--quiet"];
        match crate::cargo().args(args).status()? {
            status if status.success() => Ok(()),
            status => Err(format!("the workspace does not compile ({status})").into()),
        }
    });
    if checked.is_ok() {
        let review = "review the diff of public-api/: a removed or changed item breaks that crate";
        step("public-api", review, &|| public_api::run(false))?;
    }
    places()?;
    checked
}

/// Prints, for each schema, property, parameter and operation that changed (not only in its
/// text) since `HEAD`, where the hand-written layers name it; for a new parameter or
/// property, where they name the one before it, which is where it likely goes too.
fn places() -> Result<()> {
    let (head, new) = (compat::at_git_ref("HEAD")?.spec, read_spec_text()?);
    let spec: serde_json::Value = serde_yaml_ng::from_str(&new)?;
    let changes = vpsorg_compat::changes(&head, &new)?;
    // A name added where one was removed is a rename: the removed one's places are the list.
    let parent =
        |at: &str| at.trim_end_matches('`').rsplit_once(['.', '`']).map(|p| p.0.to_owned());
    let renamed: BTreeSet<_> = (changes.iter().filter(|c| c.reason.contains("removed")))
        .map(|c| parent(&c.location))
        .collect();
    let mut names = BTreeSet::new();
    for change in changes.iter().filter(|c| c.class != Class::DocsOnly) {
        for name in names_in(&change.location) {
            let new =
                change.reason.contains("added") && !renamed.contains(&parent(&change.location));
            let before = new.then(|| sibling_before(&spec, &change.location, &name)).flatten();
            names.insert((name, before));
        }
    }
    if names.is_empty() {
        eprintln!("==> no change to the spec's names since HEAD: no hand-written place to list");
    }
    for (name, before) in names {
        match before {
            Some(before) => grep(&before, &format!(" (the one before new `{name}`)")),
            None => grep(&name, ""),
        }
    }
    Ok(())
}

/// Prints the hand-written files that name `name`, with the lines.
fn grep(name: &str, why: &str) {
    // `git grep` fails when nothing matches.
    let hits = crate::git(&[&["grep", "-n", "-w", "-F", name, "--"], &PLACES[..]].concat());
    let hits = hits.unwrap_or_default();
    let hits: Vec<(&str, &str)> = (hits.lines().map(|hit| hit.splitn(3, ':')))
        .filter_map(|mut parts| Some((parts.next()?, parts.next()?)))
        .collect();
    let files: Vec<&[(&str, &str)]> = hits.chunk_by(|a, b| a.0 == b.0).collect();
    eprintln!("==> `{name}`{why} is named in {} hand-written file(s)", files.len());
    for hits in files.iter().take(12) {
        let lines: Vec<&str> = hits.iter().take(8).map(|hit| hit.1).collect();
        let more = hits.len().saturating_sub(8);
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        eprintln!("  {}: line {}{more}", hits[0].0, lines.join(", "));
    }
    if files.len() > 12 {
        eprintln!("  ... and {} more files (`git grep -nw {name}`)", files.len() - 12);
    }
}

/// The parameter or property declared just before the new `name` at `location`
/// (`GET /path (id) query parameter `name``, `schema A.name`).
fn sibling_before(spec: &serde_json::Value, location: &str, name: &str) -> Option<String> {
    let siblings: Vec<String> = if let Some(schema) = location.strip_prefix("schema ") {
        let schema = schema.split('.').next()?;
        let properties = spec["components"]["schemas"][schema]["properties"].as_object()?;
        properties.keys().cloned().collect()
    } else {
        let (method, rest) = location.split_once(' ')?;
        let path = rest.split(' ').next()?;
        let operation = &spec["paths"][path][method.to_lowercase()]["parameters"];
        let parameters = operation.as_array()?.iter();
        parameters.filter_map(|p| Some(p["name"].as_str()?.to_owned())).collect()
    };
    let at = siblings.iter().position(|s| s == name)?;
    siblings.get(at.checked_sub(1)?).cloned()
}

/// The names a change's location holds: `name`s in backticks, the last part of
/// `schema A.b`, the operationId of `GET /path (id)`.
fn names_in(location: &str) -> Vec<String> {
    let mut names: Vec<String> = location.split('`').skip(1).step_by(2).map(String::from).collect();
    if let Some(schema) = location.strip_prefix("schema ") {
        let last = schema.split(['.', ' ']).rfind(|s| !s.is_empty()).unwrap_or(schema);
        names.push(last.trim_end_matches(['[', ']', '{', '}', '*']).to_owned());
    } else if let Some(id) = location.strip_suffix(')').and_then(|l| l.rsplit_once('(')) {
        names.push(id.1.to_owned());
    }
    names
}

#[cfg(test)]
#[path = "tests/contract.rs"]
mod tests;
