//! Server-provided DPoP nonces (RFC 9449 §8 at the token endpoint, §9 at resources), stateless: a nonce
//! names a time window and carries an HMAC of it under a key derived from the master key, so every node of
//! a cluster accepts the nonces of the others and none stores them. A nonce is accepted in the window it
//! was made and in the next one, so a client that just learned one has at least one window to use it.

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::model::Realm;
use crate::secret::MasterKey;

/// The realm attribute that turns server nonces on (`"true"`).
pub const DPOP_NONCE_ATTRIBUTE: &str = "tessera.dpop.nonce";
/// The length of a nonce window, in seconds.
pub const NONCE_WINDOW_SECONDS: i64 = 300;
/// The MAC is cut to 128 bits: forging one means guessing it within a window.
const MAC_BYTES: usize = 16;
const WINDOW_BYTES: usize = 8;

/// Makes and checks the nonces of one realm.
pub struct DpopNonces {
    key: hmac::Key,
}

impl DpopNonces {
    /// The realm's nonce source, when its setting asks for nonces.
    pub fn of(realm: &Realm, master: &MasterKey) -> Option<Self> {
        let on = realm.attributes.get(DPOP_NONCE_ATTRIBUTE).is_some_and(|v| v == "true");
        // One key per realm: a nonce of one realm is not one of another.
        on.then(|| Self { key: master.derive_mac_key(&format!("tessera-dpop-nonce:{}", realm.id)) })
    }

    /// A key given directly (tests, and a resource server sharing no master key).
    pub fn with_key(key: &[u8]) -> Self {
        Self { key: hmac::Key::new(hmac::HMAC_SHA256, key) }
    }

    fn mac(&self, window: i64) -> hmac::Tag {
        hmac::sign(&self.key, &window.to_be_bytes())
    }

    /// The nonce to hand out now (`DPoP-Nonce`, §8.1): NQCHARs only (base64url).
    pub fn issue(&self, now: i64) -> String {
        let window = now.div_euclid(NONCE_WINDOW_SECONDS);
        let mut raw = window.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.mac(window).as_ref()[..MAC_BYTES]);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// §8: whether `nonce` was made by this source, in this window or the one before.
    pub fn accepts(&self, nonce: &str, now: i64) -> bool {
        let Ok(raw) = URL_SAFE_NO_PAD.decode(nonce) else { return false };
        if raw.len() != WINDOW_BYTES + MAC_BYTES {
            return false;
        }
        let (window, mac) = raw.split_at(WINDOW_BYTES);
        let Ok(window) = <[u8; WINDOW_BYTES]>::try_from(window).map(i64::from_be_bytes) else { return false };
        let current = now.div_euclid(NONCE_WINDOW_SECONDS);
        if window != current && window != current - 1 {
            return false;
        }
        verify_slices_are_equal(&self.mac(window).as_ref()[..MAC_BYTES], mac).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9449_8_a_nonce_is_accepted_in_its_window_and_the_next_only() {
        let nonces = DpopNonces::with_key(b"k");
        let made = nonces.issue(1_000_000);
        assert!(nonces.accepts(&made, 1_000_000));
        assert!(nonces.accepts(&made, 1_000_000 + NONCE_WINDOW_SECONDS));
        assert!(!nonces.accepts(&made, 1_000_000 + 2 * NONCE_WINDOW_SECONDS));
        assert!(!nonces.accepts(&made, 1_000_000 - NONCE_WINDOW_SECONDS));
    }

    #[test]
    fn rfc9449_8_a_nonce_of_another_key_or_altered_is_refused() {
        let made = DpopNonces::with_key(b"one").issue(1_000_000);
        assert!(!DpopNonces::with_key(b"two").accepts(&made, 1_000_000));
        let mut altered = made.into_bytes();
        altered[12] = if altered[12] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap_or_default();
        assert!(!DpopNonces::with_key(b"one").accepts(&altered, 1_000_000));
        assert!(!DpopNonces::with_key(b"one").accepts("not a nonce", 1_000_000));
    }
}
