//! Man pages, made from the same clap tree as `--help` (clap_mangen): one page per command,
//! `vpsorg.1`, `vpsorg-backups.1`, `vpsorg-backups-list.1`, ... `vpsorg.1` also has the
//! exit codes (from [`Exit`]) and the environment (`--help`'s words). `cargo xtask man` runs
//! the hidden `vpsorg man-pages DIR`.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Cli, ENVIRONMENT};
use crate::error::CliError;
use crate::exit::Exit;

/// Writes every page into `dir`.
pub(crate) fn write_all(dir: &Path) -> Result<(), CliError> {
    let failed = |e: std::io::Error| {
        CliError::new(Exit::Local, format!("cannot write to {}: {e}", dir.display()))
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    // `vpsorg.1` gets these as sections of their own instead.
    let cmd = Cli::command().after_help(None::<&str>).after_long_help(None::<&str>);
    clap_mangen::generate_to(cmd, dir).map_err(failed)?;
    let top = std::fs::OpenOptions::new().append(true).open(dir.join("vpsorg.1"));
    top.and_then(|mut top| top.write_all(top_sections().as_bytes())).map_err(failed)
}

/// `vpsorg.1`'s own sections: `EXIT STATUS`, from [`Exit`], and `ENVIRONMENT`, the words of
/// `vpsorg --help` as they are laid out there.
fn top_sections() -> String {
    let mut roff = String::from(".SH \"EXIT STATUS\"\n");
    for exit in Exit::ALL {
        roff.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", exit.code(), escape(exit.meaning())));
    }
    roff + &format!(".SH ENVIRONMENT\n.nf\n{}\n.fi\n", escape(ENVIRONMENT))
}

/// Text made safe for roff: backslashes and hyphens escaped, no line taken for a request.
fn escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) { format!("\\&{escaped}") } else { escaped }
}

#[cfg(test)]
#[path = "tests/man.rs"]
mod tests;
