//! Helpers this crate shares with the workspace's other crates (the CLI reaches them
//! through `vpsorg_backups::__private`): text from a server made safe to show, whether a
//! URL names this machine, and the rules of a base URL. One implementation each, with the
//! strictest behaviour.

use std::borrow::Cow;
use std::net::IpAddr;

use reqwest::Url;

/// The most characters of a server-provided sentence (`detail`, a field error) that an
/// [`Error`](crate::Error) keeps, and of the body excerpt of an
/// [`Error::Decode`](crate::Error::Decode).
pub(crate) const MAX_EXCERPT_CHARS: usize = 200;

/// Text from a server made safe for a terminal: control characters (escape sequences,
/// newlines) and the invisible characters that reorder or hide text (bidirectional
/// overrides such as U+202E, zero-width characters) become spaces, so that a server or a
/// proxy cannot move the cursor, recolour, or forge what a line seems to say.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    /// Unicode's bidirectional controls and invisible format characters (the list rustc's
    /// `text_direction_codepoint_in_literal` lint uses, plus zero-width characters).
    fn is_invisible(c: char) -> bool {
        matches!(c,
            '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
    }
    let unsafe_char = |c: char| c.is_control() || is_invisible(c);
    if text.chars().any(unsafe_char) {
        Cow::Owned(text.chars().map(|c| if unsafe_char(c) { ' ' } else { c }).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// Text from a server on one bounded line: [`sanitize`]d, each run of whitespace one
/// space, trimmed, and cut with `…` past `max_chars` characters.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let text = sanitize(text);
    let mut chars =
        text.split_whitespace().flat_map(|word| std::iter::once(' ').chain(word.chars())).skip(1);
    let mut out: String = chars.by_ref().take(max_chars).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// [`excerpt`] bounded to [`MAX_EXCERPT_CHARS`]: how this crate keeps any text from the
/// server.
pub(crate) fn clean(text: &str) -> String {
    excerpt(text, MAX_EXCERPT_CHARS)
}

/// Whether the URL's host is this machine.
pub fn is_loopback(url: &Url) -> bool {
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

/// Why a base URL is refused (a query or fragment: requests would lose or garble it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // `Display` words each one.
pub enum BaseUrlProblem {
    NotAUrl(String),
    NotHttp,
    Credentials,
    InsecureHttp,
    QueryOrFragment,
}

impl std::fmt::Display for BaseUrlProblem {
    /// The rule broken, as a predicate: "the base URL {problem}".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BaseUrlProblem::NotAUrl(error) => write!(f, "is not a valid URL ({error})"),
            BaseUrlProblem::NotHttp => f.write_str("is not http:// or https:// with a host"),
            BaseUrlProblem::Credentials => f.write_str("carries credentials; use the token"),
            BaseUrlProblem::InsecureHttp => f.write_str(
                "is http:// to a host that is not loopback: refusing to send the token unencrypted",
            ),
            BaseUrlProblem::QueryOrFragment => f.write_str("has a query or a fragment"),
        }
    }
}

/// Checks a base URL: `http(s)://host[:port][/prefix]` without credentials, query or
/// fragment, and `http://` only to this machine unless `allow_insecure_http`.
pub fn check_base_url(text: &str, allow_insecure_http: bool) -> Result<Url, BaseUrlProblem> {
    let url =
        Url::parse(text.trim()).map_err(|error| BaseUrlProblem::NotAUrl(error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        Err(BaseUrlProblem::NotHttp)
    } else if !url.username().is_empty() || url.password().is_some() {
        Err(BaseUrlProblem::Credentials)
    } else if url.scheme() == "http" && !allow_insecure_http && !is_loopback(&url) {
        Err(BaseUrlProblem::InsecureHttp)
    } else if url.query().is_some() || url.fragment().is_some() {
        Err(BaseUrlProblem::QueryOrFragment)
    } else {
        Ok(url)
    }
}
