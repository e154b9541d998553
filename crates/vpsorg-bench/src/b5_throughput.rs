//! B5, the fake server's throughput (see [`crate::list`]): a minimal HTTP/1.1 load generator,
//! on one thread so that the server keeps the other cores, doing next to nothing per request
//! so that it measures the server. Each connection reads an answer to the end of its
//! `Content-Length`, then sends the next; requests are counted after a warm-up.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::Result;
use crate::results::{B5Run, Job, Sizes};
use crate::sys::cpu_seconds;

/// Answers counted: 200, and others.
type Counts = [AtomicU64; 2];

pub(crate) fn run(job: &Job, sizes: &Sizes, server_pid: u32) -> Result<B5Run> {
    let authority = job.url.strip_prefix("http://").ok_or("the URL must be http://host:port")?;
    let authority = authority.trim_end_matches('/');
    let request = format!(
        "GET /api/v1/backups/ HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {}\r\n\
         Accept: application/json\r\nUser-Agent: vpsorg-bench\r\n\r\n",
        job.token,
    );
    let request: Arc<[u8]> = Arc::from(request.into_bytes());
    let (counts, stop) = (Arc::new(Counts::default()), Arc::new(AtomicBool::new(false)));
    let server_pid = (server_pid != 0).then(|| server_pid.to_string());
    let sample = || {
        let [ok, not_ok] = counts.each_ref().map(|count| count.load(Ordering::Relaxed));
        let cpu = [Some("self"), server_pid.as_deref()].map(|pid| cpu_seconds(pid?));
        (Instant::now(), ok, not_ok, cpu)
    };
    crate::measure::runtime(false)?.block_on(async {
        let mut tasks = Vec::with_capacity(sizes.connections);
        for _ in 0..sizes.connections {
            let stream = TcpStream::connect(authority).await?;
            stream.set_nodelay(true)?;
            let connection = connection(stream, request.clone(), counts.clone(), stop.clone());
            tasks.push(tokio::spawn(connection));
        }
        tokio::time::sleep(Duration::from_secs_f64(sizes.b5_warmup)).await;
        let start = sample();
        tokio::time::sleep(Duration::from_secs_f64(sizes.b5_seconds)).await;
        let end = sample();
        stop.store(true, Ordering::Relaxed);
        let mut failures = Vec::new();
        for task in tasks {
            failures.extend(task.await?.err().map(|e| e.to_string()));
        }
        if end.1 == start.1 {
            return Err(format!("no request succeeded: {failures:?}").into());
        }
        let [client_cpu_seconds, server_cpu_seconds] =
            [0, 1].map(|i| Some(end.3[i]? - start.3[i]?));
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

/// Sends requests on one connection until told to stop, reading each answer to its end.
async fn connection(
    mut stream: TcpStream,
    request: Arc<[u8]>,
    counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
) -> Result<()> {
    let mut buffer: Vec<u8> = Vec::with_capacity(16 * 1024);
    while !stop.load(Ordering::Relaxed) {
        stream.write_all(&request).await?;
        buffer.clear();
        loop {
            if stream.read_buf(&mut buffer).await? == 0 {
                return Err("the server closed the connection".into());
            }
            if let Some((status, end, length)) = parse_head(&buffer)?
                && buffer.len() >= end + length
            {
                counts[usize::from(status != 200)].fetch_add(1, Ordering::Relaxed);
                break;
            }
        }
    }
    Ok(())
}

/// The status, where the body starts, and `Content-Length`, once the head has arrived.
fn parse_head(buffer: &[u8]) -> Result<Option<(u16, usize, usize)>> {
    let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let mut lines = std::str::from_utf8(&buffer[..end])?.split("\r\n");
    let status = lines.next().and_then(|line| line.split(' ').nth(1)?.parse().ok());
    let length = lines.filter_map(|line| line.split_once(':')).find_map(|(name, value)| {
        let length = name.eq_ignore_ascii_case("content-length").then_some(value.trim());
        length?.parse().ok()
    });
    let length = length.ok_or("the answer has no Content-Length")?;
    Ok(Some((status.ok_or("no status line")?, end + 4, length)))
}

#[cfg(test)]
#[path = "tests/b5_throughput.rs"]
mod tests;
