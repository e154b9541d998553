//! The TLS backend, chosen by a feature: `rustls-aws-lc` (the default), `rustls-ring` or
//! `native-tls`.
//!
//! reqwest picks native-tls when it is enabled next to rustls, and rustls uses the process's
//! default crypto provider when one is installed, else aws-lc when that is compiled in. With
//! `rustls-ring` alone nothing is installed, and reqwest would panic while building its
//! client, so [`prepare`] installs ring's provider first (once per process, and only when no
//! other provider was installed: a provider the application installed is kept).

/// Whether this build can make `https://` requests at all.
pub(crate) const AVAILABLE: bool =
    cfg!(any(feature = "rustls-aws-lc", feature = "rustls-ring", feature = "native-tls"));

/// The features that choose a TLS backend, for error messages.
pub(crate) const FEATURES: &str = "rustls-aws-lc (the default), rustls-ring or native-tls";

/// Makes sure building a reqwest client with this crate's features cannot panic.
pub(crate) fn prepare() {
    #[cfg(all(
        feature = "rustls-ring",
        not(feature = "rustls-aws-lc"),
        not(feature = "native-tls")
    ))]
    {
        use rustls::crypto::CryptoProvider;
        if CryptoProvider::get_default().is_none() {
            // Fails only when another thread installed one meanwhile: that one is used.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    }
}
