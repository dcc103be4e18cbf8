//! A turn's effects run at most once across replicas: before a webhook's
//! walk runs its first effect (an `http` call-out, an SMS) it claims the
//! turn in the store. A retried or duplicated webhook — the provider
//! re-sending it, to this replica or another, concurrently or after a
//! stale cached load — finds the turn claimed and waits for the first
//! one's commit, then replays its answer. A turn without effects never
//! claims (no extra store round trip on a plain turn).
//!
//! A claim expires after its lease (the turn budget plus [`MARGIN`]), long
//! enough for its owner to commit — effects that outlast the budget are held
//! and committed then. A duplicate waits at most that long: when the lease
//! runs out with nothing committed, the owner died mid-turn, and the
//! duplicate takes the turn over and runs the effects itself. The trade-off:
//! effects run at most once while their replica lives, and again only after
//! a replica died between starting them and committing (at-least-once for
//! that crash, rather than a call stranded for ever).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant as Deadline;

use super::App;
use crate::store::{self, StoreError, retried};

/// How long past the turn budget a claim lasts: time for the owner's render
/// and commit (a few store time-outs) after its effects are held.
const MARGIN: Duration = Duration::from_secs(5);

/// How often a duplicate looks whether the first one has committed.
const POLL: Duration = Duration::from_millis(50);

/// Why a webhook does not run its turn's effects.
#[derive(Debug)]
pub enum Lost {
    /// The turn was committed by another webhook: answer with its reply.
    Replay(String),
    /// The call moved on elsewhere (or is gone), as a commit would find.
    Gone,
    /// The store failed, or the turn stayed claimed by others too long.
    Store(StoreError),
}

/// One webhook's claim on the turn it answers.
#[derive(Clone, Copy, Debug)]
pub struct Claim {
    /// The turn the webhook answers (None: the call's first).
    turn: Option<u64>,
    /// This webhook, as the claim's owner (a repeat of the claim wins again,
    /// e.g. after a dropped connection).
    owner: u64,
    won: bool,
}

impl Claim {
    /// A claim to take, for a webhook answering `turn`, before its first effect.
    pub fn of(turn: Option<u64>) -> Claim {
        Claim {
            turn,
            owner: owner(),
            won: false,
        }
    }

    /// A turn that is already this walk's: a held turn, finished by the one
    /// task its committed hold started.
    pub fn held(turn: u64) -> Claim {
        Claim {
            won: true,
            ..Claim::of(Some(turn))
        }
    }

    /// Make sure the turn is this webhook's before it runs an effect.
    /// `Err`: why not — the first one's answer, replayed, or what a commit
    /// would have found.
    pub async fn take(&mut self, app: &App, call_id: &str, flow: &str) -> Result<(), Lost> {
        if self.won {
            return Ok(());
        }
        let lease = app.config.turn_budget + MARGIN;
        // Past one lease the claim is free again (its owner died) and this
        // webhook takes it; a second lease only if yet another took it first.
        let give_up = Deadline::now() + 2 * lease;
        let mut waited = false;
        loop {
            let found = retried(|| app.store.claim(call_id, self.turn, self.owner, lease)).await;
            match found {
                Ok(store::Claim::Won) => {
                    if waited {
                        tracing::warn!(call = ?call_id, "a turn's claim ran out uncommitted; taking it over");
                    }
                    self.won = true;
                    return Ok(());
                }
                Ok(store::Claim::Replay(reply)) => return Err(Lost::Replay(reply)),
                Ok(store::Claim::Gone) => return Err(Lost::Gone),
                Ok(store::Claim::Taken) => {}
                Err(e) => return Err(Lost::Store(e)),
            }
            if !waited {
                waited = true;
                metrics::counter!("ivr_duplicate_turns_total", "flow" => flow.to_string())
                    .increment(1);
            }
            if Deadline::now() + POLL > give_up {
                // Answered as when the store fails: the provider's fallback,
                // a valid answer, never a 5xx.
                return Err(Lost::Store(StoreError::Timeout(2 * lease)));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// A fresh owner id: random, else (no OS randomness) unique in this process.
fn owner() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    getrandom::u64().unwrap_or_else(|_| {
        NEXT.fetch_add(1, Ordering::Relaxed) ^ (u64::from(std::process::id()) << 32)
    })
}
