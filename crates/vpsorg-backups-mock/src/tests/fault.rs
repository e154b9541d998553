use super::*;

#[test]
fn faults_fire_on_the_nth_matching_request_for_their_count() {
    let mut faults = vec![Fault::status(503).on(Operation::ListBackups).nth(2).times(2).into()];
    let list = Some(Operation::ListBackups);
    let fired: Vec<bool> = [list, Some(Operation::CreateBackup), list, None, list, list]
        .into_iter()
        .map(|op| pick(&mut faults, op, "/api/v1/backups/").is_some())
        .collect();
    assert_eq!(fired, [false, false, true, false, true, false]);
    assert!(faults.is_empty(), "a spent fault is dropped");
}

#[test]
fn a_fault_with_an_id_fires_only_on_requests_for_that_id() {
    let fault: Fault = "delete:403:id=7:times=always".parse().unwrap();
    assert_eq!(fault.to_string(), "delete:403:nth=1:times=always:id=7");
    let mut faults = vec![fault.into()];
    let fired = ["/api/v1/backups/17/", "/api/v1/backups/7/", "/api/v1/backups/1/"]
        .map(|path| pick(&mut faults, Some(Operation::DeleteBackup), path).is_some());
    assert_eq!(fired, [false, true, false]);
}
