//! Text helpers every module may use (a leaf: it uses no other module of the CLI): server
//! text made safe for a terminal, URLs with their credentials hidden, loopback hosts, the
//! causes of an error in a few words.

use std::borrow::Cow;

/// Server text made safe for a terminal: control characters (escape sequences, newlines) and
/// the invisible characters that reorder or hide text (bidirectional overrides such as
/// U+202E, zero-width characters) become spaces, so an API or a proxy cannot move the
/// cursor, recolour, or forge what a line seems to say. JSON and YAML need none of this:
/// their serializers escape what they must, and scripts want the exact text.
pub(crate) fn clean(text: &str) -> Cow<'_, str> {
    /// Unicode's bidirectional controls and invisible format characters (the list rustc's
    /// `text_direction_codepoint_in_literal` lint uses, plus zero-width characters).
    fn is_invisible(c: char) -> bool {
        matches!(c,
            '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
    }
    let unsafe_char = |c: char| c.is_control() || is_invisible(c);
    if text.chars().any(unsafe_char) {
        Cow::Owned(
            text.chars()
                .map(|c| if unsafe_char(c) { ' ' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// A URL as the CLI shows it anywhere (errors, hints, `-v`, `context list`): a password in
/// it becomes `***` (`https://user:***@host`), and so does a user name alone, which is often
/// a token (`https://***@host`). It works on text, not a parsed URL, since an error shows
/// what was typed, which may not parse.
pub(crate) fn redact_url(text: &str) -> Cow<'_, str> {
    let start = text.find("://").map_or(0, |scheme| scheme + 3);
    let rest = &text[start..];
    // A URL that parses has its userinfo before the first `/`, `?` or `#`; in text that does
    // not (a password with a `/` in it), anything up to the last `@` may be a secret.
    let authority = match url::Url::parse(text) {
        Ok(_) => &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())],
        Err(_) => rest,
    };
    let Some(at) = authority.rfind('@') else {
        return Cow::Borrowed(text);
    };
    let userinfo = match authority[..at].split_once(':') {
        Some((user, _)) if !user.is_empty() => format!("{user}:***"),
        _ => "***".to_string(),
    };
    Cow::Owned(format!("{}{userinfo}{}", &text[..start], &rest[at..]))
}

/// Whether a URL's host is this machine (`http://` is allowed only there).
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(host)) => {
            let host = host.to_ascii_lowercase();
            host == "localhost" || host.ends_with(".localhost")
        }
        None => false,
    }
}

/// The innermost causes of an error, deduplicated and joined: "tcp connect error: Connection
/// refused (os error 111)" rather than "error sending request".
pub(crate) fn root_cause(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut causes: Vec<String> = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // reqwest's and hyper's outer messages say nothing specific ("error sending request
        // for url (...)", "client error (Connect)"); we name the URL ourselves.
        let generic =
            text.starts_with("error sending request") || text.starts_with("client error (");
        if !generic && !causes.iter().any(|c| c.contains(&text)) {
            causes.push(text);
        }
        source = cause.source();
    }
    // The last two are the specific ones ("client error (Connect)" is not).
    let specific: Vec<String> = causes.into_iter().rev().take(2).collect();
    (!specific.is_empty()).then(|| {
        specific
            .into_iter()
            .rev()
            .map(|c| clean(&c).into_owned())
            .collect::<Vec<_>>()
            .join(": ")
    })
}

#[cfg(test)]
#[path = "tests/text.rs"]
mod tests;
