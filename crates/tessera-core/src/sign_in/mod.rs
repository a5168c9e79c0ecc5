//! People signing in: the authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2), password login with
//! lockout, SSO sessions and consent, ID tokens, userinfo and logout. Free of HTTP: the server's pages and
//! handlers call in here.

pub mod authorization;
pub mod id_token;
pub mod login;
pub mod logout;
pub mod policy;
pub mod userinfo;

pub use policy::SignInPolicy;
