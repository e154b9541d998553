//! Workspace-level integration tests. They live in `tests/tests/*.rs`; this library is empty
//! because Cargo wants every package to have a target besides its tests.
