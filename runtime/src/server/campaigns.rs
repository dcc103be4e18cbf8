//! `/api/campaigns`: create, follow and cancel campaigns; and calls scheduled
//! for later (`POST /api/calls` with `at`), which are campaigns of one.
//! Thin: validate the request into [`Settings`], store it, answer JSON. The
//! dialer (`dialer.rs`) does the dialling.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::App;
use crate::campaign::{Campaign, Event, Outcome, Retry, Settings, Target, Window};
use crate::providers::Provider;
use ivr_compiler::phone::e164;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignRequest {
    flow: String,
    provider: Provider,
    numbers: Vec<Number>,
    #[serde(default)]
    from: Option<String>,
    /// Variables every call starts with (a number's own `vars` win).
    #[serde(default)]
    vars: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    rate_per_sec: Option<f64>,
    #[serde(default)]
    max_concurrent: Option<u32>,
    #[serde(default)]
    retry: Option<RetryRequest>,
    #[serde(default)]
    window: Option<WindowRequest>,
    /// RFC 3339 instant: dial nothing before it.
    #[serde(default)]
    at: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Plain(String),
    Detailed {
        to: String,
        #[serde(default)]
        vars: BTreeMap<String, serde_json::Value>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetryRequest {
    on: Vec<String>,
    attempts: u32,
    /// Seconds (`30`), or with a unit: `"30s"`, `"5m"`, `"1h"`.
    #[serde(default)]
    backoff: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowRequest {
    #[serde(default)]
    days: Vec<String>,
    start: String,
    end: String,
    /// Defaults to the flow's time zone.
    #[serde(default)]
    timezone: Option<String>,
}

/// Largest campaign accepted in one request.
const MAX_NUMBERS: usize = 100_000;
const MAX_RATE: f64 = 1_000.0;
/// One call every 1,000 seconds at the slowest.
const MIN_RATE: f64 = 0.001;

/// A request we cannot serve: its status and JSON body.
pub(crate) struct Problem(StatusCode, serde_json::Value);

impl Problem {
    pub(crate) fn status(&self) -> StatusCode {
        self.0
    }

    /// The `error` text, for pages that say it in their own words.
    pub(crate) fn message(&self) -> String {
        self.1["error"].as_str().unwrap_or("").to_string()
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> Problem {
    Problem(status, json!({ "error": message.into() }))
}

fn store_error(e: crate::store::StoreError) -> Problem {
    error(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
}

/// The id of a campaign asked for with `Idempotency-Key: key`: the same key
/// is the same campaign, so a client that retries a request it never got an
/// answer to does not start a second one.
fn keyed_id(key: &str) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(key.as_bytes());
    format!("cmp_k{}", hex::encode(&hash[..10]))
}

/// The request's `Idempotency-Key`, if it has a usable one.
pub fn idempotency_key(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .map(str::to_string)
}

/// A campaign id: short, unguessable enough to not collide, sortable by time.
fn new_id(now: i64) -> String {
    crate::id::new("cmp_", now)
}

fn backoff_ms(value: Option<&serde_json::Value>) -> Result<u64, String> {
    let bad = |v: &dyn std::fmt::Display| {
        format!(
            "`retry.backoff` {v} is not a duration: give seconds (30) or \"30s\", \"5m\", \"1h\""
        )
    };
    let Some(value) = value else {
        return Ok(Retry::default().backoff_ms);
    };
    let seconds = match value {
        serde_json::Value::Number(n) => n.as_f64().ok_or_else(|| bad(n))?,
        serde_json::Value::String(s) => {
            let t = s.trim();
            match ivr_compiler::duration::parse_ms(t) {
                Some(ms) => ms as f64 / 1000.0,
                None => t.parse::<f64>().map_err(|_| bad(s))?,
            }
        }
        other => return Err(bad(other)),
    };
    if !(0.0..=86_400.0).contains(&seconds) {
        return Err(format!(
            "`retry.backoff` must be between 0 and 24 hours, not {seconds} s"
        ));
    }
    Ok((seconds * 1000.0) as u64)
}

fn parse_at(at: &str) -> Result<i64, String> {
    at.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| format!("`at` {at:?} is not an RFC 3339 time (2026-11-21T18:30:00+05:30)"))
}

/// Check a request against the flows we serve; every problem at once.
fn settings(
    app: &App,
    request: CampaignRequest,
    key: Option<&str>,
    now: i64,
) -> Result<Settings, Problem> {
    let Some(graph) = app.registry.current(&request.flow) else {
        return Err(error(
            StatusCode::NOT_FOUND,
            format!("no flow named `{}`", request.flow),
        ));
    };
    // Better now than as a failed attempt per number later.
    let missing = app.outside.config.missing(request.provider);
    if !missing.is_empty() {
        return Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{} calls are not configured: set {}",
                request.provider,
                missing.join(", ")
            ),
        ));
    }
    let mut problems = Vec::new();
    if request.numbers.is_empty() {
        problems.push("`numbers` is empty".to_string());
    }
    if request.numbers.len() > MAX_NUMBERS {
        problems.push(format!("at most {MAX_NUMBERS} numbers per campaign"));
    }
    let mut targets = Vec::with_capacity(request.numbers.len());
    let mut bad_numbers = 0;
    for number in request.numbers {
        let (to, own) = match number {
            Number::Plain(to) => (to, BTreeMap::new()),
            Number::Detailed { to, vars } => (to, vars),
        };
        match e164(&to) {
            Ok(to) => {
                let mut vars = request.vars.clone();
                vars.extend(own);
                targets.push(Target { to, vars });
            }
            Err(why) => {
                bad_numbers += 1;
                if bad_numbers <= 5 {
                    problems.push(why);
                }
            }
        }
    }
    if bad_numbers > 5 {
        problems.push(format!("… and {} more invalid numbers", bad_numbers - 5));
    }
    let rate = request.rate_per_sec.unwrap_or(1.0);
    if !(MIN_RATE..=MAX_RATE).contains(&rate) {
        problems.push(format!(
            "`rate_per_sec` must be between {MIN_RATE} and {MAX_RATE}"
        ));
    }
    let max_concurrent = request.max_concurrent.unwrap_or(10);
    if max_concurrent == 0 {
        problems.push("`max_concurrent` must be at least 1".into());
    }
    let retry = match request.retry {
        None => Retry::default(),
        Some(r) => {
            let mut on = Vec::new();
            for word in &r.on {
                match Outcome::parse(word) {
                    Some(o) if o != Outcome::Completed && o != Outcome::Unconfirmed => on.push(o),
                    _ => problems.push(format!(
                        "`retry.on` {word:?}: expected busy, no-answer, failed or canceled"
                    )),
                }
            }
            if !(1..=10).contains(&r.attempts) {
                problems.push(
                    "`retry.attempts` counts every attempt, the first included: 1 to 10".into(),
                );
            }
            match backoff_ms(r.backoff.as_ref()) {
                Ok(backoff_ms) => Retry {
                    on,
                    attempts: r.attempts,
                    backoff_ms,
                },
                Err(why) => {
                    problems.push(why);
                    Retry::default()
                }
            }
        }
    };
    let window = match request.window {
        None => None,
        Some(w) => {
            let zone = w.timezone.as_deref().unwrap_or(&graph.timezone);
            match Window::new(&w.days, &w.start, &w.end, zone) {
                Ok(window) => Some(window),
                Err(why) => {
                    problems.push(format!("`window`: {why}"));
                    None
                }
            }
        }
    };
    let start_at = match request.at.as_deref().map(parse_at).transpose() {
        Ok(at) => at.unwrap_or(now),
        Err(why) => {
            problems.push(why);
            now
        }
    };
    if !problems.is_empty() {
        return Err(Problem(
            StatusCode::BAD_REQUEST,
            json!({ "error": problems.join("; "), "problems": problems }),
        ));
    }
    Ok(Settings {
        id: key.map_or_else(|| new_id(now), keyed_id),
        flow: request.flow,
        provider: request.provider,
        from: request.from,
        targets,
        rate_per_sec: rate,
        max_concurrent,
        retry,
        window,
        start_at,
        created_at: now,
    })
}

/// Store a new campaign; the one already stored under its id when an
/// idempotency key made that id before (false: not created now).
async fn store_new(app: &App, campaign: Campaign) -> Result<(Campaign, bool), Problem> {
    match app.store.create_campaign(&campaign).await {
        Ok(true) => {
            tracing::info!(campaign = ?campaign.settings.id, numbers = campaign.entries().len(), "campaign created");
            Ok((campaign, true))
        }
        Ok(false) => Ok((current(app, &campaign.settings.id).await?, false)),
        Err(e) => Err(store_error(e)),
    }
}

/// `POST /api/campaigns` → 201 with the campaign's progress (200 with the
/// existing one for an `Idempotency-Key` seen before).
pub async fn create(
    State(app): State<App>,
    headers: axum::http::HeaderMap,
    body: Result<Json<CampaignRequest>, JsonRejection>,
) -> Response {
    let Json(request) = match body {
        Ok(body) => body,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()).into_response(),
    };
    let now = app.now();
    let key = idempotency_key(&headers);
    let settings = match settings(&app, request, key.as_deref(), now) {
        Ok(s) => s,
        Err(problem) => return problem.into_response(),
    };
    let (campaign, created) = match store_new(&app, Campaign::new(settings)).await {
        Ok(stored) => stored,
        Err(problem) => return problem.into_response(),
    };
    let mut progress = serde_json::to_value(campaign.progress(now)).unwrap_or_default();
    progress["numbers"] = json!(campaign.entries().len());
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, Json(progress)).into_response()
}

/// A stored campaign with its queued events applied, as the owner will see
/// it on its next tick.
pub(crate) async fn current(app: &App, id: &str) -> Result<Campaign, Problem> {
    let mut campaign = match app.store.campaign(id).await {
        Ok(Some(c)) => c,
        Ok(None) => return Err(error(StatusCode::NOT_FOUND, "no such campaign")),
        Err(e) => return Err(store_error(e)),
    };
    let now = app.now();
    for event in app
        .store
        .campaign_events(id)
        .await
        .map_err(store_error)?
        .into_iter()
        .flatten()
    {
        campaign.apply(&event, now);
    }
    Ok(campaign)
}

#[derive(Deserialize)]
pub struct Page {
    offset: Option<usize>,
    limit: Option<usize>,
}

/// Numbers shown per page unless asked otherwise, and at most.
const PAGE: usize = 1_000;
const MAX_PAGE: usize = 10_000;

/// `GET /api/campaigns/{id}?offset=&limit=`: counts per state (of every
/// number) and a page of numbers with their outcomes.
pub async fn show(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(page): Query<Page>,
) -> Response {
    let campaign = match current(&app, &id).await {
        Ok(c) => c,
        Err(problem) => return problem.into_response(),
    };
    let mut progress = campaign.progress(app.now());
    let total = progress.numbers.len();
    let offset = page.offset.unwrap_or(0).min(total);
    let limit = page.limit.unwrap_or(PAGE).min(MAX_PAGE);
    progress.numbers = progress.numbers.split_off(offset);
    progress.numbers.truncate(limit);
    let mut body = serde_json::to_value(progress).unwrap_or_default();
    body["numbers_total"] = json!(total);
    body["offset"] = json!(offset);
    Json(body).into_response()
}

#[derive(Deserialize)]
pub struct Limit {
    limit: Option<usize>,
}

/// `GET /api/campaigns`: the newest campaigns, counts only.
pub async fn list(State(app): State<App>, Query(q): Query<Limit>) -> Response {
    let ids = match app.store.campaign_ids(q.limit.unwrap_or(50).min(500)).await {
        Ok(ids) => ids,
        Err(e) => return store_error(e).into_response(),
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Ok(campaign) = current(&app, &id).await {
            let mut progress =
                serde_json::to_value(campaign.progress(app.now())).unwrap_or_default();
            progress["numbers"] = json!(campaign.entries().len());
            out.push(progress);
        }
    }
    Json(json!({ "campaigns": out })).into_response()
}

/// `DELETE /api/campaigns/{id}`: no new dials; calls in progress finish.
pub async fn cancel(State(app): State<App>, Path(id): Path<String>) -> Response {
    match cancel_campaign(&app, &id).await {
        Ok(campaign) => Json(campaign.progress(app.now())).into_response(),
        Err(problem) => problem.into_response(),
    }
}

/// Cancel a campaign (for the API and the console alike).
pub(crate) async fn cancel_campaign(app: &App, id: &str) -> Result<Campaign, Problem> {
    let mut campaign = current(app, id).await?;
    app.store
        .report_campaign(id, &Event::Cancel)
        .await
        .map_err(store_error)?;
    campaign.cancel();
    tracing::info!(campaign = ?id, "campaign cancelled");
    Ok(campaign)
}

/// A call to place later (`POST /api/calls` with `at`).
pub struct ScheduledCall {
    pub flow: String,
    pub provider: Provider,
    pub to: String,
    pub from: Option<String>,
    pub vars: BTreeMap<String, serde_json::Value>,
    pub at: String,
}

/// `POST /api/calls` with `at`: a campaign of one number, 202.
pub async fn schedule_call(app: &App, call: ScheduledCall, key: Option<&str>) -> Response {
    let ScheduledCall {
        flow,
        provider,
        to,
        from,
        vars,
        at,
    } = call;
    let request = CampaignRequest {
        flow,
        provider,
        numbers: vec![Number::Plain(to)],
        from,
        vars,
        rate_per_sec: Some(1.0),
        max_concurrent: Some(1),
        retry: None,
        window: None,
        at: Some(at),
    };
    let now = app.now();
    let settings = match settings(app, request, key, now) {
        Ok(s) => s,
        Err(problem) => return problem.into_response(),
    };
    let campaign = match store_new(app, Campaign::new(settings)).await {
        Ok((campaign, _)) => campaign,
        Err(problem) => return problem.into_response(),
    };
    let s = &campaign.settings;
    (
        StatusCode::ACCEPTED,
        Json(json!({
            "campaign": s.id,
            "status": "scheduled",
            "at": jiff::Timestamp::from_millisecond(s.start_at).map(|t| t.to_string()).unwrap_or_default(),
            "flow": s.flow,
            "provider": s.provider,
            "to": s.targets[0].to,
        })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;
    use serde_json::json;

    #[test]
    fn backoff_reads_seconds_and_units() {
        assert_eq!(backoff_ms(Some(&json!(30))), Ok(30_000));
        assert_eq!(backoff_ms(Some(&json!("5m"))), Ok(300_000));
        assert_eq!(backoff_ms(Some(&json!("1h"))), Ok(3_600_000));
        assert_eq!(backoff_ms(Some(&json!("250ms"))), Ok(250));
        assert!(backoff_ms(Some(&json!("soon"))).is_err());
        assert!(backoff_ms(Some(&json!(-1))).is_err());
    }
}
