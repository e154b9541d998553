use super::met;

#[test]
fn goals_are_read_as_the_table_shows_them() {
    assert_eq!(met("≤ 1.05", 1.05), Some(true));
    assert_eq!(met("≤ 1.05", 1.051), Some(false));
    assert_eq!(met("≥ 20,000 req/s", 19_999.0), Some(false));
    assert_eq!(met("≥ 20,000 req/s", 20_000.0), Some(true));
    assert_eq!(met("≤ +10%", 0.09), Some(true));
    assert_eq!(met("≤ +10%", 0.11), Some(false));
    assert_eq!(met("≤ 1.2×", 1.2), Some(true));
    assert_eq!(met("≤ +10", 11.0), Some(false));
    assert_eq!(met("≤ 1 s", 0.4), Some(true));
    assert_eq!(met("report it", 1.0), None);
}
