use super::*;

#[test]
fn json_lists_are_streamed_as_one_pretty_array() {
    assert_eq!(indent("{\n  \"a\": 1\n}", "  "), "  {\n    \"a\": 1\n  }");
}

#[test]
fn the_flexible_column_is_shortened_to_fit() {
    let mut table = TextTable::new(&["ID", "DESCRIPTION"]);
    (table.right, table.flexible) = (vec![0], Some(1));
    table.rows.push(vec!["7".into(), "word ".repeat(40)]);
    let text = table.render(true, 80);
    assert!(text.lines().all(|line| line.chars().count() <= 80), "{text}");
    assert_eq!(text.lines().map(|line| line.chars().count()).max(), Some(80), "{text}");
    assert!(text.contains('…'), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert_eq!(shorten("ab日本", 4), "ab…");
    assert_eq!(shorten("abcdef", 4), "abc…");
}
