//! Content codings: responses compressed by `Accept-Encoding` (gzip, brotli, zstd) and
//! decoded here with independent codec crates; request bodies accepted with
//! `Content-Encoding` gzip, deflate, br or zstd; `max_body_bytes` applied after
//! decompression, so a decompression bomb is a 413 in the JSON envelope.

use std::io::{Read, Write};

use axum::http::StatusCode;
use serde_json::{Value, json};
use wearbridge_model::Daily;

use crate::fixtures::{self, day};
use crate::harness::{TestDeveloper, backend_test};

/// A raw exchange: status, `content-encoding` of the answer, body bytes as received.
struct Raw {
    status: StatusCode,
    encoding: Option<String>,
    body: Vec<u8>,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

async fn exchange(request: reqwest::RequestBuilder) -> Raw {
    let response = request.send().await.expect("request");
    let status = response.status();
    let encoding = response
        .headers()
        .get("content-encoding")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = response.bytes().await.expect("body").to_vec();
    Raw {
        status,
        encoding,
        body,
    }
}

fn authed(dev: &TestDeveloper, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request
        .header("dev-id", &dev.dev_id)
        .header("x-api-key", &dev.api_key)
}

/// A request-body encoder.
type Encoder = fn(&[u8]) -> Vec<u8>;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("deflate");
    encoder.finish().expect("deflate")
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        writer.write_all(bytes).expect("brotli");
    }
    out
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).expect("zstd")
}

/// Decodes a response body by its `content-encoding`.
fn decode(encoding: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "gzip" => flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .map(|_| ()),
        "br" => brotli::Decompressor::new(body, 4096)
            .read_to_end(&mut out)
            .map(|_| ()),
        "zstd" => {
            out = zstd::decode_all(body).expect("zstd");
            Ok(())
        }
        other => panic!("unexpected content-encoding {other}"),
    }
    .expect("decodes");
    out
}

backend_test!(responses_follow_accept_encoding, |app| {
    let dev = app.developer("acme").await;
    let user = app.user(&dev, None).await;
    let records: Vec<Value> = (0..7)
        .map(|n| fixtures::daily(day(n), "+00:00", 1_000 + n as u32))
        .collect();
    app.seed::<Daily>(&dev, &user, &records).await;
    let url = format!(
        "{}/v2/daily?user_id={user}&start_date=2024-01-01&end_date=2024-01-07&to_webhook=false",
        app.base_url
    );
    let plain = exchange(authed(&dev, app.http.get(&url))).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.encoding, None, "nothing asked, nothing compressed");
    let expected = plain.json();
    assert_eq!(expected["data"].as_array().map(Vec::len), Some(7));
    for (accept, coding) in [
        ("gzip", "gzip"),
        ("br", "br"),
        ("zstd", "zstd"),
        ("gzip;q=0.5, br;q=1.0", "br"),
        ("br;q=0.1, zstd;q=0.9", "zstd"),
    ] {
        let compressed =
            exchange(authed(&dev, app.http.get(&url)).header("accept-encoding", accept)).await;
        assert_eq!(compressed.status, StatusCode::OK);
        assert_eq!(compressed.encoding.as_deref(), Some(coding), "{accept}");
        assert!(compressed.body.len() < plain.body.len(), "{accept}");
        let decoded: Value =
            serde_json::from_slice(&decode(coding, &compressed.body)).expect("JSON inside");
        assert_eq!(decoded, expected, "{accept}");
    }
});

backend_test!(compressed_request_bodies_are_accepted, |app| {
    let dev = app.developer("acme").await;
    let user = app.user(&dev, None).await;
    let url = format!("{}/v2/activity?user_id={user}", app.base_url);
    let encoders: [(&str, Encoder); 5] = [
        ("gzip", gzip),
        ("GZIP", gzip),
        ("deflate", deflate),
        ("br", brotli),
        ("zstd", zstd),
    ];
    for (n, (coding, encode)) in encoders.iter().enumerate() {
        let body = json!({
            "data": [fixtures::activity(&format!("run-{n}"), day(n as u64), 300.0 + n as f64)]
        });
        let written = exchange(
            authed(&dev, app.http.post(&url))
                .header("content-type", "application/json")
                .header("content-encoding", *coding)
                .body(encode(body.to_string().as_bytes())),
        )
        .await;
        assert_eq!(
            written.status,
            StatusCode::CREATED,
            "{coding}: {:?}",
            written.json()
        );
    }
    let read = app
        .client(&dev)
        .get(
            &format!(
                "/v2/activity?user_id={user}&start_date=2024-01-01&end_date=2024-01-10&to_webhook=false"
            ),
            200,
        )
        .await
        .json();
    let calories: Vec<f64> = read["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|record| record["calories_data"]["total_burned_calories"].as_f64())
        .collect();
    assert_eq!(calories, [300.0, 301.0, 302.0, 303.0, 304.0]);
});

backend_test!(the_body_limit_applies_after_decompression, |app| {
    let dev = app.developer("acme").await;
    let user = app.user(&dev, None).await;
    // 64 MiB of JSON whitespace inside a ~64 kB gzip: far over the 10 MiB limit once
    // decompressed, far under it on the wire.
    let mut inflated = b"{\"data\": [".to_vec();
    inflated.resize(64 << 20, b' ');
    inflated.extend_from_slice(b"]}");
    let bomb = gzip(&inflated);
    assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
    // The server answers 413 before the upload ends and then closes the connection; a
    // pooled connection would be reused for the next request and fail, so none is kept.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    for path in [
        format!("/v2/activity?user_id={user}"),
        "/v2/auth/generateWidgetSession".to_owned(),
        "/api/widget/session".to_owned(),
    ] {
        let refused = exchange(
            authed(&dev, http.post(format!("{}{path}", app.base_url)))
                .header("content-type", "application/json")
                .header("content-encoding", "gzip")
                .body(bomb.clone()),
        )
        .await;
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_eq!(
            refused.json(),
            json!({"status": "error", "message": "request body is larger than the configured limit"}),
            "{path}"
        );
    }
    // Under the limit once decompressed, the same endpoint works.
    let fine = gzip(
        json!({"data": [fixtures::activity("small", day(0), 1.0)]})
            .to_string()
            .as_bytes(),
    );
    let written = exchange(
        authed(
            &dev,
            http.post(format!("{}/v2/activity?user_id={user}", app.base_url)),
        )
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(fine),
    )
    .await;
    assert_eq!(written.status, StatusCode::CREATED, "{:?}", written.json());
});

backend_test!(bad_codings_get_a_json_error, |app| {
    let dev = app.developer("acme").await;
    let user = app.user(&dev, None).await;
    let url = format!("{}/v2/activity?user_id={user}", app.base_url);
    let send = |coding: &'static str, body: Vec<u8>| {
        authed(&dev, app.http.post(&url))
            .header("content-type", "application/json")
            .header("content-encoding", coding)
            .body(body)
    };
    let unknown = exchange(send("compress", b"{}".to_vec())).await;
    assert_eq!(unknown.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let message = unknown.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("compress") && message.contains("gzip"),
        "{message}"
    );
    let stacked = exchange(send("gzip, br", gzip(b"{}"))).await;
    assert_eq!(stacked.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let corrupt = exchange(send("gzip", b"definitely not gzip".to_vec())).await;
    assert_eq!(corrupt.status, StatusCode::BAD_REQUEST);
    assert_eq!(corrupt.json()["status"], "error");
});
