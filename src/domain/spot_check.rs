//! Spot checks (回访抽查): each month the authority draws a sample of the redemption items
//! approved in it and asks each sampled firm whether the service was delivered as
//! invoiced. The draw is a formula anyone can recompute from what is published:
//!
//! - `population_digest = SHA-256(the items' ids, sorted, joined by "\n")`;
//! - each item holds `w` tickets: 1, plus the policy's weights for what makes it riskier
//!   (a provider listed lately, a provider scored low, a provider with an earlier
//!   finding); ticket `j` (1 to `w`) has the key
//!   `SHA-256(seed ":" population_digest ":" item_id ":" j)`;
//! - an item's key is the least of its tickets' keys (hex); the sample is the `n` items
//!   with the least keys (ties by id), `n` = the policy's share of the items, rounded
//!   up, but at least `at_least` (all of them when there are fewer).
//!
//! The least of `w` uniform keys orders the items as weighted sampling without
//! replacement does (Efraimidis–Spirakis: the least of `w` uniforms falls below `x` with
//! probability 1 − (1 − x)^w), in whole hashes, so any reader re-draws it exactly.
//! All hashes are lowercase hex of SHA-256 over the UTF-8 text.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

super::text_enum! {
    /// A spot check's life: the firm is asked; it says the service was delivered as
    /// invoiced (closed), or not, or does not answer by the deadline (a finding opens).
    pub enum CheckStatus {
        Asked => "asked",
        Confirmed => "confirmed",
        Finding => "finding",
    }
}

super::text_enum! {
    /// Why a finding was opened.
    pub enum OpenedBecause {
        FirmSaidNo => "firm_said_no",
        NoAnswer => "no_answer",
    }
}

super::text_enum! {
    /// A finding's life: open until a reviewer decides it.
    pub enum FindingStatus {
        Open => "open",
        Decided => "decided",
    }
}

super::text_enum! {
    /// What a reviewer decides of a finding: nothing wrong; the service was worth less
    /// than invoiced (a corrected amount); or it was not delivered (fraud: the whole
    /// amount comes back).
    pub enum FindingOutcome {
        NoIssue => "no_issue",
        Corrected => "corrected",
        Fraudulent => "fraudulent",
    }
}

/// The spot-check rules (`config/policy/spot_checks.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpotCheckPolicy {
    /// Percent of a month's approved items drawn (rounded up), 1–100.
    pub share_percent: u32,
    /// Drawn at least (all of them when there are fewer).
    pub at_least: u32,
    /// Days a sampled firm has to answer; no answer by then opens a finding.
    pub answer_days: u32,
    pub weights: Weights,
}

/// Extra tickets for what makes an item riskier, and when each applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// Its provider was listed within `new_provider_days` before the draw.
    pub new_provider: u32,
    pub new_provider_days: u32,
    /// Its provider's quality score is below `low_score_below` (unrated providers do
    /// not count as low).
    pub low_score: u32,
    pub low_score_below: rust_decimal::Decimal,
    /// A finding was upheld against its provider before (a corrected amount or fraud).
    pub earlier_findings: u32,
}

/// Why an item holds more than one ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    NewProvider,
    LowScore,
    EarlierFindings,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::NewProvider => "new_provider",
            Risk::LowScore => "low_score",
            Risk::EarlierFindings => "earlier_findings",
        }
    }

    pub fn parse(s: &str) -> Option<Risk> {
        [Risk::NewProvider, Risk::LowScore, Risk::EarlierFindings]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

impl Weights {
    /// An item's tickets for the risks it carries.
    pub fn tickets(&self, risks: &[Risk]) -> u32 {
        1 + risks
            .iter()
            .map(|r| match r {
                Risk::NewProvider => self.new_provider,
                Risk::LowScore => self.low_score,
                Risk::EarlierFindings => self.earlier_findings,
            })
            .sum::<u32>()
    }
}

/// How many of `population` items are drawn: the share rounded up, at least `at_least`,
/// at most all of them.
pub fn sample_size(population: usize, share_percent: u32, at_least: u32) -> usize {
    let share = (population * share_percent as usize).div_ceil(100);
    share.max(at_least as usize).min(population)
}

pub fn population_digest<S: AsRef<str>>(ids: &[S]) -> String {
    let mut ids: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
    ids.sort_unstable();
    sha256_hex(&ids.join("\n"))
}

/// An item's key: the least of its `tickets` tickets' keys.
pub fn draw_key(seed: &str, digest: &str, id: &str, tickets: u32) -> String {
    (1..=tickets.max(1))
        .map(|j| sha256_hex(&format!("{seed}:{digest}:{id}:{j}")))
        .min()
        .unwrap_or_default()
}

/// The draw over `(id, tickets)`: the population digest and, for each item, its key and
/// whether it is drawn (in the order given).
pub fn draw<S: AsRef<str>>(
    seed: &str,
    items: &[(S, u32)],
    policy: &SpotCheckPolicy,
) -> (String, Vec<(String, bool)>) {
    let ids: Vec<&str> = items.iter().map(|(id, _)| id.as_ref()).collect();
    let digest = population_digest(&ids);
    let keys: Vec<String> =
        items.iter().map(|(id, w)| draw_key(seed, &digest, id.as_ref(), *w)).collect();
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|a, b| keys[*a].cmp(&keys[*b]).then_with(|| ids[*a].cmp(ids[*b])));
    let n = sample_size(items.len(), policy.share_percent, policy.at_least);
    let mut drawn = vec![false; items.len()];
    for i in order.into_iter().take(n) {
        drawn[i] = true;
    }
    (digest, keys.into_iter().zip(drawn).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    const SEED: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    fn policy(share_percent: u32, at_least: u32) -> SpotCheckPolicy {
        SpotCheckPolicy {
            share_percent,
            at_least,
            answer_days: 10,
            weights: Weights {
                new_provider: 2,
                new_provider_days: 180,
                low_score: 2,
                low_score_below: rust_decimal::Decimal::from_str("3.5").unwrap(),
                earlier_findings: 3,
            },
        }
    }

    #[test]
    fn the_size_is_the_share_rounded_up_but_at_least_the_floor() {
        assert_eq!(sample_size(0, 10, 5), 0);
        assert_eq!(sample_size(3, 10, 5), 3, "all of them when fewer");
        assert_eq!(sample_size(40, 10, 5), 5, "4 by share, 5 at least");
        assert_eq!(sample_size(51, 10, 5), 6, "5.1 rounded up");
        assert_eq!(sample_size(100, 100, 5), 100);
    }

    #[test]
    fn matches_the_published_formula() {
        // Computed independently with Python's hashlib, as a reader of the published
        // draw would: sha256(f"{seed}:{digest}:{id}:{j}") for each ticket j.
        let digest = population_digest(&["b", "a", "c"]);
        assert_eq!(digest, "ea7fb08b7a2dc4619ffb7c7bb38d95a2047935fa165d71b12efd3852a2e6d0cc");
        assert_eq!(
            draw_key(SEED, &digest, "a", 1),
            "cd8de16a9c7b4e74dcaaaf49b10030edae28c51ddadbcfd50da9c77b0fe4692f"
        );
        // Three tickets: the least of the three keys (ticket 3's).
        assert_eq!(
            draw_key(SEED, &digest, "a", 3),
            "816027226cf285aa530fc03cb2a399a6f093201cbae64db08fce8fe38178c529"
        );
        // b 4721…, c 7d2f…, a 8160…: two of three drawn are b and c.
        let (_, d) = draw(SEED, &[("a", 3), ("b", 1), ("c", 1)], &policy(10, 2));
        let drawn: Vec<bool> = d.iter().map(|(_, s)| *s).collect();
        assert_eq!(drawn, [false, true, true]);
        assert!(d[1].0.starts_with("4721350e") && d[2].0.starts_with("7d2fead2"));
    }

    #[test]
    fn the_same_seed_draws_the_same_sample_and_another_seed_another() {
        let items: Vec<(String, u32)> = (0..200).map(|i| (format!("item-{i:03}"), 1)).collect();
        let p = policy(10, 5);
        let (d1, a) = draw(SEED, &items, &p);
        let (d2, b) = draw(SEED, &items, &p);
        assert_eq!((d1, &a), (d2, &b));
        assert_eq!(a.iter().filter(|(_, s)| *s).count(), 20);
        let other = "ff".repeat(32);
        let (_, c) = draw(&other, &items, &p);
        assert_ne!(a, c);
        // The order the items are given in does not matter.
        let mut reversed = items.clone();
        reversed.reverse();
        let (_, r) = draw(SEED, &reversed, &p);
        let mut back: Vec<(String, bool)> = r.into_iter().rev().collect();
        back.truncate(200);
        assert_eq!(back, a);
    }

    #[test]
    fn more_tickets_are_drawn_more_often() {
        // 1,000 items, one in ten carrying 4 tickets; a 10% sample over 50 seeds: the
        // weighted items are drawn about 3.1 times as often as their share.
        let items: Vec<(String, u32)> =
            (0..1000).map(|i| (format!("i{i}"), if i % 10 == 0 { 4 } else { 1 })).collect();
        let p = policy(10, 1);
        let mut weighted = 0;
        for s in 0..50 {
            let seed = sha256_hex(&s.to_string());
            let (_, d) = draw(&seed, &items, &p);
            weighted += d.iter().enumerate().filter(|(i, (_, s))| *s && i % 10 == 0).count();
        }
        // Of 5,000 drawn, 10% would be 500 unweighted; with 4 tickets about 1,500.
        assert!((1200..1800).contains(&weighted), "{weighted}");
    }

    #[test]
    fn tickets_add_the_risks_weights() {
        let w = policy(10, 5).weights;
        assert_eq!(w.tickets(&[]), 1);
        assert_eq!(w.tickets(&[Risk::NewProvider, Risk::EarlierFindings]), 6);
    }
}
