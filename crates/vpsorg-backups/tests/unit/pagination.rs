//! Unit tests of `src/pagination.rs`, compiled as its child module `tests` (hence `super::*`).

use super::*;

fn client() -> Client {
    Client::builder().token("t").base_url("https://api.example.test/base").build().unwrap()
}

#[test]
fn next_links_are_checked() {
    let client = client();
    let page = |link: &str| page_of_link(&client, link);
    assert_eq!(
        page("https://api.example.test/base/api/v1/backups/?page=3&page_size=20").unwrap(),
        3
    );
    assert_eq!(page("/base/api/v1/backups/?server_id=1&page=2").unwrap(), 2);
    assert!(matches!(
        page("https://evil.example.test/base/api/v1/backups/?page=2"),
        Err(Error::ForeignOrigin { origin }) if origin == "https://evil.example.test"
    ));
    assert!(matches!(
        page("http://api.example.test/base/api/v1/backups/?page=2"),
        Err(Error::ForeignOrigin { .. })
    ));
    for unusable in [
        "https://api.example.test/other/?page=2",
        "https://api.example.test/base/api/v1/backups/?cursor=abc",
        "https://api.example.test/base/api/v1/backups/?page=0",
        "https://api.example.test/base/api/v1/backups/?page=two",
    ] {
        assert!(matches!(
            page(unusable),
            Err(Error::Pagination { issue: PaginationIssue::UnusableNextLink })
        ));
    }
}

#[test]
fn streams_outside_a_tokio_runtime_fail_instead_of_panicking() {
    let mut pages = client().backups().list().pages();
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let first = Pin::new(&mut pages).poll_next(&mut cx);
    assert!(matches!(first, Poll::Ready(Some(Err(Error::Config { .. })))));
}

#[test]
fn seen_ids_forget_the_oldest() {
    let mut seen = SeenIds::default();
    assert!(seen.insert(1));
    assert!(!seen.insert(1));
    for id in 2..=(SEEN_IDS as i64 + 1) {
        assert!(seen.insert(id));
    }
    // 1 was forgotten to keep memory bounded.
    assert!(seen.insert(1));
    assert!(seen.set.len() <= SEEN_IDS);
}
