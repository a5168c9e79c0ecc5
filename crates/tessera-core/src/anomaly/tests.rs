//! The detector against synthetic traffic on a manual clock: days replayed in milliseconds, no sleeps.

use super::*;
use crate::clock::ManualClock;
use crate::ports::Clock;

/// A seeded xorshift: the same "random" traffic on every run.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Traffic {
    detector: Detector,
    clock: ManualClock,
    found: Vec<Anomaly>,
}

/// Monday 2026-11-30 00:00 UTC.
const START: i64 = 1_796_083_200;

impl Traffic {
    fn new() -> Self {
        Self { detector: Detector::new(1_000), clock: ManualClock::new(START), found: Vec::new() }
    }

    /// One simulated minute of `per_minute` tokens spread over its seconds as the server's one-second
    /// batches deliver them, from `network`, asking for `read`.
    fn minute(&mut self, per_minute: u32, network: &str) {
        for s in 0..60u32 {
            let tokens = (s + 1) * per_minute / 60 - s * per_minute / 60;
            let now = self.clock.now();
            if tokens > 0 {
                let activity = Activity {
                    tokens,
                    networks: vec![network.to_owned()],
                    scopes: vec!["read".to_owned()],
                    ..Activity::default()
                };
                self.found.extend(self.detector.observe("shop", "app", &activity, now));
            }
            self.found.extend(self.detector.tick(now));
            self.clock.advance(1);
        }
    }

    fn once(&mut self, activity: Activity) {
        let now = self.clock.now();
        self.found.extend(self.detector.observe("shop", "app", &activity, now));
    }

    fn rules(&self) -> Vec<AnomalyRule> {
        self.found.iter().map(|a| a.rule).collect()
    }
}

#[test]
fn a_jump_from_100_to_2000_per_minute_raises_one_alarm_within_two_minutes() {
    let mut t = Traffic::new();
    for _ in 0..60 {
        t.minute(100, "10.0.0.0/24");
    }
    assert_eq!(t.rules(), [], "steady traffic is not anomalous");
    let jump = t.clock.now();
    for _ in 0..5 {
        t.minute(2_000, "10.0.0.0/24");
    }
    assert_eq!(t.rules(), [AnomalyRule::RateAboveBaseline], "one alarm for one incident");
    let alarm = &t.found[0];
    assert!(alarm.at - jump <= 120, "raised {} s after the jump", alarm.at - jump);
    assert!(alarm.evidence.observed > 300.0 && (99.0..=101.0).contains(&alarm.evidence.expected), "{alarm:?}");
    assert_eq!(alarm.evidence.window_seconds, 60);
    let event = alarm.audit_event();
    assert_eq!(event.kind, crate::audit::AuditKind::AnomalyDetected);
    assert!(event.reason.as_deref().is_some_and(|r| r.contains("\"rule\":\"rate_above_baseline\"")), "{event:?}");
}

#[test]
fn a_day_of_steady_traffic_with_20_percent_noise_raises_no_alarm() {
    let mut t = Traffic::new();
    let mut noise = Noise(0x5eed_cafe_f00d_beef);
    for _ in 0..24 * 60 {
        let rate = 100.0 * (0.8 + 0.4 * noise.next());
        t.minute(rate.round() as u32, "10.0.0.0/24");
    }
    assert_eq!(t.found, []);
}

#[test]
fn a_burst_of_50_bad_secrets_raises_one_alarm() {
    let mut t = Traffic::new();
    for _ in 0..60 {
        t.minute(100, "10.0.0.0/24");
    }
    // Five failures a second for ten seconds, across a minute's end.
    t.clock.advance(-5);
    for _ in 0..10 {
        let networks = vec!["10.0.0.0/24".to_owned()];
        t.once(Activity { failures: 5, failure_networks: networks.clone(), networks, ..Activity::default() });
        let now = t.clock.now();
        t.found.extend(t.detector.tick(now));
        t.clock.advance(1);
    }
    assert_eq!(t.rules(), [AnomalyRule::FailureBurst]);
    assert_eq!(t.found[0].evidence.expected, 20.0);
    assert_eq!(t.found[0].evidence.networks, ["10.0.0.0/24"]);
}

#[test]
fn a_new_24_network_raises_one_alarm_and_is_then_known() {
    let mut t = Traffic::new();
    for _ in 0..60 {
        t.minute(100, "10.0.0.0/24");
    }
    t.once(Activity { tokens: 1, networks: vec!["192.168.7.0/24".into()], ..Activity::default() });
    for _ in 0..10 {
        t.minute(50, "192.168.7.0/24");
        t.minute(50, "10.0.0.0/24");
    }
    assert_eq!(t.rules(), [AnomalyRule::NewNetwork]);
    assert_eq!(t.found[0].evidence.networks, ["192.168.7.0/24"]);
    assert_eq!(t.found[0].evidence.window_seconds, 60 * 60);
}

#[test]
fn a_new_client_learns_its_networks_and_scopes_before_anything_is_new() {
    let mut t = Traffic::new();
    t.minute(10, "10.0.0.0/24");
    t.once(Activity {
        tokens: 1,
        networks: vec!["10.9.9.0/24".into()],
        scopes: vec!["admin".into()],
        ..Activity::default()
    });
    assert_eq!(t.found, []);
}

#[test]
fn a_scope_never_asked_for_and_a_revoked_token_each_raise_an_alarm() {
    let mut t = Traffic::new();
    for _ in 0..40 {
        t.minute(30, "10.0.0.0/24");
    }
    t.once(Activity { tokens: 1, scopes: vec!["admin".into()], ..Activity::default() });
    t.once(Activity { revoked_uses: 2, ..Activity::default() });
    t.once(Activity { revoked_uses: 1, ..Activity::default() });
    t.once(Activity { refresh_reuses: 1, ..Activity::default() });
    assert_eq!(
        t.rules(),
        [AnomalyRule::NewScope, AnomalyRule::RevokedTokenUsed, AnomalyRule::RefreshTokenReuse],
        "the second revoked token falls in the first one's cooldown"
    );
    assert_eq!(t.found[0].evidence.scopes, ["admin"]);
}

#[test]
fn a_busy_client_falling_silent_raises_a_below_baseline_alarm() {
    let mut t = Traffic::new();
    for _ in 0..60 {
        t.minute(100, "10.0.0.0/24");
    }
    for _ in 0..3 {
        t.minute(0, "10.0.0.0/24");
    }
    assert_eq!(t.rules(), [AnomalyRule::RateBelowBaseline]);
    assert_eq!(t.found[0].evidence.observed, 0.0);
}

#[test]
fn after_a_week_the_expected_rate_follows_the_hour_of_day() {
    let mut t = Traffic::new();
    t.detector.configure("shop", AnomalySettings { min_rate: 5.0, ..AnomalySettings::default() });
    // Busy (300/min) from 09:00 to 17:00, quiet (20/min) otherwise, for eight days.
    for day in 0..8 {
        for minute in 0..24 * 60 {
            let busy = (9 * 60..17 * 60).contains(&minute);
            t.minute(if busy { 300 } else { 20 }, "10.0.0.0/24");
        }
        if day < 7 {
            t.found.clear(); // the first week learns the profile: until then, the swings alarm
        }
    }
    assert_eq!(t.found.iter().filter(|a| a.rule == AnomalyRule::RateAboveBaseline).count(), 0, "{:?}", t.rules());
    // 300/min at 03:00 is normal by day and anomalous by night.
    for _ in 0..3 * 60 {
        t.minute(20, "10.0.0.0/24");
    }
    t.minute(300, "10.0.0.0/24");
    assert!(t.rules().contains(&AnomalyRule::RateAboveBaseline), "{:?}", t.rules());
}

#[test]
fn settings_come_from_realm_attributes_and_bad_values_keep_the_defaults() {
    let attributes = [
        ("tessera.anomaly.failureBurst", "5"),
        ("tessera.anomaly.rateFactor", "0.5"),
        ("tessera.anomaly.webhookUrl", "https://hooks.example/x"),
        ("tessera.anomaly.webhookSecret", "s3cret"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let settings = AnomalySettings::from_attributes(&attributes);
    assert_eq!((settings.failure_burst, settings.rate_factor), (5, 3.0));
    let master = crate::secret::ServerSecrets::generate().unwrap().master_key();
    let hook = WebhookTarget::from_attributes(&attributes, &master, "r1");
    assert_eq!(hook.map(|h| h.url), Some("https://hooks.example/x".to_owned()));
}

#[test]
fn the_webhook_secret_is_sealed_for_its_realm_and_opens_only_there() {
    let master = crate::secret::ServerSecrets::generate().unwrap().master_key();
    let mut attributes: std::collections::BTreeMap<String, String> =
        [("tessera.anomaly.webhookUrl", "https://hooks.example/x"), ("tessera.anomaly.webhookSecret", "s3cret")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
    super::settings::seal_webhook_secret(&mut attributes, &master, "r1").unwrap();
    let stored = attributes["tessera.anomaly.webhookSecret"].clone();
    assert!(stored.starts_with("sealed:") && !stored.contains("s3cret"), "{stored}");
    // Sealing twice keeps the sealed value.
    super::settings::seal_webhook_secret(&mut attributes, &master, "r1").unwrap();
    assert_eq!(attributes["tessera.anomaly.webhookSecret"], stored);
    let hook = WebhookTarget::from_attributes(&attributes, &master, "r1").unwrap();
    assert_eq!(hook.secret, "s3cret");
    assert!(WebhookTarget::from_attributes(&attributes, &master, "r2").is_none(), "copied to another realm");
    let other = crate::secret::ServerSecrets::generate().unwrap().master_key();
    assert!(WebhookTarget::from_attributes(&attributes, &other, "r1").is_none(), "another server's key");
}
