//! `vpsorg context create|use|list|delete`: named tokens and API URLs in the config file.

use std::io::Write;

use serde::Serialize;

use super::backups::print_table;
use crate::cli::{ContextCommand, ContextCreateArgs, OutputFormat};
use crate::config::{self, Config, Context, Source};
use crate::error::CliError;
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

pub(crate) fn run(command: &ContextCommand) -> Result<(), CliError> {
    let path = config::config_path(&config::process_env)?;
    let mut config = Config::load(&path)?;
    match command {
        ContextCommand::Create(args) => {
            create(&mut config, args)?;
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
        ContextCommand::Delete { name } => {
            config.context(name)?;
            config.contexts.remove(name);
            if config.active_context.as_deref() == Some(name.as_str()) {
                config.active_context = None;
            }
            config.save(&path)?;
            say(&format!("Context '{name}' and its token are deleted."));
        }
    }
    Ok(())
}

fn create(config: &mut Config, args: &ContextCreateArgs) -> Result<(), CliError> {
    config::check_context_name(&args.name)?;
    if config.contexts.contains_key(&args.name) {
        return Err(CliError::usage(format!("context '{}' already exists", args.name))
            .with_hint(format!("`vpsorg context delete {}` first to replace it", args.name)));
    }
    if let Some(url) = &args.api_url {
        config::check_url(url, &Source::Flag("--api-url"))?;
    }
    let token = prompt::read_token(args.token_stdin)?;
    config.contexts.insert(args.name.clone(), Context { api_url: args.api_url.clone(), token });
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
    if format != OutputFormat::Table {
        let mut out = output::stdout();
        output::write_data(&mut out, format, &contexts)?;
        out.flush()?;
        return Ok(());
    }
    let mut table = TextTable::new(&["ACTIVE", "NAME", "API URL"]);
    for context in &contexts {
        table.row(vec![
            if context.active { "*" } else { "" }.to_string(),
            context.name.to_string(),
            crate::text::clean(&context.api_url).into_owned(),
        ]);
    }
    print_table(table)
}
