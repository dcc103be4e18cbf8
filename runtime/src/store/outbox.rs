//! The outbox of call records: finished calls whose history record has not
//! yet been acknowledged by PostgreSQL (`ivr serve --records`, see
//! `crate::records`).
//!
//! A call enters the outbox in the same store operation that finishes it (the
//! commit of its last turn, a final status callback, a transcript of an ended
//! call), so a call the store acknowledged as finished is in the outbox; it
//! leaves only when the record writer says PostgreSQL has it
//! ([`super::Store::recorded`]). Each entry carries a mark that changes
//! whenever the call is finished again (a status callback after the last
//! turn): the writer's acknowledgement removes the entry only if the mark is
//! still the one it wrote, so a later change is written too. Marks are
//! microseconds since the epoch made strictly increasing, so they order a
//! call's versions across restarts and replicas: PostgreSQL keeps the row
//! with the highest mark, and a slow writer cannot put an older version
//! back. (The clock here orders records; it is not call data.)
//!
//! The outbox is bounded (`StoreConfig::outbox_capacity`, 0: off): when it
//! is full the oldest entry is dropped and counted in
//! `ivr_records_dropped_total{reason="outbox_full"}`. This file is the memory
//! store's; `turn.lua`, `status.lua` and `outbox.lua` keep the same rules in
//! Redis.

use std::collections::{BTreeMap, HashMap};

/// A finished call waiting to be recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub call_id: String,
    /// Changes every time the call is finished again; give it back to
    /// [`super::Store::recorded`].
    pub mark: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Outbox {
    capacity: usize,
    /// The newest mark given.
    next: u64,
    marks: HashMap<String, u64>,
    /// Call ids by mark: the oldest first.
    order: BTreeMap<u64, String>,
}

/// Count records lost because the outbox was full.
pub(crate) fn count_dropped(n: u64) {
    if n > 0 {
        metrics::counter!("ivr_records_dropped_total", "reason" => "outbox_full").increment(n);
    }
}

impl Outbox {
    pub(crate) fn new(capacity: usize) -> Outbox {
        Outbox {
            capacity,
            ..Outbox::default()
        }
    }

    /// Put (or put again, with a new mark) a finished call.
    pub(crate) fn add(&mut self, call_id: &str) {
        if self.capacity == 0 {
            return;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        self.next = now.max(self.next + 1);
        if let Some(old) = self.marks.insert(call_id.to_string(), self.next) {
            self.order.remove(&old);
        }
        self.order.insert(self.next, call_id.to_string());
        let mut dropped = 0;
        while self.order.len() > self.capacity {
            if let Some((_, oldest)) = self.order.pop_first() {
                self.marks.remove(&oldest);
                dropped += 1;
            }
        }
        count_dropped(dropped);
    }

    /// The oldest `limit` entries.
    pub(crate) fn pending(&self, limit: usize) -> Vec<Pending> {
        self.order
            .iter()
            .take(limit)
            .map(|(mark, call_id)| Pending {
                call_id: call_id.clone(),
                mark: *mark,
            })
            .collect()
    }

    /// PostgreSQL has the call as it was at `mark`: forget it, unless it
    /// was finished again since.
    pub(crate) fn done(&mut self, call_id: &str, mark: u64) {
        if self.marks.get(call_id) == Some(&mark) {
            self.marks.remove(call_id);
            self.order.remove(&mark);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_finished_again_is_kept_until_its_new_mark_is_acknowledged() {
        let mut outbox = Outbox::new(10);
        outbox.add("CA1");
        let first = outbox.pending(10);
        outbox.add("CA1");
        outbox.done("CA1", first[0].mark);
        let left = outbox.pending(10);
        assert_eq!(left.len(), 1, "the newer status must still be written");
        outbox.done("CA1", left[0].mark);
        assert!(outbox.pending(10).is_empty());
    }

    #[test]
    fn a_full_outbox_drops_the_oldest_and_an_empty_capacity_keeps_nothing() {
        let mut outbox = Outbox::new(2);
        for id in ["CA1", "CA2", "CA3"] {
            outbox.add(id);
        }
        let ids: Vec<String> = outbox.pending(10).into_iter().map(|p| p.call_id).collect();
        assert_eq!(ids, ["CA2", "CA3"]);
        let mut off = Outbox::new(0);
        off.add("CA1");
        assert!(off.pending(10).is_empty());
    }
}
