//! The helpers the workspace's crates share through `vpsorg_backups::__private` (doc-hidden,
//! outside semver): terminal-safe text, loopback hosts, HTTP dates and `Retry-After`. The
//! crate keeps server text with `excerpt(text, 200)`.

use std::borrow::Cow;
use std::time::{Duration, UNIX_EPOCH};

use reqwest::Url;
use reqwest::header::HeaderMap;
use vpsorg_backups::__private::{excerpt, is_loopback, parse_http_date, retry_after, sanitize};

#[test]
fn clean_bounds_and_flattens_text() {
    assert_eq!(excerpt("  two\nlines\r\t ", 200), "two lines");
    let long = "é".repeat(500);
    let cleaned = excerpt(&long, 200);
    assert_eq!(cleaned.chars().count(), 200 + 1);
    assert!(cleaned.ends_with('…'));
    // Bidirectional overrides and zero-width characters are stripped too, as in the
    // CLI's tables, and runs of whitespace are one space.
    assert_eq!(excerpt("invoice\u{202E}fdp.exe", 200), "invoice fdp.exe");
    assert_eq!(excerpt("a\u{2066}b\u{200B}c\u{FEFF}", 200), "a b c");
    assert_eq!(excerpt("a\u{1b}[31m\r\n  b", 160), "a [31m b");
    assert_eq!(excerpt("abc", 3), "abc");
    assert_eq!(excerpt("abcd", 3), "abc…");
}

#[test]
fn sanitize_replaces_what_a_terminal_would_obey_and_borrows_the_rest() {
    assert!(matches!(sanitize("web-01"), Cow::Borrowed("web-01")));
    assert_eq!(sanitize("evil\u{1b}[2J\nline\u{7}"), "evil [2J line ");
    assert_eq!(sanitize("ääää ✓"), "ääää ✓");
}

#[test]
fn loopback_hosts_are_this_machine() {
    for (url, loopback) in [
        ("http://127.0.0.1:8080", true),
        ("http://[::1]:8080", true),
        ("http://LOCALHOST", true),
        ("http://api.localhost", true),
        ("http://10.0.0.5", false),
        ("http://localhost.example", false),
    ] {
        assert_eq!(is_loopback(&Url::parse(url).unwrap()), loopback, "{url}");
    }
}

#[test]
fn retry_after_reads_seconds_and_http_dates() {
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", " 30 ".parse().unwrap());
    assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(30)));

    let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
    headers.insert("retry-after", later.parse().unwrap());
    assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(90)));

    let earlier = httpdate::fmt_http_date(now - Duration::from_secs(90));
    headers.insert("retry-after", earlier.parse().unwrap());
    assert_eq!(retry_after(&headers, now), Some(Duration::ZERO));

    headers.insert("retry-after", "soon".parse().unwrap());
    assert_eq!(retry_after(&headers, now), None);
    headers.insert("retry-after", "-5".parse().unwrap());
    assert_eq!(retry_after(&headers, now), None);
}

#[test]
fn the_three_forms_of_rfc_9110_name_the_same_time() {
    let expected = UNIX_EPOCH + Duration::from_secs(784_111_777);
    for text in [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "  Sun, 06 Nov 1994 08:49:37 GMT ",
    ] {
        assert_eq!(parse_http_date(text), Some(expected), "{text}");
    }
}

/// Every date another implementation writes is read back to the second.
#[test]
fn dates_written_by_httpdate_read_back() {
    let mut seconds: u64 = 0;
    while seconds < 4_102_444_800 {
        let time = UNIX_EPOCH + Duration::from_secs(seconds);
        assert_eq!(parse_http_date(&httpdate::fmt_http_date(time)), Some(time), "{seconds}");
        seconds += 86_399 * 7 + 12_345;
    }
}

#[test]
fn what_is_not_a_date_is_none() {
    for text in ["", "120", "tomorrow", "Sun, 32 Nov 1994 08:49:37 GMT", "\u{0}"] {
        assert_eq!(parse_http_date(text), None, "{text:?}");
    }
}
