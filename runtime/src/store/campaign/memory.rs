//! Campaigns in this process's memory: the same contract as Redis, one lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::CampaignSave;
use crate::campaign::Campaign;

#[derive(Clone, Debug, Default)]
pub struct Campaigns {
    inner: Arc<Mutex<HashMap<String, Record>>>,
}

#[derive(Debug)]
struct Record {
    campaign: Campaign,
    finished: bool,
    events: Vec<String>,
    lease: Option<(String, Instant)>,
}

impl Campaigns {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Record>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn create(&self, campaign: &Campaign) -> bool {
        let mut map = self.lock();
        if map.contains_key(&campaign.settings.id) {
            return false;
        }
        map.insert(
            campaign.settings.id.clone(),
            Record {
                campaign: campaign.clone(),
                finished: false,
                events: Vec::new(),
                lease: None,
            },
        );
        true
    }

    pub fn load(&self, id: &str) -> Option<Campaign> {
        self.lock().get(id).map(|r| r.campaign.clone())
    }

    pub fn ids(&self, limit: usize) -> Vec<String> {
        let map = self.lock();
        let mut all: Vec<(i64, &String)> = map
            .iter()
            .map(|(id, r)| (r.campaign.settings.created_at, id))
            .collect();
        all.sort_by(|a, b| b.cmp(a));
        all.into_iter()
            .take(limit)
            .map(|(_, id)| id.clone())
            .collect()
    }

    pub fn active(&self) -> Vec<String> {
        self.lock()
            .iter()
            .filter(|(_, r)| !r.finished)
            .map(|(id, _)| id.clone())
            .collect()
    }

    pub fn lease(&self, id: &str, owner: &str, ttl: Duration) -> bool {
        let mut map = self.lock();
        let Some(record) = map.get_mut(id) else {
            return false;
        };
        let now = Instant::now();
        let free = match &record.lease {
            None => true,
            Some((holder, expires)) => holder == owner || *expires <= now,
        };
        if free {
            record.lease = Some((owner.to_string(), now + ttl));
        }
        free
    }

    pub fn release(&self, id: &str, owner: &str) {
        if let Some(record) = self.lock().get_mut(id)
            && record.lease.as_ref().is_some_and(|(h, _)| h == owner)
        {
            record.lease = None;
        }
    }

    pub fn report(&self, id: &str, json: String) {
        if let Some(record) = self.lock().get_mut(id) {
            record.events.push(json);
        }
    }

    pub fn events(&self, id: &str) -> Vec<String> {
        self.lock()
            .get(id)
            .map(|r| r.events.clone())
            .unwrap_or_default()
    }

    pub fn save(&self, save: &CampaignSave<'_>) -> bool {
        let mut map = self.lock();
        let Some(record) = map.get_mut(save.id) else {
            return false;
        };
        let now = Instant::now();
        match &record.lease {
            Some((holder, expires)) if holder == save.owner && *expires > now => {}
            _ => return false,
        }
        record.lease = Some((save.owner.to_string(), now + save.lease));
        for (i, entry) in save.entries {
            record.campaign.set_entry(*i, (*entry).clone());
        }
        record.events.drain(..save.applied.min(record.events.len()));
        record.campaign.cancelled |= save.cancelled;
        if save.finished {
            record.finished = true;
            record.lease = None;
        }
        true
    }
}
