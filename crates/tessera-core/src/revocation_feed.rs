//! Tessera's revocation feed (docs/revocation-feed.md): every revocation and not-before change of a realm,
//! in one order, for resource servers that validate tokens locally. Who may read it, and how a reader moves
//! through the realm's log without missing an entry.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;

use tessera_proto::FeedEvent;

use crate::OAuthError;
use crate::client_auth::ClientRequest;
use crate::model::{Client, RevocationEvent, RevocationEventKind};
use crate::ports::{RevocationFeedStore, StoreError};
use crate::request::FormParams;

/// The client attribute that lets a client read its realm's feed: `true` (Keycloak-style client attribute,
/// set with `tessera client create --attribute`, the admin API or a realm import).
pub const REVOCATION_FEED_ATTRIBUTE: &str = "tessera.revocationFeed";

/// How many entries one read of the log takes at most; a reader holds no more than this at a time.
pub const PAGE: i64 = 512;
/// Each read starts this many ids behind the newest one sent: on PostgreSQL a transaction that took a lower
/// id can commit after one that took a higher. Entries are idempotent; those already sent are skipped.
pub const OVERLAP: i64 = 256;

/// Authorizes a reader of the realm's feed.
pub struct RevocationFeed<'a> {
    pub request: ClientRequest<'a>,
}

impl RevocationFeed<'_> {
    /// The caller authenticates as a confidential client of the realm (as at the introspection endpoint,
    /// RFC 7662 §2.1), and must carry [`REVOCATION_FEED_ATTRIBUTE`] = `true`.
    pub async fn subscribe(&self, authorization: Option<&str>, form: &FormParams) -> Result<Arc<Client>, OAuthError> {
        let caller = self.request.authenticate_client(authorization, form, Some("revocation_feed")).await?;
        if caller.public_client {
            return Err(OAuthError::InvalidClient { basic_challenge: false });
        }
        if caller.attributes.get(REVOCATION_FEED_ATTRIBUTE).is_none_or(|v| v != "true") {
            return Err(OAuthError::ClientNotPermitted(Cow::Borrowed("the client may not read the revocation feed")));
        }
        Ok(caller)
    }
}

/// The `Last-Event-ID` a reader resumes from: a non-negative integer, or nothing (from the start: every live
/// entry, which is the snapshot).
pub fn parse_cursor(header: Option<&str>) -> Result<i64, OAuthError> {
    match header.map(str::trim) {
        None | Some("") => Ok(0),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or(OAuthError::InvalidRequest(Cow::Borrowed("Last-Event-ID is not a feed cursor"))),
    }
}

/// One reader's place in a realm's log. Reading from a cursor returns every entry after it still live:
/// expired revocations need no one's attention, so "from the start" and "from a cursor older than what is
/// kept" are both the snapshot of live entries. Memory: at most [`OVERLAP`] ids besides one page.
pub struct FeedCursor {
    realm_id: String,
    /// The cursor handed out: the newest id sent. It never moves back, even when a late entry arrives.
    newest: i64,
    /// Ids sent within the overlap window.
    recent: BTreeSet<i64>,
    /// The first reads replay up to [`OVERLAP`] entries a reader may already hold; harmless.
    caught_up: bool,
}

impl FeedCursor {
    pub fn new(realm_id: impl Into<String>, after: i64) -> Self {
        Self { realm_id: realm_id.into(), newest: after, recent: BTreeSet::new(), caught_up: false }
    }

    pub fn position(&self) -> i64 {
        self.newest
    }

    /// True once a read came back with less than a page: what was live at the start has been sent.
    pub fn caught_up(&self) -> bool {
        self.caught_up
    }

    /// The next entries not sent yet, oldest first, as wire events, each with the cursor to hand out with it
    /// (the newest id sent so far, that entry included): a reader cut off mid-page resumes after the last
    /// event it received.
    pub async fn next_page(
        &mut self,
        store: &dyn RevocationFeedStore,
        now: i64,
    ) -> Result<Vec<(i64, FeedEvent)>, StoreError> {
        let from = (self.newest - OVERLAP).max(0);
        let page = store.revocation_events(&self.realm_id, from, now, PAGE).await?;
        if (page.len() as i64) < PAGE {
            self.caught_up = true;
        }
        let mut fresh = Vec::new();
        for e in page {
            if self.recent.insert(e.id) {
                self.newest = self.newest.max(e.id);
                fresh.push((self.newest, wire(e)));
            }
        }
        let floor = self.newest - OVERLAP;
        self.recent = self.recent.split_off(&(floor + 1));
        Ok(fresh)
    }
}

fn wire(e: RevocationEvent) -> FeedEvent {
    match e.kind {
        RevocationEventKind::Token => FeedEvent::TokenRevoked { jti: e.subject, exp: e.expires_at.unwrap_or(e.at) },
        RevocationEventKind::Client => FeedEvent::ClientNotBefore { client_id: e.subject, not_before: e.at },
        RevocationEventKind::User => {
            FeedEvent::UserNotBefore { sub: e.subject, not_before: e.at, expires_at: e.expires_at.unwrap_or(e.at) }
        }
        RevocationEventKind::Realm => FeedEvent::RealmNotBefore { not_before: e.at },
    }
}

#[cfg(test)]
mod tests;
