use super::*;

#[test]
fn not_checked_entries_wrap_at_the_width() {
    assert_eq!(wrap("aaa bbb ccc ddd", 11, "  - ", "    "), "  - aaa bbb\n    ccc ddd\n");
    // A word longer than the line stands alone rather than being cut.
    assert_eq!(wrap("a-very-long-word b", 8, "- ", "  "), "- a-very-long-word\n  b\n");
    assert_eq!(wrap("short", 80, "  - ", "    "), "  - short\n");
}
