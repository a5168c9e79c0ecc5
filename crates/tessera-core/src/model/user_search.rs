//! Searching a realm's people, with Keycloak's rules (`JpaUserProvider.searchForUserStream`, Keycloak 22+):
//! - `search` is split on whitespace and every word must match username, email, first or last name: a
//!   prefix by default, `*` standing for any text (`*foo*` is "contains"), `"foo"` the whole value;
//! - `username`, `email`, `firstName`, `lastName` match any part of the field ("a String contained in"),
//!   or the whole field when `exact`.
//!
//! Every comparison is on lower-cased values ([`search_key`]); `%`, `_` and `\` typed by the caller are
//! literal (Keycloak escapes them in `search`; we also do in the field filters, where Keycloak does not).

/// The lower-cased form of a username, email or name that searches compare: written beside each user by
/// the store and applied to every value searched for, so both sides are folded by the same function.
pub fn search_key(value: &str) -> String {
    value.to_lowercase()
}

/// At most this many words in `search` (Keycloak has no limit; a search statement has a slot per word).
pub const MAX_SEARCH_WORDS: usize = 5;
/// At most this many characters in one searched value (usernames and emails are shorter).
pub const MAX_SEARCH_VALUE: usize = 256;

/// A search over a realm's people (service accounts are never listed), one page of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserSearch {
    pub search: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub exact: bool,
    pub offset: u64,
    pub limit: u64,
}

/// One condition on lower-cased values: a SQL `LIKE` pattern (escape character `\`) and the literal text
/// every match starts with (empty when the pattern opens with a wildcard), by which an index finds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm {
    pub pattern: String,
    pub prefix: String,
}

impl SearchTerm {
    /// `value` as literal text, then `%` when `open_end`.
    fn literal(value: &str, open_end: bool) -> Self {
        let mut pattern = escape(value);
        if open_end {
            pattern.push('%');
        }
        Self { pattern, prefix: value.to_owned() }
    }

    /// The longest run of literal text in the pattern, anywhere in it: every match contains it, so a
    /// trigram index finds the candidates of a term that has no literal start (`%foo%`).
    pub fn longest_literal(&self) -> String {
        let (mut best, mut run) = (String::new(), String::new());
        let mut chars = self.pattern.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => run.extend(chars.next()),
                '%' | '_' => {
                    if run.chars().count() > best.chars().count() {
                        best = std::mem::take(&mut run);
                    }
                    run.clear();
                }
                c => run.push(c),
            }
        }
        if run.chars().count() > best.chars().count() { run } else { best }
    }
}

impl UserSearch {
    /// The words of `search`, each to be matched by username, email, first or last name.
    pub fn words(&self) -> Vec<SearchTerm> {
        let Some(search) = &self.search else { return Vec::new() };
        search_key(search).split_whitespace().map(word).collect()
    }

    /// A field filter (`username`, `email`, `firstName`, `lastName`): the whole value when `exact`,
    /// otherwise any part of it.
    pub fn field(&self, value: &str) -> SearchTerm {
        let value = search_key(value);
        if self.exact {
            return SearchTerm::literal(&value, false);
        }
        SearchTerm { pattern: format!("%{}%", escape(&value)), prefix: String::new() }
    }

    /// Why this search cannot be run, if it cannot: too many words or too long a value.
    pub fn refusal(&self) -> Option<String> {
        let values = [&self.search, &self.username, &self.email, &self.first_name, &self.last_name];
        if values.iter().any(|v| v.as_ref().is_some_and(|v| v.chars().count() > MAX_SEARCH_VALUE)) {
            return Some(format!("a search value is longer than {MAX_SEARCH_VALUE} characters"));
        }
        let words = self.search.as_deref().map_or(0, |s| s.split_whitespace().count());
        (words > MAX_SEARCH_WORDS).then(|| format!("search has more than {MAX_SEARCH_WORDS} words"))
    }
}

/// One word of `search` (already lower-cased).
fn word(w: &str) -> SearchTerm {
    if let Some(inner) = w.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
        return SearchTerm::literal(inner, false);
    }
    let (prefix, _) = w.split_once('*').unwrap_or((w, ""));
    let mut pattern = w.split('*').map(escape).collect::<Vec<_>>().join("%");
    if !w.ends_with('*') {
        pattern.push('%');
    }
    SearchTerm { pattern, prefix: prefix.to_owned() }
}

/// `%`, `_` and `\` as literal characters of a `LIKE` pattern.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(pattern: &str, prefix: &str) -> SearchTerm {
        SearchTerm { pattern: pattern.into(), prefix: prefix.into() }
    }

    fn words(search: &str) -> Vec<SearchTerm> {
        UserSearch { search: Some(search.into()), ..UserSearch::default() }.words()
    }

    #[test]
    fn search_words_are_prefixes_with_star_wildcards_quotes_for_whole_values_and_metacharacters_literal() {
        assert_eq!(words("Gra"), [term("gra%", "gra")]);
        assert_eq!(words("*hop*"), [term("%hop%", "")]);
        assert_eq!(words("g*ce"), [term("g%ce%", "g")]);
        assert_eq!(words("50%_off"), [term("50\\%\\_off%", "50%_off")]);
        assert_eq!(words("ends\\"), [term("ends\\\\%", "ends\\")]);
        assert_eq!(words("\"Grace\""), [term("grace", "grace")]);
        assert_eq!(words("  grace   HOPPER "), [term("grace%", "grace"), term("hopper%", "hopper")]);
        assert!(words("   ").is_empty());
    }

    #[test]
    fn field_filters_match_any_part_or_with_exact_the_whole_value() {
        let contains = UserSearch::default();
        assert_eq!(contains.field("Gra_"), term("%gra\\_%", ""));
        let exact = UserSearch { exact: true, ..UserSearch::default() };
        assert_eq!(exact.field("Grace"), term("grace", "grace"));
    }

    #[test]
    fn the_longest_literal_run_is_what_a_contains_term_must_hold() {
        let contains = UserSearch::default();
        assert_eq!(contains.field("Gra_ce").longest_literal(), "gra_ce", "escaped metacharacters are literal");
        assert_eq!(words("*ab*cdef*")[0].longest_literal(), "cdef");
        assert_eq!(words("*50%*")[0].longest_literal(), "50%");
        assert_eq!(words("*\\\\x*")[0].longest_literal(), "\\\\x");
        assert_eq!(words("*")[0].longest_literal(), "");
    }

    #[test]
    fn too_many_words_or_too_long_a_value_is_refused() {
        let six = UserSearch { search: Some("a b c d e f".into()), ..UserSearch::default() };
        assert!(six.refusal().is_some());
        let five = UserSearch { search: Some("a b c d e".into()), ..UserSearch::default() };
        assert_eq!(five.refusal(), None);
        let long = UserSearch { email: Some("x".repeat(MAX_SEARCH_VALUE + 1)), ..UserSearch::default() };
        assert!(long.refusal().is_some());
    }
}
