//! Limits on `POST /api/calls` (governor's GCRA): one for the whole server
//! (providers cap calls per second per account) and one per destination
//! number (so a bug in a caller of the API cannot ring one person over and
//! over).

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

/// `burst` requests at once, then one more every `every`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub every: Duration,
}

impl Rate {
    fn quota(self) -> Quota {
        let burst = NonZeroU32::new(self.burst).unwrap_or(NonZeroU32::MIN);
        Quota::with_period(self.every)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
            .allow_burst(burst)
    }
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

/// Which limit refused a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limited {
    Global,
    Destination,
}

type Direct<C> = RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<<C as Clock>::Instant>>;
type Keyed<C> =
    RateLimiter<String, DefaultKeyedStateStore<String>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// The call limiter. Generic over the clock so tests can move time.
pub struct CallLimiter<C: Clock = DefaultClock> {
    global: Direct<C>,
    per_destination: Keyed<C>,
}

/// Destinations remembered before idle ones are forgotten.
const MAX_DESTINATIONS: usize = 10_000;

impl CallLimiter {
    pub fn new(limits: CallLimits) -> CallLimiter {
        CallLimiter::with_clock(limits, DefaultClock::default())
    }
}

impl<C: Clock + Clone> CallLimiter<C> {
    pub fn with_clock(limits: CallLimits, clock: C) -> CallLimiter<C> {
        CallLimiter {
            global: RateLimiter::direct_with_clock(limits.global.quota(), clock.clone()),
            per_destination: RateLimiter::dashmap_with_clock(limits.per_destination.quota(), clock),
        }
    }

    /// Take one call for `destination`, or say which limit is reached. The
    /// destination is asked first, so a flood to one number is refused there
    /// without using up the whole server's allowance.
    pub fn check(&self, destination: &str) -> Result<(), Limited> {
        if self.per_destination.len() >= MAX_DESTINATIONS {
            self.per_destination.retain_recent();
        }
        self.per_destination
            .check_key(&destination.to_string())
            .map_err(|_| Limited::Destination)?;
        self.global.check().map_err(|_| Limited::Global)
    }
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    #[test]
    fn limits_globally_and_per_destination_then_refills() {
        let clock = FakeRelativeClock::default();
        let limiter = CallLimiter::with_clock(
            CallLimits {
                global: Rate {
                    burst: 3,
                    every: Duration::from_secs(1),
                },
                per_destination: Rate {
                    burst: 2,
                    every: Duration::from_secs(60),
                },
            },
            clock.clone(),
        );
        assert_eq!(limiter.check("+1"), Ok(()));
        assert_eq!(limiter.check("+1"), Ok(()));
        assert_eq!(limiter.check("+1"), Err(Limited::Destination));
        assert_eq!(limiter.check("+2"), Ok(()));
        assert_eq!(limiter.check("+3"), Err(Limited::Global));
        clock.advance(Duration::from_secs(2));
        assert_eq!(limiter.check("+4"), Ok(()));
        assert_eq!(limiter.check("+1"), Err(Limited::Destination));
        clock.advance(Duration::from_secs(60));
        assert_eq!(limiter.check("+1"), Ok(()));
    }
}
