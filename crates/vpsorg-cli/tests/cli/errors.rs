//! Messages people read on stderr: where the API is, what went wrong, what to do about it.

use tokio::io::{AsyncBufReadExt, BufReader};
use vpsorg_backups_mock::{Fault, Operation};

use crate::support::*;

/// `vpsorg backups list` with a token and this `--api-url`, stderr and exit code.
async fn list_at(url: &str) -> Run {
    let mut command = Home::new().vpsorg(&["-q", "backups", "list", "--api-url", url]);
    command.env("VPSORG_API_TOKEN", TOKEN);
    run(command).await
}

/// Defects 5, 6 and 7: a 404 from a URL ending in /api/v1, an http:// URL elsewhere, and
/// connections that fail each say what is wrong, at which URL, and what to do.
#[tokio::test]
async fn connection_problems_name_the_url_and_the_cause() {
    let server = vendor_server().await;
    // A port nothing listens on: bind one, then free it.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let api_v1 = list_at(&format!("{}/api/v1", server.base_url())).await;
    api_v1.assert_code(2);
    let lan = list_at("http://10.0.0.1:8080").await;
    lan.assert_code(2);
    let refused = list_at(&format!("http://127.0.0.1:{closed}")).await;
    refused.assert_code(8);
    // TLS to a server that speaks plain HTTP.
    let tls = list_at(&server.base_url().replace("http://", "https://")).await;
    tls.assert_code(8);
    // A name under .invalid never resolves (RFC 6761). The resolver's own words differ
    // from system to system; the URL and "DNS" do not.
    let dns = list_at("https://vpsorg-cli-test.invalid").await;
    dns.assert_code(8);
    let first = dns.stderr.lines().next().unwrap_or_default();
    assert!(
        first
            .starts_with("error: could not connect to the API (https://vpsorg-cli-test.invalid): ")
            && first.to_ascii_lowercase().contains("dns"),
        "{dns:#?}"
    );

    assert!(!lan.stderr.contains("allow_insecure_http"), "{lan:#?}");
    assert!(refused.stderr.contains(&format!("http://127.0.0.1:{closed}")), "{refused:#?}");
    assert!(refused.stderr.contains("Connection refused"), "{refused:#?}");
    assert!(tls.stderr.contains("https://127.0.0.1:"), "{tls:#?}");
    assert_ne!(
        refused
            .stderr
            .lines()
            .next()
            .unwrap()
            .replace(&format!("http://127.0.0.1:{closed}"), "URL"),
        tls.stderr
            .lines()
            .next()
            .unwrap()
            .replace(&server.base_url().replace("http://", "https://"), "URL"),
        "a refused connection and a TLS failure read differently"
    );
    let port = server.addr().port().to_string();
    let report = [("api/v1", &api_v1), ("http on the LAN", &lan), ("TLS to plain HTTP", &tls)]
        .iter()
        .map(|(name, run)| format!("## {name}\n{}", run.stderr.replace(&port, "PORT")))
        .collect::<String>();
    insta::assert_snapshot!("connection_problems", report);
}

/// A write error other than a closed pipe (here a full disk: /dev/full) exited 1, the code
/// of an API failure: a script could not tell "the delete failed" from "the delete happened
/// and its output was lost".
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_local_write_error_has_its_own_exit_code() {
    let server = vendor_server().await;
    let full = || std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let list = run_with_stdout(against_command(&server, &["backups", "list"]), full()).await;
    list.assert_code(11);
    assert_eq!(list.stderr, "error: writing output: No space left on device (os error 28)\n");
    let deleted = run_with_stdout(
        against_command(&server, &["backups", "rm", "501", "--yes", "-o", "json"]),
        full(),
    )
    .await;
    deleted.assert_code(11);
    assert_eq!(server.backups_of(12345).len(), 2, "deleted, output lost");
    let help = vpsorg(&["--help"]).await;
    assert!(help.stdout.contains("\n  11   a local error"), "{}", help.stdout);
}

/// Defect 18: an empty VPSORG_API_URL failed without naming it; usage lines after a
/// mistake listed options set in the environment as if they had been typed.
#[tokio::test]
async fn the_environment_is_named_and_kept_out_of_usage_lines() {
    let mut empty = Home::new().vpsorg(&["backups", "list"]);
    empty.env("VPSORG_API_URL", "").env("VPSORG_API_TOKEN", TOKEN);
    let empty = run(empty).await;
    empty.assert_code(2);
    assert!(empty.stderr.starts_with("error: VPSORG_API_URL is set but empty"), "{empty:#?}");

    let mut missing = Home::new().vpsorg(&["backups", "create"]);
    missing.env("VPSORG_API_URL", "http://127.0.0.1:9").env("VPSORG_API_TOKEN", TOKEN);
    let missing = run(missing).await;
    missing.assert_code(2);
    let usage = missing.stderr.lines().find(|l| l.starts_with("Usage:")).unwrap();
    assert_eq!(usage, "Usage: vpsorg backups create --server-id <SERVER_ID>");

    let no_token = vpsorg(&["backups", "list"]).await;
    no_token.assert_code(2);
    insta::assert_snapshot!("no_token", no_token.stderr);
}

/// Defect 18: a list sat 6 s on three 503s and said nothing without -v.
#[tokio::test]
async fn retries_are_announced_on_stderr() {
    let server = vendor_server().await;
    server
        .inject(Fault::status(503).header("Retry-After", "0").on(Operation::ListBackups).times(2));
    let run = against(&server, &["backups", "list", "--server-id", "12345"]).await;
    run.assert_code(0);
    assert_eq!(ids(&run.json()), [501, 499, 495]);
    let notices: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(notices.len(), 2, "{run:#?}");
    for line in notices {
        assert!(
            line.starts_with("listing backups failed (server error (HTTP 503)")
                && line.contains("; trying again in "),
            "{line}"
        );
    }
    server.inject(Fault::status(503).on(Operation::ListBackups));
    let quiet = against(&server, &["-q", "backups", "list"]).await;
    quiet.assert_code(0);
    assert_eq!(quiet.stderr, "");
}

/// Defect 18: -v logged the path without the host.
#[tokio::test]
async fn verbose_says_where_requests_go_and_why() {
    let server = vendor_server().await;
    let run = against(&server, &["-v", "backups", "list"]).await;
    run.assert_code(0);
    assert!(
        run.stderr.contains(&format!("api_url={}", server.base_url()))
            && run.stderr.contains("url_from=VPSORG_API_URL")
            && run.stderr.contains("token_from=VPSORG_API_TOKEN"),
        "{}",
        run.stderr
    );
    assert_no_token(&run);
}

/// A password in the API URL was logged by -v and echoed by errors and hints.
#[tokio::test]
async fn a_password_in_the_api_url_is_never_shown() {
    let secret = "s3cret-pw";
    let mut report = String::new();
    for url in [
        format!("http://ops:{secret}@127.0.0.1:9"),
        format!("https://ops:{secret}@exa mple.com"),
        format!("https://{secret}@admin.vps.org"),
    ] {
        for from_env in [false, true] {
            let mut command = if from_env {
                let mut command = Home::new().vpsorg(&["-vv", "backups", "list"]);
                command.env("VPSORG_API_URL", &url);
                command
            } else {
                Home::new().vpsorg(&["-vv", "backups", "list", "--api-url", &url])
            };
            command.env("VPSORG_API_TOKEN", TOKEN);
            let run = run(command).await;
            run.assert_code(2);
            assert!(!run.stderr.contains(secret), "{run:#?}");
            assert_no_token(&run);
            if from_env {
                report.push_str(&run.stderr);
            }
        }
    }
    insta::assert_snapshot!("password_in_url", report);

    // A context file edited by hand: `context list` hides the password too.
    let home = Home::new();
    std::fs::create_dir_all(home.config_file().parent().unwrap()).unwrap();
    std::fs::write(
        home.config_file(),
        format!("[contexts.x]\napi_url = \"https://ops:{secret}@admin.vps.org\"\ntoken = \"t\"\n"),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(home.config_file(), std::fs::Permissions::from_mode(0o600))
            .unwrap();
    }
    for format in ["table", "json"] {
        let list = run(home.vpsorg(&["context", "list", "-o", format])).await;
        list.assert_code(0);
        assert!(
            !list.stdout.contains(secret) && list.stdout.contains("https://ops:***@admin.vps.org"),
            "{list:#?}"
        );
    }
}

#[tokio::test]
async fn the_token_never_appears_even_with_vv() {
    let server = vendor_server().await;
    for args in [
        &["-vv", "backups", "list", "--server-id", "12345"][..],
        &["-vv", "backups", "create", "--server-id", "12345", "--wait"],
        &["-vv", "servers", "restore", "12345", "--backup-id", "501", "--yes"],
        &["-vv", "backups", "delete", "495", "--yes"],
        &["-vv", "backups", "delete", "495", "--yes"],
    ] {
        let run = against(&server, args).await;
        assert_no_token(&run);
        assert!(run.stderr.contains("vpsorg_backups.request"), "-vv logs requests: {run:#?}");
    }
    let faulted: [(Fault, &[&str]); 4] = [
        (
            Fault::status(503).header("Retry-After", "0").on(Operation::ListBackups),
            &["-vv", "backups", "list", "--server-id", "12345"],
        ),
        (
            Fault::drop_after_read().on(Operation::CreateBackup),
            &["-vv", "backups", "create", "--server-id", "12345"],
        ),
        (
            Fault::status(302)
                .header("Location", "http://127.0.0.1:9/elsewhere")
                .on(Operation::RestoreServer),
            &["-vv", "servers", "restore", "12345", "--backup-id", "501", "--yes"],
        ),
        (
            Fault::malformed_json().on(Operation::ListBackups),
            &["-vv", "backups", "list", "--token", TOKEN],
        ),
    ];
    for (fault, args) in faulted {
        server.inject(fault);
        let run = against(&server, args).await;
        assert_no_token(&run);
        assert!(run.stderr.contains("vpsorg_backups.request"), "{run:#?}");
    }
}

#[tokio::test]
async fn help_lists_commands_and_exit_codes() {
    let mut report = String::new();
    for args in [
        &["--help"][..],
        &["backups", "--help"],
        &["backups", "list", "--help"],
        &["backups", "prune", "--help"],
        &["context", "create", "--help"],
    ] {
        let run = vpsorg(args).await;
        run.assert_code(0);
        report.push_str(&format!("$ vpsorg {}\n{}\n", args.join(" "), run.stdout));
    }
    insta::assert_snapshot!("help", report);
}

/// Defect 11: `mock serve --help` pointed at a FAULTS section that was not there.
#[tokio::test]
async fn mock_serve_help_has_the_faults_section_it_points_to() {
    let run = vpsorg(&["mock", "serve", "--help"]).await;
    run.assert_code(0);
    assert!(run.stdout.contains("see FAULTS in"), "{}", run.stdout);
    assert!(run.stdout.contains("\nFAULTS: --fault OPERATION:KIND"), "{}", run.stdout);
}

#[tokio::test]
async fn completions_are_generated() {
    let run = vpsorg(&["completions", "bash"]).await;
    run.assert_code(0);
    for word in ["complete -F", "backups", "restore", "prune", "context", "--server-id"] {
        assert!(run.stdout.contains(word), "{word} missing");
    }
}

#[tokio::test]
async fn man_pages_are_written() {
    let home = Home::new();
    let dir = home.path().join("man");
    let run = run(home.vpsorg(&["man-pages", dir.to_str().unwrap()])).await;
    run.assert_code(0);
    let top = std::fs::read_to_string(dir.join("vpsorg.1")).unwrap();
    assert!(top.contains(".SH \"EXIT STATUS\""), "{top}");
    assert!(dir.join("vpsorg-backups-prune.1").exists());
    assert!(dir.join("vpsorg-context-create.1").exists());
}

/// It serves until SIGTERM, then stops cleanly (exit 0), even with stderr a closed pipe: its
/// "stopping" line went through `eprintln!`, which panicked there (exit 101).
#[tokio::test]
async fn mock_serve_serves_until_stopped() {
    let (reader, closed_stderr) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = Home::new()
        .vpsorg(&["mock", "serve", "--port", "0", "--token", TOKEN])
        .stdout(std::process::Stdio::piped())
        .stderr(closed_stderr)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut base_url = None;
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(url) = line.strip_prefix("base URL:") {
            base_url = Some(url.trim().to_string());
            break;
        }
    }
    let base_url = base_url.expect("the banner names the base URL");
    let mut list = Home::new().vpsorg(&["backups", "list", "--server-id", "12345"]);
    list.env("VPSORG_API_URL", &base_url).env("VPSORG_API_TOKEN", TOKEN);
    let listed = run(list).await;
    listed.assert_code(0);
    assert_eq!(ids(&listed.json()), [501, 499, 495]);
    let pid = child.id().unwrap().to_string();
    let sent = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    assert_eq!(child.wait().await.unwrap().code(), Some(0));
}

#[tokio::test]
async fn the_demo_runs_to_the_end() {
    let run = vpsorg(&["demo"]).await;
    run.assert_code(0);
    for step in [
        "backups list",
        "backups create",
        "backups wait",
        "backups get",
        "servers restore",
        "backups prune",
        "backups delete",
    ] {
        assert!(
            run.stdout.contains(&format!("$ vpsorg {step}")),
            "{step} missing:\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("completed"));
    assert!(run.stdout.ends_with("`vpsorg mock serve`.\n"), "{}", run.stdout);
}

/// Issue 18, item 7: a 500 and a crafted 400 that carried `X-Request-Id: rid-42` printed
/// no request id, and `-v` logged none per request.
#[tokio::test]
async fn api_errors_and_verbose_logs_name_the_request_id() {
    let server = vendor_server().await;
    server.inject(Fault::status(500).on(Operation::ListBackups).header("X-Request-Id", "rid-42"));
    let failed = against(&server, &["backups", "list"]).await;
    failed.assert_code(1);
    assert!(failed.stderr.lines().next().unwrap().ends_with("(request id rid-42)"), "{failed:#?}");
    server.inject(
        Fault::status(400)
            .on(Operation::RestoreServer)
            .body(r#"{"detail":"No.","code":"crafted"}"#)
            .header("X-Request-Id", "rid-42"),
    );
    let refused =
        against(&server, &["servers", "restore", "12345", "--backup-id", "501", "--yes"]).await;
    refused.assert_code(1);
    assert!(
        refused.stderr.lines().next().unwrap().ends_with("(request id rid-42)"),
        "{refused:#?}"
    );

    // A retried answer's id is in its retry notice.
    server.inject(
        Fault::status(503)
            .on(Operation::ListBackups)
            .header("Retry-After", "0")
            .header("X-Request-Id", "rid-43"),
    );
    let retried = against(&server, &["backups", "list"]).await;
    retried.assert_code(0);
    assert!(retried.stderr.contains("; request id rid-43); trying again in "), "{retried:#?}");

    let verbose = against(&server, &["backups", "list", "-v"]).await;
    verbose.assert_code(0);
    let ids = server.requests().last().map(|request| request.request_id.clone()).unwrap();
    assert!(verbose.stderr.contains(&format!("request_id={ids}")), "{verbose:#?}");
}

/// Issue 18, item 13: refused restores, a failed backup and a refused token each say what
/// to do next; a 401 names where the token came from, never the token.
#[tokio::test]
async fn errors_say_what_to_do_next() {
    let vendor = vendor_server().await;
    let mut report = String::new();
    let mut show = |name: &str, run: &Run, code: i32| {
        run.assert_code(code);
        assert_no_token(run);
        report.push_str(&format!("## {name}\n{}", run.stderr));
    };
    let mismatch =
        against(&vendor, &["servers", "restore", "12345", "--backup-id", "500", "--yes"]).await;
    show("another server's backup", &mismatch, 1);

    let server_42 = crate::prune::server_42().await;
    let in_progress =
        against(&server_42, &["servers", "restore", "42", "--backup-id", "10", "--yes"]).await;
    show("an in-progress backup", &in_progress, 1);
    let failed = against(&server_42, &["backups", "wait", "8", "-o", "json"]).await;
    show("a failed backup", &failed, 4);

    let wrong = "wrong-token-9f3c";
    let mut env = against_command(&vendor, &["backups", "list"]);
    env.env("VPSORG_API_TOKEN", wrong);
    let env = run(env).await;
    show("401, token from the environment", &env, 7);
    let mut flag = against_command(&vendor, &["backups", "list", "--token", wrong]);
    flag.env_remove("VPSORG_API_TOKEN");
    let flag = run(flag).await;
    show("401, token from the flag", &flag, 7);
    let home = Home::new();
    std::fs::create_dir_all(home.config_file().parent().unwrap()).unwrap();
    std::fs::write(
        home.config_file(),
        format!(
            "active_context = \"ops\"\n[contexts.ops]\napi_url = \"{}\"\ntoken = \"{wrong}\"\n",
            vendor.base_url()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(home.config_file(), std::fs::Permissions::from_mode(0o600))
            .unwrap();
    }
    let context = run(home.vpsorg(&["backups", "list"])).await;
    show("401, token from a context", &context, 7);
    assert!(!report.contains(wrong), "{report}");
    let port = vendor.addr().port().to_string();
    let port_42 = server_42.addr().port().to_string();
    insta::assert_snapshot!(
        "what_to_do_next",
        report.replace(&port, "PORT").replace(&port_42, "PORT")
    );
}
