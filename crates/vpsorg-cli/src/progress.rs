//! What goes to stderr for people while a command runs: notes, the spinner of a wait, and a
//! line for each retry. `--quiet` silences all of it; errors are printed by `main`.

use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use vpsorg_backups::{RetriedOperation, RetryNotice};

/// Whether `--quiet` was given; set once in `main`.
static QUIET: AtomicBool = AtomicBool::new(false);

/// The spinner on screen, if any: lines printed meanwhile go above it, not through it.
static SPINNER: Mutex<Option<ProgressBar>> = Mutex::new(None);

pub(crate) fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

pub(crate) fn is_quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Prints a line for people on stderr, above the spinner if one is showing, unless
/// `--quiet`.
pub(crate) fn say(line: &str) {
    if !is_quiet() {
        say_always(line);
    }
}

/// [`say`], even with `--quiet`: for a line that goes with an error. A stderr that cannot be
/// written to is no reason to fail the command (`eprintln!` would panic on a closed pipe).
pub(crate) fn say_always(line: &str) {
    let print = || {
        let _ = writeln!(io::stderr().lock(), "{line}");
    };
    let spinner = SPINNER.lock().ok().and_then(|spinner| spinner.clone());
    match spinner {
        Some(bar) => bar.suspend(print),
        None => print(),
    }
}

/// A spinner on stderr while waiting, or a hidden one when stderr is not a terminal or
/// `--quiet` was given. Dropping it takes the line away, unless its bar was finished with a
/// last message.
pub(crate) struct Spinner {
    pub(crate) bar: ProgressBar,
}

impl Spinner {
    pub(crate) fn start(message: String) -> Spinner {
        if is_quiet() || !io::stderr().is_terminal() {
            return Spinner { bar: ProgressBar::hidden() };
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .expect("the template is valid")
                .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "),
        );
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(100));
        if let Ok(mut active) = SPINNER.lock() {
            *active = Some(bar.clone());
        }
        Spinner { bar }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
        if let Ok(mut active) = SPINNER.lock() {
            *active = None;
        }
    }
}

/// The line a retry gets on stderr, from the client's `on_retry` hook: what failed, and when
/// it is tried again, so that a listing that sits through three 503s says so.
pub(crate) fn retry_line(notice: &RetryNotice<'_>) -> String {
    let error = match notice.error.request_id() {
        Some(id) => format!("{}; request id {id}", notice.error),
        None => notice.error.to_string(),
    };
    let line = match notice.operation {
        RetriedOperation::WaitUntilCompleted => {
            format!("checking the backup failed ({error}); checking again")
        }
        operation => {
            let what = match operation {
                RetriedOperation::ListBackups => "listing backups",
                RetriedOperation::CreateBackup => "creating the backup",
                RetriedOperation::DeleteBackup => "deleting the backup",
                RetriedOperation::RestoreServer => "the restore request",
                _ => "a request",
            };
            let delay = humantime::format_duration(Duration::from_millis(
                u64::try_from(notice.delay.as_millis()).unwrap_or(u64::MAX),
            ));
            format!("{what} failed ({error}); trying again in {delay}")
        }
    };
    crate::text::clean(&line).into_owned()
}
