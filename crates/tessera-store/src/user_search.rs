//! Keycloak's user search (`UserStore::search_users`, `count_users`) over the lower-cased search keys of
//! migration 0009: a fixed number of static statements (one to three) whatever the realm's size.
//!
//! A term with a literal start (an exact value, a prefix) drives the search through an index: a range on one
//! key, or on any of the four for a word of `search`. What the index finds must then be sorted by username,
//! which costs in proportion to the matches, so a first statement counts them, up to [`FEW`] (for a count,
//! up to [`COUNTABLE`]; past that every person is read and counted):
//! - fewer: the page is read through the index, sorted (and the count is known);
//! - more: the page is read in username order, filtered, from at most the first [`WALK`] people, which
//!   fills it when matches are spread through the realm; when it does not (matches bunched late in the
//!   order), the page is read through the index after all.
//!
//! Terms without a literal start (`*foo*`, the field filters' "contains") cannot use an index: the people
//! are read in username order until the page is full, every row of the realm when few match, as Keycloak's
//! `LIKE` does. Every way gives the same rows in the same order.

use sqlx::any::AnyArguments;
use sqlx::{Any, AnyPool, Row};
use tessera_core::model::user_search::MAX_SEARCH_WORDS;
use tessera_core::model::{SearchTerm, User, UserSearch};
use tessera_core::ports::StoreError;

use crate::error::map_err;
use crate::rows::user_from_row;
use crate::sql;

type Query<'q> = sqlx::query::Query<'q, Any, AnyArguments>;

/// Matches up to which sorting what the driving index finds is cheap (a few milliseconds): past that, a
/// walk is tried first. Measured on 10^5 people, SQLite: 1,000 clustered matches sorted 0.4 ms, 5,000
/// sorted 8 ms; 5,000 spread ones walked 0.2 ms.
const FEW: i64 = 2500;
/// Matches up to which counting them through the driving index costs less than reading every person.
const COUNTABLE: i64 = 10_000;
/// People read in username order before giving up on a walk (a few milliseconds): enough to fill a page
/// of 20 when one person in 250 matches.
const WALK: i64 = 5000;

/// Username, email, first name, last name: the slots `$2`..`$5` of every search statement.
const FIELDS: usize = 4;

/// Which index drives: one key, or any of the four (a word of `search`).
#[derive(Clone, Copy)]
enum Key {
    Field(usize),
    Any,
}

#[derive(Clone)]
struct Drive {
    key: Key,
    from: String,
    to: String,
    pattern: String,
}

impl Drive {
    /// The page and the probe statements of this driving key.
    fn statements(&self) -> (&'static str, &'static str) {
        match self.key {
            Key::Any => (sql::PEOPLE_BY_ANY_KEY, sql::PROBE_BY_ANY_KEY),
            Key::Field(0) => (sql::PEOPLE_BY_USERNAME_KEY, sql::PROBE_BY_USERNAME_KEY),
            Key::Field(1) => (sql::PEOPLE_BY_EMAIL_KEY, sql::PROBE_BY_EMAIL_KEY),
            Key::Field(2) => (sql::PEOPLE_BY_FIRST_NAME_KEY, sql::PROBE_BY_FIRST_NAME_KEY),
            Key::Field(_) => (sql::PEOPLE_BY_LAST_NAME_KEY, sql::PROBE_BY_LAST_NAME_KEY),
        }
    }

    /// Binds `$11`..`$13`.
    fn bind<'q>(&self, query: Query<'q>) -> Query<'q> {
        query.bind(self.from.clone()).bind(self.to.clone()).bind(self.pattern.clone())
    }
}

/// The patterns of one search, by statement slot, and the term that drives it (taken out of its slot).
#[derive(Clone)]
struct Plan {
    fields: [Option<String>; FIELDS],
    words: [Option<String>; MAX_SEARCH_WORDS],
    drive: Option<Drive>,
}

impl Plan {
    fn new(q: &UserSearch) -> Result<Self, StoreError> {
        let terms = [&q.username, &q.email, &q.first_name, &q.last_name].map(|v| v.as_deref().map(|v| q.field(v)));
        let words = q.words();
        if words.len() > MAX_SEARCH_WORDS {
            return Err(StoreError::Other(format!("a search of more than {MAX_SEARCH_WORDS} words")));
        }
        let mut plan = Self { fields: Default::default(), words: Default::default(), drive: None };
        for (slot, term) in terms.into_iter().enumerate() {
            plan.fields[slot] = term.and_then(|t| plan.take_drive(Key::Field(slot), t));
        }
        // Of the words, the longest literal start is likely the fewest matches: it drives.
        let best = words.iter().enumerate().max_by_key(|(i, w)| (w.prefix.chars().count(), usize::MAX - i));
        let best = best.map(|(i, _)| i);
        let mut words: Vec<Option<SearchTerm>> = words.into_iter().map(Some).collect();
        if let Some(term) = best.and_then(|i| words[i].take()) {
            plan.words[0] = plan.take_drive(Key::Any, term);
        }
        for (slot, term) in words.into_iter().flatten().enumerate() {
            plan.words[slot + 1] = plan.take_drive(Key::Any, term);
        }
        Ok(plan)
    }

    /// Makes `term` the driving one if none is yet and it can be; otherwise gives back its pattern.
    fn take_drive(&mut self, key: Key, term: SearchTerm) -> Option<String> {
        if self.drive.is_some() {
            return Some(term.pattern);
        }
        match driving(key, term) {
            Ok(drive) => {
                self.drive = Some(drive);
                None
            }
            Err(term) => Some(term.pattern),
        }
    }

    /// The same conditions with none driving: the driving term back in a slot of its own.
    fn undriven(mut self) -> Self {
        match self.drive.take() {
            Some(Drive { key: Key::Field(slot), pattern, .. }) => self.fields[slot] = Some(pattern),
            Some(Drive { key: Key::Any, pattern, .. }) => {
                if let Some(free) = self.words.iter_mut().find(|w| w.is_none()) {
                    *free = Some(pattern);
                }
            }
            None => {}
        }
        self
    }

    /// Binds `$1`..`$10`: the realm, the field filters, the words.
    fn bind<'q>(&self, query: Query<'q>, realm_id: &str) -> Query<'q> {
        let query = self.fields.iter().fold(query.bind(realm_id.to_owned()), |q, f| q.bind(f.clone()));
        self.words.iter().fold(query, |q, w| q.bind(w.clone()))
    }
}

/// `term` as a range on its key: every value that starts with its prefix is in `[prefix, next)`, `next`
/// being the prefix with its last character raised by one (code-point order, which both backends use for
/// the keys). The term back when it has no literal start or no such string exists.
fn driving(key: Key, term: SearchTerm) -> Result<Drive, SearchTerm> {
    let mut to: Vec<char> = term.prefix.chars().collect();
    while let Some(last) = to.pop() {
        if let Some(next) = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32) {
            to.push(next);
            return Ok(Drive { key, from: term.prefix, to: to.into_iter().collect(), pattern: term.pattern });
        }
    }
    Err(term)
}

fn page_bounds(q: &UserSearch) -> (i64, i64) {
    (i64::try_from(q.limit).unwrap_or(i64::MAX), i64::try_from(q.offset).unwrap_or(i64::MAX))
}

async fn scalar(pool: &AnyPool, query: Query<'_>) -> Result<i64, StoreError> {
    let row = query.fetch_one(pool).await.map_err(map_err)?;
    row.try_get::<i64, _>(0).map_err(map_err)
}

/// How many match through the driving index, counted up to `cap`.
async fn probe(pool: &AnyPool, realm_id: &str, plan: &Plan, drive: &Drive, cap: i64) -> Result<i64, StoreError> {
    scalar(pool, drive.bind(plan.bind(sqlx::query(drive.statements().1), realm_id)).bind(cap)).await
}

/// One page of the people matching `q`, by username.
pub async fn page(pool: &AnyPool, realm_id: &str, q: &UserSearch) -> Result<Vec<User>, StoreError> {
    let plan = Plan::new(q)?;
    let (limit, offset) = page_bounds(q);
    let Some(drive) = &plan.drive else {
        return users(pool, plan.bind(sqlx::query(sql::PEOPLE_IN_ORDER), realm_id).bind(limit).bind(offset)).await;
    };
    let matches = probe(pool, realm_id, &plan, drive, FEW).await?;
    if matches < FEW && (matches <= offset || limit == 0) {
        return Ok(Vec::new());
    }
    if matches >= FEW {
        let walk = plan.clone().undriven();
        let query = walk.bind(sqlx::query(sql::PEOPLE_IN_ORDER_WITHIN), realm_id).bind(WALK).bind(limit).bind(offset);
        let found = users(pool, query).await?;
        if i64::try_from(found.len()).unwrap_or(i64::MAX) >= limit {
            return Ok(found);
        }
        return driven_page(pool, realm_id, &plan, (limit, offset)).await;
    }
    driven_page(pool, realm_id, &plan, (limit, offset)).await
}

async fn driven_page(
    pool: &AnyPool,
    realm_id: &str,
    plan: &Plan,
    (limit, offset): (i64, i64),
) -> Result<Vec<User>, StoreError> {
    let Some(drive) = &plan.drive else { return Ok(Vec::new()) };
    let query = drive.bind(plan.bind(sqlx::query(drive.statements().0), realm_id));
    users(pool, query.bind(limit).bind(offset)).await
}

async fn users(pool: &AnyPool, query: Query<'_>) -> Result<Vec<User>, StoreError> {
    let rows = query.fetch_all(pool).await.map_err(map_err)?;
    rows.iter().map(user_from_row).collect()
}

/// How many people match `q`.
pub async fn count(pool: &AnyPool, realm_id: &str, q: &UserSearch) -> Result<u64, StoreError> {
    let plan = Plan::new(q)?;
    if let Some(drive) = &plan.drive {
        let matches = probe(pool, realm_id, &plan, drive, COUNTABLE).await?;
        if matches < COUNTABLE {
            return Ok(u64::try_from(matches).unwrap_or(0));
        }
    }
    let plan = plan.undriven();
    let n = scalar(pool, plan.bind(sqlx::query(sql::COUNT_PEOPLE), realm_id)).await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_range_ends_at_the_next_string_that_does_not_start_with_it() {
        let range = |p: &str| {
            driving(Key::Any, SearchTerm { pattern: String::new(), prefix: p.into() }).ok().map(|d| (d.from, d.to))
        };
        assert_eq!(range("user12"), Some(("user12".into(), "user13".into())));
        assert_eq!(range("a\u{d7ff}"), Some(("a\u{d7ff}".into(), "a\u{e000}".into())), "surrogates skipped");
        assert_eq!(range("a\u{10ffff}"), Some(("a\u{10ffff}".into(), "b".into())));
        assert_eq!(range("\u{10ffff}"), None);
        assert_eq!(range(""), None, "no literal start, nothing to drive");
    }
}
