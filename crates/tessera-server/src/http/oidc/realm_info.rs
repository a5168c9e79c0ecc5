//! `GET /realms/{realm}`: Keycloak's realm-info document.

use axum::Json;
use tessera_core::realm_info::published_realm;
use tessera_proto::PublishedRealm;

use crate::http::extract::RealmInPath;

pub async fn realm_info(RealmInPath(realm): RealmInPath) -> Json<PublishedRealm> {
    Json(published_realm(&realm))
}
