//! `cargo xtask <command>`: see `cargo xtask help`.

use std::process::ExitCode;

mod man;

use xtask::{
    Result, bench, bump, codegen, compat, contract, evolution, floors, package, public_api, spec,
};

const HELP: &str = include_str!("help.txt");

fn main() -> ExitCode {
    if let Some(code) = public_api::run_as_rustdoc_wrapper() {
        return code;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen::run(false),
        ["codegen", "--check"] => codegen::run(true),
        ["lint"] => spec::lint(),
        ["compat"] => return compat_main(None, false),
        ["compat", "--write"] => return compat_main(None, true),
        ["compat", "--base", base] => return compat_main(Some(base), false),
        ["compat", "--record"] => compat::record(),
        ["evolution"] => evolution::run(),
        ["bump", version] => bump::run(version),
        ["contract"] => contract::run(),
        ["public-api"] => public_api::run(false),
        ["public-api", "--check"] => public_api::run(true),
        ["ci"] => ci(),
        ["floors"] => floors::run(false),
        ["floors", "--write"] => floors::run(true),
        ["package"] => package::run(false),
        ["package", "--verify"] => package::run(true),
        ["bench"] => bench::run(false),
        ["bench", "--quick"] => bench::run(true),
        ["man"] => man::run(None),
        ["man", "--out-dir", dir] => man::run(Some(dir)),
        ["help" | "--help" | "-h"] | [] => {
            print!("{HELP}");
            Ok(())
        }
        _ => Err(format!("unknown arguments {args:?}\n\n{HELP}").into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask compat`, with the exit codes `help.txt` gives.
fn compat_main(base: Option<&str>, write: bool) -> ExitCode {
    match compat::report(base, write) {
        Ok(report) if report.passes => ExitCode::SUCCESS,
        Ok(report) => {
            eprintln!("error: {}", report.verdict);
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: compat could not compare: {e}");
            ExitCode::from(2)
        }
    }
}

fn ci() -> Result<()> {
    cargo("fmt --all --check")?;
    // Evolution's copy starts from these artifacts: it gives clippy the same arguments.
    let clippy_args = evolution::CLIPPY_ARGS.join(" ");
    cargo(&format!("clippy --workspace --all-targets --locked -- {clippy_args}"))?;
    step("codegen --check");
    codegen::run(true)?;
    step("lint");
    spec::lint()?;
    step("compat (against the last release)");
    compat::run(None, false)?;
    step("public-api --check");
    public_api::run(true)?;
    step("floors");
    floors::run(false)?;
    step("package (the five published crates, without building the tarballs)");
    package::run(false)?;
    // nextest runs every test binary's tests side by side (the slow ones wait on sockets and
    // timers, not the CPU); it does not run doc-tests, so cargo test runs those.
    let nextest = xtask::cargo().args(["nextest", "--version"]).output();
    if nextest.is_ok_and(|output| output.status.success()) {
        cargo("nextest run --workspace --locked --no-fail-fast")?;
    } else {
        cargo("test --workspace --locked --lib --bins --tests")?;
    }
    cargo("test --workspace --locked --doc")?;
    // The wrapper's other TLS backends and its optional schemars support, which the default
    // build leaves out (native-tls needs OpenSSL's headers: .ci/run installs them).
    let wrapper = "test -p vpsorg-backups --lib --locked --no-default-features --features";
    cargo(&format!("{wrapper} rustls-ring,schemars"))?;
    cargo(&format!("{wrapper} native-tls"))?;
    // Broken intra-doc links and bare URLs fail here rather than on docs.rs.
    let deny_warnings = [("RUSTDOCFLAGS", "-D warnings")];
    cargo_with_env("doc --workspace --no-deps --locked", &deny_warnings)?;
    // After the tests, so that the copy is seeded with this checkout's check-mode artifacts.
    step("evolution");
    evolution::run()?;
    // README's first command, run the way a newcomer runs it.
    cargo("run --locked --quiet -p vpsorg-cli -- --quiet demo")?;
    // Benchmarks are not tests: this only proves the harness still runs; no number can fail it.
    step("bench --quick");
    bench::run(true)?;
    eprintln!("\nxtask ci: all checks passed");
    Ok(())
}

/// Prints a step's heading with the time since xtask started, so that a CI log shows where
/// the minutes go.
fn step(name: &str) {
    static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let seconds = STARTED.get_or_init(std::time::Instant::now).elapsed().as_secs();
    eprintln!("\n==> [{seconds:>4} s] {name}");
}

/// Runs `cargo <args>` (split at spaces) at the workspace root, failing when it fails.
fn cargo(args: &str) -> Result<()> {
    cargo_with_env(args, &[])
}

fn cargo_with_env(args: &str, env: &[(&str, &str)]) -> Result<()> {
    let shown_env: String = env.iter().map(|(k, v)| format!("{k}=\"{v}\" ")).collect();
    step(&format!("{shown_env}cargo {args}"));
    let mut command = xtask::cargo();
    command.args(args.split_whitespace()).envs(env.iter().copied());
    xtask::run(&mut command, &format!("`cargo {args}`"))
}
