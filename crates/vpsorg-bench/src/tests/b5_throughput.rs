use super::*;

#[test]
fn heads_are_parsed_once_complete() {
    let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx: y\r\n\r\nhello";
    assert_eq!(parse_head(&answer[..20]).unwrap(), None);
    assert_eq!(parse_head(answer).unwrap(), Some((200, 44, 5)));
    assert!(parse_head(b"HTTP/1.1 200 OK\r\n\r\n").is_err());
}
