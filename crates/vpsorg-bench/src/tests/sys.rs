use super::*;

#[test]
fn this_process_has_a_peak_rss_and_cpu_time() {
    assert!(proc_kib("/proc/self/status", "VmHWM").unwrap() > 0);
    assert!(cpu_seconds("self").is_some());
}

#[test]
fn the_children_cpu_time_is_read_after_the_command_name() {
    assert!(children_cpu_seconds().is_some_and(|s| s >= 0.0));
}
