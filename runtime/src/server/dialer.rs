//! The dialer: a background task that runs the campaigns this process holds
//! the lease of. Every tick, for each campaign it owns, it applies queued
//! events (status callbacks, a cancellation), claims the numbers that are
//! due (within the pace, the concurrency cap and the window), *saves the
//! claims*, and only then places the calls. So a process killed at any point
//! leaves every number either not yet claimed (dialled later by whoever
//! takes over) or claimed (never dialled blindly again: the next owner waits
//! for its status callback, or asks the provider).
//!
//! Several replicas may run a dialer on one Redis: a campaign is dialled by
//! one lease holder at a time, and a holder that lost its lease cannot save.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::mpsc;

use super::App;
pub use super::config::DialerConfig;
use crate::campaign::{Campaign, Outcome};
use crate::engine::{Caller, Direction};
use crate::providers::rest::{Placement, RestError};
use crate::store::{CallSummary, CampaignSave, StoreError};

/// What a dial or a lookup task found, sent back to the loop.
#[derive(Debug)]
enum Found {
    /// The provider took the call.
    Placed(String),
    /// The provider refused it (final for this attempt).
    Refused(String),
    /// The provider said how the call ended (or that it is still going: None).
    Status(Option<String>, Option<Outcome>),
    /// The provider has no call for this claim: it never left.
    NotPlaced,
    /// We cannot know (request lost in flight, provider cannot list calls).
    Unknown,
}

struct Report {
    campaign: String,
    entry: usize,
    attempt: u32,
    found: Found,
}

/// A campaign this process holds the lease of.
struct Owned {
    campaign: Campaign,
    pace: DefaultDirectRateLimiter,
    /// Entries changed since the last save.
    dirty: HashSet<usize>,
    last_save: Instant,
    last_events: Instant,
    last_reconcile: Instant,
    /// Lookups under way, so one entry is asked after once at a time.
    asking: HashSet<(usize, u32)>,
}

impl Owned {
    fn new(campaign: Campaign) -> Owned {
        // GCRA with a burst of a quarter second's worth (at least one): the
        // dialer may make up a stall of that long (a busy machine), and no
        // window of T seconds sees more than rate × T + burst dials. It
        // starts empty, so a campaign does not open with a burst.
        let rate = campaign.settings.rate_per_sec;
        // Rates are validated (0.001–1000/s); a stored one outside that
        // still must not panic the dialer.
        let period = Duration::try_from_secs_f64(1.0 / rate).unwrap_or(Duration::from_secs(1000));
        let burst = NonZeroU32::new(((rate / 4.0).ceil() as u32).max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        let pace = RateLimiter::direct(quota);
        let _ = pace.check_n(burst);
        let long_ago = Instant::now() - Duration::from_secs(3600);
        Owned {
            campaign,
            pace,
            dirty: HashSet::new(),
            last_save: Instant::now(),
            last_events: long_ago,
            last_reconcile: long_ago,
            asking: HashSet::new(),
        }
    }
}

/// Start the dialer for `app`; it runs until the process ends. Should it
/// ever panic, it is started again (its campaigns are in the store).
pub fn spawn(app: App) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match tokio::spawn(run(app.clone())).await {
                Err(e) if e.is_panic() => {
                    tracing::error!("the dialer panicked; restarting it");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                _ => return,
            }
        }
    })
}

async fn run(app: App) {
    let config = app.config.dialer.clone();
    // Who holds a lease: this process, apart from every other replica.
    let owner = crate::id::new("", app.now());
    let (tx, mut rx) = mpsc::unbounded_channel::<Report>();
    let mut owned: HashMap<String, Owned> = HashMap::new();
    let mut last_scan = Instant::now() - config.scan;
    let mut tick = tokio::time::interval(config.tick);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = app.now();
        while let Ok(report) = rx.try_recv() {
            if let Some(o) = owned.get_mut(&report.campaign) {
                absorb(o, report, now);
            }
        }
        if last_scan.elapsed() >= config.scan {
            last_scan = Instant::now();
            adopt(&app, &owner, &mut owned).await;
        }
        let mut dropped = Vec::new();
        for (id, o) in owned.iter_mut() {
            match turn(&app, &owner, o, &tx).await {
                Ok(true) => {}
                Ok(false) => dropped.push(id.clone()),
                Err(e) => {
                    // Our picture may be ahead of the store: forget it and
                    // take the campaign up again from the store later.
                    tracing::warn!(campaign = ?id, error = %e, "campaign set aside");
                    dropped.push(id.clone());
                }
            }
        }
        for id in dropped {
            owned.remove(&id);
        }
    }
}

/// Take up active campaigns nobody holds.
async fn adopt(app: &App, owner: &str, owned: &mut HashMap<String, Owned>) {
    let ids = match app.store.active_campaigns().await {
        Ok(ids) => ids,
        Err(e) => {
            tracing::debug!(error = %e, "cannot list campaigns");
            return;
        }
    };
    for id in ids {
        if owned.contains_key(&id) {
            continue;
        }
        match app
            .store
            .lease_campaign(&id, owner, app.config.dialer.lease)
            .await
        {
            Ok(true) => {}
            _ => continue,
        }
        match app.store.campaign(&id).await {
            Ok(Some(campaign)) => {
                let dialing = campaign.dialing();
                tracing::info!(campaign = ?id, dialing, "campaign taken up");
                owned.insert(id, Owned::new(campaign));
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(campaign = ?id, error = %e, "cannot load campaign"),
        }
    }
}

/// Fold a task's finding into the campaign.
fn absorb(o: &mut Owned, report: Report, now: i64) {
    let Report {
        entry,
        attempt,
        found,
        ..
    } = report;
    o.asking.remove(&(entry, attempt));
    let c = &mut o.campaign;
    let changed = match found {
        Found::Placed(sid) => c.placed(entry, attempt, &sid),
        Found::Refused(why) => c.finish(entry, attempt, Outcome::Failed, Some(why), now),
        Found::Status(sid, outcome) => {
            let placed = sid.is_some_and(|sid| c.placed(entry, attempt, &sid));
            let finished = outcome.is_some_and(|out| c.finish(entry, attempt, out, None, now));
            placed || finished
        }
        Found::NotPlaced => c.not_placed(entry, attempt, now),
        Found::Unknown => false,
    };
    if changed {
        o.dirty.insert(entry);
    }
}

/// One tick of one campaign; false once it is finished or no longer ours.
async fn turn(
    app: &App,
    owner: &str,
    o: &mut Owned,
    tx: &mpsc::UnboundedSender<Report>,
) -> Result<bool, StoreError> {
    let config = &app.config.dialer;
    let id = o.campaign.settings.id.clone();
    let now = app.now();
    // Events (callbacks from any replica) every 50 ms is plenty.
    let mut applied = 0;
    if o.last_events.elapsed() >= Duration::from_millis(50) {
        o.last_events = Instant::now();
        let events = app.store.campaign_events(&id).await?;
        applied = events.len();
        for event in events.iter().flatten() {
            o.dirty.extend(o.campaign.apply(event, now));
        }
    }
    let mut claimed = Vec::new();
    let ready = o.campaign.ready(now);
    let mut allowed = 0;
    while allowed < ready && o.pace.check().is_ok() {
        allowed += 1;
    }
    if allowed > 0 {
        claimed = o.campaign.claim(now, allowed);
        o.dirty.extend(claimed.iter().copied());
    }
    let finished = o.campaign.is_finished();
    let renew = o.last_save.elapsed() >= config.lease / 3;
    if !o.dirty.is_empty() || applied > 0 || finished || renew {
        let entries: Vec<(usize, &crate::campaign::Entry)> = o
            .dirty
            .iter()
            .map(|i| (*i, &o.campaign.entries()[*i]))
            .collect();
        app.store
            .save_campaign(CampaignSave {
                id: &id,
                owner,
                lease: config.lease,
                entries: &entries,
                applied,
                cancelled: o.campaign.cancelled,
                finished,
            })
            .await?;
        o.dirty.clear();
        o.last_save = Instant::now();
    }
    // Saved: the claims are on record, so the calls may go out.
    for entry in claimed {
        dial(app, o, entry, tx.clone());
    }
    if finished {
        tracing::info!(campaign = ?id, "campaign finished");
        return Ok(false);
    }
    if o.last_reconcile.elapsed() >= config.reconcile_after.min(config.unplaced_after) / 2 {
        o.last_reconcile = Instant::now();
        reconcile(app, o, now, tx);
    }
    Ok(true)
}

/// Place the call for a saved claim, in the background.
fn dial(app: &App, o: &Owned, entry: usize, tx: mpsc::UnboundedSender<Report>) {
    let settings = &o.campaign.settings;
    let attempt = o.campaign.entries()[entry].attempts;
    let target = settings.targets[entry].clone();
    let (id, flow, provider, from) = (
        settings.id.clone(),
        settings.flow.clone(),
        settings.provider,
        settings.from.clone(),
    );
    let app = app.clone();
    tokio::spawn(async move {
        let base_url = app.config.base_url();
        let tag = format!("ivr_campaign={id}&ivr_entry={entry}&ivr_attempt={attempt}");
        let placement = Placement {
            provider,
            to: &target.to,
            from: from.as_deref(),
            flow: &flow,
            vars: &target.vars,
            base_url: &base_url,
            webhooks: &app.config.webhooks,
            status_tag: Some(&tag),
            detect_machine: app
                .registry
                .current(&flow)
                .is_some_and(|g| g.reads_answered_by),
        };
        let found = match app.outside.call(&placement).await {
            Ok(placed) => {
                metrics::counter!("ivr_campaign_calls_total", "outcome" => "placed").increment(1);
                record(&app, &placed.call_id, &placed.from, &target.to, &flow).await;
                Found::Placed(placed.call_id)
            }
            Err(RestError::Unreachable(why)) => {
                // The request may or may not have reached the provider: the
                // claim stays open until a callback or a lookup settles it.
                tracing::warn!(campaign = ?id, entry, error = %why, "placing a call: no answer");
                Found::Unknown
            }
            Err(e) => {
                metrics::counter!("ivr_campaign_calls_total", "outcome" => "refused").increment(1);
                Found::Refused(e.to_string())
            }
        };
        let _ = tx.send(Report {
            campaign: id,
            entry,
            attempt,
            found,
        });
    });
}

/// The placed call in the call history, as `POST /api/calls` does.
async fn record(app: &App, call_id: &str, from: &str, to: &str, flow: &str) {
    let Some(graph) = app.registry.current(flow) else {
        return;
    };
    let summary = CallSummary::placed(
        call_id,
        flow,
        &graph.version,
        // The customer is `call.from` (docs/LANGUAGE.md), as the webhooks say.
        Caller {
            from: to.to_string(),
            to: from.to_string(),
            direction: Direction::Outbound,
            answered_by: None,
        },
        app.now(),
    );
    if let Err(e) = app.store.placed(&summary).await {
        tracing::warn!(call_sid = ?call_id, error = %e, "could not record a placed call");
    }
}

/// Ask the provider about claims that have gone quiet.
fn reconcile(app: &App, o: &mut Owned, now: i64, tx: &mpsc::UnboundedSender<Report>) {
    let config = &app.config.dialer;
    let quiet = now - config.reconcile_after.as_millis() as i64;
    let unplaced = now - config.unplaced_after.as_millis() as i64;
    let provider = o.campaign.settings.provider;
    for (entry, attempt, call_id) in o.campaign.stale(quiet.max(unplaced)) {
        let claimed_at = match o.campaign.entries()[entry].state {
            crate::campaign::EntryState::Dialing { claimed_at, .. } => claimed_at,
            _ => continue,
        };
        let due = match call_id {
            Some(_) => claimed_at < quiet,
            None => claimed_at < unplaced,
        };
        if !due || !o.asking.insert((entry, attempt)) {
            continue;
        }
        let app = app.clone();
        let tx = tx.clone();
        let id = o.campaign.settings.id.clone();
        let to = o.campaign.settings.targets[entry].to.clone();
        tokio::spawn(async move {
            let found = lookup(&app, provider, call_id.as_deref(), &to, claimed_at).await;
            tracing::info!(campaign = ?id, entry, attempt, ?found, "looked up a quiet call");
            let _ = tx.send(Report {
                campaign: id,
                entry,
                attempt,
                found,
            });
        });
    }
}

async fn lookup(
    app: &App,
    provider: crate::providers::Provider,
    call_id: Option<&str>,
    to: &str,
    claimed_at: i64,
) -> Found {
    let status = |s: &str| Outcome::parse(s);
    match call_id {
        Some(sid) => match app.outside.call_record(provider, sid).await {
            Ok(call) => Found::Status(None, status(&call.status)),
            Err(_) => Found::Unknown,
        },
        None => match app.outside.calls_to(provider, to).await {
            // Allow for clock skew between us and the provider.
            Ok(Some(calls)) => match calls
                .into_iter()
                .find(|c| c.created_at.is_none_or(|t| t >= claimed_at - 5_000))
            {
                Some(call) => Found::Status(Some(call.sid), status(&call.status)),
                None => Found::NotPlaced,
            },
            Ok(None) => Found::Status(None, Some(Outcome::Unconfirmed)),
            Err(_) => Found::Unknown,
        },
    }
}

/// A status callback of a campaign call: queue its outcome for the owner.
/// `params` are the callback's query parameters (our tag) and `status` the
/// provider's final word.
pub async fn report(app: &App, tag: &crate::providers::Params, call_id: &str, status: &str) {
    let (Some(id), Some(entry), Some(attempt)) = (
        tag.get("ivr_campaign"),
        tag.get("ivr_entry").and_then(|v| v.parse().ok()),
        tag.get("ivr_attempt").and_then(|v| v.parse().ok()),
    ) else {
        return;
    };
    let Some(outcome) = Outcome::parse(status).filter(|o| *o != Outcome::Unconfirmed) else {
        return;
    };
    let event = crate::campaign::Event::Outcome {
        entry,
        attempt,
        outcome,
        call_id: call_id.to_string(),
    };
    if let Err(e) = app.store.report_campaign(id, &event).await {
        tracing::warn!(campaign = ?id, error = %e, "could not queue a campaign outcome");
    }
}
