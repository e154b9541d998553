use super::*;

#[test]
fn faults_fire_on_the_nth_matching_request_for_their_count() {
    let mut faults = Faults::default();
    faults.inject(Fault::status(503).on(Operation::ListBackups).nth(2).times(2));
    let list = Some(Operation::ListBackups);
    let fired: Vec<bool> = [list, Some(Operation::CreateBackup), list, None, list, list]
        .into_iter()
        .map(|op| faults.pick(op).is_some())
        .collect();
    assert_eq!(fired, [false, false, true, false, true, false]);
    assert!(faults.is_empty(), "a spent fault is dropped");
}
