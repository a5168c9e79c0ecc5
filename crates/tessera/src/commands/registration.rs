//! `tessera client initial-access` and `tessera client registration-policy`: dynamic client registration
//! (RFC 7591) from the command line, with the core's rules.

use tessera_core::admin::AdminError;
use tessera_core::audit::{AuditEvent, AuditKind};
use tessera_core::ports::{ClientRegistrationStore, RealmStore};
use tessera_core::registration::initial_access::new_initial_access;
use tessera_core::registration::policy::{
    AUTH_METHODS_ATTRIBUTE, CONSENT_REQUIRED_ATTRIBUTE, GRANT_TYPES_ATTRIBUTE, REDIRECT_HOSTS_ATTRIBUTE,
    RegistrationPolicy, SCOPES_ATTRIBUTE,
};
use tessera_server::operations::{self, CLI_ACTOR};
use tessera_store::SqlStore;

use super::data::find_realm;
use super::error::CommandError;
use crate::cli::InitialAccessCommand;
use crate::duration::parse_seconds;

pub async fn initial_access(store: &SqlStore, cmd: InitialAccessCommand, now: i64) -> Result<(), CommandError> {
    match cmd {
        InitialAccessCommand::Create { realm, count, expiration } => {
            let realm = find_realm(store, &realm).await?;
            let expiration = parse_seconds(&expiration)?;
            let (record, token) = new_initial_access(&realm.id, count, expiration, now)
                .map_err(|e| AdminError::Invalid(e.to_string()))?;
            store.insert_initial_access(&record).await?;
            let event = AuditEvent::new(now, &realm.name, AuditKind::InitialAccessCreated)
                .subject(CLI_ACTOR)
                .count(record.count as u64)
                .reason(format!("initial access {} expiring after {} s", record.id, record.expiration));
            operations::record(store, &[event]).await;
            println!("id:    {}", record.id);
            println!("token: {token}");
            println!("(shown only now: it is stored hashed; it registers {count} client(s))");
        }
        InitialAccessCommand::List { realm } => {
            let realm = find_realm(store, &realm).await?;
            println!("{:<36} {:>6} {:>9} {:>11} EXPIRES", "ID", "COUNT", "REMAINING", "CREATED");
            for t in store.list_initial_access(&realm.id).await? {
                let expires = t.expires_at().map(|e| e.to_string()).unwrap_or_else(|| "never".to_owned());
                println!("{:<36} {:>6} {:>9} {:>11} {expires}", t.id, t.count, t.remaining, t.created_at);
            }
        }
        InitialAccessCommand::Delete { realm, id } => {
            let realm = find_realm(store, &realm).await?;
            if !store.delete_initial_access(&realm.id, &id).await? {
                return Err(AdminError::Invalid(format!("initial access {id:?} does not exist")).into());
            }
            let event = AuditEvent::new(now, &realm.name, AuditKind::InitialAccessDeleted)
                .subject(CLI_ACTOR)
                .reason(format!("initial access {id} deleted"));
            operations::record(store, &[event]).await;
            println!("deleted initial access {id}");
        }
    }
    Ok(())
}

/// The policy flags given; the others stay as they are.
pub struct PolicyChanges {
    pub grant_types: Option<String>,
    pub auth_methods: Option<String>,
    pub scopes: Option<String>,
    pub redirect_hosts: Option<String>,
    pub consent_required: Option<bool>,
}

pub async fn set_policy(store: &SqlStore, realm: &str, changes: PolicyChanges) -> Result<(), CommandError> {
    let mut realm = find_realm(store, realm).await?;
    let given = [
        (GRANT_TYPES_ATTRIBUTE, changes.grant_types),
        (AUTH_METHODS_ATTRIBUTE, changes.auth_methods),
        (SCOPES_ATTRIBUTE, changes.scopes),
        (REDIRECT_HOSTS_ATTRIBUTE, changes.redirect_hosts),
        (CONSENT_REQUIRED_ATTRIBUTE, changes.consent_required.map(|b| b.to_string())),
    ];
    for (attribute, value) in given {
        let Some(value) = value else { continue };
        RegistrationPolicy::check_attribute(attribute, &value).map_err(|e| AdminError::Invalid(e.to_string()))?;
        realm.attributes.insert(attribute.to_owned(), value);
    }
    store.update_realm(&realm).await?;
    let policy = RegistrationPolicy::of(&realm.attributes);
    let grants: Vec<&str> = policy.grant_types.iter().map(|g| g.as_str()).collect();
    let methods: Vec<&str> = policy.auth_methods.iter().map(|m| m.as_str()).collect();
    println!("grant types:      {}", grants.join(" "));
    println!("auth methods:     {}", methods.join(" "));
    println!("scopes:           {}", policy.scopes.join(" "));
    let hosts = if policy.redirect_hosts.is_empty() { "any".to_owned() } else { policy.redirect_hosts.join(" ") };
    println!("redirect hosts:   {hosts}");
    println!("consent required: {}", policy.consent_required);
    Ok(())
}
