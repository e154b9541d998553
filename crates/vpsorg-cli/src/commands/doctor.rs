//! `vpsorg doctor`: the live API against the contract this build embeds, read-only. The
//! engine is `crate::doctor`; this module resolves the connection as every command
//! does, prints the report, and turns its outcome into an exit code.

use std::io::Write;

use crate::doctor::{Doctor, Error as DoctorError};

use crate::cli::{DoctorArgs, OutputFormat};
use crate::error::{CliError, wrong_url_hint};
use crate::exit::Exit;
use crate::output;

pub(crate) async fn doctor(args: &DoctorArgs) -> Result<(), CliError> {
    let connection = super::connection(&args.remote.api)?;
    let doctor = Doctor {
        probe_errors: args.probe_errors,
        strict: args.strict,
        timeout: args.remote.request.timeout,
        ..Doctor::new(&connection.api_url, connection.token.expose())
    };
    let report = doctor.run().await.map_err(|error| {
        let url = crate::text::redact_url(&connection.api_url);
        let usage = CliError::usage(format!("cannot check {url}: {error}"));
        match error {
            DoctorError::NotTheApi => usage.with_hint(wrong_url_hint(Some(&url))),
            _ => usage,
        }
    })?;
    let mut out = output::stdout();
    let printed = match output::resolve(args.remote.output.format) {
        OutputFormat::Table => {
            write!(out, "{}", report.render_table(output::table_width())).map_err(CliError::from)
        }
        format => output::write_data(&mut out, format, &report),
    }
    .and_then(|()| out.flush().map_err(CliError::from));
    // The verdict is the run's, whatever happened to its output: `vpsorg doctor | head` of
    // a contradicted run must still fail a nightly job.
    let verdict = Some(report.outcome.exit()).filter(|exit| *exit != Exit::Success);
    super::acted(verdict.as_slice(), printed)
}
