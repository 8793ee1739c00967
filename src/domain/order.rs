//! Spending a voucher on a service order: how a contract is split between the voucher
//! and the firm, who may not trade with whom, and the order's life.

use super::money::Fen;
use rust_decimal::Decimal;

/// How a contract amount is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shares {
    /// Paid by the voucher (held on acceptance, consumed on confirmation).
    pub covered: Fen,
    /// Paid by the firm itself.
    pub own: Fen,
}

/// The programme's rule: a contract below `full_coverage_threshold` may be paid wholly by
/// the voucher; otherwise the voucher pays `contract × ratio_bp / 10000`, rounded once,
/// half-up, to the fen. Either way never more than the voucher's `available` balance.
pub fn shares(
    contract: Fen,
    available: Fen,
    ratio_bp: i32,
    full_coverage_threshold: Fen,
) -> Shares {
    let wanted = if contract.get() < full_coverage_threshold.get() {
        contract
    } else {
        let yuan = contract.to_yuan() * Decimal::new(i64::from(ratio_bp), 4);
        // In range by construction: at most the contract itself.
        Fen::from_yuan_decimal(yuan).unwrap_or(contract)
    };
    let covered = Fen::new(wanted.get().min(available.get().max(0)));
    Shares {
        covered,
        own: Fen::new(contract.get() - covered.get()),
    }
}

/// What identifies a party for the related-party rule.
#[derive(Debug, Clone, Copy)]
pub struct PartyIds<'a> {
    pub credit_code: &'a str,
    pub legal_representative: &'a str,
    pub actual_controller: &'a str,
}

/// Why a firm and a provider are related (and may not trade with a voucher), if they are:
/// the same credit code, legal representative or actual controller.
pub fn related(firm: PartyIds<'_>, provider: PartyIds<'_>) -> Option<&'static str> {
    let same = |a: &str, b: &str| {
        let (a, b) = (a.trim(), b.trim());
        !a.is_empty() && a.eq_ignore_ascii_case(b)
    };
    if same(firm.credit_code, provider.credit_code) {
        Some("credit_code")
    } else if same(firm.legal_representative, provider.legal_representative) {
        Some("legal_representative")
    } else if same(firm.actual_controller, provider.actual_controller) {
        Some("actual_controller")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(s: &str) -> Fen {
        Fen::parse_yuan(s).unwrap()
    }

    #[test]
    fn half_of_a_contract_up_to_the_balance() {
        let s = shares(y("10000.00"), y("50000.00"), 5000, y("5000.00"));
        assert_eq!((s.covered, s.own), (y("5000.00"), y("5000.00")));
        // The balance caps the voucher's share; the firm pays the rest.
        let s = shares(y("200000.00"), y("50000.00"), 5000, y("5000.00"));
        assert_eq!((s.covered, s.own), (y("50000.00"), y("150000.00")));
        let s = shares(y("10000.00"), y("0.00"), 5000, y("5000.00"));
        assert_eq!((s.covered, s.own), (y("0.00"), y("10000.00")));
    }

    #[test]
    fn below_the_threshold_the_voucher_pays_it_all() {
        let s = shares(y("4999.99"), y("50000.00"), 5000, y("5000.00"));
        assert_eq!((s.covered, s.own), (y("4999.99"), y("0.00")));
        // At the threshold the ratio applies.
        let s = shares(y("5000.00"), y("50000.00"), 5000, y("5000.00"));
        assert_eq!((s.covered, s.own), (y("2500.00"), y("2500.00")));
        // Still capped by the balance.
        let s = shares(y("3000.00"), y("1000.00"), 5000, y("5000.00"));
        assert_eq!((s.covered, s.own), (y("1000.00"), y("2000.00")));
    }

    #[test]
    fn one_rounding_half_up_to_the_fen() {
        // 0.05 × 50% = 0.025 → 0.03
        let s = shares(y("10000.05"), y("50000.00"), 5000, y("0.00"));
        assert_eq!((s.covered, s.own), (y("5000.03"), y("5000.02")));
        // 0.01 × 33.33% = 0.003333 → 0.00
        let s = shares(y("0.01"), y("1.00"), 3333, y("0.00"));
        assert_eq!((s.covered, s.own), (y("0.00"), y("0.01")));
        // Shares always add up to the contract.
        for c in [1, 3, 7, 99, 1001, 123_457, 99_999_999] {
            for r in [1, 3333, 5000, 6667, 9999, 10000] {
                let s = shares(Fen::new(c), Fen::new(i64::MAX / 4), r, Fen::ZERO);
                assert_eq!(s.covered.get() + s.own.get(), c);
                assert!(s.covered.get() >= 0 && s.own.get() >= 0);
            }
        }
    }

    #[test]
    fn related_parties_share_a_code_a_representative_or_a_controller() {
        let firm = PartyIds {
            credit_code: "91340100MA2N000001",
            legal_representative: "张三",
            actual_controller: "李四",
        };
        let other = PartyIds {
            credit_code: "91340100MA2N000002",
            legal_representative: "王五",
            actual_controller: "赵六",
        };
        assert_eq!(related(firm, other), None);
        assert_eq!(
            related(
                firm,
                PartyIds {
                    credit_code: "91340100ma2n000001",
                    ..other
                }
            ),
            Some("credit_code")
        );
        assert_eq!(
            related(
                firm,
                PartyIds {
                    legal_representative: " 张三 ",
                    ..other
                }
            ),
            Some("legal_representative")
        );
        assert_eq!(
            related(
                firm,
                PartyIds {
                    actual_controller: "李四",
                    ..other
                }
            ),
            Some("actual_controller")
        );
        // Blank names relate nobody.
        let blank = PartyIds {
            actual_controller: "",
            ..other
        };
        assert_eq!(
            related(
                PartyIds {
                    actual_controller: "",
                    ..firm
                },
                blank
            ),
            None
        );
    }
}
