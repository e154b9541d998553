#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod contract;
mod finding;

pub use contract::{Contract, ContractError, OperationRef};
pub use finding::{Finding, FindingKind, Severity, describe_value};
