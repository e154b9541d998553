use super::*;

#[test]
fn control_and_bidi_characters_never_reach_the_terminal() {
    assert_eq!(clean("web-01"), "web-01");
    assert!(matches!(clean("web-01"), Cow::Borrowed(_)));
    assert_eq!(clean("evil\u{1b}[2J\nline\u{7}"), "evil [2J line ");
    assert_eq!(clean("invoice\u{202E}fdp.exe"), "invoice fdp.exe");
    assert_eq!(clean("a\u{2066}b\u{200B}c\u{FEFF}"), "a b c ");
    assert_eq!(clean("ääää ✓"), "ääää ✓");
}
