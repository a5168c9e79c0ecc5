//! OIDC Core §8.1 pairwise subject identifiers, computed exactly as Keycloak's `oidc-sha256-pairwise-sub-mapper`
//! does, so that a migrated client keeps seeing the same `sub` for each user: SHA-256 over the sector
//! identifier's host, the local subject and the salt, then Java's `UUID.nameUUIDFromBytes` of that digest
//! (an MD5-based version-3 UUID; MD5 here only shapes the identifier, it protects nothing).

use aws_lc_rs::digest::{Context, SHA256};
use md5::{Digest, Md5};

use crate::model::{Client, ProtocolMapper};

/// The sector identifier's host: from the mapper's `sectorIdentifierUri`, else the one host all the
/// client's redirect URIs share (§8.1); `None` when there is no single host.
fn sector_host(mapper: &ProtocolMapper, client: &Client) -> Option<String> {
    let host = |uri: &str| url::Url::parse(uri).ok().and_then(|u| u.host_str().map(str::to_owned));
    if let Some(uri) = mapper.config.get("sectorIdentifierUri").filter(|u| !u.is_empty()) {
        return host(uri);
    }
    let mut hosts = client.redirect_uris.iter().filter_map(|u| host(u));
    let first = hosts.next()?;
    hosts.all(|h| h == first).then_some(first)
}

/// The pairwise `sub` for `local_subject`, or `None` when the mapper lacks a sector or a salt.
pub fn pairwise_subject(mapper: &ProtocolMapper, client: &Client, local_subject: &str) -> Option<String> {
    let salt = mapper.config.get("pairwiseSubAlgorithmSalt").filter(|s| !s.is_empty())?;
    let sector = sector_host(mapper, client)?;
    let mut sha = Context::new(&SHA256);
    sha.update(sector.as_bytes());
    sha.update(local_subject.as_bytes());
    sha.update(salt.as_bytes());
    let digest = sha.finish();
    let md5: [u8; 16] = Md5::digest(digest.as_ref()).into();
    Some(uuid::Builder::from_md5_bytes(md5).into_uuid().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provisioning::tests::client_with_scopes;

    #[test]
    fn the_subject_is_stable_per_sector_and_differs_between_sectors() {
        let mut client = client_with_scopes(&[], &[]);
        client.redirect_uris = vec!["https://app.example/cb".into(), "https://app.example/other".into()];
        let mapper = |sector: &str| ProtocolMapper {
            id: "m".into(),
            name: "pairwise".into(),
            mapper_type: "oidc-sha256-pairwise-sub-mapper".into(),
            config: [
                ("sectorIdentifierUri".to_owned(), sector.to_owned()),
                ("pairwiseSubAlgorithmSalt".to_owned(), "salt".to_owned()),
            ]
            .into_iter()
            .collect(),
        };
        let a = pairwise_subject(&mapper(""), &client, "user-1").unwrap();
        assert_eq!(a, pairwise_subject(&mapper("https://app.example/sector.json"), &client, "user-1").unwrap());
        assert_ne!(a, pairwise_subject(&mapper("https://other.example/s"), &client, "user-1").unwrap());
        assert_ne!(a, pairwise_subject(&mapper(""), &client, "user-2").unwrap());
        // A version-3 UUID, as Java's UUID.nameUUIDFromBytes makes.
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "3");
        client.redirect_uris.push("https://elsewhere.example/cb".into());
        assert_eq!(pairwise_subject(&mapper(""), &client, "user-1"), None);
    }
}
