//! The detector's index from (realm, client) to a state: open addressing over 4-byte slots holding the
//! state's position, at most half full. The names live once, in the detector's arena; a million clients
//! cost 8 MiB of slots where a map keyed by owned strings would cost some 80 MiB.

const EMPTY: u32 = u32::MAX;

pub(super) struct Index {
    slots: Vec<u32>,
    len: usize,
}

impl Index {
    pub fn new() -> Self {
        Self { slots: vec![EMPTY; 16], len: 0 }
    }

    /// The value whose key hashes to `hash` and for which `matches` holds.
    pub fn get(&self, hash: u64, matches: impl Fn(u32) -> bool) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let value = *self.slots.get(i)?;
            if value == EMPTY {
                return None;
            }
            if matches(value) {
                return Some(value);
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds a value not yet present; `hash_of` re-hashes the values already in when the table grows.
    pub fn insert(&mut self, hash: u64, value: u32, hash_of: impl Fn(u32) -> u64) {
        if (self.len + 1) * 2 > self.slots.len() {
            let grown = vec![EMPTY; self.slots.len() * 2];
            let old = std::mem::replace(&mut self.slots, grown);
            for v in old.into_iter().filter(|v| *v != EMPTY) {
                self.place(hash_of(v), v);
            }
        }
        self.place(hash, value);
        self.len += 1;
    }

    fn place(&mut self, hash: u64, value: u32) {
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        while let Some(slot) = self.slots.get_mut(i) {
            if *slot == EMPTY {
                *slot = value;
                return;
            }
            i = (i + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_by_hash_and_match_through_growth_and_collisions() {
        let mut index = Index::new();
        // Every key hashes alike (the worst case) for the first 20, then spread.
        let hash = |v: u32| if v < 20 { 7 } else { u64::from(v).wrapping_mul(0x9e37_79b9_7f4a_7c15) };
        for v in 0..1_000 {
            assert_eq!(index.get(hash(v), |x| x == v), None);
            index.insert(hash(v), v, hash);
        }
        for v in 0..1_000 {
            assert_eq!(index.get(hash(v), |x| x == v), Some(v));
        }
        assert!(index.slots.len() >= 2_000);
    }
}
