//! What goes to stderr for people while a command runs: notes, the spinner of a wait, and a
//! line for each retry. `--quiet` silences all of it; errors are printed by `main`.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// Whether `--quiet` was given; set once in `main`.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The spinner on screen, if any: lines printed meanwhile go above it, not through it.
static SPINNER: Mutex<Option<ProgressBar>> = Mutex::new(None);

pub(crate) fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}

pub(crate) fn is_quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// Prints a line for people on stderr, above the spinner if one is showing, unless
/// `--quiet`. A stderr that cannot be written to is no reason to fail the command.
pub(crate) fn say(line: &str) {
    if is_quiet() {
        return;
    }
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
/// `--quiet` was given. [`Spinner::clear`] or dropping it takes the line away.
pub(crate) struct Spinner {
    bar: ProgressBar,
}

impl Spinner {
    pub(crate) fn start(message: String) -> Spinner {
        if is_quiet() || !io::stderr().is_terminal() {
            return Spinner {
                bar: ProgressBar::hidden(),
            };
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

    pub(crate) fn handle(&self) -> ProgressBar {
        self.bar.clone()
    }

    /// Leaves a last line that says how it ended.
    pub(crate) fn finish(self, message: String) {
        self.bar.finish_with_message(message);
    }

    /// Takes the spinner's line away (the error or interruption says what happened).
    pub(crate) fn clear(self) {
        self.bar.finish_and_clear();
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

/// A tracing layer that turns the client's retry events into one line each on stderr:
/// what failed, and when it is tried again. The client already emits these events for
/// `-v`; this shows them without it, so that a listing that sits through three 503s says so.
///
/// It reads the `vpsorg-backups` events named "retrying" (fields `operation`, `delay_ms`,
/// `error`) and "poll failed; polling again" (the waiter's). A test in `tests/cli.rs`
/// fails if the client stops emitting them.
#[derive(Debug, Default)]
pub(crate) struct RetryNotices;

impl<S: Subscriber> Layer<S> for RetryNotices {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if !event.metadata().target().starts_with("vpsorg_backups") {
            return;
        }
        let mut fields = RetryFields::default();
        event.record(&mut fields);
        let line = match fields.message.as_str() {
            "retrying" => {
                let what = match fields.operation.as_str() {
                    "list_backups" => "listing backups",
                    "create_backup" => "creating the backup",
                    "delete_backup" => "deleting the backup",
                    "restore_server" => "the restore request",
                    _ => "a request",
                };
                let delay = humantime::format_duration(Duration::from_millis(fields.delay_ms));
                format!("{what} failed ({}); trying again in {delay}", fields.error)
            }
            "poll failed; polling again" => {
                format!(
                    "checking the backup failed ({}); checking again",
                    fields.error
                )
            }
            _ => return,
        };
        say(&crate::output::clean(&line));
    }
}

#[derive(Default)]
struct RetryFields {
    message: String,
    operation: String,
    error: String,
    delay_ms: u64,
}

impl Visit for RetryFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "operation" => self.operation = value.to_string(),
            "error" => self.error = value.to_string(),
            "message" => self.message = value.to_string(),
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "delay_ms" {
            self.delay_ms = value;
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let target = match field.name() {
            "message" => &mut self.message,
            "error" => &mut self.error,
            "operation" => &mut self.operation,
            _ => return,
        };
        target.clear();
        let _ = write!(target, "{value:?}");
    }
}
