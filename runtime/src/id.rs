//! New ids for what the server creates (campaigns, the dialer's leases): the
//! one generator. Call ids are the provider's; a campaign asked for with an
//! idempotency key derives its id from the key instead.

use std::sync::atomic::{AtomicU64, Ordering};

/// A new id: `prefix`, then `now_ms` in hex, so ids sort by when they were
/// made, then 48 random bits, so two made in the same millisecond, in this
/// process or on another replica, differ.
pub fn new(prefix: &str, now_ms: i64) -> String {
    let mut random = [0u8; 6];
    if getrandom::fill(&mut random).is_err() {
        // No OS randomness: a counter and the process id still keep ids
        // apart within a replica and, almost always, across them.
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed) ^ (u64::from(std::process::id()) << 24);
        random.copy_from_slice(&n.to_be_bytes()[2..]);
    }
    format!("{prefix}{now_ms:x}{}", hex::encode(random))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_differ_and_sort_by_time() {
        let a = super::new("cmp_", 0x018c_0000_0000);
        let b = super::new("cmp_", 0x018c_0000_0000);
        assert_ne!(a, b);
        assert!(a.starts_with("cmp_18c00000000") && a.len() == "cmp_18c00000000".len() + 12);
        // A millisecond later sorts later, whatever the random part.
        assert!(super::new("cmp_", 0x018c_0000_0001) > a);
    }
}
