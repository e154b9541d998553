//! The benchmarks: what each measures and the goals it is judged by, defined once, in
//! `benchmarks.toml` (this crate's); `BENCHMARKS.md` is written from it and a run's results.

use std::sync::LazyLock;

#[derive(Debug, serde::Deserialize)]
pub(crate) struct Benchmark {
    pub(crate) id: String,
    pub(crate) title: String,
    /// What is measured and how, in Markdown; the run's sizes follow it in the report.
    pub(crate) definition: String,
    pub(crate) goals: Vec<Goal>,
}

/// One line of the results table: what is measured, and its goal as the table shows it:
/// `≤ 1.05`, `≥ 20,000 req/s`, `≤ +10%` (a fraction), or `report it`.
pub(crate) type Goal = (String, String);

/// Whether `value` meets `goal`; `None` for a figure that is only reported.
pub(crate) fn met(goal: &str, value: f64) -> Option<bool> {
    let (sign, rest) = goal.split_once(' ')?;
    let number = rest.split_whitespace().next()?;
    let digits = number.chars().filter(|c| c.is_ascii_digit() || *c == '.');
    let limit = digits.collect::<String>().parse::<f64>().ok()?;
    let limit = limit / if number.ends_with('%') { 100.0 } else { 1.0 };
    match sign {
        "≤" => Some(value <= limit),
        "≥" => Some(value >= limit),
        _ => None,
    }
}

/// Every benchmark, in the report's order (B1 to B7).
pub(crate) static ALL: LazyLock<[Benchmark; 7]> = LazyLock::new(|| {
    #[derive(serde::Deserialize)]
    struct List {
        benchmark: [Benchmark; 7],
    }
    let list = toml::from_str::<List>(include_str!("../benchmarks.toml"));
    list.unwrap_or_else(|e| panic!("benchmarks.toml: {e}")).benchmark
});

#[cfg(test)]
#[path = "tests/list.rs"]
mod tests;
