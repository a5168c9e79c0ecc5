//! Usage counts on one node, when there is no Redis: per minute, realm and client, bounded in bytes. The
//! oldest minutes go first when the budget is reached, and minutes older than the report window always go.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use tessera_core::ports::StoreError;
use tessera_core::usage::{MAX_WINDOW_MINUTES, UsageMetric, UsageRow};

/// The default budget: some 100,000 client-minutes of typical counts.
pub const DEFAULT_BUDGET_BYTES: usize = 32 * 1024 * 1024;
/// An estimate of a map entry's fixed cost (key, value, table slot and spare room, allocations).
const ENTRY_BYTES: usize = 112;

type Clients = HashMap<Box<str>, Vec<(UsageMetric, u64)>>;

#[derive(Default)]
struct Minutes {
    /// minute → realm → client → counts.
    by_minute: BTreeMap<i64, HashMap<Box<str>, Clients>>,
    bytes: usize,
    newest: i64,
}

pub struct LocalUsage {
    minutes: Mutex<Minutes>,
    budget: usize,
}

impl Default for LocalUsage {
    fn default() -> Self {
        Self::with_budget(DEFAULT_BUDGET_BYTES)
    }
}

fn metric_bytes(metric: &UsageMetric) -> usize {
    let text = match metric {
        UsageMetric::Failure(s) | UsageMetric::Scope(s) | UsageMetric::Network(s) => s.len(),
        _ => 0,
    };
    // The value in its vector (with room to grow) and its text's allocation.
    2 * std::mem::size_of::<(UsageMetric, u64)>() + text.next_multiple_of(16) + 16
}

impl LocalUsage {
    pub fn with_budget(budget: usize) -> Self {
        Self { minutes: Mutex::default(), budget }
    }

    /// Bytes held, by the estimate the budget is kept with.
    pub fn bytes(&self) -> usize {
        self.minutes.lock().map(|m| m.bytes).unwrap_or(0)
    }

    /// Adds `rows` of `realm`, then keeps within the budget and the window.
    pub fn add(&self, realm: &str, rows: &[UsageRow]) {
        let Ok(mut m) = self.minutes.lock() else { return };
        let m = &mut *m;
        for row in rows {
            m.newest = m.newest.max(row.minute);
            if row.minute <= m.newest - MAX_WINDOW_MINUTES {
                continue;
            }
            let realms = m.by_minute.entry(row.minute).or_default();
            let clients = match realms.get_mut(realm) {
                Some(c) => c,
                None => {
                    m.bytes += ENTRY_BYTES + realm.len();
                    realms.entry(realm.into()).or_default()
                }
            };
            let counts = match clients.get_mut(row.client.as_str()) {
                Some(c) => c,
                None => {
                    if m.bytes >= self.budget {
                        continue;
                    }
                    m.bytes += ENTRY_BYTES + row.client.len();
                    clients.entry(row.client.as_str().into()).or_default()
                }
            };
            match counts.iter_mut().find(|(metric, _)| *metric == row.metric) {
                Some((_, n)) => *n += row.count,
                None => {
                    m.bytes += metric_bytes(&row.metric);
                    counts.push((row.metric.clone(), row.count));
                }
            }
        }
        // The budget goes to the newest minutes: drop the oldest (but never the newest) until within it.
        let oldest_kept = m.newest - MAX_WINDOW_MINUTES;
        while let Some((&oldest, _)) = m.by_minute.first_key_value() {
            if oldest > oldest_kept && (m.bytes <= self.budget || oldest == m.newest) {
                break;
            }
            if let Some((_, realms)) = m.by_minute.pop_first() {
                m.bytes = m.bytes.saturating_sub(minute_bytes(&realms));
            }
        }
    }

    pub async fn usage(
        &self,
        realm: &str,
        client: Option<&str>,
        from: i64,
        until: i64,
    ) -> Result<Vec<UsageRow>, StoreError> {
        let m = self.minutes.lock().map_err(|_| StoreError::Other("usage counts poisoned".to_owned()))?;
        let mut rows = Vec::new();
        for (minute, realms) in m.by_minute.range(from..until) {
            let Some(clients) = realms.get(realm) else { continue };
            for (name, counts) in clients {
                if client.is_some_and(|c| c != name.as_ref()) {
                    continue;
                }
                rows.extend(counts.iter().map(|(metric, count)| UsageRow {
                    minute: *minute,
                    client: name.to_string(),
                    metric: metric.clone(),
                    count: *count,
                }));
            }
        }
        Ok(rows)
    }
}

fn minute_bytes(realms: &HashMap<Box<str>, Clients>) -> usize {
    realms
        .iter()
        .map(|(realm, clients)| {
            ENTRY_BYTES
                + realm.len()
                + clients
                    .iter()
                    .map(|(c, counts)| {
                        ENTRY_BYTES + c.len() + counts.iter().map(|(m, _)| metric_bytes(m)).sum::<usize>()
                    })
                    .sum::<usize>()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(minute: i64, client: &str, count: u64) -> UsageRow {
        UsageRow { minute, client: client.to_owned(), metric: UsageMetric::Tokens, count }
    }

    #[tokio::test]
    async fn counts_add_up_per_minute_and_client_and_realms_stay_apart() {
        let local = LocalUsage::default();
        local.add("a", &[tokens(5, "app", 2), tokens(5, "app", 3), tokens(6, "app", 1)]);
        local.add("b", &[tokens(5, "app", 100)]);
        let rows = local.usage("a", Some("app"), 0, 10).await.unwrap();
        assert_eq!(rows, [tokens(5, "app", 5), tokens(6, "app", 1)]);
        assert!(local.usage("a", Some("other"), 0, 10).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn the_budget_drops_the_oldest_minutes_first() {
        let local = LocalUsage::with_budget(64 * 1024);
        for minute in 0..1_000 {
            let rows: Vec<_> = (0..10).map(|c| tokens(minute, &format!("client-{c}"), 1)).collect();
            local.add("r", &rows);
        }
        assert!(local.bytes() <= 64 * 1024, "{}", local.bytes());
        let rows = local.usage("r", None, 0, 1_000).await.unwrap();
        assert!(rows.iter().any(|r| r.minute == 999) && !rows.iter().any(|r| r.minute == 0));
    }
}
