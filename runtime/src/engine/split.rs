//! `split`: which branch a call takes.
//!
//! The choice is a pure function of the call id and the node's name: a
//! SHA-256 of both, read as a number, picks a point in 0–9 999 basis points,
//! and the branch whose share covers that point wins. So a call takes the same
//! branch however often it passes the node (and on every replica), two splits
//! in one flow choose independently, and across many calls each branch gets
//! its share.

use ivr_compiler::graph::Share;
use sha2::{Digest, Sha256};

use super::CallState;

/// The branch this call takes; a pinned branch (a scenario's) wins. `None`
/// only for a split without branches, which the checker refuses.
pub(super) fn choose<'s>(
    branches: &'s [Share],
    state: &CallState,
    node: &str,
) -> Option<&'s Share> {
    if let Some(pinned) = state.pinned.get(node)
        && let Some(share) = branches.iter().find(|b| &b.name == pinned)
    {
        return Some(share);
    }
    branch_for(branches, &state.call_id, node)
}

/// The branch a call with this id takes at the split `node` when nothing is
/// pinned. Public so a test driving a real provider can pick a call id that
/// takes a wanted branch.
pub fn branch_for<'s>(branches: &'s [Share], call_id: &str, node: &str) -> Option<&'s Share> {
    let point = point(call_id, node);
    let mut covered = 0;
    for share in branches {
        covered += share.weight;
        if point < covered {
            return Some(share);
        }
    }
    // Shares that fall short of 100 % (refused by the checker): the last
    // branch takes the rest rather than leaving the caller nowhere.
    branches.last()
}

/// Where a call falls for the split at `node`, in 0–9 999.
fn point(call_id: &str, node: &str) -> u32 {
    let mut hash = Sha256::new();
    hash.update(call_id.as_bytes());
    // The separator keeps ("ab", "c") and ("a", "bc") apart.
    hash.update([0]);
    hash.update(node.as_bytes());
    let digest = hash.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % u64::from(Share::WHOLE)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use ivr_compiler::graph::NodeId;

    fn shares(weights: &[(&str, u32)]) -> Vec<Share> {
        weights
            .iter()
            .enumerate()
            .map(|(i, (name, weight))| Share {
                name: name.to_string(),
                weight: *weight,
                target: NodeId(i as u32),
            })
            .collect()
    }

    fn state(call_id: &str) -> CallState {
        let mut s = crate::engine::tests::state_with(serde_json::json!({}));
        s.call_id = call_id.into();
        s
    }

    #[test]
    fn the_same_call_always_takes_the_same_branch() {
        let branches = shares(&[("a", 5_000), ("b", 5_000)]);
        for i in 0..50 {
            let s = state(&format!("CA{i:032}"));
            let first = choose(&branches, &s, "test").unwrap().name.clone();
            for _ in 0..3 {
                assert_eq!(choose(&branches, &s, "test").unwrap().name, first);
            }
        }
    }

    #[test]
    fn calls_spread_by_share() {
        let branches = shares(&[("new", 1_000), ("old", 9_000)]);
        let n = 20_000;
        let new = (0..n)
            .filter(|i| {
                choose(&branches, &state(&format!("CA{i:x}")), "greeting")
                    .unwrap()
                    .name
                    == "new"
            })
            .count();
        // 10 % of 20 000 is 2 000; a fair hash stays well within ±200 (> 4σ).
        assert!((1_800..=2_200).contains(&new), "{new} of {n} took `new`");
    }

    #[test]
    fn two_splits_choose_independently() {
        let branches = shares(&[("a", 5_000), ("b", 5_000)]);
        let n = 4_000;
        let same = (0..n)
            .filter(|i| {
                let s = state(&format!("CA{i}"));
                choose(&branches, &s, "one").unwrap().name
                    == choose(&branches, &s, "two").unwrap().name
            })
            .count();
        assert!((1_800..=2_200).contains(&same), "{same} of {n} agreed");
    }

    #[test]
    fn zero_shares_are_never_taken_and_full_ones_always() {
        let branches = shares(&[("off", 0), ("on", 10_000)]);
        for i in 0..500 {
            assert_eq!(
                choose(&branches, &state(&format!("{i}")), "x")
                    .unwrap()
                    .name,
                "on"
            );
        }
    }

    #[test]
    fn a_pin_wins_unless_it_names_no_branch() {
        let branches = shares(&[("a", 0), ("b", 10_000)]);
        let mut s = state("CA1");
        s.pinned.insert("x".into(), "a".into());
        assert_eq!(choose(&branches, &s, "x").unwrap().name, "a");
        s.pinned.insert("x".into(), "nope".into());
        assert_eq!(choose(&branches, &s, "x").unwrap().name, "b");
        assert!(choose(&[], &s, "x").is_none());
    }
}
