//! How `vpsorg` ends: one exit code per kind of outcome, so that a script can decide what to
//! do next. This table is the only list: `--help` and the man page are made from it.

/// Each row: the variant, its code, its name in JSON output (`"error": {"kind": ...}`), and
/// what it means in at most 85 characters (`--help` shows it on one line).
macro_rules! exits {
    ($($variant:ident = $code:literal, $name:literal, $meaning:literal;)*) => {
        /// An exit code of `vpsorg`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Exit { $($variant),* }

        impl Exit {
            /// Every exit code, in order.
            pub(crate) const ALL: &[Exit] = &[$(Exit::$variant),*];
            const ROWS: &[(u8, &str, &str)] = &[$(($code, $name, $meaning)),*];
        }
    };
}

#[rustfmt::skip] // A table: one exit code a line.
exits! {
    Success = 0, "success", "success";
    Api = 1, "api_error", "the API refused the request or failed (the message says why)";
    Usage = 2, "usage", "usage: bad arguments or settings, no token, or no terminal to confirm on";
    Cancelled = 3, "cancelled", "cancelled at a confirmation prompt; nothing was changed";
    WaitFailed = 4, "wait_failed", "waited, but the backup failed, vanished or was not completed in time";
    OutcomeUnknown = 5, "outcome_unknown", "a create or restore may or may not have happened: look before retrying";
    NotFound = 6, "not_found", "the server or backup does not exist (`context current`: no context is active)";
    Unauthorized = 7, "unauthorized", "the token was refused (HTTP 401 or 403), by any command, doctor too";
    Unavailable = 8, "unavailable", "unreachable or busy (network, DNS, TLS, timeout, 429, 502-504): retry later";
    Contradicted = 9, "contract_contradicted", "doctor: the API contradicts the contract (with --strict: or goes beyond it)";
    Unchecked = 10, "contract_unchecked", "doctor: some checks could not run (unreachable, 5xx or 429): not a contract change";
    Local = 11, "local_error", "a local error: writing the output or a file failed, or vpsorg could not start";
    Interrupted = 130, "interrupted", "interrupted (Ctrl-C); a backup being waited for goes on";
}

impl Exit {
    pub(crate) const fn code(self) -> u8 {
        Self::ROWS[self as usize].0
    }

    pub(crate) fn name(self) -> &'static str {
        Self::ROWS[self as usize].1
    }

    pub(crate) fn meaning(self) -> &'static str {
        Self::ROWS[self as usize].2
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
