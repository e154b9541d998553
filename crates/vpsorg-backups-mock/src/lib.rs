#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod api;
#[cfg(feature = "cli")]
pub mod cli;
mod corrupt;
mod error;
mod fault;
mod log;
mod model;
mod seed;
mod server;
mod state;

pub use fault::{FAULT_SYNTAX, Fault, Operation, ParseFaultError};
pub use log::{LoggedRequest, REDACTED};
pub use model::{Backup, BackupStatus, BackupType, RestoreRecord, ServerRef};
pub use seed::Seed;
pub use server::{
    DEFAULT_COMPLETE_AFTER, DEFAULT_REQUEST_LOG_CAPACITY, DEFAULT_TOKEN, MockServer,
    MockServerBuilder,
};
