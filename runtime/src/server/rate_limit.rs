//! Token buckets for `POST /api/calls`: one for the whole server (providers
//! cap calls per second per account) and one per destination number (so a
//! bug in a caller of the API cannot ring one person over and over).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `burst` requests at once, then one more every `every`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub every: Duration,
}

/// The limits on placed calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallLimits {
    pub global: Rate,
    pub per_destination: Rate,
}

impl Default for CallLimits {
    fn default() -> Self {
        CallLimits {
            // Twilio's default is 1 call per second per account.
            global: Rate {
                burst: 5,
                every: Duration::from_secs(1),
            },
            per_destination: Rate {
                burst: 3,
                every: Duration::from_secs(10 * 60),
            },
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn full(rate: Rate, now: Instant) -> Bucket {
        Bucket {
            tokens: f64::from(rate.burst),
            at: now,
        }
    }

    fn refill(&mut self, rate: Rate, now: Instant) {
        let per_token = rate.every.as_secs_f64().max(f64::MIN_POSITIVE);
        let gained = now.saturating_duration_since(self.at).as_secs_f64() / per_token;
        self.tokens = (self.tokens + gained).min(f64::from(rate.burst));
        self.at = now;
    }
}

/// Which limit refused a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limited {
    Global,
    Destination,
}

/// The call limiter. Rate limiting is not call data, so it reads the
/// monotonic clock itself.
pub struct CallLimiter {
    limits: CallLimits,
    state: Mutex<(Bucket, HashMap<String, Bucket>)>,
}

/// Destinations remembered at most; full buckets are forgotten first.
const MAX_DESTINATIONS: usize = 10_000;

impl CallLimiter {
    pub fn new(limits: CallLimits) -> CallLimiter {
        let now = Instant::now();
        CallLimiter {
            limits,
            state: Mutex::new((Bucket::full(limits.global, now), HashMap::new())),
        }
    }

    /// Take one call for `destination`, or say which limit is reached (then
    /// nothing is taken).
    pub fn check(&self, destination: &str) -> Result<(), Limited> {
        self.check_at(destination, Instant::now())
    }

    fn check_at(&self, destination: &str, now: Instant) -> Result<(), Limited> {
        let CallLimits {
            global,
            per_destination,
        } = self.limits;
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (all, destinations) = &mut *guard;
        all.refill(global, now);
        if all.tokens < 1.0 {
            return Err(Limited::Global);
        }
        if destinations.len() >= MAX_DESTINATIONS {
            destinations.retain(|_, b| {
                b.refill(per_destination, now);
                b.tokens < f64::from(per_destination.burst)
            });
        }
        let one = destinations
            .entry(destination.to_string())
            .or_insert_with(|| Bucket::full(per_destination, now));
        one.refill(per_destination, now);
        if one.tokens < 1.0 {
            return Err(Limited::Destination);
        }
        one.tokens -= 1.0;
        all.tokens -= 1.0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_globally_and_per_destination_then_refills() {
        let limiter = CallLimiter::new(CallLimits {
            global: Rate {
                burst: 3,
                every: Duration::from_secs(1),
            },
            per_destination: Rate {
                burst: 2,
                every: Duration::from_secs(60),
            },
        });
        let t = Instant::now();
        assert_eq!(limiter.check_at("+1", t), Ok(()));
        assert_eq!(limiter.check_at("+1", t), Ok(()));
        assert_eq!(limiter.check_at("+1", t), Err(Limited::Destination));
        assert_eq!(limiter.check_at("+2", t), Ok(()));
        assert_eq!(limiter.check_at("+3", t), Err(Limited::Global));
        let later = t + Duration::from_secs(2);
        assert_eq!(limiter.check_at("+3", later), Ok(()));
        assert_eq!(limiter.check_at("+1", later), Err(Limited::Destination));
        assert_eq!(limiter.check_at("+1", t + Duration::from_secs(61)), Ok(()));
    }
}
