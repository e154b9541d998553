//! The typed messages of a run: the job the orchestrator gives a measuring process, what each
//! benchmark reports, and summaries of samples.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// One measurement, in a process of its own: `vpsorg-bench measure '<Job as JSON>'`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Job {
    /// The fake server's base URL and token.
    pub(crate) url: String,
    pub(crate) token: String,
    #[serde(flatten)]
    pub(crate) bench: Measure,
}

/// What to measure, with its sizes (the fixed ones, such as page sizes, are the measuring
/// code's and come back in the results).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Measure {
    /// `only` runs one variant alone (`raw`, `generated`, `wrapper`), for a profiler.
    B1 {
        calls: usize,
        warmup: usize,
        #[serde(default)]
        only: Option<String>,
    },
    B2 {
        reps: usize,
        work_ms: u64,
    },
    /// One listing's peak memory: the wrapper's stream in this process (B3), or with `cli`,
    /// the `vpsorg` command in a child (B6).
    Peak {
        expect: u64,
        #[serde(default)]
        cli: Option<PathBuf>,
    },
    B5 {
        seconds: f64,
        warmup: f64,
        server_pid: u32,
    },
    B6 {
        cli: PathBuf,
        reps: usize,
    },
}

/// Median, minimum and maximum of some samples.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Summary {
    pub(crate) median: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) n: usize,
}

impl Summary {
    pub(crate) fn of(samples: &[f64]) -> Summary {
        let fold = |pick: fn(f64, f64) -> f64| samples.iter().copied().fold(f64::NAN, pick);
        let (min, max, n) = (fold(f64::min), fold(f64::max), samples.len());
        Summary {
            median: median(samples),
            min,
            max,
            n,
        }
    }
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

/// B1, per call in µs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct B1 {
    pub(crate) calls: usize,
    pub(crate) warmup: usize,
    pub(crate) page_size: u32,
    pub(crate) raw: Summary,
    pub(crate) generated: Summary,
    pub(crate) wrapper: Summary,
    /// Medians of the per-round ratios to raw.
    pub(crate) paired_generated_over_raw: f64,
    pub(crate) paired_wrapper_over_raw: f64,
}

/// B2, in seconds per listing.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct B2 {
    pub(crate) backups: u64,
    pub(crate) page_size: u32,
    pub(crate) pages: u64,
    pub(crate) reps: usize,
    pub(crate) concurrency: usize,
    pub(crate) work_ms: u64,
    /// The fake server's latency (the orchestrator's setting).
    #[serde(default)]
    pub(crate) latency_ms: u64,
    pub(crate) sequential: Summary,
    pub(crate) prefetch: Summary,
    pub(crate) concurrent: Summary,
    pub(crate) raw_sequential: Summary,
    pub(crate) sequential_with_work: Summary,
    pub(crate) prefetch_with_work: Summary,
}

/// One listing in a process of its own (B3, and B6's memory).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Peak {
    pub(crate) backups: u64,
    pub(crate) seconds: f64,
    pub(crate) peak_rss_kib: u64,
}

/// Listings of two sizes, alternating: `runs[i]` are those of `sizes[i]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Memory {
    pub(crate) sizes: [u64; 2],
    pub(crate) runs: [Vec<Peak>; 2],
}

/// B4, in seconds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct B4 {
    /// `cargo xtask codegen --check`, warm.
    pub(crate) check_s: Vec<f64>,
    /// The xtask binary alone, without cargo.
    pub(crate) binary_s: Vec<f64>,
    pub(crate) clean_build_s: Option<f64>,
    pub(crate) crate_build_s: Option<f64>,
}

/// B5: the load generator's settings and its runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct B5 {
    pub(crate) connections: usize,
    pub(crate) seconds: f64,
    pub(crate) warmup: f64,
    pub(crate) runs: Vec<B5Run>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct B5Run {
    pub(crate) seconds: f64,
    pub(crate) requests: u64,
    pub(crate) not_ok: u64,
    pub(crate) connection_failures: usize,
    pub(crate) client_cpu_seconds: Option<f64>,
    pub(crate) server_cpu_seconds: Option<f64>,
}

/// B6, in seconds per listing, and the command's memory.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct B6 {
    pub(crate) backups: u64,
    pub(crate) reps: usize,
    #[serde(default)]
    pub(crate) latency_ms: u64,
    pub(crate) cli: Summary,
    pub(crate) sequential: Summary,
    #[serde(default)]
    pub(crate) memory: Memory,
}

/// B7: the packages in each variant's `cargo tree` (baseline, then with us), and cold builds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct B7 {
    pub(crate) tree: [Vec<String>; 2],
    pub(crate) runs: Vec<B7Run>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct B7Run {
    /// Whether this build was the one with `vpsorg-backups`.
    pub(crate) sdk: bool,
    pub(crate) seconds: f64,
    pub(crate) cpu_seconds: Option<f64>,
    /// The packages it compiled, as `name version`.
    pub(crate) compiled: Vec<String>,
    pub(crate) load_at_start: String,
}

/// A run's results; a partial run (`VPSORG_BENCH_ONLY`) has some.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Results {
    pub(crate) b1: Option<B1>,
    pub(crate) b2: Option<B2>,
    pub(crate) b3: Option<Memory>,
    pub(crate) b4: Option<B4>,
    pub(crate) b5: Option<B5>,
    pub(crate) b6: Option<B6>,
    pub(crate) b7: Option<B7>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
        let s = Summary::of(&[5.0, 1.0, 9.0]);
        assert_eq!((s.median, s.min, s.max, s.n), (5.0, 1.0, 9.0, 3));
    }

    /// The job a measuring process is given reads as the JSON a person would type.
    #[test]
    fn jobs_read_from_json_with_defaults() {
        let job =
            r#"{"url": "http://127.0.0.1:1", "token": "t", "b1": {"calls": 12, "warmup": 1}}"#;
        let job: Job = serde_json::from_str(job).unwrap();
        assert_eq!(job.url, "http://127.0.0.1:1");
        assert!(matches!(
            job.bench,
            Measure::B1 {
                calls: 12,
                only: None,
                ..
            }
        ));
        assert!(serde_json::from_str::<Job>(r#"{"url": "u", "token": "t"}"#).is_err());
        assert!(serde_json::from_str::<Job>(r#"{"url": "u", "token": "t", "b9": {}}"#).is_err());
    }
}
