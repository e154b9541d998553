//! B5: the fake server's throughput on a small `list`, with many keep-alive connections.
//!
//! A minimal HTTP/1.1 load generator: each connection sends one request, reads the answer to
//! the end of its `Content-Length`, and sends the next. It runs on one thread, so that on a
//! small machine the server keeps the other cores, and it does next to nothing per request
//! (no URL parsing, no header map, no JSON), so that it measures the server rather than
//! itself. Requests are counted over a window that starts after a warm-up.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::Result;
use crate::results::{B5Run, Job, Sizes};
use crate::sys::cpu_seconds;

#[derive(Default)]
struct Counters {
    ok: AtomicU64,
    not_ok: AtomicU64,
    stop: AtomicBool,
}

pub(crate) fn run(job: &Job, sizes: &Sizes, server_pid: u32) -> Result<B5Run> {
    let authority = job
        .url
        .strip_prefix("http://")
        .ok_or("the URL must be http://host:port")?;
    let authority = authority.trim_end_matches('/');
    let request = format!(
        "GET /api/v1/backups/ HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {}\r\n\
         Accept: application/json\r\nUser-Agent: vpsorg-bench\r\n\r\n",
        job.token,
    );
    let request: Arc<[u8]> = Arc::from(request.into_bytes());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let counters = Arc::new(Counters::default());
        let mut tasks = Vec::with_capacity(sizes.connections);
        for _ in 0..sizes.connections {
            let stream = TcpStream::connect(authority).await?;
            stream.set_nodelay(true)?;
            tasks.push(tokio::spawn(connection(
                stream,
                request.clone(),
                counters.clone(),
            )));
        }
        tokio::time::sleep(Duration::from_secs_f64(sizes.b5_warmup)).await;
        let server_pid = (server_pid != 0).then(|| server_pid.to_string());
        let sample = || {
            let count = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
            let server = server_pid.as_deref().and_then(cpu_seconds);
            let cpu = [cpu_seconds("self"), server];
            (
                Instant::now(),
                count(&counters.ok),
                count(&counters.not_ok),
                cpu,
            )
        };
        let start = sample();
        tokio::time::sleep(Duration::from_secs_f64(sizes.b5_seconds)).await;
        let end = sample();
        counters.stop.store(true, Ordering::Relaxed);
        let mut failures = Vec::new();
        for task in tasks {
            failures.extend(task.await?.err().map(|e| e.to_string()));
        }
        if end.1 == start.1 {
            return Err(format!("no request succeeded: {failures:?}").into());
        }
        let [client_cpu_seconds, server_cpu_seconds] =
            [0, 1].map(|i| start.3[i].zip(end.3[i]).map(|(a, b)| b - a));
        Ok(B5Run {
            seconds: (end.0 - start.0).as_secs_f64(),
            requests: end.1 - start.1,
            not_ok: end.2 - start.2,
            connection_failures: failures.len(),
            client_cpu_seconds,
            server_cpu_seconds,
        })
    })
}

/// Sends requests on one connection until told to stop.
async fn connection(
    mut stream: TcpStream,
    request: Arc<[u8]>,
    counters: Arc<Counters>,
) -> Result<()> {
    let mut buffer: Vec<u8> = Vec::with_capacity(16 * 1024);
    while !counters.stop.load(Ordering::Relaxed) {
        stream.write_all(&request).await?;
        buffer.clear();
        let (status, header_end, length) = loop {
            if stream.read_buf(&mut buffer).await? == 0 {
                return Err("the server closed the connection".into());
            }
            if let Some(head) = parse_head(&buffer)? {
                break head;
            }
        };
        while buffer.len() < header_end + length {
            if stream.read_buf(&mut buffer).await? == 0 {
                return Err("the server closed the connection mid-body".into());
            }
        }
        let counter = if status == 200 {
            &counters.ok
        } else {
            &counters.not_ok
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// The status, where the body starts, and `Content-Length`, once the head has arrived.
fn parse_head(buffer: &[u8]) -> Result<Option<(u16, usize, usize)>> {
    let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&buffer[..end])?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or("no status line")?;
    let length = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .ok_or("the answer has no Content-Length")?;
    Ok(Some((status, end + 4, length)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_parsed_once_complete() {
        let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx: y\r\n\r\nhello";
        assert_eq!(parse_head(&answer[..20]).unwrap(), None);
        assert_eq!(parse_head(answer).unwrap(), Some((200, 44, 5)));
        assert!(parse_head(b"HTTP/1.1 200 OK\r\n\r\n").is_err());
    }
}
