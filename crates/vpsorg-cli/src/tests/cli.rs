use super::*;
use clap::CommandFactory;

#[test]
fn the_command_line_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn durations_must_be_positive() {
    assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
    assert_eq!(parse_duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
    assert!(parse_duration("0s").unwrap_err().contains("more than zero"));
    assert!(parse_duration("0").is_err());
    assert!(parse_duration("soon").is_err());
}

#[test]
fn tokens_stay_out_of_debug() {
    let cli = Cli::try_parse_from(["vpsorg", "backups", "list", "--token", "s3cret-tok"]).unwrap();
    assert!(!format!("{cli:?}").contains("s3cret"));
}

/// `--type` offers what the spec lists, in its order, and parses to the spec's type.
#[test]
fn backup_types_come_from_the_spec() {
    let known: Vec<&str> = BackupType::KNOWN.iter().map(BackupType::as_str).collect();
    let mut cli = Cli::command();
    cli.build();
    let backups = cli.find_subcommand("backups").unwrap();
    for name in ["list", "prune"] {
        let arg = backups
            .find_subcommand(name)
            .unwrap()
            .get_arguments()
            .find(|arg| arg.get_long() == Some("type"))
            .unwrap();
        let offered: Vec<String> =
            arg.get_possible_values().iter().map(|value| value.get_name().to_string()).collect();
        assert_eq!(offered, known, "backups {name} --type");
    }
    for known in BackupType::KNOWN {
        let cli =
            Cli::try_parse_from(["vpsorg", "backups", "list", "--type", known.as_str()]).unwrap();
        match cli.command {
            Command::Backups(BackupsCommand::List(args)) => {
                assert_eq!(args.backup_type.as_ref(), Some(known));
            }
            other => panic!("parsed as {other:?}"),
        }
    }
    assert!(Cli::try_parse_from(["vpsorg", "backups", "list", "--type", "snapshot"]).is_err());
}

#[test]
fn negative_ids_are_values_not_flags() {
    let cli = Cli::try_parse_from(["vpsorg", "backups", "list", "--server-id", "-1"]).unwrap();
    match cli.command {
        Command::Backups(BackupsCommand::List(args)) => assert_eq!(args.server_id, Some(-1)),
        other => panic!("parsed as {other:?}"),
    }
}
