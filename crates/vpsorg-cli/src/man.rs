//! Man pages, made from the same clap tree as `--help` (clap_mangen): one page per command,
//! `vpsorg.1`, `vpsorg-backups.1`, `vpsorg-backups-list.1`, ... `vpsorg.1` also has the
//! exit codes (from [`Exit`]) and the environment (`--help`'s words). `cargo xtask man` runs
//! the hidden `vpsorg man-pages DIR`.

use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Cli, ENVIRONMENT};
use crate::error::CliError;
use crate::exit::Exit;

/// Every page, as (file name, roff text), in a stable order.
pub(crate) fn pages() -> Result<Vec<(String, String)>, CliError> {
    let mut cmd = Cli::command()
        .disable_help_subcommand(true)
        // `vpsorg.1` gets these as sections of their own instead.
        .after_help(None::<&str>)
        .after_long_help(None::<&str>);
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, &mut pages)?;
    if let Some((_, top)) = pages.first_mut() {
        top.push_str(&exit_status_section());
        top.push_str(&environment_section());
    }
    Ok(pages)
}

fn collect(cmd: &clap::Command, pages: &mut Vec<(String, String)>) -> Result<(), CliError> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut roff = Vec::new();
    man.render(&mut roff)
        .map_err(|e| CliError::usage(format!("cannot render the man page: {e}")))?;
    let text = String::from_utf8(roff)
        .map_err(|e| CliError::usage(format!("the man page is not UTF-8: {e}")))?;
    pages.push((man.get_filename(), text));
    for sub in cmd.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        collect(sub, pages)?;
    }
    Ok(())
}

/// The `EXIT STATUS` section, from [`Exit`].
fn exit_status_section() -> String {
    let mut roff = String::from(".SH \"EXIT STATUS\"\n");
    for exit in Exit::ALL {
        roff.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", exit.code(), escape(exit.meaning())));
    }
    roff
}

/// The `ENVIRONMENT` section: the words of `vpsorg --help`, as they are laid out there.
fn environment_section() -> String {
    format!(".SH ENVIRONMENT\n.nf\n{}\n.fi\n", escape(ENVIRONMENT))
}

/// Text made safe for roff: backslashes and hyphens escaped, no line taken for a request.
fn escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) { format!("\\&{escaped}") } else { escaped }
}

/// Writes every page into `dir`.
pub(crate) fn write_all(dir: &Path) -> Result<(), CliError> {
    let failed = |e: std::io::Error| {
        CliError::new(Exit::Local, format!("cannot write to {}: {e}", dir.display()))
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    for (name, text) in pages()? {
        std::fs::write(dir.join(&name), text).map_err(failed)?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "tests/man.rs"]
mod tests;
