//! Runs the doctor and prints its report, the way `vpsorg doctor` will.
//!
//! ```sh
//! # against the real API (or any URL): the token from the environment
//! VPSORG_API_TOKEN=... cargo run -p vpsorg-doctor --example doctor -- https://admin.vps.org
//! # against a fake server started in-process, altered by faults (the fake server's syntax)
//! cargo run -p vpsorg-doctor --example doctor -- --fault list:extra-fields:times=always
//! ```
//!
//! Flags: `--json`, `--strict`, `--probe-errors`, `--fault SPEC` (repeatable, in-process
//! fake server only). The process exits with the report's exit code.

use std::process::ExitCode;

use vpsorg_backups_mock::{Fault, MockServer};
use vpsorg_doctor::Doctor;

#[tokio::main]
async fn main() -> ExitCode {
    let mut json = false;
    let mut strict = false;
    let mut probe_errors = false;
    let mut faults = Vec::new();
    let mut url = std::env::var("VPSORG_API_URL").ok();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--strict" => strict = true,
            "--probe-errors" => probe_errors = true,
            "--fault" => match args.next().map(|spec| spec.parse::<Fault>()) {
                Some(Ok(fault)) => faults.push(fault),
                Some(Err(error)) => return usage(&error.to_string()),
                None => return usage("--fault needs a fault"),
            },
            other if other.starts_with('-') => return usage(&format!("unknown flag {other}")),
            other => url = Some(other.to_string()),
        }
    }
    // No URL: a fake server in this process, with the faults asked for.
    let mut _server = None;
    let (url, token) = match url {
        Some(url) => match std::env::var("VPSORG_API_TOKEN") {
            Ok(token) => (url, token),
            Err(_) => return usage("set VPSORG_API_TOKEN"),
        },
        None => {
            let mut builder = MockServer::builder();
            for fault in faults {
                builder = builder.fault(fault);
            }
            let server = match builder.start().await {
                Ok(server) => server,
                Err(error) => return usage(&format!("cannot start the fake server: {error}")),
            };
            let pair = (server.base_url().to_string(), server.token().to_string());
            _server = Some(server);
            pair
        }
    };
    let doctor = Doctor::new(url, token)
        .strict(strict)
        .probe_errors(probe_errors);
    match doctor.run().await {
        Ok(report) => {
            if json {
                match serde_json::to_string_pretty(&report) {
                    Ok(text) => println!("{text}"),
                    Err(error) => return usage(&error.to_string()),
                }
            } else {
                print!("{report}");
            }
            ExitCode::from(u8::try_from(report.exit_code()).unwrap_or(1))
        }
        Err(error) => usage(&error.to_string()),
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("doctor: {problem}");
    eprintln!("usage: doctor [--json] [--strict] [--probe-errors] [--fault SPEC]... [URL]");
    ExitCode::from(2)
}
