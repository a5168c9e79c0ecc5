//! The services some tests need: PostgreSQL at `TESSERA_TEST_DATABASE_URL`, Redis at `TESSERA_TEST_REDIS_URL`.
//!
//! Without the variable a case that needs the service is skipped with a note, so that `cargo test` works on a
//! bare machine. Under `TESSERA_TEST_SERVICES=required` (`.ci/run` sets it) a missing variable fails the test
//! instead, as `TESSERA_TEST_BROWSER=required` does for the browser test: CI cannot pass without them. A
//! variable that is set names a service the run asked for, so an unreachable one always fails, never skips.

use std::time::Duration;

/// Set to `required` to turn a missing service into a failure.
pub const SERVICES_VAR: &str = "TESSERA_TEST_SERVICES";
const DATABASE_VAR: &str = "TESSERA_TEST_DATABASE_URL";
const REDIS_VAR: &str = "TESSERA_TEST_REDIS_URL";

/// Whether `TESSERA_TEST_SERVICES=required`.
pub fn services_required() -> bool {
    std::env::var(SERVICES_VAR).as_deref() == Ok("required")
}

/// The URL in `var`, or `None` (after a note) when it is unset and services are not required.
///
/// # Panics
/// When it is unset under `TESSERA_TEST_SERVICES=required`.
pub fn service_url(var: &str, service: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if services_required() => {
            panic!("{SERVICES_VAR}=required but {var} is not set: this test needs {service}")
        }
        _ => {
            eprintln!("{var} is not set: {service} test skipped");
            None
        }
    }
}

/// The PostgreSQL to test against, from `TESSERA_TEST_DATABASE_URL` (see the module for when it is `None`).
/// Reachability is checked by [`fresh_postgres`], which every test goes through to get its own schema.
pub fn postgres_url() -> Option<String> {
    service_url(DATABASE_VAR, "PostgreSQL")
}

/// A fresh schema in the test PostgreSQL; the URL that uses it.
///
/// # Panics
/// When the variable is required and unset, or when the database cannot be reached.
pub async fn fresh_postgres() -> Option<String> {
    let base = postgres_url()?;
    match tessera_store::fresh_postgres_schema(&base).await {
        Ok(url) => Some(url),
        Err(e) => panic!("PostgreSQL at {DATABASE_VAR} is unreachable or refused a fresh schema: {e}"),
    }
}

/// The Redis to test against, from `TESSERA_TEST_REDIS_URL`, once it has answered a `PING`.
///
/// # Panics
/// When the variable is required and unset, or when Redis does not answer.
pub async fn redis_url() -> Option<String> {
    let url = service_url(REDIS_VAR, "Redis")?;
    if let Err(e) = ping_redis(&url).await {
        panic!("Redis at {REDIS_VAR} is unreachable: {e}");
    }
    Some(url)
}

async fn ping_redis(url: &str) -> Result<(), String> {
    let client = redis::Client::open(url).map_err(|e| e.to_string())?;
    let ping = async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    };
    match tokio::time::timeout(Duration::from_secs(5), ping).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 5 s".to_owned()),
    }
}
