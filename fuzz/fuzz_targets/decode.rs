//! Any bytes as one response (call, status, headers, body) to the crate's decoding and
//! error mapping: it must never panic, and every outcome must have the properties that
//! `tests/decode.rs` checks with proptest in CI (the same harness file).
//!
//! `cargo fuzz run decode` (see README.md, "Reliability").

#![no_main]

#[path = "../../crates/vpsorg-backups/tests/support/decode_input.rs"]
mod decode_input;

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime")
});

fuzz_target!(|data: &[u8]| {
    let input = decode_input::Input::from_bytes(data);
    let _ = RUNTIME.block_on(input.run());
});
