//! HTTP dates (RFC 9110, section 5.6.7), for `Retry-After` (read here) and `Date`: the
//! IMF-fixdate every server sends today, and the two obsolete forms a recipient must still
//! accept. Parsed with chrono, which the crate depends on anyway, rather than one more crate.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDateTime, Utc};
use reqwest::header::HeaderMap;

/// The time an HTTP date names, or `None` when `text` is not one.
pub fn parse(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    // "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate; RFC 2822 reads "GMT" as UTC).
    let utc = DateTime::parse_from_rfc2822(text)
        .map(|date| date.with_timezone(&Utc))
        .or_else(|_| {
            // "Sunday, 06-Nov-94 08:49:37 GMT" (RFC 850) and "Sun Nov  6 08:49:37 1994"
            // (asctime), both in GMT.
            NaiveDateTime::parse_from_str(text, "%A, %d-%b-%y %H:%M:%S GMT")
                .or_else(|_| NaiveDateTime::parse_from_str(text, "%a %b %e %H:%M:%S %Y"))
                .map(|naive| naive.and_utc())
        })
        .ok()?;
    Some(SystemTime::from(utc))
}

/// Parses `Retry-After`: whole seconds (DRF) or an HTTP date (some proxies). A date in the
/// past means "now".
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = parse(value)?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
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
            assert_eq!(parse(text), Some(expected), "{text}");
        }
    }

    /// Every date another implementation writes is read back to the second.
    #[test]
    fn dates_written_by_httpdate_read_back() {
        let mut seconds: u64 = 0;
        while seconds < 4_102_444_800 {
            let time = UNIX_EPOCH + Duration::from_secs(seconds);
            assert_eq!(
                parse(&httpdate::fmt_http_date(time)),
                Some(time),
                "{seconds}"
            );
            seconds += 86_399 * 7 + 12_345;
        }
    }

    #[test]
    fn what_is_not_a_date_is_none() {
        for text in [
            "",
            "120",
            "tomorrow",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "\u{0}",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
