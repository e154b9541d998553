//! `vpsorg context create|use|list|current|rename|delete`: named tokens and API URLs in the
//! config file.

use std::io::Write;

use serde::Serialize;
use vpsorg_backups::{DEFAULT_BASE_URL, RetryPolicy};

use crate::cli::{ContextCommand, ContextCreateArgs, OutputFormat};
use crate::config::{self, Config, Connection, Context, Source};
use crate::error::CliError;
use crate::exit::Exit;
use crate::output::{self, TextTable};
use crate::progress::say;
use crate::prompt;

/// The JSON of a context: never its token (nor a password in its URL).
#[derive(Debug, Serialize)]
struct ContextJson<'a> {
    name: &'a str,
    active: bool,
    api_url: std::borrow::Cow<'a, str>,
}

pub(crate) async fn run(command: &ContextCommand) -> Result<(), CliError> {
    let path = config::config_path(&config::process_env)?;
    let mut config = Config::load(&path)?;
    match command {
        ContextCommand::Create(args) => {
            create(&mut config, args).await?;
            config.save(&path)?;
            say(&format!("Context '{}' stored in {} and active.", args.name, path.display()));
        }
        ContextCommand::Use { name } => {
            config.context(name)?;
            config.active_context = Some(name.clone());
            config.save(&path)?;
            say(&format!("Context '{name}' is active."));
        }
        ContextCommand::List { output } => list(&config, output::resolve(output.format))?,
        ContextCommand::Current => {
            let name = config.active_context.as_ref().ok_or_else(|| {
                CliError::new(Exit::NotFound, "no context is active").with_hint(next_step(&config))
            })?;
            if let Some(chosen) = config::process_env(config::CONTEXT_ENV).filter(|c| c != name) {
                say(&format!("note: VPSORG_CONTEXT chooses '{chosen}' for other commands"));
            }
            let mut out = output::stdout();
            writeln!(out, "{name}")?;
            out.flush()?;
        }
        ContextCommand::Rename { old, new } => {
            let context = config.context(old)?.clone();
            check_new_name(&config, new)?;
            config.contexts.remove(old);
            config.contexts.insert(new.clone(), context);
            if config.active_context.as_ref() == Some(old) {
                config.active_context = Some(new.clone());
            }
            config.save(&path)?;
            say(&format!("Context '{old}' is now '{new}'."));
        }
        ContextCommand::Delete { name } => {
            config.context(name)?;
            config.contexts.remove(name);
            let was_active = config.active_context.take_if(|active| active == name).is_some();
            config.save(&path)?;
            say(&format!("Context '{name}' and its token are deleted."));
            if was_active {
                say(&format!("It was the active context; none is now: {}.", next_step(&config)));
            }
        }
    }
    Ok(())
}

/// What makes a context active again: using one that is left, or creating one.
fn next_step(config: &Config) -> String {
    match config.contexts.keys().next() {
        Some(name) => format!("`vpsorg context use {name}` makes one active"),
        None => "`vpsorg context create NAME` makes one".into(),
    }
}

/// Refuses a name that is not a context name, or one already taken.
fn check_new_name(config: &Config, name: &str) -> Result<(), CliError> {
    config::check_context_name(name)?;
    if config.contexts.contains_key(name) {
        return Err(CliError::usage(format!("context '{name}' already exists"))
            .with_hint(format!("`vpsorg context delete {name}` first to replace it")));
    }
    Ok(())
}

/// Stores a new context, active, once its URL passes what every command checks (the same
/// functions) and, unless `--no-verify`, the API accepted its token for a list of one backup.
async fn create(config: &mut Config, args: &ContextCreateArgs) -> Result<(), CliError> {
    check_new_name(config, &args.name)?;
    let url_source = Source::Flag("--api-url");
    let api_url = args.api_url.clone().unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
    config::check_url(&api_url, &url_source)?;
    let token = prompt::read_token(args.token_stdin)?;
    let token_source = Source::Context(args.name.clone());
    let connection = Connection { token, token_source, api_url, url_source };
    let client = super::client(&connection, super::REQUEST_TIMEOUT)?;
    if !args.no_verify {
        let list = client.backups().list().page_size(1).retry(RetryPolicy::none());
        if let Err(error) = list.send().await {
            let error = CliError::from(error).at(&connection.api_url, &connection.token_source);
            let hint = match error.exit() {
                Exit::Unauthorized => "the API refused the token (check it in the VPS.org panel)",
                // A wrong URL: the list's own hint says which.
                Exit::Usage => return Err(error),
                _ => "check the network and --api-url, or store it unchecked with --no-verify",
            };
            return Err(error.with_hint(format!("{hint}; nothing was stored")));
        }
    }
    let context = Context { api_url: args.api_url.clone(), token: connection.token };
    config.contexts.insert(args.name.clone(), context);
    config.active_context = Some(args.name.clone());
    Ok(())
}

fn list(config: &Config, format: OutputFormat) -> Result<(), CliError> {
    let contexts: Vec<ContextJson<'_>> = config
        .contexts
        .iter()
        .map(|(name, context)| ContextJson {
            name,
            active: config.active_context.as_deref() == Some(name.as_str()),
            // `check_url` keeps credentials out of new contexts; a file edited by hand may
            // still hold some.
            api_url: crate::text::redact_url(
                context.api_url.as_deref().unwrap_or(vpsorg_backups::DEFAULT_BASE_URL),
            ),
        })
        .collect();
    let mut out = output::stdout();
    if format == OutputFormat::Table {
        let mut table = TextTable::new(&["ACTIVE", "NAME", "API URL"]);
        for context in &contexts {
            table.rows.push(vec![
                if context.active { "*" } else { "" }.to_string(),
                context.name.to_string(),
                crate::text::clean(&context.api_url).into_owned(),
            ]);
        }
        writeln!(out, "{}", table.render(true, output::row_width()))?;
    } else {
        output::write_data(&mut out, format, &contexts)?;
    }
    out.flush()?;
    Ok(())
}
