//! `tessera client`: OAuth clients and their secrets.

use secrecy::ExposeSecret;
use tessera_core::admin::RoleAdmin;
use tessera_core::admin::client_authentication::{set_certificate_bound_tokens, set_client_authentication};
use tessera_core::audit::{AuditEvent, AuditKind};
use tessera_core::clock::{Clock, SystemClock};
use tessera_core::ports::{ClientStore, ScopeStore};
use tessera_core::provisioning::{NewClient, new_client};
use tessera_server::Config;
use tessera_server::operations;

use super::data::{find_realm, open};
use super::error::CommandError;
use crate::cli::ClientCommand;
use crate::duration::parse_seconds;

pub async fn run(config: Config, cmd: ClientCommand) -> Result<(), CommandError> {
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
            resources,
        } => {
            if token_reuse.is_some_and(|f| !(f > 0.0 && f <= 1.0)) {
                return Err(CommandError::Usage("--token-reuse takes a fraction greater than 0 and at most 1"));
            }
            let realm = find_realm(&store, &realm).await?;
            let scopes = store.list_scopes(&realm.id).await?;
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
                resources,
            };
            let (mut client, secret) = new_client(&realm.id, &spec, &scopes, &secrets.secret_hasher(), now)?;
            RoleAdmin { store: &store }.with_default_role_for_service_account(&realm, &mut client).await?;
            store.create_client(&client).await?;
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
            for c in store.list_clients(&realm.id).await? {
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
            let Some(c) = store.find_client(&realm.id, &client_id).await? else {
                return Err(CommandError::NoSuchClient { realm: realm.name, client: client_id });
            };
            println!("client_id:        {}", c.client_id);
            println!("name:             {}", c.name.as_deref().unwrap_or_default());
            println!("enabled:          {}", c.enabled);
            println!("type:             {}", if c.public_client { "public" } else { "confidential" });
            println!("client_credentials: {}", c.service_accounts_enabled);
            println!("default scopes:   {}", c.default_scopes.join(" "));
            println!("optional scopes:  {}", c.optional_scopes.join(" "));
            println!("audiences:        {}", c.audiences.join(" "));
            let resources: Vec<&str> = tessera_core::resource::registered_resources(&c).collect();
            println!("resources:        {}", resources.join(" "));
            println!("redirect URIs:    {}", c.redirect_uris.join(" "));
            for s in &c.secrets {
                let expires = s.expires_at.map(|e| e.to_string()).unwrap_or_else(|| "never".to_owned());
                println!("secret:           created {} expires {expires}", s.created_at);
            }
        }
        ClientCommand::Delete { realm, client_id } => {
            let realm = find_realm(&store, &realm).await?;
            if !store.delete_client(&realm.id, &client_id).await? {
                return Err(CommandError::NoSuchClient { realm: realm.name, client: client_id });
            }
            operations::record(
                &store,
                &[AuditEvent::new(now, &realm.name, AuditKind::ClientDeleted).client(&client_id)],
            )
            .await;
            println!("deleted client {client_id}");
        }
        auth @ ClientCommand::Auth { .. } => {
            let how = super::client_auth::method(&auth)?;
            let ClientCommand::Auth { realm, client_id, secret_jwt, certificate_bound_tokens, .. } = auth else {
                return Ok(());
            };
            let realm = find_realm(&store, &realm).await?;
            let Some(mut client) = store.find_client(&realm.id, &client_id).await? else {
                return Err(CommandError::NoSuchClient { realm: realm.name, client: client_id });
            };
            if let Some(how) = how {
                set_client_authentication(&mut client, &how)?;
            }
            if let Some(required) = certificate_bound_tokens {
                set_certificate_bound_tokens(&mut client, required);
            }
            store.update_client(&client).await?;
            println!("client {client_id} authenticates with {}", client.authenticator().as_str());
            if let Some(required) = certificate_bound_tokens {
                println!("certificate-bound access tokens required: {required}");
            }
            if secret_jwt {
                // HMAC needs the clear secret, which only a new secret is kept (sealed) for.
                let secret = operations::rotate_client_secret(&store, &secrets, &realm, &client_id, 0, now).await?;
                println!("client_secret: {}", secret.expose_secret());
                println!("(shown only now; the previous secret no longer works)");
            }
        }
        ClientCommand::InitialAccess(cmd) => super::registration::initial_access(&store, cmd, now).await?,
        ClientCommand::RegistrationPolicy {
            realm,
            grant_types,
            auth_methods,
            scopes,
            redirect_hosts,
            consent_required,
        } => {
            let changes = super::registration::PolicyChanges {
                grant_types,
                auth_methods,
                scopes,
                redirect_hosts,
                consent_required,
            };
            super::registration::set_policy(&store, &realm, changes).await?;
        }
        ClientCommand::RotateSecret { realm, client_id, grace } => {
            let grace = parse_seconds(&grace)?;
            let realm = find_realm(&store, &realm).await?;
            let secret = operations::rotate_client_secret(&store, &secrets, &realm, &client_id, grace, now).await?;
            println!("client_secret: {}", secret.expose_secret());
            println!("(shown only now; the previous secret keeps working until {})", now + grace);
        }
    }
    store.close().await;
    Ok(())
}
