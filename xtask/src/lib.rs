//! Project automation for vpsorg-rs, in the style of matklad's cargo-xtask: one binary, one
//! module per subcommand. The library half exists so that workspace tests can reuse the spec
//! tooling (`spec::Spec`) instead of writing a second validator.

pub mod bench;
pub mod bump;
pub mod codegen;
pub mod compat;
pub mod contract;
pub mod evolution;
pub mod floors;
pub mod package;
pub mod public_api;
pub mod spec;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The error type of every xtask step: a message for the person at the terminal.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The workspace root of the checkout `cargo xtask` runs in: the parent of this crate's
/// manifest directory (`<root>/xtask`).
///
/// `cargo run` and `cargo test` set `CARGO_MANIFEST_DIR` at run time, and that is the one to
/// trust: two checkouts that share a `CARGO_TARGET_DIR` share one xtask binary, whose
/// compile-time value names whichever checkout built it. The compile-time value is only the
/// fallback for running the binary by hand.
pub fn project_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir.parent().map(Path::to_path_buf).unwrap_or(manifest_dir)
}

/// `cargo` at the workspace root: the cargo that runs xtask (`CARGO`), else the one on `PATH`.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(project_root());
    command
}

/// The stdout of `cargo <args>` at the root (its stderr goes to ours); an error when it fails.
pub fn cargo_stdout(args: &[&str]) -> Result<String> {
    let output = cargo().args(args).stderr(Stdio::inherit()).output()?;
    if !output.status.success() {
        return Err(format!("`cargo {}` failed ({})", args.join(" "), output.status).into());
    }
    Ok(String::from_utf8(output.stdout)?)
}

/// The stdout of `git <args>` at the root; an error with git's message when it fails.
pub fn git(args: &[&str]) -> Result<String> {
    let output = Command::new("git").args(args).current_dir(project_root()).output();
    let output = output.map_err(|e| format!("running git: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("git {}: {}", args.join(" "), stderr.trim()).into());
    }
    Ok(String::from_utf8(output.stdout)?)
}

/// Cargo's target directory for this workspace (honours `CARGO_TARGET_DIR` and config).
pub fn target_dir() -> Result<PathBuf> {
    Ok(package::Metadata::load()?.target_directory)
}

/// Path of the hand-written spec, relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/backups.yaml";

pub fn read_spec_text() -> Result<String> {
    read(SPEC_PATH)
}

/// The text of a file of the workspace (`path` relative to the root).
pub fn read(path: &str) -> Result<String> {
    std::fs::read_to_string(project_root().join(path))
        .map_err(|e| format!("reading {path}: {e}").into())
}

/// Runs `command`, its output to ours; fails with "`what` failed (status)" when it fails.
pub fn run(command: &mut Command, what: &str) -> Result<()> {
    let status = command.status()?;
    if status.success() { Ok(()) } else { Err(format!("{what} failed ({status})").into()) }
}

/// Writes `contents` to `relative` (a path from the root), or with `check` compares instead
/// and fails with a unified diff, naming the `command` that writes it from `source`, when the
/// file on disk differs. Newlines are normalised first, so a checkout with CRLF line endings
/// is not reported as drift.
pub fn ensure_file(
    relative: &str,
    contents: &str,
    check: bool,
    command: &str,
    source: &str,
) -> Result<()> {
    let path = project_root().join(relative);
    let normalize = |text: &str| text.replace("\r\n", "\n");
    let contents = normalize(contents);
    let on_disk = std::fs::read_to_string(&path).map(|s| normalize(&s));
    if matches!(&on_disk, Ok(old) if *old == contents) {
        return Ok(());
    }
    if check {
        let old = on_disk.unwrap_or_default();
        let diff = similar::TextDiff::from_lines(&old, &contents);
        let (ours, theirs) = (format!("{relative} (on disk)"), format!("{relative} (expected)"));
        let diff = diff.unified_diff().context_radius(3).header(&ours, &theirs).to_string();
        return Err(format!(
            "{relative} is out of date with {source}:\n{diff}\nrun `{command}` and commit"
        )
        .into());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, contents)?;
    eprintln!("updated {relative}");
    Ok(())
}
