//! The README's nightly job is what teams copy into their own repository: it must work
//! there, and let only an incomplete run pass.

use vpsorg_doctor::{EXIT_CONTRADICTED, EXIT_INCOMPLETE, EXIT_TOKEN_REFUSED};

/// The ```yaml block of the nightly workflow.
fn nightly_job() -> &'static str {
    let readme = include_str!("../README.md");
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

#[test]
fn the_nightly_job_installs_from_git_since_a_team_has_no_checkout_of_ours() {
    let job = nightly_job();
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
    let job = nightly_job();
    assert!(
        arm(job, &EXIT_INCOMPLETE.to_string()).contains("::warning::incomplete (exit 10)"),
        "{job}"
    );
    for code in [EXIT_TOKEN_REFUSED, EXIT_CONTRADICTED] {
        let arm = arm(job, &code.to_string());
        assert!(
            arm.contains("::error::") && arm.contains(&format!("exit {code}")),
            "{arm}"
        );
    }
    assert!(arm(job, "*").contains("exit \"$code\""), "{job}");
}
