use super::*;

/// Only a lower bound: how late a loaded machine wakes it is not something a test can ask.
#[tokio::test]
async fn precise_sleeps_never_end_early() {
    for millis in [0, 1, 3, 7] {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(millis);
        sleep_until_precisely(deadline).await;
        assert!(tokio::time::Instant::now() >= deadline, "{millis} ms");
    }
}
