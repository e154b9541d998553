//! Unit tests of `src/wait.rs`, compiled as its child module `tests` (hence `super::*`).

use super::*;

#[test]
fn equal_jitter_stays_between_half_and_whole() {
    let pause = Duration::from_millis(1000);
    for _ in 0..1000 {
        let jittered = equal_jitter(pause);
        assert!(jittered >= pause / 2 && jittered <= pause);
    }
    assert_eq!(equal_jitter(Duration::ZERO), Duration::ZERO);
    for _ in 0..1000 {
        assert!(equal_jitter(Duration::MAX) >= Duration::MAX / 2);
    }
}
