//! One integration-test binary: a real server on 127.0.0.1:0 with a fresh SQLite database, real HTTP.
//! Test names say the rule; each names the RFC section it rests on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin;
mod attacks;
mod audit;
mod backchannel_logout;
mod browser;
mod client_assertion;
mod console;
mod device;
mod discovery;
mod dpop;
mod dpop_binding;
mod dpop_nonce;
mod errors;
mod hardening;
mod import;
mod introspection_jwt;
mod janitor;
mod jwks;
mod keycloak_libs;
mod keycloak_wire;
mod lifecycle;
mod metrics;
mod mtls;
mod mtls_binding;
mod multinode;
mod openid_client;
mod openid_client_registration;
mod par;
mod python_keycloak;
mod python_keycloak_admin;
mod rate_limits;
mod registration;
mod resource_indicators;
mod roles;
mod rotation;
mod signin;
mod support;
mod timing;
mod token;
mod token_exchange;
mod usage;
mod user_revocation;
