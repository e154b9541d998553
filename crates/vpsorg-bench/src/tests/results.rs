use super::*;

#[test]
fn medians_of_odd_and_even_counts() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    assert!(median(&[]).is_nan());
    let s = Summary::of(&[5.0, 1.0, 9.0]);
    assert_eq!((s.median, s.min, s.max, s.n), (5.0, 1.0, 9.0, 3));
}

/// The job a measuring process is given reads as the JSON a person would type.
#[test]
fn jobs_read_from_json_with_defaults() {
    let job = |rest: &str| {
        let json = format!(r#"{{"url": "http://127.0.0.1:1", "token": "t"{rest}}}"#);
        serde_json::from_str::<Job>(&json)
    };
    let b1 = job(r#", "measure": {"b1": {}}"#).unwrap();
    assert_eq!(b1.url, "http://127.0.0.1:1");
    assert!(matches!(b1.measure, Measure::B1 { only: None }) && !b1.quick);
    let b2 = job(r#", "measure": "b2", "quick": true"#).unwrap();
    assert!(matches!(b2.measure, Measure::B2) && b2.quick);
    assert!(job("").is_err());
    assert!(job(r#", "measure": {"b9": {}}"#).is_err());
}
