//! `vpsorg-compat OLD.yaml NEW.yaml`: every change between two OpenAPI 3.0 specs, classed
//! for the client progenitor generates; exit 0 when nothing needs a bump the versions lack,
//! 1 when a breaking change does, 2 when it could not compare.

use std::process::ExitCode;

use progenitor::{GenerationSettings, InterfaceStyle, TagStyle};
use vpsorg_compat::{Contract, Options, compare, generate_with_progenitor};

const USAGE: &str = "\
usage: vpsorg-compat [options] OLD.yaml NEW.yaml

Prints every change from OLD to NEW, each breaking, additive or docs-only for the Rust
client progenitor generates, and judges the release. Exit 0: no bump is missing; 1: a
breaking change needs a semver-breaking release; 2: the specs could not be compared.
The rules take generated structs as #[non_exhaustive] and string enums as lenient, as
vpsorg-rs's codegen makes them; plain progenitor output is neither, and the comparison of
the generated clients' public items reports the breaks that follow (a new response field).

options:
  --versions OLD NEW      the client's versions for each spec (default: none; then any
                          breaking change exits 1)
  --interface STYLE       progenitor's interface: positional (default) or builder
  --tags STYLE            progenitor's tag style: merged (default) or separate
  --crate NAME            the client crate, as the verdict names it (default: the client)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: vpsorg-compat could not compare: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<bool, String> {
    let mut settings = GenerationSettings::default();
    let (mut versions, mut krate, mut files) = (None, "the client".to_owned(), Vec::new());
    let mut args = args.iter().map(String::as_str);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg {
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(true);
            }
            "--versions" => {
                let parse = |v: &str| semver::Version::parse(v).map_err(|e| format!("{v}: {e}"));
                versions = Some((parse(value()?)?, parse(value()?)?));
            }
            "--crate" => krate = value()?.to_owned(),
            "--interface" => match value()? {
                "positional" => {
                    settings.with_interface(InterfaceStyle::Positional);
                }
                "builder" => {
                    settings.with_interface(InterfaceStyle::Builder);
                }
                other => return Err(format!("unknown interface style {other}")),
            },
            "--tags" => match value()? {
                "merged" => {
                    settings.with_tag(TagStyle::Merged);
                }
                "separate" => {
                    settings.with_tag(TagStyle::Separate);
                }
                other => return Err(format!("unknown tag style {other}")),
            },
            file => files.push(file),
        };
    }
    let [old, new] = files[..] else {
        return Err("expected two spec files".into());
    };
    let (old_version, new_version) = versions.unzip();
    let read = |path: &str, version| -> Result<Contract, String> {
        let spec = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
        let label = path.to_owned();
        Ok(Contract {
            spec,
            version,
            label,
        })
    };
    let (old, new) = (read(old, old_version)?, read(new, new_version)?);
    let generate = |spec: &str| generate_with_progenitor(spec, &settings);
    let options = Options {
        spec_name: "spec",
        krate: &krate,
        generate: &generate,
    };
    let report = compare(&old, &new, &options)?;
    print!("{}", report.text);
    println!("{}", report.verdict);
    Ok(report.passes)
}
