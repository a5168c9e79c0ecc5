//! Token endpoint body: `FormParams::from_urlencoded`, then `TokenRequest::parse` (RFC 6749 §3.2, §4).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_core::OAuthError;
use tessera_core::request::{FormParams, GrantType, TokenRequest};
use tessera_proto::ScopeSet;

fuzz_target!(|data: &[u8]| {
    let Ok(form) = FormParams::from_urlencoded(data) else { return };
    let parsed = TokenRequest::parse(&form);
    let grant = form.get("grant_type");
    match &parsed {
        Ok(request) => {
            let expected = match request {
                TokenRequest::ClientCredentials { .. } => GrantType::ClientCredentials,
                TokenRequest::AuthorizationCode { .. } => GrantType::AuthorizationCode,
                TokenRequest::RefreshToken { .. } => GrantType::RefreshToken,
                TokenRequest::Password { .. } => GrantType::Password,
                TokenRequest::DeviceCode { .. } => GrantType::DeviceCode,
                TokenRequest::TokenExchange(_) => GrantType::TokenExchange,
            };
            assert_eq!(grant, Some(expected.as_str()), "the variant is the grant_type sent");
            let scope = match request {
                TokenRequest::ClientCredentials { scope, .. }
                | TokenRequest::RefreshToken { scope, .. }
                | TokenRequest::Password { scope, .. } => scope.as_ref(),
                TokenRequest::AuthorizationCode { code, redirect_uri, .. } => {
                    assert!(!code.is_empty());
                    if let Some(r) = redirect_uri {
                        assert!(r.as_str().len() <= tessera_core::redirect_uri::RedirectUri::MAX_LEN);
                    }
                    None
                }
                TokenRequest::DeviceCode { device_code, .. } => {
                    assert!(!device_code.is_empty(), "a parameter sent empty is omitted (RFC 6749 §3.2)");
                    None
                }
                TokenRequest::TokenExchange(exchange) => {
                    assert!(!exchange.subject_token.is_empty() && !exchange.subject_token_type.is_empty());
                    exchange.scope.as_ref()
                }
            };
            if let Some(scope) = scope {
                assert!(scope.len() <= ScopeSet::MAX_TOKENS);
                assert_eq!(ScopeSet::parse(&scope.to_string()).as_ref(), Ok(scope), "scope round-trips");
            }
        }
        Err(OAuthError::UnsupportedGrantType(_)) => {
            assert!(grant.is_some_and(|g| GrantType::parse(g).is_none()));
        }
        Err(_) => {}
    }
});
