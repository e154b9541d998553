//! Running `vpsorg` as people and scripts do: a clean environment, a fake server, and what
//! came out.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;
use vpsorg_backups_mock::{MockServer, Seed};

pub(crate) const TOKEN: &str = "cli-test-token-5b1e";

/// What one run of `vpsorg` printed, and how it exited.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }

    #[track_caller]
    pub(crate) fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "{self:#?}");
        self
    }
}

/// A config directory of its own for each test, so that no test (and no developer's real
/// contexts) affects another.
pub(crate) struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    pub(crate) fn new() -> Home {
        Home { dir: tempfile::tempdir().unwrap() }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn config_file(&self) -> PathBuf {
        self.dir.path().join("vpsorg").join("config.toml")
    }

    /// The binary with a clean environment: no token, URL or context leaks in from the
    /// machine, stdin is not a terminal, tables are 80 columns wide.
    pub(crate) fn vpsorg(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_vpsorg"));
        command
            .args(args)
            .env_remove("VPSORG_API_TOKEN")
            .env_remove("VPSORG_API_URL")
            .env_remove("VPSORG_CONTEXT")
            .env_remove("COLUMNS")
            .env("XDG_CONFIG_HOME", self.path())
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }
}

pub(crate) async fn run(mut command: Command) -> Run {
    let output = command.output().await.expect("vpsorg runs");
    Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Runs `command` with a stdout whose reader has already gone, as `| head -1` leaves it once
/// `head` has its line: every write fails with a broken pipe.
pub(crate) async fn run_with_closed_stdout(command: Command) -> Run {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    run_with_stdout(command, writer).await
}

/// Runs `command` with its stdout going to `stdout`; `Run::stdout` is empty.
pub(crate) async fn run_with_stdout(mut command: Command, stdout: impl Into<Stdio>) -> Run {
    // Not `output()`: tokio's replaces the stdout set here with a pipe of its own.
    let child = command.stdout(stdout).stderr(Stdio::piped()).spawn().expect("vpsorg runs");
    let output = child.wait_with_output().await.unwrap();
    Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::new(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// `vpsorg <args>` with no connection settings at all.
pub(crate) async fn vpsorg(args: &[&str]) -> Run {
    run(Home::new().vpsorg(args)).await
}

/// `vpsorg <args>` against `server`, with its URL and token in the environment.
pub(crate) async fn against(server: &MockServer, args: &[&str]) -> Run {
    run(against_command(server, args)).await
}

pub(crate) fn against_command(server: &MockServer, args: &[&str]) -> Command {
    let mut command = Home::new().vpsorg(args);
    command.env("VPSORG_API_URL", server.base_url()).env("VPSORG_API_TOKEN", server.token());
    command
}

/// The vendor's examples: server 12345 with 501, 499 and 495; 67890 with 500 and 497.
pub(crate) async fn vendor_server() -> MockServer {
    server_with(Seed::vendor_examples()).await
}

pub(crate) async fn server_with(seed: Seed) -> MockServer {
    MockServer::builder()
        .token(TOKEN)
        .seed(seed)
        .complete_after(Duration::from_millis(300))
        .start()
        .await
        .unwrap()
}

#[track_caller]
pub(crate) fn assert_no_token(run: &Run) {
    assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN), "token leaked: {run:#?}");
}

/// The ids in a JSON list of backups.
pub(crate) fn ids(list: &serde_json::Value) -> Vec<i64> {
    list.as_array()
        .expect("a JSON array")
        .iter()
        .map(|backup| backup["id"].as_i64().expect("an id"))
        .collect()
}

/// The keys of a JSON object, in order.
pub(crate) fn keys(object: &serde_json::Value) -> Vec<String> {
    object.as_object().expect("a JSON object").keys().cloned().collect()
}
