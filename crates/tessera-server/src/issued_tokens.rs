//! The in-memory store behind the opt-in token reuse window (per node; bounded).

use std::collections::HashMap;
use std::sync::Mutex;

use tessera_core::ports::{ReusableToken, TokenReuseCache};

const CAPACITY: usize = 100_000;

#[derive(Default)]
pub struct IssuedTokenCache {
    tokens: Mutex<HashMap<String, ReusableToken>>,
}

impl TokenReuseCache for IssuedTokenCache {
    fn get(&self, key: &str) -> Option<ReusableToken> {
        self.tokens.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: String, token: ReusableToken) {
        if let Ok(mut tokens) = self.tokens.lock() {
            if tokens.len() >= CAPACITY {
                tokens.clear();
            }
            tokens.insert(key, token);
        }
    }
}
