//! Campaigns in the store, so a campaign outlives the process dialling it.
//!
//! A campaign is its settings (fixed), one record per number (an
//! [`Entry`]), a list of events not yet applied (status callbacks, a
//! cancellation), and a lease naming the one process that dials it.
//!
//! - Any process may *report* an event (a status callback lands anywhere).
//! - Only the lease holder changes entries: it reads the events, applies
//!   them, and *saves* the changed entries and drops the applied events in
//!   one step that first checks it still holds the lease. A process that
//!   lost its lease (paused, partitioned) cannot overwrite the new owner's
//!   claims, so an entry is never claimed twice.
//! - An event is dropped only in the save that applied it: a process that
//!   dies in between leaves it for the next owner. Applying is idempotent.

pub(super) mod memory;
pub(super) mod redis;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::campaign::{Campaign, Entry, Event as CampaignEvent, Settings};

/// One save by the lease holder.
#[derive(Clone, Copy, Debug)]
pub struct CampaignSave<'a> {
    pub id: &'a str,
    pub owner: &'a str,
    /// Renewed lease length.
    pub lease: Duration,
    /// Entries that changed, by index.
    pub entries: &'a [(usize, &'a Entry)],
    /// How many events (from the front of the list) this save applied.
    pub applied: usize,
    pub cancelled: bool,
    /// Nothing left to do: the campaign leaves the active set.
    pub finished: bool,
}

fn encode<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn decode<T: for<'de> Deserialize<'de>>(what: &str, json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

impl Store {
    /// Store a new campaign (all entries pending) and make it active; false
    /// (and nothing written) when a campaign with its id exists already.
    pub async fn create_campaign(&self, campaign: &Campaign) -> Result<bool, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.campaigns.create(campaign)),
            Store::Redis(s) => redis::create(s, campaign).await,
        }
    }

    /// A campaign as stored (events not applied yet are not in it).
    pub async fn campaign(&self, id: &str) -> Result<Option<Campaign>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.campaigns.load(id)),
            Store::Redis(s) => redis::load(s, id).await,
        }
    }

    /// Ids of the newest `limit` campaigns, newest first.
    pub async fn campaign_ids(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.campaigns.ids(limit)),
            Store::Redis(s) => redis::ids(s, limit).await,
        }
    }

    /// Campaigns with work left.
    pub async fn active_campaigns(&self) -> Result<Vec<String>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.campaigns.active()),
            Store::Redis(s) => redis::active(s).await,
        }
    }

    /// Take or renew the lease on campaign `id` for `owner`; false when
    /// another process holds it.
    pub async fn lease_campaign(
        &self,
        id: &str,
        owner: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.campaigns.lease(id, owner, ttl)),
            Store::Redis(s) => redis::lease(s, id, owner, ttl).await,
        }
    }

    /// Give the lease up (a clean shutdown), so another process need not
    /// wait for it to expire.
    pub async fn release_campaign(&self, id: &str, owner: &str) -> Result<(), StoreError> {
        match self {
            Store::Memory(s) => {
                s.campaigns.release(id, owner);
                Ok(())
            }
            Store::Redis(s) => redis::release(s, id, owner).await,
        }
    }

    /// Queue an event for the campaign's owner.
    pub async fn report_campaign(&self, id: &str, event: &CampaignEvent) -> Result<(), StoreError> {
        let json = encode(event)?;
        match self {
            Store::Memory(s) => {
                s.campaigns.report(id, json);
                Ok(())
            }
            Store::Redis(s) => redis::report(s, id, &json).await,
        }
    }

    /// Events not yet applied, oldest first. Unreadable ones are skipped
    /// (and dropped by the next save), so one bad event cannot jam a campaign.
    pub async fn campaign_events(
        &self,
        id: &str,
    ) -> Result<Vec<Option<CampaignEvent>>, StoreError> {
        let raw = match self {
            Store::Memory(s) => s.campaigns.events(id),
            Store::Redis(s) => redis::events(s, id).await?,
        };
        Ok(raw
            .iter()
            .map(|json| {
                decode::<CampaignEvent>("campaign event", json)
                    .inspect_err(
                        |e| tracing::warn!(campaign = %id, error = %e, "skipping an event"),
                    )
                    .ok()
            })
            .collect())
    }

    /// Save as the lease holder; [`StoreError::Invalid`] when the lease is
    /// no longer ours (nothing is written then).
    pub async fn save_campaign(&self, save: CampaignSave<'_>) -> Result<(), StoreError> {
        let saved = match self {
            Store::Memory(s) => s.campaigns.save(&save),
            Store::Redis(s) => redis::save(s, &save).await?,
        };
        if saved {
            Ok(())
        } else {
            Err(StoreError::Invalid(format!(
                "campaign {}: the lease is held by another process",
                save.id
            )))
        }
    }
}

/// Build a campaign from its stored parts.
fn assemble(
    settings: Settings,
    mut entries: Vec<(usize, Entry)>,
    cancelled: bool,
) -> Result<Campaign, StoreError> {
    let mut campaign = Campaign::new(settings);
    campaign.cancelled = cancelled;
    entries.sort_by_key(|(i, _)| *i);
    for (i, entry) in entries {
        if !campaign.set_entry(i, entry) {
            return Err(StoreError::Corrupt(format!(
                "campaign {}: entry {i} out of range",
                campaign.settings.id
            )));
        }
    }
    Ok(campaign)
}
