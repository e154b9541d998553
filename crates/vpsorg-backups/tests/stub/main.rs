//! Tests over real HTTP on loopback against a scripted stub server, for the cases that need
//! exact control over each response.

#[path = "../support/mod.rs"]
mod support;

mod create;
mod errors;
mod filters;
mod pagination;
mod requests;
mod retries;
mod wait;
