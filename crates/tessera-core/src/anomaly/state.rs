//! One client's detector state, kept small (60 bytes, plus a 96-byte hour-of-day profile after a day of
//! data) so that a million clients fit in well under 200 MiB.

use super::AnomalyRule;
use super::settings::AnomalySettings;

/// Minutes in a day and in a week: the hour-of-day profile is learnt after a day and used after a week.
const DAY: u16 = 24 * 60;
const WEEK: u16 = 7 * DAY;
/// Silent minutes replayed one by one into the baseline; a longer silence decays it at once.
const MAX_REPLAYED_GAP: u32 = 120;
/// Fingerprint slots for networks and scopes; a client with more is "roaming" and learns by replacement.
pub(super) const SLOTS: usize = 4;

#[derive(Debug, Clone, Default)]
pub(super) struct ClientState {
    /// The minute (since the epoch) `count` and `failures` are for.
    pub minute: u32,
    pub count: u32,
    pub failures: u16,
    /// Failures of the minute before `minute` (a burst may straddle a minute's end).
    pub failures_before: u16,
    /// Whole minutes observed since the client was first seen (saturating): its learning age.
    pub age: u16,
    pub mean: f32,
    pub var: f32,
    /// 16-bit fingerprints of the networks and scopes seen (0: empty slot).
    pub networks: [u16; SLOTS],
    pub scopes: [u16; SLOTS],
    /// Per rule, the minute (mod 2^16) + 1 it last fired; 0: never.
    pub fired: [u16; 7],
    /// The client's name in the detector's arena, and its realm.
    pub name_at: u32,
    pub name_len: u16,
    pub realm: u16,
    /// Index of the hour-of-day profile in [`Profiles`]; `u32::MAX` until a day of data.
    pub hourly: u32,
}

/// Hour-of-day profiles (expected tokens per minute for each hour), for clients with a day of history.
pub(super) type Profiles = Vec<[f32; 24]>;

/// What one closed minute looked like against its baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Verdict {
    pub rule: AnomalyRule,
    pub observed: f64,
    pub expected: f64,
}

impl ClientState {
    pub fn new(minute: u32) -> Self {
        Self { minute, hourly: u32::MAX, ..Self::default() }
    }

    fn profile<'p>(&self, profiles: &'p Profiles) -> Option<&'p [f32; 24]> {
        profiles.get(self.hourly as usize)
    }

    /// The expected tokens per minute at `minute`, and the deviation used against it.
    pub fn expected(&self, minute: u32, profiles: &Profiles) -> (f32, f32) {
        let mean = match self.profile(profiles) {
            Some(hours) if self.age >= WEEK => hours[((minute / 60) % 24) as usize],
            _ => self.mean,
        };
        // A Poisson floor: perfectly steady traffic must not make every small change "many deviations".
        let sd = self.var.max(mean.max(1.0)).sqrt();
        (mean, sd)
    }

    /// The bar a minute's count must pass to be "far above" the baseline; `None` while learning.
    pub fn high_bar(&self, settings: &AnomalySettings, profiles: &Profiles) -> Option<f32> {
        if self.age < settings.learn_minutes {
            return None;
        }
        let (mean, sd) = self.expected(self.minute, profiles);
        Some((mean + settings.rate_sigmas * sd).max(settings.rate_factor * mean).max(settings.min_rate))
    }

    pub fn quiet(&self, rule: AnomalyRule, now_minute: u32, settings: &AnomalySettings) -> bool {
        let fired = self.fired[rule.index()];
        fired != 0 && (now_minute as u16).wrapping_sub(fired.wrapping_sub(1)) < settings.cooldown_minutes
    }

    pub fn fire(&mut self, rule: AnomalyRule, now_minute: u32) {
        self.fired[rule.index()] = (now_minute as u16).wrapping_add(1).max(1);
    }

    /// Closes every minute before `now_minute`: the rate rules judge each closed minute (silent ones as
    /// zeros) against the baseline, which then learns it. Returns the first verdict.
    pub fn close_until(
        &mut self,
        now_minute: u32,
        settings: &AnomalySettings,
        profiles: &mut Profiles,
    ) -> Option<Verdict> {
        if now_minute <= self.minute {
            return None;
        }
        let gap = now_minute - self.minute;
        let mut verdict = None;
        for i in 0..gap.min(MAX_REPLAYED_GAP) {
            let observed = if i == 0 { self.count as f32 } else { 0.0 };
            let judged = self.judge(observed, settings, profiles);
            verdict = verdict.or(judged);
            self.learn(observed, settings.alpha, profiles);
            self.minute += 1;
            self.age = self.age.saturating_add(1);
        }
        if gap > MAX_REPLAYED_GAP {
            let keep = (1.0 - settings.alpha).powi(i32::try_from(gap - MAX_REPLAYED_GAP).unwrap_or(i32::MAX));
            self.mean *= keep;
            self.var *= keep;
            self.age = self.age.saturating_add(u16::try_from(gap - MAX_REPLAYED_GAP).unwrap_or(u16::MAX));
        }
        self.failures_before = if gap == 1 { self.failures } else { 0 };
        self.failures = 0;
        self.count = 0;
        self.minute = now_minute;
        verdict
    }

    fn judge(&self, observed: f32, settings: &AnomalySettings, profiles: &Profiles) -> Option<Verdict> {
        if self.age < settings.learn_minutes {
            return None;
        }
        let (mean, sd) = self.expected(self.minute, profiles);
        let high = (mean + settings.rate_sigmas * sd).max(settings.rate_factor * mean).max(settings.min_rate);
        let low = (mean - settings.rate_sigmas * sd).min(mean / settings.rate_factor);
        let rule = if observed > high {
            AnomalyRule::RateAboveBaseline
        } else if mean >= settings.min_rate && observed < low {
            AnomalyRule::RateBelowBaseline
        } else {
            return None;
        };
        Some(Verdict { rule, observed: f64::from(observed), expected: f64::from(mean) })
    }

    /// One minute's count into the exponentially weighted mean and variance (and the hour's profile).
    fn learn(&mut self, x: f32, alpha: f32, profiles: &mut Profiles) {
        if self.age == 0 && self.mean == 0.0 && self.var == 0.0 {
            self.mean = x;
        } else {
            let diff = x - self.mean;
            let step = alpha * diff;
            self.mean += step;
            self.var = (1.0 - alpha) * (self.var + diff * step);
        }
        if self.age >= DAY && self.hourly == u32::MAX {
            self.hourly = u32::try_from(profiles.len()).unwrap_or(u32::MAX);
            profiles.push([self.mean; 24]);
        }
        let hour = ((self.minute / 60) % 24) as usize;
        if let Some(hours) = profiles.get_mut(self.hourly as usize) {
            // Each hour sees 60 minutes a day: a slower weight remembers about a week of that hour.
            hours[hour] += alpha / 4.0 * (x - hours[hour]);
        }
    }
}

/// A 16-bit fingerprint (never 0) of a network or scope: collisions only make a rare new value unnoticed.
pub(super) fn fingerprint(value: &str) -> u16 {
    // FNV-1a: stable across runs and nodes, unlike the standard library's seeded hasher.
    let mut h: u32 = 0x811c_9dc5;
    for b in value.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    ((h ^ (h >> 16)) as u16).max(1)
}

/// Whether `fp` is known in `slots`; if not, learns it (into a free slot, else replacing one) and says so.
pub(super) fn learn_slot(slots: &mut [u16; SLOTS], fp: u16) -> bool {
    if slots.contains(&fp) {
        return true;
    }
    match slots.iter_mut().find(|s| **s == 0) {
        Some(free) => *free = fp,
        None => slots[usize::from(fp) % SLOTS] = fp,
    }
    false
}
