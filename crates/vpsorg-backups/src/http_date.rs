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
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = parse(value)?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}
