use super::*;

#[test]
fn there_is_a_page_per_command_and_the_first_has_the_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    write_all(dir.path()).unwrap();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    for name in
        ["vpsorg.1", "vpsorg-backups-list.1", "vpsorg-backups-prune.1", "vpsorg-context-create.1"]
    {
        assert!(names.iter().any(|n| n == name), "{name} missing from {names:?}");
    }
    assert!(!names.iter().any(|name| name.contains("man-pages")), "{names:?}");
    let top = std::fs::read_to_string(dir.path().join("vpsorg.1")).unwrap();
    for exit in Exit::ALL {
        assert!(
            top.contains(&format!("\\fB{}\\fR\n", exit.code())),
            "exit {} missing",
            exit.code()
        );
    }
    assert!(top.contains(".SH \"EXIT STATUS\"") && top.contains("VPSORG_CONTEXT"));
}

#[test]
fn roff_escapes() {
    assert_eq!(escape("a-b \\x"), "a\\-b \\ex");
    assert_eq!(escape(".SH"), "\\&.SH");
}
