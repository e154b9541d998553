use serde_json::json;

use super::*;

#[test]
fn thousands_are_separated() {
    assert_eq!(thousands(0.0), "0");
    assert_eq!(thousands(999.4), "999");
    assert_eq!(thousands(100_000.0), "100,000");
    assert_eq!(thousands(1_234_567.0), "1,234,567");
    assert_eq!(thousands(-20_000.0), "-20,000");
    assert_eq!([f64::NAN, f64::NEG_INFINITY].map(thousands), ["NaN", "-inf"]);
}

/// A report of a full run judges every goal, and a quick one none.
#[test]
fn reports_judge_full_runs_only() {
    let summary = |m: f64| json!({"median": m, "min": m, "max": m, "n": 1});
    let memory = |small: u64, large: u64| {
        json!([[{"peak_rss_kib": small, "seconds": 0.1}],
               [{"peak_rss_kib": large, "seconds": 1.0}]])
    };
    let mut results: Results = serde_json::from_value(json!({
        "quick": false,
        "b1": {"raw": summary(100.0), "generated": summary(102.0), "wrapper": summary(112.0),
               "paired_generated_over_raw": 1.02, "paired_wrapper_over_raw": 1.12},
        "b2": {"sequential": summary(2.1), "prefetch": summary(2.1),
               "concurrent": summary(0.3), "raw_sequential": summary(2.1),
               "sequential_with_work": summary(3.2), "prefetch_with_work": summary(2.1)},
        "b3": memory(7000, 7100),
        "b4": {"check_s": [0.2, 0.3], "binary_s": [0.08],
               "clean_build_s": 100.0, "crate_build_s": 1.5},
        "b5": [{"seconds": 5.0, "requests": 150000, "not_ok": 0, "connection_failures": 0,
                "server_cpu_seconds": 3.0, "client_cpu_seconds": 1.5}],
        "b6": {"cli": summary(0.4), "sequential": summary(2.1), "memory": memory(9000, 9500)},
    }))
    .unwrap();
    let machine = machine(Path::new("."));
    let full = render(&machine, &results, "0 0 0", Duration::ZERO);
    for id in ["B1", "B2", "B3", "B4", "B5", "B6"] {
        assert!(full.contains(&format!("## {id}: ")), "{id}");
    }
    assert!(!full.contains("## B7: "));
    assert_eq!(full.matches("**met**").count(), 8, "{full}");
    assert!(full.contains("| 0.190 (0.400 s vs 2.100 s) | ≤ 0.25 | **met** |"), "{full}");
    assert_eq!(full.matches("**missed**").count(), 1, "{full}");
    assert!(full.contains("| 1.120 (112.0 µs vs 100.0 µs) | ≤ 1.10 | **missed** |"));
    assert!(full.contains("| reported |"));
    assert!(full.contains("| 30,000 req/s (30,000–30,000) | ≥ 20,000 req/s | **met** |"));
    results.quick = true;
    let quick = render(&machine, &results, "0 0 0", Duration::ZERO);
    assert!(!quick.contains("**met**") && !quick.contains("**missed**"));
    // A partial run reports what it ran, and nothing else.
    let partial = Results { b6: results.b6.clone(), ..Results::default() };
    let partial = render(&machine, &partial, "0 0 0", Duration::ZERO);
    assert!(partial.contains("## B6: ") && !partial.contains("## B1: "), "{partial}");
}

/// Every benchmark measures one value per goal of its list entry.
#[test]
fn each_section_measures_what_its_goals_judge() {
    let s = &Sizes::of(true);
    let counts = [
        b1(&B1::default(), s).0.len(),
        b2(&B2::default(), s).0.len(),
        b3(&Memory::default(), s).0.len(),
        b4(&B4::default()).0.len(),
        b5(&[], s).0.len(),
        b6(&B6::default(), s, "debug").0.len(),
        b7(&B7::default()).0.len(),
    ];
    assert_eq!(counts, list::ALL.each_ref().map(|b| b.goals.len()));
}

/// Three pairs of builds (baseline, with us), each compiling what `cargo tree` lists.
fn b7_results(built: bool) -> B7 {
    let base = ["b7-baseline 0.0.0", "reqwest 0.13.5", "serde 1.0.229", "tokio 1.54.1"];
    let mut sdk = base.to_vec();
    sdk[0] = "b7-with-vpsorg-backups 0.0.0";
    sdk.extend(["chrono 0.4.45", "vpsorg-backups 0.2.0"]);
    let build = |seconds: f64, compiled: &[&str]| {
        json!({"seconds": seconds, "cpu_seconds": seconds * 1.8, "compiled": compiled,
               "load_at_start": ""})
    };
    let pairs = [[100.0, 104.0], [101.0, 106.0], [99.0, 103.0]]
        .map(|[without, with]| [build(without, &base), build(with, &sdk)]);
    let pairs = if built { pairs.to_vec() } else { Vec::new() };
    serde_json::from_value(json!({"tree": [base, sdk], "pairs": pairs})).unwrap()
}

/// What each of B7's goals shows, and whether it is met.
fn judged(section: &Section) -> Vec<(&str, Option<bool>)> {
    let values = section.0.iter().zip(&list::ALL[6].goals).map(|(value, (_, goal))| {
        let (value, shown) = value.as_ref().unwrap();
        (shown.as_str(), list::met(goal, *value))
    });
    values.collect()
}

#[test]
fn a_full_run_judges_the_ratio_and_the_extra_crates() {
    let section = b7(&b7_results(true));
    assert_eq!(section.0.len(), 3);
    let expected = [
        ("1.040 (104.0 s vs 100.0 s; pairs' median 1.040)", Some(true)),
        ("1.040 (187.2 s vs 180.0 s; pairs' median 1.040)", None),
        ("+2 (6 vs 4)", Some(true)),
    ];
    assert_eq!(judged(&section), expected);
    let body = &section.1;
    assert!(!body.contains("The two ratios differ"));
    assert!(body.contains("6 builds in all"));
    assert!(body.contains("so 2 more: chrono, vpsorg-backups."));
    assert!(body.contains("| baseline | 100.0 s | 99.0 s | 101.0 s | 180.0 s | 4 |"));
    assert!(!body.contains("other crates than `cargo tree`"));
}

/// A wall ratio far from the CPU ratio is explained, not left as a riddle.
#[test]
fn diverging_wall_and_cpu_ratios_are_explained() {
    let mut r = b7_results(true);
    for pair in &mut r.pairs {
        pair[1].seconds = 70.0;
    }
    let section = b7(&r);
    assert_eq!(judged(&section)[0].0, "0.700 (70.0 s vs 100.0 s; pairs' median 0.700)");
    assert!(section.1.contains("The two ratios differ"));
}

/// A run whose load rose half-way: the ratio of medians and the pairs' median differ.
#[test]
fn pairs_are_the_builds_made_one_after_the_other() {
    let mut r = b7_results(true);
    let seconds = [[62.7, 79.2], [130.0, 147.7], [121.3, 123.2]];
    for (pair, [without, with]) in r.pairs.iter_mut().zip(seconds) {
        (pair[0].seconds, pair[1].seconds) = (without, with);
    }
    let section = b7(&r);
    assert_eq!(judged(&section)[0].0, "1.016 (123.2 s vs 121.3 s; pairs' median 1.136)");
}

#[test]
fn a_quick_run_counts_crates_from_cargo_tree_and_builds_nothing() {
    let section = b7(&b7_results(false));
    assert!(section.0[0].is_none() && section.0[1].is_none());
    assert_eq!(section.0[2].as_ref().unwrap().1, "+2 (6 vs 4, `cargo tree`)");
    assert!(list::ALL[6].definition.contains("`--quick` builds nothing"));
}
