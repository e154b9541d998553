//! How `vpsorg` ends: one exit code per kind of outcome, so that a script can decide what to
//! do next. This enum is the only list: `--help` and the man page are made from it.

/// An exit code of `vpsorg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    Success,
    /// The API refused the request or failed (4xx, 500, an answer that does not decode).
    Api,
    Usage,
    Cancelled,
    WaitFailed,
    /// A create or restore may or may not have happened.
    OutcomeUnknown,
    NotFound,
    Unauthorized,
    /// Trying again later may work: nothing answered, or the API stayed busy through the retries.
    Unavailable,
    /// `vpsorg doctor`: the API contradicts the contract.
    Contradicted,
    /// `vpsorg doctor`: some checks could not run.
    Unchecked,
    /// Nothing to do with the API: writing the output or a file failed (a full disk, a bad
    /// descriptor), or the async runtime did not start.
    Local,
    /// Ctrl-C: 128 + SIGINT, as shells report it.
    Interrupted,
}

impl Exit {
    /// Every exit code, in order.
    pub(crate) const ALL: [Exit; 13] = [
        Exit::Success,
        Exit::Api,
        Exit::Usage,
        Exit::Cancelled,
        Exit::WaitFailed,
        Exit::OutcomeUnknown,
        Exit::NotFound,
        Exit::Unauthorized,
        Exit::Unavailable,
        Exit::Contradicted,
        Exit::Unchecked,
        Exit::Local,
        Exit::Interrupted,
    ];

    pub(crate) const fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Api => 1,
            Exit::Usage => 2,
            Exit::Cancelled => 3,
            Exit::WaitFailed => 4,
            Exit::OutcomeUnknown => 5,
            Exit::NotFound => 6,
            // `vpsorg doctor` exits 7 too when the token is refused.
            Exit::Unauthorized => 7,
            Exit::Unavailable => 8,
            Exit::Contradicted => 9,
            Exit::Unchecked => 10,
            Exit::Local => 11,
            Exit::Interrupted => 130,
        }
    }

    /// A name for JSON output (`"error": {"kind": "not_found", ...}`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::Api => "api_error",
            Exit::Usage => "usage",
            Exit::Cancelled => "cancelled",
            Exit::WaitFailed => "wait_failed",
            Exit::OutcomeUnknown => "outcome_unknown",
            Exit::NotFound => "not_found",
            Exit::Unauthorized => "unauthorized",
            Exit::Unavailable => "unavailable",
            Exit::Contradicted => "contract_contradicted",
            Exit::Unchecked => "contract_unchecked",
            Exit::Local => "local_error",
            Exit::Interrupted => "interrupted",
        }
    }

    /// What it means, in at most 85 characters: `--help` shows it on one line.
    pub(crate) fn meaning(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::Api => "the API refused the request or failed (the message says why)",
            Exit::Usage => {
                "usage: bad arguments or settings, no token, or no terminal to confirm on"
            }
            Exit::Cancelled => "cancelled at a confirmation prompt; nothing was changed",
            Exit::WaitFailed => {
                "waited, but the backup failed, vanished or was not completed in time"
            }
            Exit::OutcomeUnknown => {
                "a create or restore may or may not have happened: look before retrying"
            }
            Exit::NotFound => "the server or backup does not exist",
            Exit::Unauthorized => {
                "the token was refused (HTTP 401 or 403), by any command, doctor too"
            }
            Exit::Unavailable => {
                "unreachable or busy (network, DNS, TLS, timeout, 429, 502-504): retry later"
            }
            Exit::Contradicted => {
                "doctor: the API contradicts the contract (with --strict: or goes beyond it)"
            }
            Exit::Unchecked => {
                "doctor: some checks could not run (unreachable, 5xx or 429): not a contract change"
            }
            Exit::Local => {
                "a local error: writing the output or a file failed, or vpsorg could not start"
            }
            Exit::Interrupted => "interrupted (Ctrl-C); a backup being waited for goes on",
        }
    }

    /// The `Exit codes:` section of `--help`.
    pub(crate) fn help_text() -> String {
        let mut text = String::from("Exit codes:");
        for exit in Exit::ALL {
            text.push_str(&format!("\n  {:<3}  {}", exit.code(), exit.meaning()));
        }
        text
    }
}

#[cfg(test)]
#[path = "tests/exit.rs"]
mod tests;
