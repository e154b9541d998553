//! Contexts (named API tokens and URLs, stored in `$XDG_CONFIG_HOME/vpsorg/config.toml`) and
//! where a command's connection settings come from: flags, then the environment, then a
//! context.
//!
//! The file holds tokens, so it is written 0600 (in a 0700 directory) and a file that other
//! users could read is refused rather than used.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use clap_complete::ArgValueCandidates;
use serde::{Deserialize, Serialize};
use vpsorg_backups::DEFAULT_BASE_URL;

use crate::error::CliError;
use crate::exit::Exit;
use crate::text::{clean, redact_url};
use vpsorg_backups::__private::{BaseUrlProblem, check_base_url};

pub(crate) const TOKEN_ENV: &str = "VPSORG_API_TOKEN";
pub(crate) const URL_ENV: &str = "VPSORG_API_URL";
pub(crate) const CONTEXT_ENV: &str = "VPSORG_CONTEXT";

/// Where the API is and who is calling: every command that talks to the API takes these,
/// after its name or before the subcommand (`Cli::parse_args`). (Not `global`, so that
/// `vpsorg mock serve --token` keeps its own meaning.) The environment
/// and the stored contexts are read in `config.rs`, not by clap, so that usage lines never
/// show them and an empty variable gets an error that names it.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Connection")]
pub(crate) struct ApiArgs {
    /// API token [env: VPSORG_API_TOKEN] (prefer a context or the environment: arguments are
    /// visible to other users in `ps`)
    #[arg(long, value_name = "TOKEN", value_parser = parse_secret)]
    pub(crate) token: Option<Secret>,

    /// API base URL, such as `https://admin.vps.org` [env: VPSORG_API_URL]
    #[arg(long, value_name = "URL")]
    pub(crate) api_url: Option<String>,

    /// Use this stored context (`vpsorg context list`) [env: VPSORG_CONTEXT; default: the
    /// active context]
    #[arg(long, value_name = "NAME", add = complete_context())]
    pub(crate) context: Option<String>,
}

/// A token: kept out of `Debug`, so that no log or panic message can show it.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(token: impl Into<String>) -> Self {
        Secret(token.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

fn parse_secret(text: &str) -> Result<Secret, String> {
    Ok(Secret::new(text))
}

/// Shell completion of context names, for shells set up with `COMPLETE=bash vpsorg`.
pub(crate) fn complete_context() -> ArgValueCandidates {
    ArgValueCandidates::new(context_names)
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// The context used when none is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) active_context: Option<String>,
    #[serde(default)]
    pub(crate) contexts: BTreeMap<String, Context>,
}

/// One context: a token and, unless it is the default, the API's URL.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Context {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) api_url: Option<String>,
    pub(crate) token: Secret,
}

/// The environment as a function, so that tests can supply one.
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Reads a variable; set but empty (or blank) is an error that names it.
fn env_value(env: Env<'_>, name: &str) -> Result<Option<String>, CliError> {
    match env(name) {
        None => Ok(None),
        Some(value) if value.trim().is_empty() => {
            Err(CliError::usage(format!("{name} is set but empty"))
                .with_hint(format!("unset it (`unset {name}`) or give it a value")))
        }
        Some(value) => Ok(Some(value.trim().to_string())),
    }
}

/// Where the config file is: `$XDG_CONFIG_HOME/vpsorg/config.toml`, else
/// `$HOME/.config/vpsorg/config.toml`.
pub(crate) fn config_path(env: Env<'_>) -> Result<PathBuf, CliError> {
    let absolute =
        |name: &str| env(name).filter(|value| Path::new(value).is_absolute()).map(PathBuf::from);
    let base = absolute("XDG_CONFIG_HOME")
        .or_else(|| absolute("HOME").map(|home| home.join(".config")))
        .ok_or_else(|| {
            CliError::usage(
                "cannot tell where the config file is: neither XDG_CONFIG_HOME nor HOME is set",
            )
        })?;
    Ok(base.join("vpsorg").join("config.toml"))
}

impl Config {
    /// Reads the config file; no file is an empty config.
    pub(crate) fn load(path: &Path) -> Result<Config, CliError> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default());
            }
            Err(error) => {
                return Err(CliError::usage(format!("cannot read {}: {error}", path.display())));
            }
        };
        refuse_if_shared(path)?;
        toml::from_str(&text).map_err(|error| {
            CliError::usage(format!(
                "{} is not a valid config file: {}",
                path.display(),
                error.message()
            ))
        })
    }

    /// Writes the config file, readable by its owner only, replacing it in one step.
    pub(crate) fn save(&self, path: &Path) -> Result<(), CliError> {
        let failed = |error: std::io::Error| {
            CliError::new(Exit::Local, format!("cannot write {}: {error}", path.display()))
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir).map_err(failed)?;
        let text = toml::to_string(self).map_err(|error| {
            CliError::new(Exit::Local, format!("cannot write the config: {error}"))
        })?;
        // Written beside it (created 0600, removed again if anything fails), then renamed.
        let mut file = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
        file.write_all(text.as_bytes()).and_then(|()| file.as_file().sync_all()).map_err(failed)?;
        file.persist(path).map_err(|error| failed(error.error))?;
        Ok(())
    }

    pub(crate) fn context(&self, name: &str) -> Result<&Context, CliError> {
        self.contexts.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.contexts.keys().map(String::as_str).collect();
            let hint = if known.is_empty() {
                "there are no contexts yet; `vpsorg context create NAME` makes one".to_string()
            } else {
                format!("the contexts are: {}", known.join(", "))
            };
            CliError::usage(format!("no context named '{name}'")).with_hint(hint)
        })
    }
}

/// The stored context names, for shell completion: none when the file cannot be read.
pub(crate) fn context_names() -> Vec<clap_complete::CompletionCandidate> {
    let config = config_path(&process_env).and_then(|path| Config::load(&path));
    config.unwrap_or_default().contexts.into_keys().map(Into::into).collect()
}

#[cfg(unix)]
fn refuse_if_shared(path: &Path) -> Result<(), CliError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(|error| CliError::usage(format!("cannot read {}: {error}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(CliError::usage(format!(
            "refusing to use {}: it holds API tokens and other users may read it (mode {:03o})",
            path.display(),
            mode & 0o777
        ))
        .with_hint(format!("chmod 600 {}", path.display())));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_if_shared(_path: &Path) -> Result<(), CliError> {
    Ok(())
}

/// The config's directory, created 0700 where modes exist.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.recursive(true).create(dir)
}

/// Where one setting came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    Flag(&'static str),
    Env(&'static str),
    Context(String),
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag(name) | Source::Env(name) => f.write_str(name),
            Source::Context(name) => write!(f, "context '{name}'"),
            Source::Default => f.write_str("the default"),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Connection {
    pub(crate) token: Secret,
    pub(crate) token_source: Source,
    pub(crate) api_url: String,
    pub(crate) url_source: Source,
}

/// Works out the token and URL: `--token`/`--api-url`, then `VPSORG_API_TOKEN`/
/// `VPSORG_API_URL`, then the context (`--context`, `VPSORG_CONTEXT`, or the active one).
/// The config file is read only when a setting is still missing or a context was named, so
/// a CI job with both variables set never touches it. `notes` receives what a person should
/// know: a variable overriding a context they named.
pub(crate) fn resolve(
    args: &ApiArgs,
    env: Env<'_>,
    notes: &mut dyn FnMut(String),
) -> Result<Connection, CliError> {
    let env_token = env_value(env, TOKEN_ENV)?;
    let env_url = env_value(env, URL_ENV)?;
    let named_context = match &args.context {
        Some(name) => Some(name.clone()),
        None => env_value(env, CONTEXT_ENV)?,
    };
    let mut token = match (&args.token, env_token) {
        (Some(token), _) => Some((token.clone(), Source::Flag("--token"))),
        (None, env) => env.map(|token| (Secret::new(token), Source::Env(TOKEN_ENV))),
    };
    let mut url = match (&args.api_url, env_url) {
        (Some(url), _) => Some((url.clone(), Source::Flag("--api-url"))),
        (None, env) => env.map(|url| (url, Source::Env(URL_ENV))),
    };

    // The URL of the context whose token is used, to tell when the token goes elsewhere.
    let mut token_home: Option<String> = None;
    // Said at the end, unless the note about where the token goes says more.
    let mut url_overridden: Option<String> = None;
    let needs_context = token.is_none() || url.is_none() || named_context.is_some();
    if needs_context {
        let config = Config::load(&config_path(env)?)?;
        let named = named_context.is_some();
        let chosen = named_context.or_else(|| config.active_context.clone());
        if let Some(name) = chosen {
            let context = config.context(&name)?;
            let from_context = Source::Context(name.clone());
            match &token {
                None => {
                    token = Some((context.token.clone(), from_context.clone()));
                    token_home = Some(
                        context.api_url.clone().unwrap_or_else(|| DEFAULT_BASE_URL.to_string()),
                    );
                }
                Some((_, Source::Env(var))) if named => {
                    notes(format!("note: {var} overrides the token of context '{name}'"))
                }
                Some(_) => {}
            }
            match (&url, &context.api_url) {
                (None, Some(context_url)) => url = Some((context_url.clone(), from_context)),
                (Some((_, Source::Env(var))), Some(_)) if named => {
                    url_overridden =
                        Some(format!("note: {var} overrides the API URL of context '{name}'"));
                }
                _ => {}
            }
        }
    }

    let (token, token_source) = token.ok_or_else(|| {
        CliError::usage("no API token").with_hint(
            "`vpsorg context create NAME` stores one; or set VPSORG_API_TOKEN. \
             `vpsorg demo` shows every command without an account",
        )
    })?;
    let (api_url, url_source) =
        url.unwrap_or_else(|| (DEFAULT_BASE_URL.to_string(), Source::Default));
    check_url(&api_url, &url_source)?;
    // Flags and the environment still win, but a context's token sent to an origin other
    // than its own is worth a line: the context may not be meant for that server.
    if let (Source::Context(name), Some(home)) = (&token_source, &token_home)
        && !same_origin(home, &api_url)
    {
        url_overridden = Some(format!(
            "note: sending the token of context '{name}' to {} (from {url_source}), not to \
             the context's own {}",
            redact_url(&api_url),
            redact_url(home)
        ));
    }
    if let Some(note) = url_overridden {
        notes(note);
    }
    Ok(Connection { token, token_source, api_url, url_source })
}

/// Checks an API URL by the client's rules ([`check_base_url`]), with messages in the CLI's
/// terms that show the URL redacted.
pub(crate) fn check_url(text: &str, source: &Source) -> Result<(), CliError> {
    let shown = redact_url(text.trim());
    let Err(problem) = check_base_url(text, false) else { return Ok(()) };
    let lead = format!("the API URL from {source}");
    Err(match problem {
        BaseUrlProblem::NotAUrl(error) => {
            CliError::usage(format!("{lead} is not a URL ({error}): {shown}"))
                .with_hint("such as https://admin.vps.org")
        }
        BaseUrlProblem::NotHttp => CliError::usage(format!(
            "{lead} must be https:// (or http:// to this machine): {shown}"
        )),
        BaseUrlProblem::Credentials => {
            CliError::usage(format!("{lead} must not hold a user name or password: {shown}"))
                .with_hint("the API token is the credential; leave the user name and password out")
        }
        BaseUrlProblem::InsecureHttp => CliError::usage(format!(
            "refusing to send the API token unencrypted over http:// to {} (from {source}): \
             plain http:// is only for this machine, such as a `vpsorg mock serve`",
            url::Url::parse(text.trim())
                .ok()
                .and_then(|url| Some(url.host_str()?.to_string()))
                .unwrap_or_default()
        ))
        .with_hint(format!("use https://{}", shown.trim_start_matches("http://"))),
        BaseUrlProblem::QueryOrFragment => {
            CliError::usage(format!("{lead} must not have a query or a fragment: {shown}"))
        }
    })
}

/// Whether two URLs have one origin (scheme, host, port); text that does not parse has none.
fn same_origin(a: &str, b: &str) -> bool {
    match (url::Url::parse(a.trim()), url::Url::parse(b.trim())) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// Checks a context name: it is a TOML key and a word people type.
pub(crate) fn check_context_name(name: &str) -> Result<(), CliError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "'{}' is not a context name: use letters, digits, '.', '_' and '-' (at most 64)",
            clean(name)
        )))
    }
}

#[cfg(test)]
#[path = "tests/config.rs"]
mod tests;
