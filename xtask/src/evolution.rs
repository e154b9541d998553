//! `cargo xtask evolution`: in a scratch copy of the workspace, each change of
//! `xtask/evolution.yaml` judged by compat and, if additive, regenerated and checked to keep
//! the workspace (`tests/downstream` among it) compiling; then every additive change at once,
//! every target. What it proves is in crates/vpsorg-compat/README.md. The copy checks into a
//! target directory of its own, seeded from this checkout's and with CI's clippy arguments,
//! so only the client and its dependents are checked again (a shared target directory would
//! let the copy's artifacts overwrite this checkout's: cargo names them by relative path).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use vpsorg_compat::{Class, Contract, next_breaking};

use crate::codegen::{self, GENERATED_PATH};
use crate::{Result, compat, project_root, read_spec_text, target_dir};

/// What `cargo xtask ci` gives clippy, before anything else: the copy checks with the same
/// arguments, so that it starts from CI's artifacts.
pub const CLIPPY_ARGS: [&str; 2] = ["-D", "warnings"];

/// What each case checks: every library and binary. Examples are in it because a target
/// that takes dev-dependencies gives the dependencies the features CI's `--all-targets`
/// gives them, so that their artifacts are CI's.
const LIBS_AND_BINS: &[&str] = &["--workspace", "--lib", "--bins", "--examples"];
/// What the last case, every additive change at once, checks.
const ALL_TARGETS: &[&str] = &["--workspace", "--all-targets"];

const CASES_PATH: &str = "xtask/evolution.yaml";

/// One change to the spec and what must come of it: an entry of [`CASES_PATH`].
#[derive(Debug, serde::Deserialize)]
struct Case {
    name: String,
    /// What compat must call it.
    expect: Class,
    /// Judge it as a semver-breaking release: the changed spec with the next breaking
    /// version after the workspace's.
    #[serde(default)]
    bump: bool,
    edits: Vec<Value>,
}

/// The cases of [`CASES_PATH`], in the order the report lists them.
fn cases() -> Result<Vec<Case>> {
    let text = std::fs::read_to_string(project_root().join(CASES_PATH))?;
    Ok(serde_yaml_ng::from_str(&text).map_err(|e| format!("{CASES_PATH}: {e}"))?)
}

/// Makes `edits` to `spec`: each names a JSON pointer, and `set`s it to its `value`,
/// `append`s the value to the list there, `remove`s the key, or `unlist`s the value.
fn apply(spec: &mut Value, edits: &[Value]) -> Result<()> {
    for edit in edits {
        let value = edit.get("value").cloned().unwrap_or(Value::Null);
        let (op, pointer) = ["set", "append", "remove", "unlist"]
            .into_iter()
            .find_map(|op| Some((op, edit.get(op)?.as_str()?)))
            .ok_or_else(|| format!("{CASES_PATH}: an edit with nothing to do: {edit}"))?;
        let missing = || format!("the spec has no {pointer}: update {CASES_PATH}");
        let (parent, key) = pointer.rsplit_once('/').ok_or_else(missing)?;
        let key = key.replace("~1", "/").replace("~0", "~");
        let mut object = spec.pointer_mut(parent).and_then(Value::as_object_mut);
        match op {
            "set" => drop(object.ok_or_else(missing)?.insert(key, value)),
            "remove" => drop(object.and_then(|o| o.remove(&key)).ok_or_else(missing)?),
            "append" => match object.as_mut().map(|o| o.entry(key).or_insert(json!([]))) {
                Some(Value::Array(list)) => list.push(value),
                _ => return Err(missing().into()),
            },
            _ => spec
                .pointer_mut(pointer)
                .and_then(Value::as_array_mut)
                .ok_or_else(missing)?
                .retain(|item| *item != value),
        }
    }
    Ok(())
}

/// What happened to one case.
#[derive(Debug, Default)]
struct Outcome {
    compat_class: Option<Class>,
    compat_exit: i32,
    /// Whether the fixture and the workspace compile (additive changes only).
    builds: Option<(bool, bool)>,
    seconds: f64,
    /// What compat printed: each change with its class and reason, a line each.
    compat_lines: String,
    problems: Vec<String>,
}

/// Runs every check; fails when one case does not come out as expected.
pub fn run() -> Result<()> {
    let started = Instant::now();
    let (root, target) = (project_root(), target_dir()?);
    let dir = target.join("evolution");
    let (scratch, scratch_target) = (dir.join("workspace"), dir.join("target"));

    step("copying the checkout to <target>/evolution/workspace");
    timed("copied", || copy_checkout(&root, &scratch))?;
    let seeded = !scratch_target.exists();
    if seeded {
        step("seeding <target>/evolution/target with this checkout's check-mode artifacts");
        timed("seeded", || seed_target(&target.join("debug"), &scratch_target.join("debug")))?;
    }
    step("two checkouts, one target directory: `cargo xtask` acts on the one it runs in");
    timed("checked", || shared_target_dir(&root, &scratch, &target))?;

    let baseline = read_spec_text()?;
    let document: Value = serde_yaml_ng::from_str(&baseline)?;
    let version = compat::working_tree()?.version;
    step("the unchanged spec: the fixture and the workspace compile");
    // Artifacts seeded just now match the copy's sources; others may be a past case's.
    write_generated(&scratch, &baseline, !seeded)?;
    if !timed("checked", || clippy(&scratch, &scratch_target, LIBS_AND_BINS))? {
        return Err("the copy of the workspace does not compile before any change".into());
    }

    // Each case checks the libraries and binaries; tests, examples and benches build the
    // generated types too, so every target is checked once, with every additive change.
    let mut cases = cases()?;
    let together = Case {
        name: "every additive change above at once (all targets: tests, examples, benches)".into(),
        expect: Class::Additive,
        bump: false,
        edits: cases
            .iter()
            .filter(|c| c.expect == Class::Additive)
            .flat_map(|c| c.edits.clone())
            .collect(),
    };
    cases.push(together);
    let mut outcomes = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        step(&case.name);
        let mut spec = document.clone();
        apply(&mut spec, &case.edits)?;
        let scope = if index + 1 == cases.len() { ALL_TARGETS } else { LIBS_AND_BINS };
        let copy = (scratch.as_path(), scratch_target.as_path());
        let released =
            Contract { spec: baseline.clone(), version: version.clone(), label: "release".into() };
        let changed = Contract {
            spec: serde_yaml_ng::to_string(&spec)?,
            version: version.as_ref().map(|v| if case.bump { next_breaking(v) } else { v.clone() }),
            label: "working tree".into(),
        };
        outcomes.push((case, judge(case, [&released, &changed], copy, scope)?));
    }
    // Leave the copy as it started; its artifacts are the last case's.
    write_generated(&scratch, &baseline, true)?;

    let table = table(&outcomes);
    std::fs::write(dir.join("report.md"), &table)?;
    println!("\n{table}");
    let failed: Vec<String> = outcomes
        .iter()
        .flat_map(|(case, o)| o.problems.iter().map(move |p| format!("{}: {p}", case.name)))
        .collect();
    eprintln!("evolution: {} cases in {:.0} s", outcomes.len(), started.elapsed().as_secs_f64());
    if failed.is_empty() { Ok(()) } else { Err(failed.join("\n").into()) }
}

/// What compat says of the change from `released` to `changed`; for an additive case,
/// whether the copy (checked with `scope`) compiles with its client generated from `changed`.
fn judge(
    case: &Case,
    [released, changed]: [&Contract; 2],
    (scratch, scratch_target): (&Path, &Path),
    scope: &[&str],
) -> Result<Outcome> {
    let case_started = Instant::now();
    let mut outcome = Outcome { compat_exit: 2, ..Outcome::default() };
    match compat::compare(released, changed) {
        Ok(report) => {
            outcome.compat_exit = i32::from(!report.passes);
            // The most breaking of the changes: Class orders breaking first.
            let generated = (!report.generated_breaks.is_empty()).then_some(Class::Breaking);
            outcome.compat_class = report.changes.iter().map(|c| c.class).chain(generated).min();
            let lines = report.text.lines().filter(|line| line.starts_with("  "));
            outcome.compat_lines = lines.map(|line| format!("{}\n", line.trim())).collect();
            if outcome.compat_class != Some(case.expect) {
                outcome.problems.push(format!(
                    "compat classed it {:?}, expected {}:\n{}",
                    outcome.compat_class, case.expect, report.text
                ));
            }
        }
        Err(e) => outcome.problems.push(format!("compat could not compare: {e}")),
    }
    let expected_exit = i32::from(case.expect == Class::Breaking && !case.bump);
    if outcome.compat_exit != expected_exit {
        let problem = format!("compat exited {}, expected {expected_exit}", outcome.compat_exit);
        outcome.problems.push(problem);
    }
    if case.expect == Class::Additive {
        if let Err(e) = write_generated(scratch, &changed.spec, true) {
            outcome.problems.push(format!("codegen failed: {e}"));
            return Ok(outcome);
        }
        // The fixture is a member of the workspace: checked alone only to say which failed.
        let workspace = clippy(scratch, scratch_target, scope)?;
        let fixture = workspace || clippy(scratch, scratch_target, &["-p", FIXTURE])?;
        outcome.builds = Some((fixture, workspace));
        if !fixture {
            outcome.problems.push("the downstream fixture no longer compiles".into());
        }
        if !workspace {
            outcome.problems.push("the workspace no longer compiles".into());
        }
    }
    outcome.seconds = case_started.elapsed().as_secs_f64();
    Ok(outcome)
}

const FIXTURE: &str = "vpsorg-downstream-fixture";

fn step(name: &str) {
    eprintln!("\n==> evolution: {name}");
}

/// Runs `f`, saying how long it took.
fn timed<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let started = Instant::now();
    let result = f();
    eprintln!("{what}: {:.1} s", started.elapsed().as_secs_f64());
    result
}

fn table(outcomes: &[(&Case, Outcome)]) -> String {
    let yes_no = |b: Option<bool>| match b {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => "not built",
    };
    let mut out = String::from(
        "| spec change | expected | compat says | compat exit | fixture builds | workspace builds | seconds | verdict |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for (case, o) in outcomes {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {:.0} | {} |",
            case.name,
            case.expect,
            o.compat_class.map_or("nothing".to_owned(), |c| c.to_string()),
            o.compat_exit,
            yes_no(o.builds.map(|b| b.0)),
            yes_no(o.builds.map(|b| b.1)),
            o.seconds,
            if o.problems.is_empty() { "as expected" } else { "**FAILED**" },
        );
    }
    out.push_str("\nWhat compat said of each:\n");
    for (case, o) in outcomes {
        let _ = writeln!(out, "\n{}:\n```text\n{}```", case.name, o.compat_lines);
    }
    out
}

// --- the copy ---------------------------------------------------------------------------

/// Copies every file git knows of (tracked, or new and not ignored), keeping modification
/// times, so that cargo sees the copy's unchanged crates as the ones already built.
fn copy_checkout(root: &Path, scratch: &Path) -> Result<()> {
    let files = crate::git(&["ls-files", "-z", "--cached", "--others", "--exclude-standard"])?;
    if scratch.exists() {
        std::fs::remove_dir_all(scratch)?;
    }
    for relative in files.split('\0').filter(|p| !p.is_empty()).map(Path::new) {
        let source = root.join(relative);
        // Listed by git but deleted in the working tree.
        if !source.is_file() {
            continue;
        }
        copy_file(&source, &scratch.join(relative))?;
    }
    Ok(())
}

/// Copies what a check of a target directory's profile reads: fingerprints, build script
/// outputs, metadata (`.rmeta`), dependency info, proc-macro libraries, and the libraries
/// that build scripts and proc macros link (`.rlib`). A missing artifact is only built again.
fn seed_target(from: &Path, to: &Path) -> Result<()> {
    for sub in [".fingerprint", "build"] {
        copy_tree(&from.join(sub), &to.join(sub), &|_| true)?;
    }
    copy_tree(&from.join("deps"), &to.join("deps"), &|path| {
        let extension = path.extension().and_then(|e| e.to_str());
        matches!(extension, Some("rmeta" | "rlib" | "d" | "so" | "dylib" | "dll"))
    })
}

fn copy_tree(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) -> Result<()> {
    if !from.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&path, &to.join(entry.file_name()), keep)?;
        } else if kind.is_file() && keep(&path) {
            copy_file(&path, &to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// Copies a file with its permissions and modification time.
fn copy_file(from: &Path, to: &Path) -> Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(from, to)?;
    let modified = std::fs::metadata(from)?.modified()?;
    std::fs::File::options().write(true).open(to)?.set_modified(modified)?;
    Ok(())
}

/// Writes the generated client for `spec` into the copy, newer than anything built, so the
/// client and every crate that depends on it are checked again; unless the copy holds that
/// code already and `force` is off.
fn write_generated(scratch: &Path, spec: &str, force: bool) -> Result<()> {
    let path = scratch.join(GENERATED_PATH);
    let code = codegen::generate(spec)?;
    if !force && std::fs::read_to_string(&path).is_ok_and(|old| old == code) {
        return Ok(());
    }
    std::fs::write(&path, code)?;
    let later = SystemTime::now() + Duration::from_secs(1);
    std::fs::File::options().write(true).open(&path)?.set_modified(later)?;
    Ok(())
}

// --- commands ---------------------------------------------------------------------------

/// `cargo clippy <scope> -- <CLIPPY_ARGS>` in the copy, into its own target directory;
/// whether it passed.
fn clippy(scratch: &Path, target: &Path, scope: &[&str]) -> Result<bool> {
    let mut clippy = cargo_in(scratch, target, &["clippy", "--locked", "--quiet"]);
    Ok(clippy.args(scope).arg("--").args(CLIPPY_ARGS).status()?.success())
}

/// `cargo xtask <args>` run in `checkout` with `target` as its target directory, as a
/// developer with a shared `CARGO_TARGET_DIR` runs it.
fn xtask_in(checkout: &Path, target: &Path, args: &[&str]) -> Result<Output> {
    let run = ["run", "--quiet", "--locked", "--package", "xtask", "--"];
    Ok(cargo_in(checkout, target, &run).args(args).output()?)
}

/// `cargo <args>` in `checkout`, into `target`; what this process was started with names
/// this checkout, not the other one.
fn cargo_in(checkout: &Path, target: &Path, args: &[&str]) -> Command {
    let mut cargo = crate::cargo();
    cargo.args(args).current_dir(checkout).env("CARGO_TARGET_DIR", target);
    cargo.env_remove("CARGO_MANIFEST_DIR");
    cargo
}

/// With both checkouts building into `target`, `cargo xtask codegen --check` in the copy
/// must see a hand edit of the copy's generated client, and `cargo xtask codegen` there must
/// repair the copy's file and leave this checkout's alone.
fn shared_target_dir(root: &Path, scratch: &Path, target: &Path) -> Result<()> {
    let ours = root.join(GENERATED_PATH);
    let before = std::fs::read(&ours)?;
    let theirs: PathBuf = scratch.join(GENERATED_PATH);
    let pristine = std::fs::read_to_string(&theirs)?;
    std::fs::write(&theirs, format!("{pristine}// edited by hand\n"))?;

    let check = xtask_in(scratch, target, &["codegen", "--check"])?;
    let stderr = String::from_utf8_lossy(&check.stderr);
    if check.status.success() || !stderr.contains("edited by hand") {
        return Err(format!(
            "`cargo xtask codegen --check` in a second checkout sharing the target directory \
             did not report the hand edit there (exit {:?}):\n{stderr}",
            check.status.code()
        )
        .into());
    }
    let regenerate = xtask_in(scratch, target, &["codegen"])?;
    if !regenerate.status.success() || std::fs::read_to_string(&theirs)? != pristine {
        return Err(format!(
            "`cargo xtask codegen` in the second checkout did not repair its generated client:\n{}",
            String::from_utf8_lossy(&regenerate.stderr)
        )
        .into());
    }
    if std::fs::read(&ours)? != before {
        return Err("`cargo xtask codegen` in the second checkout wrote into this one".into());
    }
    eprintln!("ok: the second checkout's drift was found and repaired there; this one untouched");
    Ok(())
}
