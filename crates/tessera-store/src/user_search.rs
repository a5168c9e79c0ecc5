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
//! A term without a literal start (`*foo*`, the field filters' "contains") drives through the trigram index
//! of migration 0016 when it holds three literal characters in a row (FTS5 on SQLite, pg_trgm on
//! PostgreSQL), the same way. Shorter ones cannot: the people are read in username order until the page is
//! full, every row of the realm when few match, as Keycloak's `LIKE` does. Every way gives the same rows in
//! the same order.

use sqlx::any::AnyArguments;
use sqlx::{Any, AnyPool, Row};
use tessera_core::model::user_search::MAX_SEARCH_WORDS;
use tessera_core::model::{SearchTerm, User, UserSearch};
use tessera_core::ports::StoreError;

use crate::Dialect;
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
/// The search keys' columns, in slot order (also the columns of the SQLite trigram index).
const KEY_COLUMNS: [&str; FIELDS] = ["username_key", "email_key", "first_name_key", "last_name_key"];
/// A trigram index finds nothing shorter.
const TRIGRAM: usize = 3;

/// Which index drives: one key, or any of the four (a word of `search`).
#[derive(Clone, Copy)]
enum Key {
    Field(usize),
    Any,
}

/// How the driving index finds a term's candidates.
#[derive(Clone)]
enum Find {
    /// Every value starting with a literal prefix: the range `[from, to)` of a B-tree, then the pattern.
    Range { from: String, to: String, pattern: String },
    /// Every value holding `literal` (three characters or more), through the trigram index.
    Contains { literal: String, pattern: String },
}

#[derive(Clone)]
struct Drive {
    key: Key,
    find: Find,
}

impl Drive {
    /// The page and the probe statements of this driving key, and the page to read once the probe found
    /// the matches few (on PostgreSQL a contains-search's page then reads the candidates first: `sql.rs`).
    fn statements(&self, dialect: Dialect) -> (&'static str, &'static str, &'static str) {
        let (page, probe) = match (&self.find, dialect, self.key) {
            (Find::Range { .. }, _, Key::Any) => (sql::PEOPLE_BY_ANY_KEY, sql::PROBE_BY_ANY_KEY),
            (Find::Range { .. }, _, Key::Field(0)) => (sql::PEOPLE_BY_USERNAME_KEY, sql::PROBE_BY_USERNAME_KEY),
            (Find::Range { .. }, _, Key::Field(1)) => (sql::PEOPLE_BY_EMAIL_KEY, sql::PROBE_BY_EMAIL_KEY),
            (Find::Range { .. }, _, Key::Field(2)) => (sql::PEOPLE_BY_FIRST_NAME_KEY, sql::PROBE_BY_FIRST_NAME_KEY),
            (Find::Range { .. }, _, Key::Field(_)) => (sql::PEOPLE_BY_LAST_NAME_KEY, sql::PROBE_BY_LAST_NAME_KEY),
            (Find::Contains { .. }, Dialect::Sqlite, _) => (sql::PEOPLE_BY_TRIGRAMS, sql::PROBE_BY_TRIGRAMS),
            (Find::Contains { .. }, Dialect::Postgres, key) => {
                let (page, few, probe) = match key {
                    Key::Any => (sql::PEOPLE_CONTAINING_ANY, sql::FEW_CONTAINING_ANY, sql::PROBE_CONTAINING_ANY),
                    Key::Field(0) => {
                        (sql::PEOPLE_CONTAINING_USERNAME, sql::FEW_CONTAINING_USERNAME, sql::PROBE_CONTAINING_USERNAME)
                    }
                    Key::Field(1) => {
                        (sql::PEOPLE_CONTAINING_EMAIL, sql::FEW_CONTAINING_EMAIL, sql::PROBE_CONTAINING_EMAIL)
                    }
                    Key::Field(2) => (
                        sql::PEOPLE_CONTAINING_FIRST_NAME,
                        sql::FEW_CONTAINING_FIRST_NAME,
                        sql::PROBE_CONTAINING_FIRST_NAME,
                    ),
                    Key::Field(_) => (
                        sql::PEOPLE_CONTAINING_LAST_NAME,
                        sql::FEW_CONTAINING_LAST_NAME,
                        sql::PROBE_CONTAINING_LAST_NAME,
                    ),
                };
                return (page, probe, few);
            }
        };
        (page, probe, page)
    }

    /// Binds the driving condition's slots: `$11`..`$13` for a range, `$11` for a trigram search (an FTS5
    /// query on SQLite, the term's pattern on PostgreSQL). The trigram statements are planned for their
    /// values each time (`persistent(false)`): PostgreSQL's generic plan cannot know that a pattern is
    /// selective enough for the trigram index.
    fn bind<'q>(&self, query: Query<'q>, dialect: Dialect) -> Query<'q> {
        match (&self.find, dialect) {
            (Find::Range { from, to, pattern }, Dialect::Sqlite) => {
                query.bind(from.clone()).bind(to.clone()).bind(pattern.clone())
            }
            // Nor that a range is broad: after a few narrow prefixes, its generic plan reads every match of
            // `search=u` through the range indexes before the probe's LIMIT (41 ms measured, 0.8 ms planned
            // for the value).
            (Find::Range { from, to, pattern }, Dialect::Postgres) => {
                query.bind(from.clone()).bind(to.clone()).bind(pattern.clone()).persistent(false)
            }
            (Find::Contains { literal, .. }, Dialect::Sqlite) => {
                query.bind(fts_query(self.key, literal)).persistent(false)
            }
            (Find::Contains { pattern, .. }, Dialect::Postgres) => query.bind(pattern.clone()).persistent(false),
        }
    }

    fn pattern(self) -> String {
        match self.find {
            Find::Range { pattern, .. } | Find::Contains { pattern, .. } => pattern,
        }
    }
}

/// An FTS5 query for the values holding `literal`: one phrase (a string, its quotes doubled), on the
/// key's column or any (https://sqlite.org/fts5.html#full_text_query_syntax).
fn fts_query(key: Key, literal: &str) -> String {
    let phrase = format!("\"{}\"", literal.replace('"', "\"\""));
    match key {
        Key::Field(slot) => format!("{} : {phrase}", KEY_COLUMNS[slot]),
        Key::Any => phrase,
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
        // Of the words, the longest literal text is likely the fewest matches: it drives.
        let best = words.iter().enumerate().max_by_key(|(i, w)| (literal_len(w), usize::MAX - i));
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
            Some(drive @ Drive { key: Key::Field(slot), .. }) => self.fields[slot] = Some(drive.pattern()),
            Some(drive @ Drive { key: Key::Any, .. }) => {
                if let Some(free) = self.words.iter_mut().find(|w| w.is_none()) {
                    *free = Some(drive.pattern());
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

/// How long a literal `term` holds for an index: its literal start, or a longer run of literal text
/// elsewhere when a trigram index can use it.
fn literal_len(term: &SearchTerm) -> usize {
    let contained = term.longest_literal().chars().count();
    term.prefix.chars().count().max(if contained >= TRIGRAM { contained } else { 0 })
}

/// How an index finds `term`: a range on its key when its literal start is the longest literal text it
/// holds, else through the trigram index when it holds three literal characters in a row. The term back
/// when neither can.
fn driving(key: Key, term: SearchTerm) -> Result<Drive, SearchTerm> {
    let literal = term.longest_literal();
    let contained = literal.chars().count();
    if contained >= TRIGRAM && contained > term.prefix.chars().count() {
        return Ok(Drive { key, find: Find::Contains { literal, pattern: term.pattern } });
    }
    match prefix_range(&term.prefix) {
        Some((from, to)) => Ok(Drive { key, find: Find::Range { from, to, pattern: term.pattern } }),
        None => Err(term),
    }
}

/// Every value that starts with `prefix` is in `[prefix, next)`, `next` being the prefix with its last
/// character raised by one (code-point order, which both backends use for the keys). None when the prefix
/// is empty or no such string exists.
fn prefix_range(prefix: &str) -> Option<(String, String)> {
    let mut to: Vec<char> = prefix.chars().collect();
    while let Some(last) = to.pop() {
        if let Some(next) = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32) {
            to.push(next);
            return Some((prefix.to_owned(), to.into_iter().collect()));
        }
    }
    None
}

fn page_bounds(q: &UserSearch) -> (i64, i64) {
    (i64::try_from(q.limit).unwrap_or(i64::MAX), i64::try_from(q.offset).unwrap_or(i64::MAX))
}

async fn scalar(pool: &AnyPool, query: Query<'_>) -> Result<i64, StoreError> {
    let row = query.fetch_one(pool).await.map_err(map_err)?;
    row.try_get::<i64, _>(0).map_err(map_err)
}

/// How many match through the driving index, counted up to `cap`.
async fn probe(pool: &AnyPool, dialect: Dialect, realm_id: &str, plan: &Plan, cap: i64) -> Result<i64, StoreError> {
    let Some(drive) = &plan.drive else { return Ok(0) };
    let query = plan.bind(sqlx::query(drive.statements(dialect).1), realm_id);
    scalar(pool, drive.bind(query, dialect).bind(cap)).await
}

/// One page of the people matching `q`, by username.
pub async fn page(pool: &AnyPool, dialect: Dialect, realm_id: &str, q: &UserSearch) -> Result<Vec<User>, StoreError> {
    let plan = Plan::new(q)?;
    let (limit, offset) = page_bounds(q);
    if plan.drive.is_none() {
        return users(pool, plan.bind(sqlx::query(sql::PEOPLE_IN_ORDER), realm_id).bind(limit).bind(offset)).await;
    }
    let matches = probe(pool, dialect, realm_id, &plan, FEW).await?;
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
        return driven_page(pool, dialect, realm_id, &plan, Matches::Many, (limit, offset)).await;
    }
    driven_page(pool, dialect, realm_id, &plan, Matches::Few, (limit, offset)).await
}

/// What the probe found: which page statement reads them best.
enum Matches {
    Few,
    Many,
}

async fn driven_page(
    pool: &AnyPool,
    dialect: Dialect,
    realm_id: &str,
    plan: &Plan,
    matches: Matches,
    (limit, offset): (i64, i64),
) -> Result<Vec<User>, StoreError> {
    let Some(drive) = &plan.drive else { return Ok(Vec::new()) };
    let (many, _, few) = drive.statements(dialect);
    let statement = match matches {
        Matches::Few => few,
        Matches::Many => many,
    };
    let query = drive.bind(plan.bind(sqlx::query(statement), realm_id), dialect);
    users(pool, query.bind(limit).bind(offset)).await
}

async fn users(pool: &AnyPool, query: Query<'_>) -> Result<Vec<User>, StoreError> {
    let rows = query.fetch_all(pool).await.map_err(map_err)?;
    rows.iter().map(user_from_row).collect()
}

/// How many people match `q`.
pub async fn count(pool: &AnyPool, dialect: Dialect, realm_id: &str, q: &UserSearch) -> Result<u64, StoreError> {
    let plan = Plan::new(q)?;
    if plan.drive.is_some() {
        let matches = probe(pool, dialect, realm_id, &plan, COUNTABLE).await?;
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
        assert_eq!(prefix_range("user12"), Some(("user12".into(), "user13".into())));
        assert_eq!(prefix_range("a\u{d7ff}"), Some(("a\u{d7ff}".into(), "a\u{e000}".into())), "surrogates skipped");
        assert_eq!(prefix_range("a\u{10ffff}"), Some(("a\u{10ffff}".into(), "b".into())));
        assert_eq!(prefix_range("\u{10ffff}"), None);
        assert_eq!(prefix_range(""), None, "no literal start, nothing to drive");
    }

    #[test]
    fn a_term_drives_by_its_longest_literal_text_a_trigram_search_needs_three_characters() {
        let term = |pattern: &str, prefix: &str| SearchTerm { pattern: pattern.into(), prefix: prefix.into() };
        let found = |t: SearchTerm| match driving(Key::Any, t) {
            Ok(Drive { find: Find::Range { from, .. }, .. }) => format!("range {from}"),
            Ok(Drive { find: Find::Contains { literal, .. }, .. }) => format!("contains {literal}"),
            Err(_) => "scan".to_owned(),
        };
        assert_eq!(found(term("user12%", "user12")), "range user12");
        assert_eq!(found(term("%12345%", "")), "contains 12345");
        assert_eq!(found(term("g%racehopper%", "g")), "contains racehopper", "longer than the start");
        assert_eq!(found(term("%ab%", "")), "scan", "two characters: no trigram");
        assert_eq!(fts_query(Key::Field(0), "a\"b"), "username_key : \"a\"\"b\"");
        assert_eq!(fts_query(Key::Any, "x@y"), "\"x@y\"");
    }
}
