use super::*;
use http::header::RETRY_AFTER;

/// An HTTP date (IMF-fixdate), as a server sends it.
fn http_date(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at).format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[test]
fn retry_after_reads_seconds_and_dates() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let headers = |value: &'static str| {
        HeaderMap::from_iter([(RETRY_AFTER, HeaderValue::from_static(value))])
    };
    assert_eq!(retry_after(&headers("30"), now), Some(Duration::from_secs(30)));
    let later = http_date(now + Duration::from_secs(90));
    let date = HeaderMap::from_iter([(RETRY_AFTER, HeaderValue::from_str(&later).unwrap())]);
    assert_eq!(retry_after(&date, now), Some(Duration::from_secs(90)));
    let past = http_date(now - Duration::from_secs(90));
    let past = HeaderMap::from_iter([(RETRY_AFTER, HeaderValue::from_str(&past).unwrap())]);
    assert_eq!(retry_after(&past, now), Some(Duration::ZERO));
    assert_eq!(retry_after(&headers("soon"), now), None);
    assert_eq!(retry_after(&HeaderMap::new(), now), None);
}

#[test]
fn base_urls_are_checked_and_normalised() {
    let ok = |text| parse_base_url(text).unwrap().to_string();
    assert_eq!(ok("https://admin.vps.org/"), "https://admin.vps.org/");
    assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080/");
    assert_eq!(ok("https://proxy.example/vps/"), "https://proxy.example/vps");
    for (bad, why) in [
        ("admin.vps.org", "relative URL"),
        ("ftp://admin.vps.org", "not http"),
        ("http://admin.vps.org", "not loopback"),
        ("https://user:pw@admin.vps.org", "credentials"),
        ("https://admin.vps.org/?x=1", "a query"),
    ] {
        let error = parse_base_url(bad).unwrap_err().to_string();
        assert!(error.contains(why), "{bad}: {error}");
    }
}

#[test]
fn a_token_that_cannot_be_a_header_is_refused_without_being_shown() {
    let error = bearer("line\nbreak-secret").unwrap_err().to_string();
    assert!(!error.contains("secret"), "{error}");
    assert!(bearer("fine").unwrap().is_sensitive());
}
