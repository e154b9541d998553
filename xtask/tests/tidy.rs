//! Checks of the docs, in the style of rust-analyzer's `tidy` tests: what `cargo test` alone
//! should catch in the READMEs of the workspace and its crates. Every check of doc prose is here.

use std::path::Path;

use semver::{Version, VersionReq};
use xtask::project_root;

/// The fenced code blocks of a Markdown text: (line of the fence, info string, text).
fn fenced_blocks(markdown: &str) -> Vec<(usize, String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut current, fence) {
            (None, Some(info)) => {
                current = Some((index + 1, info.trim().to_string(), String::new()))
            }
            (Some(_), Some(_)) => blocks.extend(current.take()),
            (Some((_, _, text)), None) => text.extend([line, "\n"]),
            (None, None) => {}
        }
    }
    blocks
}

/// Rust blocks a reader could not copy as they are. A crate's README is its front page
/// (`#![doc = include_str!("../README.md")]`), so each Rust block is a doc-test too, and must
/// read the same on GitHub and crates.io as in rustdoc: tagged `rust` first, no hidden lines
/// (`# ...`, which only rustdoc hides), a complete program (`fn main`), never `ignore`d.
fn readme_code_blocks(text: &str) -> Vec<String> {
    const RUSTDOC_WORDS: [&str; 9] = [
        "rust",
        "no_run",
        "ignore",
        "should_panic",
        "compile_fail",
        "test_harness",
        "standalone_crate",
        "edition2021",
        "edition2024",
    ];
    let mut problems = Vec::new();
    for (line, info, code) in fenced_blocks(text) {
        let words: Vec<&str> = info.split([',', ' ', '\t']).filter(|w| !w.is_empty()).collect();
        if !words.iter().all(|w| RUSTDOC_WORDS.contains(w) || w.starts_with("ignore-")) {
            continue;
        }
        let at = format!("README.md:{line}");
        if words.first() != Some(&"rust") {
            problems.push(format!(
                "{at}: a Rust block must be tagged `rust` first (```rust or ```rust,no_run), or \
                 other renderers show it unhighlighted"
            ));
        }
        if words.iter().any(|w| w.starts_with("ignore")) {
            problems.push(format!("{at}: an `ignore`d block is never compiled"));
        }
        if code.lines().map(str::trim_start).any(|l| l == "#" || l.starts_with("# ")) {
            problems.push(format!(
                "{at}: hidden lines (`# ...`) show on GitHub and crates.io; write a complete \
                 program instead"
            ));
        }
        if !code.contains("fn main(") {
            problems.push(format!(
                "{at}: not a complete program (no `fn main`): a reader cannot compile it as it is"
            ));
        }
    }
    problems
}

/// Relative links in a crate's README that leave the crate or name a file it lacks: crates.io
/// renders the README from the package, where nothing else is.
fn readme_links(text: &str, exists: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        for link in line.split("](").skip(1) {
            let target = link.split([')', ' ', '#']).next().unwrap_or_default();
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            if target.split('/').any(|part| part == "..") || !exists(target) {
                problems.push(format!(
                    "README.md:{}: the link to {target} cannot be followed from the package (use \
                     an absolute URL)",
                    index + 1
                ));
            }
        }
    }
    problems
}

/// `[dependencies]` in a README's ```toml blocks that ask for a version the workspace does not
/// build: `own` (our crates) must match the workspace's version, the others their floor.
fn readme_versions(
    text: &str,
    own: &[String],
    version: &Version,
    floors: &toml::Table,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (line, _, block) in fenced_blocks(text).into_iter().filter(|b| b.1 == "toml") {
        let table: toml::Table = match block.parse() {
            Ok(table) => table,
            Err(e) => {
                problems.push(format!("the ```toml block at line {line} is not valid TOML: {e}"));
                continue;
            }
        };
        for section in ["dependencies", "dev-dependencies"] {
            for (name, dep) in table.get(section).and_then(|s| s.as_table()).into_iter().flatten() {
                let requirement = |dep: &toml::Value| {
                    dep.as_str().or_else(|| dep.get("version")?.as_str()).map(String::from)
                };
                let Some(asked) = requirement(dep) else {
                    continue;
                };
                let package = dep.get("package").and_then(|p| p.as_str()).unwrap_or(name);
                let (wanted, what) = if own.iter().any(|o| o == package) {
                    (Some(version.clone()), "is")
                } else {
                    let floor = floors.get(package).and_then(requirement);
                    (
                        floor.and_then(|f| Version::parse(f.trim_start_matches('=')).ok()),
                        "builds with",
                    )
                };
                let Some(wanted) = wanted else { continue };
                if !VersionReq::parse(&asked).is_ok_and(|req| req.matches(&wanted)) {
                    problems.push(format!(
                        "the ```toml block at line {line}: [{section}] {name} = {asked:?} does \
                         not match {wanted}, the version this workspace {what}"
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn readme_rust_blocks_must_be_complete_programs_without_hidden_lines() {
    let text = "# Title\n\n```toml\n[dependencies]\n```\n\n\
                ```rust\nfn main() {}\n```\n\n\
                ```rust,no_run\n#[tokio::main]\nasync fn main() {}\n```\n\n\
                ```no_run\n# async fn run() {\nlet x = 1;\n# }\n```\n\n\
                ```rust,ignore\nfn main() {}\n```\n\n\
                ```\nlet y = 2;\n```\n\n```sh\n# a shell comment\n```\n";
    let found = readme_code_blocks(text);
    assert_eq!(found.len(), 6, "{found:#?}");
    assert!(found[0].starts_with("README.md:16: a Rust block must be tagged `rust` first"));
    assert!(found[1].starts_with("README.md:16: hidden lines"));
    assert!(found[2].starts_with("README.md:16: not a complete program"));
    assert!(found[3].starts_with("README.md:22: an `ignore`d block is never compiled"));
    assert!(found[4].starts_with("README.md:26: a Rust block must be tagged"));
    assert!(found[5].starts_with("README.md:26: not a complete program"));
}

#[test]
fn readme_links_must_stay_in_the_package() {
    let text = "See [the changes](CHANGELOG.md#020), [docs](https://docs.rs/x), \
                [arch](../../ARCHITECTURE.md) and [here](#install).\n[gone](NOTES.md)\n";
    let found = readme_links(text, &|path| path == "CHANGELOG.md");
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].starts_with("README.md:1: the link to ../../ARCHITECTURE.md"));
    assert!(found[1].starts_with("README.md:2: the link to NOTES.md"));
}

#[test]
fn readme_blocks_must_ask_for_versions_the_workspace_builds() {
    let readme = "# a\n\n```toml\n[dependencies]\nours = \"0.2\"\nserde = \"1\"\n```\n\n\
                  text\n\n```toml\n[dependencies]\nours = { git = \"x\", version = \"0.1\" }\n\
                  serde = { version = \"1.1\", features = [\"derive\"] }\n\
                  unknown = \"9\"\n```\n\n```toml\nnot toml = = \n```\n";
    let floors: toml::Table = "serde = { version = \"1.0.229\" }".parse().unwrap();
    let version = Version::new(0, 2, 0);
    let found = readme_versions(readme, &["ours".into()], &version, &floors);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].contains(
        "line 11: [dependencies] ours = \"0.1\" does not match 0.2.0, the version this workspace is"
    ));
    assert!(found[1].contains("serde = \"1.1\" does not match 1.0.229"));
    assert!(found[2].contains("line 18 is not valid TOML"));
}

/// The READMEs of the workspace and its members: the versions the workspace builds, and in the
/// crates' READMEs complete Rust programs and links that stay in the crate.
#[test]
fn the_readmes_are_tidy() {
    let root = project_root();
    let manifest: toml::Table =
        std::fs::read_to_string(root.join("Cargo.toml")).unwrap().parse().unwrap();
    let workspace = &manifest["workspace"];
    let floors = workspace["dependencies"].as_table().unwrap();
    let version = Version::parse(workspace["package"]["version"].as_str().unwrap()).unwrap();
    let members: Vec<&str> =
        workspace["members"].as_array().unwrap().iter().filter_map(|m| m.as_str()).collect();
    let own: Vec<String> = members
        .iter()
        .filter_map(|m| {
            let text = std::fs::read_to_string(root.join(m).join("Cargo.toml")).ok()?;
            Some(text.parse::<toml::Table>().ok()?["package"]["name"].as_str()?.to_string())
        })
        .collect();
    let mut problems = Vec::new();
    for dir in std::iter::once(".").chain(members) {
        let path = Path::new(dir).join("README.md");
        let Ok(text) = std::fs::read_to_string(root.join(&path)) else {
            continue;
        };
        let mut found = readme_versions(&text, &own, &version, floors);
        if dir != "." {
            found.extend(readme_code_blocks(&text));
            found.extend(readme_links(&text, &|p| root.join(dir).join(p).exists()));
        }
        problems.extend(found.into_iter().map(|p| format!("{}: {p}", path.display())));
    }
    assert!(problems.is_empty(), "{problems:#?}");
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

/// The code of the CLI's `Exit::{variant}`, read from its one list (the `exits!` table in
/// crates/vpsorg-cli/src/exit.rs, a row `Variant = code, ...`), where `--help` and the man
/// page get it too.
fn exit_code(variant: &str) -> String {
    let path = project_root().join("crates/vpsorg-cli/src/exit.rs");
    let source = std::fs::read_to_string(&path).unwrap();
    source
        .lines()
        .find_map(|line| {
            let rest = line.trim().strip_prefix(&format!("{variant} = "))?;
            Some(rest.split(',').next()?.to_string())
        })
        .unwrap_or_else(|| panic!("no Exit::{variant} in {}", path.display()))
}

#[test]
fn the_nightly_job_installs_from_git_since_a_team_has_no_checkout_of_ours() {
    let readme = std::fs::read_to_string(project_root().join("README.md")).unwrap();
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
    let readme = std::fs::read_to_string(project_root().join("README.md")).unwrap();
    let job = nightly_job(&readme);
    let incomplete = exit_code("Unchecked");
    assert_eq!(incomplete, "10");
    assert!(arm(job, &incomplete).contains("::warning::incomplete (exit 10)"), "{job}");
    for code in [exit_code("Unauthorized"), exit_code("Contradicted")] {
        let arm = arm(job, &code);
        assert!(arm.contains("::error::") && arm.contains(&format!("exit {code}")), "{arm}");
    }
    assert!(arm(job, "*").contains("exit \"$code\""), "{job}");
}

/// vpsorg-backups: a README block that uses the fake server (a dev-dependency) fails to
/// build when pasted into `src/main.rs`, so the text before it must say where it goes.
#[test]
fn readme_examples_with_the_fake_server_say_where_they_go() {
    let readme =
        std::fs::read_to_string(project_root().join("crates/vpsorg-backups/README.md")).unwrap();
    let mut blocks = 0;
    let mut rest = readme.as_str();
    while let Some(at) = rest.find("```rust") {
        let before = &rest[..at];
        let block = &rest[at..];
        let end = block[3..].find("```").map_or(block.len(), |end| end + 6);
        if block[..end].contains("vpsorg_backups_mock") {
            blocks += 1;
            let intro = before.trim_end().rsplit("\n\n").next().unwrap_or_default();
            assert!(
                intro.contains("`examples/`") && intro.contains("`src/main.rs` cannot"),
                "the paragraph before this block must say where it goes: {intro}"
            );
        }
        rest = &block[end..];
    }
    assert!(blocks > 0, "the README shows the fake server");
}

/// vpsorg-backups: method docs run their examples against the fake server (hidden lines
/// start it and build the client); `no_run` is left only where running cannot make sense,
/// with a comment right above the doc-test that says why.
#[test]
fn doc_tests_run_unless_a_comment_says_why_not() {
    let dir = project_root().join("crates/vpsorg-backups/src");
    let mut not_run = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (index, line) in lines.iter().enumerate() {
            if !line.trim_start().starts_with("/// ```no_run") {
                continue;
            }
            let explained = lines[..index]
                .iter()
                .rev()
                .take_while(|l| !l.trim_start().starts_with("///"))
                .any(|l| l.trim_start().starts_with("// Compiled, not run:"));
            assert!(
                explained,
                "{}:{}: a no_run doc-test without a `// Compiled, not run:` comment",
                path.display(),
                index + 1
            );
            not_run.push(format!("{}:{}", path.file_name().unwrap().to_string_lossy(), index + 1));
        }
    }
    assert_eq!(not_run.len(), 1, "only from_env: {not_run:?}");
}
