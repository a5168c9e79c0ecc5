//! The detector over every client: fed the server's per-second batches ([`Detector::observe`]) and ticked
//! each second ([`Detector::tick`]), which closes minutes once a minute. Not shared: the server's one
//! background task owns it, so the request path never waits on it.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use super::index::Index;
use super::settings::AnomalySettings;
use super::state::{ClientState, Profiles, Verdict, fingerprint, learn_slot};
use super::{Anomaly, AnomalyRule, Evidence};

/// What one client did since the last batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    pub tokens: u32,
    pub failures: u32,
    pub networks: Vec<String>,
    /// The networks of the failed authentications among them.
    pub failure_networks: Vec<String>,
    pub scopes: Vec<String>,
    pub revoked_uses: u32,
    pub refresh_reuses: u32,
}

/// Evidence lists keep at most this many values.
const SHOWN: usize = 4;

/// Clients with longer ids are not watched (ids are far shorter in practice).
const MAX_NAME: usize = 1024;

pub struct Detector {
    /// Realm name → its number in `settings`.
    realms: HashMap<Box<str>, u16>,
    realm_names: Vec<Box<str>>,
    settings: Vec<AnomalySettings>,
    /// Every watched client's id, once, back to back.
    names: String,
    states: Vec<ClientState>,
    index: Index,
    hasher: RandomState,
    profiles: Profiles,
    max_clients: usize,
    swept_minute: u32,
    /// Clients not watched because `max_clients` were already.
    pub untracked: u64,
}

fn minute_of(now: i64) -> u32 {
    u32::try_from(now.div_euclid(60)).unwrap_or(0)
}

fn name_of<'n>(names: &'n str, state: &ClientState) -> &'n str {
    let at = state.name_at as usize;
    names.get(at..at + usize::from(state.name_len)).unwrap_or_default()
}

impl Detector {
    /// Watches at most `max_clients` clients; state is a few dozen bytes each.
    pub fn new(max_clients: usize) -> Self {
        Self {
            realms: HashMap::new(),
            realm_names: Vec::new(),
            settings: Vec::new(),
            names: String::new(),
            states: Vec::new(),
            index: Index::new(),
            hasher: RandomState::new(),
            profiles: Profiles::new(),
            max_clients,
            swept_minute: 0,
            untracked: 0,
        }
    }

    /// Sets a realm's thresholds (the defaults until then).
    pub fn configure(&mut self, realm: &str, settings: AnomalySettings) {
        match self.realms.get(realm) {
            Some(id) => {
                if let Some(slot) = self.settings.get_mut(usize::from(*id)) {
                    *slot = settings;
                }
            }
            None => {
                let Ok(id) = u16::try_from(self.settings.len()) else { return };
                self.realms.insert(realm.into(), id);
                self.realm_names.push(realm.into());
                self.settings.push(settings);
            }
        }
    }

    pub fn is_configured(&self, realm: &str) -> bool {
        self.realms.contains_key(realm)
    }

    /// Clients watched.
    pub fn clients(&self) -> usize {
        self.states.len()
    }

    /// The position of a client's state, added when new and room is left.
    fn state_of(&mut self, realm: u16, client: &str, minute: u32) -> Option<usize> {
        let hash = self.hasher.hash_one((realm, client));
        let (states, names) = (&self.states, &self.names);
        let found = self
            .index
            .get(hash, |i| states.get(i as usize).is_some_and(|s| s.realm == realm && name_of(names, s) == client));
        if let Some(i) = found {
            return Some(i as usize);
        }
        if self.states.len() >= self.max_clients || client.len() > MAX_NAME {
            self.untracked += 1;
            return None;
        }
        let position = u32::try_from(self.states.len()).ok()?;
        let mut state = ClientState::new(minute);
        state.name_at = u32::try_from(self.names.len()).ok()?;
        state.name_len = u16::try_from(client.len()).ok()?;
        state.realm = realm;
        self.names.push_str(client);
        self.states.push(state);
        let (states, names, hasher) = (&self.states, &self.names, &self.hasher);
        let rehash = |i: u32| {
            let s = states.get(i as usize);
            s.map_or(0, |s| hasher.hash_one((s.realm, name_of(names, s))))
        };
        self.index.insert(hash, position, rehash);
        Some(position as usize)
    }

    /// Adds one client's activity at `now`; returns what it makes anomalous.
    pub fn observe(&mut self, realm: &str, client: &str, activity: &Activity, now: i64) -> Vec<Anomaly> {
        let minute = minute_of(now);
        if !self.realms.contains_key(realm) {
            self.configure(realm, AnomalySettings::default());
        }
        let Some(realm_id) = self.realms.get(realm).copied() else { return Vec::new() };
        let settings = self.settings.get(usize::from(realm_id)).copied().unwrap_or_default();
        if !settings.enabled {
            return Vec::new();
        }
        let Some(index) = self.state_of(realm_id, client, minute) else { return Vec::new() };
        let profiles = &mut self.profiles;
        let Some(state) = self.states.get_mut(index) else { return Vec::new() };
        let mut found = Vec::new();
        let mut raise = |state: &mut ClientState, rule: AnomalyRule, evidence: Evidence| {
            if !state.quiet(rule, minute, &settings) {
                state.fire(rule, minute);
                found.push(Anomaly {
                    realm: realm.to_owned(),
                    client_id: client.to_owned(),
                    rule,
                    at: now,
                    evidence,
                    response: None,
                });
            }
        };
        if let Some(v) = state.close_until(minute, &settings, profiles) {
            raise(state, v.rule, rate_evidence(v));
        }
        state.count = state.count.saturating_add(activity.tokens);
        if state.high_bar(&settings, profiles).is_some_and(|bar| state.count as f32 > bar) {
            let (expected, _) = state.expected(minute, profiles);
            let observed = f64::from(state.count);
            let v = Verdict { rule: AnomalyRule::RateAboveBaseline, observed, expected: f64::from(expected) };
            raise(state, v.rule, rate_evidence(v));
        }
        state.failures = state.failures.saturating_add(u16::try_from(activity.failures).unwrap_or(u16::MAX));
        let failures = state.failures.saturating_add(state.failures_before);
        if activity.failures > 0 && failures >= settings.failure_burst {
            let evidence = Evidence {
                observed: f64::from(failures),
                expected: f64::from(settings.failure_burst),
                window_seconds: 120,
                networks: activity.failure_networks.iter().take(SHOWN).cloned().collect(),
                scopes: Vec::new(),
            };
            raise(state, AnomalyRule::FailureBurst, evidence);
        }
        // A client's first network and first scopes are learnt, whatever `learnMinutes` says.
        let learning = state.age < settings.learn_minutes;
        let (no_networks, no_scopes) = (state.networks == [0; 4], state.scopes == [0; 4]);
        let history = i64::from(state.age) * 60;
        let new_networks: Vec<String> = activity
            .networks
            .iter()
            .filter(|n| !learn_slot(&mut state.networks, fingerprint(n)))
            .take(SHOWN)
            .cloned()
            .collect();
        if !learning && !no_networks && !new_networks.is_empty() {
            let evidence = novelty(new_networks, Vec::new(), history);
            raise(state, AnomalyRule::NewNetwork, evidence);
        }
        let new_scopes: Vec<String> = activity
            .scopes
            .iter()
            .filter(|s| !learn_slot(&mut state.scopes, fingerprint(s)))
            .take(SHOWN)
            .cloned()
            .collect();
        if !learning && !no_scopes && !new_scopes.is_empty() {
            let networks = activity.networks.iter().take(SHOWN).cloned().collect();
            raise(state, AnomalyRule::NewScope, novelty(networks, new_scopes, history));
        }
        for (rule, n) in [
            (AnomalyRule::RevokedTokenUsed, activity.revoked_uses),
            (AnomalyRule::RefreshTokenReuse, activity.refresh_reuses),
        ] {
            if n > 0 {
                let networks = activity.networks.iter().take(SHOWN).cloned().collect();
                let evidence =
                    Evidence { observed: f64::from(n), expected: 0.0, window_seconds: 1, networks, scopes: Vec::new() };
                raise(state, rule, evidence);
            }
        }
        found
    }

    /// Closes the minutes that are over, once per minute: silent clients are judged too.
    pub fn tick(&mut self, now: i64) -> Vec<Anomaly> {
        let minute = minute_of(now);
        if minute <= self.swept_minute {
            return Vec::new();
        }
        self.swept_minute = minute;
        let mut found = Vec::new();
        let Self { states, names, settings, realm_names, profiles, .. } = self;
        for state in states.iter_mut() {
            let Some(realm_settings) = settings.get(usize::from(state.realm)) else { continue };
            if !realm_settings.enabled {
                continue;
            }
            let Some(v) = state.close_until(minute, realm_settings, profiles) else { continue };
            if !state.quiet(v.rule, minute, realm_settings) {
                state.fire(v.rule, minute);
                found.push(Anomaly {
                    realm: realm_names.get(usize::from(state.realm)).map(|r| r.to_string()).unwrap_or_default(),
                    client_id: name_of(names, state).to_owned(),
                    rule: v.rule,
                    at: now,
                    evidence: rate_evidence(v),
                    response: None,
                });
            }
        }
        found
    }
}

fn rate_evidence(v: Verdict) -> Evidence {
    let expected = (v.expected * 100.0).round() / 100.0;
    Evidence { observed: v.observed, expected, window_seconds: 60, networks: Vec::new(), scopes: Vec::new() }
}

/// A value never seen in the client's `history` seconds.
fn novelty(networks: Vec<String>, scopes: Vec<String>, history: i64) -> Evidence {
    Evidence { observed: 1.0, expected: 0.0, window_seconds: history, networks, scopes }
}
