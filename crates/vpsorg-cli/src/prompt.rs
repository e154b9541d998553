//! Questions to the person at the terminal: "are you sure" before something irreversible,
//! and a token typed without echo.
//!
//! The question goes to the terminal itself (`/dev/tty`), so that it is seen even when
//! stderr goes to a file; the answer is read from stdin, which must be that terminal. With
//! stdin from a file or a pipe there is nobody to ask, and the command refuses unless told
//! `--yes`: guessing is worse than stopping.

use std::io::{self, BufRead, IsTerminal, Read, Write};

use vpsorg_backups::Backup;

use crate::config::Secret;
use crate::error::CliError;
use crate::output::minute;
use crate::text::clean;

/// Refuses an irreversible `action` up front when it would need a confirmation that cannot
/// be asked for, before anything is sent.
pub(crate) fn ensure_can_confirm(action: &str, yes: bool, other_way: &str) -> Result<(), CliError> {
    if yes || io::stdin().is_terminal() {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "refusing to {action} without confirmation: stdin is not a terminal to ask on"
    ))
    .with_hint(other_way.to_string()))
}

/// Asks before something irreversible. `--yes` skips the question. Only `yes` goes ahead;
/// anything else, or Ctrl-D, cancels.
pub(crate) fn confirm(warning: &str, action: &str, yes: bool) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    ensure_can_confirm(action, false, "pass --yes to confirm")?;
    tell(&format!("{warning}\nType 'yes' to {action}: "))?;
    let mut answer = String::new();
    if io::stdin().lock().read_line(&mut answer)? == 0 {
        // Ctrl-D: end the prompt's line, so that what follows starts on a line of its own.
        tell("\n")?;
        return Err(CliError::Cancelled);
    }
    if answer.trim().eq_ignore_ascii_case("yes") { Ok(()) } else { Err(CliError::Cancelled) }
}

/// One line of a question about `backup`: what would be destroyed (its server, date, type
/// and description).
pub(crate) fn describe(backup: &Backup) -> String {
    let description = match backup.description.as_str() {
        "" => "no description".to_string(),
        text => format!("\"{}\"", clean(text)),
    };
    format!(
        "  backup {} of server {} ({}), {} UTC, {}, {description}",
        backup.id,
        backup.server.id,
        clean(&backup.server.name),
        minute(&backup.created_at),
        clean(backup.backup_type.as_str()),
    )
}

/// Reads a token: one line from stdin with `from_stdin`, else typed at the terminal without
/// echo.
pub(crate) fn read_token(from_stdin: bool) -> Result<Secret, CliError> {
    let token = if from_stdin {
        let mut text = String::new();
        io::stdin()
            .lock()
            .take(64 * 1024)
            .read_to_string(&mut text)
            .map_err(|e| CliError::usage(format!("cannot read the token from stdin: {e}")))?;
        text.lines().next().unwrap_or_default().trim().to_string()
    } else {
        if !io::stdin().is_terminal() {
            return Err(CliError::usage(
                "no terminal to ask for the token on: stdin is not a terminal",
            )
            .with_hint("pipe it in with --token-stdin, such as `vpsorg context create prod --token-stdin < token.txt`"));
        }
        match rpassword::prompt_password("API token (not shown): ") {
            Ok(token) => token.trim().to_string(),
            // Ctrl-D at the prompt.
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => {
                tell("\n")?;
                return Err(CliError::Cancelled);
            }
            Err(error) => return Err(CliError::usage(format!("cannot read the token: {error}"))),
        }
    };
    if token.is_empty() {
        return Err(CliError::usage("the token is empty"));
    }
    Ok(Secret::new(token))
}

/// Writes to the terminal itself where there is one, else to stderr: where questions go.
fn tell(text: &str) -> Result<(), CliError> {
    let open = || -> Box<dyn Write> {
        #[cfg(unix)]
        if let Ok(tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
            return Box::new(tty);
        }
        Box::new(io::stderr())
    };
    let mut terminal = open();
    terminal
        .write_all(text.as_bytes())
        .and_then(|()| terminal.flush())
        .map_err(|e| CliError::usage(format!("cannot ask on the terminal: {e}")))
}
