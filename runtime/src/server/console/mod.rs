//! `/console`: pages for the people in front of the server — the flows it
//! serves (status, version, diagnostics of a broken save, nodes, source) and
//! the calls (live and recent, each with its path turn by turn), and a
//! browser phone that calls a flow through the real engine and store.
//!
//! Rendered here from templates embedded in the binary (no CDN, no build
//! step, works offline), every value HTML-escaped by the template engine.
//! Guarded by the admin token: a login page trades it for an HttpOnly,
//! SameSite=Strict cookie; without a token the console is open only when
//! the server listens on a loopback address.

mod campaigns;
mod gate;
mod live;
mod mask;
mod pages;
mod phone;
mod view;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};

use super::App;

pub fn routes(app: App) -> Router<App> {
    let guarded = Router::new()
        .route("/console", get(pages::flows))
        .route("/console/flows/{name}", get(pages::flow))
        .route("/console/flows/{name}/analytics", get(pages::analytics))
        .route("/console/flows/{name}/phone", get(phone::page))
        .route("/console/flows/{name}/phone/socket", get(phone::socket))
        .route("/console/calls", get(pages::calls))
        .route("/console/calls/live", get(live::calls))
        .route("/console/calls/{id}", get(pages::call))
        .route("/console/campaigns", get(campaigns::list))
        .route("/console/campaigns/{id}", get(campaigns::show))
        .route("/console/campaigns/{id}/cancel", post(campaigns::cancel))
        .route("/console/logout", post(gate::logout))
        .layer(middleware::from_fn_with_state(app, gate::require));
    Router::new()
        .route("/console/login", get(gate::login_page).post(gate::login))
        .route("/console/console.css", get(view::stylesheet))
        .route("/console/console.js", get(view::script))
        .route("/console/phone.js", get(view::phone_script))
        .merge(guarded)
}
