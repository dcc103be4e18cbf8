//! The browser phone: `/console/flows/{name}/phone` is the page, and
//! `/console/flows/{name}/phone/socket` the WebSocket its call runs over.
//! Thin: each message from the page is one turn of the call through the
//! one turn pipeline ([`turn::run`]) with the browser's adapter, and the
//! turn's answer goes back as one message. The call is stored, listed and
//! counted like any other.
//!
//! Behind the console's gate (the session cookie; open on loopback without
//! a token), and the upgrade is refused when the page that opens it is on
//! another site (a WebSocket is not held to the same-origin policy).

use axum::extract::ws::{Message as Frame, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use tracing::Instrument;

use super::{gate, view};
use crate::engine::CallStatus;
use crate::providers::Provider;
use crate::providers::browser::{self, Browser, Message};
use crate::server::App;
use crate::server::turn::{self, TurnAnswer};
use crate::store::retried;

/// A page's message is a few hundred bytes; anything much larger is not one.
const MAX_MESSAGE: usize = 8 * 1024;

pub async fn page(State(app): State<App>, Path(name): Path<String>) -> Response {
    match app.registry.current(&name) {
        Some(graph) => view::page(
            StatusCode::OK,
            "phone.html",
            context! { flow => name, version => graph.version, from => browser::DEFAULT_FROM },
        ),
        None => view::missing(
            StatusCode::NOT_FOUND,
            "No flow by that name serves: there is nothing to call.",
        ),
    }
}

pub async fn socket(
    State(app): State<App>,
    Path(name): Path<String>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    if gate::cross_site(&headers) {
        return (StatusCode::FORBIDDEN, "cross-site WebSocket refused\n").into_response();
    }
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let Some(graph) = app.registry.current(&name) else {
        return (StatusCode::NOT_FOUND, "no such flow\n").into_response();
    };
    let provider = Browser::provider_of(&graph.targets);
    upgrade
        .max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| call(app, name, provider, socket))
}

/// One call, as long as the socket is open.
async fn call(app: App, flow: String, provider: Provider, mut socket: WebSocket) {
    let mut random = [0u8; 16];
    if getrandom::fill(&mut random).is_err() {
        let _ = socket
            .send(Frame::text(browser::over("No call id could be made.")))
            .await;
        return;
    }
    let call_id = Browser::call_id(random);
    let span = tracing::info_span!("call", call_sid = ?call_id, flow = ?flow);
    let mut stopping = Box::pin(app.shutdown.clone().begun_owned());
    let mut placed = false;
    async {
        loop {
            let frame = tokio::select! {
                _ = &mut stopping => {
                    let _ = socket.send(Frame::text(browser::over("The server is stopping."))).await;
                    break;
                }
                frame = socket.recv() => frame,
            };
            let reply = match frame {
                Some(Ok(Frame::Text(text))) => match browser::decode(text.as_str()) {
                    Ok(message) => {
                        placed |= matches!(message, Message::Start { .. });
                        run(&app, &flow, &call_id, provider, message).await
                    }
                    Err(why) => browser::refused(&why),
                },
                Some(Ok(Frame::Binary(_))) => browser::refused("the phone speaks JSON text"),
                Some(Ok(Frame::Ping(_) | Frame::Pong(_))) => continue,
                Some(Ok(Frame::Close(_)) | Err(_)) | None => break,
            };
            if socket.send(Frame::text(reply)).await.is_err() {
                break;
            }
        }
        if placed {
            hung_up(&app, &call_id).await;
        }
    }
    .instrument(span)
    .await
}

/// One message, one turn.
async fn run(app: &App, flow: &str, call_id: &str, provider: Provider, message: Message) -> String {
    let turn = message.turn();
    let adapter = std::sync::Arc::new(Browser {
        message,
        call_id: call_id.to_string(),
        provider,
    });
    match turn::run(app, flow, call_id, turn, adapter.clone()).await {
        TurnAnswer::Body(body) => body,
        TurnAnswer::NoFlow => browser::over("No flow by that name serves."),
        TurnAnswer::UnknownCall => {
            use crate::providers::Adapter;
            adapter.unknown_call()
        }
        TurnAnswer::BadRequest(why) => browser::refused(&why),
        TurnAnswer::StoreDown(e) => {
            use crate::providers::Adapter;
            tracing::error!(error = %e, "call store failed during a browser call");
            adapter.store_down()
        }
    }
}

/// The socket closed: the caller is gone, as a provider's status callback
/// would say. A call that ended by itself keeps its status.
async fn hung_up(app: &App, call_id: &str) {
    let now = app.now();
    if let Ok(Some(call)) = retried(|| app.store.call(call_id)).await
        && !call.summary.status.is_final()
        && let Err(e) = retried(|| app.store.set_status(call_id, CallStatus::Completed, now)).await
    {
        tracing::warn!(error = %e, "could not record the end of a browser call");
    }
}
