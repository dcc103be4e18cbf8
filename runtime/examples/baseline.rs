//! The load test's baseline: the least an HTTP server can do for a Twilio
//! webhook. Every POST, on any path, reads the form body and answers one
//! constant TwiML document of a menu turn's size and shape (a `<Gather>` with
//! an action URL), so `bench/menu_turn.lua` drives it exactly like `ivr serve`.
//!
//! Same stack as `ivr serve` (axum on tokio's multi-thread runtime), no state,
//! no engine, no store: the ratio `ivr / baseline` is what the runtime costs.
//!
//! ```text
//! cargo run --release -p ivr-runtime --example baseline -- 127.0.0.1:8090
//! ```

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;

/// A menu turn as `ivr serve` renders main_line's menu (same attributes, same
/// prompt), with a fixed action URL on this server.
fn menu_turn(listen: SocketAddr) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#,
            r#"<Gather action="http://{listen}/twilio/main_line/1/gather" method="POST" input="dtmf" timeout="5" numDigits="1" finishOnKey="" actionOnEmptyResult="true">"#,
            r#"<Say language="en-IN" voice="Polly.Raveena">For sales, press 1. For support, press 2. For billing, press 3. To hear these options again, press 9.</Say>"#,
            r#"</Gather></Response>"#
        ),
        listen = listen
    )
}

fn main() -> std::io::Result<()> {
    let listen: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".into())
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    // Leaked once: the handler hands out the same bytes for every request.
    let body: &'static str = Box::leak(menu_turn(listen).into_boxed_str());
    let answer = move |_form: Bytes| async move {
        ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
    };
    let app = Router::new().fallback(answer);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let listener = tokio::net::TcpListener::bind(listen).await?;
            println!("baseline answering on http://{listen}");
            axum::serve(listener, app).await
        })
}
