//! [`ClientBuilder`]: the token, the base URL, timeouts, retries, proxies, certificates
//! and headers, checked once, in [`ClientBuilder::build`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, USER_AGENT};

use crate::error::{Error, Result};
use crate::request::Inner;
use crate::response::ForeignRedirect;
use crate::retry::{RetryHook, RetryNotice};
use crate::shared::{BaseUrlProblem, check_base_url};
use crate::{Client, RetryPolicy};

/// The API's production base URL, used when none is configured.
pub const DEFAULT_BASE_URL: &str = "https://admin.vps.org";

/// The environment variable [`Client::from_env`] reads the token from.
pub const TOKEN_ENV: &str = "VPSORG_API_TOKEN";

/// The environment variable [`Client::from_env`] reads the base URL from.
pub const BASE_URL_ENV: &str = "VPSORG_API_URL";

/// The User-Agent sent unless [`ClientBuilder::user_agent`] sets another.
pub const DEFAULT_USER_AGENT: &str = concat!("vpsorg-backups/", env!("CARGO_PKG_VERSION"));

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most redirects followed for one request (all on the configured origin).
const MAX_REDIRECTS: usize = 5;

/// Configures a [`Client`]. Setters take values by value and can be chained; nothing is
/// checked until [`build`](ClientBuilder::build).
///
/// Through a proxy (the environment's, see [`env_proxy`](Self::env_proxy), or
/// [`proxy`](Self::proxy)), an `https://` API is reached by a `CONNECT` tunnel: the proxy
/// sees the host name, never the token or the requests.
///
/// ```
/// use std::time::Duration;
/// use vpsorg_backups::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .token("YOUR_API_TOKEN")
///     .base_url("https://admin.vps.org")
///     .timeout(Duration::from_secs(20))
///     .connect_timeout(Duration::from_secs(5))
///     .retry(RetryPolicy::default().max_attempts(3))
///     .user_agent("my-tool/1.0")
///     .build()?;
/// # Ok::<(), vpsorg_backups::Error>(())
/// ```
#[must_use]
pub struct ClientBuilder {
    /// `Bearer <token>`, marked sensitive the moment it is set; `Err` holds why it cannot be
    /// a header, without the token.
    authorization: Option<std::result::Result<HeaderValue, &'static str>>,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
    allow_insecure_http: bool,
    /// The proxy URL, which may hold credentials: never shown.
    proxy: Option<String>,
    no_proxy: Option<String>,
    env_proxy: bool,
    root_certificates_pem: Vec<Vec<u8>>,
    built_in_root_certs: bool,
    headers: Vec<(String, String)>,
    on_retry: Option<RetryHook>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("token", &if self.authorization.is_some() { "<redacted>" } else { "<unset>" })
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("proxy", &if self.proxy.is_some() { "<set>" } else { "<unset>" })
            .field("no_proxy", &self.no_proxy)
            .field("env_proxy", &self.env_proxy)
            .field("root_certificates", &self.root_certificates_pem.len())
            .field("built_in_root_certs", &self.built_in_root_certs)
            .field("on_retry", &self.on_retry.is_some())
            .field(
                "default_headers",
                &self.headers.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder::new()
    }
}

impl ClientBuilder {
    /// A builder with the defaults: base URL `https://admin.vps.org`, a 30 s timeout, a
    /// 10 s connect timeout, [`RetryPolicy::default`], and no token.
    pub fn new() -> Self {
        ClientBuilder {
            authorization: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            allow_insecure_http: false,
            proxy: None,
            no_proxy: None,
            env_proxy: true,
            root_certificates_pem: Vec::new(),
            built_in_root_certs: true,
            headers: Vec::new(),
            on_retry: None,
        }
    }

    /// A builder with the token from `VPSORG_API_TOKEN` and the base URL from
    /// `VPSORG_API_URL`, when they are set and not empty. Later setters override them.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with the environment given as a function.
    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut builder = ClientBuilder::new();
        if let Some(token) = lookup(TOKEN_ENV).filter(|token| !token.trim().is_empty()) {
            builder = builder.token(token);
        }
        if let Some(url) = lookup(BASE_URL_ENV).filter(|url| !url.trim().is_empty()) {
            builder = builder.base_url(url.trim());
        }
        builder
    }

    /// The API token, sent as `Authorization: Bearer <token>`. Surrounding whitespace (a
    /// newline from a file) is trimmed. It is kept only in that header, marked sensitive,
    /// and never shown by `Debug`.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        let token: String = token.into();
        let token = token.trim();
        self.authorization = Some(if token.is_empty() {
            Err("the token is empty")
        } else {
            match HeaderValue::from_str(&format!("Bearer {token}")) {
                Ok(mut value) => {
                    value.set_sensitive(true);
                    Ok(value)
                }
                Err(_) => Err("the token contains characters a header cannot carry"),
            }
        });
        self
    }

    setters! {
        /// The API's base URL (default `https://admin.vps.org`), with an optional path prefix.
        /// `http://` is accepted only for loopback hosts unless
        /// [`allow_insecure_http`](Self::allow_insecure_http) is set.
        fn base_url(url: impl Into<String>) => base_url = url.into();

        /// The longest one request may take, from connecting to reading the whole body.
        fn timeout(timeout: Duration) => timeout = timeout;

        /// The longest connecting may take.
        fn connect_timeout(timeout: Duration) => connect_timeout = timeout;

        /// How failed requests are retried; [`RetryPolicy::none`] turns retries off.
        fn retry(policy: RetryPolicy) => retry = policy;

        /// Calls `hook` before each wait to try again: a request that failed and will be
        /// retried, or a poll of the waiter that failed and will be repeated. For a line on a
        /// terminal ("listing failed (HTTP 503); trying again in 1s") or a metrics counter. It
        /// runs on the task that retries, so it should return quickly.
        ///
        /// ```
        /// use std::sync::atomic::{AtomicU32, Ordering};
        /// use std::sync::Arc;
        ///
        /// let retries = Arc::new(AtomicU32::new(0));
        /// let counted = retries.clone();
        /// let client = vpsorg_backups::Client::builder()
        ///     .token("YOUR_API_TOKEN")
        ///     .on_retry(move |notice| {
        ///         counted.fetch_add(1, Ordering::Relaxed);
        ///         eprintln!(
        ///             "{:?} failed ({}); trying again in {:?}",
        ///             notice.operation, notice.error, notice.delay
        ///         );
        ///     })
        ///     .build()?;
        /// # Ok::<(), vpsorg_backups::Error>(())
        /// ```
        fn on_retry(hook: impl Fn(&RetryNotice<'_>) + Send + Sync + 'static)
            => on_retry = Some(Arc::new(hook));

        /// The User-Agent header (default `vpsorg-backups/<version>`).
        fn user_agent(user_agent: impl Into<String>) => user_agent = user_agent.into();

        /// Allows an `http://` base URL on a host that is not loopback. The token then crosses
        /// the network unencrypted: use it only for a test server on a trusted network.
        fn allow_insecure_http(allow: bool) => allow_insecure_http = allow;

        /// Sends every request through this proxy, an `http://` or `https://` URL, instead of
        /// the environment's. Credentials may be given in the URL
        /// (`http://user:password@proxy:3128`); they are sent to the proxy only. `Debug` of the
        /// builder and the client never shows the URL, nor does the error for an invalid one.
        fn proxy(url: impl Into<String>) => proxy = Some(url.into());

        /// Hosts reached without the [`proxy`](Self::proxy), in `NO_PROXY` syntax: a
        /// comma-separated list of host names (`.example.com` or `example.com` for a domain and
        /// its subdomains), IP addresses and CIDR blocks, or `*` for all. Only for a proxy set
        /// with [`proxy`](Self::proxy); the environment's proxy follows the environment's
        /// `NO_PROXY`.
        fn no_proxy(hosts: impl Into<String>) => no_proxy = Some(hosts.into());

        /// Whether the environment's proxy variables (`HTTPS_PROXY`, `HTTP_PROXY`,
        /// `ALL_PROXY`, `NO_PROXY`) are honoured, as reqwest does (default `true`). Ignored
        /// once [`proxy`](Self::proxy) is set.
        fn env_proxy(honour: bool) => env_proxy = honour;

        /// Whether the system's root certificates are trusted (default `true`). With `false`,
        /// only those added with [`add_root_certificate_pem`](Self::add_root_certificate_pem)
        /// are.
        fn built_in_root_certs(trust: bool) => built_in_root_certs = trust;
    }

    /// Trusts one or more root certificates, PEM-encoded (a file with several
    /// `-----BEGIN CERTIFICATE-----` blocks is fine), on top of the system's: for a
    /// corporate TLS-inspecting proxy, or a test server with its own authority. Can be
    /// called several times.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates_pem.push(pem.into());
        self
    }

    /// A header sent with every request, such as one a corporate gateway requires. A later
    /// call with the same name (in any case) replaces the value. `Authorization` is
    /// refused, so that nothing can replace or repeat the token (use
    /// [`token`](Self::token)), and so is `User-Agent` (use
    /// [`user_agent`](Self::user_agent)). Like the token, these headers go only to the
    /// configured origin: redirects elsewhere are refused.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when no token was set or it cannot be a header value; when the
    /// base URL does not parse, is not `http`/`https`, has credentials, a query or a
    /// fragment; when it is `http://` on a non-loopback host without
    /// [`allow_insecure_http`](Self::allow_insecure_http); when it is `https://` and the
    /// crate was built without a TLS feature; when the proxy URL, the `no_proxy` list, a
    /// root certificate or a default header is not valid, or a default header is
    /// `Authorization` or `User-Agent`; or when the HTTP client cannot be created.
    ///
    /// ```
    /// use vpsorg_backups::{Client, Error};
    ///
    /// let built = Client::builder()
    ///     .token("YOUR_API_TOKEN")
    ///     .default_header("Authorization", "Bearer something-else")
    ///     .build();
    /// assert!(matches!(built, Err(Error::Config { .. })));
    /// ```
    pub fn build(self) -> Result<Client> {
        let authorization = match self.authorization {
            Some(Ok(value)) => value,
            Some(Err(problem)) => return Err(Error::config(problem)),
            None => {
                return Err(Error::config(format!(
                    "no API token: set {TOKEN_ENV} or call ClientBuilder::token"
                )));
            }
        };
        let base_url = parse_base_url(&self.base_url, self.allow_insecure_http)?;
        let user_agent = HeaderValue::from_str(&self.user_agent).map_err(|_| {
            Error::config("the user agent contains characters a header cannot carry")
        })?;
        if base_url.scheme() == "https" && !crate::tls::AVAILABLE {
            return Err(Error::config(format!(
                "this build of vpsorg-backups has no TLS backend for an https:// base URL; \
                 enable one of its features {}",
                crate::tls::FEATURES
            )));
        }
        // The user's headers, then the user agent and the token, which nothing replaces.
        let mut headers = default_headers(&self.headers)?;
        headers.insert(USER_AGENT, user_agent);
        headers.insert(AUTHORIZATION, authorization);

        let origin = base_url.origin();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.url().origin() != origin {
                let origin = attempt.url().origin().ascii_serialization();
                attempt.error(ForeignRedirect { origin })
            } else if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else {
                attempt.follow()
            }
        });
        let mut http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .redirect(redirects)
            .https_only(base_url.scheme() == "https");
        http = match &self.proxy {
            Some(url) => {
                let mut proxy = reqwest::Proxy::all(url.as_str())
                    .map_err(|_| Error::config("the proxy URL is not valid"))?;
                if let Some(hosts) = &self.no_proxy {
                    proxy = proxy.no_proxy(reqwest::NoProxy::from_string(hosts));
                }
                http.proxy(proxy)
            }
            None if self.env_proxy => http,
            None => http.no_proxy(),
        };
        http = add_root_certificates(http, &self.root_certificates_pem, self.built_in_root_certs)?;
        crate::tls::prepare();
        let http = http.build().map_err(|_| {
            Error::config(if self.root_certificates_pem.is_empty() {
                "the HTTP client could not be created"
            } else {
                "the HTTP client could not be created; check the root certificates"
            })
        })?;
        let raw = vpsorg_backups_client::Client::new_with_client(
            base_url.as_str().trim_end_matches('/'),
            http,
        );
        let (retry, on_retry) = (self.retry, self.on_retry);
        let paused_until = Default::default();
        Ok(Client { inner: Arc::new(Inner { raw, base_url, retry, on_retry, paused_until }) })
    }
}

/// The user's default headers, checked: valid names and values, and neither
/// `Authorization` nor `User-Agent`.
fn default_headers(pairs: &[(String, String)]) -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| Error::config("a default header's name is not a valid header name"))?;
        if name == AUTHORIZATION {
            return Err(Error::config(
                "a default header may not be Authorization: the token is the only credential sent",
            ));
        }
        if name == USER_AGENT {
            return Err(Error::config(
                "a default header may not be User-Agent: use ClientBuilder::user_agent",
            ));
        }
        let value = HeaderValue::from_str(value).map_err(|_| {
            Error::config(format!(
                "the default header {name} contains characters a header cannot carry"
            ))
        })?;
        headers.insert(name, value);
    }
    Ok(headers)
}

/// Adds the user's root certificates to the HTTP client's builder.
fn add_root_certificates(
    http: reqwest::ClientBuilder,
    pems: &[Vec<u8>],
    built_in: bool,
) -> Result<reqwest::ClientBuilder> {
    if pems.is_empty() && built_in {
        return Ok(http);
    }
    #[cfg(any(feature = "rustls-aws-lc", feature = "rustls-ring", feature = "native-tls"))]
    {
        let mut certificates = Vec::new();
        for pem in pems {
            let bundle = reqwest::Certificate::from_pem_bundle(pem)
                .ok()
                .filter(|bundle| !bundle.is_empty())
                .ok_or_else(|| {
                    Error::config("a root certificate is not a PEM-encoded certificate")
                })?;
            certificates.extend(bundle);
        }
        Ok(if built_in {
            http.tls_certs_merge(certificates)
        } else {
            http.tls_certs_only(certificates)
        })
    }
    #[cfg(not(any(feature = "rustls-aws-lc", feature = "rustls-ring", feature = "native-tls")))]
    {
        let _ = http;
        Err(Error::config(format!(
            "root certificates need a TLS backend; enable one of the features {}",
            crate::tls::FEATURES
        )))
    }
}

/// Checks a base URL ([`check_base_url`]).
fn parse_base_url(text: &str, allow_insecure_http: bool) -> Result<Url> {
    check_base_url(text, allow_insecure_http).map_err(|problem| {
        let fix = if problem == BaseUrlProblem::InsecureHttp {
            "; use https:// or allow_insecure_http(true)"
        } else {
            ""
        };
        Error::config(format!("the base URL {problem}{fix}"))
    })
}

#[cfg(test)]
#[path = "../tests/unit/builder.rs"]
mod tests;
