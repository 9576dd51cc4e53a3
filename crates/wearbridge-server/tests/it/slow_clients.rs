//! Slow and oversized clients (issue 19 point 2) against the real server: many
//! connections sending their request head a byte at a time are closed after the header
//! read timeout while a normal request is still answered; a connection over the cap is
//! closed at once; too many headers are refused.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wearbridge_store::Backend;

use crate::harness::TestApp;

/// Bound on waiting for something the server must do; never a timing assertion.
const PATIENCE: Duration = Duration::from_secs(20);

fn addr(app: &TestApp) -> String {
    app.base_url.trim_start_matches("http://").to_owned()
}

/// Whether the server closed `stream` (a read returns end of file, a reset, or a final
/// response) within [`PATIENCE`].
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buffer = [0u8; 1024];
    let read = async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return true,
                Ok(_) => continue,
            }
        }
    };
    tokio::time::timeout(PATIENCE, read).await.unwrap_or(false)
}

async fn slow_loris(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |config| {
        config.http.header_read_timeout_secs = 1;
    })
    .await
    else {
        return;
    };
    let mut loris = Vec::new();
    for _ in 0..100 {
        let mut stream = TcpStream::connect(addr(&app)).await.expect("connect");
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: wearbridge\r\nX-Slow: ")
            .await
            .expect("write");
        loris.push(stream);
    }
    // Each sends one more byte of its head, never the end of it.
    for stream in &mut loris {
        let _ = stream.write_all(b"a").await;
    }
    let answered = tokio::time::timeout(
        PATIENCE,
        app.http.get(format!("{}/health", app.base_url)).send(),
    )
    .await
    .expect("a normal request is answered while the slow ones hang")
    .expect("health");
    assert!(answered.status().is_success());
    for stream in &mut loris {
        assert!(
            closed_by_server(stream).await,
            "a head that never ends is cut off"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_heads_are_cut_off_and_normal_requests_still_answer() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        slow_loris(backend).await;
    }
}

async fn capped(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |config| {
        config.http.max_connections = 4;
        config.http.max_headers = 20;
    })
    .await
    else {
        return;
    };
    // Four requests in flight on kept-alive connections hold the four places.
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = TcpStream::connect(addr(&app)).await.expect("connect");
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: wearbridge\r\n\r\n")
            .await
            .expect("write");
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await.expect("answered");
        assert_eq!(&head, b"HTTP/1.1 200");
        held.push(stream);
    }
    let mut over = TcpStream::connect(addr(&app)).await.expect("connect");
    let _ = over
        .write_all(b"GET /health HTTP/1.1\r\nHost: wearbridge\r\n\r\n")
        .await;
    assert!(
        closed_by_server(&mut over).await,
        "the fifth connection is closed"
    );
    drop(held);

    // Places free again: too many headers are refused with 431.
    let mut request = String::from("GET /health HTTP/1.1\r\nHost: wearbridge\r\n");
    for n in 0..40 {
        request.push_str(&format!("X-Extra-{n}: {n}\r\n"));
    }
    request.push_str("\r\n");
    let status = tokio::time::timeout(PATIENCE, async {
        loop {
            let Ok(mut stream) = TcpStream::connect(addr(&app)).await else {
                continue;
            };
            if stream.write_all(request.as_bytes()).await.is_err() {
                continue;
            }
            let mut head = [0u8; 12];
            if stream.read_exact(&mut head).await.is_ok() {
                return String::from_utf8_lossy(&head).into_owned();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("answered once places are free");
    assert_eq!(status, "HTTP/1.1 431");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_and_oversized_heads_are_refused() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        capped(backend).await;
    }
}
