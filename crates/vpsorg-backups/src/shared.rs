//! Helpers this crate shares with the workspace's other crates (the CLI reaches them
//! through `vpsorg_backups::__private`): text from a server made safe to show, and whether
//! a URL names this machine.

use std::net::IpAddr;

use reqwest::Url;

/// The most characters of a server-provided sentence (`detail`, a field error) that an
/// [`Error`](crate::Error) keeps, and of the body excerpt of an
/// [`Error::Decode`](crate::Error::Decode).
pub(crate) const MAX_EXCERPT_CHARS: usize = 200;

/// Text from the server, made safe to show on one line: control characters become spaces,
/// and at most [`MAX_EXCERPT_CHARS`] characters are kept.
pub(crate) fn clean(text: &str) -> String {
    excerpt(text.trim())
}

/// The first [`MAX_EXCERPT_CHARS`] characters of `text`, with control characters replaced.
pub(crate) fn excerpt(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(MAX_EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(MAX_EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Whether the URL's host is this machine.
pub(crate) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            let host = host.to_ascii_lowercase();
            host == "localhost" || host.ends_with(".localhost")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_bounds_and_flattens_text() {
        assert_eq!(clean("  two\nlines\r\t "), "two lines");
        let long = "é".repeat(500);
        let cleaned = clean(&long);
        assert_eq!(cleaned.chars().count(), MAX_EXCERPT_CHARS + 1);
        assert!(cleaned.ends_with('…'));
    }
}
