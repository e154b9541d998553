//! `cargo xtask man [--out-dir DIR]`: writes the `vpsorg` man pages (`vpsorg.1`,
//! `vpsorg-backups-list.1`, ...) into DIR, by default `<target>/man`.
//!
//! The pages are made by the CLI itself (`vpsorg man-pages DIR`, hidden, with clap_mangen)
//! from the clap tree `--help` comes from, so they cannot drift from it, and xtask does not
//! build the CLI's dependencies into itself. They are not checked in: their text is
//! `--help`'s, which the CLI's help snapshot already puts in front of reviewers; a second
//! copy would only double every diff. Packagers run this command, or the hidden one.

use std::path::PathBuf;
use xtask::Result;

pub(crate) fn run(out_dir: Option<&str>) -> Result<()> {
    let dir = match out_dir {
        Some(dir) => PathBuf::from(dir),
        None => xtask::target_dir()?.join("man"),
    };
    let run = ["run", "--locked", "--quiet", "--package", "vpsorg-cli", "--", "man-pages"];
    xtask::run(xtask::cargo().args(run).arg(&dir), "`vpsorg man-pages`")?;
    let mut pages: Vec<String> = std::fs::read_dir(&dir)?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".1"))
        .collect();
    pages.sort();
    eprintln!(
        "wrote {} man pages to {} ({}); try `man {}`",
        pages.len(),
        dir.display(),
        pages.join(" "),
        dir.join("vpsorg.1").display()
    );
    Ok(())
}
