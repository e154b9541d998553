//! How results look: a table for people, JSON for scripts, and progress on stderr.

use std::borrow::Cow;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use comfy_table::{Cell, CellAlignment, Table, presets};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use vpsorg_backups::{Backup, BackupType};

use crate::cli::OutputFormat;

/// The format to print in: what was asked for, else a table on a terminal and JSON in a pipe.
pub(crate) fn resolve(requested: Option<OutputFormat>) -> OutputFormat {
    requested.unwrap_or(if io::stdout().is_terminal() {
        OutputFormat::Table
    } else {
        OutputFormat::Json
    })
}

/// Prints backups to stdout in `format`.
pub(crate) fn print_backups(backups: &[Backup], format: OutputFormat) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match format {
        OutputFormat::Table => writeln!(out, "{}", backups_table(backups)),
        OutputFormat::Json => {
            let rows: Vec<BackupJson<'_>> = backups.iter().map(BackupJson::from).collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)
        }
    }
}

/// Prints one backup, with an optional message from the API (JSON gets it as `message`).
pub(crate) fn print_backup(
    backup: &Backup,
    message: Option<&str>,
    format: OutputFormat,
) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match format {
        OutputFormat::Table => {
            writeln!(out, "{}", backups_table(std::slice::from_ref(backup)))?;
            if let Some(message) = message {
                writeln!(out, "{}", clean(message))?;
            }
            Ok(())
        }
        OutputFormat::Json => {
            #[derive(Serialize)]
            struct WithMessage<'a> {
                #[serde(flatten)]
                backup: BackupJson<'a>,
                #[serde(skip_serializing_if = "Option::is_none")]
                message: Option<&'a str>,
            }
            let row = WithMessage {
                backup: BackupJson::from(backup),
                message,
            };
            serde_json::to_writer_pretty(&mut out, &row)?;
            writeln!(out)
        }
    }
}

/// The CLI's JSON for a backup: the API's wire format with every field always present (null
/// when unknown), in the vendor's order, so scripts can rely on it whatever the generator does.
#[derive(Serialize)]
struct BackupJson<'a> {
    id: i64,
    server: ServerJson<'a>,
    backup_type: &'a str,
    status: &'a str,
    size_mb: Option<i64>,
    created_at: String,
    expires_at: Option<String>,
    description: &'a str,
}

#[derive(Serialize)]
struct ServerJson<'a> {
    id: i64,
    name: &'a str,
}

impl<'a> From<&'a Backup> for BackupJson<'a> {
    fn from(backup: &'a Backup) -> Self {
        let rfc3339 = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        BackupJson {
            id: backup.id,
            server: ServerJson {
                id: backup.server.id,
                name: &backup.server.name,
            },
            backup_type: backup.backup_type.as_str(),
            status: backup.status.as_str(),
            size_mb: backup.size_mb,
            created_at: rfc3339(&backup.created_at),
            expires_at: backup.expires_at.as_ref().map(rfc3339),
            description: &backup.description,
        }
    }
}

/// The column layout people read: one backup a row, newest first.
pub(crate) fn backups_table(backups: &[Backup]) -> String {
    if backups.is_empty() {
        return "No backups.".to_string();
    }
    let mut table = Table::new();
    table.load_style(presets::NOTHING).set_header(
        [
            "ID",
            "SERVER",
            "TYPE",
            "STATUS",
            "SIZE",
            "CREATED",
            "EXPIRES",
            "DESCRIPTION",
        ]
        .map(Cell::new),
    );
    for backup in backups {
        let size = backup
            .size_mb
            .map_or_else(|| "-".to_string(), |mb| format!("{mb} MB"));
        let expires = match (&backup.expires_at, &backup.backup_type) {
            (Some(at), _) => minute(at),
            (None, BackupType::Manual) => "never".to_string(),
            (None, _) => "-".to_string(),
        };
        table.add_row(vec![
            Cell::new(backup.id).set_alignment(CellAlignment::Right),
            Cell::new(format!(
                "{} ({})",
                clean(&backup.server.name),
                backup.server.id
            )),
            Cell::new(clean(backup.backup_type.as_str())),
            Cell::new(clean(backup.status.as_str())),
            Cell::new(size).set_alignment(CellAlignment::Right),
            Cell::new(minute(&backup.created_at)),
            Cell::new(expires),
            Cell::new(shorten(&backup.description, 40)),
        ]);
    }
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
    // The last column is padded too; trailing spaces only get in the way of people copying.
    table
        .lines()
        .map(|line| line.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn minute(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn shorten(text: &str, max_chars: usize) -> String {
    let text = clean(text);
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.into_owned(),
    }
}

/// Server text made safe for a terminal: control characters (escape sequences, newlines)
/// become spaces, so an API or a proxy cannot move the cursor, recolour or forge lines.
/// JSON output needs none of this: serde_json escapes control characters.
pub(crate) fn clean(text: &str) -> Cow<'_, str> {
    if text.chars().any(char::is_control) {
        Cow::Owned(
            text.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// A spinner on stderr, or nothing when stderr is not a terminal or `--quiet` was given.
pub(crate) fn spinner(quiet: bool) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .expect("the template is valid")
            .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "),
    );
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(clean("web-01"), "web-01");
        assert!(matches!(clean("web-01"), Cow::Borrowed(_)));
        assert_eq!(clean("evil\u{1b}[2J\nline\u{7}"), "evil [2J line ");
        assert_eq!(shorten("a\u{1b}]0;title\u{7}", 40), "a ]0;title ");
    }

    #[test]
    fn long_descriptions_are_shortened_on_a_char_boundary() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "abc…");
        assert_eq!(shorten("ääää", 2), "ää…");
    }
}
