//! The detector over every client: fed the server's per-second batches ([`Detector::observe`]) and ticked
//! each second ([`Detector::tick`]), which closes minutes once a minute. Not shared: the server's one
//! background task owns it, so the request path never waits on it.

use std::collections::HashMap;

use super::settings::AnomalySettings;
use super::state::{ClientState, Verdict, fingerprint, learn_slot};
use super::{Anomaly, AnomalyRule, Evidence};

/// What one client did since the last batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    pub tokens: u32,
    pub failures: u32,
    pub networks: Vec<String>,
    pub scopes: Vec<String>,
    pub revoked_uses: u32,
    pub refresh_reuses: u32,
}

/// Evidence lists keep at most this many values.
const SHOWN: usize = 4;

struct RealmClients {
    settings: AnomalySettings,
    index: HashMap<Box<str>, u32>,
}

pub struct Detector {
    realms: HashMap<Box<str>, RealmClients>,
    states: Vec<ClientState>,
    max_clients: usize,
    swept_minute: u32,
    /// Clients not watched because `max_clients` were already.
    pub untracked: u64,
}

fn minute_of(now: i64) -> u32 {
    u32::try_from(now.div_euclid(60)).unwrap_or(0)
}

impl Detector {
    /// Watches at most `max_clients` clients; state is a few dozen bytes each.
    pub fn new(max_clients: usize) -> Self {
        Self { realms: HashMap::new(), states: Vec::new(), max_clients, swept_minute: 0, untracked: 0 }
    }

    /// Sets a realm's thresholds (the defaults until then).
    pub fn configure(&mut self, realm: &str, settings: AnomalySettings) {
        match self.realms.get_mut(realm) {
            Some(r) => r.settings = settings,
            None => {
                self.realms.insert(realm.into(), RealmClients { settings, index: HashMap::new() });
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

    /// Adds one client's activity at `now`; returns what it makes anomalous.
    pub fn observe(&mut self, realm: &str, client: &str, activity: &Activity, now: i64) -> Vec<Anomaly> {
        let minute = minute_of(now);
        if !self.realms.contains_key(realm) {
            self.configure(realm, AnomalySettings::default());
        }
        let Some(clients) = self.realms.get_mut(realm) else { return Vec::new() };
        let settings = clients.settings;
        if !settings.enabled {
            return Vec::new();
        }
        let index = match clients.index.get(client) {
            Some(i) => *i as usize,
            None if self.states.len() >= self.max_clients => {
                self.untracked += 1;
                return Vec::new();
            }
            None => {
                let i = self.states.len();
                self.states.push(ClientState::new(minute));
                clients.index.insert(client.into(), u32::try_from(i).unwrap_or(u32::MAX));
                i
            }
        };
        let Some(state) = self.states.get_mut(index) else { return Vec::new() };
        let mut found = Vec::new();
        let mut raise = |state: &mut ClientState, rule: AnomalyRule, evidence: Evidence| {
            if !state.quiet(rule, minute, &settings) {
                state.fire(rule, minute);
                found.push(Anomaly { realm: realm.to_owned(), client_id: client.to_owned(), rule, at: now, evidence });
            }
        };
        if let Some(v) = state.close_until(minute, &settings) {
            raise(state, v.rule, rate_evidence(v));
        }
        state.count = state.count.saturating_add(activity.tokens);
        if state.high_bar(&settings).is_some_and(|bar| state.count as f32 > bar) {
            let (expected, _) = state.expected(minute);
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
                networks: activity.networks.iter().take(SHOWN).cloned().collect(),
                scopes: Vec::new(),
            };
            raise(state, AnomalyRule::FailureBurst, evidence);
        }
        let learning = state.age < settings.learn_minutes;
        let history = i64::from(state.age) * 60;
        let new_networks: Vec<String> = activity
            .networks
            .iter()
            .filter(|n| !learn_slot(&mut state.networks, fingerprint(n)))
            .take(SHOWN)
            .cloned()
            .collect();
        if !learning && !new_networks.is_empty() {
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
        if !learning && !new_scopes.is_empty() {
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
        for (realm, clients) in &self.realms {
            let settings = clients.settings;
            for (client, index) in &clients.index {
                let Some(state) = self.states.get_mut(*index as usize) else { continue };
                let Some(v) = state.close_until(minute, &settings) else { continue };
                if !state.quiet(v.rule, minute, &settings) {
                    state.fire(v.rule, minute);
                    found.push(Anomaly {
                        realm: realm.to_string(),
                        client_id: client.to_string(),
                        rule: v.rule,
                        at: now,
                        evidence: rate_evidence(v),
                    });
                }
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
