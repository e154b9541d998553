//! `vpsorg-mock`: a fake VPS.org Backups API server on 127.0.0.1. See `vpsorg-mock --help`.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use vpsorg_backups_mock::cli::{FAULT_SYNTAX, ServeArgs};

/// A stateful fake of the VPS.org Backups API, with fault injection. It serves the vendor's
/// examples by default; point the vendor's curl examples at the printed base URL.
#[derive(Debug, Parser)]
#[command(name = "vpsorg-mock", version, after_long_help = FAULT_SYNTAX)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.serve.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let port = cli.serve.port;
            let _ = writeln!(
                std::io::stderr(),
                "vpsorg-mock: cannot serve on 127.0.0.1:{port}: {error}"
            );
            ExitCode::FAILURE
        }
    }
}
