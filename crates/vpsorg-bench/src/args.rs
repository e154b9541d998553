//! `--name value` options, parsed by hand: the xtask is the only caller.

use std::collections::HashMap;
use std::str::FromStr;

use crate::Result;

/// The options of one run.
#[derive(Debug, Default)]
pub(crate) struct Args {
    values: HashMap<String, String>,
}

impl Args {
    pub(crate) fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args> {
        let mut values = HashMap::new();
        while let Some(flag) = argv.next() {
            let Some(name) = flag.strip_prefix("--") else {
                return Err(format!("expected --name value, got `{flag}`").into());
            };
            let value = argv
                .next()
                .ok_or_else(|| format!("--{name} needs a value"))?;
            values.insert(name.to_string(), value);
        }
        Ok(Args { values })
    }

    /// The fake server's base URL (`--url`).
    pub(crate) fn url(&self) -> Result<&str> {
        self.values
            .get("url")
            .map(String::as_str)
            .ok_or_else(|| "--url is required".into())
    }

    /// The fake server's token (`--token`, default `mock-token`).
    pub(crate) fn token(&self) -> &str {
        self.values
            .get("token")
            .map_or("mock-token", String::as_str)
    }

    /// A required text option, such as `--cli PATH`.
    pub(crate) fn text(&self, name: &str) -> Result<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("--{name} is required").into())
    }

    /// A numeric option, or its default.
    pub(crate) fn get<T: FromStr>(&self, name: &str, default: T) -> Result<T> {
        match self.values.get(name) {
            None => Ok(default),
            Some(text) => text
                .parse()
                .map_err(|_| format!("--{name}: `{text}` is not a valid value").into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_with_defaults() {
        let args = Args::parse(
            ["--url", "http://127.0.0.1:1", "--calls", "12"]
                .into_iter()
                .map(String::from),
        )
        .unwrap();
        assert_eq!(args.url().unwrap(), "http://127.0.0.1:1");
        assert_eq!(args.text("calls").unwrap(), "12");
        assert!(args.text("cli").is_err());
        assert_eq!(args.token(), "mock-token");
        assert_eq!(args.get("calls", 5_u32).unwrap(), 12);
        assert_eq!(args.get("reps", 5_u32).unwrap(), 5);
        assert!(args.get::<u32>("url", 1).is_err());
        assert!(Args::parse(["--url".to_string()].into_iter()).is_err());
        assert!(Args::parse(["url".to_string()].into_iter()).is_err());
    }
}
