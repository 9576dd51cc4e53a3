//! Helpers shared by the integration tests. Each test file is its own crate and takes
//! this module with `mod support;`; a test binary split into a directory (`tests/sim/`,
//! `tests/oura/`) takes it from its `main.rs` with `#[path = "../support/mod.rs"]`.

/// The `code` parameter of the redirect an authorize call answered with. Every OAuth flow
/// test reads it, and reads it the same way, whatever the provider.
pub fn redirect_code(response: &reqwest::Response) -> Result<String, Box<dyn std::error::Error>> {
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .ok_or("no Location")?
        .to_str()?;
    let code = url::Url::parse(location)?
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned());
    Ok(code.ok_or("no code")?)
}
