//! The audit hash chain: each event's hash covers its content and the previous hash,
//! so changing, removing or reordering any event breaks every link after it.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The content of one event as it is hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContent<'a> {
    pub seq: i64,
    pub id: &'a str,
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<&'a str>,
    pub actor_role: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before_state: Option<&'a str>,
    pub after_state: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

/// Timestamps are hashed in one fixed format at microsecond precision (what both
/// backends store).
pub fn canonical_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn chain_hash(prev_hash: &str, e: &EventContent<'_>) -> String {
    // A JSON array is an unambiguous encoding of the fields (strings are escaped,
    // nulls distinct from empty strings).
    let canonical = serde_json::json!([
        prev_hash,
        e.seq,
        e.id,
        canonical_time(e.occurred_at),
        e.actor_user_id,
        e.actor_role,
        e.action,
        e.entity_type,
        e.entity_id,
        e.before_state,
        e.after_state,
        e.request_id,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn ev(seq: i64, action: &str) -> EventContent<'_> {
        EventContent {
            seq,
            id: "e",
            occurred_at: NaiveDate::from_ymd_opt(2026, 11, 23)
                .unwrap()
                .and_hms_micro_opt(1, 2, 3, 4)
                .unwrap(),
            actor_user_id: None,
            actor_role: "system",
            action,
            entity_type: "firm",
            entity_id: "f",
            before_state: None,
            after_state: Some("{}"),
            request_id: None,
        }
    }

    #[test]
    fn any_change_changes_the_hash() {
        let h = chain_hash(GENESIS_HASH, &ev(1, "firm.registered"));
        assert_eq!(h.len(), 64);
        assert_ne!(h, chain_hash(GENESIS_HASH, &ev(2, "firm.registered")));
        assert_ne!(h, chain_hash(GENESIS_HASH, &ev(1, "firm.onboarded")));
        assert_ne!(h, chain_hash(&h, &ev(1, "firm.registered")));
        let mut e = ev(1, "firm.registered");
        e.before_state = Some("");
        assert_ne!(h, chain_hash(GENESIS_HASH, &e));
        assert_eq!(h, chain_hash(GENESIS_HASH, &ev(1, "firm.registered")));
    }
}
