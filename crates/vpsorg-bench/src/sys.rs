//! What the machine says about processes (Linux `/proc`), and the commands to run.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::Result;

/// `$CARGO` (set for processes cargo runs), or `cargo`.
pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// A binary of this workspace beside this one (`vpsorg`, `vpsorg-mock`).
pub(crate) fn beside(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let name = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    Ok(exe.parent().ok_or("no directory")?.join(name))
}

/// Runs a command to success, its output captured: how long it took, in seconds, and what
/// it printed.
pub(crate) fn run(command: &mut Command) -> Result<(f64, String)> {
    eprintln!("==> {command:?}");
    let started = Instant::now();
    let output = command.stdin(Stdio::null()).output()?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("{command:?} failed ({}): {stderr}", output.status).into());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok((seconds, stdout.into_owned()))
}

/// `program args` in `dir`, the arguments as one types them (none holds a space).
pub(crate) fn command(program: impl AsRef<OsStr>, args: &str, dir: &Path) -> Command {
    let mut command = Command::new(program);
    command.args(args.split_whitespace()).current_dir(dir);
    command
}

/// The value after `key:` in a `/proc` file (`/proc/cpuinfo`, `/proc/self/status`).
pub(crate) fn proc_field(file: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let line = text.lines().find_map(|line| line.strip_prefix(key)?.split_once(':'));
    Some(line?.1.trim().to_string())
}

/// Such a value in KiB (`VmHWM` of `/proc/<pid>/status`, `MemTotal` of `/proc/meminfo`).
pub(crate) fn proc_kib(file: &str, key: &str) -> Option<u64> {
    let value = proc_field(file, key)?;
    value.trim_end_matches("kB").trim().parse().ok()
}

/// Fields of `/proc/<pid>/stat` counted from 1, as the man page does, in seconds (USER_HZ is
/// 100 on every Linux architecture Rust supports).
fn stat_seconds(pid: &str, fields: [usize; 2]) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after its ')' start at 3.
    let rest: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |n: usize| rest.get(n - 3)?.parse::<f64>().ok();
    Some((ticks(fields[0])? + ticks(fields[1])?) / 100.0)
}

/// User plus system CPU time a process has used so far (utime, stime).
pub(crate) fn cpu_seconds(pid: &str) -> Option<f64> {
    stat_seconds(pid, [14, 15])
}

/// User plus system CPU time of this process's waited-for descendants (cutime, cstime).
pub(crate) fn children_cpu_seconds() -> Option<f64> {
    stat_seconds("self", [16, 17])
}

/// The 1, 5 and 15 minute load averages.
pub(crate) fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_else(|_| "unknown".into());
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

#[cfg(all(test, target_os = "linux"))]
#[path = "tests/sys.rs"]
mod tests;
