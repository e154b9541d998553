//! `cargo xtask compat [--base <git-ref>]`: what changed in `openapi/backups.yaml` since a
//! baseline (the recorded release, or a git ref), judged by `vpsorg-compat` against the
//! version of `vpsorg-backups-client`, with today's codegen as the generator.

use std::process::Command;

use vpsorg_compat::{Contract, Options, Report};

use crate::{Result, SPEC_PATH, project_root, read_spec_text};

/// Where `cargo xtask compat --record` keeps the contract as last released.
pub const RELEASED_SPEC_PATH: &str = "openapi/released/backups.yaml";
/// The version of the generated client that release shipped as.
pub const RELEASED_VERSION_PATH: &str = "openapi/released/version";
/// The crate whose version the contract's changes are judged against.
pub const CLIENT_CRATE: &str = "vpsorg-backups-client";
const CLIENT_MANIFEST: &str = "crates/vpsorg-backups-client/Cargo.toml";

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
        Some(reference) => at_git_ref(reference)?,
        None => released()?,
    };
    let report = compare(&old, &working_tree()?)?;
    print!("{}", report.text);
    if report.passes {
        println!("{}", report.verdict);
    }
    Ok(report)
}

/// Compares two contracts of this repository with today's codegen.
pub fn compare(old: &Contract, new: &Contract) -> Result<Report> {
    let generate = |spec: &str| crate::codegen::generate(spec).map_err(|e| e.to_string());
    let options = Options {
        spec_name: SPEC_PATH,
        krate: CLIENT_CRATE,
        generate: &generate,
    };
    Ok(vpsorg_compat::compare(old, new, &options)?)
}

/// The working tree's spec and client version.
pub fn working_tree() -> Result<Contract> {
    let read = |path: &str| -> Result<String> {
        std::fs::read_to_string(project_root().join(path))
            .map_err(|e| format!("reading {path}: {e}").into())
    };
    Ok(Contract {
        spec: read_spec_text()?,
        version: Some(client_version(
            &read("Cargo.toml")?,
            &read(CLIENT_MANIFEST)?,
        )?),
        label: "working tree".into(),
    })
}

/// The spec and client version at a git ref.
pub fn at_git_ref(reference: &str) -> Result<Contract> {
    Ok(Contract {
        spec: git_show(reference, SPEC_PATH)?,
        version: Some(client_version(
            &git_show(reference, "Cargo.toml")?,
            &git_show(reference, CLIENT_MANIFEST)?,
        )?),
        label: reference.to_owned(),
    })
}

/// The contract as last released, recorded by `cargo xtask compat --record`.
pub fn released() -> Result<Contract> {
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
        version: Some(version),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_version_is_read_from_the_workspace_when_inherited() {
        let root = "[workspace.package]\nversion = \"0.4.1\"\n";
        let inherits = "[package]\nname = \"c\"\nversion.workspace = true\n";
        let own = "[package]\nname = \"c\"\nversion = \"1.2.3\"\n";
        assert_eq!(client_version(root, inherits).unwrap().to_string(), "0.4.1");
        assert_eq!(client_version(root, own).unwrap().to_string(), "1.2.3");
    }
}
