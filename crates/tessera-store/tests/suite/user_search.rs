//! Keycloak's user search (`JpaUserProvider.searchForUserStream`): `search` words are prefixes of username,
//! email, first or last name (`*` any text, `"…"` the whole value), field filters match any part of the
//! field (or all of it with `exact`); service accounts are never listed. Each result is the same whether the
//! store reads it through an index (few matches) or in username order (many).

use tessera_core::model::{User, UserSearch};
use tessera_core::ports::{ClientStore, RealmStore, UserStore};
use tessera_core::provisioning::{NewClient, new_client, new_realm, new_user};

use super::{Fixture, realm_spec};

fn names(found: Vec<User>) -> Vec<String> {
    found.into_iter().map(|u| u.username).collect()
}

fn page(q: UserSearch) -> UserSearch {
    UserSearch { limit: 100, ..q }
}

fn search(s: &str) -> UserSearch {
    page(UserSearch { search: Some(s.into()), ..UserSearch::default() })
}

pub async fn people_are_searched_with_keycloaks_rules_and_counted(f: Fixture) {
    let bundle = new_realm(&realm_spec("shop"), &f.secrets.master_key(), 10).unwrap();
    let realm_id = bundle.realm.id.clone();
    f.store.create_realm(&bundle).await.unwrap();
    for (name, email, first, last) in [
        ("grace", "grace@navy.mil", "Grace", "Hopper"),
        ("grant", "g@x.io", "Grant", "Imahara"),
        ("ada", "ada@x.io", "Ada", "Lovelace"),
        ("50%_off", "sale@x.io", "Sale", "Deal"),
    ] {
        let mut u = new_user(&realm_id, name, None, 10).unwrap();
        u.email = Some(email.into());
        u.first_name = Some(first.into());
        u.last_name = Some(last.into());
        f.store.create_user(&u).await.unwrap();
    }
    let spec = NewClient { client_id: "grabber".into(), service_accounts_enabled: true, ..NewClient::default() };
    f.store.create_client(&new_client(&realm_id, &spec, &[], &f.secrets.secret_hasher(), 10).unwrap().0).await.unwrap();
    let find = |q: UserSearch| {
        let store = f.store.clone();
        let realm_id = realm_id.clone();
        async move {
            let found = names(store.search_users(&realm_id, &q).await.unwrap());
            let counted = store.count_users(&realm_id, &q).await.unwrap();
            assert_eq!(counted, found.len() as u64, "count of {q:?}");
            found
        }
    };
    assert_eq!(find(search("GRA")).await, ["grace", "grant"], "a service account is never a person found");
    assert_eq!(find(search("love")).await, ["ada"], "a last name's prefix");
    assert!(find(search("ove")).await.is_empty(), "a search word is a prefix");
    assert_eq!(find(search("*ove*")).await, ["ada"], "unless it says otherwise");
    assert_eq!(find(search("*x.io")).await, ["50%_off", "ada", "grant"]);
    assert_eq!(find(search("g*a")).await, ["grace", "grant"], "g… then a");
    assert_eq!(find(search("50%")).await, ["50%_off"], "% is literal");
    assert!(find(search("5_")).await.is_empty(), "_ is literal");
    assert_eq!(find(search("\"grace\"")).await, ["grace"], "quoted: the whole value");
    assert!(find(search("\"gra\"")).await.is_empty());
    assert_eq!(find(search("gra hop")).await, ["grace"], "every word matches some field");
    assert_eq!(find(search("*")).await.len(), 4);

    let field = |username: Option<&str>, email: Option<&str>, exact| {
        page(UserSearch {
            username: username.map(Into::into),
            email: email.map(Into::into),
            exact,
            ..UserSearch::default()
        })
    };
    assert_eq!(find(field(Some("RA"), None, false)).await, ["grace", "grant"], "a field filter: any part");
    assert!(find(field(Some("gra"), None, true)).await.is_empty(), "exact: the whole value");
    assert_eq!(find(field(Some("Grace"), None, true)).await, ["grace"]);
    assert_eq!(find(field(None, Some("G@X.IO"), true)).await, ["grant"]);
    assert_eq!(find(field(Some("a"), Some("x.io"), false)).await, ["ada", "grant"], "filters combine");
    let second = UserSearch { offset: 1, limit: 2, ..UserSearch::default() };
    assert_eq!(names(f.store.search_users(&realm_id, &second).await.unwrap()), ["ada", "grace"]);
    assert_eq!(f.store.count_users(&realm_id, &UserSearch::default()).await.unwrap(), 4);

    // A changed profile is searched by its new values only.
    let mut ada = f.store.find_user(&realm_id, "ada").await.unwrap().unwrap();
    ada.email = Some("Countess@Analytical.Engine".into());
    assert!(f.store.update_user_profile(&ada).await.unwrap());
    assert_eq!(find(search("countess@")).await, ["ada"]);
    assert!(find(search("ada@")).await.is_empty());

    // Contains-searches of three characters or more go through the trigram index (migration 0016), which
    // the same writes keep in step: changed, deleted and added people.
    assert_eq!(find(search("*analytical*")).await, ["ada"]);
    assert_eq!(find(search("*@x.io")).await, ["50%_off", "grant"], "ada's old email is gone from the index");
    assert_eq!(find(field(Some("race"), None, false)).await, ["grace"]);
    assert_eq!(find(field(None, Some("NAVY"), false)).await, ["grace"]);
    assert_eq!(find(search("*0%_o*")).await, ["50%_off"], "metacharacters literal in the index too");
    for odd in ["*\"ab*", "*a\"\"b*", "*AND*", "*x:y*", "*^)(*", "*{username_key}*"] {
        assert!(find(search(odd)).await.is_empty(), "{odd}: the index's query syntax is quoted away");
    }
    let grant = f.store.find_user(&realm_id, "grant").await.unwrap().unwrap();
    assert!(f.store.delete_user(&realm_id, &grant.id).await.unwrap());
    assert!(find(search("*ant*")).await.is_empty(), "a deleted person is not found");
    let mut joan = new_user(&realm_id, "joan", None, 10).unwrap();
    joan.email = Some("joan@clarke.uk".into());
    f.store.create_user(&joan).await.unwrap();
    assert_eq!(find(search("*clarke*")).await, ["joan"], "a new person is");
}

/// 6,000 people, so that a broad prefix is past the point where the store stops sorting what an index finds
/// and reads in username order instead (and back, when that does not fill the page): every way gives the
/// same pages and counts.
pub async fn many_matches_give_the_same_pages_as_few(f: Fixture) {
    let mut bundle = new_realm(&realm_spec("big"), &f.secrets.master_key(), 10).unwrap();
    let realm_id = bundle.realm.id.clone();
    for i in 0..6000 {
        let mut u = new_user(&realm_id, &format!("p{i:05}"), None, 10).unwrap();
        u.last_name = Some(if i % 2 == 0 { "Even".into() } else { "Odd".into() });
        u.email = Some(format!("p{i}@big.example"));
        u.roles = Default::default();
        bundle.users.push(u);
    }
    f.store.create_realm(&bundle).await.unwrap();
    let q = |s: &str, offset, limit| UserSearch { search: Some(s.into()), offset, limit, ..UserSearch::default() };
    let found = |q: UserSearch| {
        let store = f.store.clone();
        let realm_id = realm_id.clone();
        async move { names(store.search_users(&realm_id, &q).await.unwrap()) }
    };
    let count = |q: UserSearch| {
        let store = f.store.clone();
        let realm_id = realm_id.clone();
        async move { store.count_users(&realm_id, &q).await.unwrap() }
    };
    // Many: every user starts with "p"; read in order, and the last page through the index.
    assert_eq!(found(q("p", 5, 3)).await, ["p00005", "p00006", "p00007"]);
    assert_eq!(found(q("p", 5998, 10)).await, ["p05998", "p05999"]);
    assert!(found(q("p", 6000, 10)).await.is_empty());
    assert_eq!(count(q("p", 0, 0)).await, 6000);
    // Many, with a second word checked on the way: the even ones.
    assert_eq!(found(q("p e", 0, 3)).await, ["p00000", "p00002", "p00004"]);
    assert_eq!(count(q("p e", 0, 0)).await, 3000);
    // The longer word drives: 100 people (p05900…p05999), the odd half of them.
    assert_eq!(found(q("o p059", 0, 2)).await, ["p05901", "p05903"]);
    assert_eq!(count(q("o p059", 0, 0)).await, 50);
    // Few: a prefix of 111 emails (p11@, p110@…p119@, p1100@…p1199@), and of one.
    assert_eq!(found(q("p11", 0, 3)).await, ["p00011", "p00110", "p00111"]);
    assert_eq!(count(q("p11", 0, 0)).await, 111);
    assert_eq!(found(q("p5999@", 0, 10)).await, ["p05999"]);
    assert_eq!(count(q("*@big.example", 0, 0)).await, 6000, "contains: through the trigram index");
    assert_eq!(found(q("*@big.example", 5998, 10)).await, ["p05998", "p05999"]);
    assert_eq!(count(q("*@b*", 0, 0)).await, 6000, "two characters: read in order");
    // Contains, few: usernames holding "0599" (p00599, p05990…p05999); no email does (p599@, p5990@…).
    let holding = found(q("*0599*", 0, 20)).await;
    assert_eq!(holding.len(), 11);
    assert_eq!(holding[..2], ["p00599", "p05990"]);
    assert_eq!(count(q("*0599*", 0, 0)).await, 11);
    assert_eq!(found(q("*0599* o", 0, 20)).await, ["p00599", "p05991", "p05993", "p05995", "p05997", "p05999"]);
}
