//! Unit tests of `src/request.rs`, compiled as its child module `tests` (hence `super::*`).

use super::*;

#[test]
fn list_path_keeps_a_base_path() {
    let client =
        Client::builder().token("t").base_url("https://example.test/vps/").build().unwrap();
    assert_eq!(client.list_path(), "/vps/api/v1/backups/");
}
