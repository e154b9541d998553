//! `cargo xtask bench [--quick]`: builds `crates/vpsorg-bench`, the fake server and `vpsorg`,
//! then runs `vpsorg-bench run` at the root, which does the rest (the benchmarks, their list
//! and goals, and `BENCHMARKS.md`). `--quick` uses the debug build CI already has.

use std::process::Command;

use crate::{Result, cargo, project_root, target_dir};

/// A full run's build: the three release binaries.
const RELEASE: &str =
    "build --locked --bins --release -p vpsorg-bench -p vpsorg-backups-mock -p vpsorg-cli";

pub fn run(quick: bool) -> Result<()> {
    // Quick: what `cargo test --workspace` built, with the same features, so nothing to
    // rebuild in CI (three packages alone would unify other features, and recompile reqwest).
    let (build, profile) = match quick {
        true => ("build --locked --workspace --all-targets", "debug"),
        false => (RELEASE, "release"),
    };
    let bench = format!("vpsorg-bench{}", std::env::consts::EXE_SUFFIX);
    let mut run = Command::new(target_dir()?.join(profile).join(bench));
    run.arg("run").args(quick.then_some("--quick")).current_dir(project_root());
    for command in [cargo().args(build.split_whitespace()), &mut run] {
        eprintln!("==> {command:?}");
        crate::run(command, &format!("{command:?}"))?;
    }
    Ok(())
}
