//! Allocating a batch's vouchers to claims in arrival order: the decisions only, no rows
//! and no clock. The claim engine loads what the claimants already hold (`Held`), asks
//! `Allocator::decide` for each request in order, and writes what was granted. Every
//! grant counts against the budget and against the claimant's limits before the next
//! request is decided, so one settlement of many requests decides exactly as the same
//! requests one by one would.

use super::money::Fen;
use super::voucher::{
    choose_face, precheck, ClaimRules, FaceRefusal, FirmFacts, Holdings, Refusal,
};
use chrono::NaiveDateTime;
use std::collections::HashMap;

/// The batch as the allocator sees it.
#[derive(Debug, Clone)]
pub struct Window {
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    /// Allocated by lottery: claims are refused; draws are allocated.
    pub by_lottery: bool,
    pub faces: Vec<Fen>,
    /// The budget not yet claimed.
    pub remaining: Fen,
    /// Vouchers of the batch so far (the next one is number `vouchers_claimed + 1`).
    pub vouchers_claimed: i32,
}

/// What the claimants already hold in the programme, by claimant group (a firm, or all
/// firms of one actual controller) and by firm.
#[derive(Debug, Clone, Default)]
pub struct Held {
    in_batch: HashMap<String, i32>,
    in_year: HashMap<String, i32>,
    nth_of_firm: HashMap<String, i32>,
    earlier: HashMap<String, Vec<(Fen, Fen)>>,
}

/// One voucher already held, as `Held::count` takes it.
#[derive(Debug, Clone, Copy)]
pub struct HeldVoucher<'a> {
    pub group: &'a str,
    pub firm_id: &'a str,
    /// Of the batch being allocated.
    pub this_batch: bool,
    /// Claimed in the claim year of the allocation.
    pub this_year: bool,
    pub face: Fen,
    pub balance: Fen,
}

impl Held {
    pub fn count(&mut self, v: HeldVoucher<'_>) {
        if v.this_batch {
            *self.in_batch.entry(v.group.to_string()).or_default() += 1;
            *self.nth_of_firm.entry(v.firm_id.to_string()).or_default() += 1;
        } else {
            self.earlier.entry(v.group.to_string()).or_default().push((v.face, v.balance));
        }
        if v.this_year {
            *self.in_year.entry(v.group.to_string()).or_default() += 1;
        }
    }

    fn of(&self, group: &str) -> Holdings {
        Holdings {
            in_batch: self.in_batch.get(group).copied().unwrap_or(0),
            in_year: self.in_year.get(group).copied().unwrap_or(0),
            earlier: self.earlier.get(group).cloned().unwrap_or_default(),
        }
    }
}

/// A firm asking, as the allocator sees it.
#[derive(Debug, Clone)]
pub struct Claimant<'a> {
    pub firm_id: &'a str,
    pub group: &'a str,
    pub facts: FirmFacts,
}

/// Who asks for a voucher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker {
    /// A firm claiming, first come, first served.
    Claim,
    /// The lottery draw, on behalf of an entrant.
    Draw,
}

/// Why a request got no voucher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    Refused(Refusal),
    Face(FaceRefusal),
    /// The firm does not exist (or is not visible).
    NoSuchFirm,
}

/// A voucher granted: its face value, its number in the batch, and how many of the
/// batch's vouchers the firm now holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub face: Fen,
    pub seq_in_batch: i32,
    pub nth: i32,
}

/// Decides requests against one batch in order.
#[derive(Debug, Clone)]
pub struct Allocator {
    window: Window,
    rules: ClaimRules,
    held: Held,
    remaining: Fen,
    seq: i32,
}

impl Allocator {
    pub fn new(window: Window, rules: ClaimRules, held: Held) -> Self {
        Allocator { remaining: window.remaining, seq: window.vouchers_claimed, window, rules, held }
    }

    /// The budget left after the grants so far.
    pub fn remaining(&self) -> Fen {
        self.remaining
    }

    /// The batch's vouchers after the grants so far.
    pub fn vouchers_claimed(&self) -> i32 {
        self.seq
    }

    /// The next request: refused, in the order a firm would want to hear why (the batch
    /// is not for claiming, not open, closed; the face value; the firm; its eligibility
    /// and limits; the budget), or granted and counted.
    pub fn decide(
        &mut self,
        now: NaiveDateTime,
        asker: Asker,
        firm: Option<&Claimant<'_>>,
        wanted_face: Option<Fen>,
    ) -> Result<Grant, Denial> {
        let w = &self.window;
        if w.by_lottery && asker == Asker::Claim {
            return Err(Denial::Refused(Refusal::Lottery));
        }
        if now < w.opens_at {
            return Err(Denial::Refused(Refusal::NotOpen));
        }
        if now >= w.closes_at {
            return Err(Denial::Refused(Refusal::Closed));
        }
        let face = choose_face(&w.faces, wanted_face).map_err(Denial::Face)?;
        let firm = firm.ok_or(Denial::NoSuchFirm)?;
        precheck(&self.rules, &firm.facts, &self.held.of(firm.group)).map_err(Denial::Refused)?;
        if face.get() > self.remaining.get() {
            return Err(Denial::Refused(Refusal::SoldOut));
        }
        self.remaining = Fen::new(self.remaining.get() - face.get());
        self.seq += 1;
        *self.held.in_batch.entry(firm.group.to_string()).or_default() += 1;
        *self.held.in_year.entry(firm.group.to_string()).or_default() += 1;
        let nth = self.held.nth_of_firm.entry(firm.firm_id.to_string()).or_default();
        *nth += 1;
        Ok(Grant { face, seq_in_batch: self.seq, nth: *nth })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::voucher::Ineligible;
    use crate::domain::SizeClass;

    fn at(h: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .expect("a time")
    }

    fn window(budget: i64, faces: &[i64]) -> Window {
        Window {
            opens_at: at(9),
            closes_at: at(17),
            by_lottery: false,
            faces: faces.iter().copied().map(Fen::new).collect(),
            remaining: Fen::new(budget),
            vouchers_claimed: 0,
        }
    }

    fn rules() -> ClaimRules {
        ClaimRules {
            eligible_size_classes: vec![SizeClass::Micro, SizeClass::Small],
            exclude_dishonest: true,
            revenue_ceiling: None,
            required_qualifications: Vec::new(),
            per_batch_limit: 1,
            per_year_limit: 2,
            count_by_controller: false,
            gate_used_share_bp: 8000,
        }
    }

    fn firm<'a>(id: &'a str, group: &'a str) -> Claimant<'a> {
        Claimant {
            firm_id: id,
            group,
            facts: FirmFacts {
                onboarded: true,
                size_class: SizeClass::Small,
                dishonest: false,
                screened: None,
                revenue: Fen::ZERO,
                high_tech: false,
                tech_sme: false,
                recommended: false,
            },
        }
    }

    #[test]
    fn vouchers_go_in_arrival_order_until_the_budget_cannot_pay_the_next() {
        let mut a = Allocator::new(window(250, &[100, 50]), rules(), Held::default());
        let (f1, f2, f3, f4) = (firm("a", "a"), firm("b", "b"), firm("c", "c"), firm("d", "d"));
        let g = a.decide(at(9), Asker::Claim, Some(&f1), Some(Fen::new(100)));
        assert_eq!(g, Ok(Grant { face: Fen::new(100), seq_in_batch: 1, nth: 1 }));
        assert!(a.decide(at(9), Asker::Claim, Some(&f2), Some(Fen::new(100))).is_ok());
        assert_eq!(
            a.decide(at(9), Asker::Claim, Some(&f3), Some(Fen::new(100))),
            Err(Denial::Refused(Refusal::SoldOut)),
            "50 left cannot pay 100"
        );
        let last = a.decide(at(9), Asker::Claim, Some(&f4), Some(Fen::new(50)));
        assert_eq!(last.map(|g| g.seq_in_batch), Ok(3), "but it pays 50, numbered on");
    }

    #[test]
    fn a_grant_counts_against_the_group_before_the_next_request_is_decided() {
        let mut r = rules();
        r.count_by_controller = true;
        let mut a = Allocator::new(window(1_000, &[100]), r, Held::default());
        let (one, other) = (firm("a", "zhang"), firm("b", "zhang"));
        assert!(a.decide(at(10), Asker::Claim, Some(&one), None).is_ok());
        assert_eq!(
            a.decide(at(10), Asker::Claim, Some(&other), None),
            Err(Denial::Refused(Refusal::AlreadyClaimed)),
            "two firms of one controller share the per-batch limit within one settlement"
        );
    }

    #[test]
    fn what_is_held_already_counts_and_the_gate_reads_earlier_balances() {
        let mut held = Held::default();
        held.count(HeldVoucher {
            group: "a",
            firm_id: "a",
            this_batch: false,
            this_year: true,
            face: Fen::new(100),
            balance: Fen::new(30),
        });
        let mut a = Allocator::new(window(1_000, &[100]), rules(), held.clone());
        assert_eq!(
            a.decide(at(10), Asker::Claim, Some(&firm("a", "a")), None),
            Err(Denial::Refused(Refusal::GateUnmet { used_bp: 7000, required_bp: 8000 }))
        );
        held.count(HeldVoucher {
            group: "a",
            firm_id: "a",
            this_batch: false,
            this_year: true,
            face: Fen::new(100),
            balance: Fen::ZERO,
        });
        let mut a = Allocator::new(window(1_000, &[100]), rules(), held);
        assert_eq!(
            a.decide(at(10), Asker::Claim, Some(&firm("a", "a")), None),
            Err(Denial::Refused(Refusal::AnnualLimit { limit: 2 })),
            "two this year already"
        );
    }

    #[test]
    fn refusals_come_in_the_order_a_firm_needs_them() {
        let mut w = window(1_000, &[100, 200]);
        w.by_lottery = true;
        let mut a = Allocator::new(w.clone(), rules(), Held::default());
        assert_eq!(
            a.decide(at(8), Asker::Claim, None, None),
            Err(Denial::Refused(Refusal::Lottery))
        );
        assert_eq!(
            a.decide(at(8), Asker::Draw, None, None),
            Err(Denial::Refused(Refusal::NotOpen)),
            "a draw is not refused for the lottery, but for the hour"
        );
        assert_eq!(
            a.decide(at(17), Asker::Draw, None, None),
            Err(Denial::Refused(Refusal::Closed))
        );
        assert_eq!(
            a.decide(at(10), Asker::Draw, None, None),
            Err(Denial::Face(FaceRefusal::Required))
        );
        assert_eq!(
            a.decide(at(10), Asker::Draw, None, Some(Fen::new(100))),
            Err(Denial::NoSuchFirm)
        );
        let mut dishonest = firm("x", "x");
        dishonest.facts.dishonest = true;
        assert_eq!(
            a.decide(at(10), Asker::Draw, Some(&dishonest), Some(Fen::new(100))),
            Err(Denial::Refused(Refusal::NotEligible(Ineligible::Dishonest)))
        );
        let mut a = Allocator::new(w, rules(), Held::default());
        assert!(a.decide(at(10), Asker::Draw, Some(&firm("y", "y")), Some(Fen::new(200))).is_ok());
    }
}
