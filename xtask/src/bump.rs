//! `cargo xtask bump VERSION`: sets the workspace's one version everywhere it is written:
//! `[workspace.package]`, the workspace's own entries in `[workspace.dependencies]`,
//! `Cargo.lock` (`cargo update --workspace`), the `[dependencies]` lines of the READMEs that
//! name our crates, and the root CHANGELOG's unreleased heading.

use semver::Version;
use toml_edit::DocumentMut;

use crate::{Result, floors::set, project_root, read};

pub fn run(version: &str) -> Result<()> {
    let new = Version::parse(version).map_err(|e| format!("{version}: {e}"))?;
    let root = project_root();
    let mut manifest: DocumentMut = read("Cargo.toml")?.parse()?;
    let version = &mut manifest["workspace"]["package"]["version"];
    let old = version.as_str().ok_or("no [workspace.package] version")?.to_owned();
    set(version, &new.to_string());
    let mut own = Vec::new();
    let deps = manifest["workspace"]["dependencies"].as_table_like_mut();
    for (name, dep) in deps.ok_or("no [workspace.dependencies]")?.iter_mut() {
        if let Some(table) = dep.as_table_like_mut().filter(|t| t.contains_key("path")) {
            own.push(name.get().to_owned());
            if let Some(version) = table.get_mut("version") {
                set(version, &new.to_string());
            }
        }
    }
    let mut edits = vec![("Cargo.toml".to_owned(), manifest.to_string())];
    let readmes = std::fs::read_dir(root.join("crates"))?
        .map(|entry| Ok(format!("crates/{}/README.md", entry?.file_name().to_string_lossy())))
        .collect::<Result<Vec<_>>>()?;
    let short = format!("{}.{}", new.major, new.minor);
    for path in std::iter::once("README.md".to_owned()).chain(readmes) {
        if let Ok(text) = read(&path) {
            edits.push((path, readme(&text, &own, &short)));
        }
    }
    let (heading, changelog) = (format!("## Unreleased ({old})"), read("CHANGELOG.md")?);
    if !changelog.contains(&heading) {
        return Err(format!("CHANGELOG.md has no `{heading}` heading").into());
    }
    let unreleased = format!("## Unreleased ({new})");
    edits.push(("CHANGELOG.md".into(), changelog.replacen(&heading, &unreleased, 1)));
    for (path, text) in edits {
        std::fs::write(root.join(&path), text)?;
    }
    let update = ["update", "--workspace"];
    crate::run(crate::cargo().args(update), "`cargo update --workspace`")?;
    eprintln!("bump: {old} -> {new} (Cargo.toml, Cargo.lock, READMEs, CHANGELOG.md)");
    Ok(())
}

/// `text` with the version of every `name = ...` line that names one of `own` set to
/// `short` (`version = "0.2"` or `name = "0.2"`); each line is edited as TOML, layout kept.
fn readme(text: &str, own: &[String], short: &str) -> String {
    let bump = |line: &str| -> Option<String> {
        let mut entry: DocumentMut = line.parse().ok()?;
        let (name, item) = entry.as_table_mut().iter_mut().next()?;
        own.iter().find(|own| *own == name.get())?;
        set(if item.is_str() { item } else { item.get_mut("version")? }, short);
        Some(entry.to_string().trim_end().to_owned())
    };
    let lines: Vec<String> =
        text.lines().map(|line| bump(line).unwrap_or_else(|| line.to_owned())).collect();
    lines.join("\n") + if text.ends_with('\n') { "\n" } else { "" }
}

#[cfg(test)]
#[path = "tests/bump.rs"]
mod tests;
