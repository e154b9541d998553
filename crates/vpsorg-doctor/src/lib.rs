#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod choice;
pub mod contract;
#[cfg(feature = "probe")]
mod doctor;
mod finding;
#[cfg(feature = "probe")]
mod plan;
#[cfg(feature = "probe")]
mod report;
#[cfg(feature = "probe")]
mod transport;

pub use choice::{CHOICES, ChoiceId, ChoiceInfo, ChoiceVerdict, Contradiction, Verdict};
pub use contract::{Contract, ContractError, EMBEDDED_YAML};
#[cfg(feature = "probe")]
pub use doctor::{Doctor, Error};
pub use finding::{Finding, FindingKind, Severity};
#[cfg(feature = "probe")]
pub use plan::{PROBES, ProbeInfo, UNUSED_ID};
#[cfg(feature = "probe")]
pub use report::{ContractInfo, Deviation, Outcome, ProbeRecord, Report, Summary};

// The codes are `vpsorg`'s: 7 is what every vpsorg command exits with when the token is
// refused; its other codes, 1-6 and 8, mean things the doctor never reports.

/// Exit code: nothing contradicts the contract (warnings allowed unless `--strict`).
pub const EXIT_CONSISTENT: i32 = 0;
/// Exit code: the API refused the configured token (401 or 403), so the checks that need
/// it did not run. The same code as every other `vpsorg` command's refused token: a revoked
/// or mistyped token fails a nightly job instead of passing as an incomplete run.
pub const EXIT_TOKEN_REFUSED: i32 = 7;
/// Exit code: something contradicts the contract (with `--strict`, a warning too).
pub const EXIT_CONTRADICTED: i32 = 9;
/// Exit code: nothing contradicts the contract, but some checks could not run (the API
/// could not be reached, or answered 5xx or 429 where a check needed an answer). Not a
/// contract change, and not the token: a refused token is [`EXIT_TOKEN_REFUSED`].
pub const EXIT_INCOMPLETE: i32 = 10;

/// One line for `vpsorg doctor`'s `about`.
pub const ABOUT: &str = "Check the API against the contract this build embeds, read-only (nothing is created, deleted or restored)";

/// The long help of `vpsorg doctor`: what it sends, what it checks, the exit codes.
pub const HELP: &str = "\
Checks the API at the configured URL against the contract this build embeds
(openapi/backups.yaml): every status, content type, header and body is checked against the
spec's JSON Schemas, and each of the twelve choices README's \"Spec notes\" marks
\"Inferred, not documented\" gets a verdict: confirmed, contradicted (what was expected,
what came, the request id) or not observed.

It is read-only: it never creates, deletes or restores anything. By default it sends only
GET requests to /api/v1/backups/ (at most 16, plus retries after a 429 or a 502-504):
page sizes 20, 1, 100, 0 and 101, page 2, the page after the last, page=abc, the filters
(a server seen, server_id=0, each backup_type), a bad backup_type and server_id, and two
without a valid token (none, a wrong one) to check the 401s.

--probe-errors adds three writes that must fail:
  DELETE /api/v1/backups/9223372036854775807/          a backup id no account can have
  POST /api/v1/servers/9223372036854775807/restore/    a server id no account can have
  POST /api/v1/backups/ with a body that is not JSON    refused before any server is read
Like every request, each is sent again after a 429, 502, 503 or 504 (at most twice):
harmless for requests built to fail, but one write may reach the API up to three times.
It lists the backups before and after the writes. A new manual backup the create could
have made, or the deleted id gone, is a violation; any other change (an automatic backup
started, one expired, someone else at work) is a warning that the account changed during
the run, which fails nothing, even with --strict.

Additive surprises (a field or an enum value the spec does not list; a header or link the
spec says may be absent) are warnings: they fail the run only with --strict.

Exit codes of doctor (vpsorg's others mean what `vpsorg --help` says):
  0   nothing contradicts the contract
  7   the token was refused (401 or 403): most checks did not run; fix the token
  9   something contradicts it (with --strict, a warning too)
  10  incomplete: the API could not be reached, or answered 5xx or 429 where a check
      needed an answer (not a contract change, and not the token)
A refused token wins over a contradiction, and a contradiction over an incomplete run.";

/// The help of `--probe-errors`.
pub const PROBE_ERRORS_HELP: &str = "Also send three writes that must fail and change nothing: a delete of backup \
     9223372036854775807, a restore of server 9223372036854775807, a create whose body is not JSON \
     (each resent after a 429 or 502-504, at most twice, as every request)";

/// The help of `--strict`.
pub const STRICT_HELP: &str =
    "Fail (exit 9) on warnings too: fields and enum values the spec does not list";
