use std::sync::Mutex;

use async_trait::async_trait;

use super::*;

/// The log as a list the test appends to, in whatever order transactions "commit".
#[derive(Default)]
struct Log(Mutex<Vec<RevocationEvent>>);

impl Log {
    fn commit(&self, id: i64, jti: &str, exp: i64) {
        let e =
            RevocationEvent { id, kind: RevocationEventKind::Token, subject: jti.into(), at: 1, expires_at: Some(exp) };
        self.0.lock().unwrap().push(e);
    }
}

#[async_trait]
impl RevocationFeedStore for Log {
    async fn revocation_events(
        &self,
        _realm_id: &str,
        after: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<RevocationEvent>, StoreError> {
        let mut page: Vec<_> = self
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.id > after && e.expires_at.is_none_or(|x| x > now))
            .cloned()
            .collect();
        page.sort_by_key(|e| e.id);
        page.truncate(limit as usize);
        Ok(page)
    }

    async fn purge_revocation_events(&self, _now: i64) -> Result<u64, StoreError> {
        Ok(0)
    }
}

fn jtis(events: &[(i64, FeedEvent)]) -> Vec<String> {
    events
        .iter()
        .map(|(_, e)| match e {
            FeedEvent::TokenRevoked { jti, .. } => jti.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

/// WHATWG HTML §9.2.4 (`Last-Event-ID`): a reader resumes after its cursor and misses nothing, even an
/// entry whose transaction took a lower id and committed after a higher one; nothing is sent twice.
#[tokio::test]
async fn a_late_commit_below_the_cursor_is_sent_once_and_the_cursor_never_moves_back() {
    let log = Log::default();
    log.commit(1, "a", 100);
    log.commit(3, "c", 100);
    let mut cursor = FeedCursor::new("r", 0);
    let first = cursor.next_page(&log, 10).await.unwrap();
    assert_eq!(jtis(&first), ["a", "c"]);
    assert_eq!(first.iter().map(|(c, _)| *c).collect::<Vec<_>>(), [1, 3]);
    assert_eq!(cursor.position(), 3);
    assert!(cursor.caught_up());
    log.commit(2, "b", 100);
    let late = cursor.next_page(&log, 10).await.unwrap();
    assert_eq!(jtis(&late), ["b"]);
    assert_eq!(late[0].0, 3, "the cursor handed out with a late entry is still the newest");
    assert_eq!(cursor.position(), 3);
    assert!(cursor.next_page(&log, 10).await.unwrap().is_empty());
}

/// The snapshot holds only live entries: revocations of tokens that have expired are never sent.
#[tokio::test]
async fn expired_revocations_are_not_in_the_snapshot() {
    let log = Log::default();
    log.commit(1, "gone", 5);
    log.commit(2, "live", 50);
    let mut cursor = FeedCursor::new("r", 0);
    assert_eq!(jtis(&cursor.next_page(&log, 10).await.unwrap()), ["live"]);
}

/// A log longer than a page comes in pages, each a bounded read, until it is caught up.
#[tokio::test]
async fn a_long_log_comes_in_bounded_pages_without_gaps_or_repeats() {
    let log = Log::default();
    let n = PAGE * 3 + 7;
    for id in 1..=n {
        log.commit(id, &id.to_string(), 100);
    }
    let mut cursor = FeedCursor::new("r", 0);
    let mut seen = Vec::new();
    while !cursor.caught_up() {
        let page = cursor.next_page(&log, 10).await.unwrap();
        assert!(page.len() as i64 <= PAGE);
        seen.extend(jtis(&page));
    }
    assert_eq!(seen, (1..=n).map(|i| i.to_string()).collect::<Vec<_>>());
    assert!(cursor.recent.len() as i64 <= OVERLAP);
}

#[test]
fn a_cursor_is_a_non_negative_integer_or_nothing() {
    assert_eq!(parse_cursor(None).unwrap(), 0);
    assert_eq!(parse_cursor(Some(" 42 ")).unwrap(), 42);
    for bad in ["-1", "abc", "1e3", "99999999999999999999"] {
        assert!(matches!(parse_cursor(Some(bad)), Err(OAuthError::InvalidRequest(_))), "{bad}");
    }
}
