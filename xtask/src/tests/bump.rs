#[test]
fn readme_lines_that_name_our_crates_get_the_new_version() {
    let own = ["ours".to_owned()];
    let text = "ours = { version = \"0.2\", git = \"g\" }\nours = \"0.2\"\nother = \"0.2\"\n";
    let want = "ours = { version = \"0.3\", git = \"g\" }\nours = \"0.3\"\nother = \"0.2\"\n";
    assert_eq!(super::readme(text, &own, "0.3"), want);
}
