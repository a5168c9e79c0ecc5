//! Client credentials at the token endpoint (RFC 6749 §2.3.1): `PresentedCredentials::extract` with an
//! arbitrary `Authorization` header and form. Input: the header, a newline, the form body; a first byte
//! `\n` means no header at all.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrecy::ExposeSecret;
use tessera_core::client_auth::{ClientAuthMethod, PresentedCredentials};
use tessera_core::model::ClientId;
use tessera_core::request::FormParams;

fuzz_target!(|data: &[u8]| {
    let Some(text) = tessera_fuzz::text(data) else { return };
    let (header, body) = text.split_once('\n').unwrap_or((text, ""));
    let header = (!(header.is_empty() && text.starts_with('\n'))).then_some(header);
    let Ok(form) = FormParams::from_urlencoded(body.as_bytes()) else { return };
    let Ok(presented) = PresentedCredentials::extract(header, &form) else { return };
    assert!(ClientId::parse(&presented.client_id).is_some(), "the client id is a valid ClientId");
    match presented.method {
        ClientAuthMethod::ClientSecretBasic => {
            assert!(header.is_some() && presented.secret.is_some());
            assert!(form.get("client_secret").is_none(), "never two methods at once");
            if let Some(id) = form.get("client_id") {
                assert_eq!(id, &*presented.client_id, "the form's client_id agrees with the header");
            }
        }
        ClientAuthMethod::ClientSecretPost => {
            assert!(header.is_none());
            let secret = presented.secret.as_ref().map(|s| s.expose_secret());
            assert_eq!(secret, form.get("client_secret"));
        }
        ClientAuthMethod::None => assert!(header.is_none() && presented.secret.is_none()),
        // RFC 7523 §2.2: an assertion alone, naming the client it authenticates (iss = sub = client_id).
        ClientAuthMethod::PrivateKeyJwt | ClientAuthMethod::ClientSecretJwt => {
            assert!(header.is_none() && presented.secret.is_none() && form.get("client_secret").is_none());
            let assertion = presented.assertion.as_ref().expect("an assertion method carries its assertion");
            assert_eq!(assertion.subject(), &*presented.client_id);
            if let Some(id) = form.get("client_id") {
                assert_eq!(id, &*presented.client_id, "the form's client_id agrees with the assertion");
            }
        }
        // RFC 8705 §2: a certificate and the client_id alone: never a secret or an assertion beside it.
        ClientAuthMethod::TlsClientAuth | ClientAuthMethod::SelfSignedTlsClientAuth => {
            assert!(header.is_none() && presented.secret.is_none() && presented.assertion.is_none());
        }
    }
});
