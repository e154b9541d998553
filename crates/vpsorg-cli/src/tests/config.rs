use super::*;

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(config: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vpsorg").join("config.toml");
        if !config.is_empty() {
            create_private_dir(path.parent().unwrap()).unwrap();
            fs::write(&path, config).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
            }
        }
        Fixture { dir }
    }

    fn resolve(
        &self,
        args: &ApiArgs,
        vars: &[(&str, &str)],
    ) -> Result<(Connection, Vec<String>), CliError> {
        let home = self.dir.path().to_str().unwrap().to_string();
        let env = |name: &str| {
            if name == "XDG_CONFIG_HOME" {
                return Some(home.clone());
            }
            vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        let mut notes = Vec::new();
        let connection = resolve(args, &env, &mut |note| notes.push(note))?;
        Ok((connection, notes))
    }
}

const TWO_CONTEXTS: &str = r#"
active_context = "prod"
[contexts.prod]
token = "prod-token"
[contexts.staging]
api_url = "http://127.0.0.1:8080"
token = "staging-token"
"#;

fn args(token: Option<&str>, url: Option<&str>, context: Option<&str>) -> ApiArgs {
    ApiArgs {
        token: token.map(Secret::new),
        api_url: url.map(String::from),
        context: context.map(String::from),
    }
}

#[test]
fn flags_beat_the_environment_which_beats_the_context() {
    let fixture = Fixture::new(TWO_CONTEXTS);
    let (c, _) = fixture.resolve(&args(None, None, None), &[]).unwrap();
    assert_eq!(c.token.expose(), "prod-token");
    assert_eq!(c.token_source, Source::Context("prod".into()));
    assert_eq!((c.api_url.as_str(), &c.url_source), (DEFAULT_BASE_URL, &Source::Default));

    let env = [(TOKEN_ENV, "env-token"), (URL_ENV, "http://localhost:9")];
    let (c, notes) = fixture.resolve(&args(None, None, None), &env).unwrap();
    assert_eq!((c.token.expose(), c.api_url.as_str()), ("env-token", "http://localhost:9"));
    assert!(notes.is_empty(), "the active context overridden is no news: {notes:?}");

    let (c, _) =
        fixture.resolve(&args(Some("flag-token"), Some("http://[::1]:1"), None), &env).unwrap();
    assert_eq!((c.token.expose(), c.api_url.as_str()), ("flag-token", "http://[::1]:1"));
    assert_eq!(c.token_source, Source::Flag("--token"));

    let (c, _) = fixture.resolve(&args(None, None, Some("staging")), &[]).unwrap();
    assert_eq!((c.token.expose(), c.api_url.as_str()), ("staging-token", "http://127.0.0.1:8080"));
    let (c, _) = fixture.resolve(&args(None, None, None), &[(CONTEXT_ENV, "staging")]).unwrap();
    assert_eq!(c.token.expose(), "staging-token");
}

#[test]
fn a_named_context_overridden_by_the_environment_is_noted() {
    let fixture = Fixture::new(TWO_CONTEXTS);
    let (c, notes) =
        fixture.resolve(&args(None, None, Some("staging")), &[(TOKEN_ENV, "env-token")]).unwrap();
    assert_eq!(c.token.expose(), "env-token");
    assert_eq!(c.api_url, "http://127.0.0.1:8080");
    assert_eq!(notes, ["note: VPSORG_API_TOKEN overrides the token of context 'staging'"]);
}

#[test]
fn a_contexts_token_sent_to_another_origin_is_noted() {
    let fixture = Fixture::new(TWO_CONTEXTS);
    let (c, notes) = fixture.resolve(&args(None, Some("http://localhost:9"), None), &[]).unwrap();
    assert_eq!(
        (c.token.expose(), c.api_url.as_str()),
        ("prod-token", "http://localhost:9"),
        "the flag still wins"
    );
    assert_eq!(
        notes,
        ["note: sending the token of context 'prod' to http://localhost:9 (from \
             --api-url), not to the context's own https://admin.vps.org"]
    );
    let (_, notes) = fixture
        .resolve(&args(None, None, Some("staging")), &[(URL_ENV, "https://staging.example.test")])
        .unwrap();
    assert_eq!(
        notes,
        ["note: sending the token of context 'staging' to https://staging.example.test \
         (from VPSORG_API_URL), not to the context's own http://127.0.0.1:8080"],
        "one note, not also \"VPSORG_API_URL overrides the API URL\""
    );
    // The context's own origin, or a token that is not the context's: nothing to say.
    for (a, vars) in [
        (args(None, Some("https://admin.vps.org/"), None), &[][..]),
        (args(None, Some("http://127.0.0.1:8080/x"), Some("staging")), &[]),
        (args(None, Some("http://localhost:9"), None), &[(TOKEN_ENV, "env-token")]),
    ] {
        let (_, notes) = fixture.resolve(&a, vars).unwrap();
        assert!(notes.is_empty(), "{a:?}: {notes:?}");
    }
}

#[test]
fn the_config_file_is_not_read_when_flags_and_environment_suffice() {
    let fixture = Fixture::new("this is not toml");
    let env = [(TOKEN_ENV, "t"), (URL_ENV, "https://example.test")];
    assert!(fixture.resolve(&args(None, None, None), &env).is_ok());
    assert!(fixture.resolve(&args(None, None, None), &[(TOKEN_ENV, "t")]).is_err());
}

#[test]
fn mistakes_name_what_is_wrong() {
    let fixture = Fixture::new(TWO_CONTEXTS);
    let message =
        |result: Result<(Connection, Vec<String>), CliError>| result.unwrap_err().to_string();
    assert!(
        message(fixture.resolve(&args(None, None, None), &[(URL_ENV, "")]))
            .contains("VPSORG_API_URL is set but empty")
    );
    assert!(
        message(fixture.resolve(&args(None, None, None), &[(TOKEN_ENV, " ")]))
            .contains("VPSORG_API_TOKEN is set but empty")
    );
    let unknown = message(fixture.resolve(&args(None, None, Some("qa")), &[]));
    assert!(
        unknown.contains("no context named 'qa'") && unknown.contains("prod, staging"),
        "{unknown}"
    );
    let insecure = message(fixture.resolve(&args(None, Some("http://10.0.0.1:8080"), None), &[]));
    assert!(
        insecure.contains("http://")
            && insecure.contains("10.0.0.1")
            && !insecure.contains("allow_insecure"),
        "{insecure}"
    );
    assert!(
        message(Fixture::new("").resolve(&args(None, None, None), &[])).contains("no API token")
    );
}

#[cfg(unix)]
#[test]
fn a_file_others_can_read_is_refused_and_saves_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let fixture = Fixture::new(TWO_CONTEXTS);
    let path = fixture.dir.path().join("vpsorg").join("config.toml");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let refused = Config::load(&path).unwrap_err().to_string();
    assert!(
        refused.contains("other users may read it (mode 644)") && refused.contains("chmod 600"),
        "{refused}"
    );

    let fresh = fixture.dir.path().join("new").join("vpsorg").join("config.toml");
    let mut config = Config::default();
    config.contexts.insert("a".into(), Context { api_url: None, token: Secret::new("tok") });
    config.save(&fresh).unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&fresh), 0o600);
    assert_eq!(mode(fresh.parent().unwrap()), 0o700);
    assert_eq!(Config::load(&fresh).unwrap().contexts["a"].token.expose(), "tok");
    assert!(!format!("{:?}", Config::load(&fresh).unwrap()).contains("tok\""));
}

#[test]
fn credentials_in_urls_are_never_shown() {
    for (url, shown) in [
        ("https://admin.vps.org", "https://admin.vps.org"),
        ("https://u:pw@h.example/x@y", "https://u:***@h.example/x@y"),
        ("https://tok3n@h.example", "https://***@h.example"),
        ("https://:pw@h.example?q=a@b", "https://***@h.example?q=a@b"),
        ("u:p:w@h.example:8080/a", "u:***@h.example:8080/a"),
        ("https://u:p@ss@h.example", "https://u:***@h.example"),
        // Text that does not parse as a URL: the password may hold `/`, `?` or `#`.
        ("https://user:pa/ss@h.example", "https://user:***@h.example"),
        ("https://user:p#ss@h.example/x", "https://user:***@h.example/x"),
        ("https://user:p?ss@h.example", "https://user:***@h.example"),
    ] {
        assert_eq!(redact_url(url), shown);
    }
    for url in [
        "https://user:s3cret@admin.vps.org",
        "http://user:s3cret@10.0.0.1:8080",
        "https://user:s3cret@exa mple.com",
        "ftp://user:s3cret@example.com",
    ] {
        let message = check_url(url, &Source::Flag("--api-url")).unwrap_err().to_string();
        assert!(!message.contains("s3cret") && message.contains("user:***@"), "{message}");
    }
}

#[test]
fn context_names_are_words() {
    assert!(check_context_name("prod-eu.1_a").is_ok());
    for bad in ["", "a b", "x\"y", "ü", &"a".repeat(65)] {
        assert!(check_context_name(bad).is_err(), "{bad}");
    }
}
