//! `BENCHMARKS.md`, written from the list of benchmarks ([`crate::list`]) and a run's results.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::list::{self, Benchmark};
use crate::results::median;
use crate::results::{B1, B2, B4, B5Run, B6, B7, Build, Memory, Peak, Results, Sizes, Summary};
use crate::sys::{command, load_average, proc_field, proc_kib};

/// What a reader needs to know about the machine to weigh the numbers.
pub(crate) fn machine(root: &Path) -> Vec<(&'static str, String)> {
    let output = |program: &str, args: &str| {
        let out = command(program, args, root).output().ok().filter(|o| o.status.success());
        out.map_or("unknown".into(), |o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let memory = proc_kib("/proc/meminfo", "MemTotal");
    let memory =
        memory.map_or("unknown".into(), |kib| format!("{:.1} GiB", kib as f64 / 1048576.0));
    let os = std::fs::read_to_string("/proc/sys/kernel/osrelease");
    let os = os.map_or_else(|_| std::env::consts::OS.into(), |r| format!("Linux {}", r.trim()));
    let mut commit = output("git", "rev-parse --short HEAD");
    let dirty = output("git", "status --porcelain --untracked-files=no");
    if dirty.lines().any(|line| !line.ends_with("BENCHMARKS.md")) {
        commit.push_str(" (with uncommitted changes)");
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let cpu = proc_field("/proc/cpuinfo", "model name").unwrap_or("unknown".into());
    vec![
        ("CPU", cpu),
        ("cores", cores().to_string()),
        ("memory", memory),
        ("OS", os),
        ("rustc", output(&rustc, "-V")),
        ("commit", commit),
        ("load average (1, 5, 15 min) at start", load_average()),
    ]
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(0, usize::from)
}

/// An integer with thousands separators: 100,000.
pub(crate) fn thousands(n: f64) -> String {
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

/// A Markdown table: `head` and each row are cells joined by ` | `.
fn table(out: &mut String, head: &str, rows: impl IntoIterator<Item = String>) {
    let rule = vec!["---"; head.matches(" | ").count() + 1].join(" | ");
    for line in [head.to_string(), rule].into_iter().chain(rows) {
        let _ = writeln!(out, "| {line} |");
    }
}

/// `median unit | min unit | max unit`.
fn cells(s: &Summary, digits: usize, unit: &str) -> String {
    let [median, min, max] = [s.median, s.min, s.max].map(|v| format!("{v:.digits$} {unit}"));
    format!("{median} | {min} | {max}")
}

/// `a / b` to three places, then `(a unit vs b unit)`: a measured ratio as the table shows it.
fn ratio(a: f64, b: f64, digits: usize, unit: &str) -> Option<(f64, String)> {
    let r = a / b;
    Some((r, format!("{r:.3} ({a:.digits$} {unit} vs {b:.digits$} {unit})")))
}

/// One benchmark's measured values, one per goal of its list entry (`None`: not measured in
/// this run), and the text after its definition.
type Section = (Vec<Option<(f64, String)>>, String);

pub(crate) fn render(
    machine: &[(&str, String)],
    results: &Results,
    load_at_end: &str,
    took: Duration,
) -> String {
    let (quick, s) = (results.quick, &Sizes::of(results.quick));
    let (command, build) = match quick {
        true => ("cargo xtask bench --quick", "debug"),
        false => ("cargo xtask bench", "release"),
    };
    let tiny = " Tiny sizes, to keep the harness working: the numbers mean nothing.";
    let mut out = format!(
        "# Benchmarks\n\nWritten by `{command}` from the list of benchmarks in \
         `crates/vpsorg-bench/benchmarks.toml` and one run's results; do not edit by hand. Every \
         number below was measured in that run, against the fake server (`vpsorg-mock`, a \
         {build} build in a process of its own) on 127.0.0.1.{} Benchmarks are not tests: \
         nothing fails on these numbers.\n\n## Machine\n\n",
        if quick { tiny } else { "" }
    );
    let end = [
        ("load average at end", load_at_end.to_string()),
        ("command", format!("`{command}`")),
        ("whole run took", format!("{:.0} s", took.as_secs_f64())),
    ];
    let rows = machine.iter().chain(&end);
    table(&mut out, " | ", rows.map(|(n, v)| format!("{n} | {v}")));

    let sections = [
        results.b1.as_ref().map(|r| b1(r, s)),
        results.b2.as_ref().map(|r| b2(r, s)),
        results.b3.as_ref().map(|r| b3(r, s)),
        results.b4.as_ref().map(b4),
        results.b5.as_ref().map(|r| b5(r, s)),
        results.b6.as_ref().map(|r| b6(r, s, build)),
        results.b7.as_ref().map(b7),
    ];
    let sections: Vec<(&Benchmark, Section)> = (list::ALL.iter().zip(sections))
        .filter_map(|(bench, section)| Some((bench, section?)))
        .collect();
    out.push_str(
        "\n## Results\n\nMedians, with (min–max) where a benchmark was repeated; ratios come \
         from this run.\n\n",
    );
    let mut rows = Vec::new();
    for (bench, (measured, _)) in &sections {
        for ((what, goal), value) in bench.goals.iter().zip(measured) {
            let verdict = match (value.as_ref().map(|v| list::met(goal, v.0)), quick) {
                (None, _) => "not measured",
                (Some(None), _) => "reported",
                (Some(Some(_)), true) => "not judged (--quick)",
                (Some(Some(true)), false) => "**met**",
                (Some(Some(false)), false) => "**missed**",
            };
            let shown = value.as_ref().map_or("not measured in this run", |v| &v.1);
            rows.push(format!("{} | {what} | {shown} | {goal} | {verdict}", bench.id));
        }
    }
    table(&mut out, "id | what | measured | goal | verdict", rows);
    for (bench, (_, body)) in &sections {
        let (id, title, definition) = (&bench.id, &bench.title, &bench.definition);
        let _ = write!(out, "\n## {id}: {title}\n\n{definition}\n\n{body}");
    }
    out
}

fn b1(r: &B1, s: &Sizes) -> Section {
    let (calls, page_size, warmup) = (thousands(s.b1_calls as f64), s.b1_page_size, s.b1_warmup);
    let mut body = format!(
        "This run: {calls} calls of each, `page_size={page_size}`, after {warmup} warm-up \
         rounds.\n\n"
    );
    let rows = [
        ("raw", &r.raw, 1.0),
        ("generated", &r.generated, r.paired_generated_over_raw),
        ("wrapper", &r.wrapper, r.paired_wrapper_over_raw),
    ];
    let rows = rows.map(|(name, s, paired)| {
        let (cells, ratio) = (cells(s, 1, "µs"), s.median / r.raw.median);
        format!("{name} | {cells} | {ratio:.3} | {paired:.3}")
    });
    let head =
        "per call | median | min | max | ratio of medians to raw | median of per-round ratios";
    table(&mut body, head, rows);
    body.push_str(
        "\nThe maxima are scheduler noise on a shared machine; the medians are what the goals \
         judge.\n",
    );
    let vs = |s: &Summary| ratio(s.median, r.raw.median, 1, "µs");
    (vec![vs(&r.generated), vs(&r.wrapper)], body)
}

fn b2(r: &B2, s: &Sizes) -> Section {
    let pages_n = s.backups.div_ceil(s.page_size.into());
    let (pages, latency) = (pages_n as f64, s.latency_ms as f64 / 1000.0);
    let ideal = pages * latency;
    let [seq, conc, raw] = [&r.sequential, &r.concurrent, &r.raw_sequential].map(|s| s.median);
    let backups = thousands(s.backups as f64);
    let (page_size, latency_ms, reps) = (s.page_size, s.latency_ms, s.reps);
    let mut body = format!(
        "This run: {backups} backups, page size {page_size} ({pages_n} pages), {latency_ms} ms \
         latency, {reps} runs of each; the ideal is {ideal:.3} s.\n\n"
    );
    let work = |name: &str| format!("{name}, caller spends {} ms per page", s.work_ms);
    let rows = [
        ("sequential".to_string(), &r.sequential),
        ("prefetch".into(), &r.prefetch),
        (format!("concurrency({})", s.concurrency), &r.concurrent),
        ("raw sequential (reqwest by hand)".into(), &r.raw_sequential),
        (work("sequential"), &r.sequential_with_work),
        (work("prefetch"), &r.prefetch_with_work),
    ];
    let rows = rows.map(|(name, s)| {
        let (cells, to_ideal, to_seq) = (cells(s, 3, "s"), s.median / ideal, s.median / seq);
        format!("{name} | {cells} | {to_ideal:.3} | {to_seq:.3}")
    });
    let head = "variant | median | min | max | ÷ ideal | ÷ sequential";
    table(&mut body, head, rows);
    let after_first = pages_n.saturating_sub(1);
    let in_flight = (1.0 + (after_first as f64 / s.concurrency as f64).ceil()) * latency;
    let [beyond, by_hand, share] =
        [seq - ideal, raw - ideal, seq - raw].map(|t| t / pages * 1000.0);
    let (of_ideal, n) = ((seq - raw) / ideal * 100.0, s.concurrency);
    let _ = write!(
        body,
        "\nSequential spends {beyond:.2} ms per page beyond the latency (the hand-written loop: \
         {by_hand:.2} ms): the wrapper's own share is {share:.2} ms per page, {of_ideal:.1}% of \
         the ideal. With {n} pages in flight, the {after_first} pages after the first take about \
         ⌈{after_first}/{n}⌉ latencies: {in_flight:.3} s in all, against {conc:.3} s measured.\n",
    );
    let measured = vec![ratio(seq, ideal, 3, "s"), ratio(conc, seq, 3, "s")];
    (measured, body)
}

/// The memory table of B3 and B6, and the two sizes' median peaks in MiB.
fn memory(r: &Memory, s: &Sizes, body: &mut String) -> [f64; 2] {
    let _ = writeln!(body, "{} runs of each size.\n", r[0].len());
    let peaks = r.each_ref().map(|runs| {
        let of = |f: fn(&Peak) -> f64| runs.iter().map(f).collect::<Vec<_>>();
        (Summary::of(&of(|p| p.peak_rss_kib as f64 / 1024.0)), median(&of(|p| p.seconds)))
    });
    let rows = peaks.iter().zip(s.memory).map(|((peak, time), size)| {
        let (size, peak) = (thousands(size as f64), cells(peak, 1, "MiB"));
        format!("{size} | {peak} | {time:.2} s")
    });
    let head = "backups | peak RSS median | min | max | time (median)";
    table(body, head, rows);
    peaks.map(|(peak, _)| peak.median)
}

fn b3(r: &Memory, s: &Sizes) -> Section {
    let mut body = "This run: ".to_string();
    let [small, large] = memory(r, s, &mut body);
    let growth = large / small - 1.0;
    let shown = format!("{:+.1}% ({large:.1} MiB vs {small:.1} MiB)", growth * 100.0);
    (vec![Some((growth, shown))], body)
}

fn b4(r: &B4) -> Section {
    let check = Summary::of(&r.check_s);
    let check_shown = format!("{:.2} s ({:.2}–{:.2})", check.median, check.min, check.max);
    let mut body = format!(
        "This run: {} timed runs: {check_shown}; the xtask binary alone: {:.0} ms.\n\n",
        r.check_s.len(),
        median(&r.binary_s) * 1000.0
    );
    let clean = r.clean_build_s.zip(r.crate_build_s).map(|(clean, alone)| {
        let shown = format!("{clean:.0} s (the crate alone: {alone:.1} s)");
        let _ = writeln!(body, "The clean build took {shown}.");
        (clean, shown)
    });
    if clean.is_none() {
        body.push_str("The clean build is skipped in `--quick` mode (it takes minutes).\n");
    }
    (vec![Some((check.median, check_shown)), clean], body)
}

fn b5(runs: &[B5Run], s: &Sizes) -> Section {
    let rps = runs.iter().map(|run| run.requests as f64 / run.seconds);
    let rps = Summary::of(&rps.collect::<Vec<_>>());
    let sum = |f: fn(&B5Run) -> f64| runs.iter().map(f).sum::<f64>();
    let (requests, seconds) = (sum(|run| run.requests as f64), sum(|run| run.seconds));
    let server = sum(|run| run.server_cpu_seconds.unwrap_or(f64::NAN));
    let client = sum(|run| run.client_cpu_seconds.unwrap_or(f64::NAN));
    let (server_us, client_us) = (server / requests * 1e6, client / requests * 1e6);
    let cores = cores() as f64;
    let (connections, n, each, warmup) = (s.connections, runs.len(), s.b5_seconds, s.b5_warmup);
    let not_ok = sum(|run| run.not_ok as f64);
    let mut body = format!(
        "This run: {connections} connections, {n} runs of {each} s after {warmup} s of warm-up; \
         {not_ok} answers were not 200.\n\n"
    );
    let [median, min, max] = [rps.median, rps.min, rps.max].map(thousands);
    let head =
        "requests/s median | min | max | server CPU per request | load generator CPU per request";
    let row = format!("{median} | {min} | {max} | {server_us:.1} µs | {client_us:.1} µs");
    table(&mut body, head, [row]);
    let (server_cores, client_cores) = (server / seconds, client / seconds);
    let most = thousands(cores / (server_us / 1e6));
    let _ = writeln!(
        body,
        "\nDuring the runs the server used {server_cores:.2} cores and the load generator \
         {client_cores:.2} of the machine's {cores}; at {server_us:.1} µs of CPU per request, the \
         server alone on all {cores} cores could answer at most about {most} req/s."
    );
    let shown = format!("{median} req/s ({min}–{max})");
    (vec![Some((rps.median, shown))], body)
}

fn b6(r: &B6, s: &Sizes, build: &str) -> Section {
    let (backups, latency_ms, reps) = (thousands(s.backups as f64), s.latency_ms, s.reps);
    let mut body = format!(
        "This run: {backups} backups, {latency_ms} ms latency, {reps} runs of each, the {build} \
         build.\n\n"
    );
    let rows = [("vpsorg backups list", &r.cli), ("sequential loop", &r.sequential)];
    let rows = rows.map(|(name, s)| format!("{name} | {}", cells(s, 3, "s")));
    table(&mut body, " | median | min | max", rows);
    body.push_str("\nMemory: ");
    let [small, large] = memory(&r.memory, s, &mut body);
    let growth = large / small;
    let growth = Some((growth, format!("{growth:.3}× ({large:.1} MiB vs {small:.1} MiB)")));
    let cli = ratio(r.cli.median, r.sequential.median, 3, "s");
    (vec![cli, growth], body)
}

fn b7(r: &B7) -> Section {
    // Per variant, baseline first: the builds' wall and CPU times, the medians of the with /
    // without ratios of each pair (what drift in the machine's load between pairs cannot
    // move), and the packages compiled (without cold builds, those `cargo tree` lists).
    let keys: [fn(&Build) -> Option<f64>; 2] = [|b| Some(b.seconds), |b| b.cpu_seconds];
    let samples = |f: &dyn Fn(&[Build; 2]) -> Option<f64>| -> Vec<f64> {
        r.pairs.iter().filter_map(f).collect()
    };
    let [wall, cpu] = keys.map(|key| [0, 1].map(|i| Summary::of(&samples(&|p| key(&p[i])))));
    let paired = keys.map(|key| median(&samples(&|p| Some(key(&p[1])? / key(&p[0])?))));
    let built = r.pairs.first();
    let packages = built.map_or(r.tree.clone(), |p| p.each_ref().map(|b| b.compiled.clone()));
    // The SDK's extra packages, by name (the two binaries' own crates left out).
    let [baseline, sdk] = packages.each_ref().map(|list| {
        let names = list.iter().filter_map(|p| p.split(' ').next());
        names.filter(|name| !name.starts_with("b7-")).collect::<BTreeSet<_>>()
    });
    let extra: Vec<&str> = sdk.difference(&baseline).copied().collect();
    let [base_n, sdk_n, extra_n] = [packages[0].len(), packages[1].len(), extra.len()];
    let figures = [(&wall, paired[0]), (&cpu, paired[1])].map(|([without, with], paired)| {
        let (with, without) = (with.median, without.median);
        let ratio = with / without;
        let shown =
            format!("{ratio:.3} ({with:.1} s vs {without:.1} s; pairs' median {paired:.3})");
        built.is_some().then_some((ratio, shown))
    });
    let mut body = String::new();
    if let [Some((wall_ratio, _)), Some((cpu_ratio, _))] = &figures {
        let _ = writeln!(body, "This run: {} builds in all.\n", r.pairs.len() * 2);
        let rows = [(0, "baseline"), (1, "with `vpsorg-backups`")].map(|(i, name)| {
            let (wall, cpu, count) = (cells(&wall[i], 1, "s"), cpu[i].median, packages[i].len());
            format!("{name} | {wall} | {cpu:.1} s | {count}")
        });
        let head = "cold build | wall median | min | max | CPU median | crates compiled";
        table(&mut body, head, rows);
        body.push('\n');
        if (wall_ratio - cpu_ratio).abs() > 0.05 {
            body.push_str(
                "The two ratios differ because a cold build's wall time is its longest chain of \
                 dependent units (with rustls on aws-lc, the aws-lc-sys build script compiling C \
                 for over a minute, then rustls and reqwest), while its CPU time is all the work: \
                 how early that chain starts decides the wall time; `cargo build --timings` in \
                 either crate's directory shows it.\n",
            );
        }
        if packages != r.tree {
            body.push_str(
                "The builds compiled other crates than `cargo tree` lists; the table counts \
                 what was compiled.\n",
            );
        }
        body.push('\n');
    }
    let names = if extra.is_empty() { String::new() } else { format!(": {}", extra.join(", ")) };
    let _ = writeln!(
        body,
        "With `vpsorg-backups` a build compiles {sdk_n} crates, the baseline {base_n}, so \
         {extra_n} more{names}."
    );
    let from = if built.is_some() { "" } else { ", `cargo tree`" };
    let shown = format!("+{extra_n} ({sdk_n} vs {base_n}{from})");
    let crates = (base_n > 0 && sdk_n > 0).then_some((extra_n as f64, shown));
    let [wall, cpu] = figures;
    (vec![wall, cpu, crates], body)
}

#[cfg(test)]
#[path = "tests/report.rs"]
mod tests;
