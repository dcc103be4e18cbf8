//! `/console/calls/live`: the calls page's list, pushed as server-sent events
//! whenever it changes, so an operator watches calls arrive and end.
//!
//! The stream reads the store's history once a second (what `/api/calls`
//! reads) and sends the filtered list only when it differs from the last
//! one sent. It ends when the process begins to stop; the browser's
//! EventSource reconnects by itself when the server is back.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};

use super::pages::{Filter, RECENT};
use crate::server::App;

const EVERY: Duration = Duration::from_secs(1);

pub async fn calls(
    State(app): State<App>,
    filter: Result<Query<Filter>, QueryRejection>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let filter = filter.map(|Query(f)| f).unwrap_or_default();
    let stopping = Box::pin(app.shutdown.clone().begun_owned());
    let state = (app, filter, String::new(), stopping, true);
    let events = stream::unfold(
        state,
        |(app, filter, last, mut stopping, mut first)| async move {
            loop {
                if !std::mem::take(&mut first) {
                    tokio::select! {
                        _ = &mut stopping => return None,
                        _ = tokio::time::sleep(EVERY) => {}
                    }
                }
                let Ok(calls) = crate::server::history::calls(&app, RECENT).await else {
                    // The store is down: say nothing new; the page keeps what it has.
                    continue;
                };
                let calls = filter.shown(&app, calls);
                let json = serde_json::to_string(&calls).unwrap_or_default();
                if json != last {
                    let event = Event::default().event("calls").data(json.clone());
                    return Some((Ok(event), (app, filter, json, stopping, first)));
                }
                // Unchanged: wait for the next tick.
                return Some((
                    Ok(Event::default().comment("unchanged")),
                    (app, filter, last, stopping, first),
                ));
            }
        },
    );
    Sse::new(events).keep_alive(KeepAlive::default())
}
