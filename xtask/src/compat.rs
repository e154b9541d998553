//! `cargo xtask compat [--base <git-ref>] [--write]`: the changes to `openapi/backups.yaml`
//! since the recorded release, judged by `vpsorg-compat` with today's codegen as the generator
//! (what the verdict asks: README.md, "Changing the API contract").

use vpsorg_compat::{Class, Contract, Options, Report};

use crate::{Result, SPEC_PATH, ensure_file, project_root, read, read_spec_text};

/// Where `cargo xtask compat --record` keeps the contract as last released.
pub const RELEASED_SPEC_PATH: &str = "openapi/released/backups.yaml";
/// The version of the generated client that release shipped as.
pub const RELEASED_VERSION_PATH: &str = "openapi/released/version";
/// The crate whose version the contract's changes are judged against.
pub const CLIENT_CRATE: &str = "vpsorg-backups-client";
const CLIENT_MANIFEST: &str = "crates/vpsorg-backups-client/Cargo.toml";
/// The contract's changelog since the recorded release, written by `cargo xtask compat --write`.
pub const CHANGES_PATH: &str = "openapi/CHANGES.md";

/// [`report`], failing with the verdict when it does not pass.
pub fn run(base: Option<&str>, write: bool) -> Result<()> {
    let report = report(base, write)?;
    if report.passes { Ok(()) } else { Err(report.verdict.into()) }
}

/// Compares and prints the changes (and the verdict when it passes); the caller decides
/// what a failing verdict does (`cargo xtask compat`'s exit codes: `cargo xtask help`).
/// Without `base`, `write` writes `openapi/CHANGES.md`; otherwise a stale one fails the verdict.
pub fn report(base: Option<&str>, write: bool) -> Result<Report> {
    let (released, new) = (released()?, working_tree()?);
    let since = released.label.clone();
    let mut report = match base {
        None => compare(&released, &new)?,
        Some(reference) => {
            // Only the changes since `reference` are listed, but the version is judged from
            // the release: an unreleased version that already covers them needs no bump.
            let old = Contract {
                label: format!("{reference}, judged from the last release"),
                version: released.version.clone(),
                ..at_git_ref(reference)?
            };
            let mut report = compare(&old, &new)?;
            let older = vpsorg_compat::changes(&released.spec, &new.spec)?
                .iter()
                .filter(|c| !report.changes.contains(c))
                .count();
            if older > 0 {
                report.text.push_str(&format!(
                    "{older} more change(s) since {since} not shown (`cargo xtask compat` lists them)\n"
                ));
            }
            report
        }
    };
    print!("{}", report.text);
    if base.is_none() {
        let changes = changelog(&since, &report);
        let command = "cargo xtask compat --write";
        if let Err(e) = ensure_file(CHANGES_PATH, &changes, !write, command, SPEC_PATH) {
            report.passes = false;
            report.verdict = e.to_string();
        }
    }
    if report.passes {
        println!("{}", report.verdict);
    }
    Ok(report)
}

/// `openapi/CHANGES.md`: every change since the release, grouped by class.
fn changelog(since: &str, report: &Report) -> String {
    let mut text = format!(
        "# Changes to the API contract since {since}\n\n\
         Written by `cargo xtask compat --write` from the diff of `{SPEC_PATH}` against \
         `{RELEASED_SPEC_PATH}`; CI fails when it is stale. The rules are vpsorg-compat's.\n"
    );
    for class in [Class::Breaking, Class::Additive, Class::DocsOnly] {
        let changes = report.changes.iter().filter(|c| c.class == class);
        let changes = changes.map(|c| format!("- {}: {}\n", c.location, c.reason));
        let generated = report.generated_breaks.iter().filter(|_| class == Class::Breaking);
        let generated = generated.map(|b| format!("- generated client: {b}\n"));
        let lines: String = changes.chain(generated).collect();
        if !lines.is_empty() {
            let heading = class.to_string();
            let heading = heading[..1].to_uppercase() + &heading[1..];
            text.push_str(&format!("\n## {heading}\n\n{lines}"));
        }
    }
    text
}

/// Compares two contracts of this repository with today's codegen.
pub fn compare(old: &Contract, new: &Contract) -> Result<Report> {
    let generate = |spec: &str| crate::codegen::generate(spec).map_err(|e| e.to_string());
    let options = Options { spec_name: SPEC_PATH, krate: CLIENT_CRATE, generate: &generate };
    Ok(vpsorg_compat::compare(old, new, &options)?)
}

/// The working tree's spec and client version.
pub fn working_tree() -> Result<Contract> {
    Ok(Contract {
        spec: read_spec_text()?,
        version: Some(client_version(&read("Cargo.toml")?, &read(CLIENT_MANIFEST)?)?),
        label: "working tree".into(),
    })
}

/// The spec and client version at a git ref.
pub fn at_git_ref(reference: &str) -> Result<Contract> {
    let spec = git_show(reference, SPEC_PATH)?;
    let (root, client) =
        (git_show(reference, "Cargo.toml")?, git_show(reference, CLIENT_MANIFEST)?);
    let version = Some(client_version(&root, &client)?);
    Ok(Contract { spec, version, label: reference.to_owned() })
}

/// The contract as last released, recorded by `cargo xtask compat --record`.
pub fn released() -> Result<Contract> {
    let (spec, version) = (read(RELEASED_SPEC_PATH)?, read(RELEASED_VERSION_PATH)?);
    let version = semver::Version::parse(version.trim())
        .map_err(|e| format!("{RELEASED_VERSION_PATH}: {e}"))?;
    Ok(Contract { spec, label: format!("release {version}"), version: Some(version) })
}

/// Records the working tree's spec and client version as the released baseline.
pub fn record() -> Result<()> {
    let current = working_tree()?;
    let version = current.version.as_ref().ok_or("no client version")?;
    let root = project_root();
    std::fs::create_dir_all(root.join("openapi/released"))?;
    std::fs::write(root.join(RELEASED_SPEC_PATH), &current.spec)?;
    std::fs::write(root.join(RELEASED_VERSION_PATH), format!("{version}\n"))?;
    eprintln!("recorded {SPEC_PATH} as released with {CLIENT_CRATE} {version}");
    report(None, true).map(drop)
}

fn git_show(reference: &str, path: &str) -> Result<String> {
    crate::git(&["show", &format!("{reference}:{path}")])
}

/// The client crate's version from its manifest, or the workspace's when it inherits it.
fn client_version(root_manifest: &str, client_manifest: &str) -> Result<semver::Version> {
    let (client, root): (toml::Table, toml::Table) =
        (client_manifest.parse()?, root_manifest.parse()?);
    let text = (client["package"]["version"].as_str())
        .or_else(|| root["workspace"]["package"]["version"].as_str());
    Ok(semver::Version::parse(text.ok_or("no [workspace.package] version")?)?)
}

#[cfg(test)]
#[path = "tests/compat.rs"]
mod tests;
