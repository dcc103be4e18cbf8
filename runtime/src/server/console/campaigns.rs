//! The console's campaigns: each campaign's progress, the outcome per
//! number, and a button to cancel it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::{mask, view};
use crate::server::App;
use crate::server::campaigns::{cancel_campaign, current};

/// Campaigns listed, and numbers shown on a campaign's page.
const NEWEST: usize = 100;
const NUMBERS: usize = 1_000;

pub async fn list(State(app): State<App>) -> Response {
    let ids = match app.store.campaign_ids(NEWEST).await {
        Ok(ids) => ids,
        Err(e) => return view::missing(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    };
    let mut campaigns = Vec::with_capacity(ids.len());
    for id in ids {
        if let Ok(campaign) = current(&app, &id).await {
            let total = campaign.entries().len();
            let mut progress = campaign.progress(app.now());
            progress.numbers.clear();
            campaigns.push(context! { progress, total });
        }
    }
    view::page(StatusCode::OK, "campaigns.html", context! { campaigns })
}

pub async fn show(State(app): State<App>, Path(id): Path<String>) -> Response {
    let campaign = match current(&app, &id).await {
        Ok(campaign) => campaign,
        Err(problem) => return view::missing(problem.status(), &problem.message()),
    };
    let mut progress = campaign.progress(app.now());
    let total = progress.numbers.len();
    progress.numbers.truncate(NUMBERS);
    if app.config.mask_numbers {
        for number in &mut progress.numbers {
            number.to = mask::number(&number.to);
        }
    }
    let open = !matches!(progress.state, "done" | "cancelled");
    view::page(
        StatusCode::OK,
        "campaign.html",
        context! { progress, total, shown => NUMBERS.min(total), open },
    )
}

pub async fn cancel(State(app): State<App>, Path(id): Path<String>) -> Response {
    match cancel_campaign(&app, &id).await {
        Ok(_) => Redirect::to(&format!("/console/campaigns/{}", url_segment(&id))).into_response(),
        Err(problem) => view::missing(problem.status(), &problem.message()),
    }
}

/// A campaign id as one path segment (ids are ours, but never trust a path).
fn url_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}
