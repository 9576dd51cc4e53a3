//! API fuzzing driven by our own `/openapi.json` (issue 19 point 3): for every operation,
//! a bounded number of requests with hostile path, query and body values, authenticated
//! as a real developer, against the real server on both backends. Any 5xx fails, and so
//! does a JSON answer that does not match the operation's declared response schema.
//! Deterministic (seeded), so a failure reproduces; `WEARBRIDGE_FUZZ_EXAMPLES` raises the
//! examples per operation. The counts are printed (`fuzz: …`; CI shows them).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};
use wearbridge_store::Backend;

use crate::harness::{TestApp, TestDeveloper};

/// Requests per operation unless `WEARBRIDGE_FUZZ_EXAMPLES` says otherwise.
const EXAMPLES: usize = 12;
/// Where our OpenAPI document is registered for `$ref` resolution.
const DOC_URI: &str = "urn:wearbridge:openapi";

/// Values that have broken parsers elsewhere, plus a few valid ones so deeper code runs.
fn hostile_strings(user: &str) -> Vec<String> {
    let mut values: Vec<String> = [
        "",
        "0",
        "-1",
        "1e309",
        "NaN",
        "true",
        "null",
        "[]",
        "{}",
        "2026-13-45",
        "2026-02-30",
        "1969-12-31",
        "9999-12-31",
        "99999999999999999999",
        "../../etc/passwd",
        "%00",
        "%ff%fe",
        "' OR 1=1 --",
        "<script>",
        "\u{202e}\u{0000}x",
        "😀",
        "GARMIN",
        "SANDBOX",
        "activity",
        "2024-01-01",
        "1700000000",
    ]
    .iter()
    .map(|value| (*value).to_owned())
    .collect();
    values.push("x".repeat(5_000));
    values.push(user.to_owned());
    values
}

struct Fuzzer {
    rng: StdRng,
    strings: Vec<String>,
}

impl Fuzzer {
    fn string(&mut self) -> String {
        let index = self.rng.gen_range(0..self.strings.len());
        self.strings[index].clone()
    }

    /// A JSON value: sometimes shaped by `schema`'s properties, often not.
    fn json(&mut self, schema: Option<&Value>, depth: u32) -> Value {
        let choice = self.rng.gen_range(0..10);
        if depth > 2 || choice == 0 {
            return match self.rng.gen_range(0..6) {
                0 => Value::Null,
                1 => json!(self.rng.gen_range(-1_000_000_i64..1_000_000)),
                2 => json!(self.rng.gen_bool(0.5)),
                3 => json!(f64::MAX),
                _ => json!(self.string()),
            };
        }
        let properties = schema
            .and_then(|schema| schema.get("properties"))
            .and_then(Value::as_object);
        match (choice, properties) {
            (1, _) => Value::Array(
                (0..self.rng.gen_range(0..4))
                    .map(|_| self.json(None, depth + 1))
                    .collect(),
            ),
            (_, Some(properties)) => {
                let keys: Vec<String> = properties.keys().cloned().collect();
                let mut object = serde_json::Map::new();
                for key in keys {
                    if self.rng.gen_bool(0.7) {
                        let value = self.json(None, depth + 1);
                        object.insert(key, value);
                    }
                }
                Value::Object(object)
            }
            _ => {
                let mut object = serde_json::Map::new();
                for _ in 0..self.rng.gen_range(0..4) {
                    let value = self.json(None, depth + 1);
                    object.insert(self.string(), value);
                }
                Value::Object(object)
            }
        }
    }
}

/// `#/components/...` references made absolute against [`DOC_URI`].
fn absolute_refs(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| match (key.as_str(), value.as_str()) {
                    ("$ref", Some(reference)) if reference.starts_with("#/") => {
                        (key.clone(), json!(format!("{DOC_URI}{reference}")))
                    }
                    _ => (key.clone(), absolute_refs(value)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(absolute_refs).collect()),
        other => other.clone(),
    }
}

/// The JSON schema `operation` declares for `status`, if any.
fn response_schema(operation: &Value, status: u16) -> Option<Value> {
    let responses = operation.get("responses")?;
    let declared = responses
        .get(status.to_string())
        .or_else(|| responses.get(format!("{}XX", status / 100)))
        .or_else(|| responses.get("default"))?;
    declared
        .pointer("/content/application~1json/schema")
        .map(absolute_refs)
}

fn schema_errors(document: &Value, schema: &Value, body: &Value) -> Vec<String> {
    let mut doc = document.clone();
    if let Value::Object(map) = &mut doc {
        map.insert("$id".to_owned(), json!(DOC_URI));
    }
    let resource = match jsonschema::Resource::from_contents(doc) {
        Ok(resource) => resource,
        Err(error) => return vec![format!("openapi document: {error}")],
    };
    let validator = match jsonschema::options()
        .with_resource(DOC_URI, resource)
        .build(schema)
    {
        Ok(validator) => validator,
        Err(error) => return vec![format!("schema does not compile: {error}")],
    };
    validator
        .iter_errors(body)
        .map(|error| format!("{}: {error}", error.instance_path))
        .collect()
}

struct Tally {
    operations: usize,
    examples: usize,
    failures: Vec<String>,
}

async fn fuzz_operation(
    (app, http): (&TestApp, &reqwest::Client),
    dev: &TestDeveloper,
    (document, path, method, operation): (&Value, &str, &str, &Value),
    fuzzer: &mut Fuzzer,
    tally: &mut Tally,
) {
    let examples = std::env::var("WEARBRIDGE_FUZZ_EXAMPLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(EXAMPLES);
    let parameters: Vec<Value> = operation
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let body_schema = operation
        .pointer("/requestBody/content/application~1json/schema")
        .cloned();
    for _ in 0..examples {
        let mut url_path = path.to_owned();
        let mut query = Vec::new();
        for parameter in &parameters {
            let name = parameter["name"].as_str().unwrap_or_default();
            let value = fuzzer.string();
            match parameter["in"].as_str() {
                Some("path") => {
                    let encoded =
                        url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
                    url_path = url_path.replace(&format!("{{{name}}}"), &encoded);
                }
                Some("query") if fuzzer.rng.gen_bool(0.8) => query.push((name.to_owned(), value)),
                _ => {}
            }
        }
        let method =
            Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap_or(Method::GET);
        let mut request = http
            .request(method.clone(), format!("{}{url_path}", app.base_url))
            .query(&query)
            .header("dev-id", &dev.dev_id)
            .header("x-api-key", &dev.api_key);
        if body_schema.is_some() || fuzzer.rng.gen_bool(0.2) {
            let body = fuzzer.json(body_schema.as_ref(), 0);
            request = request.json(&body);
        }
        tally.examples += 1;
        let described = format!("{method} {url_path}?{query:?}");
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                tally
                    .failures
                    .push(format!("{described}: no answer: {error}"));
                continue;
            }
        };
        let status = response.status().as_u16();
        let is_json = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/json"));
        let text = response.text().await.unwrap_or_default();
        if status >= 500 {
            tally
                .failures
                .push(format!("{described}: {status} {text:.200}"));
            continue;
        }
        let (true, Some(schema)) = (is_json, response_schema(operation, status)) else {
            continue;
        };
        let Ok(body) = serde_json::from_str::<Value>(&text) else {
            tally
                .failures
                .push(format!("{described}: {status} answered invalid JSON"));
            continue;
        };
        let errors = schema_errors(document, &schema, &body);
        if !errors.is_empty() {
            tally.failures.push(format!(
                "{described}: {status} body does not match the document: {errors:?}"
            ));
        }
    }
}

async fn fuzz(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |config| {
        config.webhooks.enabled = false;
    })
    .await
    else {
        return;
    };
    let dev = app.developer("fuzz").await;
    let user = app.user(&dev, Some("fuzz-ref")).await;
    let document: Value = app
        .http
        .get(format!("{}/openapi.json", app.base_url))
        .send()
        .await
        .expect("openapi")
        .json()
        .await
        .expect("openapi JSON");
    // Redirects are answers too (the OAuth callback redirects to the app): not followed.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut fuzzer = Fuzzer {
        rng: StdRng::seed_from_u64(19),
        strings: hostile_strings(user.as_str()),
    };
    let mut tally = Tally {
        operations: 0,
        examples: 0,
        failures: Vec::new(),
    };
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    for (path, item) in &paths {
        let Some(methods) = item.as_object() else {
            continue;
        };
        for (method, operation) in methods {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            tally.operations += 1;
            let target = (&document, path.as_str(), method.as_str(), operation);
            fuzz_operation((&app, &http), &dev, target, &mut fuzzer, &mut tally).await;
        }
    }
    println!(
        "fuzz: {backend:?}: operations {}, examples {}, failures {}",
        tally.operations,
        tally.examples,
        tally.failures.len()
    );
    assert!(tally.operations >= 50, "the document lists the API");
    assert!(tally.failures.is_empty(), "{:#?}", tally.failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_drives_a_fuzzer_that_finds_no_5xx() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        fuzz(backend).await;
    }
}
