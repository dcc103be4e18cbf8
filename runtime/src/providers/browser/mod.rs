//! The console's browser phone as a provider: a call placed from a web page
//! over a WebSocket, with no phone network behind it. The page sends what
//! the caller does as small JSON messages ([`Message`]) and plays each turn
//! it is sent ([`Turn`]): text spoken with the browser's speech synthesis
//! and shown, audio URLs played, keys and words gathered, and what a phone
//! network would do (a transfer, a queue, a recording, a voice agent) shown
//! as text with a button per outcome, so an author can take every exit.
//!
//! A neutral phone: it renders every instruction, whatever the flow's
//! targets can do; effects run as for a call on the flow's first target
//! (an SMS goes out through that provider). Pure, like the other providers:
//! the server's socket route does the transport.

mod adapter;
mod message;

pub use adapter::{Browser, DEFAULT_FROM, TO, over, refused};
pub use message::{Message, Reply, Step, Wait, decode, outcomes, render};
