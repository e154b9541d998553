//! The CLI's errors: one line a person understands, a hint where one helps, and an exit code.

use std::fmt;

use vpsorg_backups::Error as ApiError;

/// Why a command failed.
#[derive(Debug)]
pub(crate) enum CliError {
    /// The command line or the configuration is wrong (exit 2).
    Usage {
        message: String,
        hint: Option<String>,
    },
    /// The API refused, failed or could not be reached (exit 1), or a wait ended without a
    /// completed backup (exit 4).
    Api(ApiError),
    /// The person answered no at a confirmation prompt (exit 3).
    Cancelled,
    /// Writing the output failed, e.g. a closed pipe (exit 1).
    Io(std::io::Error),
    /// Already printed while the command ran; only the exit code is left to give.
    AlreadyReported(Box<CliError>),
}

impl CliError {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        CliError::Usage {
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn with_hint(self, hint: impl Into<String>) -> Self {
        match self {
            CliError::Usage { message, .. } => CliError::Usage {
                message,
                hint: Some(hint.into()),
            },
            other => other,
        }
    }

    pub(crate) fn already_reported(error: CliError) -> Self {
        CliError::AlreadyReported(Box::new(error))
    }

    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage { .. } => 2,
            CliError::Api(
                ApiError::BackupFailed { .. }
                | ApiError::BackupDisappeared { .. }
                | ApiError::BackupNotListed { .. }
                | ApiError::WaitTimeout { .. },
            ) => 4,
            CliError::Api(ApiError::Config { .. } | ApiError::InvalidInput { .. }) => 2,
            CliError::Api(_) | CliError::Io(_) => 1,
            CliError::Cancelled => 3,
            CliError::AlreadyReported(inner) => inner.exit_code(),
        }
    }

    /// What to print on stderr, if anything is left to print.
    pub(crate) fn report(&self) -> Option<String> {
        match self {
            CliError::AlreadyReported(_) => None,
            other => Some(other.to_string()),
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            CliError::Usage { hint, .. } => hint.clone(),
            CliError::Api(error) => api_hint(error),
            _ => None,
        }
    }
}

fn api_hint(error: &ApiError) -> Option<String> {
    Some(match error {
        ApiError::Unauthorized { .. } => "check the token in VPSORG_API_TOKEN or --token".into(),
        ApiError::ManualBackupLimit { server_id, .. } => format!(
            "`vpsorg backups list --server-id {server_id} --type manual` lists them; `vpsorg backups delete ID` deletes one"
        ),
        ApiError::Transport { .. } | ApiError::Timeout { .. } => {
            "check the network and --api-url (VPSORG_API_URL)".into()
        }
        ApiError::RateLimited { .. } => "wait a little and try again".into(),
        _ => return None,
    })
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage { message, .. } => write!(f, "error: {message}")?,
            CliError::Api(error) => write!(f, "error: {error}")?,
            CliError::Cancelled => write!(f, "cancelled: nothing was changed")?,
            CliError::Io(error) => write!(f, "error: writing output: {error}")?,
            CliError::AlreadyReported(inner) => return inner.fmt(f),
        }
        if let Some(hint) = self.hint() {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl From<ApiError> for CliError {
    fn from(error: ApiError) -> Self {
        CliError::Api(error)
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        CliError::Io(error)
    }
}
