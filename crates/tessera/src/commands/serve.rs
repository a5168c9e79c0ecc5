//! `tessera serve`: run the server until SIGINT or SIGTERM.

use secrecy::ExposeSecret;
use tessera_server::Application;
use tessera_server::operations::{DEMO_CLIENT, DEMO_REALM};

use super::error::CommandError;
use super::telemetry::Telemetry;
use crate::cli::{GlobalArgs, ServeArgs};
use crate::settings::serve_config;

pub async fn run(global: &GlobalArgs, args: &ServeArgs) -> Result<(), CommandError> {
    let (config, log_json) = serve_config(global, args)?;
    let telemetry = Telemetry::init(log_json, args.otlp_endpoint.as_ref(), config.metrics_listen.is_some())?;
    let app = Application::build(config).await?;
    for note in &app.startup_notes {
        tracing::info!("{note}");
    }
    let url = app.public_url().to_owned();
    println!("Tessera listening on {} (public URL {url})", app.local_addr());
    if let Some(addr) = app.metrics_addr() {
        println!("Prometheus metrics at http://{addr}/metrics");
    }
    for s in &app.startup_secrets {
        println!(
            "\nClient {} in realm {} has a new secret, shown only now:\n  {}",
            s.client_id,
            s.realm,
            s.secret.expose_secret()
        );
    }
    if let Some((username, password)) = &app.created_admin {
        println!(
            "\nAdministrator {username} of realm master (the admin API under {url}/admin/realms), password shown only now:\n  {}\n  token: curl -s {url}/realms/master/protocol/openid-connect/token -d grant_type=password -d client_id=admin-cli -d username={username} --data-urlencode password=…",
            password.expose_secret(),
            url = app.public_url(),
        );
    }
    if args.dev {
        let secret = app
            .startup_secrets
            .iter()
            .find(|s| s.realm == DEMO_REALM && s.client_id == DEMO_CLIENT)
            .map(|s| s.secret.expose_secret().to_owned())
            .unwrap_or_else(|| "<the secret printed at first start>".to_owned());
        println!(
            "\nDev mode (plain HTTP). Get a token for realm {realm}, client {client}:\n\n  curl -s {url}/realms/{realm}/protocol/openid-connect/token \\\n    -d grant_type=client_credentials -d client_id={client} -d client_secret={secret} -d scope=api:read\n",
            realm = DEMO_REALM,
            client = DEMO_CLIENT,
        );
    }
    let stopped = app.run_until_stopped(shutdown_signal()).await.map_err(CommandError::Serve);
    telemetry.shutdown();
    stopped
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
