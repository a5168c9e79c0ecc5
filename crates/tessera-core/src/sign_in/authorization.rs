//! The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1), checked in the order
//! RFC 6749 §4.1.2.1 requires: while the client or the redirect URI is in doubt the user sees an error
//! page and is never redirected; after that, errors go back to the client in the response mode it asked
//! for (OAuth 2.0 Multiple Response Type Encoding Practices §2.1: `query`, `fragment`; OAuth 2.0 Form Post
//! Response Mode §2: `form_post`), each with RFC 9207's `iss`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use tessera_proto::{ErrorCode, ScopeSet};

use crate::model::Resources;
use crate::model::{AuthorizationCode, Client};
use crate::pkce::{CodeChallenge, PkceError};
use crate::redirect_uri::RedirectUri;
use crate::request::{FormParams, parse_resources};
use crate::resource::check_registered;
use crate::scope::grant_scopes;
use crate::secret::{SecretError, random_token, token_hash};
use crate::sign_in::SignInPolicy;
use crate::sign_in::policy::CODE_LIFETIME;

/// Keycloak's client attribute: "true" accepts the client's authorization requests only when pushed
/// (RFC 9126 §6).
pub const REQUIRE_PAR_ATTRIBUTE: &str = "require.pushed.authorization.requests";

/// Keycloak's client attribute asking for PKCE.
pub const CLIENT_PKCE_ATTRIBUTE: &str = "pkce.code.challenge.method";

/// OIDC Core §3.1.2.1 `prompt`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
}

/// How the authorization response travels back to the client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseMode {
    /// Multiple Response Types §2.1: in the redirect URI's query (the default for `code`, RFC 6749 §4.1.2).
    #[default]
    Query,
    /// Multiple Response Types §2.1: in the fragment, which never reaches the client's server (keycloak-js's
    /// default).
    Fragment,
    /// Form Post Response Mode §2: as the fields of an HTML form the browser posts to the redirect URI.
    FormPost,
}

impl ResponseMode {
    /// `None` for a mode we do not offer (the JWT modes of JARM, or a typo).
    pub fn parse(value: Option<&str>) -> Option<Self> {
        match value {
            None | Some("query") => Some(Self::Query),
            Some("fragment") => Some(Self::Fragment),
            Some("form_post") => Some(Self::FormPost),
            Some(_) => None,
        }
    }

    pub const SUPPORTED: [&'static str; 3] = ["query", "fragment", "form_post"];
}

/// An authorization response (RFC 6749 §4.1.2, §4.1.2.1), ready to travel in its mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationResponse {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub params: Vec<(String, String)>,
}

impl AuthorizationResponse {
    fn new(redirect_uri: &str, mode: ResponseMode, pairs: &[(&str, &str)]) -> Self {
        let params = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Self { redirect_uri: redirect_uri.to_owned(), mode, params }
    }

    /// The `Location` for the query and fragment modes (a form post has none; it gets the query form).
    pub fn location(&self) -> String {
        let pairs: Vec<(&str, &str)> = self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        match self.mode {
            ResponseMode::Fragment => {
                // Registered redirect URIs have no fragment (RFC 6749 §3.1.2), so ours is the only one.
                let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
                format!("{}#{encoded}", self.redirect_uri)
            }
            ResponseMode::Query | ResponseMode::FormPost => append_query(&self.redirect_uri, &pairs),
        }
    }
}

/// A checked authorization request: what the login and consent pages carry (sealed) until the user is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: RedirectUri,
    /// The scopes that will be granted.
    pub scope: ScopeSet,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// Pages sealed before response modes existed carry none: the query, as then.
    #[serde(default)]
    pub response_mode: ResponseMode,
    /// RFC 8707 §2: the resources the grant is for, registered for the client.
    #[serde(default)]
    pub resources: Resources,
    /// RFC 9449 §10: the thumbprint of the DPoP key the code will be bound to.
    #[serde(default)]
    pub dpop_jkt: Option<String>,
}

/// An error sent back to the client's redirect URI (RFC 6749 §4.1.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRedirect {
    pub redirect_uri: String,
    pub error: ErrorCode,
    pub description: Cow<'static, str>,
    pub state: Option<String>,
    pub response_mode: ResponseMode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizationRefusal {
    /// Shown to the user on an error page; never a redirect.
    Page(Cow<'static, str>),
    Redirect(ErrorRedirect),
}

impl ErrorRedirect {
    /// The error response, with RFC 9207's `iss` so that the client can tell which server answered.
    pub fn response(&self, issuer: &str) -> AuthorizationResponse {
        let mut pairs = vec![("error", self.error.as_str()), ("error_description", self.description.as_ref())];
        if let Some(state) = &self.state {
            pairs.push(("state", state));
        }
        pairs.push(("iss", issuer));
        AuthorizationResponse::new(&self.redirect_uri, self.response_mode, &pairs)
    }

    /// The `Location` of [`Self::response`].
    pub fn location(&self, issuer: &str) -> String {
        self.response(issuer).location()
    }
}

/// The success response of RFC 6749 §4.1.2, with RFC 9207's `iss`.
pub fn code_response(request: &AuthorizationRequest, code: &str, issuer: &str) -> AuthorizationResponse {
    let mut pairs = vec![("code", code)];
    if let Some(state) = &request.state {
        pairs.push(("state", state));
    }
    pairs.push(("iss", issuer));
    AuthorizationResponse::new(request.redirect_uri.as_str(), request.response_mode, &pairs)
}

/// §3.1.2: the redirect URI's own query is kept; ours is added to it.
fn append_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs);
            url.to_string()
        }
        Err(_) => uri.to_owned(),
    }
}

impl AuthorizationRequest {
    /// `pushed`: the parameters came from a pushed authorization request (RFC 9126), which checked them
    /// the same way when they were pushed.
    pub fn check(
        params: &FormParams,
        client: Option<&Client>,
        policy: &SignInPolicy,
        realm_scopes: &[crate::model::ClientScope],
        pushed: bool,
    ) -> Result<Self, AuthorizationRefusal> {
        use AuthorizationRefusal::Page;
        let Some(client) = client.filter(|c| c.enabled) else {
            return Err(Page(Cow::Borrowed(if params.get("client_id").is_none() {
                "The request does not name a client (client_id is missing)."
            } else {
                "The application that sent you here is not known to this server."
            })));
        };
        let Some(redirect_uri) = params.get("redirect_uri") else {
            return Err(Page(Cow::Borrowed("The request has no redirect_uri.")));
        };
        let redirect_uri = RedirectUri::parse(redirect_uri).filter(|r| r.is_registered_in(&client.redirect_uris));
        let Some(redirect_uri) = redirect_uri else {
            return Err(Page(Cow::Borrowed(
                "The redirect URI in the request is not registered for this application, so you were not sent back.",
            )));
        };
        let state = params.get("state").map(str::to_owned);
        // Read first, so that every later error travels in the mode asked for; an unknown mode's own error
        // goes in the query, the default for `code`.
        let mode = ResponseMode::parse(params.get("response_mode"));
        let response_mode = mode.unwrap_or_default();
        let refuse = |error: ErrorCode, description: &'static str| {
            AuthorizationRefusal::Redirect(ErrorRedirect {
                redirect_uri: redirect_uri.to_string(),
                error,
                description: Cow::Borrowed(description),
                state: state.clone(),
                response_mode,
            })
        };
        if mode.is_none() {
            return Err(refuse(ErrorCode::InvalidRequest, "response_mode must be query, fragment or form_post"));
        }
        match params.get("response_type") {
            None => return Err(refuse(ErrorCode::InvalidRequest, "missing parameter response_type")),
            Some("code") => {}
            // Implicit and hybrid flows are not offered (RFC 9700 §2.1.2).
            Some(_) => return Err(refuse(ErrorCode::UnsupportedResponseType, "only response_type=code is supported")),
        }
        if params.get("request").is_some() || params.get("request_uri").is_some() {
            return Err(refuse(ErrorCode::InvalidRequest, "request objects are not supported"));
        }
        // RFC 9126 §6: a client that must push may not send its parameters through the browser.
        if !pushed && client.attributes.get(REQUIRE_PAR_ATTRIBUTE).is_some_and(|v| v == "true") {
            return Err(refuse(ErrorCode::InvalidRequest, "the client must use a pushed authorization request"));
        }
        if !client.standard_flow_enabled {
            return Err(refuse(ErrorCode::UnauthorizedClient, "the client may not use the authorization code flow"));
        }
        let requested = match params.get("scope").map(ScopeSet::parse).transpose() {
            Ok(s) => s,
            Err(_) => return Err(refuse(ErrorCode::InvalidScope, "the scope parameter is malformed")),
        };
        let scopes = grant_scopes(client, requested.as_ref(), realm_scopes)
            .map_err(|_| refuse(ErrorCode::InvalidScope, "a requested scope is not allowed for this client"))?;
        // RFC 8707 §2: an unknown, unregistered or malformed resource is `invalid_target`.
        let resources = parse_resources(params)
            .and_then(|r| check_registered(&r, client).map(|()| r))
            .map_err(|_| refuse(ErrorCode::InvalidTarget, "a requested resource is not allowed for this client"))?;
        let challenge = CodeChallenge::parse(params.get("code_challenge"), params.get("code_challenge_method"))
            .map_err(|e| match e {
                PkceError::UnsupportedMethod => {
                    refuse(ErrorCode::InvalidRequest, "code_challenge_method must be S256 (plain is not accepted)")
                }
                PkceError::MalformedChallenge => refuse(ErrorCode::InvalidRequest, "the code_challenge is malformed"),
                PkceError::MissingChallenge => refuse(ErrorCode::InvalidRequest, "missing parameter code_challenge"),
            })?;
        let pkce_required = client.public_client
            || policy.pkce_required
            || client.attributes.get(CLIENT_PKCE_ATTRIBUTE).is_some_and(|m| m == "S256");
        if pkce_required && challenge.is_none() {
            return Err(refuse(ErrorCode::InvalidRequest, "PKCE is required: send code_challenge with S256"));
        }
        // RFC 9449 §10: a JWK SHA-256 thumbprint.
        let dpop_jkt = params.get("dpop_jkt");
        if dpop_jkt.is_some_and(|j| !crate::dpop::is_jkt(j)) {
            return Err(refuse(ErrorCode::InvalidRequest, "dpop_jkt must be a JWK SHA-256 thumbprint"));
        }
        let prompt = parse_prompt(params.get("prompt"))
            .ok_or_else(|| refuse(ErrorCode::InvalidRequest, "prompt=none cannot be combined with other values"))?;
        let max_age = match params.get("max_age").map(str::parse::<i64>).transpose() {
            Ok(v) if v.is_none_or(|v| v >= 0) => v,
            _ => return Err(refuse(ErrorCode::InvalidRequest, "max_age must be a number of seconds")),
        };
        Ok(Self {
            client_id: client.client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            scope: scopes.granted,
            state,
            nonce: params.get("nonce").map(str::to_owned),
            code_challenge: challenge.map(|c| c.as_str().to_owned()),
            prompt,
            max_age,
            login_hint: params.get("login_hint").map(|h| h.chars().take(255).collect()),
            response_mode,
            resources,
            dpop_jkt: dpop_jkt.map(str::to_owned),
        })
    }

    /// An error for this request, sent back to the client.
    pub fn refuse(&self, error: ErrorCode, description: &'static str) -> ErrorRedirect {
        ErrorRedirect {
            redirect_uri: self.redirect_uri.to_string(),
            error,
            description: Cow::Borrowed(description),
            state: self.state.clone(),
            response_mode: self.response_mode,
        }
    }

    /// Mints the code (RFC 6749 §4.1.2): 256 bits, single use, [`CODE_LIFETIME`]; returns it with its record.
    pub fn mint_code(
        &self,
        realm_id: &str,
        user_id: &str,
        session_id: &str,
        auth_time: i64,
        now: i64,
    ) -> Result<(String, AuthorizationCode), SecretError> {
        let code = random_token(32)?;
        let record = AuthorizationCode {
            code_hash: token_hash(&code),
            realm_id: realm_id.to_owned(),
            client_id: self.client_id.clone(),
            user_id: user_id.to_owned(),
            session_id: session_id.to_owned(),
            redirect_uri: self.redirect_uri.to_string(),
            scope: self.scope.clone(),
            nonce: self.nonce.clone(),
            code_challenge: self.code_challenge.clone(),
            resources: self.resources.clone(),
            auth_time,
            created_at: now,
            expires_at: now + CODE_LIFETIME,
            dpop_jkt: self.dpop_jkt.clone(),
        };
        Ok((code, record))
    }

    /// Whether a sign-in at `auth_time` is recent enough for `max_age` (OIDC Core §3.1.2.1).
    pub fn accepts_auth_time(&self, auth_time: i64, now: i64) -> bool {
        self.max_age.is_none_or(|max| now - auth_time <= max)
    }
}

/// Unknown values are ignored (`select_account`: we have one account per session); `none` must stand alone.
fn parse_prompt(raw: Option<&str>) -> Option<Prompt> {
    let mut prompt = Prompt::default();
    let values: Vec<&str> = raw.unwrap_or("").split(' ').filter(|v| !v.is_empty()).collect();
    for v in &values {
        match *v {
            "none" => prompt.none = true,
            "login" => prompt.login = true,
            "consent" => prompt.consent = true,
            _ => {}
        }
    }
    (!prompt.none || values.len() == 1).then_some(prompt)
}

/// Whether the user must be asked: only for clients that require consent (Keycloak's `consentRequired`),
/// when a granted scope is not yet consented to, or when `prompt=consent` asks for it.
pub fn needs_consent(client: &Client, request: &AuthorizationRequest, consented: Option<&ScopeSet>) -> bool {
    if !client.consent_required {
        return false;
    }
    if request.prompt.consent {
        return true;
    }
    let consented = |s: &str| consented.is_some_and(|c| c.contains(s));
    request.scope.iter().filter(|s| *s != crate::scope::OPENID).any(|s| !consented(s))
}

/// What the user has consented to after accepting `request`: the earlier consent plus the request's
/// scopes (`openid` names the protocol and needs no consent).
pub fn merged_consent(earlier: Option<ScopeSet>, request: &AuthorizationRequest) -> ScopeSet {
    let mut scopes = earlier.unwrap_or_default();
    for s in request.scope.iter().filter(|s| *s != crate::scope::OPENID) {
        scopes.insert(s);
    }
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provisioning::tests::client_with_scopes;

    fn params(pairs: &[(&str, &str)]) -> FormParams {
        FormParams::new(pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()).unwrap()
    }

    fn spa() -> Client {
        let mut c = client_with_scopes(&["profile"], &["offline_access"]);
        c.public_client = true;
        c.standard_flow_enabled = true;
        c.redirect_uris = vec!["https://app.test/cb".into()];
        c
    }

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn unknown_client_and_bad_redirect_are_pages_never_redirects_rfc6749_4_1_2_1() {
        let policy = SignInPolicy::of(&crate::provisioning::tests::realm());
        let p = params(&[("client_id", "x"), ("redirect_uri", "https://app.test/cb"), ("response_type", "code")]);
        assert!(matches!(
            AuthorizationRequest::check(&p, None, &policy, &[], false),
            Err(AuthorizationRefusal::Page(_))
        ));
        let p = params(&[("client_id", "x"), ("redirect_uri", "https://evil.test/cb"), ("response_type", "token")]);
        let c = spa();
        assert!(matches!(
            AuthorizationRequest::check(&p, Some(&c), &policy, &[], false),
            Err(AuthorizationRefusal::Page(_))
        ));
    }

    #[test]
    fn implicit_is_unsupported_response_type_by_redirect_rfc6749_4_1_2_1() {
        let policy = SignInPolicy::of(&crate::provisioning::tests::realm());
        let c = spa();
        for rt in ["token", "id_token", "code id_token", "code token"] {
            let p = params(&[("redirect_uri", "https://app.test/cb"), ("response_type", rt), ("state", "s1")]);
            let Err(AuthorizationRefusal::Redirect(r)) = AuthorizationRequest::check(&p, Some(&c), &policy, &[], false)
            else {
                panic!("{rt} must be refused by redirect");
            };
            assert_eq!(r.error, ErrorCode::UnsupportedResponseType);
            assert!(r.location("https://iss").starts_with("https://app.test/cb?error=unsupported_response_type"));
            assert!(r.location("https://iss").contains("state=s1"));
        }
    }

    #[test]
    fn public_clients_need_s256_and_plain_is_refused_rfc7636_4_4_1() {
        let policy = SignInPolicy::of(&crate::provisioning::tests::realm());
        let c = spa();
        let base = [("redirect_uri", "https://app.test/cb"), ("response_type", "code")];
        let without = params(&base);
        assert!(matches!(
            AuthorizationRequest::check(&without, Some(&c), &policy, &[], false),
            Err(AuthorizationRefusal::Redirect(ErrorRedirect { error: ErrorCode::InvalidRequest, .. }))
        ));
        let mut plain = base.to_vec();
        plain.extend([("code_challenge", CHALLENGE), ("code_challenge_method", "plain")]);
        assert!(AuthorizationRequest::check(&params(&plain), Some(&c), &policy, &[], false).is_err());
        let mut s256 = base.to_vec();
        s256.extend([("code_challenge", CHALLENGE), ("code_challenge_method", "S256"), ("prompt", "login")]);
        let ok = AuthorizationRequest::check(&params(&s256), Some(&c), &policy, &[], false).unwrap();
        assert_eq!(ok.code_challenge.as_deref(), Some(CHALLENGE));
        assert!(ok.prompt.login);
        assert_eq!(ok.scope.to_string(), "profile");
    }
}
