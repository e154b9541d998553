use super::*;

#[test]
fn codes_are_distinct_and_in_order() {
    let codes: Vec<u8> = Exit::ALL.iter().map(|exit| exit.code()).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(codes, sorted);
    let names: std::collections::HashSet<_> = Exit::ALL.iter().map(|e| e.name()).collect();
    assert_eq!(names.len(), Exit::ALL.len());
    for exit in Exit::ALL {
        assert!(exit.meaning().chars().count() <= 85, "{}", exit.meaning());
    }
}
