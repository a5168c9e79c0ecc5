//! The domain model: realms (tenants), client scopes, clients, users, signing keys, and what grants store.

pub mod client;
pub mod context;
pub mod device;
pub mod grant;
pub mod key;
pub mod names;
pub mod realm;
pub mod registration;
pub mod resource;
pub mod roles;
pub mod usage;
pub mod user;
pub mod user_search;

pub use client::{
    AUTHENTICATOR_ATTRIBUTE, ClaimsMemo, Client, ClientAuthenticator, ClientKeySource, ClientSecret, SecretHash,
    TOKEN_REUSE_ATTRIBUTE,
};
pub use context::RealmContext;
pub use device::{DeviceGrant, DeviceStatus};
pub use grant::{
    AuthorizationCode, CodeIssue, CodeRedemption, PushedAuthorizationRequest, RefreshToken, RevocationEvent,
    RevocationEventKind, RevokedToken, UserNotBefore,
};
pub use key::{KeyState, SigningAlgorithm, StoredSigningKey};
pub use names::{ClientId, RealmName, new_id};
pub use realm::{ClientScope, DEFAULT_ACCESS_TOKEN_LIFESPAN, Realm, RealmBundle};
pub use registration::InitialAccessToken;
pub use resource::Resources;
pub use roles::{AccessModel, Group, MappedClaims, ProtocolMapper, Role, RoleMappings, default_role_name};
pub use user::{LoginFailures, SsoSession, UPDATE_PASSWORD, User};
pub use user_search::{SearchTerm, UserSearch, search_key};
