//! The revocation feed's streams (docs/revocation-feed.md). Each stream reads its realm's log through a
//! [`FeedCursor`], a page at a time, and waits between reads for the node's revocation list to change: it
//! hears this node's own revocations, the other nodes' through Redis, and the database tail, so an entry is
//! sent within milliseconds of reaching this node; a read every `poll` is the safety net (and what carries
//! revoke-alls made by the CLI). One stream holds one page at most; the number open per realm is bounded.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::sse::Event;
use futures_util::Stream;
use tessera_core::ports::{Clock, Store};
use tessera_core::revocation_feed::FeedCursor;
use tessera_proto::{FEED_READY_EVENT, FeedEvent};
use tokio::sync::watch;

/// How many streams may be open per realm on this node, and how often each reads the log unprompted.
#[derive(Debug)]
pub struct FeedConnections {
    max_per_realm: usize,
    poll: Duration,
    open: Mutex<HashMap<String, usize>>,
}

/// One open stream's place in its realm's count, given back when the stream is dropped.
#[derive(Debug)]
pub struct FeedSlot {
    connections: Arc<FeedConnections>,
    realm_id: String,
}

impl FeedConnections {
    pub fn new(max_per_realm: usize, poll: Duration) -> Arc<Self> {
        Arc::new(Self { max_per_realm, poll, open: Mutex::new(HashMap::new()) })
    }

    /// A slot, or `None` when the realm has as many streams open as allowed.
    pub fn try_open(self: &Arc<Self>, realm_id: &str) -> Option<FeedSlot> {
        let mut open = self.open.lock().ok()?;
        let n = open.entry(realm_id.to_owned()).or_default();
        if *n >= self.max_per_realm {
            return None;
        }
        *n += 1;
        Some(FeedSlot { connections: self.clone(), realm_id: realm_id.to_owned() })
    }
}

impl Drop for FeedSlot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.connections.open.lock()
            && let Some(n) = open.get_mut(&self.realm_id)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.realm_id);
            }
        }
    }
}

/// One reader's stream.
pub struct FeedStream {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub changes: watch::Receiver<u64>,
    pub cursor: FeedCursor,
    pub slot: FeedSlot,
}

struct State {
    feed: FeedStream,
    pending: VecDeque<(i64, FeedEvent)>,
    ready_sent: bool,
}

impl FeedStream {
    /// The SSE events: the live entries after the cursor, `ready`, then each new entry as it arrives.
    pub fn events(self) -> impl Stream<Item = Result<Event, Infallible>> + Send {
        let state = State { feed: self, pending: VecDeque::new(), ready_sent: false };
        futures_util::stream::unfold(state, |mut s| async move {
            let event = s.next().await;
            Some((Ok(event), s))
        })
    }
}

impl State {
    async fn next(&mut self) -> Event {
        loop {
            if let Some((cursor, e)) = self.pending.pop_front() {
                return Event::default().event(e.event_type()).data(e.data()).id(cursor.to_string());
            }
            if self.feed.cursor.caught_up() && !self.ready_sent {
                self.ready_sent = true;
                return Event::default().event(FEED_READY_EVENT).data("{}").id(self.feed.cursor.position().to_string());
            }
            // Seen before reading, so that a change during the read wakes the wait below at once.
            self.feed.changes.borrow_and_update();
            match self.feed.cursor.next_page(self.feed.store.as_ref(), self.feed.clock.now()).await {
                Ok(page) if !page.is_empty() => {
                    self.pending.extend(page);
                    continue;
                }
                Ok(_) if !self.ready_sent => continue,
                Ok(_) => {}
                // The stream stays open; the reader is told nothing new until the database answers again.
                Err(e) => tracing::warn!(error = %e, "revocation feed: could not read the log"),
            }
            let poll = self.feed.slot.connections.poll;
            if let Ok(Err(_)) = tokio::time::timeout(poll, self.feed.changes.changed()).await {
                // The revocation list is gone (shutting down): poll only.
                tokio::time::sleep(poll).await;
            }
        }
    }
}
