//! What the root README repeats from a crate's README stays the same as there.
//!
//! The crates' own tests keep their READMEs in step with their code; a published crate's tests
//! read nothing outside the crate, so the copies in the root README are checked here, in the
//! workspace's tests.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

/// The Markdown table that starts with `header`, up to the next blank line.
fn table<'a>(text: &'a str, header: &str, file: &str) -> &'a str {
    let start = text
        .find(header)
        .unwrap_or_else(|| panic!("{file} has no table starting with {header:?}"));
    let end = text[start..]
        .find("\n\n")
        .map_or(text.len(), |end| start + end + 1);
    &text[start..end]
}

/// The root README's exit codes are the CLI README's, which `vpsorg-cli`'s own test checks
/// against the code. `VPSORG_UPDATE_README=1` copies the CLI's table into the root README.
#[test]
fn the_root_readme_lists_the_clis_exit_codes() {
    const HEADER: &str = "| exit code | meaning |";
    let cli_path = root().join("crates/vpsorg-cli/README.md");
    let cli = std::fs::read_to_string(&cli_path).unwrap();
    let cli_table = table(&cli, HEADER, "crates/vpsorg-cli/README.md");
    let root_path = root().join("README.md");
    let text = std::fs::read_to_string(&root_path).unwrap();
    let root_table = table(&text, HEADER, "README.md");
    if root_table != cli_table && std::env::var_os("VPSORG_UPDATE_README").is_some() {
        std::fs::write(&root_path, text.replacen(root_table, cli_table, 1)).unwrap();
        return;
    }
    assert_eq!(
        root_table, cli_table,
        "README.md's exit codes differ from crates/vpsorg-cli/README.md's \
         (VPSORG_UPDATE_README=1 copies them)"
    );
    assert!(cli_table.lines().count() > 3, "{cli_table}");
}

/// The root README's nightly job for `vpsorg doctor`: the ```yaml block teams copy into their
/// own repository.
fn nightly_job(readme: &str) -> &str {
    let start = readme
        .find("```yaml\n# .github/workflows/api-contract.yml")
        .expect("README has the nightly job");
    let block = &readme[start + "```yaml\n".len()..];
    &block[..block.find("```").expect("the block ends")]
}

/// The line of the `case` arm for `code`, as in `7) echo ...; exit 7 ;;`.
fn arm<'a>(job: &'a str, code: &str) -> &'a str {
    job.lines()
        .find(|line| line.trim_start().starts_with(&format!("{code})")))
        .unwrap_or_else(|| panic!("no case arm for {code}"))
}

/// The exit code whose meaning starts with `meaning` in the CLI README's table (which
/// `vpsorg-cli`'s own test checks against its code).
fn exit_code(meaning: &str) -> String {
    let cli = std::fs::read_to_string(root().join("crates/vpsorg-cli/README.md")).unwrap();
    let table = table(
        &cli,
        "| exit code | meaning |",
        "crates/vpsorg-cli/README.md",
    );
    table
        .lines()
        .find_map(|line| {
            let (code, rest) = line.strip_prefix("| ")?.split_once(" | ")?;
            rest.starts_with(meaning).then(|| code.to_string())
        })
        .unwrap_or_else(|| panic!("no exit code meaning {meaning:?}:\n{table}"))
}

#[test]
fn the_nightly_job_installs_from_git_since_a_team_has_no_checkout_of_ours() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let job = nightly_job(&readme);
    assert!(
        job.contains(
            "cargo install --locked --git https://github.com/vpsorg-rs/vpsorg-rs vpsorg-cli"
        ),
        "{job}"
    );
    assert!(!job.contains("--path"), "{job}");
}

#[test]
fn the_nightly_job_warns_only_on_an_incomplete_run_and_fails_on_a_refused_token() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let job = nightly_job(&readme);
    let incomplete = exit_code("doctor: some checks could not run");
    assert_eq!(incomplete, "10");
    assert!(
        arm(job, &incomplete).contains("::warning::incomplete (exit 10)"),
        "{job}"
    );
    for code in [
        exit_code("the token was refused"),
        exit_code("doctor: the API contradicts the contract"),
    ] {
        let arm = arm(job, &code);
        assert!(
            arm.contains("::error::") && arm.contains(&format!("exit {code}")),
            "{arm}"
        );
    }
    assert!(arm(job, "*").contains("exit \"$code\""), "{job}");
}
