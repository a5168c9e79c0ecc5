//! RP-Initiated Logout 1.0 §2-3: `id_token_hint`, `client_id`, `post_logout_redirect_uri` (checked against
//! the client's registration, Keycloak's `post.logout.redirect.uris`) and `state`.

use std::borrow::Cow;

use crate::model::Client;
use crate::model::RealmContext;
use crate::ports::ClientDirectory;
use crate::ports::StoreError;
use crate::redirect_uri::redirect_uri_matches;
use crate::request::FormParams;
use crate::sign_in::id_token::verify_id_token_hint;

/// Keycloak's client attribute: `##`-separated URIs; `+` stands for the client's redirect URIs.
pub const POST_LOGOUT_REDIRECT_ATTRIBUTE: &str = "post.logout.redirect.uris";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutRequest {
    /// The session the hint names (`sid`), when there was a hint.
    pub session_id: Option<String>,
    pub client_id: Option<String>,
    /// Where to send the browser afterwards, `state` included.
    pub redirect: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LogoutError {
    /// Shown on an error page.
    #[error("{0}")]
    Invalid(Cow<'static, str>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn post_logout_uris(client: &Client) -> Vec<String> {
    let Some(raw) = client.attributes.get(POST_LOGOUT_REDIRECT_ATTRIBUTE) else {
        return Vec::new();
    };
    raw.split("##")
        .filter(|s| !s.is_empty())
        .flat_map(|s| if s == "+" { client.redirect_uris.clone() } else { vec![s.to_owned()] })
        .collect()
}

pub async fn check_logout(
    params: &FormParams,
    realm: &RealmContext,
    clients: &dyn ClientDirectory,
) -> Result<LogoutRequest, LogoutError> {
    let invalid = |d: &'static str| LogoutError::Invalid(Cow::Borrowed(d));
    let hint = match params.get("id_token_hint") {
        Some(token) => Some(
            verify_id_token_hint(&realm.keys, &realm.issuer, token)
                .map_err(|_| invalid("The id_token_hint was not issued by this realm."))?,
        ),
        None => None,
    };
    let client_id = match (params.get("client_id"), &hint) {
        (Some(id), Some(h)) if id != h.aud => return Err(invalid("client_id does not match the id_token_hint.")),
        (Some(id), _) => Some(id.to_owned()),
        (None, Some(h)) => Some(h.aud.clone()),
        (None, None) => None,
    };
    let redirect = match params.get("post_logout_redirect_uri") {
        None => None,
        Some(uri) => {
            // §3: the OP must know which client registered the URI.
            let id =
                client_id.as_deref().ok_or(invalid("post_logout_redirect_uri needs id_token_hint or client_id."))?;
            let client = clients.client(&realm.realm.id, id).await?.ok_or(invalid("The client is not known."))?;
            if !redirect_uri_matches(&post_logout_uris(&client), uri) {
                return Err(invalid("The post_logout_redirect_uri is not registered for this client."));
            }
            let mut url = url::Url::parse(uri).map_err(|_| invalid("The post_logout_redirect_uri is malformed."))?;
            if let Some(state) = params.get("state") {
                url.query_pairs_mut().append_pair("state", state);
            }
            Some(url.to_string())
        }
    };
    Ok(LogoutRequest { session_id: hint.and_then(|h| h.sid), client_id, redirect })
}
