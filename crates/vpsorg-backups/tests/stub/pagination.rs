//! How the streams walk pages: links, numbers, ends, duplicates, misbehaving servers.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use vpsorg_backups::{Error, PaginationIssue};

use crate::support::{Reply, Request, Stub, backup, page};

/// A DRF-like page of `ids` (newest first), with `next`/`previous` links when `links`.
fn drf_page(request: &Request, ids: &[i64], links: bool) -> Reply {
    let number: usize = request.query("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let size: usize = request.query("page_size").and_then(|p| p.parse().ok()).unwrap_or(20);
    let start = (number - 1) * size;
    if number > 1 && start >= ids.len() {
        return Reply::json(404, json!({"detail": "Invalid page.", "code": "not_found"}));
    }
    let results: Vec<Value> =
        ids.iter().skip(start).take(size).map(|id| backup(*id, 1, "completed")).collect();
    let mut body = json!({"count": ids.len(), "results": results});
    if links {
        let host = request.header("host").unwrap_or_default();
        let link =
            |page: usize| format!("http://{host}/api/v1/backups/?page={page}&page_size={size}");
        body["next"] = if start + size < ids.len() { json!(link(number + 1)) } else { Value::Null };
        body["previous"] = if number > 1 { json!(link(number - 1)) } else { Value::Null };
    }
    Reply::json(200, body)
}

fn ids(n: i64) -> Vec<i64> {
    (1..=n).rev().collect()
}

async fn collect_ids(stream: vpsorg_backups::BackupStream) -> Vec<i64> {
    stream.map_ok(|backup| backup.id).try_collect().await.unwrap()
}

fn pages_requested(stub: &Stub) -> Vec<String> {
    stub.requests()
        .iter()
        .map(|request| request.query("page").unwrap_or_else(|| "1".into()))
        .collect()
}

#[tokio::test]
async fn items_follow_next_links_across_pages() {
    let stub = Stub::start(|request, _| drf_page(request, &ids(45), true)).await;
    let client = stub.client();
    let got = collect_ids(client.backups().list().server_id(1).page_size(20).items()).await;
    assert_eq!(got, ids(45));
    assert_eq!(pages_requested(&stub), ["1", "2", "3"]);
    for request in stub.requests() {
        assert_eq!(request.query("server_id").as_deref(), Some("1"), "filters kept on every page");
    }

    let pages: Vec<_> = client.backups().list().page_size(20).pages().try_collect().await.unwrap();
    let shape: Vec<_> = pages
        .iter()
        .map(|page| (page.number, page.count, page.backups.len(), page.has_next))
        .collect();
    assert_eq!(shape, [(1, 45, 20, true), (2, 45, 20, true), (3, 45, 5, false)]);
}

#[tokio::test]
async fn without_links_pages_are_numbered_until_count() {
    let stub = Stub::start(|request, _| drf_page(request, &ids(41), false)).await;
    let got = collect_ids(stub.client().backups().list().page_size(10).items()).await;
    assert_eq!(got, ids(41));
    assert_eq!(pages_requested(&stub), ["1", "2", "3", "4", "5"]);
}

#[tokio::test]
async fn the_servers_own_page_size_is_learnt_from_the_first_page() {
    // No page_size given: the server's default (20 here) decides.
    let stub = Stub::start(|request, _| drf_page(request, &ids(30), false)).await;
    let got = collect_ids(stub.client().backups().list().items()).await;
    assert_eq!(got, ids(30));
    assert_eq!(pages_requested(&stub), ["1", "2"]);
}

#[tokio::test]
async fn an_empty_page_ends_the_listing() {
    // `count` claims 100, but the second page is empty.
    let stub = Stub::start(|request, _| match request.query("page").as_deref() {
        None => Reply::json(200, page(100, [10, 9, 8])),
        _ => Reply::json(200, page(100, [])),
    })
    .await;
    let got = collect_ids(stub.client().backups().list().page_size(3).items()).await;
    assert_eq!(got, [10, 9, 8]);
    assert_eq!(pages_requested(&stub), ["1", "2"]);
}

#[tokio::test]
async fn an_empty_list_yields_one_empty_page() {
    let stub = Stub::always(Reply::json(200, page(0, []))).await;
    let pages: Vec<_> = stub.client().backups().list().pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!((pages[0].count, pages[0].backups.len()), (0, 0));
}

#[tokio::test]
async fn a_page_past_the_last_ends_the_listing() {
    // `count` grew to 7 between pages; page 3 no longer exists.
    let stub = Stub::start(|request, _| match request.query("page").as_deref() {
        None => Reply::json(200, page(7, [7, 6, 5])),
        Some("2") => Reply::json(200, page(7, [4, 3, 2])),
        _ => Reply::json(404, json!({"detail": "Invalid page.", "code": "not_found"})),
    })
    .await;
    let got = collect_ids(stub.client().backups().list().page_size(3).items()).await;
    assert_eq!(got, [7, 6, 5, 4, 3, 2]);
}

#[tokio::test]
async fn backups_already_yielded_are_dropped() {
    // A backup created during the listing pushed 8 from page 1 onto page 2.
    let stub = Stub::start(|request, _| match request.query("page").as_deref() {
        None => Reply::json(200, page(7, [10, 9, 8])),
        Some("2") => Reply::json(200, page(7, [8, 7, 6])),
        _ => Reply::json(200, page(7, [5])),
    })
    .await;
    let got = collect_ids(stub.client().backups().list().page_size(3).items()).await;
    assert_eq!(got, [10, 9, 8, 7, 6, 5]);
}

#[tokio::test]
async fn a_server_that_ignores_paging_is_an_error_not_a_loop() {
    let stub = Stub::always(Reply::json(200, page(1000, [3, 2, 1]))).await;
    let mut items = stub.client().backups().list().page_size(3).items();
    for expected in [3, 2, 1] {
        assert_eq!(items.try_next().await.unwrap().unwrap().id, expected);
    }
    let error = items.try_next().await.unwrap_err();
    assert!(matches!(
        error,
        Error::Pagination { issue: PaginationIssue::NoProgress { page: 2 }, .. }
    ));
    assert!(items.next().await.is_none(), "the stream ends after its error");
    assert_eq!(stub.requests().len(), 2);
}

#[tokio::test]
async fn a_next_link_that_goes_back_is_an_error() {
    let stub = Stub::start(|request, _| {
        let host = request.header("host").unwrap_or_default().to_owned();
        let mut body = page(9, [9, 8, 7]);
        body["next"] = json!(format!("http://{host}/api/v1/backups/?page=1"));
        Reply::json(200, body)
    })
    .await;
    let result: Result<Vec<_>, _> = stub.client().backups().list().items().try_collect().await;
    assert!(matches!(
        result,
        Err(Error::Pagination {
            issue: PaginationIssue::LinkGoesBackwards { page: 1, next: 1 },
            ..
        })
    ));
    assert_eq!(stub.requests().len(), 1);
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_never_followed() {
    let elsewhere = Stub::start(|request, _| drf_page(request, &ids(10), false)).await;
    let foreign = format!("{}/api/v1/backups/?page=2", elsewhere.url);
    let stub = Stub::start(move |_, _| {
        let mut body = page(6, [6, 5, 4]);
        body["next"] = json!(foreign);
        Reply::json(200, body)
    })
    .await;
    let mut items = stub.client().backups().list().items();
    let mut got = Vec::new();
    let error = loop {
        match items.try_next().await {
            Ok(Some(backup)) => got.push(backup.id),
            Ok(None) => panic!("expected an error"),
            Err(error) => break error,
        }
    };
    assert_eq!(got, [6, 5, 4], "the page before the link is yielded");
    assert!(matches!(error, Error::ForeignOrigin { ref origin, .. } if *origin == elsewhere.url));
    assert!(elsewhere.requests().is_empty(), "nothing was sent to the other origin");
    assert_eq!(stub.requests().len(), 1);
}

#[tokio::test]
async fn concurrent_pages_are_yielded_in_order() {
    let stub = Stub::start(|request, _| drf_page(request, &ids(95), true)).await;
    let got =
        collect_ids(stub.client().backups().list().page_size(10).concurrency(4).items()).await;
    assert_eq!(got, ids(95));
    let requested: BTreeSet<u32> =
        pages_requested(&stub).iter().map(|page| page.parse().unwrap()).collect();
    assert_eq!(requested, (1..=10).collect());
    assert_eq!(stub.requests().len(), 10, "each page once");
}

#[tokio::test]
async fn concurrent_listing_stops_at_an_error_in_order() {
    let stub = Stub::start(|request, _| match request.query("page").as_deref() {
        Some("3") => Reply::json(400, json!({"page": ["Broken."]})),
        _ => drf_page(request, &ids(50), false),
    })
    .await;
    let mut items = stub.client().backups().list().page_size(10).concurrency(3).items();
    let mut got = Vec::new();
    let error = loop {
        match items.try_next().await {
            Ok(Some(backup)) => got.push(backup.id),
            Ok(None) => panic!("expected an error"),
            Err(error) => break error,
        }
    };
    assert_eq!(got, ids(50)[..20].to_vec(), "pages 1 and 2, then the error");
    assert!(matches!(error, Error::InvalidRequest { .. }));
    assert!(items.next().await.is_none());
}

#[tokio::test]
async fn the_next_page_is_fetched_while_the_caller_works() {
    let stub = Stub::start(|request, _| drf_page(request, &ids(30), true)).await;
    let mut pages = stub.client().backups().list().page_size(10).pages();
    let first = pages.try_next().await.unwrap().unwrap();
    assert_eq!(first.number, 1);
    // Without polling the stream again, page 2 arrives at the server.
    let mut waited = Duration::ZERO;
    while stub.requests().len() < 2 {
        assert!(waited < Duration::from_secs(10), "page 2 was never prefetched");
        tokio::time::sleep(Duration::from_millis(5)).await;
        waited += Duration::from_millis(5);
    }
    assert_eq!(pages_requested(&stub), ["1", "2"], "only one page ahead");
}

#[tokio::test]
async fn invalid_page_sizes_are_refused_before_sending() {
    let stub = Stub::always(Reply::json(200, page(0, []))).await;
    for size in [0, 101] {
        let result: Result<Vec<_>, _> =
            stub.client().backups().list().page_size(size).items().try_collect().await;
        assert!(matches!(result, Err(Error::InvalidInput { .. })));
    }
    assert!(stub.requests().is_empty());
}

#[tokio::test]
async fn send_reports_whether_a_next_page_exists() {
    let stub = Stub::start(|request, _| drf_page(request, &ids(25), false)).await;
    let client = stub.client();
    let first = client.backups().list().page_size(10).send().await.unwrap();
    assert!(first.has_next);
    let last = client.backups().list().page_size(10).page(3).send().await.unwrap();
    assert_eq!((last.number, last.backups.len(), last.has_next), (3, 5, false));
    let error = client.backups().list().page_size(10).page(4).send().await.unwrap_err();
    assert!(matches!(error, Error::NotFound { resource: vpsorg_backups::Resource::Page(4), .. }));
}
