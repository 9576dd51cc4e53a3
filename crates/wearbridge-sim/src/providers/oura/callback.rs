//! The one outgoing call the Oura cloud makes on its own: the verification `GET` of a
//! webhook callback URL when a subscription is created. A minimal HTTP/1.1 client over
//! a TCP socket (`http://` only: the simulator talks to local test servers), because this
//! crate has no HTTP client dependency.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::{Position, Url};

/// Largest answer read; a verification answer is a few bytes of JSON.
const MAX_ANSWER_BYTES: u64 = 1024 * 1024;

/// Status and body of an answer.
#[derive(Debug)]
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: Vec<u8>,
}

/// `GET url`, the whole exchange bounded by `timeout`.
pub(super) async fn get(url: &Url, timeout: Duration) -> Result<Answer, String> {
    match tokio::time::timeout(timeout, exchange(url)).await {
        Ok(result) => result,
        Err(_) => Err(format!("no answer within {} s", timeout.as_secs())),
    }
}

async fn exchange(url: &Url) -> Result<Answer, String> {
    if url.scheme() != "http" {
        return Err(format!("cannot call {} URLs", url.scheme()));
    }
    let host = url.host_str().ok_or("callback URL has no host")?;
    let port = url.port_or_known_default().unwrap_or(80);
    let mut stream = TcpStream::connect((host, port))
        .await
        .map_err(|error| format!("connect: {error}"))?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nUser-Agent: wearbridge-sim (Oura)\r\nConnection: close\r\n\r\n",
        &url[Position::BeforePath..],
        &url[Position::BeforeHost..Position::AfterPort],
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|error| format!("send: {error}"))?;
    let mut raw = Vec::new();
    stream
        .take(MAX_ANSWER_BYTES)
        .read_to_end(&mut raw)
        .await
        .map_err(|error| format!("read: {error}"))?;
    parse(&raw)
}

/// Parses a `Connection: close` HTTP/1.1 answer (fixed length, chunked, or to EOF).
fn parse(raw: &[u8]) -> Result<Answer, String> {
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or("answer has no header end")?;
    let head = String::from_utf8_lossy(raw.get(..split).unwrap_or_default());
    let rest = raw.get(split + 4..).unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or("malformed status line")?;
    let mut chunked = false;
    let mut length: Option<usize> = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        } else if name == "content-length" {
            length = value.parse().ok();
        }
    }
    let body = if chunked {
        dechunk(rest)?
    } else {
        let end = length.unwrap_or(rest.len()).min(rest.len());
        rest.get(..end).unwrap_or_default().to_vec()
    };
    Ok(Answer { status, body })
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|window| window == b"\r\n")
            .ok_or("truncated chunk size")?;
        let size_text = String::from_utf8_lossy(rest.get(..line_end).unwrap_or_default());
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| "malformed chunk size")?;
        rest = rest.get(line_end + 2..).unwrap_or_default();
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(rest.get(..size).ok_or("truncated chunk")?);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_length_and_chunked_answers_parse() {
        let fixed = parse(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}extra");
        assert_eq!(fixed.map(|a| (a.status, a.body)).ok(), Some((200, b"{}".to_vec())));
        let chunked = parse(
            b"HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        );
        assert_eq!(
            chunked.map(|a| (a.status, a.body)).ok(),
            Some((401, b"abcde".to_vec()))
        );
        assert!(parse(b"garbage").is_err());
    }
}
