//! Text helpers every module may use (a leaf: it uses no other module of the CLI): server
//! text made safe for a terminal, URLs with their credentials hidden, the causes of an
//! error in a few words.

use std::borrow::Cow;

/// Server text made safe for a terminal (control characters, bidirectional overrides and
/// zero-width characters become spaces): the workspace's one implementation, in the wrapper.
pub(crate) use vpsorg_backups::__private::sanitize as clean;

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
    let specific = &causes[causes.len().saturating_sub(2)..];
    (!specific.is_empty()).then(|| clean(&specific.join(": ")).into_owned())
}

/// "1 backup", "2 backups".
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

#[cfg(test)]
#[path = "tests/text.rs"]
mod tests;
