//! A campaign's numbers and what happened to each: the state machine the
//! dialer drives. Every method is idempotent where the world can repeat
//! itself (a status callback delivered twice, a reconciliation racing it).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Window;
use crate::engine::Millis;
use crate::providers::Provider;

/// What the campaign was asked to do. Fixed once created.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub id: String,
    pub flow: String,
    pub provider: Provider,
    /// Overrides the configured caller id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub targets: Vec<Target>,
    pub rate_per_sec: f64,
    pub max_concurrent: u32,
    pub retry: Retry,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    /// No call is placed before this (`at`, else the creation time).
    pub start_at: Millis,
    pub created_at: Millis,
}

/// One number to call and the variables its call starts with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub to: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, serde_json::Value>,
}

/// When to call a number again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Retry {
    /// Outcomes worth another try.
    pub on: Vec<Outcome>,
    /// Attempts in all, the first included (1: never retry).
    pub attempts: u32,
    /// Wait before the second attempt; each later wait doubles, up to an hour.
    pub backoff_ms: u64,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            on: Vec::new(),
            attempts: 1,
            backoff_ms: 60_000,
        }
    }
}

impl Retry {
    /// The wait after attempt `attempt` (1-based) failed.
    pub fn delay(&self, attempt: u32) -> Millis {
        let doubled = self
            .backoff_ms
            .saturating_mul(1u64 << attempt.saturating_sub(1).min(20));
        doubled.min(3_600_000) as Millis
    }
}

/// How an attempt ended, in the providers' words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Answered (the flow ran).
    Completed,
    Busy,
    NoAnswer,
    /// The provider refused or could not connect the call.
    Failed,
    /// Cancelled at the provider before it was answered.
    Canceled,
    /// The process placing the call stopped before it learned whether the
    /// provider took it, and the provider has no record of it (Exotel does
    /// not list calls in progress). Not dialled again: a second call is worse
    /// than none. Shown so that a person decides.
    Unconfirmed,
}

impl Outcome {
    pub fn parse(text: &str) -> Option<Outcome> {
        match text.replace('_', "-").as_str() {
            "completed" => Some(Outcome::Completed),
            "busy" => Some(Outcome::Busy),
            "no-answer" => Some(Outcome::NoAnswer),
            "failed" => Some(Outcome::Failed),
            "canceled" | "cancelled" => Some(Outcome::Canceled),
            "unconfirmed" => Some(Outcome::Unconfirmed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Busy => "busy",
            Outcome::NoAnswer => "no-answer",
            Outcome::Failed => "failed",
            Outcome::Canceled => "canceled",
            Outcome::Unconfirmed => "unconfirmed",
        }
    }
}

/// One number's progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(flatten)]
    pub state: EntryState,
    /// Attempts claimed so far.
    pub attempts: u32,
    /// Provider call ids, one per placed attempt, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<String>,
    /// How the latest finished attempt ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The provider's words when it refused the latest attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum EntryState {
    /// Waiting to be dialled (first time, or again after `outcome`).
    Pending { due_at: Millis },
    /// Claimed for attempt `attempts`: written before the call is placed.
    /// `call_id` is the provider's id once it took the call.
    Dialing {
        claimed_at: Millis,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call_id: Option<String>,
    },
    /// Finished: `outcome` says how.
    Done,
    /// Never dialled (again): the campaign was cancelled.
    Cancelled,
}

/// Something that happened to a campaign outside the process dialling it,
/// queued in the store for that process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A provider said how attempt `attempt` of entry `entry` ended.
    Outcome {
        entry: usize,
        attempt: u32,
        outcome: Outcome,
        call_id: String,
    },
    /// `DELETE /api/campaigns/{id}`.
    Cancel,
}

/// A campaign's entries, and the rules that move them. Entries change only
/// through its methods, which keep two counts and a cursor up to date, so a
/// dialer tick costs the entries it touches, not the whole list.
#[derive(Clone, Debug, PartialEq)]
pub struct Campaign {
    pub settings: Settings,
    entries: Vec<Entry>,
    pub cancelled: bool,
    /// Entries `Dialing`.
    dialing: usize,
    /// Entries `Pending` or `Dialing`.
    open: usize,
    /// No entry before this index is `Pending`.
    pending_from: usize,
}

/// What `GET /api/campaigns/{id}` shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Progress {
    pub id: String,
    pub flow: String,
    pub provider: Provider,
    /// `scheduled`, `waiting` (outside its window), `running`, `done`, `cancelled`.
    pub state: &'static str,
    pub rate_per_sec: f64,
    pub max_concurrent: u32,
    pub created_at: Millis,
    pub start_at: Millis,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    /// Entries by state, and finished entries by outcome.
    pub counts: BTreeMap<&'static str, usize>,
    pub numbers: Vec<NumberProgress>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NumberProgress {
    pub to: String,
    pub state: &'static str,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_at: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Campaign {
    /// A new campaign: every number due at the start time.
    pub fn new(settings: Settings) -> Campaign {
        let entries = settings
            .targets
            .iter()
            .map(|_| Entry {
                state: EntryState::Pending {
                    due_at: settings.start_at,
                },
                attempts: 0,
                calls: Vec::new(),
                outcome: None,
                error: None,
            })
            .collect();
        let open = settings.targets.len();
        Campaign {
            settings,
            entries,
            cancelled: false,
            dialing: 0,
            open,
            pending_from: 0,
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Replace entry `i` (a stored copy); false if there is no such entry.
    pub fn set_entry(&mut self, i: usize, entry: Entry) -> bool {
        if i >= self.entries.len() {
            return false;
        }
        let Entry {
            state,
            attempts,
            calls,
            outcome,
            error,
        } = entry;
        let slot = &mut self.entries[i];
        (slot.attempts, slot.calls, slot.outcome, slot.error) = (attempts, calls, outcome, error);
        self.move_to(i, state);
        true
    }

    /// Change entry `i`'s state, keeping the counts and the cursor true.
    fn move_to(&mut self, i: usize, state: EntryState) {
        let weigh = |s: &EntryState| match s {
            EntryState::Dialing { .. } => (1, 1),
            EntryState::Pending { .. } => (0, 1),
            EntryState::Done | EntryState::Cancelled => (0, 0),
        };
        let (was_dialing, was_open) = weigh(&self.entries[i].state);
        let (is_dialing, is_open) = weigh(&state);
        self.dialing = self.dialing + is_dialing - was_dialing;
        self.open = self.open + is_open - was_open;
        if matches!(state, EntryState::Pending { .. }) {
            self.pending_from = self.pending_from.min(i);
        }
        self.entries[i].state = state;
    }

    /// Calls placed and not finished (what `max_concurrent` caps).
    pub fn dialing(&self) -> usize {
        self.dialing
    }

    /// Nothing pending, nothing in flight.
    pub fn is_finished(&self) -> bool {
        self.open == 0
    }

    /// Claim up to `n` entries due at `now` for their next attempt, within
    /// the concurrency cap and the calling window; the claimed indexes.
    pub fn claim(&mut self, now: Millis, n: usize) -> Vec<usize> {
        if self.cancelled || now < self.settings.start_at {
            return Vec::new();
        }
        if self
            .settings
            .window
            .as_ref()
            .is_some_and(|w| !w.is_open(now))
        {
            return Vec::new();
        }
        let room = (self.settings.max_concurrent as usize).saturating_sub(self.dialing());
        let limit = n.min(room);
        let mut claimed = Vec::new();
        // The first entry still pending after this claim: the new cursor.
        let mut first_pending = None;
        let mut i = self.pending_from;
        while i < self.entries.len() {
            if claimed.len() >= limit {
                first_pending.get_or_insert(i);
                break;
            }
            if let EntryState::Pending { due_at } = self.entries[i].state {
                if due_at <= now {
                    self.entries[i].attempts += 1;
                    self.move_to(
                        i,
                        EntryState::Dialing {
                            claimed_at: now,
                            call_id: None,
                        },
                    );
                    claimed.push(i);
                } else {
                    first_pending.get_or_insert(i);
                }
            }
            i += 1;
        }
        self.pending_from = first_pending.unwrap_or(self.entries.len());
        claimed
    }

    /// The provider took attempt `attempt` of entry `i` as call `call_id`.
    pub fn placed(&mut self, i: usize, attempt: u32, call_id: &str) -> bool {
        let Some(entry) = self.entries.get_mut(i) else {
            return false;
        };
        match &mut entry.state {
            EntryState::Dialing { call_id: slot, .. } if entry.attempts == attempt => {
                if slot.as_deref() == Some(call_id) {
                    return false;
                }
                *slot = Some(call_id.to_string());
                if !entry.calls.iter().any(|c| c == call_id) {
                    entry.calls.push(call_id.to_string());
                }
                true
            }
            _ => false,
        }
    }

    /// Attempt `attempt` of entry `i` ended with `outcome` (a status
    /// callback, a refusal, or a reconciliation). Decides the retry. Repeats
    /// and reports about older attempts change nothing.
    pub fn finish(
        &mut self,
        i: usize,
        attempt: u32,
        outcome: Outcome,
        error: Option<String>,
        now: Millis,
    ) -> bool {
        let retry = &self.settings.retry;
        let cancelled = self.cancelled;
        let Some(entry) = self.entries.get_mut(i) else {
            return false;
        };
        if entry.attempts != attempt || !matches!(entry.state, EntryState::Dialing { .. }) {
            return false;
        }
        entry.outcome = Some(outcome);
        entry.error = error;
        let again = retry.on.contains(&outcome) && entry.attempts < retry.attempts;
        let next = match (again, cancelled) {
            (true, false) => EntryState::Pending {
                due_at: now + retry.delay(entry.attempts),
            },
            (true, true) => EntryState::Cancelled,
            (false, _) => EntryState::Done,
        };
        self.move_to(i, next);
        true
    }

    /// Attempt `attempt` never reached the provider (it has no record of it):
    /// put the entry back, the attempt not counted.
    pub fn not_placed(&mut self, i: usize, attempt: u32, now: Millis) -> bool {
        let cancelled = self.cancelled;
        let Some(entry) = self.entries.get_mut(i) else {
            return false;
        };
        if entry.attempts != attempt
            || !matches!(entry.state, EntryState::Dialing { call_id: None, .. })
        {
            return false;
        }
        entry.attempts -= 1;
        let next = if cancelled {
            EntryState::Cancelled
        } else {
            EntryState::Pending { due_at: now }
        };
        self.move_to(i, next);
        true
    }

    /// Apply an event; the entries it changed.
    pub fn apply(&mut self, event: &Event, now: Millis) -> Vec<usize> {
        match event {
            Event::Outcome {
                entry,
                attempt,
                outcome,
                call_id,
            } => {
                // The sid may be news: the process that placed the call may
                // have died before it wrote it down.
                let placed = self.placed(*entry, *attempt, call_id);
                let finished = self.finish(*entry, *attempt, *outcome, None, now);
                if placed || finished {
                    vec![*entry]
                } else {
                    Vec::new()
                }
            }
            Event::Cancel => self.cancel(),
        }
    }

    /// How many entries [`Campaign::claim`] would take at `now`.
    pub fn ready(&self, now: Millis) -> usize {
        if self.cancelled || now < self.settings.start_at {
            return 0;
        }
        if self
            .settings
            .window
            .as_ref()
            .is_some_and(|w| !w.is_open(now))
        {
            return 0;
        }
        let room = (self.settings.max_concurrent as usize).saturating_sub(self.dialing());
        self.entries[self.pending_from.min(self.entries.len())..]
            .iter()
            .filter(|e| matches!(e.state, EntryState::Pending { due_at } if due_at <= now))
            .take(room)
            .count()
    }

    /// Stop dialling: pending entries are cancelled (the changed indexes);
    /// calls in flight finish and are not retried.
    pub fn cancel(&mut self) -> Vec<usize> {
        self.cancelled = true;
        let changed: Vec<usize> = (self.pending_from..self.entries.len())
            .filter(|i| matches!(self.entries[*i].state, EntryState::Pending { .. }))
            .collect();
        for i in &changed {
            self.move_to(*i, EntryState::Cancelled);
        }
        self.pending_from = self.entries.len();
        changed
    }

    /// Entries dialling since before `before`: candidates for reconciliation
    /// (their status callback may have been lost).
    pub fn stale(&self, before: Millis) -> Vec<(usize, u32, Option<String>)> {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match &e.state {
                EntryState::Dialing {
                    claimed_at,
                    call_id,
                } if *claimed_at < before => Some((i, e.attempts, call_id.clone())),
                _ => None,
            })
            .collect()
    }

    /// When the next entry falls due (ignoring the window), if any waits.
    pub fn next_due(&self) -> Option<Millis> {
        self.entries
            .iter()
            .filter_map(|e| match e.state {
                EntryState::Pending { due_at } => Some(due_at),
                _ => None,
            })
            .min()
    }

    pub fn state(&self, now: Millis) -> &'static str {
        if self.is_finished() {
            if self.cancelled { "cancelled" } else { "done" }
        } else if now < self.settings.start_at {
            "scheduled"
        } else if self
            .settings
            .window
            .as_ref()
            .is_some_and(|w| !w.is_open(now))
        {
            "waiting"
        } else {
            "running"
        }
    }

    pub fn progress(&self, now: Millis) -> Progress {
        let mut counts = BTreeMap::new();
        let mut numbers = Vec::with_capacity(self.entries.len());
        for (target, entry) in self.settings.targets.iter().zip(&self.entries) {
            let (state, next_at) = match (&entry.state, entry.attempts) {
                (EntryState::Pending { due_at }, 0) => ("pending", Some(*due_at)),
                (EntryState::Pending { due_at }, _) => ("retrying", Some(*due_at)),
                (EntryState::Dialing { .. }, _) => ("dialing", None),
                (EntryState::Done, _) => ("done", None),
                (EntryState::Cancelled, _) => ("cancelled", None),
            };
            *counts.entry(state).or_insert(0) += 1;
            if state == "done"
                && let Some(outcome) = entry.outcome
            {
                *counts.entry(outcome.as_str()).or_insert(0) += 1;
            }
            numbers.push(NumberProgress {
                to: target.to.clone(),
                state,
                attempts: entry.attempts,
                outcome: entry.outcome,
                calls: entry.calls.clone(),
                next_at,
                error: entry.error.clone(),
            });
        }
        let s = &self.settings;
        Progress {
            id: s.id.clone(),
            flow: s.flow.clone(),
            provider: s.provider,
            state: self.state(now),
            rate_per_sec: s.rate_per_sec,
            max_concurrent: s.max_concurrent,
            created_at: s.created_at,
            start_at: s.start_at,
            window: s.window.clone(),
            counts,
            numbers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(numbers: usize, retry: Retry) -> Settings {
        Settings {
            id: "c1".into(),
            flow: "order".into(),
            provider: Provider::Twilio,
            from: None,
            targets: (0..numbers)
                .map(|i| Target {
                    to: format!("+1415555{i:04}"),
                    vars: BTreeMap::new(),
                })
                .collect(),
            rate_per_sec: 10.0,
            max_concurrent: 2,
            retry,
            window: None,
            start_at: 1_000,
            created_at: 500,
        }
    }

    fn busy_twice() -> Retry {
        Retry {
            on: vec![Outcome::Busy, Outcome::NoAnswer],
            attempts: 3,
            backoff_ms: 1_000,
        }
    }

    #[test]
    fn claims_respect_start_time_and_concurrency() {
        let mut c = Campaign::new(settings(5, Retry::default()));
        assert!(c.claim(999, 10).is_empty(), "not before `at`");
        assert_eq!(c.claim(1_000, 10), vec![0, 1], "two at a time");
        assert!(c.claim(1_001, 10).is_empty(), "the cap is reached");
        assert!(c.finish(0, 1, Outcome::Completed, None, 1_500));
        assert_eq!(c.claim(1_600, 10), vec![2]);
        assert_eq!(c.dialing(), 2);
    }

    #[test]
    fn retries_by_outcome_with_doubling_backoff_then_gives_up() {
        let mut c = Campaign::new(settings(1, busy_twice()));
        assert_eq!(c.claim(1_000, 1), vec![0]);
        assert!(c.finish(0, 1, Outcome::Busy, None, 2_000));
        assert_eq!(c.entries()[0].state, EntryState::Pending { due_at: 3_000 });
        assert!(c.claim(2_999, 1).is_empty(), "backoff holds");
        assert_eq!(c.claim(3_000, 1), vec![0]);
        assert!(c.finish(0, 2, Outcome::NoAnswer, None, 4_000));
        assert_eq!(c.entries()[0].state, EntryState::Pending { due_at: 6_000 });
        assert_eq!(c.claim(6_000, 1), vec![0]);
        assert!(c.finish(0, 3, Outcome::Busy, None, 7_000));
        assert_eq!(
            c.entries()[0].state,
            EntryState::Done,
            "three attempts in all"
        );
        assert_eq!(c.entries()[0].outcome, Some(Outcome::Busy));
        assert!(c.is_finished());
    }

    #[test]
    fn outcomes_not_listed_are_final() {
        let mut c = Campaign::new(settings(1, busy_twice()));
        c.claim(1_000, 1);
        assert!(c.finish(0, 1, Outcome::Failed, Some("21215".into()), 1_100));
        assert_eq!(c.entries()[0].state, EntryState::Done);
    }

    #[test]
    fn repeated_and_stale_reports_change_nothing() {
        let mut c = Campaign::new(settings(1, busy_twice()));
        c.claim(1_000, 1);
        assert!(c.placed(0, 1, "CA1"));
        assert!(!c.placed(0, 1, "CA1"), "same sid twice");
        assert!(c.finish(0, 1, Outcome::Busy, None, 1_100));
        assert!(
            !c.finish(0, 1, Outcome::Busy, None, 1_200),
            "a duplicate callback"
        );
        c.claim(5_000, 1);
        assert!(
            !c.finish(0, 1, Outcome::Completed, None, 5_100),
            "an older attempt"
        );
        assert_eq!(c.entries()[0].attempts, 2);
        assert_eq!(c.entries()[0].calls, vec!["CA1".to_string()]);
    }

    #[test]
    fn an_attempt_that_never_left_goes_back_uncounted() {
        let mut c = Campaign::new(settings(1, Retry::default()));
        c.claim(1_000, 1);
        assert!(c.not_placed(0, 1, 9_000));
        assert_eq!(c.entries()[0].attempts, 0);
        assert_eq!(c.entries()[0].state, EntryState::Pending { due_at: 9_000 });
        c.claim(9_000, 1);
        c.placed(0, 1, "CA9");
        assert!(
            !c.not_placed(0, 1, 9_500),
            "a placed call is never put back"
        );
    }

    #[test]
    fn cancel_stops_pending_and_retries_but_not_calls_in_flight() {
        let mut c = Campaign::new(settings(3, busy_twice()));
        c.claim(1_000, 1);
        assert_eq!(c.cancel(), vec![1, 2]);
        assert!(c.claim(2_000, 5).is_empty());
        assert_eq!(c.state(2_000), "running", "a call is still in flight");
        assert!(c.finish(0, 1, Outcome::Busy, None, 2_100));
        assert_eq!(c.entries()[0].state, EntryState::Cancelled, "no retry");
        assert_eq!(c.state(2_200), "cancelled");
    }

    /// The cached counts against a count of the entries themselves.
    fn assert_counts(c: &Campaign) {
        let dialing = c
            .entries()
            .iter()
            .filter(|e| matches!(e.state, EntryState::Dialing { .. }))
            .count();
        let open = c
            .entries()
            .iter()
            .filter(|e| {
                matches!(
                    e.state,
                    EntryState::Dialing { .. } | EntryState::Pending { .. }
                )
            })
            .count();
        assert_eq!(c.dialing(), dialing);
        assert_eq!(c.is_finished(), open == 0);
        let first = c
            .entries()
            .iter()
            .position(|e| matches!(e.state, EntryState::Pending { .. }));
        assert!(
            first.is_none_or(|f| f >= c.pending_from),
            "cursor past a pending entry"
        );
    }

    #[test]
    fn counts_and_cursor_stay_true_through_every_move() {
        let mut s = settings(6, busy_twice());
        s.max_concurrent = 4;
        let mut c = Campaign::new(s);
        assert_counts(&c);
        assert_eq!(c.claim(1_000, 3), vec![0, 1, 2]);
        assert_counts(&c);
        c.finish(1, 1, Outcome::Busy, None, 1_100);
        assert_counts(&c);
        assert_eq!(c.ready(1_100), 2, "3 and 4; 1 waits for its backoff");
        assert_eq!(c.claim(1_100, 5), vec![3, 4]);
        assert_counts(&c);
        c.not_placed(0, 1, 1_200);
        assert_counts(&c);
        c.finish(2, 1, Outcome::Completed, None, 1_300);
        assert_eq!(c.claim(2_100, 5), vec![0, 1], "both back before the cursor");
        assert_counts(&c);
        let mut copy = c.clone();
        let stored = c.entries()[5].clone();
        copy.set_entry(0, stored);
        assert_counts(&copy);
        c.cancel();
        assert_counts(&c);
        for (i, attempt) in [(0, 1), (1, 2), (3, 1), (4, 1)] {
            c.finish(i, attempt, Outcome::Completed, None, 3_000);
            assert_counts(&c);
        }
        assert!(c.is_finished());
    }

    #[test]
    fn window_holds_dialling() {
        let mut s = settings(1, Retry::default());
        // Open 00:00–00:01 UTC daily: the first minute of each day.
        s.window = Some(Window::new(&[], "00:00", "00:01", "UTC").unwrap());
        s.start_at = 0;
        let mut c = Campaign::new(s);
        assert!(c.claim(120_000, 1).is_empty());
        assert_eq!(c.state(120_000), "waiting");
        assert_eq!(c.claim(86_400_000, 1), vec![0]);
    }

    #[test]
    fn progress_counts_states_and_outcomes() {
        let mut c = Campaign::new(settings(4, busy_twice()));
        c.claim(1_000, 2);
        c.placed(0, 1, "CA0");
        c.finish(0, 1, Outcome::Completed, None, 1_100);
        c.finish(1, 1, Outcome::Busy, None, 1_100);
        let p = c.progress(1_200);
        assert_eq!(p.counts.get("done"), Some(&1));
        assert_eq!(p.counts.get("completed"), Some(&1));
        assert_eq!(p.counts.get("retrying"), Some(&1));
        assert_eq!(p.counts.get("pending"), Some(&2));
        assert_eq!(p.numbers[0].calls, vec!["CA0".to_string()]);
        assert_eq!(p.numbers[1].next_at, Some(2_100));
        assert_eq!(p.state, "running");
    }
}
