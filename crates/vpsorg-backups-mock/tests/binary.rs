//! The `vpsorg-mock` binary as a person would run it: it prints where it listens, serves the
//! vendor's examples, and stops cleanly on Ctrl-C (SIGINT).
#![cfg(all(unix, feature = "cli"))]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

#[tokio::test]
async fn the_binary_serves_the_vendors_examples_and_stops_on_ctrl_c() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vpsorg-mock"))
        .args([
            "--port",
            "0",
            "--token",
            "T0KEN",
            "--fault",
            "list:503:nth=2",
        ])
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

    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("stopping"), "{stderr}");
    assert!(!stderr.contains("T0KEN"));
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_vpsorg-mock"))
        .args(["--port", &port])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot serve on 127.0.0.1:{port}")),
        "{stderr}"
    );
}
