//! Writing one mapped value under a Keycloak claim name: `realm_access.roles` is nested (`\.` keeps a dot in
//! a name), and `jsonType.label` says how the text becomes JSON.

use serde_json::{Map, Value};

/// Keycloak's `claim.name` split into nested keys: `a.b` is `{"a": {"b": …}}`, `a\.b` is one key `a.b`.
pub fn claim_path(name: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                chars.next();
                if let Some(last) = parts.last_mut() {
                    last.push('.');
                }
            }
            '.' => parts.push(String::new()),
            c => {
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    parts.retain(|p| !p.is_empty());
    parts
}

/// One text value as the JSON type its mapper names (`String` when unset); `None` when it does not parse,
/// so a bad attribute leaves the claim out instead of failing the token.
pub fn typed_value(text: &str, json_type: Option<&str>) -> Option<Value> {
    match json_type.map(str::to_ascii_lowercase).as_deref() {
        None | Some("" | "string") => Some(Value::String(text.to_owned())),
        Some("long" | "int") => text.trim().parse::<i64>().ok().map(Value::from),
        Some("boolean") => text.trim().parse::<bool>().ok().map(Value::Bool),
        Some("json" | "jsonobject") => serde_json::from_str(text).ok(),
        Some(_) => Some(Value::String(text.to_owned())),
    }
}

/// Claim names a mapper may never write: they are the token's own (issuer, audience, lifetimes, identity of
/// the client), and a mapper overriding them would forge what every verifier relies on.
const PROTECTED: [&str; 13] =
    ["iss", "aud", "exp", "iat", "nbf", "jti", "client_id", "azp", "typ", "sid", "scope", "act", "cnf"];

/// Puts `value` at `path` in `claims`. Arrays at the same place are merged (two role mappers writing one
/// claim), other values are replaced, as Keycloak does. Returns whether it wrote.
pub fn put_claim(claims: &mut Map<String, Value>, path: &[String], value: Value) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    if parents.is_empty() && PROTECTED.contains(&last.as_str()) {
        return false;
    }
    let mut node = claims;
    for key in parents {
        let entry = node.entry(key.clone()).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else {
            return false;
        };
        node = next;
    }
    match (node.get_mut(last), value) {
        (Some(Value::Array(existing)), Value::Array(more)) => {
            for v in more {
                if !existing.contains(&v) {
                    existing.push(v);
                }
            }
        }
        (_, value) => {
            node.insert(last.clone(), value);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_names_nest_escaped_dots_do_not_and_arrays_merge() {
        assert_eq!(claim_path("realm_access.roles"), ["realm_access", "roles"]);
        assert_eq!(claim_path(r"a\.b.c"), ["a.b", "c"]);
        let mut claims = Map::new();
        assert!(put_claim(&mut claims, &claim_path("realm_access.roles"), serde_json::json!(["a", "b"])));
        assert!(put_claim(&mut claims, &claim_path("realm_access.roles"), serde_json::json!(["b", "c"])));
        assert_eq!(Value::Object(claims.clone()), serde_json::json!({"realm_access": {"roles": ["a", "b", "c"]}}));
        assert!(!put_claim(&mut claims, &claim_path("iss"), Value::from("https://evil")));
        assert!(!claims.contains_key("iss"));
    }

    #[test]
    fn json_types_follow_keycloaks_labels() {
        assert_eq!(typed_value("42", Some("long")), Some(Value::from(42)));
        assert_eq!(typed_value("x", Some("int")), None);
        assert_eq!(typed_value("true", Some("boolean")), Some(Value::Bool(true)));
        assert_eq!(typed_value(r#"{"a":1}"#, Some("JSON")), Some(serde_json::json!({"a": 1})));
        assert_eq!(typed_value("v", None), Some(Value::from("v")));
    }
}
