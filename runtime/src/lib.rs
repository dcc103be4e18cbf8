//! The `ivr` runtime: the engine that steps calls through compiled flows, the
//! provider adapters, the call stores, the HTTP server and the `ivr` command.

#![forbid(unsafe_code)]

pub mod analytics;
pub mod campaign;
pub mod cli;
pub mod engine;
pub mod flows;
pub mod handoff;
pub mod id;
pub mod lsp;
pub mod providers;
pub mod records;
pub mod server;
pub mod sim;
pub mod store;
