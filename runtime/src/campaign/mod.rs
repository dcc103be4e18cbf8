//! Campaigns: a list of numbers dialled into a flow at a safe rate, retried by
//! outcome, only inside a calling window. Also scheduled single calls (a
//! campaign of one number with a start time).
//!
//! This module is the campaign's bookkeeping, pure like the engine: it reads
//! no clock (times are arguments) and does no I/O. The server's dialer
//! (`server/dialer.rs`) owns a running campaign, asks it what is due, places
//! the calls, and feeds back what the provider said; the store keeps every
//! entry so another process can take over where this one stopped.
//!
//! An entry's life:
//!
//! ```text
//! Pending{due_at} --claim--> Dialing{claimed_at, call_id?} --outcome--> Done{outcome}
//!        ^                            |
//!        +---- retry (by outcome, attempts left, backoff) ----+
//! Pending --cancel--> Cancelled
//! ```
//!
//! An entry is written as `Dialing` *before* its call is placed, so a process
//! that dies mid-dial leaves a trace: the next owner finds the call by its id
//! or asks the provider, and never dials the entry again blindly.

mod plan;
mod window;

pub use plan::{
    Campaign, Entry, EntryState, Event, NumberProgress, Outcome, Progress, Retry, Settings, Target,
};
pub use window::Window;
