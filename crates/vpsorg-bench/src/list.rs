//! The benchmarks: what each measures and the goals it is judged by. This list is the one
//! place they are defined; `BENCHMARKS.md` is written from it and from a run's results.

/// One benchmark.
#[derive(Debug)]
pub(crate) struct Benchmark {
    pub(crate) id: &'static str,
    pub(crate) title: &'static str,
    /// What is measured and how, in Markdown; the run's sizes follow it in the report.
    pub(crate) definition: &'static str,
    pub(crate) goals: &'static [Goal],
}

/// One line of the results table: what is measured, and its goal as the table shows it:
/// `≤ 1.05`, `≥ 20,000 req/s`, `≤ +10%` (a fraction), or `report it`.
pub(crate) type Goal = (&'static str, &'static str);

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

/// Every benchmark, in the report's order.
pub(crate) const ALL: [&Benchmark; 7] = [&B1, &B2, &B3, &B4, &B5, &B6, &B7];

pub(crate) const B1: Benchmark = Benchmark {
    id: "B1",
    title: "per-call overhead",
    definition: "Sequential `list` calls of a page of backups, three ways, after warm-up rounds. \
        Each round calls the three in a rotating order, each call timed on its own, on one \
        current-thread Tokio runtime; each client keeps one keep-alive connection.\n\n\
        - **raw**: reqwest by hand with the same headers (`Authorization`, `User-Agent`, \
        `Accept`, `api-version`), `bytes()` then `serde_json::from_slice` into the same \
        `types::BackupList`;\n\
        - **generated**: `vpsorg_backups_client::Client::list_backups().page_size(..).send()` \
        on a reqwest client configured like the raw one;\n\
        - **wrapper**: `client.backups().list().page_size(..).send()`, retries off (their \
        bookkeeping still runs).\n\n\
        The generated call adds to the raw one the typed query, a `HeaderMap` for \
        `api-version`, progenitor's no-op hooks, our response-head hook and `ResponseValue`'s \
        copy of the headers. The wrapper adds its retry loop, one `tracing` span per attempt, \
        `capture_response_head`, and a reqwest client with a timeout, a connect timeout and an \
        origin-checking redirect policy (deliberate: a call that can hang forever is not \
        cheaper, only unfinished). Profiled once with callgrind (`vpsorg-bench measure` with \
        `\"only\": \"raw\"`, `\"generated\"` or `\"wrapper\"`): the generated call executes \
        about 1% more instructions than the raw one, the wrapper about 4% more; most of a call \
        is the loopback round trip and decoding dates with chrono.",
    goals: &[
        ("per-call overhead, generated / raw", "≤ 1.05"),
        ("per-call overhead, wrapper / raw", "≤ 1.10"),
    ],
};

pub(crate) const B2: Benchmark = Benchmark {
    id: "B2",
    title: "list everything",
    definition: "Every backup of a fake server that waits the same latency before every \
        answer, listed four ways, interleaved; every backup is dropped as it arrives. The ideal \
        is pages × latency.\n\n\
        - **sequential**: `.page(n).send()` in a loop, one page at a time;\n\
        - **prefetch**: the `.items()`/`.pages()` stream (default: requests the next page \
        while the caller works through the current one);\n\
        - **concurrent**: the stream with `.concurrency(8)`;\n\
        - **raw sequential**: the same one-page-at-a-time loop hand-written with reqwest, for \
        reference: the wrapper's own share is its difference from it.\n\n\
        The sequential and prefetch listings run once more with a caller that spends time on \
        each page: prefetch overlaps that work with the next request, so the listing takes \
        about max(latency, work) per page instead of their sum. The fake server sends each \
        answer its latency after the request arrived, to within about 0.2 ms.",
    goals: &[
        ("list everything page by page: sequential / ideal", "≤ 1.10"),
        ("same, `.concurrency(8)` / sequential", "≤ 0.20"),
    ],
};

pub(crate) const B3: Benchmark = Benchmark {
    id: "B3",
    title: "memory",
    definition: "The client process alone (the fake server runs in its own process) streams \
        every backup with `.items()` (page size 100, default prefetch) and drops each; its peak \
        resident set is `VmHWM` from `/proc/self/status`, read at the end of a process that \
        listed once, for a small and a ten times larger list, alternating. The stream holds the \
        page being read, the page being fetched and a bounded set of 2,000 recently seen ids.",
    goals: &[("peak RSS streaming 10× the backups, growth", "≤ +10%")],
};

pub(crate) const B4: Benchmark = Benchmark {
    id: "B4",
    title: "codegen",
    definition: "`cargo xtask codegen --check` as people type it, after one untimed warm-up \
        run; beside it, the xtask binary alone (generating the client from the spec and \
        comparing it with the checked-in file, without cargo's start-up and freshness check). \
        A full run also times a clean debug build of `vpsorg-backups-client` into an empty \
        target directory (almost all of it dependencies: reqwest, rustls with aws-lc, tokio, \
        serde, schemars, chrono), and the client crate alone, the part codegen changes.",
    goals: &[
        ("`cargo xtask codegen --check`, warm", "≤ 1 s"),
        ("clean debug build of `vpsorg-backups-client`", "report it"),
    ],
};

pub(crate) const B5: Benchmark = Benchmark {
    id: "B5",
    title: "fake server throughput",
    definition: "`GET /api/v1/backups/` on the vendor's example data (5 backups, about 1.5 kB \
        of JSON) over many keep-alive connections, from a minimal HTTP/1.1 load generator in \
        `vpsorg-bench` (one thread; no URL or JSON parsing), against one `vpsorg-mock` process \
        (Tokio's default multi-thread runtime). The load generator shares the machine's cores \
        with the server; the server's CPU per request says what it could do alone.",
    goals: &[("fake server, small `list`, 64 connections", "≥ 20,000 req/s")],
};

pub(crate) const B6: Benchmark = Benchmark {
    id: "B6",
    title: "list everything from the CLI",
    definition: "What an operator's script runs: `vpsorg backups list --server-id 10001 -o \
        json` (a process of its own, started each time; its JSON read to the end) against a \
        server with latency on every page, interleaved with a sequential page-by-page loop \
        (`.page(n).send()`, page size 100, in the benchmark's process). The command fetches 8 \
        pages at a time and writes each backup as it arrives. Memory: the command's peak \
        resident set (`ru_maxrss` of the benchmark's only child), one listing per process, a \
        small and a ten times larger list, alternating, without latency.",
    goals: &[
        ("`vpsorg backups list -o json`: CLI / sequential page loop", "≤ 0.25"),
        ("same, peak RSS of the command at 10× the backups", "≤ 1.2×"),
    ],
};

pub(crate) const B7: Benchmark = Benchmark {
    id: "B7",
    title: "the cost of depending on us",
    definition: "Two tiny binaries that list a server's backups and print them, each a crate \
        of its own under `target/bench/b7/` with this workspace's `Cargo.lock`:\n\n\
        - **with `vpsorg-backups`**: `vpsorg-backups` (default features) and tokio (`macros`, \
        `rt-multi-thread`) for `#[tokio::main]`;\n\
        - **baseline**: what the same program needs anyway: reqwest (`default-features = \
        false`, `rustls`, `json`), serde (`derive`) and tokio (`macros`, `rt-multi-thread`), \
        at the workspace's versions.\n\n\
        Each is built with `cargo build --offline` (the `dev` profile a new project has) into \
        its own emptied target directory, alternating which goes first; sources are fetched \
        before the clock starts. CPU time is what the build's processes used, which a busy \
        machine changes less than wall time. \"Pairs' median\" is the median of the ratios of \
        the two builds made one after the other, which drift in the machine's load between \
        pairs cannot move. `--quick` builds nothing and counts the crates with `cargo tree \
        --edges normal,build`; `cargo tree -i NAME` in `target/bench/b7/with-vpsorg-backups` \
        says who pulls a crate in.",
    goals: &[
        ("cold debug build of a tiny binary, with `vpsorg-backups` / without", "≤ 1.05"),
        ("CPU time of the same builds, with / without", "report it"),
        ("crates compiled, with `vpsorg-backups` / without", "≤ +10"),
    ],
};

#[cfg(test)]
#[path = "tests/list.rs"]
mod tests;
