//! Realms: the list (what the administrator may view), creation, settings, and the signing keys with
//! their rotation. Each handler calls the `AdminApi` service the REST API's handler calls.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use tessera_core::admin::AdminError;
use tessera_core::request::FormParams;
use tessera_proto::admin::RealmRepresentation;

use super::pages::{RealmPage, RealmsPage};
use super::{CONSOLE_PATH, Console, Posted};
use crate::state::AppState;

/// `GET /admin/console/`.
pub async fn list(State(state): State<AppState>, console: Console) -> Response {
    match console.api(&state).list_realms().await {
        Ok(realms) => console.page(&RealmsPage {
            layout: console.layout(None, "realms"),
            realms,
            may_create: console.caller.may_create_realms(),
        }),
        Err(e) => console.error(&e),
    }
}

/// A whole number from the form, or a refusal naming the field.
pub fn number<T: std::str::FromStr>(form: &FormParams, name: &str) -> Result<Option<T>, AdminError> {
    form.get(name)
        .map(|v| v.trim().parse::<T>().map_err(|_| AdminError::Invalid(format!("{name} must be a whole number"))))
        .transpose()
}

/// `POST /admin/console/realms`.
pub async fn create(State(state): State<AppState>, Posted { console, form }: Posted) -> Response {
    let rep = RealmRepresentation {
        realm: form.get("realm").map(str::to_owned),
        display_name: form.get("displayName").map(str::to_owned),
        default_signature_algorithm: form.get("algorithm").map(str::to_owned),
        enabled: Some(true),
        ..RealmRepresentation::default()
    };
    match console.api(&state).create_realm(&rep).await {
        Ok(name) => console.redirect(&format!("{CONSOLE_PATH}/realms/{name}")),
        Err(e) => console.error(&e),
    }
}

async fn realm_page(state: &AppState, console: &Console, realm: &str, notice: Option<String>) -> Response {
    let api = console.api(state);
    let shown = async { Ok::<_, AdminError>((api.get_realm(realm).await?, api.keys(realm).await?)) };
    match shown.await {
        Ok((rep, keys)) => console.page(&RealmPage {
            layout: console.layout(Some(realm), "settings"),
            realm: rep,
            keys: keys.keys,
            notice,
        }),
        Err(e) => console.error(&e),
    }
}

/// What a form did, named in the address it redirects to (Post/Redirect/Get: a reload repeats nothing).
#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

/// `GET /admin/console/realms/{realm}`: settings and keys.
pub async fn settings(
    State(state): State<AppState>,
    console: Console,
    Path(realm): Path<String>,
    done: Result<Query<Done>, QueryRejection>,
) -> Response {
    let notice = match done.map(|Query(d)| d).unwrap_or_default().done.as_str() {
        "saved" => Some("Settings saved.".to_owned()),
        "rotated" => Some("Keys rotated: the next key signs from now on.".to_owned()),
        _ => None,
    };
    realm_page(&state, &console, &realm, notice).await
}

fn done(console: &Console, realm: &str, what: &str) -> Response {
    console.redirect(&format!("{CONSOLE_PATH}/realms/{realm}?done={what}"))
}

fn settings_from(form: &FormParams) -> Result<RealmRepresentation, AdminError> {
    Ok(RealmRepresentation {
        display_name: Some(form.get("displayName").unwrap_or_default().to_owned()),
        access_token_lifespan: number(form, "accessTokenLifespan")?,
        sso_session_idle_timeout: number(form, "ssoSessionIdleTimeout")?,
        sso_session_max_lifespan: number(form, "ssoSessionMaxLifespan")?,
        brute_force_protected: Some(form.get("bruteForceProtected").is_some()),
        failure_factor: number(form, "failureFactor")?,
        max_failure_wait_seconds: number(form, "maxFailureWaitSeconds")?,
        revoke_refresh_token: Some(form.get("revokeRefreshToken").is_some()),
        ..RealmRepresentation::default()
    })
}

/// `POST /admin/console/realms/{realm}`: the settings form.
pub async fn update(State(state): State<AppState>, Path(realm): Path<String>, posted: Posted) -> Response {
    let Posted { console, form } = posted;
    let rep = match settings_from(&form) {
        Ok(rep) => rep,
        Err(e) => return console.error(&e),
    };
    match console.api(&state).update_realm(&realm, &rep).await {
        Ok(()) => done(&console, &realm, "saved"),
        Err(e) => console.error(&e),
    }
}

/// `POST /admin/console/realms/{realm}/keys/rotate`: refused, with how long is left, until the next key
/// has been published long enough for verifiers to hold it, unless the administrator forces it.
pub async fn rotate(State(state): State<AppState>, Path(realm): Path<String>, posted: Posted) -> Response {
    let Posted { console, form } = posted;
    let force = form.get("force").is_some();
    match console.api(&state).rotate_keys(&realm, force).await {
        Ok(_) => done(&console, &realm, "rotated"),
        // Nothing was written: the refusal, with how long is left, is shown on the page itself.
        Err(AdminError::Invalid(why)) => {
            realm_page(&state, &console, &realm, Some(format!("Not rotated: {why}"))).await
        }
        Err(e) => console.error(&e),
    }
}
