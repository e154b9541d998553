//! `vpsorg context`: tokens stored under names, in a file only its owner can read, and the
//! order in which flags, the environment and contexts count.

use std::process::Stdio;

use tokio::io::AsyncWriteExt;

use crate::support::*;

/// `vpsorg context create NAME --token-stdin [--api-url URL]` with `token` on stdin.
async fn create(home: &Home, name: &str, url: Option<&str>, token: &str) -> Run {
    let mut args = vec!["context", "create", name, "--token-stdin"];
    if let Some(url) = url {
        args.extend(["--api-url", url]);
    }
    piped(home, &args, token).await
}

/// `vpsorg ARGS` with `token` on stdin.
async fn piped(home: &Home, args: &[&str], token: &str) -> Run {
    let mut command = home.vpsorg(args);
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A command that refuses before reading stdin (a bad name, say) closes it: that is an
    // outcome the caller asserts on through the exit code, not a failure of the test.
    if let Err(error) = stdin.write_all(format!("{token}\n").as_bytes()).await {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[tokio::test]
async fn a_context_stores_the_token_privately_and_never_shows_it() {
    let server = vendor_server().await;
    let home = Home::new();
    create(&home, "mock", Some(server.base_url()), server.token()).await.assert_code(0);
    // The fake server is the active context: no flag, no variable needed.
    let listed = run(home.vpsorg(&["backups", "list", "--server-id", "12345"])).await;
    listed.assert_code(0);
    assert_eq!(ids(&listed.json()), [501, 499, 495]);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.config_file()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    for format in ["table", "json", "yaml"] {
        let list = run(home.vpsorg(&["context", "list", "-o", format])).await;
        list.assert_code(0);
        assert_no_token(&list);
        assert!(list.stdout.contains("mock"), "{list:#?}");
    }
    let json = run(home.vpsorg(&["context", "list", "-o", "json"])).await.json();
    assert_eq!(
        json,
        serde_json::json!([{ "name": "mock", "active": true, "api_url": server.base_url() }])
    );
}

#[tokio::test]
async fn flags_beat_the_environment_which_beats_the_context() {
    let real = vendor_server().await;
    let home = Home::new();
    // The context points at a server with the wrong token...
    let stale = ["context", "create", "stale", "--api-url", real.base_url(), "--token-stdin"];
    piped(&home, &[&stale[..], &["--no-verify"]].concat(), "stale-token").await.assert_code(0);
    run(home.vpsorg(&["backups", "list"])).await.assert_code(7);
    // ...which the environment overrides, and a flag overrides both.
    let mut env = home.vpsorg(&["backups", "list"]);
    env.env("VPSORG_API_TOKEN", TOKEN);
    run(env).await.assert_code(0);
    let mut flag = home.vpsorg(&["backups", "list", "--token", "flag-token"]);
    flag.env("VPSORG_API_TOKEN", TOKEN);
    run(flag).await.assert_code(7);

    // A context named on the command line, overridden by the environment, says so.
    create(&home, "good", Some(real.base_url()), TOKEN).await.assert_code(0);
    run(home.vpsorg(&["context", "use", "stale"])).await.assert_code(0);
    let named = run(home.vpsorg(&["backups", "list", "--context", "good"])).await;
    named.assert_code(0);
    let mut overridden = home.vpsorg(&["backups", "list", "--context", "good"]);
    overridden.env("VPSORG_API_TOKEN", "env-token");
    let overridden = run(overridden).await;
    overridden.assert_code(7);
    assert!(
        overridden
            .stderr
            .starts_with("note: VPSORG_API_TOKEN overrides the token of context 'good'\n"),
        "{overridden:#?}"
    );
    let mut by_env = home.vpsorg(&["backups", "list"]);
    by_env.env("VPSORG_CONTEXT", "good");
    run(by_env).await.assert_code(0);

    let unknown = run(home.vpsorg(&["backups", "list", "--context", "qa"])).await;
    unknown.assert_code(2);
    assert!(unknown.stderr.contains("good, stale"), "{unknown:#?}");
}

/// A context's token sent to another server (its URL from a flag or the environment) went
/// without a word.
#[tokio::test]
async fn a_contexts_token_sent_elsewhere_is_noted() {
    let own = vendor_server().await;
    let other = vendor_server().await;
    let home = Home::new();
    create(&home, "good", Some(own.base_url()), TOKEN).await.assert_code(0);
    let mut by_env = home.vpsorg(&["backups", "list"]);
    by_env.env("VPSORG_API_URL", other.base_url());
    let by_env = run(by_env).await;
    by_env.assert_code(0);
    assert_eq!(
        by_env.stderr,
        format!(
            "note: sending the token of context 'good' to {} (from VPSORG_API_URL), not to the \
             context's own {}\n",
            other.base_url(),
            own.base_url()
        )
    );
    assert_eq!(other.requests().len(), 1, "the environment still wins");
    let by_flag = run(home.vpsorg(&["backups", "list", "--api-url", other.base_url()])).await;
    by_flag.assert_code(0);
    assert!(by_flag.stderr.contains("(from --api-url)"), "{by_flag:#?}");
    let at_home = run(home.vpsorg(&["backups", "list", "--api-url", own.base_url()])).await;
    assert_eq!(at_home.stderr, "", "its own server: nothing to say");
}

#[tokio::test]
async fn use_list_and_delete() {
    let home = Home::new();
    for name in ["a", "b"] {
        let args = ["context", "create", name, "--token-stdin", "--no-verify"];
        piped(&home, &args, "t").await.assert_code(0);
    }
    let table = run(home.vpsorg(&["context", "list", "-o", "table"])).await;
    insta::assert_snapshot!("context_list", table.stdout);
    run(home.vpsorg(&["context", "use", "a"])).await.assert_code(0);
    run(home.vpsorg(&["context", "rm", "a"])).await.assert_code(0);
    let json = run(home.vpsorg(&["context", "ls", "-o", "json"])).await.json();
    assert_eq!(
        json,
        serde_json::json!([{ "name": "b", "active": false, "api_url": "https://admin.vps.org" }])
    );
    let again = create(&home, "b", None, "t").await;
    again.assert_code(2);
    assert!(again.stderr.contains("already exists"), "{again:#?}");
    let bad_name = create(&home, "my prod", None, "t").await;
    bad_name.assert_code(2);
    let insecure = create(&home, "lan", Some("http://10.0.0.1:8080"), "t").await;
    insecure.assert_code(2);
    let no_terminal = run(home.vpsorg(&["context", "create", "x"])).await;
    no_terminal.assert_code(2);
    assert!(no_terminal.stderr.contains("--token-stdin"), "{no_terminal:#?}");
}

#[cfg(unix)]
#[tokio::test]
async fn a_config_file_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let server = vendor_server().await;
    let home = Home::new();
    create(&home, "mock", Some(server.base_url()), server.token()).await.assert_code(0);
    server.clear_requests(); // the create's check of the token
    std::fs::set_permissions(home.config_file(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = run(home.vpsorg(&["backups", "list"])).await;
    run.assert_code(2);
    assert!(run.stderr.contains("chmod 600"), "{run:#?}");
    assert!(server.requests().is_empty());
}

/// `vpsorg context create ... --no-verify` with `token` on stdin: stored without a request.
async fn unchecked(home: &Home, name: &str, token: &str) -> Run {
    piped(home, &["context", "create", name, "--token-stdin", "--no-verify"], token).await
}

/// Item 15: `context create` stored any token, for any URL that `backups list` refuses; now
/// one list of one backup checks the token first, unless `--no-verify`.
#[tokio::test]
async fn create_checks_the_token_with_one_read_only_request() {
    let server = vendor_server().await;
    let home = Home::new();
    let refused = create(&home, "bad", Some(server.base_url()), "wrong-token").await;
    refused.assert_code(7);
    assert!(refused.stderr.contains("hint: the API refused the token"), "{refused:#?}");
    assert!(refused.stderr.contains("nothing was stored"), "{refused:#?}");
    assert!(!home.config_file().exists(), "nothing was stored");
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "one request, no retry");
    assert_eq!(
        (requests[0].method.as_str(), requests[0].query.as_deref()),
        ("GET", Some("page_size=1"))
    );

    create(&home, "good", Some(server.base_url()), TOKEN).await.assert_code(0);
    assert_eq!(server.requests().len(), 2);
    let args = ["context", "create", "later", "--api-url", server.base_url(), "--token-stdin"];
    piped(&home, &[&args[..], &["--no-verify"]].concat(), "wrong-token").await.assert_code(0);
    assert_eq!(server.requests().len(), 2, "--no-verify sends nothing");

    let unreachable = create(&home, "down", Some("http://127.0.0.1:1"), TOKEN).await;
    unreachable.assert_code(8);
    assert!(unreachable.stderr.contains("--no-verify; nothing was stored"), "{unreachable:#?}");
    let wrong_url = format!("{}/api/v1", server.base_url());
    let wrong_url = create(&home, "v1", Some(&wrong_url), TOKEN).await;
    wrong_url.assert_code(2);
    assert!(wrong_url.stderr.contains("without /api/v1"), "{wrong_url:#?}");
    let names = run(home.vpsorg(&["context", "list", "-o", "json"])).await.json();
    let names: Vec<_> = names.as_array().unwrap().iter().map(|c| c["name"].clone()).collect();
    assert_eq!(names, ["good", "later"]);

    // An API URL given before the subcommand, as other commands take it.
    let leading = ["--api-url", server.base_url(), "context", "create", "lead", "--token-stdin"];
    piped(&home, &leading, TOKEN).await.assert_code(0);
    let json = run(home.vpsorg(&["context", "list", "-o", "json"])).await.json();
    assert_eq!(
        json[2],
        serde_json::json!({"name": "lead", "active": true, "api_url": server.base_url()})
    );
}

/// Item 15: a URL that every command refuses (here the client's rule against a query) was
/// stored, to fail at each later command; now it is refused with the same words.
#[tokio::test]
async fn create_refuses_a_url_every_command_refuses() {
    let home = Home::new();
    let url = "http://127.0.0.1:1/?region=eu";
    let args = ["context", "create", "q", "--api-url", url, "--token-stdin", "--no-verify"];
    let stored = piped(&home, &args, TOKEN).await;
    stored.assert_code(2);
    assert!(!home.config_file().exists());
    let listed = run(home.vpsorg(&["backups", "list", "--api-url", url, "--token", TOKEN])).await;
    listed.assert_code(2);
    assert_eq!(stored.stderr, listed.stderr);
}

/// Item 15: deleting the active context left no context active without a word.
#[tokio::test]
async fn deleting_the_active_context_says_what_to_run_next() {
    let home = Home::new();
    for name in ["a", "b"] {
        unchecked(&home, name, "t").await.assert_code(0);
    }
    let inactive = run(home.vpsorg(&["context", "delete", "a"])).await;
    assert_eq!(inactive.assert_code(0).stderr, "Context 'a' and its token are deleted.\n");
    unchecked(&home, "c", "t").await.assert_code(0);
    let active = run(home.vpsorg(&["context", "delete", "c"])).await;
    assert_eq!(
        active.assert_code(0).stderr,
        "Context 'c' and its token are deleted.\nIt was the active context; none is now: \
         `vpsorg context use b` makes one active.\n"
    );
    run(home.vpsorg(&["context", "use", "b"])).await.assert_code(0);
    let last = run(home.vpsorg(&["context", "delete", "b"])).await;
    assert!(
        last.stderr.ends_with("none is now: `vpsorg context create NAME` makes one.\n"),
        "{last:#?}"
    );
}

/// Item 15: `context current` prints the file's active context, as kubectl's
/// `config current-context` does: VPSORG_CONTEXT chooses for other commands only.
#[tokio::test]
async fn current_prints_the_active_context() {
    let home = Home::new();
    let none = run(home.vpsorg(&["context", "current"])).await;
    none.assert_code(6);
    assert_eq!(
        none.stderr,
        "error: no context is active\nhint: `vpsorg context create NAME` makes one\n"
    );
    for name in ["a", "b"] {
        unchecked(&home, name, "t").await.assert_code(0);
    }
    let current = run(home.vpsorg(&["context", "current"])).await;
    assert_eq!((current.code, current.stdout.as_str(), current.stderr.as_str()), (0, "b\n", ""));
    let mut by_env = home.vpsorg(&["context", "current"]);
    by_env.env("VPSORG_CONTEXT", "a");
    let by_env = run(by_env).await;
    assert_eq!(by_env.assert_code(0).stdout, "b\n");
    assert_eq!(by_env.stderr, "note: VPSORG_CONTEXT chooses 'a' for other commands\n");
    run(home.vpsorg(&["context", "use", "a"])).await.assert_code(0);
    assert_eq!(run(home.vpsorg(&["context", "current"])).await.stdout, "a\n");
    std::fs::write(home.config_file(), "[contexts.a]\ntoken = \"t\"\n").unwrap();
    let inactive = run(home.vpsorg(&["context", "current"])).await;
    inactive.assert_code(6);
    assert!(
        inactive.stderr.ends_with("hint: `vpsorg context use a` makes one active\n"),
        "{inactive:#?}"
    );
}

/// Item 15: `context rename OLD NEW` keeps the token, the URL and the active mark.
#[tokio::test]
async fn rename_keeps_the_context_and_its_active_mark() {
    let server = vendor_server().await;
    let home = Home::new();
    unchecked(&home, "a", "t").await.assert_code(0);
    create(&home, "b", Some(server.base_url()), TOKEN).await.assert_code(0);
    let renamed = run(home.vpsorg(&["context", "rename", "b", "prod"])).await;
    assert_eq!(renamed.assert_code(0).stderr, "Context 'b' is now 'prod'.\n");
    assert_eq!(run(home.vpsorg(&["context", "current"])).await.stdout, "prod\n");
    run(home.vpsorg(&["backups", "list", "--server-id", "12345"])).await.assert_code(0);
    let json = run(home.vpsorg(&["context", "list", "-o", "json"])).await.json();
    assert_eq!(
        json[1],
        serde_json::json!({"name": "prod", "active": true, "api_url": server.base_url()})
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.config_file()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    for (old, new, says) in [
        ("a", "prod", "context 'prod' already exists"),
        ("a", "my prod", "is not a context name"),
        ("b", "c", "no context named 'b'"),
    ] {
        let refused = run(home.vpsorg(&["context", "rename", old, new])).await;
        assert!(refused.assert_code(2).stderr.contains(says), "{refused:#?}");
    }
    let unchanged = run(home.vpsorg(&["context", "list", "-o", "json"])).await.json();
    assert_eq!(unchanged, json);
}

/// Item 15: completion offers the stored context names (`COMPLETE=fish vpsorg` is what a
/// shell set up for it runs at each Tab); the static `completions` script cannot know them.
#[tokio::test]
async fn completion_offers_the_stored_context_names() {
    let home = Home::new();
    for name in ["mock", "mock2", "prod"] {
        unchecked(&home, name, "t").await.assert_code(0);
    }
    let complete = |line: &[&str]| {
        let mut command = home.vpsorg(&[&["--", "vpsorg"][..], line].concat());
        command.env("COMPLETE", "fish");
        run(command)
    };
    for line in [
        &["context", "use", ""][..],
        &["context", "delete", ""],
        &["context", "rename", ""],
        &["backups", "list", "--context", ""],
        &["--context", ""],
    ] {
        let offered = complete(line).await;
        let names: Vec<&str> =
            offered.assert_code(0).stdout.lines().filter(|l| !l.starts_with('-')).collect();
        assert_eq!(names, ["mock", "mock2", "prod"], "{line:?}");
    }
    let offered = complete(&["backups", "list", "--context", "m"]).await;
    assert_eq!(offered.stdout, "mock\nmock2\n");
    let script = run({
        let mut command = home.vpsorg(&[]);
        command.env("COMPLETE", "bash");
        command
    })
    .await;
    assert!(script.assert_code(0).stdout.contains("COMPLETE=\"bash\""), "{script:#?}");
}
