//! The `vpsorg-mock` binary as a person would run it: it prints where it listens, serves the
//! vendor's examples, and stops cleanly on Ctrl-C (SIGINT); and its flags, `cli::ServeArgs`.
#![cfg(feature = "cli")]

#[cfg(unix)]
use std::io::{BufRead, BufReader, Read};
#[cfg(unix)]
use std::process::{Command, Stdio};
use std::time::Duration;

use clap::Parser;
use vpsorg_backups_mock::cli::{ServeArgs, banner};
use vpsorg_backups_mock::{DEFAULT_TOKEN, MockServer, Seed};

#[cfg(unix)]
#[tokio::test]
async fn the_binary_serves_the_vendors_examples_and_stops_on_ctrl_c() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vpsorg-mock"))
        .args(["--port", "0", "--token", "T0KEN", "--fault", "list:503:nth=2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    while let Some(Ok(line)) = lines.next() {
        let done = line.starts_with("Ctrl-C");
        banner.push(line);
        if done {
            break;
        }
    }
    let field = |name: &str| {
        banner
            .iter()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no {name} in {banner:#?}"))
    };
    let base_url = field("base URL:");
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
    assert_eq!(field("token:"), "T0KEN");
    assert!(field("seed:").contains("2025-01-16T15:45:00Z"));

    let http = reqwest::Client::new();
    let url = format!("{base_url}/api/v1/backups/?server_id=12345");
    let list = http.get(&url).bearer_auth("T0KEN").send().await.unwrap();
    assert_eq!(list.status(), 200);
    let body: serde_json::Value = list.json().await.unwrap();
    assert_eq!(body["count"], 3);
    let faulted = http.get(&url).bearer_auth("T0KEN").send().await.unwrap();
    assert_eq!(faulted.status(), 503, "--fault is applied");

    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("stopping"), "{stderr}");
    assert!(!stderr.contains("T0KEN"));
}

#[cfg(unix)]
#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output =
        Command::new(env!("CARGO_BIN_EXE_vpsorg-mock")).args(["--port", &port]).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("cannot serve on 127.0.0.1:{port}")), "{stderr}");
}

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
}

/// The request the banner suggests lists backups that exist, whatever the seed.
#[tokio::test]
async fn the_banner_suggests_a_server_the_seed_has() {
    for (seed, expected) in [
        (Seed::vendor_examples(), "/api/v1/backups/?server_id=12345\n"),
        (Seed::generated(3, 4), "/api/v1/backups/?server_id=10003\n"),
        (Seed::empty(), "/api/v1/backups/\n"),
    ] {
        let server = MockServer::builder().seed(seed).start().await.unwrap();
        let banner = banner(&server);
        assert!(banner.contains(expected), "{banner}");
        if let Some(backup) = server.newest_backup() {
            assert!(!server.backups_of(backup.server.id).is_empty());
        }
    }
}

#[test]
fn flags_configure_the_server() {
    let cli = Cli::try_parse_from([
        "vpsorg-mock",
        "--port",
        "0",
        "--token",
        "T",
        "--generate",
        "2,30",
        "--complete-after",
        "50ms",
        "--latency",
        "1m30s",
        "--fault",
        "list:503:nth=1:times=2:retry-after=1",
        "--fault",
        "create:drop-after",
    ])
    .unwrap();
    let args = cli.serve;
    assert_eq!((args.port, args.token.as_str()), (0, "T"));
    assert_eq!(args.generate, Some((2, 30)));
    assert_eq!(args.seed().backups().len(), 60);
    assert_eq!(args.complete_after, Duration::from_millis(50));
    assert_eq!(args.latency, Duration::from_secs(90));
    let hour = Cli::try_parse_from(["vpsorg-mock", "--latency", "1h"]).unwrap();
    assert_eq!(hour.serve.latency, Duration::from_secs(3600));
    assert_eq!(args.faults.len(), 2);
}

#[test]
fn defaults_serve_the_vendors_examples_on_8080() {
    let args = Cli::try_parse_from(["vpsorg-mock"]).unwrap().serve;
    assert_eq!(format!("{:?}", ServeArgs::default()), format!("{args:?}"));
    assert_eq!(args.port, 8080);
    assert_eq!(args.token, DEFAULT_TOKEN);
    assert_eq!(args.seed(), Seed::vendor_examples());
    assert_eq!(args.complete_after, Duration::from_secs(2));
}

#[test]
fn bad_flags_are_refused() {
    for argv in [
        ["vpsorg-mock", "--generate", "ten"].as_slice(),
        &["vpsorg-mock", "--generate", "1,2", "--empty"],
        &["vpsorg-mock", "--fault", "list:explode"],
        &["vpsorg-mock", "--latency", "soon"],
    ] {
        assert!(Cli::try_parse_from(argv).is_err(), "{argv:?}");
    }
}
