//! `cargo xtask bench [--quick]`: builds `crates/vpsorg-bench`, the fake server and `vpsorg`,
//! then runs `vpsorg-bench run` at the root, which does the rest (the benchmarks, their list
//! and goals, and `BENCHMARKS.md`). `--quick` uses the debug build CI already has.

use std::process::Command;

use crate::{Result, project_root, target_dir};

pub fn run(quick: bool) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build: &[&str] = if quick {
        // What `cargo test --workspace` built, with the same features: nothing to rebuild in
        // CI (three packages alone would unify other features, and recompile reqwest & co).
        &["build", "--locked", "--workspace", "--all-targets"]
    } else {
        &[
            "build",
            "--locked",
            "--bins",
            "--release",
            "-p",
            "vpsorg-bench",
            "-p",
            "vpsorg-backups-mock",
            "-p",
            "vpsorg-cli",
        ]
    };
    let profile = target_dir()?.join(if quick { "debug" } else { "release" });
    let bench = profile.join(format!("vpsorg-bench{}", std::env::consts::EXE_SUFFIX));
    let mut build_command = Command::new(cargo);
    build_command.args(build);
    let mut run = Command::new(bench);
    run.arg("run").args(quick.then_some("--quick"));
    for command in [&mut build_command, &mut run] {
        eprintln!("==> {command:?}");
        let status = command.current_dir(project_root()).status()?;
        if !status.success() {
            return Err(format!("{command:?} failed ({status})").into());
        }
    }
    Ok(())
}
