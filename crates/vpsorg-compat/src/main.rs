//! `vpsorg-compat OLD.yaml NEW.yaml`: the command line of the library (see README.md).

use std::process::ExitCode;

use clap::Parser;
use progenitor::{GenerationSettings, InterfaceStyle, TagStyle};
use vpsorg_compat::{Contract, Options, compare, generate_with_progenitor};

/// Prints every change from OLD to NEW, each breaking, additive or docs-only for the Rust
/// client progenitor generates, and judges the release.
///
/// Exit 0: no bump is missing; 1: a breaking change needs a semver-breaking release; 2: the
/// specs could not be compared. The rules take generated structs as #[non_exhaustive] and string enums as lenient, as
/// vpsorg-rs's codegen makes them; plain progenitor output is neither, and the comparison of
/// the generated clients' public items reports the breaks that follow (a new response field).
#[derive(Parser)]
#[command(name = "vpsorg-compat")]
struct Args {
    /// The client's versions for each spec (without them any breaking change exits 1).
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"])]
    versions: Vec<semver::Version>,
    /// progenitor's interface.
    #[arg(long, default_value = "positional", value_parser = ["positional", "builder"])]
    interface: String,
    /// progenitor's tag style.
    #[arg(long, default_value = "merged", value_parser = ["merged", "separate"])]
    tags: String,
    /// The client crate, as the verdict names it.
    #[arg(long = "crate", value_name = "NAME", default_value = "the client")]
    krate: String,
    /// The old spec, YAML or JSON.
    #[arg(value_name = "OLD.yaml")]
    old: String,
    /// The new spec.
    #[arg(value_name = "NEW.yaml")]
    new: String,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: vpsorg-compat could not compare: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<bool, String> {
    let mut settings = GenerationSettings::default();
    settings.with_interface(match args.interface.as_str() {
        "builder" => InterfaceStyle::Builder,
        _ => InterfaceStyle::Positional,
    });
    settings.with_tag(match args.tags.as_str() {
        "separate" => TagStyle::Separate,
        _ => TagStyle::Merged,
    });
    let read = |path: &str, version: Option<&semver::Version>| -> Result<Contract, String> {
        let spec = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
        Ok(Contract { spec, version: version.cloned(), label: path.to_owned() })
    };
    let old = read(&args.old, args.versions.first())?;
    let new = read(&args.new, args.versions.get(1))?;
    let generate = |spec: &str| generate_with_progenitor(spec, &settings);
    let options = Options { spec_name: "spec", krate: &args.krate, generate: &generate };
    let report = compare(&old, &new, &options)?;
    println!("{}{}", report.text, report.verdict);
    Ok(report.passes)
}
