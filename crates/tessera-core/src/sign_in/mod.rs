//! People signing in: the authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2), password login with
//! lockout, SSO sessions and consent, ID tokens, userinfo and logout. Free of HTTP: each browser step is
//! a [`SignIn`] entry returning a [`Step`] that the server only renders.

pub mod authorization;
pub mod device;
pub mod id_token;
pub mod login;
pub mod logout;
pub mod pending;
pub mod policy;
pub mod required_actions;
pub mod service;
pub mod session;
pub mod step;
pub mod steps;
pub mod userinfo;

pub use policy::SignInPolicy;
pub use service::{Browser, SignIn};
pub use step::{CookieChange, DeviceCodeForm, DeviceConsentForm, FormPost, SignInError, Step, View};
