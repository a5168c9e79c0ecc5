//! Keycloak's realm-info document (`GET /realms/{realm}`): the realm's name, its signing key as a PEM body,
//! where its token service and account console live, and its not-before instant. Not an RFC document;
//! Keycloak's libraries read it (python-keycloak's `public_key()`, keycloak-connect's realm URL checks).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tessera_proto::PublishedRealm;

use crate::model::RealmContext;

/// The document for `realm`. Keycloak names its RS256 key; we name the active signing key whatever its
/// algorithm, since that is the key a verifier reading `public_key` needs (an ES256 or EdDSA realm gets an
/// EC or Ed25519 SubjectPublicKeyInfo, which PEM readers take as they take an RSA one).
pub fn published_realm(realm: &RealmContext) -> PublishedRealm {
    let spki = realm.keys.active().public_key_spki();
    PublishedRealm {
        realm: realm.realm.name.clone(),
        public_key: spki.map(|der| STANDARD.encode(der)),
        token_service: format!("{}/protocol/openid-connect", realm.issuer),
        account_service: format!("{}/account", realm.issuer),
        tokens_not_before: realm.realm.not_before,
    }
}
