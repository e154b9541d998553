//! What goes to stdout: tables for people, JSON and YAML for scripts.
//!
//! Each resource has one JSON shape, whichever command prints it (`BackupJson` here; the
//! delete, prune, restore and context shapes beside their commands). The shapes are the CLI's
//! own, not whatever the generated types serialize to: every field is always present, in the
//! vendor's order. A list is written as it arrives, so memory stays flat at any length; a
//! table's columns are sized by its first page.

use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
use vpsorg_backups::{Backup, BackupType};

use crate::cli::{BackupOutputArgs, Column, OutputFormat};
use crate::error::CliError;
use crate::text::clean;

/// The format to print in: what was asked for, else a table on a terminal and JSON in a pipe.
pub(crate) fn resolve(requested: Option<OutputFormat>) -> OutputFormat {
    requested.unwrap_or(if io::stdout().is_terminal() {
        OutputFormat::Table
    } else {
        OutputFormat::Json
    })
}

/// Buffered stdout. Dropping it flushes what was written, so a list cut short by an error
/// still shows what came before the error.
pub(crate) fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::new(io::stdout().lock())
}

/// stdout for a command that acts as it prints (`delete`, `prune`): once a write fails (the
/// reader has gone, `| head -1`; a full disk), the rest of the output is dropped and the
/// command goes on acting, so that no requested deletion is skipped for want of a reader.
/// [`KeepGoing::finish`] hands back the write error for the command to weigh against its
/// own failures.
pub(crate) struct KeepGoing {
    /// `None` once a write failed.
    out: Option<BufWriter<StdoutLock<'static>>>,
    failed: Option<io::Error>,
}

impl KeepGoing {
    pub(crate) fn new() -> Self {
        KeepGoing { out: Some(stdout()), failed: None }
    }

    /// Flushes, and gives the first write error, if there was one.
    pub(crate) fn finish(mut self) -> Result<(), CliError> {
        let _ = Write::flush(&mut self);
        self.failed.take().map_or(Ok(()), |error| Err(error.into()))
    }

    /// Writes a line and flushes it: a reader follows along as the command acts.
    pub(crate) fn line(&mut self, line: impl std::fmt::Display) {
        self.attempt(|out| writeln!(out, "{line}").and_then(|()| out.flush()));
    }

    fn attempt(
        &mut self,
        write: impl FnOnce(&mut BufWriter<StdoutLock<'static>>) -> io::Result<()>,
    ) {
        if let Some(out) = self.out.as_mut()
            && let Err(error) = write(out)
        {
            self.failed = Some(error);
            // Without flushing what is buffered: nothing more is written.
            drop(self.out.take().map(BufWriter::into_parts));
        }
    }
}

impl Write for KeepGoing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.attempt(|out| out.write_all(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.attempt(|out| out.flush());
        Ok(())
    }
}

/// Writes one value as pretty JSON or YAML, with a final newline.
pub(crate) fn write_data(
    out: &mut impl Write,
    format: OutputFormat,
    value: &impl Serialize,
) -> Result<(), CliError> {
    match format {
        OutputFormat::Yaml => {
            let text =
                serde_yaml_ng::to_string(value).map_err(|e| CliError::Io(io::Error::other(e)))?;
            out.write_all(text.as_bytes())?;
        }
        _ => {
            serde_json::to_writer_pretty(&mut *out, value)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// The CLI's JSON for a backup: the API's wire format with every field always present (null
/// when unknown), in the vendor's order.
#[derive(Debug, Serialize)]
pub(crate) struct BackupJson<'a> {
    id: i64,
    server: ServerJson<'a>,
    backup_type: &'a str,
    status: &'a str,
    size_mb: Option<i64>,
    created_at: String,
    expires_at: Option<String>,
    description: &'a str,
}

#[derive(Debug, Serialize)]
pub(crate) struct ServerJson<'a> {
    pub(crate) id: i64,
    pub(crate) name: &'a str,
}

impl<'a> From<&'a Backup> for BackupJson<'a> {
    fn from(backup: &'a Backup) -> Self {
        BackupJson {
            id: backup.id,
            server: ServerJson { id: backup.server.id, name: &backup.server.name },
            backup_type: backup.backup_type.as_str(),
            status: backup.status.as_str(),
            size_mb: backup.size_mb,
            created_at: rfc3339(&backup.created_at),
            expires_at: backup.expires_at.as_ref().map(rfc3339),
            description: &backup.description,
        }
    }
}

pub(crate) fn rfc3339(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[derive(Debug, Clone)]
pub(crate) struct BackupView {
    format: OutputFormat,
    columns: Vec<Column>,
    header: bool,
}

impl BackupView {
    /// `--columns` and `--no-header` shape tables, so they ask for one when `-o` does not say.
    pub(crate) fn new(args: &BackupOutputArgs) -> Result<Self, CliError> {
        let table_options = !args.columns.is_empty() || args.no_header;
        let format = match args.format.format {
            Some(format @ (OutputFormat::Json | OutputFormat::Yaml)) if table_options => {
                let name = if format == OutputFormat::Json { "json" } else { "yaml" };
                return Err(CliError::usage(format!(
                    "--columns and --no-header shape tables; -o {name} always has every field"
                ))
                .with_hint("filter JSON with jq, such as `jq '.[] | {id, status}'`"));
            }
            Some(format) => format,
            None if table_options => OutputFormat::Table,
            None => resolve(None),
        };
        let columns =
            if args.columns.is_empty() { Column::DEFAULT.to_vec() } else { args.columns.clone() };
        Ok(BackupView { format, columns, header: !args.no_header })
    }

    pub(crate) fn print_one(&self, backup: &Backup) -> Result<(), CliError> {
        let mut list = self.list();
        match self.format {
            // One backup is an object, not a list of one.
            OutputFormat::Json | OutputFormat::Yaml => {
                write_data(&mut list.out, self.format, &BackupJson::from(backup))?;
                list.out.flush()?;
                Ok(())
            }
            OutputFormat::Table => {
                list.push(backup)?;
                list.finish()
            }
        }
    }

    pub(crate) fn list(&self) -> BackupList {
        let header: Vec<&str> = self.columns.iter().map(|c| column_title(*c)).collect();
        let mut table = TextTable::new(&header);
        for (i, column) in self.columns.iter().enumerate() {
            match column {
                Column::Id | Column::Server | Column::Size => table.right.push(i),
                Column::Description => table.flexible = Some(i),
                _ => {}
            }
        }
        BackupList { view: self.clone(), out: stdout(), written: 0, table }
    }
}

/// Backups being printed: JSON as a streamed array, YAML as a streamed sequence, a table
/// whose columns are sized by its first page of rows, then printed row by row.
pub(crate) struct BackupList {
    view: BackupView,
    out: BufWriter<StdoutLock<'static>>,
    /// How many backups were pushed.
    pub(crate) written: u64,
    /// The table's layout, and its first rows until they are printed.
    table: TextTable,
}

/// Rows that size a streamed table's columns: one page of the API's.
const SIZING_ROWS: usize = vpsorg_backups::MAX_PAGE_SIZE as usize;

impl BackupList {
    pub(crate) fn push(&mut self, backup: &Backup) -> Result<(), CliError> {
        match self.view.format {
            OutputFormat::Json => {
                // What `to_writer_pretty` writes for a whole array, one element at a time.
                let element = serde_json::to_string_pretty(&BackupJson::from(backup))?;
                let separator = if self.written == 0 { "[\n" } else { ",\n" };
                self.out.write_all(separator.as_bytes())?;
                self.out.write_all(indent(&element, "  ").as_bytes())?;
            }
            OutputFormat::Yaml => {
                write_data(&mut self.out, self.view.format, &[BackupJson::from(backup)])?
            }
            OutputFormat::Table => {
                self.table.rows.push(backup_row(backup, &self.view.columns));
                if self.table.widths.is_some() || self.table.rows.len() >= SIZING_ROWS {
                    self.print_rows()?;
                }
            }
        }
        self.written += 1;
        Ok(())
    }

    /// Prints the rows held; the first time, sized by them and after the header.
    fn print_rows(&mut self) -> Result<(), CliError> {
        let sizing = self.table.widths.is_none();
        // Once sized, the table keeps its widths whatever the width.
        let width = if sizing { row_width() } else { u16::MAX };
        writeln!(self.out, "{}", self.table.render(self.view.header, width))?;
        if sizing {
            // The first lines reach a reader (`| head -3`) before the rest of the list is read.
            self.out.flush()?;
        }
        Ok(())
    }

    /// Closes the array (or prints the rest of the table) and flushes.
    pub(crate) fn finish(mut self) -> Result<(), CliError> {
        match self.view.format {
            OutputFormat::Json | OutputFormat::Yaml if self.written == 0 => {
                self.out.write_all(b"[]\n")?
            }
            OutputFormat::Json => self.out.write_all(b"\n]\n")?,
            OutputFormat::Yaml => {}
            OutputFormat::Table if self.table.widths.is_none() => {
                if self.view.header || !self.table.rows.is_empty() {
                    self.print_rows()?;
                }
            }
            OutputFormat::Table => {}
        }
        self.out.flush()?;
        Ok(())
    }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines().map(|line| format!("{prefix}{line}")).collect::<Vec<_>>().join("\n")
}

fn column_title(column: Column) -> &'static str {
    match column {
        Column::Id => "ID",
        Column::Server => "SERVER",
        Column::ServerName => "SERVER NAME",
        Column::Type => "TYPE",
        Column::Status => "STATUS",
        Column::Size => "SIZE",
        Column::Created => "CREATED (UTC)",
        Column::Expires => "EXPIRES (UTC)",
        Column::Description => "DESCRIPTION",
    }
}

fn backup_row(backup: &Backup, columns: &[Column]) -> Vec<String> {
    columns
        .iter()
        .map(|column| match column {
            Column::Id => backup.id.to_string(),
            Column::Server => backup.server.id.to_string(),
            Column::ServerName => clean(&backup.server.name).into_owned(),
            Column::Type => clean(backup.backup_type.as_str()).into_owned(),
            Column::Status => clean(backup.status.as_str()).into_owned(),
            Column::Size => backup.size_mb.map_or_else(|| "-".to_string(), |mb| format!("{mb} MB")),
            Column::Created => minute(&backup.created_at),
            Column::Expires => match &backup.expires_at {
                Some(at) => minute(at),
                // The API keeps manual backups until they are deleted.
                None if backup.backup_type == BackupType::Manual => "never".to_string(),
                None => "-".to_string(),
            },
            Column::Description => clean(&backup.description).into_owned(),
        })
        .collect()
}

pub(crate) fn minute(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

/// Aligned columns without borders, as `ls -l` or `kubectl get` print them. At most one
/// column is flexible: it is shortened (with `…`) so that each row fits the terminal's width
/// on one line; the others keep their whole content.
pub(crate) struct TextTable {
    header: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
    pub(crate) flexible: Option<usize>,
    /// The columns aligned right, as numbers are.
    pub(crate) right: Vec<usize>,
    /// The columns' widths, once rows were rendered: a streamed table's later rows keep them.
    widths: Option<Vec<usize>>,
}

const GAP: usize = 2;

impl TextTable {
    pub(crate) fn new(header: &[&str]) -> Self {
        TextTable {
            header: header.iter().map(|title| title.to_string()).collect(),
            rows: Vec::new(),
            flexible: None,
            right: Vec::new(),
            widths: None,
        }
    }

    /// The rows held, then forgotten, as lines without trailing spaces (they only get in the
    /// way of people copying). The first call sizes the columns, at most `width` wide where
    /// the flexible column can make it so, and starts with the header if `header`; later
    /// calls keep those widths.
    pub(crate) fn render(&mut self, header: bool, width: u16) -> String {
        let titles = (header && self.widths.is_none()).then(|| self.header.clone());
        let mut widths = self.widths.take().unwrap_or_else(|| self.measure(header, width.into()));
        let rows = std::mem::take(&mut self.rows);
        let lines: Vec<String> =
            titles.iter().chain(&rows).map(|row| self.line(row, &mut widths)).collect();
        self.widths = Some(widths);
        lines.join("\n")
    }

    /// Each column's width: its widest cell, the flexible column's shortened so that rows
    /// fit `width` (but never below its title's width: a table squeezed further wraps
    /// rather than loses every word).
    fn measure(&self, header: bool, width: usize) -> Vec<usize> {
        let columns = self.header.len();
        let mut widths = vec![0; columns];
        let titles = header.then_some(&self.header);
        for row in titles.into_iter().chain(&self.rows) {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.width());
            }
        }
        if let Some(flexible) = self.flexible {
            let others: usize = widths
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != flexible)
                .map(|(_, w)| w + GAP)
                .sum();
            let room = width.saturating_sub(others).max(self.header[flexible].width());
            widths[flexible] = widths[flexible].min(room);
        }
        widths
    }

    /// One row, its cells padded to `widths`, the flexible one shortened to its width. A
    /// later row with a wider cell (in a streamed table) widens its column from then on.
    fn line(&self, cells: &[String], widths: &mut [usize]) -> String {
        let mut line = String::new();
        for (i, width) in widths.iter_mut().enumerate() {
            let mut cell = cells.get(i).map_or("", String::as_str).to_string();
            if Some(i) == self.flexible {
                if cell.width() > *width {
                    cell = shorten(&cell, *width);
                }
            } else {
                *width = (*width).max(cell.width());
            }
            let pad = " ".repeat(width.saturating_sub(cell.width()));
            if i > 0 {
                line.push_str(&" ".repeat(GAP));
            }
            if self.right.contains(&i) {
                line.push_str(&pad);
                line.push_str(&cell);
            } else {
                line.push_str(&cell);
                line.push_str(&pad);
            }
        }
        line.trim_end().to_string()
    }
}

/// `text` cut to `columns` terminal columns, ending in `…`.
fn shorten(text: &str, columns: usize) -> String {
    let mut shortened = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        // Leave one column for the ellipsis.
        if used + w + 1 > columns {
            break;
        }
        shortened.push(c);
        used += w;
    }
    shortened.push('…');
    shortened
}

/// The width rows of a list fit: the terminal's, else `COLUMNS`; a file or a pipe gets
/// whole rows.
pub(crate) fn row_width() -> u16 {
    if let Some((terminal_size::Width(width), _)) = terminal_size::terminal_size_of(io::stdout()) {
        return width;
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.trim().parse().ok())
        .filter(|&width| width >= 20)
        .unwrap_or(u16::MAX)
}

/// The width the doctor's report fits: the terminal's, else `COLUMNS`, else 80.
pub(crate) fn table_width() -> u16 {
    match row_width() {
        u16::MAX => 80,
        width => width,
    }
}

/// The width of the terminal a question is answered on (stdin's: one can only be asked
/// when stdin is a terminal), else 80.
pub(crate) fn question_width() -> u16 {
    terminal_size::terminal_size_of(io::stdin()).map_or(80, |(width, _)| width.0)
}

#[cfg(test)]
#[path = "tests/output.rs"]
mod tests;
