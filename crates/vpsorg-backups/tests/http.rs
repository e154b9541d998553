//! The HTTP layer a corporate network needs: proxies (configured, or from the environment
//! as reqwest reads it), extra root certificates, default headers; and that none of it
//! lets the token go anywhere but the configured origin. Also the checks of the base URL
//! and the token.

use std::process::Command;

use serde_json::json;
use vpsorg_backups::{Client, Error};

#[path = "support/mod.rs"]
mod support;

use support::{Reply, Stub, TOKEN};

/// A public root certificate (ISRG Root X2), PEM-encoded.
const ROOT_PEM: &str = include_str!("fixtures/isrg-root-x2.pem");

fn config_message(built: vpsorg_backups::Result<Client>) -> String {
    match built {
        Err(Error::Config { message, .. }) => message,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn base_urls_are_checked() {
    let build = |url: &str| Client::builder().token("t").base_url(url).build();
    assert!(build("https://admin.vps.org").is_ok());
    assert!(build("https://admin.vps.org/prefix/").is_ok());
    assert!(build("http://127.0.0.1:8080").is_ok());
    assert!(build("http://[::1]:8080").is_ok());
    assert!(build("http://localhost:8080").is_ok());
    assert!(config_message(build("http://admin.vps.org")).contains("http://"));
    assert!(config_message(build("ftp://admin.vps.org")).contains("https://"));
    assert!(config_message(build("not a url")).contains("not a valid URL"));
    assert!(config_message(build("https://user:pw@admin.vps.org")).contains("credentials"));
    assert!(config_message(build("https://admin.vps.org/?a=b")).contains("query"));
    assert!(
        Client::builder()
            .token("t")
            .base_url("http://10.0.0.5:8000")
            .allow_insecure_http(true)
            .build()
            .is_ok()
    );
}

#[test]
fn tokens_are_checked_and_never_shown() {
    assert!(config_message(Client::builder().build()).contains("VPSORG_API_TOKEN"));
    assert!(config_message(Client::builder().token("  ").build()).contains("empty"));
    assert!(config_message(Client::builder().token("a\u{7f}b").build()).contains("characters"));
    let builder = Client::builder().token("s3cr3t-token\n");
    assert!(!format!("{builder:?}").contains("s3cr3t"));
    let client = builder.build().unwrap();
    assert!(!format!("{client:?}").contains("s3cr3t"));
    assert_eq!(client.base_url().as_str(), "https://admin.vps.org/");
}

fn empty_list() -> Reply {
    Reply::json(200, json!({"count": 0, "results": []}))
}

/// Whether any part of a request the stub received shows the token.
fn shows_token(request: &support::Request) -> bool {
    request.target.contains(TOKEN)
        || request.body.contains(TOKEN)
        || request.headers.iter().any(|(name, value)| name.contains(TOKEN) || value.contains(TOKEN))
}

#[tokio::test]
async fn default_headers_are_sent_and_cannot_touch_the_token() {
    let stub = Stub::always(empty_list()).await;
    let client = stub
        .builder()
        .default_header("X-Corp-Tenant", "blue")
        .default_header("x-corp-tenant", "green")
        .build()
        .unwrap();
    client.backups().list().send().await.unwrap();
    let request = &stub.requests()[0];
    let tenants: Vec<&str> = request
        .headers
        .iter()
        .filter(|(name, _)| name == "x-corp-tenant")
        .map(|(_, value)| value.as_str())
        .collect();
    assert_eq!(tenants, ["green"], "the later value replaces the earlier");
    let authorizations: Vec<&str> = request
        .headers
        .iter()
        .filter(|(name, _)| name == "authorization")
        .map(|(_, value)| value.as_str())
        .collect();
    assert_eq!(authorizations, [format!("Bearer {TOKEN}")]);

    for name in ["Authorization", "authorization", " AUTHORIZATION "] {
        let message =
            config_message(stub.builder().default_header(name, "Bearer someone-else").build());
        assert!(message.contains("Authorization"), "{message}");
        assert!(!message.contains("someone-else"));
    }
    let message = config_message(stub.builder().default_header("User-Agent", "x").build());
    assert!(message.contains("user_agent"), "{message}");
    let message = config_message(stub.builder().default_header("bad name", "x").build());
    assert!(message.contains("name"), "{message}");
    let message = config_message(stub.builder().default_header("X-A", "a\nb").build());
    assert!(message.contains("X-A") || message.contains("x-a"), "{message}");
}

#[tokio::test]
async fn default_headers_never_follow_a_redirect_to_another_origin() {
    let elsewhere = Stub::always(empty_list()).await;
    let target = format!("{}/api/v1/backups/", elsewhere.url);
    let stub = Stub::start(move |_, _| Reply::empty(302).header("Location", &target)).await;
    let client = stub.builder().default_header("X-Corp-Secret", "s3").build().unwrap();
    let error = client.backups().list().send().await.unwrap_err();
    assert!(matches!(error, Error::ForeignOrigin { .. }), "{error:?}");
    assert!(elsewhere.requests().is_empty());
}

#[tokio::test]
async fn an_https_api_is_reached_through_a_proxy_tunnel_the_proxy_cannot_read() {
    // The "proxy" answers nothing useful: what matters is what it received.
    let proxy = Stub::always(Reply::HangUp).await;
    let client = Client::builder()
        .token(TOKEN)
        .base_url("https://api.example.test")
        .proxy(&proxy.url)
        .default_header("X-Corp-Tenant", "blue")
        .retry(vpsorg_backups::RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.backups().list().send().await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. } | Error::Timeout { .. }), "{error:?}");
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "CONNECT");
    assert_eq!(requests[0].target, "api.example.test:443");
    assert!(!shows_token(&requests[0]), "{:?}", requests[0]);
    assert!(requests[0].header("x-corp-tenant").is_none());
    assert!(!format!("{client:?}").contains(TOKEN));
}

#[tokio::test]
async fn hosts_on_the_no_proxy_list_are_reached_directly() {
    let proxy = Stub::always(Reply::HangUp).await;
    let api = Stub::always(empty_list()).await;
    let client = api.builder().proxy(&proxy.url).no_proxy("localhost, 127.0.0.1").build().unwrap();
    client.backups().list().send().await.unwrap();
    assert_eq!(api.requests().len(), 1);
    assert!(proxy.requests().is_empty());
}

#[tokio::test]
async fn proxy_urls_are_checked_and_never_shown() {
    let builder =
        Client::builder().token(TOKEN).proxy("http://user:pr0xy-pass@proxy.example.test:3128");
    assert!(!format!("{builder:?}").contains("pr0xy-pass"));
    let client = builder.build().unwrap();
    assert!(!format!("{client:?}").contains("pr0xy-pass"));

    let message = config_message(Client::builder().token(TOKEN).proxy("::not a url::").build());
    assert!(message.contains("proxy"), "{message}");
    assert!(!message.contains("not a url"));
}

#[test]
fn root_certificates_are_added_or_refused() {
    let builder = || Client::builder().token(TOKEN);
    builder().add_root_certificate_pem(ROOT_PEM).build().unwrap();
    builder()
        .add_root_certificate_pem(format!("{ROOT_PEM}\n{ROOT_PEM}"))
        .add_root_certificate_pem(ROOT_PEM.as_bytes())
        .built_in_root_certs(false)
        .build()
        .unwrap();
    for bad in
        ["", "not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]
    {
        let message = config_message(builder().add_root_certificate_pem(bad).build());
        assert!(message.contains("certificate"), "{message}");
    }
}

/// The child half of [`the_environment_proxy_is_honoured`], run in a process of its own
/// with `HTTPS_PROXY` set (a test cannot set the environment of its own process safely).
async fn env_proxy_child() {
    let send = |client: Client| async move { client.backups().list().send().await };
    let build = |base_url: &str, env: bool| {
        Client::builder()
            .token(TOKEN)
            .base_url(base_url)
            .env_proxy(env)
            .retry(vpsorg_backups::RetryPolicy::none())
            .build()
            .unwrap()
    };
    // Through the environment's proxy: a CONNECT each.
    send(build("https://api.example.test", true)).await.unwrap_err();
    send(build("https://localhost:1", true)).await.unwrap_err();
    // Environment proxies turned off: straight to localhost:1, which refuses.
    let error = send(build("https://localhost:1", false)).await.unwrap_err();
    assert!(!error.may_have_reached_server(), "{error:?}");
}

#[tokio::test]
async fn the_environment_proxy_is_honoured() {
    if std::env::var_os("VPSORG_ENV_PROXY_CHILD").is_some() {
        env_proxy_child().await;
        return;
    }
    let proxy = Stub::always(Reply::HangUp).await;
    let output = tokio::task::spawn_blocking({
        let proxy_url = proxy.url.clone();
        move || {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "the_environment_proxy_is_honoured", "--nocapture"])
                .env("VPSORG_ENV_PROXY_CHILD", "1")
                .env("HTTPS_PROXY", &proxy_url)
                .env_remove("https_proxy")
                .env_remove("ALL_PROXY")
                .env_remove("all_proxy")
                .env_remove("NO_PROXY")
                .env_remove("no_proxy")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
    let targets: Vec<(String, String)> = proxy
        .requests()
        .iter()
        .map(|request| (request.method.clone(), request.target.clone()))
        .collect();
    assert_eq!(
        targets,
        [
            ("CONNECT".to_owned(), "api.example.test:443".to_owned()),
            ("CONNECT".to_owned(), "localhost:1".to_owned()),
        ]
    );
    assert!(!proxy.requests().iter().any(shows_token));
}
