//! The machine a run happened on, and `BENCHMARKS.md` written from a run's results.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::Plan;

/// What a reader needs to know about the machine to weigh the numbers.
#[derive(Debug)]
pub(crate) struct Machine {
    cpu: String,
    cores: usize,
    memory: String,
    os: String,
    rustc: String,
    commit: String,
    load_at_start: String,
}

impl Machine {
    pub(crate) fn describe() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
            .map_or_else(|| "unknown".into(), |(_, model)| model.trim().to_string());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or_else(
                || "unknown".into(),
                |kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0),
            );
        let os = std::fs::read_to_string("/proc/sys/kernel/osrelease").map_or_else(
            |_| std::env::consts::OS.into(),
            |r| format!("Linux {}", r.trim()),
        );
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
        let mut commit = output("git", &["rev-parse", "--short", "HEAD"]);
        let dirty = output("git", &["status", "--porcelain", "--untracked-files=no"]);
        if dirty.lines().any(|line| !line.ends_with("BENCHMARKS.md")) {
            commit.push_str(" (with uncommitted changes)");
        }
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(0, usize::from),
            memory,
            os,
            rustc: output(&rustc, &["-V"]),
            commit,
            load_at_start: load_average(),
        }
    }
}

fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .current_dir(crate::project_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "unknown".into(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_string(),
        )
}

/// The 1, 5 and 15 minute load averages.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

/// `{"median", "min", "max"}` of a benchmark's summary.
pub(super) struct Stat {
    pub(super) median: f64,
    pub(super) min: f64,
    pub(super) max: f64,
}

impl Stat {
    fn of(value: &Value) -> Stat {
        let get = |key: &str| value[key].as_f64().unwrap_or(f64::NAN);
        Stat {
            median: get("median"),
            min: get("min"),
            max: get("max"),
        }
    }

    pub(super) fn from_samples(samples: &[f64]) -> Stat {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = match n {
            0 => f64::NAN,
            _ if n % 2 == 1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        Stat {
            median,
            min: sorted.first().copied().unwrap_or(f64::NAN),
            max: sorted.last().copied().unwrap_or(f64::NAN),
        }
    }

    /// `median (min–max)` with `digits` decimals.
    fn show(&self, digits: usize, unit: &str) -> String {
        format!(
            "{:.digits$} {unit} ({:.digits$}–{:.digits$})",
            self.median, self.min, self.max
        )
    }
}

fn verdict(plan: &Plan, met: Option<bool>) -> &'static str {
    match (plan.quick, met) {
        (_, None) => "reported",
        (true, _) => "not judged (--quick)",
        (false, Some(true)) => "**met**",
        (false, Some(false)) => "**missed**",
    }
}

/// An integer with thousands separators: 100,000.
pub(super) fn thousands(n: f64) -> String {
    if !n.is_finite() {
        return n.to_string();
    }
    let digits = format!("{:.0}", n.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0.0 { format!("-{out}") } else { out }
}

/// How the text after a result's figures judges it.
pub(super) fn judged(plan: &Plan, met: bool) -> &'static str {
    match (plan.quick, met) {
        (true, _) => "is not judged in a quick run",
        (false, true) => "meets its goal",
        (false, false) => "misses its goal",
    }
}

fn judged_capitalised(plan: &Plan, met: bool) -> &'static str {
    match (plan.quick, met) {
        (true, _) => "Not judged in a quick run",
        (false, true) => "Meets its goal",
        (false, false) => "Misses its goal",
    }
}

/// A line of a Markdown table.
pub(super) fn row(out: &mut String, cells: &[&str]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

pub(crate) fn render(
    plan: &Plan,
    machine: &Machine,
    results: &Value,
    load_at_end: &str,
    took: Duration,
) -> String {
    let mut out = String::new();
    let command = if plan.quick {
        "cargo xtask bench --quick"
    } else {
        "cargo xtask bench"
    };
    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "Written by `{command}` ({}); do not edit by hand. Every number below was measured in \
         that one run, against the fake server (`vpsorg-mock`, a release build in a process of \
         its own) on 127.0.0.1. Benchmarks are not tests: nothing fails on these numbers. \
         How the harness works: `xtask/src/bench.rs` and `crates/vpsorg-bench`.\n",
        if plan.quick {
            "tiny sizes on a debug build, to keep the harness working; the numbers mean nothing"
        } else {
            "release builds"
        }
    );
    if plan.quick {
        out = out.replace("a release build", "a debug build");
    }

    let _ = writeln!(out, "## Machine\n");
    row(&mut out, &["", ""]);
    row(&mut out, &["---", "---"]);
    row(&mut out, &["CPU", &machine.cpu]);
    row(&mut out, &["cores", &machine.cores.to_string()]);
    row(&mut out, &["memory", &machine.memory]);
    row(&mut out, &["OS", &machine.os]);
    row(&mut out, &["rustc", &machine.rustc]);
    row(&mut out, &["commit", &machine.commit]);
    row(
        &mut out,
        &[
            "load average (1, 5, 15 min) at start",
            &machine.load_at_start,
        ],
    );
    row(&mut out, &["load average at end", load_at_end]);
    row(&mut out, &["command", &format!("`{command}`")]);
    row(
        &mut out,
        &["whole run took", &format!("{:.0} s", took.as_secs_f64())],
    );
    out.push('\n');

    // A partial run (VPSORG_BENCH_ONLY) has only some results.
    let all: [(&str, SectionFn); 7] = [
        ("b1", b1),
        ("b2", b2),
        ("b3", b3),
        ("b4", b4),
        ("b5", b5),
        ("b6", b6),
        ("b7", super::b7::section),
    ];
    let sections: Vec<Section> = all
        .iter()
        .filter(|(id, _)| !results[*id].is_null())
        .map(|(id, section)| section(plan, &results[*id]))
        .collect();

    let _ = writeln!(out, "## Results\n");
    let _ = writeln!(
        out,
        "Medians, with (min–max) where a benchmark was repeated; ratios come from this run.\n"
    );
    row(&mut out, &["id", "what", "measured", "goal", "verdict"]);
    row(&mut out, &["---", "---", "---", "---", "---"]);
    for section in &sections {
        for line in &section.rows {
            row(
                &mut out,
                &[
                    section.id,
                    &line.what,
                    &line.measured,
                    &line.goal,
                    verdict(plan, line.met),
                ],
            );
        }
    }
    out.push('\n');
    for section in &sections {
        let _ = writeln!(out, "## {}: {}\n", section.id, section.title);
        out.push_str(&section.body);
        out.push('\n');
    }
    out
}

/// Writes one benchmark's part of the report from its results.
type SectionFn = fn(&Plan, &Value) -> Section;

/// One benchmark's part of the report.
pub(super) struct Section {
    pub(super) id: &'static str,
    pub(super) title: &'static str,
    pub(super) rows: Vec<Row>,
    pub(super) body: String,
}

pub(super) struct Row {
    pub(super) what: String,
    pub(super) measured: String,
    pub(super) goal: String,
    /// `None` for a figure that is only reported.
    pub(super) met: Option<bool>,
}

fn b1(plan: &Plan, r: &Value) -> Section {
    let [raw, generated, wrapper] = ["raw", "generated", "wrapper"].map(|k| Stat::of(&r[k]));
    let ratio = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
    let (gen_ratio, wrap_ratio) = (ratio("generated_over_raw"), ratio("wrapper_over_raw"));
    let rows = vec![
        Row {
            what: "per-call overhead, generated / raw".into(),
            measured: format!(
                "{gen_ratio:.3} ({:.1} µs vs {:.1} µs)",
                generated.median, raw.median
            ),
            goal: "≤ 1.05".into(),
            met: Some(gen_ratio <= 1.05),
        },
        Row {
            what: "per-call overhead, wrapper / raw".into(),
            measured: format!(
                "{wrap_ratio:.3} ({:.1} µs vs {:.1} µs)",
                wrapper.median, raw.median
            ),
            goal: "≤ 1.10".into(),
            met: Some(wrap_ratio <= 1.10),
        },
    ];
    let mut body = String::new();
    let _ = writeln!(
        body,
        "{} sequential calls of each, `list` with `page_size={}` (a page of {} backups), after \
         {} warm-up rounds. Each round calls the three in a rotating order, each call timed on \
         its own, on one current-thread Tokio runtime; each client keeps one keep-alive \
         connection.\n\n\
         - **raw**: reqwest by hand with the same headers (`Authorization`, `User-Agent`, \
         `Accept`, `api-version`), `bytes()` then `serde_json::from_slice` into the same \
         `types::BackupList`;\n\
         - **generated**: `vpsorg_backups_client::Client::list_backups().page_size(..).send()` \
         on a reqwest client configured like the raw one;\n\
         - **wrapper**: `client.backups().list().page_size(..).send()`, retries off (their \
         bookkeeping still runs).\n",
        thousands(r["calls"].as_f64().unwrap_or(f64::NAN)),
        plan.b1_page_size,
        plan.b1_page_size,
        r["warmup"]
    );
    row(
        &mut body,
        &[
            "per call",
            "median",
            "min",
            "max",
            "ratio of medians to raw",
            "median of per-round ratios",
        ],
    );
    row(&mut body, &["---", "---", "---", "---", "---", "---"]);
    for (name, stat, ratio, paired) in [
        ("raw", &raw, 1.0, 1.0),
        (
            "generated",
            &generated,
            gen_ratio,
            r["paired_generated_over_raw"].as_f64().unwrap_or(f64::NAN),
        ),
        (
            "wrapper",
            &wrapper,
            wrap_ratio,
            r["paired_wrapper_over_raw"].as_f64().unwrap_or(f64::NAN),
        ),
    ] {
        row(
            &mut body,
            &[
                name,
                &format!("{:.1} µs", stat.median),
                &format!("{:.1} µs", stat.min),
                &format!("{:.1} µs", stat.max),
                &format!("{ratio:.3}"),
                &format!("{paired:.3}"),
            ],
        );
    }
    let _ = writeln!(
        body,
        "\nThe maxima are scheduler noise on a shared machine; the medians are what the goals \
         judge.\n\n\
         **generated / raw** {}. The generated call is the raw call plus building the \
         query from typed builder fields, a `HeaderMap` for `api-version`, progenitor's no-op \
         `pre`/`post` hooks, our response-head hook (a no-op outside the wrapper) and \
         `ResponseValue`'s copy of the response headers. {}\n\n\
         **wrapper / raw** {}. On top of the generated call, the wrapper runs its retry \
         loop (retries off still runs its bookkeeping), one `tracing` span per attempt \
         (disabled without a subscriber), `capture_response_head` (a task-local scope and a \
         copy of three response headers), and its reqwest client has a timeout, a connect \
         timeout and an origin-checking redirect policy that the raw client does not. {}\n\n\
         Where the time goes (profiled once with callgrind, `vpsorg-bench b1 --only raw`, \
         `--only generated` and `--only wrapper`, 1,000 calls each, and by running the \
         generated call on the wrapper's reqwest client): the generated call executes about \
         1% more instructions than the raw one and the wrapper about 4% more (some 14,000 \
         per call: moving its 6.6 kB future, a few allocations for the span's path, the \
         query and the captured head, the task-local scope, the retry loop's state). The wrapper's \
         reqwest configuration (timeouts, redirect policy) accounts for about 2 points of \
         the wall-time ratio, the wrapper's own layers for about 4. Most of a call is the \
         loopback round trip and decoding dates with chrono.\n",
        judged(plan, gen_ratio <= 1.05),
        if gen_ratio <= 1.05 {
            "What is left is about a microsecond of generated glue."
        } else {
            "On a quiet machine the generated glue costs about a microsecond; a miss here \
             means noise larger than that glue (compare the median of per-round ratios) or a \
             regression in the generated code, which `--only generated` under callgrind \
             attributes."
        },
        judged(plan, wrap_ratio <= 1.10),
        if wrap_ratio <= 1.10 {
            "The timeouts are deliberate: a call that can hang forever is not cheaper, only \
             unfinished."
        } else {
            "What would close the gap: fewer allocations per call (format the span's path \
             once per client, copy the response head only when the body fails to decode) \
             and a smaller future to move (box the generated call once)."
        },
    );
    Section {
        id: "B1",
        title: "per-call overhead",
        rows,
        body,
    }
}

fn b2(plan: &Plan, r: &Value) -> Section {
    let pages = r["pages"].as_f64().unwrap_or(f64::NAN);
    let latency_s = plan.b2_latency_ms as f64 / 1000.0;
    let ideal = pages * latency_s;
    let stat = |k: &str| Stat::of(&r[k]);
    let (sequential, prefetch, concurrent, raw) = (
        stat("sequential"),
        stat("prefetch"),
        stat("concurrent"),
        stat("raw_sequential"),
    );
    let seq_ratio = sequential.median / ideal;
    let conc_ratio = concurrent.median / sequential.median;
    let rows = vec![
        Row {
            what: format!(
                "list {} backups, page size {}, {} ms latency: sequential / ideal ({} pages × {} ms)",
                thousands(r["backups"].as_f64().unwrap_or(f64::NAN)),
                r["page_size"],
                plan.b2_latency_ms,
                pages,
                plan.b2_latency_ms
            ),
            measured: format!(
                "{seq_ratio:.3} ({:.3} s vs {ideal:.3} s)",
                sequential.median
            ),
            goal: "≤ 1.10".into(),
            met: Some(seq_ratio <= 1.10),
        },
        Row {
            what: format!("same, `.concurrency({})` / sequential", r["concurrency"]),
            measured: format!(
                "{conc_ratio:.3} ({:.3} s vs {:.3} s)",
                concurrent.median, sequential.median
            ),
            goal: "≤ 0.20".into(),
            met: Some(conc_ratio <= 0.20),
        },
    ];
    let mut body = String::new();
    let _ = writeln!(
        body,
        "{} backups, page size {} ({} pages); the fake server waits {} ms before every answer. \
         Each variant ran {} times, interleaved; every backup is dropped as it arrives. The \
         ideal is pages × latency = {ideal:.3} s.\n\n\
         - **sequential**: `.page(n).send()` in a loop, one page at a time;\n\
         - **prefetch**: the `.items()`/`.pages()` stream (default: requests the next page \
         while the caller works through the current one);\n\
         - **concurrent**: the stream with `.concurrency({})`;\n\
         - **raw sequential**: the same one-page-at-a-time loop hand-written with reqwest, for \
         reference.\n",
        thousands(r["backups"].as_f64().unwrap_or(f64::NAN)),
        r["page_size"],
        pages,
        plan.b2_latency_ms,
        r["reps"],
        r["concurrency"]
    );
    row(
        &mut body,
        &["variant", "median", "min", "max", "÷ ideal", "÷ sequential"],
    );
    row(&mut body, &["---", "---", "---", "---", "---", "---"]);
    let mut line = |name: &str, s: &Stat| {
        row(
            &mut body,
            &[
                name,
                &format!("{:.3} s", s.median),
                &format!("{:.3} s", s.min),
                &format!("{:.3} s", s.max),
                &format!("{:.3}", s.median / ideal),
                &format!("{:.3}", s.median / sequential.median),
            ],
        );
    };
    line("sequential", &sequential);
    line("prefetch", &prefetch);
    line(&format!("concurrency({})", r["concurrency"]), &concurrent);
    line("raw sequential (reqwest by hand)", &raw);
    let work = r["work_ms"].as_u64().unwrap_or(0);
    if work > 0 {
        let seq_work = stat("sequential_with_work");
        let pre_work = stat("prefetch_with_work");
        line(
            &format!("sequential, caller spends {work} ms per page"),
            &seq_work,
        );
        line(
            &format!("prefetch, caller spends {work} ms per page"),
            &pre_work,
        );
    }
    let per_page_ms = (sequential.median - ideal) / pages * 1000.0;
    let own_share = format!(
        "The wrapper's own share is its difference from the hand-written loop: {:.2} ms per \
         page, {:.1}% of the ideal.",
        (sequential.median - raw.median) / pages * 1000.0,
        (sequential.median - raw.median) / ideal * 100.0
    );
    let concurrency = r["concurrency"].as_f64().unwrap_or(f64::NAN);
    let concurrent_ideal = (1.0 + ((pages - 1.0) / concurrency).ceil()) * latency_s;
    let raw_per_page_ms = (raw.median - ideal) / pages * 1000.0;
    let _ = writeln!(
        body,
        "\nSequential spends {per_page_ms:.2} ms per page beyond the server's {} ms \
         (the hand-written loop: {raw_per_page_ms:.2} ms). The fake server sends each answer \
         {} ms after its request arrived, to within about 0.2 ms (it finishes the wait on a \
         precise sleep, since Tokio's millisecond timer wakes about 1 ms late); the rest is \
         the loopback round trip, decoding {} backups, and the time a loaded machine takes to \
         wake each thread involved. **sequential / ideal** {}. {}\n\n\
         **concurrent / sequential** {}: with {} pages in flight, the {} pages after the first \
         take about ⌈{}/{}⌉ latencies: {concurrent_ideal:.3} s in all, against {:.3} s \
         measured. {}\n\n\
         Prefetch matters when the caller does work per page: it overlaps that work with the \
         next request, so the listing takes about max(latency, work) per page instead of their \
         sum (the last two rows).\n",
        plan.b2_latency_ms,
        plan.b2_latency_ms,
        r["page_size"],
        judged(plan, seq_ratio <= 1.10),
        if seq_ratio <= 1.10 {
            own_share.as_str()
        } else if (sequential.median - raw.median) / ideal < 0.02 {
            "The hand-written loop misses it alike, so the gap is not the client's: on a \
             loaded machine, waking the server's and the client's threads for every page adds \
             up. A quieter machine closes it."
        } else {
            "The wrapper spends clearly more than the hand-written loop: profile the wrapper's \
             per-page work (callgrind on `vpsorg-bench b2`)."
        },
        judged(plan, conc_ratio <= 0.20),
        r["concurrency"],
        pages - 1.0,
        pages - 1.0,
        r["concurrency"],
        concurrent.median,
        if conc_ratio <= 0.20 {
            "More pages in flight would go further, up to the wrapper's cap of 16."
        } else {
            "Closing the gap takes more pages in flight; the first page must come alone, since \
             only its `count` tells how many pages there are."
        },
    );
    Section {
        id: "B2",
        title: "list everything",
        rows,
        body,
    }
}

fn b3(plan: &Plan, r: &Value) -> Section {
    let [small, large] = plan.b3_sizes;
    let peaks = |i: usize| -> Vec<f64> {
        r["runs"][i]
            .as_array()
            .map(|runs| {
                runs.iter()
                    .filter_map(|run| run["peak_rss_kib"].as_f64())
                    .map(|kib| kib / 1024.0)
                    .collect()
            })
            .unwrap_or_default()
    };
    let seconds = |i: usize| -> Vec<f64> {
        r["runs"][i]
            .as_array()
            .map(|runs| {
                runs.iter()
                    .filter_map(|run| run["seconds"].as_f64())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (small_peak, large_peak) = (Stat::from_samples(&peaks(0)), Stat::from_samples(&peaks(1)));
    let growth = large_peak.median / small_peak.median - 1.0;
    let rows = vec![Row {
        what: format!(
            "peak RSS streaming {} vs {} backups",
            thousands(large.into()),
            thousands(small.into())
        ),
        measured: format!(
            "{:+.1}% ({:.1} MiB vs {:.1} MiB)",
            growth * 100.0,
            large_peak.median,
            small_peak.median
        ),
        goal: "growth ≤ 10%".into(),
        met: Some(growth <= 0.10),
    }];
    let mut body = String::new();
    let _ = writeln!(
        body,
        "The client process alone (the fake server runs in its own process) streams every \
         backup with `.items()` (page size 100, default prefetch) and drops each; its peak \
         resident set is `VmHWM` from `/proc/self/status`, read at the end of a process that \
         listed once. Each size ran {} times, alternating.\n",
        plan.b3_reps
    );
    row(
        &mut body,
        &["backups", "peak RSS median", "min", "max", "time (median)"],
    );
    row(&mut body, &["---", "---", "---", "---", "---"]);
    for (i, (size, peak)) in [(small, &small_peak), (large, &large_peak)]
        .into_iter()
        .enumerate()
    {
        row(
            &mut body,
            &[
                &thousands(size.into()),
                &format!("{:.1} MiB", peak.median),
                &format!("{:.1} MiB", peak.min),
                &format!("{:.1} MiB", peak.max),
                &format!("{:.2} s", Stat::from_samples(&seconds(i)).median),
            ],
        );
    }
    let _ = writeln!(
        body,
        "\n**Growth** {}. {}\n",
        judged(plan, growth <= 0.10),
        if growth <= 0.10 {
            "The stream holds the page being read, the page being fetched and a bounded set \
             of 2,000 recently seen ids; ten times the backups is ten times the pages, not ten \
             times the memory."
        } else {
            "Something grows with the number of pages: look at what the stream keeps across \
             pages (the seen-id set is bounded at 2,000) and at the allocator's fragmentation."
        }
    );
    Section {
        id: "B3",
        title: "memory",
        rows,
        body,
    }
}

fn b4(plan: &Plan, r: &Value) -> Section {
    let checks: Vec<f64> = r["check_s"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    let check = Stat::from_samples(&checks);
    let in_process = r["check_in_process_s"].as_f64().unwrap_or(f64::NAN);
    let mut rows = vec![Row {
        what: "`cargo xtask codegen --check`, warm".into(),
        measured: check.show(2, "s"),
        goal: "≤ 1 s".into(),
        met: Some(check.median <= 1.0),
    }];
    let clean = r["clean_build_s"].as_f64();
    let alone = r["crate_build_s"].as_f64();
    if let (Some(clean), Some(alone)) = (clean, alone) {
        rows.push(Row {
            what: "clean debug build of `vpsorg-backups-client` (with its dependencies)".into(),
            measured: format!("{clean:.0} s (the crate alone: {alone:.1} s)"),
            goal: "report it".into(),
            met: None,
        });
    }
    let mut body = String::new();
    let _ = writeln!(
        body,
        "`cargo xtask codegen --check` as people type it, after one untimed warm-up run, {} \
         timed runs: {}. Of that, generating the client from the spec and comparing it with \
         the checked-in file takes {:.0} ms (timed inside the xtask); the rest is cargo's \
         start-up and freshness check of the xtask binary. **{}**.{}\n",
        plan.b4_check_runs,
        check.show(2, "s"),
        in_process * 1000.0,
        judged_capitalised(plan, check.median <= 1.0),
        if check.median <= 1.0 {
            ""
        } else {
            " Most of the time is cargo deciding the xtask is fresh; generation itself is the \
             in-process figure, and a prebuilt xtask binary would skip cargo's part."
        }
    );
    match (clean, alone) {
        (Some(clean), Some(alone)) => {
            let _ = writeln!(
                body,
                "A clean debug build (`cargo build --package vpsorg-backups-client` into an \
                 empty target directory) takes {clean:.0} s, almost all of it dependencies \
                 (reqwest, rustls with aws-lc, tokio, serde, schemars, chrono); rebuilding the \
                 client crate alone, the part codegen changes, takes {alone:.1} s. Build times \
                 on a loaded shared machine vary by tens of percent.\n"
            );
        }
        _ => {
            let _ = writeln!(
                body,
                "The clean build is skipped in `--quick` mode (it takes minutes).\n"
            );
        }
    }
    Section {
        id: "B4",
        title: "codegen",
        rows,
        body,
    }
}

fn b5(plan: &Plan, r: &Value) -> Section {
    let runs = r["runs"].as_array().cloned().unwrap_or_default();
    let field =
        |key: &str| -> Vec<f64> { runs.iter().filter_map(|run| run[key].as_f64()).collect() };
    let rps = Stat::from_samples(&field("requests_per_second"));
    let requests: f64 = field("requests").iter().sum();
    let server_cpu: f64 = field("server_cpu_seconds").iter().sum();
    let client_cpu: f64 = field("client_cpu_seconds").iter().sum();
    let not_ok: f64 = field("not_ok").iter().sum();
    let met = rps.median >= 20_000.0;
    let rows = vec![Row {
        what: format!(
            "fake server, small `list`, {} connections",
            plan.b5_connections
        ),
        measured: format!(
            "{} req/s ({}–{})",
            thousands(rps.median),
            thousands(rps.min),
            thousands(rps.max)
        ),
        goal: "≥ 20,000 req/s".into(),
        met: Some(met),
    }];
    let server_us = server_cpu / requests * 1e6;
    let client_us = client_cpu / requests * 1e6;
    let mut body = String::new();
    let _ = writeln!(
        body,
        "`GET /api/v1/backups/` on the vendor's example data (5 backups, about 1.5 kB of JSON) \
         over {} keep-alive connections, from a minimal HTTP/1.1 load generator in \
         `vpsorg-bench` (one thread; no URL or JSON parsing). {} runs of {} s after {} s of \
         warm-up, against one `vpsorg-mock` process (Tokio's default multi-thread runtime, \
         one worker per core). {} answers were not 200.\n",
        plan.b5_connections,
        runs.len(),
        plan.b5_seconds,
        plan.b5_warmup,
        not_ok
    );
    row(
        &mut body,
        &[
            "requests/s median",
            "min",
            "max",
            "server CPU per request",
            "load generator CPU per request",
        ],
    );
    row(&mut body, &["---", "---", "---", "---", "---"]);
    row(
        &mut body,
        &[
            &thousands(rps.median),
            &thousands(rps.min),
            &thousands(rps.max),
            &format!("{server_us:.1} µs"),
            &format!("{client_us:.1} µs"),
        ],
    );
    let cores = std::thread::available_parallelism().map_or(0, usize::from) as f64;
    let seconds: f64 = field("seconds").iter().sum();
    let (server_cores, client_cores) = (server_cpu / seconds, client_cpu / seconds);
    let _ = writeln!(
        body,
        "\nThe load generator shares the machine's {cores} cores with the server: during the \
         runs the server used {server_cores:.2} cores and the load generator \
         {client_cores:.2}; the other {:.2} went to other processes or stayed idle (see the \
         load average above). At {server_us:.1} µs of CPU per request, the server alone on \
         all {cores} cores could answer at most about {} req/s. **{}**. {}\n",
        (cores - server_cores - client_cores).max(0.0),
        thousands(cores / (server_us / 1e6)),
        judged_capitalised(plan, met),
        if met {
            "Beyond that, the server's per-request work (hyper's connection handling, \
             routing, the JSON body) is the limit, and on a quiet machine the idle share."
        } else if server_cores + client_cores < 0.75 * cores {
            "The server and the load generator together used well under the machine's cores: \
             other processes took the rest. A quieter machine closes the gap; the server's \
             CPU per request says what it could do."
        } else {
            "The server's CPU per request is the figure to bring down (hyper's connection \
             handling, routing, the JSON body, the request log)."
        }
    );
    Section {
        id: "B5",
        title: "fake server throughput",
        rows,
        body,
    }
}

fn b6(plan: &Plan, r: &Value) -> Section {
    let (cli, sequential) = (Stat::of(&r["cli"]), Stat::of(&r["sequential"]));
    let ratio = cli.median / sequential.median;
    let [small, large] = plan.b6_memory_sizes;
    let memory = |i: usize, key: &str, scale: f64| -> Stat {
        let samples: Vec<f64> = r["memory"]["runs"][i]
            .as_array()
            .map(|runs| {
                runs.iter()
                    .filter_map(|run| run[key].as_f64())
                    .map(|value| value / scale)
                    .collect()
            })
            .unwrap_or_default();
        Stat::from_samples(&samples)
    };
    let (small_peak, large_peak) = (
        memory(0, "peak_rss_kib", 1024.0),
        memory(1, "peak_rss_kib", 1024.0),
    );
    let growth = large_peak.median / small_peak.median;
    let backups = thousands(r["backups"].as_f64().unwrap_or(f64::NAN));
    let rows = vec![
        Row {
            what: format!(
                "`vpsorg backups list --server-id S -o json`, {backups} backups, {} ms latency: \
                 CLI / sequential page loop",
                plan.b6_latency_ms
            ),
            measured: format!(
                "{ratio:.3} ({:.3} s vs {:.3} s)",
                cli.median, sequential.median
            ),
            goal: "≤ 0.25".into(),
            met: Some(ratio <= 0.25),
        },
        Row {
            what: format!(
                "same, peak RSS of the command at {} vs {} backups",
                thousands(large.into()),
                thousands(small.into())
            ),
            measured: format!(
                "{growth:.3}× ({:.1} MiB vs {:.1} MiB)",
                large_peak.median, small_peak.median
            ),
            goal: "≤ 1.2×".into(),
            met: Some(growth <= 1.2),
        },
    ];
    let mut body = String::new();
    let _ = writeln!(
        body,
        "What an operator's script runs: `vpsorg backups list --server-id 10001 -o json` (the \
         {} build, a process of its own, started each time; its JSON read to the end) \
         against the same server's {backups} backups with {} ms latency on every page, side by \
         side with a sequential page-by-page loop (`.page(n).send()`, page size 100, in the \
         benchmark's process). {} runs of each, interleaved. The command fetches 8 pages at a \
         time and writes each backup as it arrives.\n",
        if plan.quick { "debug" } else { "release" },
        plan.b6_latency_ms,
        r["reps"]
    );
    row(&mut body, &["", "median", "min", "max"]);
    row(&mut body, &["---", "---", "---", "---"]);
    for (name, stat) in [
        ("vpsorg backups list", &cli),
        ("sequential loop", &sequential),
    ] {
        row(
            &mut body,
            &[
                name,
                &format!("{:.3} s", stat.median),
                &format!("{:.3} s", stat.min),
                &format!("{:.3} s", stat.max),
            ],
        );
    }
    let _ = writeln!(
        body,
        "\n**CLI / sequential** {}: {ratio:.3}.\n\n\
         Memory: the command's peak resident set (`ru_maxrss` of the benchmark's only child, \
         from `getrusage`), one listing per process, {} runs per size, alternating, against \
         fake servers without latency.\n",
        judged(plan, ratio <= 0.25),
        plan.b6_memory_reps
    );
    row(
        &mut body,
        &["backups", "peak RSS median", "min", "max", "time (median)"],
    );
    row(&mut body, &["---", "---", "---", "---", "---"]);
    for (i, (size, peak)) in [(small, &small_peak), (large, &large_peak)]
        .into_iter()
        .enumerate()
    {
        row(
            &mut body,
            &[
                &thousands(size.into()),
                &format!("{:.1} MiB", peak.median),
                &format!("{:.1} MiB", peak.min),
                &format!("{:.1} MiB", peak.max),
                &format!("{:.2} s", memory(i, "seconds", 1.0).median),
            ],
        );
    }
    let _ = writeln!(
        body,
        "\n**Growth** {}: {growth:.3}×. {}\n",
        judged(plan, growth <= 1.2),
        if growth <= 1.2 {
            "JSON is written backup by backup; the command holds at most the pages in flight."
        } else {
            "Something the command keeps grows with the list: JSON output must not collect the \
             backups first (only a table does)."
        }
    );
    Section {
        id: "B6",
        title: "list everything from the CLI",
        rows,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(100_000.0), "100,000");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
        assert_eq!(thousands(-20_000.0), "-20,000");
    }

    /// A report of a full run judges every goal, and a quick one none.
    #[test]
    fn reports_judge_full_runs_only() {
        let summary = |m: f64| serde_json::json!({"median": m, "min": m, "max": m, "n": 1});
        let results = serde_json::json!({
            "b1": {"calls": 2000, "warmup": 200, "raw": summary(100.0),
                   "generated": summary(102.0), "wrapper": summary(112.0),
                   "generated_over_raw": 1.02, "wrapper_over_raw": 1.12,
                   "paired_generated_over_raw": 1.02, "paired_wrapper_over_raw": 1.12},
            "b2": {"backups": 10000, "page_size": 100, "pages": 100, "reps": 5,
                   "concurrency": 8, "work_ms": 10, "sequential": summary(2.1),
                   "prefetch": summary(2.1), "concurrent": summary(0.3),
                   "raw_sequential": summary(2.1), "sequential_with_work": summary(3.2),
                   "prefetch_with_work": summary(2.1)},
            "b3": {"runs": [[{"peak_rss_kib": 7000, "seconds": 0.1}],
                            [{"peak_rss_kib": 7100, "seconds": 1.0}]]},
            "b4": {"check_in_process_s": 0.08, "check_s": [0.2, 0.3],
                   "clean_build_s": 100.0, "crate_build_s": 1.5},
            "b5": {"runs": [{"requests_per_second": 30000.0, "requests": 150000,
                             "seconds": 5.0, "server_cpu_seconds": 3.0,
                             "client_cpu_seconds": 1.5, "not_ok": 0}]},
            "b6": {"backups": 10000, "reps": 5, "cli": summary(0.4), "sequential": summary(2.1),
                   "memory": {"runs": [[{"peak_rss_kib": 9000, "seconds": 0.3}],
                                       [{"peak_rss_kib": 9500, "seconds": 2.0}]]}},
        });
        let machine = Machine::describe();
        let full = render(&Plan::full(), &machine, &results, "0 0 0", Duration::ZERO);
        for id in ["B1", "B2", "B3", "B4", "B5", "B6"] {
            assert!(full.contains(&format!("## {id}: ")), "{id}");
        }
        assert_eq!(full.matches("**met**").count(), 8, "{full}");
        assert!(
            full.contains("| 0.190 (0.400 s vs 2.100 s) | ≤ 0.25 | **met** |"),
            "{full}"
        );
        assert_eq!(full.matches("**missed**").count(), 1, "{full}");
        assert!(full.contains("| 1.120 (112.0 µs vs 100.0 µs) | ≤ 1.10 | **missed** |"));
        assert!(full.contains("| reported |"));
        let quick = render(&Plan::quick(), &machine, &results, "0 0 0", Duration::ZERO);
        assert!(!quick.contains("**met**") && !quick.contains("**missed**"));
        // A partial run reports what it ran, and nothing else.
        let partial = render(
            &Plan::full(),
            &machine,
            &serde_json::json!({"b6": results["b6"]}),
            "0 0 0",
            Duration::ZERO,
        );
        assert!(
            partial.contains("## B6: ") && !partial.contains("## B1: "),
            "{partial}"
        );
    }
}
