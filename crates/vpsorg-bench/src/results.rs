//! The typed messages of a run: the job the orchestrator gives a measuring process, what each
//! benchmark reports, and summaries of samples.

use serde::{Deserialize, Serialize};

/// One measurement, in a process of its own: `vpsorg-bench measure '<Job as JSON>'`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Job {
    /// The fake server's base URL and token.
    pub(crate) url: String,
    pub(crate) token: String,
    /// The sizes: [`QUICK`] or [`FULL`].
    #[serde(default)]
    pub(crate) quick: bool,
    pub(crate) measure: Measure,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Measure {
    /// `only` runs one variant alone (`raw`, `generated`, `wrapper`), for a profiler.
    B1 {
        only: Option<String>,
    },
    #[default]
    B2,
    /// One listing of `expect` backups, and its peak memory: the wrapper's stream in this
    /// process (B3), or with `cli`, the `vpsorg` command in a child (B6).
    Peak {
        expect: u64,
        cli: bool,
    },
    B5 {
        server_pid: u32,
    },
    B6,
}

/// The sizes of a run, in one table: [`FULL`], or [`QUICK`], tiny ones that only prove the
/// harness works.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sizes {
    /// B2's and B6's list, the fake server's latency, and the timed runs of B2, B4 and B6.
    pub(crate) backups: u64,
    pub(crate) latency_ms: u64,
    pub(crate) reps: usize,
    /// What B2's caller spends per page, in its last two variants.
    pub(crate) work_ms: u64,
    pub(crate) page_size: u32,
    pub(crate) concurrency: usize,
    pub(crate) b1_calls: usize,
    pub(crate) b1_warmup: usize,
    pub(crate) b1_page_size: u32,
    /// B3's and B6's two list sizes, and the runs of each (and of B5).
    pub(crate) memory: [u64; 2],
    pub(crate) runs: usize,
    pub(crate) connections: usize,
    pub(crate) b5_seconds: f64,
    pub(crate) b5_warmup: f64,
    /// B7's cold builds of each crate (none: only `cargo tree`).
    pub(crate) b7_builds: usize,
}

pub(crate) const FULL: Sizes = Sizes {
    backups: 10_000,
    latency_ms: 20,
    reps: 5,
    work_ms: 10,
    page_size: 100,
    concurrency: 8,
    b1_calls: 2_000,
    b1_warmup: 200,
    b1_page_size: 20,
    memory: [10_000, 100_000],
    runs: 3,
    connections: 64,
    b5_seconds: 5.0,
    b5_warmup: 1.0,
    b7_builds: 3,
};

pub(crate) const QUICK: Sizes = Sizes {
    backups: 500,
    latency_ms: 5,
    reps: 1,
    work_ms: 2,
    b1_calls: 100,
    b1_warmup: 10,
    memory: [500, 5_000],
    runs: 1,
    b5_seconds: 0.5,
    b5_warmup: 0.2,
    b7_builds: 0,
    ..FULL
};

impl Sizes {
    pub(crate) fn of(quick: bool) -> Sizes {
        if quick { QUICK } else { FULL }
    }
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
        Summary { median: median(samples), min, max, n }
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
    pub(crate) seconds: f64,
    pub(crate) peak_rss_kib: u64,
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

/// One run of B5's load generator.
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
    pub(crate) cli: Summary,
    pub(crate) sequential: Summary,
    /// Listings of the two [`Sizes::memory`], alternating: `memory[i]` are those of size `i`.
    #[serde(default)]
    pub(crate) memory: Memory,
}

/// One listing per process of each of the two [`Sizes::memory`] (B3, and B6's memory).
pub(crate) type Memory = [Vec<Peak>; 2];

/// B7: the packages in each variant's `cargo tree`, and pairs of cold builds made one after
/// the other; both baseline first, then with us.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct B7 {
    pub(crate) tree: [Vec<String>; 2],
    pub(crate) pairs: Vec<[Build; 2]>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Build {
    pub(crate) seconds: f64,
    pub(crate) cpu_seconds: Option<f64>,
    /// The packages it compiled, as `name version`.
    pub(crate) compiled: Vec<String>,
    pub(crate) load_at_start: String,
}

/// A run's results; a partial run (`VPSORG_BENCH_ONLY`) has some.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Results {
    pub(crate) quick: bool,
    pub(crate) b1: Option<B1>,
    pub(crate) b2: Option<B2>,
    pub(crate) b3: Option<Memory>,
    pub(crate) b4: Option<B4>,
    pub(crate) b5: Option<Vec<B5Run>>,
    pub(crate) b6: Option<B6>,
    pub(crate) b7: Option<B7>,
}

#[cfg(test)]
#[path = "tests/results.rs"]
mod tests;
