//! `cargo xtask public-api [--check]`: each library crate's public items, one per line, in
//! `public-api/<crate>.txt` (why: ARCHITECTURE.md, "Three things are versioned").
//!
//! The listing comes from rustdoc's JSON output, read by the `public-api` crate (the library
//! behind cargo-public-api; its pin is explained in the workspace manifest). That output is
//! unstable: on the stable toolchain rustdoc accepts it only with `RUSTC_BOOTSTRAP=1`, which
//! is given to rustdoc alone (this binary wraps it, see [`run_as_rustdoc_wrapper`]): set for
//! the whole of cargo, it would change the fingerprint of every crate and force a rebuild of
//! the workspace for the next `cargo check`.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use crate::{Result, ensure_file};

/// The library crates whose API users depend on, and the features their listing includes
/// (every optional part of the API, but none that needs system libraries to build).
pub const CRATES: &[(&str, &[&str])] = &[
    ("vpsorg-backups-client", &["schemars"]),
    ("vpsorg-backups", &["raw", "test-util", "schemars"]),
    ("vpsorg-backups-mock", &[]),
    ("vpsorg-contract", &[]),
];

/// Set when this binary runs as cargo's `RUSTDOC`: the real rustdoc to run.
const WRAPPED_RUSTDOC: &str = "XTASK_WRAPPED_RUSTDOC";

/// Writes each crate's listing, or with `check` fails with a diff when one is stale. The
/// crates are compiled first: rustdoc documents a crate whose function bodies do not compile,
/// and no listing may come from one.
pub fn run(check: bool) -> Result<()> {
    let mut compile = crate::cargo();
    compile.args(["check", "--quiet", "--locked", "--lib"]);
    for (krate, features) in CRATES {
        compile.args(["-p", krate]);
        for feature in *features {
            compile.args(["--features", &format!("{krate}/{feature}")]);
        }
    }
    let status = compile.status()?;
    if !status.success() {
        return Err(format!("the library crates do not compile ({status}): the compiler's errors are above; no listing was written").into());
    }
    let mut stale = Vec::new();
    for (krate, features) in CRATES {
        let listing = listing(krate, features)?;
        let path = format!("public-api/{krate}.txt");
        if let Err(error) = ensure_file(&path, &listing, check, "cargo xtask public-api", krate) {
            stale.push(error.to_string());
        }
    }
    if stale.is_empty() { Ok(()) } else { Err(stale.join("\n").into()) }
}

/// The public API of `krate` with `features`, as the snapshot file holds it.
pub fn listing(krate: &str, features: &[&str]) -> Result<String> {
    let json = rustdoc_json(krate, features)?;
    let api = public_api::Builder::from_rustdoc_json(&json)
        // Blanket impls (`impl<T> From<T> for T` and the like) are the same for every type;
        // auto traits (`Send`, `Sync`, `Unpin`) stay: losing one breaks users.
        .omit_blanket_impls(true)
        .build()
        .map_err(|e| format!("reading {}: {e}", json.display()))?;
    let features = if features.is_empty() {
        "default features".to_owned()
    } else {
        format!("default features and {}", features.join(", "))
    };
    let mut text = format!(
        "# The public API of {krate} ({features}), one item per line.\n\
         # Written by `cargo xtask public-api`; CI fails when it is stale.\n"
    );
    text.extend(api.items().map(|item| format!("{item}\n")));
    Ok(text)
}

/// Runs rustdoc's JSON output for `krate`'s library and returns the file's path.
fn rustdoc_json(krate: &str, features: &[&str]) -> Result<PathBuf> {
    let real_rustdoc = std::env::var("RUSTDOC").unwrap_or_else(|_| "rustdoc".into());
    let mut command = crate::cargo();
    command
        .args(["rustdoc", "--quiet", "--locked", "--lib", "-p", krate])
        .env("RUSTDOC", std::env::current_exe()?)
        .env(WRAPPED_RUSTDOC, real_rustdoc);
    if !features.is_empty() {
        command.args(["--features", &features.join(",")]);
    }
    command.args(["--", "-Z", "unstable-options", "--output-format", "json"]);
    crate::run(&mut command, &format!("rustdoc's JSON output for {krate}"))?;
    let path = crate::target_dir()?.join("doc").join(format!("{}.json", krate.replace('-', "_")));
    if !path.exists() {
        return Err(format!("rustdoc wrote no {}", path.display()).into());
    }
    Ok(path)
}

/// When cargo runs this binary as `RUSTDOC` (see [`listing`]), runs the real rustdoc
/// with `RUSTC_BOOTSTRAP=1` and returns its exit code; otherwise `None`.
pub fn run_as_rustdoc_wrapper() -> Option<ExitCode> {
    let real = std::env::var_os(WRAPPED_RUSTDOC)?;
    let status = Command::new(real)
        .args(std::env::args_os().skip(1))
        .env("RUSTC_BOOTSTRAP", "1")
        .env_remove(WRAPPED_RUSTDOC)
        .status();
    Some(match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => ExitCode::from(status.code().unwrap_or(1).clamp(1, 255) as u8),
        Err(error) => {
            eprintln!("error: running rustdoc: {error}");
            ExitCode::FAILURE
        }
    })
}
