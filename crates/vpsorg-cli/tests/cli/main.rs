//! The `vpsorg` binary as people and scripts use it, against the fake server over real HTTP
//! on 127.0.0.1. One test binary (one link on two cores), a module per subject.

mod backups;
mod contexts;
mod doctor;
mod errors;
mod layers;
mod list;
mod prune;
mod pty;
mod support;
