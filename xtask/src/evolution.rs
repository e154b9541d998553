//! `cargo xtask evolution`: proves, in a scratch copy of the workspace, that additive spec
//! changes stay additive and that `compat` catches breaking ones.
//!
//! For each change in [`CASES`] it edits the copy's spec, regenerates the client, runs the
//! copy's `cargo xtask compat` against the unchanged spec, and for additive changes checks
//! that the downstream fixture (`tests/downstream`, written against today's public API) and
//! the whole workspace still compile; then it applies every additive change at once and
//! checks every target (tests, examples, benches). Before that it checks that `cargo xtask`
//! acts on the checkout it runs in when two checkouts share one target directory.
//!
//! Cost: the copy builds in a target directory of its own, seeded from this checkout's
//! check-mode artifacts, so only the crates a change touches are checked again. (Sharing this
//! checkout's target directory instead would be cheaper still, but wrong: cargo names a
//! workspace crate's artifacts by its path relative to the workspace root, so the copy's
//! builds of a changed client would overwrite this checkout's, and cargo, comparing file
//! times, could take them for fresh.)

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use crate::codegen::{self, GENERATED_PATH};
use vpsorg_compat::Class;

use crate::compat::{self, RELEASED_SPEC_PATH, RELEASED_VERSION_PATH};
use crate::{Result, SPEC_PATH, project_root, read_spec_text, target_dir};

/// One change to the spec and what must come of it.
#[derive(Debug)]
pub struct Case {
    /// What the change is, for the report.
    pub name: &'static str,
    /// What `compat` must call it.
    pub expect: Class,
    /// The change, made to the spec as JSON.
    pub edit: fn(&mut Value),
    /// Judge it as a semver-breaking release: against a baseline one breaking version
    /// older than the workspace's.
    pub bump: bool,
}

const BACKUP: &str = "/components/schemas/Backup";
const CREATE_REQUEST: &str = "/components/schemas/CreateBackupRequest";
const ITEM: &str = "/paths/~1api~1v1~1backups~1{backup_id}~1";

/// The changes, in the order the report lists them.
pub const CASES: &[Case] = &[
    Case {
        name: "optional response field (`Backup.region`)",
        expect: Class::Additive,
        edit: |spec| {
            at(spec, BACKUP)["properties"]["region"] = json!({
                "type": "string", "nullable": true, "description": "Where the backup is stored."
            });
        },
        bump: false,
    },
    Case {
        name: "required response field (`Backup.checksum`)",
        expect: Class::Additive,
        edit: |spec| {
            let backup = at(spec, BACKUP);
            backup["properties"]["checksum"] =
                json!({"type": "string", "description": "SHA-256 of the backup image."});
            push(&mut backup["required"], json!("checksum"));
        },
        bump: false,
    },
    Case {
        name: "optional request field (`CreateBackupRequest.retention_days`)",
        expect: Class::Additive,
        edit: |spec| {
            at(spec, CREATE_REQUEST)["properties"]["retention_days"] =
                json!({"type": "integer", "format": "int64", "description": "Days to keep it."});
        },
        bump: false,
    },
    Case {
        name: "new enum value (`BackupStatus` `queued`)",
        expect: Class::Additive,
        edit: |spec| {
            push(
                at(spec, "/components/schemas/BackupStatus/enum"),
                json!("queued"),
            )
        },
        bump: false,
    },
    Case {
        name: "new enum-typed response field (`Backup.storage_tier`)",
        expect: Class::Additive,
        edit: |spec| {
            at(spec, BACKUP)["properties"]["storage_tier"] = json!({"type": "string", "enum": ["standard", "archive"], "description": "Storage class."});
        },
        bump: false,
    },
    Case {
        name: "new endpoint (`GET /api/v1/backups/{backup_id}/`)",
        expect: Class::Additive,
        edit: |spec| {
            at(spec, ITEM)["get"] = json!({
                "operationId": "getBackup",
                "summary": "Get one backup",
                "parameters": [{"name": "backup_id", "in": "path", "required": true,
                                "schema": {"type": "integer", "format": "int64"}}],
                "responses": {
                    "200": {"description": "The backup", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Backup"}}}},
                    "404": {"description": "No such backup", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}}}}
                }
            });
        },
        bump: false,
    },
    Case {
        name: "removed operation (`deleteBackup`)",
        expect: Class::Breaking,
        edit: |spec| remove(at(spec, ITEM), "delete"),
        bump: false,
    },
    Case {
        name: "request field made required (`CreateBackupRequest.description`)",
        expect: Class::Breaking,
        edit: |spec| {
            push(
                &mut at(spec, CREATE_REQUEST)["required"],
                json!("description"),
            )
        },
        bump: false,
    },
    Case {
        name: "type change (`ServerRef.id` integer to string)",
        expect: Class::Breaking,
        edit: |spec| {
            at(spec, "/components/schemas/ServerRef/properties/id")["type"] = json!("string");
            remove(
                at(spec, "/components/schemas/ServerRef/properties/id"),
                "format",
            );
        },
        bump: false,
    },
    Case {
        name: "default added to an optional response field (`Restore.message`)",
        expect: Class::Breaking,
        edit: |spec| {
            at(spec, "/components/schemas/Restore/properties/message")["default"] =
                json!("Restore started");
        },
        bump: false,
    },
    Case {
        name: "request field made optional (`CreateBackupRequest.server_id`)",
        expect: Class::Breaking,
        edit: |spec| {
            if let Some(required) = at(spec, CREATE_REQUEST)["required"].as_array_mut() {
                required.retain(|name| name != "server_id");
            }
        },
        bump: false,
    },
    Case {
        name: "error status without a body (`createBackup` 409)",
        expect: Class::Breaking,
        edit: |spec| {
            at(spec, "/paths/~1api~1v1~1backups~1/post/responses")["409"] =
                json!({"description": "Conflict"});
        },
        bump: false,
    },
    Case {
        name: "removed operation, with the minor version bumped",
        expect: Class::Breaking,
        edit: |spec| remove(at(spec, ITEM), "delete"),
        bump: true,
    },
];

fn at<'a>(spec: &'a mut Value, pointer: &str) -> &'a mut Value {
    spec.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("the spec has no {pointer}: update evolution::CASES"))
}

fn push(list: &mut Value, value: Value) {
    match list.as_array_mut() {
        Some(items) => items.push(value),
        None => *list = json!([value]),
    }
}

fn remove(object: &mut Value, key: &str) {
    if let Some(map) = object.as_object_mut() {
        map.remove(key);
    }
}

/// What happened to one case.
#[derive(Debug)]
struct Outcome {
    name: &'static str,
    expected: Class,
    compat_class: Option<Class>,
    compat_exit: i32,
    fixture_builds: Option<bool>,
    workspace_builds: Option<bool>,
    seconds: f64,
    /// What compat printed: each change with its class and reason.
    compat_lines: Vec<String>,
    problems: Vec<String>,
}

/// Runs every check; fails when one case does not come out as expected.
pub fn run() -> Result<()> {
    let started = Instant::now();
    let root = project_root();
    let target = target_dir()?;
    let dir = target.join("evolution");
    let scratch = dir.join("workspace");
    let scratch_target = dir.join("target");

    step("copying the checkout to target/evolution/workspace");
    timed("copied", || copy_checkout(&root, &scratch))?;
    if !scratch_target.exists() {
        step("seeding target/evolution/target with this checkout's check-mode artifacts");
        timed("seeded", || {
            seed_target(&target.join("debug"), &scratch_target.join("debug"))
        })?;
    }

    step("two checkouts, one target directory: `cargo xtask` acts on the one it runs in");
    timed("checked", || shared_target_dir(&root, &scratch, &target))?;

    let baseline = read_spec_text()?;
    let document: Value = serde_yaml_ng::from_str(&baseline)?;
    let version = compat::working_tree()?.version.ok_or("no client version")?;
    // The copy's "last release" is today's spec: every case is judged against it.
    std::fs::create_dir_all(scratch.join("openapi/released"))?;
    std::fs::write(scratch.join(RELEASED_SPEC_PATH), &baseline)?;
    std::fs::write(scratch.join(RELEASED_VERSION_PATH), format!("{version}\n"))?;

    step("the unchanged spec: the fixture and the workspace compile");
    write_generated(&scratch, &baseline)?;
    if !timed("checked", || {
        cargo_check(&scratch, &scratch_target, &["--workspace"])
    })? {
        return Err("the copy of the workspace does not compile before any change".into());
    }

    let mut outcomes = Vec::new();
    for case in CASES {
        step(case.name);
        let mut spec = document.clone();
        (case.edit)(&mut spec);
        outcomes.push(judge(
            case,
            &spec,
            (&scratch, &scratch_target),
            &target,
            &version,
            &["--workspace"],
        )?);
    }
    // Each case checks the libraries and binaries; tests, examples and benches build the
    // generated types too, so every target is checked once, with every additive change.
    let together = Case {
        name: "every additive change above at once (all targets: tests, examples, benches)",
        expect: Class::Additive,
        edit: |_| {},
        bump: false,
    };
    step(together.name);
    let mut spec = document.clone();
    for case in CASES.iter().filter(|c| c.expect == Class::Additive) {
        (case.edit)(&mut spec);
    }
    outcomes.push(judge(
        &together,
        &spec,
        (&scratch, &scratch_target),
        &target,
        &version,
        &["--workspace", "--all-targets"],
    )?);

    // Leave the copy as it started, so that its artifacts match its sources.
    std::fs::write(scratch.join(SPEC_PATH), &baseline)?;
    write_generated(&scratch, &baseline)?;

    let table = table(&outcomes);
    std::fs::write(dir.join("report.md"), &table)?;
    println!("\n{table}");
    let failed: Vec<String> = outcomes
        .iter()
        .flat_map(|o| o.problems.iter().map(move |p| format!("{}: {p}", o.name)))
        .collect();
    eprintln!(
        "evolution: {} cases in {:.0} s",
        outcomes.len(),
        started.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("\n").into())
    }
}

/// Writes `spec` into the copy, regenerates its client, runs its `cargo xtask compat`, and
/// for an additive case checks that the fixture and the workspace (`workspace_args`) compile.
fn judge(
    case: &Case,
    spec: &Value,
    (scratch, scratch_target): (&Path, &Path),
    target: &Path,
    version: &semver::Version,
    workspace_args: &[&str],
) -> Result<Outcome> {
    let case_started = Instant::now();
    let text = serde_yaml_ng::to_string(&spec)?;
    std::fs::write(scratch.join(SPEC_PATH), &text)?;
    let released = if case.bump {
        previous_breaking(version)?
    } else {
        version.clone()
    };
    std::fs::write(scratch.join(RELEASED_VERSION_PATH), format!("{released}\n"))?;
    let mut outcome = Outcome {
        name: case.name,
        expected: case.expect,
        compat_class: None,
        compat_exit: -1,
        fixture_builds: None,
        workspace_builds: None,
        seconds: 0.0,
        compat_lines: Vec::new(),
        problems: Vec::new(),
    };

    match codegen::try_generate(&text) {
        Ok(code) => std::fs::write(scratch.join(GENERATED_PATH), code)?,
        // A breaking change may be one progenitor cannot generate; compat must say so.
        Err(error) if case.expect == Class::Breaking => {
            eprintln!("codegen refuses it, as it may: {error}")
        }
        Err(error) => outcome.problems.push(format!("codegen failed: {error}")),
    }
    let compat = xtask_in(scratch, target, &["compat"])?;
    outcome.compat_exit = compat.status.code().unwrap_or(-1);
    let report = String::from_utf8_lossy(&compat.stdout).into_owned();
    outcome.compat_class = most_severe(&report);
    outcome.compat_lines = report
        .lines()
        .filter(|line| line.starts_with("  "))
        .map(|line| line.trim().to_owned())
        .collect();
    if outcome.compat_class != Some(case.expect) {
        outcome.problems.push(format!(
            "compat classed it {:?}, expected {}:\n{report}{}",
            outcome.compat_class,
            case.expect,
            String::from_utf8_lossy(&compat.stderr)
        ));
    }
    let expected_exit = i32::from(case.expect == Class::Breaking && !case.bump);
    if outcome.compat_exit != expected_exit {
        outcome.problems.push(format!(
            "compat exited {}, expected {expected_exit}",
            outcome.compat_exit
        ));
    }
    if case.expect == Class::Additive {
        let fixture = cargo_check(scratch, scratch_target, &["-p", FIXTURE])?;
        let workspace = cargo_check(scratch, scratch_target, workspace_args)?;
        outcome.fixture_builds = Some(fixture);
        outcome.workspace_builds = Some(workspace);
        if !fixture {
            outcome
                .problems
                .push("the downstream fixture no longer compiles".into());
        }
        if !workspace {
            outcome
                .problems
                .push("the workspace no longer compiles".into());
        }
    }
    outcome.seconds = case_started.elapsed().as_secs_f64();
    Ok(outcome)
}

/// The fixture crate's package name.
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

/// The most severe class in a `compat` report's lines.
fn most_severe(report: &str) -> Option<Class> {
    report
        .lines()
        .filter_map(|line| {
            let word = line.split_whitespace().next()?;
            match word {
                "breaking" => Some(Class::Breaking),
                "additive" => Some(Class::Additive),
                "docs-only" => Some(Class::DocsOnly),
                _ => None,
            }
        })
        .min()
}

/// The newest version that `version` is a semver-breaking release after (0.3.0 -> 0.2.0,
/// 2.1.0 -> 1.0.0).
fn previous_breaking(version: &semver::Version) -> Result<semver::Version> {
    match (version.major, version.minor, version.patch) {
        (0, 0, patch) if patch > 0 => Ok(semver::Version::new(0, 0, patch - 1)),
        (0, minor, _) if minor > 0 => Ok(semver::Version::new(0, minor - 1, 0)),
        (major, _, _) if major > 0 => Ok(semver::Version::new(major - 1, 0, 0)),
        _ => Err(format!("no version before {version}").into()),
    }
}

fn table(outcomes: &[Outcome]) -> String {
    let yes_no = |b: Option<bool>| match b {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => "not built",
    };
    let mut out = String::from(
        "| spec change | expected | compat says | compat exit | fixture builds | workspace builds | seconds | verdict |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for o in outcomes {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {:.0} | {} |",
            o.name,
            o.expected,
            o.compat_class
                .map_or("nothing".to_owned(), |c| c.to_string()),
            o.compat_exit,
            yes_no(o.fixture_builds),
            yes_no(o.workspace_builds),
            o.seconds,
            if o.problems.is_empty() {
                "as expected"
            } else {
                "**FAILED**"
            },
        );
    }
    out.push_str("\nWhat compat said of each:\n");
    for o in outcomes {
        let _ = writeln!(out, "\n{}:\n```text", o.name);
        for line in &o.compat_lines {
            let _ = writeln!(out, "{line}");
        }
        out.push_str("```\n");
    }
    out
}

// --- the copy ---------------------------------------------------------------------------

/// Copies every file git knows of (tracked, or new and not ignored), keeping modification
/// times, so that cargo sees the copy's unchanged crates as the ones already built.
fn copy_checkout(root: &Path, scratch: &Path) -> Result<()> {
    let output = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()?;
    if !output.status.success() {
        return Err("git ls-files failed".into());
    }
    if scratch.exists() {
        std::fs::remove_dir_all(scratch)?;
    }
    for path in output.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let relative = Path::new(std::str::from_utf8(path)?);
        let source = root.join(relative);
        // Listed by git but deleted in the working tree.
        if !source.is_file() {
            continue;
        }
        copy_file(&source, &scratch.join(relative))?;
    }
    Ok(())
}

/// Copies the check-mode artifacts of a target directory's profile: fingerprints, build
/// script outputs, metadata (`.rmeta`), dependency info and proc-macro libraries. Nothing
/// cargo needs is lost: a missing artifact is only built again.
fn seed_target(from: &Path, to: &Path) -> Result<()> {
    if !from.exists() {
        return Ok(());
    }
    for sub in [".fingerprint", "build"] {
        copy_tree(&from.join(sub), &to.join(sub), &|_| true)?;
    }
    copy_tree(&from.join("deps"), &to.join("deps"), &|path| {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        [".rmeta", ".d", ".so", ".dylib", ".dll"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
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
    std::fs::File::options()
        .write(true)
        .open(to)?
        .set_modified(modified)?;
    Ok(())
}

/// Writes the generated client for `spec` into the copy, newer than anything built, so the
/// client and every crate that depends on it are checked again.
fn write_generated(scratch: &Path, spec: &str) -> Result<()> {
    let path = scratch.join(GENERATED_PATH);
    std::fs::write(&path, codegen::generate(spec)?)?;
    std::fs::File::options()
        .write(true)
        .open(&path)?
        .set_modified(SystemTime::now() + Duration::from_secs(1))?;
    Ok(())
}

// --- commands ---------------------------------------------------------------------------

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// `cargo check <args>` in the copy, into its own target directory; whether it passed.
fn cargo_check(scratch: &Path, target: &Path, args: &[&str]) -> Result<bool> {
    let status = Command::new(cargo())
        .args(["check", "--locked", "--quiet"])
        .args(args)
        .current_dir(scratch)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("CARGO_MANIFEST_DIR")
        .status()?;
    Ok(status.success())
}

/// `cargo xtask <args>` run in `checkout` with `target` as its target directory, as a
/// developer with a shared `CARGO_TARGET_DIR` runs it.
fn xtask_in(checkout: &Path, target: &Path, args: &[&str]) -> Result<Output> {
    Ok(Command::new(cargo())
        .args(["run", "--quiet", "--locked", "--package", "xtask", "--"])
        .args(args)
        .current_dir(checkout)
        .env("CARGO_TARGET_DIR", target)
        // What this process was started with names this checkout, not the other one.
        .env_remove("CARGO_MANIFEST_DIR")
        .output()?)
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
