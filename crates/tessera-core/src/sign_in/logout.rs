//! RP-Initiated Logout 1.0 §2-3: `id_token_hint`, `client_id`, `post_logout_redirect_uri` (checked against
//! the client's registration, Keycloak's `post.logout.redirect.uris`) and `state`. With a valid
//! `id_token_hint` the session it names ends at once (as in Keycloak); without one the user confirms on a
//! page first, so that a stray link cannot sign anyone out (§2: "the OP SHOULD ask the End-User").

use crate::model::{Client, RealmContext};
use crate::ports::ClientDirectory;
use crate::redirect_uri::RedirectUri;
use crate::request::FormParams;
use crate::sign_in::id_token::verify_id_token_hint;
use crate::sign_in::pending::{csrf_ok, csrf_token};
use crate::sign_in::service::{Browser, Flow, SignIn};
use crate::sign_in::session::{Ending, end_session};
use crate::sign_in::step::{CookieChange, LogoutForm, SignInError, Step, View};

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
) -> Result<LogoutRequest, SignInError> {
    let invalid = SignInError::bad_request;
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
            let uri = RedirectUri::parse(uri).ok_or(invalid("The post_logout_redirect_uri is malformed."))?;
            if !uri.is_registered_in(&post_logout_uris(&client)) {
                return Err(invalid("The post_logout_redirect_uri is not registered for this client."));
            }
            let mut url =
                url::Url::parse(uri.as_str()).map_err(|_| invalid("The post_logout_redirect_uri is malformed."))?;
            if let Some(state) = params.get("state") {
                url.query_pairs_mut().append_pair("state", state);
            }
            Some(url.to_string())
        }
    };
    Ok(LogoutRequest { session_id: hint.and_then(|h| h.sid), client_id, redirect })
}

impl SignIn<'_> {
    /// `GET|POST /logout`; `posted` when the parameters came in a form (the confirmation page posts one).
    pub async fn logout(&self, realm: &str, params: Option<FormParams>, posted: bool, browser: Browser<'_>) -> Step {
        self.in_realm(realm, browser, |flow| logout(flow, params, posted)).await
    }
}

async fn logout(flow: Flow<'_>, params: Option<FormParams>, posted: bool) -> Result<Step, SignInError> {
    let params = params.ok_or(SignInError::bad_request("The logout request is malformed."))?;
    let s = flow.service;
    let request = check_logout(&params, &flow.realm, s.clients).await?;
    let mut cookies = Vec::new();
    let csrf = csrf_token(flow.browser.csrf_cookie, &mut cookies)?;
    let current = flow.current_session().await?.map(|(session, _)| session);
    // §2: "the OP MUST ask the End-User ... if the supplied ID Token does not belong to the current OP
    // session": a hint signs out without asking only when it names this browser's own session.
    let hint_names_this_browser =
        request.session_id.as_deref().is_some_and(|sid| current.as_ref().is_some_and(|c| c.id == sid));
    let confirmed = hint_names_this_browser || (posted && csrf_ok(flow.browser.csrf_cookie, params.get("csrf"), &csrf));
    if !confirmed {
        let form = LogoutForm {
            csrf,
            id_token_hint: params.get("id_token_hint").map(str::to_owned),
            client_id: params.get("client_id").map(str::to_owned),
            post_logout_redirect_uri: params.get("post_logout_redirect_uri").map(str::to_owned),
            state: params.get("state").map(str::to_owned),
        };
        return Ok(flow.step(View::ConfirmLogout(form), cookies));
    }
    // The browser's own session; when it has none, the session the hint names (its client asked, and the
    // user confirmed).
    let session = match (current, &request.session_id) {
        (Some(current), _) => Some(current),
        (None, Some(sid)) => s.store.find_session(&flow.realm.realm.id, sid).await?,
        (None, None) => None,
    };
    if let Some(session) = session {
        let ending = Ending {
            realm: &flow.realm,
            clients: s.clients,
            deliveries: s.deliveries,
            client_id: request.client_id.as_deref(),
            source_ip: flow.browser.source_ip,
            now: s.now,
        };
        end_session(s.store, s.revocations, s.audit, &session, &ending).await?;
    }
    let cookies = vec![CookieChange::ClearSession];
    Ok(match request.redirect {
        Some(location) => flow.redirect(location, cookies),
        None => flow.step(View::SignedOut, cookies),
    })
}
