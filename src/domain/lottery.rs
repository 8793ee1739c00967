//! The lottery draw (摇号), as a formula anyone can recompute from what is published.
//!
//! - `seed`: 64 lowercase hex characters (32 random bytes), secret until the draw.
//! - `seed_hash = SHA-256(seed)`: published when the batch is created, before anyone
//!   registers, so the seed cannot be chosen after the entrants are known.
//! - `entrants_digest = SHA-256(credit codes of all entrants, sorted, joined by "\n")`:
//!   fixes the entrant list; adding or removing any entrant changes every key.
//! - `key = SHA-256(seed ":" entrants_digest ":" credit_code)` per entrant.
//! - The draw order is ascending `key` (hex), then credit code. Vouchers go out in that
//!   order while the budget lasts.
//!
//! All hashes are lowercase hex of SHA-256 over the UTF-8 text.

use sha2::{Digest, Sha256};

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A new secret seed from the thread's CSPRNG.
pub fn new_seed() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

pub fn seed_hash(seed: &str) -> String {
    sha256_hex(seed)
}

pub fn entrants_digest<S: AsRef<str>>(credit_codes: &[S]) -> String {
    let mut codes: Vec<&str> = credit_codes.iter().map(AsRef::as_ref).collect();
    codes.sort_unstable();
    sha256_hex(&codes.join("\n"))
}

pub fn draw_key(seed: &str, entrants_digest: &str, credit_code: &str) -> String {
    sha256_hex(&format!("{seed}:{entrants_digest}:{credit_code}"))
}

/// The draw: each entrant's key and the order (indices into `credit_codes`, first drawn
/// first). Returns the entrants digest too.
pub fn draw<S: AsRef<str>>(seed: &str, credit_codes: &[S]) -> (String, Vec<(usize, String)>) {
    let digest = entrants_digest(credit_codes);
    let mut keyed: Vec<(usize, String)> = credit_codes
        .iter()
        .enumerate()
        .map(|(i, c)| (i, draw_key(seed, &digest, c.as_ref())))
        .collect();
    keyed.sort_by(|a, b| {
        a.1.cmp(&b.1).then_with(|| credit_codes[a.0].as_ref().cmp(credit_codes[b.0].as_ref()))
    });
    (digest, keyed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn matches_the_published_formula() {
        // Values computed independently with Python's hashlib, as a reader of the
        // public draw page would.
        assert_eq!(
            seed_hash(SEED),
            "2a8abfa8cb9906290437854193ca6bca41d4d4e26d1d454bd66a35158095e737"
        );
        let codes = ["91340100MA2N0A0B1X", "91340100MA2N0A0C2Y", "91340100MA2N0A0D3Z"];
        let (digest, order) = draw(SEED, &codes);
        assert_eq!(digest, "d375b11fe4bd617eb008c902790dfcedadbc03596e7184048a2ac093267b1361");
        assert_eq!(order[0].1, draw_key(SEED, &digest, codes[order[0].0]));
        let ranked: Vec<&str> = order.iter().map(|(i, _)| codes[*i]).collect();
        assert_eq!(ranked, ["91340100MA2N0A0C2Y", "91340100MA2N0A0B1X", "91340100MA2N0A0D3Z"]);
        assert_eq!(
            draw_key(SEED, &digest, codes[0]),
            "1f5ec2fd44b5fb6a0279fb9e95c26dbd73a4e9f28c6db3543735732cd090fb44"
        );
    }

    #[test]
    fn the_order_does_not_depend_on_the_input_order() {
        let a = ["B", "A", "C", "D"];
        let b = ["D", "C", "B", "A"];
        let ranked = |codes: &[&str]| -> Vec<String> {
            draw(SEED, codes).1.iter().map(|(i, _)| codes[*i].to_string()).collect()
        };
        assert_eq!(ranked(&a), ranked(&b));
        assert_eq!(entrants_digest(&a), entrants_digest(&b));
    }

    #[test]
    fn another_entrant_or_seed_changes_every_key() {
        let (d1, o1) = draw(SEED, &["A", "B", "C"]);
        let (d2, o2) = draw(SEED, &["A", "B", "C", "E"]);
        assert_ne!(d1, d2);
        for (x, y) in o1.iter().zip(&o2) {
            assert_ne!(x.1, y.1);
        }
        let other = new_seed();
        assert_eq!(other.len(), 64);
        assert_ne!(other, new_seed());
        assert_ne!(draw(&other, &["A"]).1[0].1, o1[0].1);
    }

    #[test]
    fn each_order_is_about_equally_likely() {
        // 3 entrants have 6 orders; over 6,000 seeds each should come up about 1,000 times.
        let mut counts = std::collections::HashMap::new();
        for i in 0..6000u32 {
            let seed = hex::encode(Sha256::digest(i.to_le_bytes()));
            let (_, o) = draw(&seed, &["A", "B", "C"]);
            *counts.entry(o.iter().map(|(i, _)| *i).collect::<Vec<_>>()).or_insert(0) += 1;
        }
        assert_eq!(counts.len(), 6);
        for (order, n) in counts {
            assert!((850..1150).contains(&n), "{order:?} came up {n} times");
        }
    }
}
