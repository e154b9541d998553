//! Unit tests of `src/builder.rs`, compiled as its child module `tests` (hence `super::*`).

use super::*;

fn config_message(result: Result<Client>) -> String {
    match result {
        Err(Error::Config { message }) => message,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn from_env_reads_token_and_url() {
    let env = |name: &str| match name {
        TOKEN_ENV => Some("env-token\n".to_owned()),
        BASE_URL_ENV => Some("http://127.0.0.1:9".to_owned()),
        _ => None,
    };
    let client = ClientBuilder::from_lookup(env).build().unwrap();
    assert_eq!(client.base_url().as_str(), "http://127.0.0.1:9/");

    let client =
        ClientBuilder::from_lookup(|name| (name == TOKEN_ENV).then(|| "t".into())).build().unwrap();
    assert_eq!(client.base_url().as_str(), "https://admin.vps.org/");

    let missing = ClientBuilder::from_lookup(|_| Some(String::new())).build();
    assert!(config_message(missing).contains(TOKEN_ENV));
}

/// With any TLS feature an https client builds (with `rustls-ring` alone, only because
/// the crate installs ring's provider first: reqwest would panic); without one, an
/// https base URL is a configuration error, and http still works. Run it per feature:
/// `cargo test -p vpsorg-backups --lib --no-default-features --features rustls-ring`.
#[test]
fn https_needs_a_tls_feature_and_never_panics() {
    let https = Client::builder().token("t").base_url("https://admin.vps.org").build();
    if crate::tls::AVAILABLE {
        assert!(https.is_ok(), "{https:?}");
    } else {
        assert!(config_message(https).contains("rustls-aws-lc"));
    }
    let http = Client::builder().token("t").base_url("http://127.0.0.1:9").build();
    assert!(http.is_ok(), "{http:?}");
}
