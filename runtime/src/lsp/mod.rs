//! `ivr lsp`: a language server (LSP 3.17 over stdio) for `.ivr` and YAML
//! flows. Diagnostics come from the same compiler `ivr check` runs; the
//! language's words and their documentation from `ivr_compiler::language`.
//!
//! Built on `lsp-server` (rust-analyzer's synchronous scaffold): one thread
//! reads the client, this loop answers in order and publishes diagnostics a
//! moment after the author stops typing. The compiler never imports this.

mod actions;
mod capabilities;
mod complete;
mod complete_yaml;
pub mod diagnostics;
pub mod docs;
mod hover;
mod index;
mod navigate;
mod requests;
mod scenarios;
mod server;
mod text;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use lsp_server::Connection;

pub use server::{Next, Server};

/// Serve the client on standard input and output until it says `exit` or
/// goes away.
pub fn run() -> ExitCode {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection);
    drop(connection);
    // The reader thread ends with the client's input; an error there is the
    // client's doing, not a failure of the server.
    let _ = io_threads.join();
    ExitCode::SUCCESS
}

/// The loop: answer each message, and publish diagnostics when they are due.
pub fn serve(connection: &Connection) {
    let mut server = Server::new();
    loop {
        let wait = server.next_due().map_or(Duration::from_secs(3600), |due| {
            due.saturating_duration_since(Instant::now())
        });
        let next = match connection.receiver.recv_timeout(wait) {
            Ok(message) => server.handle(message),
            Err(e) if e.is_timeout() => Next::Continue,
            Err(_) => Next::Exit,
        };
        server.publish_due(Instant::now());
        for message in server.drain() {
            if connection.sender.send(message).is_err() {
                return;
            }
        }
        if let Next::Exit = next {
            return;
        }
    }
}
