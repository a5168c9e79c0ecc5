//! What a browser step produces: the page to show or the redirect to send, with the cookies to change.
//! The server only renders a [`Step`]; every decision behind it is made in this module's siblings.

use std::borrow::Cow;

use crate::ports::StoreError;
use crate::secret::SecretError;

/// One answer to one browser request.
#[derive(Debug)]
pub struct Step {
    /// The realm's display name (its name when it has none), for the page heading; "Tessera" when the
    /// realm is not known.
    pub realm_name: String,
    pub view: View,
    pub cookies: Vec<CookieChange>,
}

#[derive(Debug)]
pub enum View {
    Login(LoginForm),
    /// A required action: the user must choose a new password before going on.
    UpdatePassword(UpdatePasswordForm),
    Consent(ConsentForm),
    /// A `302 Found` to this location (RFC 6749 §4.1.2).
    Redirect(String),
    /// OAuth 2.0 Form Post Response Mode §2: a page whose form the browser posts to the client at once.
    FormPost(FormPost),
    /// RP-Initiated Logout §2: ask before signing out when the request does not prove where it came from.
    ConfirmLogout(LogoutForm),
    SignedOut,
    /// RFC 8628 §3.3: the page where the user types the code the device shows.
    DeviceCode(DeviceCodeForm),
    /// The login form of the device flow (its own target, its own pending request).
    DeviceLogin(LoginForm),
    /// RFC 8628 §3.3, §5.4: "allow this device?", with the code to compare against the device's screen.
    DeviceConsent(DeviceConsentForm),
    /// The user answered; the device learns it at its next poll.
    DeviceDone {
        approved: bool,
    },
    /// An error page: the user is not sent anywhere (RFC 6749 §4.1.2.1).
    Error(SignInError),
}

/// The cookies a step sets or clears. Their attributes (path, `HttpOnly`, `SameSite`, `Secure`) are the
/// server's to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CookieChange {
    /// The SSO session cookie, set to a fresh value after a sign-in.
    SetSession(String),
    ClearSession,
    /// The browser's CSRF token, set the first time a form is shown.
    SetCsrf(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginForm {
    pub client_name: String,
    /// The authorization request, sealed (see [`super::pending`]).
    pub pending: String,
    pub csrf: String,
    pub username: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatePasswordForm {
    pub client_name: String,
    pub username: String,
    pub pending: String,
    pub csrf: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentForm {
    pub client_name: String,
    pub username: String,
    /// What each scope to consent to means, in words.
    pub scopes: Vec<String>,
    pub pending: String,
    pub csrf: String,
}

/// The authorization response as form fields, posted to the client's redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPost {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodeForm {
    pub csrf: String,
    /// What the user typed, shown again with the error.
    pub user_code: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceConsentForm {
    pub client_name: String,
    pub username: String,
    /// As the device shows it (`XXXX-XXXX`), so that the user can check it is the device in front of them.
    pub user_code: String,
    pub scopes: Vec<String>,
    pub pending: String,
    pub csrf: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutForm {
    pub csrf: String,
    /// Carried through the confirmation, so that a confirmed logout still knows the client's session.
    pub id_token_hint: Option<String>,
    pub client_id: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
}

/// Why a browser step ends on an error page. The server maps each to a status and words in one place.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The request cannot be served as sent; the words are for the user.
    #[error("{0}")]
    BadRequest(Cow<'static, str>),
    /// A form's CSRF token is missing or wrong.
    #[error("the form could not be verified")]
    Forgery,
    #[error("unknown realm")]
    UnknownRealm,
    /// Too many sign-ins are waiting for their password to be checked.
    #[error("busy")]
    Busy,
    /// A rate limit refused the request (429 with `Retry-After`).
    #[error("rate limited")]
    RateLimited(crate::rate_limit::Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<SecretError> for SignInError {
    fn from(e: SecretError) -> Self {
        SignInError::Internal(e.to_string())
    }
}

impl SignInError {
    pub fn bad_request(words: &'static str) -> Self {
        SignInError::BadRequest(Cow::Borrowed(words))
    }
}
