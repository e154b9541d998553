//! Where people meet the CLI: a terminal. Each test runs `vpsorg` on a pseudo-terminal,
//! reads what it shows and types as a person would, Ctrl-D and Ctrl-C included.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::termios::LocalFlags;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use vpsorg_backups_mock::MockServer;

use crate::prune::{all_ids, fleet, ids_of, server_42};
use crate::support::*;

/// `vpsorg` (or a shell running it) on a terminal of its own, 80 columns wide.
struct Terminal {
    child: Box<dyn Child + Send + Sync>,
    keyboard: Box<dyn Write + Send>,
    screen: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
    _master: Box<dyn MasterPty + Send>,
}

impl Terminal {
    /// Starts `program args` against `server` (its URL and token in the environment, with
    /// `env`).
    fn start(
        home: &Home,
        server: &MockServer,
        program: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Terminal {
        let pair = native_pty_system()
            .openpty(PtySize { rows: 24, cols: 80, pixel_width: 0, pixel_height: 0 })
            .unwrap();
        let mut command = CommandBuilder::new(program);
        command.args(args);
        command.env_remove("VPSORG_CONTEXT");
        command.env_remove("COLUMNS");
        command.env("XDG_CONFIG_HOME", home.path());
        command.env("VPSORG_API_URL", server.base_url());
        command.env("VPSORG_API_TOKEN", server.token());
        for (name, value) in env {
            command.env(name, value);
        }
        let child = pair.slave.spawn_command(command).unwrap();
        drop(pair.slave);
        let mut output = pair.master.try_clone_reader().unwrap();
        let screen = Arc::new(Mutex::new(Vec::new()));
        let shown = Arc::clone(&screen);
        let reader = std::thread::spawn(move || {
            let mut buffer = [0_u8; 4096];
            // Ends at EOF, or EIO once the program and its terminal are gone.
            while let Ok(n @ 1..) = output.read(&mut buffer) {
                shown.lock().unwrap().extend_from_slice(&buffer[..n]);
            }
        });
        Terminal {
            child,
            keyboard: pair.master.take_writer().unwrap(),
            screen,
            reader: Some(reader),
            _master: pair.master,
        }
    }

    fn vpsorg(home: &Home, server: &MockServer, args: &[&str]) -> Terminal {
        Terminal::start(home, server, env!("CARGO_BIN_EXE_vpsorg"), args, &[])
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    /// Waits until the terminal shows `text`.
    #[track_caller]
    fn expect(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.screen().contains(text) {
            assert!(
                Instant::now() < deadline,
                "the terminal never showed {text:?}; it shows:\n{:?}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the program has turned echo off, as a password prompt does after it
    /// prints its text: a key typed before that would be echoed, or, for Ctrl-D, taken by the
    /// line discipline and never reach the program.
    #[track_caller]
    fn expect_echo_off(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self
            ._master
            .get_termios()
            .expect("a unix terminal")
            .local_flags
            .contains(LocalFlags::ECHO)
        {
            assert!(Instant::now() < deadline, "echo stayed on: {:?}", self.screen());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn type_keys(&mut self, keys: &str) {
        self.keyboard.write_all(keys.as_bytes()).unwrap();
        self.keyboard.flush().unwrap();
    }

    /// Waits for the program to end: its exit code and everything it showed.
    fn finish(mut self) -> (u32, String) {
        let status = self.child.wait().unwrap();
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        (status.exit_code(), self.screen())
    }
}

/// Defect 12: the prompt said "Type 'yes'" and accepted `y`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_yes_confirms() {
    let server = vendor_server().await;
    let home = Home::new();
    let mut terminal = Terminal::vpsorg(&home, &server, &["backups", "delete", "501"]);
    terminal.expect("Type 'yes' to delete backup 501: ");
    terminal.type_keys("y\r");
    let (code, screen) = terminal.finish();
    assert_eq!(code, 3, "{screen}");
    assert!(screen.contains("cancelled: nothing was changed"), "{screen}");
    assert_eq!(server.backups_of(12345).len(), 3);

    let mut terminal = Terminal::vpsorg(&home, &server, &["backups", "delete", "501"]);
    terminal.expect("Type 'yes' to delete backup 501: ");
    terminal.type_keys("yes\r");
    let (code, screen) = terminal.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Deleted backup 501."), "{screen}");
    assert_eq!(server.backups_of(12345).len(), 2);
}

/// Issue 18 item 12: the questions showed ids only, and were asked about ids that do not
/// exist and about a restore the API refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_shows_what_is_destroyed_and_comes_after_the_checks() {
    let server = vendor_server().await;
    let home = Home::new();
    let mut terminal = Terminal::vpsorg(&home, &server, &["backups", "delete", "499"]);
    terminal.expect("Type 'yes' to delete backup 499: ");
    terminal.type_keys("no\r");
    let (code, screen) = terminal.finish();
    assert_eq!(code, 3, "{screen}");
    assert!(
        screen.contains(
            "backup 499 of server 12345 (web-server-01), 2025-01-14 10:30 UTC, manual, \
             \"Pre-update backup\""
        ),
        "{screen}"
    );

    let mut terminal =
        Terminal::vpsorg(&home, &server, &["servers", "restore", "12345", "--backup-id", "499"]);
    terminal.expect("Type 'yes' to restore server 12345: ");
    terminal.type_keys("no\r");
    let (code, screen) = terminal.finish();
    assert_eq!(code, 3, "{screen}");
    assert!(screen.contains("Restoring server 12345 (web-server-01) from backup 499"), "{screen}");

    // Checked before asking: no question, nothing sent but one list call.
    let before = server.requests().len();
    let terminal = Terminal::vpsorg(&home, &server, &["backups", "delete", "499", "404"]);
    let (code, screen) = terminal.finish();
    assert_eq!(code, 6, "{screen}");
    assert!(screen.contains("there is no backup 404"), "{screen}");
    assert!(!screen.contains("Type 'yes'"), "{screen}");
    let terminal =
        Terminal::vpsorg(&home, &server, &["servers", "restore", "12345", "--backup-id", "497"]);
    let (code, screen) = terminal.finish();
    // The code the API's refusal gets with --yes (it was 2 here, 1 there).
    assert_eq!(code, 1, "{screen}");
    assert!(screen.contains("server 67890's"), "{screen}");
    assert!(!screen.contains("Type 'yes'"), "{screen}");
    assert_eq!(server.requests().len(), before + 2);
    assert!(server.restores().is_empty());
    assert_eq!(server.backups_of(12345).len(), 3);
}

/// Defect 12: after Ctrl-D, "cancelled" landed on the prompt's line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_d_cancels_on_a_line_of_its_own() {
    let server = vendor_server().await;
    let home = Home::new();
    let mut terminal =
        Terminal::vpsorg(&home, &server, &["servers", "restore", "12345", "--backup-id", "501"]);
    terminal.expect("Type 'yes' to restore server 12345: ");
    terminal.type_keys("\x04");
    let (code, screen) = terminal.finish();
    assert_eq!(code, 3, "{screen}");
    let cancelled = screen.find("cancelled: nothing was changed").expect(&screen);
    assert!(screen[..cancelled].ends_with('\n'), "cancelled is on a line of its own: {screen:?}");
    assert!(server.restores().is_empty());
}

/// Defect 12: with stderr in a file (`2>file`) at a terminal, it refused to ask.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn it_asks_on_the_terminal_when_stderr_goes_to_a_file() {
    let server = vendor_server().await;
    let home = Home::new();
    let log = home.path().join("stderr.log");
    let mut terminal = Terminal::start(
        &home,
        &server,
        "sh",
        &[
            "-c",
            "exec \"$0\" \"$@\" 2>\"$STDERR_FILE\"",
            env!("CARGO_BIN_EXE_vpsorg"),
            "backups",
            "delete",
            "499",
        ],
        &[("STDERR_FILE", log.to_str().unwrap())],
    );
    terminal.expect("Type 'yes' to delete backup 499: ");
    terminal.type_keys("yes\r");
    let (code, screen) = terminal.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Deleted backup 499."), "{screen}");
    assert_eq!(server.backups_of(12345).len(), 2);
    // The question went to the terminal, not into the file.
    assert!(!std::fs::read_to_string(&log).unwrap().contains("Type 'yes'"));
}

/// Defect 17: Ctrl-C during a wait left the spinner's line behind and did not say that the
/// backup goes on, or how to wait again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_a_wait_clears_the_spinner_and_says_how_to_resume() {
    let server = MockServer::builder()
        .token(TOKEN)
        .complete_after(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let home = Home::new();
    let mut terminal = Terminal::vpsorg(
        &home,
        &server,
        &["backups", "create", "--server-id", "12345", "--wait", "-o", "json"],
    );
    terminal.expect("backup 502 is in_progress");
    terminal.type_keys("\x03");
    let (code, screen) = terminal.finish();
    assert_eq!(code, 130, "{screen}");
    let interrupted = screen
        .find(
            "interrupted: stopped waiting; backup 502 of server 12345 goes on (it was in_progress)",
        )
        .expect(&screen);
    let spinner = screen.rfind("backup 502 is in_progress").unwrap();
    assert!(spinner < interrupted);
    // indicatif clears its line (erase-line) before the message is printed.
    assert!(screen[spinner..interrupted].contains("\x1b[2K"), "{screen:?}");
    assert!(
        screen.contains("hint: `vpsorg backups wait 502 --server-id 12345` waits again"),
        "{screen}"
    );
    // The script still gets the backup it created.
    assert!(screen.contains("\"id\": 502"), "{screen}");
    assert_eq!(server.backups_of(12345).len(), 4, "the backup goes on");
}

/// `vpsorg context create` asks for the token without showing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_typed_at_the_prompt_is_not_shown() {
    let server = vendor_server().await;
    let home = Home::new();
    let url = server.base_url().to_string();
    let mut terminal =
        Terminal::vpsorg(&home, &server, &["context", "create", "typed", "--api-url", &url]);
    terminal.expect("API token (not shown): ");
    terminal.expect_echo_off();
    terminal.type_keys(&format!("{TOKEN}\r"));
    let (code, screen) = terminal.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains(TOKEN), "the token was echoed: {screen}");
    let listed = run(home.vpsorg(&["backups", "list", "--server-id", "12345"])).await;
    listed.assert_code(0);
    assert_eq!(ids(&listed.json()), [501, 499, 495]);
}

/// Ctrl-D at the token prompt of `context create` cancels, on a line of its own, and
/// stores nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_d_at_the_token_prompt_stores_nothing() {
    let server = vendor_server().await;
    let home = Home::new();
    let url = server.base_url().to_string();
    let mut terminal =
        Terminal::vpsorg(&home, &server, &["context", "create", "typed", "--api-url", &url]);
    terminal.expect("API token (not shown): ");
    terminal.expect_echo_off();
    terminal.type_keys("\x04");
    let (code, screen) = terminal.finish();
    assert_eq!(code, 3, "{screen}");
    let cancelled = screen.find("cancelled: nothing was changed").expect(&screen);
    assert!(screen[..cancelled].ends_with('\n'), "cancelled is on a line of its own: {screen:?}");
    assert!(!home.config_file().exists(), "no context was stored");
}

/// prune at a terminal shows its plan and asks; only `yes` deletes, and then exactly the
/// plan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_asks_and_only_yes_deletes_the_plan() {
    let server = server_42().await;
    let home = Home::new();
    let prune = ["backups", "prune", "--server-id", "42", "--type", "manual", "--keep-last", "2"];
    for answer in ["no", "y", "\x04"] {
        let mut terminal = Terminal::vpsorg(&home, &server, &prune);
        terminal.expect("Type 'yes' to delete 4 backups: ");
        terminal.type_keys(&format!("{answer}\r"));
        let (code, screen) = terminal.finish();
        assert_eq!(code, 3, "{answer:?}: {screen}");
        assert_eq!(ids_of(&server), [3, 4, 5, 6, 7, 8, 9, 10], "{answer:?}");
    }
    let mut terminal = Terminal::vpsorg(&home, &server, &prune);
    terminal.expect("Type 'yes' to delete 4 backups: ");
    let screen = terminal.screen();
    assert!(
        screen.contains("ACTION  REASON")
            && screen.contains("Pruning deletes 4 backups of server 42 (8, 6, 5, 4)"),
        "the plan comes before the question: {screen}"
    );
    terminal.type_keys("yes\r");
    let (code, screen) = terminal.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Deleted backup 4."), "{screen}");
    assert_eq!(ids_of(&server), [3, 7, 9, 10]);
}

/// Item 17 of issue 18: `prune --all-servers` asks once for the whole fleet, then says a line
/// per server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_prune_asks_once() {
    let server = fleet().await;
    let home = Home::new();
    let mut terminal = Terminal::vpsorg(
        &home,
        &server,
        &["backups", "prune", "--all-servers", "--keep-last", "2", "-o", "json"],
    );
    terminal.expect("Type 'yes' to delete 3 backups: ");
    assert!(terminal.screen().contains("Pruning deletes 3 backups of 3 servers (121, 141, 161)"));
    terminal.type_keys("yes\r");
    let (code, screen) = terminal.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(screen.matches("Type 'yes'").count(), 1, "{screen}");
    for line in ["server 12: deleted 1, kept 2", "server 14: deleted 1", "server 16: deleted 1"] {
        assert!(screen.contains(line), "{line}: {screen}");
    }
    assert_eq!(all_ids(&server), [122, 123, 142, 143, 162, 163, 181]);
}

/// `prune -o json` at a terminal asked without showing the plan (the JSON comes after the
/// deletions). The plan now comes with the question, on the terminal, not in the JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_in_json_shows_the_plan_with_the_question() {
    let server = server_42().await;
    let home = Home::new();
    let json = home.path().join("prune.json");
    let mut terminal = Terminal::start(
        &home,
        &server,
        "sh",
        &[
            "-c",
            "exec \"$0\" \"$@\" >\"$STDOUT_FILE\"",
            env!("CARGO_BIN_EXE_vpsorg"),
            "backups",
            "prune",
            "--server-id",
            "42",
            "--type",
            "manual",
            "--keep-last",
            "2",
            "-o",
            "json",
        ],
        &[("STDOUT_FILE", json.to_str().unwrap())],
    );
    terminal.expect("Type 'yes' to delete 4 backups: ");
    let screen = terminal.screen();
    let plan = screen.find("ACTION  REASON").expect(&screen);
    let question = screen.find("Pruning deletes 4 backups").unwrap();
    assert!(plan < question, "{screen}");
    assert!(
        // 80 columns: the SERVER column leaves the reason 20 of them.
        screen.contains("delete  failed") && screen.contains("keep    in progress: never d…"),
        "{screen}"
    );
    terminal.type_keys("yes\r");
    let (code, screen) = terminal.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(ids_of(&server), [3, 7, 9, 10]);
    let printed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(printed["dry_run"], false);
}

/// The wait step's Ctrl-C handler stayed installed after it, so Ctrl-C did nothing in the
/// demo's later steps; and during the wait it advised waiting again on a fake server that
/// was about to go. The demo answers Ctrl-C itself, in every step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_the_demo() {
    let server = vendor_server().await;
    let home = Home::new();
    let mut terminal = Terminal::vpsorg(&home, &server, &["demo"]);
    terminal.expect("Wait until it is completed.");
    terminal.type_keys("\x03");
    let (code, screen) = terminal.finish();
    assert_eq!(code, 130, "{screen}");
    assert!(
        screen.contains("interrupted: the demo stopped, and its fake server with it"),
        "{screen}"
    );
    assert!(!screen.contains("waits again"), "{screen}");
    assert!(!screen.contains("Done."), "{screen}");
}
