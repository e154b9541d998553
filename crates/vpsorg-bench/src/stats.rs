//! Medians, minima and maxima of samples, and what this process and others cost.

use std::time::Duration;

use serde_json::{Value, json};

/// Summary of samples in some unit: `{"median", "min", "max", "n"}`.
pub(crate) fn summary(samples: &[f64]) -> Value {
    json!({
        "median": median(samples),
        "min": samples.iter().copied().fold(f64::INFINITY, f64::min),
        "max": samples.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        "n": samples.len(),
    })
}

/// The median (the mean of the middle two for an even count); NaN for no samples.
pub(crate) fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

pub(crate) fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

/// A field of `/proc/<pid>/status` in KiB (`VmHWM`, `VmRSS`), on Linux.
pub(crate) fn proc_status_kib(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

/// User plus system CPU time a process has used so far, in seconds, on Linux.
pub(crate) fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after it are plain numbers.
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux architecture Rust supports.
    Some(ticks as f64 / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
        let s = summary(&[5.0, 1.0, 9.0]);
        assert_eq!(
            (s["median"].as_f64(), s["min"].as_f64()),
            (Some(5.0), Some(1.0))
        );
        assert_eq!((s["max"].as_f64(), s["n"].as_u64()), (Some(9.0), Some(3)));
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn this_process_has_a_peak_rss_and_cpu_time() {
        assert!(proc_status_kib("self", "VmHWM").unwrap() > 0);
        assert!(cpu_seconds("self").is_some());
    }
}
