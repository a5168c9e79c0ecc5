use secrecy::ExposeSecret;
use tessera_core::audit::{AuditEvent, AuditKind, AuditQuery};
use tessera_core::clock::{Clock, SystemClock};
use tessera_core::key_rotation::RotationPolicy;
use tessera_core::model::Realm;
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::{AuditStore, ClientStore, KeyStore, RealmStore, ScopeStore, UserStore};
use tessera_core::provisioning::{NewClient, NewRealm, new_client, new_realm, new_scope, new_user};
use tessera_server::operations::{self, ImportOutcome, RotationOutcome};
use tessera_server::{Application, Config};
use tessera_store::SqlStore;

use tessera_client::{ClientSecret, TokenSource};

use crate::cli::{
    Alg, Cli, ClientCommand, Command, KeysCommand, RealmCommand, ScopeCommand, ServeArgs, TokenArgs, UserCommand,
};
use crate::settings::{admin_config, serve_config};

pub async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => serve(&cli.global, &args).await,
        Command::Realm(cmd) => realm(admin_config(&cli.global)?, cmd).await,
        Command::Client(cmd) => client(admin_config(&cli.global)?, cmd).await,
        Command::Scope(cmd) => scope(admin_config(&cli.global)?, cmd).await,
        Command::Keys(cmd) => keys(admin_config(&cli.global)?, cmd).await,
        Command::User(cmd) => user(admin_config(&cli.global)?, cmd).await,
        Command::Revoke { realm, client, all: _, reason } => {
            revoke(admin_config(&cli.global)?, &realm, client.as_deref(), &reason).await
        }
        Command::Token(args) => token(args).await,
        Command::Events { realm, since, kind, client, limit } => {
            events(admin_config(&cli.global)?, realm, since, kind, client, limit).await
        }
    }
}

/// `90s`, `15m`, `24h`, `7d` or plain seconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let n: i64 = number.parse().map_err(|_| format!("invalid duration {text:?} (use e.g. 90s, 15m, 24h, 7d)"))?;
    let unit = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(format!("invalid duration {text:?} (use e.g. 90s, 15m, 24h, 7d)")),
    };
    n.checked_mul(unit).filter(|v| *v >= 0).ok_or_else(|| format!("invalid duration {text:?}"))
}

async fn token(args: TokenArgs) -> Result<(), String> {
    if let Some(token) = &args.decode {
        let part = |i: usize| -> Result<serde_json::Value, String> {
            use base64::Engine;
            let raw = token.split('.').nth(i).ok_or("not a JWT: expected header.payload.signature")?;
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(raw.trim_end_matches('='))
                .map_err(|_| "not a JWT: a part is not base64url")?;
            serde_json::from_slice(&bytes).map_err(|_| "not a JWT: a part is not JSON".to_owned())
        };
        let shown = serde_json::json!({"header": part(0)?, "claims": part(1)?});
        println!("{}", serde_json::to_string_pretty(&shown).map_err(|e| e.to_string())?);
        if args.verify {
            let issuer = args.issuer.clone().ok_or("--verify needs --issuer")?;
            let mut builder = tessera_guard::Validator::builder().issuer(&issuer);
            if let Some(aud) = &args.audience {
                builder = builder.audience(aud);
            }
            let validator = builder.build().await.map_err(|e| e.to_string())?;
            validator.validate(token).await.map_err(|e| format!("not verified: {e}"))?;
            println!("verified: signature by {issuer}'s published key, issuer, expiry, type at+jwt");
        }
        return Ok(());
    }
    let client_id = args.client_id.ok_or("--client-id is required to get a token")?;
    let secret_file = args.client_secret_file.ok_or("--client-secret-file is required to get a token")?;
    let mut builder = TokenSource::builder().client_id(client_id).client_secret(ClientSecret::File(secret_file));
    builder = match (args.token_url, args.issuer) {
        (Some(url), _) => builder.token_url(url),
        (None, Some(issuer)) => builder.issuer(issuer),
        (None, None) => return Err("give --issuer or --token-url".to_owned()),
    };
    if let Some(scope) = args.scope {
        builder = builder.scope(scope);
    }
    let source = builder.build().await.map_err(|e| e.to_string())?;
    let response = source.request_token().await.map_err(|e| e.to_string())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&response).map_err(|e| e.to_string())?);
    } else {
        println!("{}", response.access_token);
    }
    Ok(())
}

/// One line from standard input, without its line ending; refused when empty.
fn password_from_stdin() -> Result<String, String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| format!("cannot read the password from stdin: {e}"))?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        return Err("the password on stdin is empty".to_owned());
    }
    Ok(password)
}

async fn user(config: Config, cmd: UserCommand) -> Result<(), String> {
    let (store, _) = open(&config).await?;
    let now = SystemClock.now();
    match cmd {
        UserCommand::Create { realm, username, email, first_name, last_name, password_stdin } => {
            let realm = find_realm(&store, &realm).await?;
            let password = if password_stdin { Some(password_from_stdin()?) } else { None };
            let mut user = new_user(&realm.id, &username, password.as_deref(), now).map_err(|e| e.to_string())?;
            user.email = email;
            user.first_name = first_name;
            user.last_name = last_name;
            store.create_user(&user).await.map_err(|e| e.to_string())?;
            println!("created user {} in realm {}", user.username, realm.name);
        }
        UserCommand::List { realm } => {
            let realm = find_realm(&store, &realm).await?;
            println!("{:<32} {:<8} {:<9} EMAIL", "USERNAME", "ENABLED", "PASSWORD");
            for u in store.list_users(&realm.id).await.map_err(|e| e.to_string())? {
                let password = if u.password_hash.is_some() { "set" } else { "-" };
                println!("{:<32} {:<8} {:<9} {}", u.username, u.enabled, password, u.email.unwrap_or_default());
            }
        }
        UserCommand::SetPassword { realm, username } => {
            let realm = find_realm(&store, &realm).await?;
            let password = password_from_stdin()?;
            let hash = tessera_core::password::hash_password(&password).map_err(|e| e.to_string())?;
            if !store.set_user_password(&realm.id, &username, &hash).await.map_err(|e| e.to_string())? {
                return Err(format!("user {username:?} does not exist in realm {}", realm.name));
            }
            println!("password of {username} changed");
        }
        UserCommand::Disable { realm, username } => set_enabled(&store, &realm, &username, false).await?,
        UserCommand::Enable { realm, username } => set_enabled(&store, &realm, &username, true).await?,
    }
    store.close().await;
    Ok(())
}

async fn set_enabled(store: &SqlStore, realm: &str, username: &str, enabled: bool) -> Result<(), String> {
    let realm = find_realm(store, realm).await?;
    if !store.set_user_enabled(&realm.id, username, enabled).await.map_err(|e| e.to_string())? {
        return Err(format!("user {username:?} does not exist in realm {}", realm.name));
    }
    println!("user {username} {}", if enabled { "enabled" } else { "disabled" });
    Ok(())
}

async fn keys(config: Config, cmd: KeysCommand) -> Result<(), String> {
    let (store, secrets) = open(&config).await?;
    let now = SystemClock.now();
    match cmd {
        KeysCommand::List { realm } => {
            let realm = find_realm(&store, &realm).await?;
            println!("{:<44} {:<6} {:<8} {:>12} {:>12}", "KID", "ALG", "STATE", "CREATED", "NOT AFTER");
            for k in store.signing_keys(&realm.id).await.map_err(|e| e.to_string())? {
                let not_after = k.not_after.map(|t| t.to_string()).unwrap_or_else(|| "-".to_owned());
                println!("{:<44} {:<6} {:<8} {:>12} {:>12}", k.kid, k.alg, k.state.as_str(), k.created_at, not_after);
            }
        }
        KeysCommand::Rotate { realm, force, lead } => {
            let realm = find_realm(&store, &realm).await?;
            let policy = RotationPolicy { period: None, publication_lead: lead as i64 };
            match operations::rotate_realm_keys(&store, &secrets, &realm, &policy, force, now)
                .await
                .map_err(|e| e.to_string())?
            {
                RotationOutcome::Rotated { promoted, next } => {
                    println!("realm {}: key {promoted} now signs; {next} is published as the next key", realm.name)
                }
                RotationOutcome::LostRace => {
                    println!("realm {}: another process rotated the keys just now", realm.name)
                }
            }
        }
    }
    store.close().await;
    Ok(())
}

async fn revoke(config: Config, realm: &str, client: Option<&str>, reason: &str) -> Result<(), String> {
    let (store, _) = open(&config).await?;
    let realm = find_realm(&store, realm).await?;
    let now = SystemClock.now();
    operations::revoke_all(&store, &realm, client, reason, now).await.map_err(|e| e.to_string())?;
    match client {
        Some(c) => println!("tokens issued to {c} in realm {} before {now} are revoked", realm.name),
        None => println!("every token of realm {} issued before {now} is revoked", realm.name),
    }
    store.close().await;
    Ok(())
}

async fn events(
    config: Config,
    realm: String,
    since: Option<String>,
    kind: Option<String>,
    client: Option<String>,
    limit: i64,
) -> Result<(), String> {
    let since = match since {
        None => None,
        Some(s) => Some(match s.parse::<i64>() {
            Ok(t) => t,
            Err(_) => SystemClock.now() - parse_duration(&s)?,
        }),
    };
    let kind = match kind {
        None => None,
        Some(k) => Some(AuditKind::parse(&k).ok_or_else(|| {
            let known: Vec<&str> = AuditKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("unknown event type {k:?}; one of {}", known.join(", "))
        })?),
    };
    let (store, _) = open(&config).await?;
    find_realm(&store, &realm).await?;
    let query = AuditQuery { realm, since, kind, client_id: client, limit };
    for e in store.audit_events(&query).await.map_err(|e| e.to_string())? {
        println!("{}", serde_json::to_string(&e).map_err(|e| e.to_string())?);
    }
    store.close().await;
    Ok(())
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
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

async fn serve(global: &crate::cli::GlobalArgs, args: &ServeArgs) -> Result<(), String> {
    let (config, log_json) = serve_config(global, args)?;
    init_logging(log_json);
    let app = Application::build(config).await.map_err(|e| e.to_string())?;
    for note in &app.startup_notes {
        tracing::info!("{note}");
    }
    let url = app.public_url().to_owned();
    println!("Tessera listening on {} (public URL {url})", app.local_addr());
    for s in &app.startup_secrets {
        println!(
            "\nClient {} in realm {} has a new secret, shown only now:\n  {}",
            s.client_id,
            s.realm,
            s.secret.expose_secret()
        );
    }
    if args.dev {
        let secret = app
            .startup_secrets
            .iter()
            .find(|s| s.realm == operations::DEMO_REALM && s.client_id == operations::DEMO_CLIENT)
            .map(|s| s.secret.expose_secret().to_owned())
            .unwrap_or_else(|| "<the secret printed at first start>".to_owned());
        println!(
            "\nDev mode (plain HTTP). Get a token for realm {realm}, client {client}:\n\n  curl -s {url}/realms/{realm}/protocol/openid-connect/token \\\n    -d grant_type=client_credentials -d client_id={client} -d client_secret={secret} -d scope=api:read\n",
            realm = operations::DEMO_REALM,
            client = operations::DEMO_CLIENT,
        );
    }
    app.run_until_stopped(shutdown_signal()).await.map_err(|e| e.to_string())
}

async fn open(config: &Config) -> Result<(SqlStore, tessera_core::secret::ServerSecrets), String> {
    operations::open(config, true).await.map_err(|e| e.to_string())
}

async fn find_realm(store: &SqlStore, name: &str) -> Result<Realm, String> {
    store.find_realm(name).await.map_err(|e| e.to_string())?.ok_or_else(|| format!("realm {name:?} does not exist"))
}

fn alg(a: Alg) -> SigningAlgorithm {
    match a {
        Alg::Rs256 => SigningAlgorithm::Rs256,
        Alg::Es256 => SigningAlgorithm::Es256,
        Alg::EdDsa => SigningAlgorithm::EdDsa,
    }
}

async fn realm(config: Config, cmd: RealmCommand) -> Result<(), String> {
    let (store, secrets) = open(&config).await?;
    let now = SystemClock.now();
    match cmd {
        RealmCommand::Create { name, display_name, alg: a, token_lifespan } => {
            let spec = NewRealm { name, display_name, signing_alg: alg(a), access_token_lifespan: token_lifespan };
            let bundle = new_realm(&spec, &secrets.master_key(), now).map_err(|e| e.to_string())?;
            store.create_realm(&bundle).await.map_err(|e| e.to_string())?;
            operations::record(&store, &[AuditEvent::new(now, &bundle.realm.name, AuditKind::RealmCreated)]).await;
            println!("created realm {} ({})", bundle.realm.name, bundle.realm.signing_alg);
        }
        RealmCommand::List => {
            println!("{:<24} {:<8} {:>9}  DISPLAY NAME", "NAME", "ALG", "LIFESPAN");
            for r in store.list_realms().await.map_err(|e| e.to_string())? {
                println!(
                    "{:<24} {:<8} {:>8}s  {}",
                    r.name,
                    r.signing_alg,
                    r.access_token_lifespan,
                    r.display_name.unwrap_or_default()
                );
            }
        }
        RealmCommand::Import { file } => {
            match operations::import_realm_file(&store, &secrets, &file, false, now).await.map_err(|e| e.to_string())? {
                ImportOutcome::Imported { realm, warnings, generated_secrets } => {
                    for w in warnings {
                        eprintln!("warning: {w}");
                    }
                    println!("imported realm {realm}");
                    for (client, secret) in generated_secrets {
                        println!("client {client}: new secret (shown only now): {}", secret.expose_secret());
                    }
                }
                ImportOutcome::Skipped { realm } => println!("realm {realm} exists; skipped"),
            }
        }
    }
    store.close().await;
    Ok(())
}

async fn client(config: Config, cmd: ClientCommand) -> Result<(), String> {
    let (store, secrets) = open(&config).await?;
    let now = SystemClock.now();
    match cmd {
        ClientCommand::Create {
            realm,
            client_id,
            name,
            default_scopes,
            optional_scopes,
            audiences,
            public,
            no_service_account,
            redirect_uris,
            direct_access_grants,
            consent_required,
            token_reuse,
        } => {
            if token_reuse.is_some_and(|f| !(f > 0.0 && f <= 1.0)) {
                return Err("--token-reuse takes a fraction greater than 0 and at most 1".to_owned());
            }
            let realm = find_realm(&store, &realm).await?;
            let scopes = store.list_scopes(&realm.id).await.map_err(|e| e.to_string())?;
            let spec = NewClient {
                client_id,
                name,
                public_client: public,
                service_accounts_enabled: !public && !no_service_account,
                default_scopes,
                optional_scopes,
                audiences,
                redirect_uris,
                direct_access_grants,
                consent_required,
                token_reuse,
            };
            let (client, secret) =
                new_client(&realm.id, &spec, &scopes, &secrets.secret_hasher(), now).map_err(|e| e.to_string())?;
            store.create_client(&client).await.map_err(|e| e.to_string())?;
            operations::record(
                &store,
                &[AuditEvent::new(now, &realm.name, AuditKind::ClientCreated).client(&client.client_id)],
            )
            .await;
            println!("created client {} in realm {}", client.client_id, realm.name);
            if let Some(secret) = secret {
                println!("client_secret: {}", secret.expose_secret());
                println!("(shown only now: it is stored hashed)");
            }
        }
        ClientCommand::List { realm } => {
            let realm = find_realm(&store, &realm).await?;
            println!("{:<32} {:<8} {:<13} DEFAULT SCOPES", "CLIENT ID", "ENABLED", "TYPE");
            for c in store.list_clients(&realm.id).await.map_err(|e| e.to_string())? {
                println!(
                    "{:<32} {:<8} {:<13} {}",
                    c.client_id,
                    c.enabled,
                    if c.public_client { "public" } else { "confidential" },
                    c.default_scopes.join(" ")
                );
            }
        }
        ClientCommand::Show { realm, client_id } => {
            let realm = find_realm(&store, &realm).await?;
            let c = store
                .find_client(&realm.id, &client_id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("client {client_id:?} does not exist in realm {}", realm.name))?;
            println!("client_id:        {}", c.client_id);
            println!("name:             {}", c.name.unwrap_or_default());
            println!("enabled:          {}", c.enabled);
            println!("type:             {}", if c.public_client { "public" } else { "confidential" });
            println!("client_credentials: {}", c.service_accounts_enabled);
            println!("default scopes:   {}", c.default_scopes.join(" "));
            println!("optional scopes:  {}", c.optional_scopes.join(" "));
            println!("audiences:        {}", c.audiences.join(" "));
            println!("redirect URIs:    {}", c.redirect_uris.join(" "));
            for s in &c.secrets {
                let expires = s.expires_at.map(|e| e.to_string()).unwrap_or_else(|| "never".to_owned());
                println!("secret:           created {} expires {expires}", s.created_at);
            }
        }
        ClientCommand::Delete { realm, client_id } => {
            let realm = find_realm(&store, &realm).await?;
            if !store.delete_client(&realm.id, &client_id).await.map_err(|e| e.to_string())? {
                return Err(format!("client {client_id:?} does not exist in realm {}", realm.name));
            }
            operations::record(
                &store,
                &[AuditEvent::new(now, &realm.name, AuditKind::ClientDeleted).client(&client_id)],
            )
            .await;
            println!("deleted client {client_id}");
        }
        ClientCommand::RotateSecret { realm, client_id, grace } => {
            let grace = parse_duration(&grace)?;
            let realm = find_realm(&store, &realm).await?;
            let secret = operations::rotate_client_secret(&store, &secrets, &realm, &client_id, grace, now)
                .await
                .map_err(|e| e.to_string())?;
            println!("client_secret: {}", secret.expose_secret());
            println!("(shown only now; the previous secret keeps working until {})", now + grace);
        }
    }
    store.close().await;
    Ok(())
}

async fn scope(config: Config, cmd: ScopeCommand) -> Result<(), String> {
    let (store, _) = open(&config).await?;
    match cmd {
        ScopeCommand::Create { realm, name, description, hidden } => {
            let realm = find_realm(&store, &realm).await?;
            let mut scope = new_scope(&name, description).map_err(|e| e.to_string())?;
            scope.include_in_token_scope = !hidden;
            store.create_scope(&realm.id, &scope).await.map_err(|e| e.to_string())?;
            println!("created scope {name} in realm {}", realm.name);
        }
        ScopeCommand::List { realm } => {
            let realm = find_realm(&store, &realm).await?;
            for s in store.list_scopes(&realm.id).await.map_err(|e| e.to_string())? {
                println!("{:<32} {}", s.name, s.description.unwrap_or_default());
            }
        }
    }
    store.close().await;
    Ok(())
}
