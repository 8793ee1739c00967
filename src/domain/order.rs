//! Spending a voucher on a service order: how a contract is split between the voucher
//! and the firm, who may not trade with whom, and the order's life.

use super::money::Fen;
use chrono::NaiveDate;
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
    Shares { covered, own: Fen::new(contract.get() - covered.get()) }
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
    let same_code = |a: &str, b: &str| {
        let (a, b) = (a.trim(), b.trim());
        !a.is_empty() && a.eq_ignore_ascii_case(b)
    };
    // People are compared by who they are, not by the bytes of the name.
    let same_person = |a: &str, b: &str| {
        let a = super::party::person_key(a);
        !a.is_empty() && a == super::party::person_key(b)
    };
    if same_code(firm.credit_code, provider.credit_code) {
        Some("credit_code")
    } else if same_person(firm.legal_representative, provider.legal_representative) {
        Some("legal_representative")
    } else if same_person(firm.actual_controller, provider.actual_controller) {
        Some("actual_controller")
    } else {
        None
    }
}

super::text_enum! {
    /// An order's life: requested → accepted (voucher share held) → delivered →
    /// confirmed (held share consumed); declined; cancelled (hold released); disputed.
    pub enum OrderStatus {
        Requested => "requested",
        Accepted => "accepted",
        Declined => "declined",
        Delivered => "delivered",
        Disputed => "disputed",
        Confirmed => "confirmed",
        Cancelled => "cancelled",
    }
}

super::text_enum! {
    /// Who cancelled an order.
    pub enum Side {
        Firm => "firm",
        Provider => "provider",
        Reviewer => "reviewer",
        System => "system",
    }
}

/// What someone does to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderAction {
    Accept,
    Decline,
    /// By the firm or the provider, before delivery.
    Cancel,
    Deliver,
    Confirm,
    Dispute,
    /// A reviewer finds the delivery good: back to delivered, for the firm to confirm.
    UpholdDelivery,
    /// A reviewer finds the delivery wanting: the order is cancelled, the hold released.
    CancelDisputed,
    /// The voucher expired and the grace period for delivery ended.
    Lapse,
}

impl OrderStatus {
    /// Whether the voucher's share is held for this order.
    pub fn holds(self) -> bool {
        matches!(self, OrderStatus::Accepted | OrderStatus::Delivered | OrderStatus::Disputed)
    }

    /// The status after `action`, or `None` when the action is not allowed now.
    pub fn after(self, action: OrderAction) -> Option<OrderStatus> {
        use OrderAction as A;
        use OrderStatus as S;
        match (self, action) {
            (S::Requested, A::Accept) => Some(S::Accepted),
            (S::Requested, A::Decline) => Some(S::Declined),
            (S::Requested | S::Accepted, A::Cancel | A::Lapse) => Some(S::Cancelled),
            (S::Accepted, A::Deliver) => Some(S::Delivered),
            (S::Delivered, A::Confirm) => Some(S::Confirmed),
            (S::Delivered, A::Dispute) => Some(S::Disputed),
            (S::Disputed, A::UpholdDelivery) => Some(S::Delivered),
            (S::Disputed, A::CancelDisputed) => Some(S::Cancelled),
            _ => None,
        }
    }
}

super::text_enum! {
    /// The documents a provider uploads for an order.
    pub enum EvidenceKind {
        /// 服务合同
        Contract => "contract",
        /// 发票
        Invoice => "invoice",
        /// The firm's payment receipt for its own share (企业自付凭证).
        PaymentReceipt => "payment_receipt",
        /// 服务报告 / 成果材料
        ServiceReport => "service_report",
    }
}

impl EvidenceKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            EvidenceKind::Contract => "服务合同",
            EvidenceKind::Invoice => "发票",
            EvidenceKind::PaymentReceipt => "企业自付部分付款凭证",
            EvidenceKind::ServiceReport => "服务报告",
        }
    }
}

/// What must be uploaded before an order can be marked delivered: the contract, the
/// invoice and the service report, and the firm's payment receipt when it pays a share.
pub fn required_evidence(own: Fen) -> Vec<EvidenceKind> {
    EvidenceKind::ALL
        .iter()
        .copied()
        .filter(|k| *k != EvidenceKind::PaymentReceipt || own.get() > 0)
        .collect()
}

/// The evidence file types accepted, recognised by their first bytes (never by the name
/// or the type the client claims).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Pdf,
    Jpeg,
    Png,
}

impl MediaType {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
        }
    }

    /// The type of a file from its first bytes: `%PDF-`, JPEG's SOI marker followed by
    /// another marker, or PNG's eight-byte signature.
    pub fn sniff(head: &[u8]) -> Option<MediaType> {
        if head.starts_with(b"%PDF-") {
            Some(MediaType::Pdf)
        } else if head.len() >= 4 && head[..3] == [0xFF, 0xD8, 0xFF] {
            Some(MediaType::Jpeg)
        } else if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(MediaType::Png)
        } else {
            None
        }
    }
}

/// A file name from a client, made safe to show: the last path component, without
/// control characters, at most 120 characters; `fallback` when nothing is left.
pub fn display_name(given: &str, fallback: &str) -> String {
    let last = given.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last.chars().filter(|c| !c.is_control()).take(120).collect();
    let clean = clean.trim().trim_start_matches('.').trim();
    if clean.is_empty() {
        fallback.to_string()
    } else {
        clean.to_string()
    }
}

/// An order number people can read out: `DD`, the China date, and 12 characters of
/// Crockford base32 from `random` (60 bits: collisions are not expected, and the unique
/// constraint is the last line).
pub fn order_no(china_date: chrono::NaiveDate, random: u64) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut tail = [0u8; 12];
    for (i, c) in tail.iter_mut().enumerate() {
        *c = ALPHABET[((random >> (5 * i)) & 31) as usize];
    }
    format!("DD{}{}", china_date.format("%Y%m%d"), String::from_utf8_lossy(&tail))
}

super::text_enum! {
    /// A redemption item's life: submitted → in_notice (approved) → payable, or rejected;
    /// then in a settlement run and paid. `in_settlement` is shown, not stored: it is a
    /// payable item held by a live (pending) payout.
    pub enum RedemptionStatus {
        Submitted => "submitted",
        Rejected => "rejected",
        InNotice => "in_notice",
        Payable => "payable",
        InSettlement => "in_settlement",
        Paid => "paid",
    }
}

/// A reason for the reviewer to look at an order's evidence twice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EvidenceWarning {
    /// One file uploaded as two or more kinds of document of this order (the contract
    /// also sent as the payment receipt).
    SameFileTwice { kinds: Vec<EvidenceKind>, file_name: String },
    /// A file of this order is also evidence of another order.
    SameFileElsewhere { evidence_kind: EvidenceKind, file_name: String, order_no: String },
    /// An invoice for another amount than the contract's.
    InvoiceAmountDiffers {
        file_name: String,
        #[schema(value_type = String)]
        invoice_amount: Fen,
        #[schema(value_type = String)]
        contract_amount: Fen,
    },
    /// A service report (the delivery) dated before the provider accepted the order.
    DeliveredBeforeAcceptance { file_name: String, dated: NaiveDate, accepted_on: NaiveDate },
}

/// An uploaded document as the warnings see it: its kind, content hash and name, and
/// what the provider stated of it (an invoice's amount, a document's date).
pub struct Sent<'a> {
    pub kind: EvidenceKind,
    pub sha256: &'a str,
    pub file_name: &'a str,
    pub amount: Option<Fen>,
    pub dated: Option<NaiveDate>,
}

/// What an order's documents are checked against: its contract amount and the China
/// day it was accepted.
#[derive(Debug, Clone, Copy)]
pub struct OrderFacts {
    pub contract: Fen,
    pub accepted_on: Option<NaiveDate>,
}

/// The warnings about what the provider stated of `own`: an invoice for another amount
/// than the contract's, a delivery dated before the order was accepted.
pub fn statement_warnings(own: &[Sent<'_>], order: OrderFacts) -> Vec<EvidenceWarning> {
    let mut out = Vec::new();
    for e in own {
        match (e.kind, e.amount, e.dated, order.accepted_on) {
            (EvidenceKind::Invoice, Some(a), _, _) if a != order.contract => {
                out.push(EvidenceWarning::InvoiceAmountDiffers {
                    file_name: e.file_name.to_string(),
                    invoice_amount: a,
                    contract_amount: order.contract,
                });
            }
            (EvidenceKind::ServiceReport, _, Some(d), Some(accepted)) if d < accepted => {
                out.push(EvidenceWarning::DeliveredBeforeAcceptance {
                    file_name: e.file_name.to_string(),
                    dated: d,
                    accepted_on: accepted,
                });
            }
            _ => {}
        }
    }
    out
}

/// The warnings about `own` (one order's evidence), given the documents of other orders
/// with the same contents (`elsewhere`, each with its order number): one per file used
/// for more than one kind, one per other order a file also stands in.
pub fn evidence_warnings(own: &[Sent<'_>], elsewhere: &[(Sent<'_>, &str)]) -> Vec<EvidenceWarning> {
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for e in own {
        if seen.contains(&e.sha256) {
            continue;
        }
        seen.push(e.sha256);
        let mut kinds: Vec<EvidenceKind> =
            own.iter().filter(|x| x.sha256 == e.sha256).map(|x| x.kind).collect();
        kinds.sort();
        kinds.dedup();
        if kinds.len() > 1 {
            out.push(EvidenceWarning::SameFileTwice { kinds, file_name: e.file_name.to_string() });
        }
        let mut orders: Vec<&str> =
            elsewhere.iter().filter(|(x, _)| x.sha256 == e.sha256).map(|(_, no)| *no).collect();
        orders.sort();
        orders.dedup();
        for order_no in orders {
            out.push(EvidenceWarning::SameFileElsewhere {
                evidence_kind: e.kind,
                file_name: e.file_name.to_string(),
                order_no: order_no.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_invoice_for_another_amount_or_a_delivery_before_acceptance_is_warned() {
        use EvidenceKind::*;
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let y = |s: &str| Fen::parse_yuan(s).unwrap();
        let sent =
            |kind, amount, dated| Sent { kind, sha256: "x", file_name: "f.pdf", amount, dated };
        let order = OrderFacts { contract: y("12000.00"), accepted_on: Some(day("2026-12-01")) };
        assert_eq!(
            statement_warnings(
                &[
                    sent(Invoice, Some(y("12000.00")), Some(day("2026-12-03"))),
                    sent(ServiceReport, None, Some(day("2026-12-01"))),
                    sent(Contract, None, Some(day("2026-11-20"))),
                ],
                order
            ),
            []
        );
        assert_eq!(
            statement_warnings(
                &[
                    sent(Invoice, Some(y("11999.99")), Some(day("2026-12-03"))),
                    sent(ServiceReport, None, Some(day("2026-11-30"))),
                ],
                order
            ),
            [
                EvidenceWarning::InvoiceAmountDiffers {
                    file_name: "f.pdf".into(),
                    invoice_amount: y("11999.99"),
                    contract_amount: y("12000.00")
                },
                EvidenceWarning::DeliveredBeforeAcceptance {
                    file_name: "f.pdf".into(),
                    dated: day("2026-11-30"),
                    accepted_on: day("2026-12-01")
                },
            ]
        );
        // Nothing stated, or never accepted: nothing to compare.
        let unaccepted = OrderFacts { accepted_on: None, ..order };
        assert_eq!(
            statement_warnings(&[sent(ServiceReport, None, Some(day("2026-11-30")))], unaccepted),
            []
        );
        assert_eq!(statement_warnings(&[sent(Invoice, None, None)], order), []);
    }

    #[test]
    fn one_file_as_two_documents_or_in_two_orders_is_warned_once_each() {
        use EvidenceKind::*;
        let sent =
            |kind, sha256, file_name| Sent { kind, sha256, file_name, amount: None, dated: None };
        let own = [
            sent(Contract, "aa", "合同.pdf"),
            sent(PaymentReceipt, "aa", "合同.pdf"),
            sent(Invoice, "bb", "发票.pdf"),
            sent(ServiceReport, "cc", "报告.pdf"),
        ];
        let elsewhere = [
            (sent(Invoice, "bb", "发票.pdf"), "DD2"),
            (sent(Contract, "bb", "x.pdf"), "DD2"),
            (sent(Invoice, "bb", "发票.pdf"), "DD1"),
        ];
        assert_eq!(
            evidence_warnings(&own, &elsewhere),
            [
                EvidenceWarning::SameFileTwice {
                    kinds: vec![Contract, PaymentReceipt],
                    file_name: "合同.pdf".into()
                },
                EvidenceWarning::SameFileElsewhere {
                    evidence_kind: Invoice,
                    file_name: "发票.pdf".into(),
                    order_no: "DD1".into()
                },
                EvidenceWarning::SameFileElsewhere {
                    evidence_kind: Invoice,
                    file_name: "发票.pdf".into(),
                    order_no: "DD2".into()
                },
            ]
        );
        // Distinct files, nowhere else: nothing to say.
        assert!(evidence_warnings(&own[2..], &[]).is_empty());
    }

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
            related(firm, PartyIds { credit_code: "91340100ma2n000001", ..other }),
            Some("credit_code")
        );
        assert_eq!(
            related(firm, PartyIds { legal_representative: " 张三 ", ..other }),
            Some("legal_representative")
        );
        assert_eq!(
            related(firm, PartyIds { actual_controller: "李四", ..other }),
            Some("actual_controller")
        );
        // Invisible characters and spaces inside a name do not make another person.
        for written in ["张\u{200B}三", "张\u{200D}三", "张 三", "张\u{202E}三", "\u{FEFF}张三"]
        {
            assert_eq!(
                related(firm, PartyIds { legal_representative: written, ..other }),
                Some("legal_representative"),
                "{written:?}"
            );
        }
        assert_eq!(
            related(firm, PartyIds { actual_controller: "李\u{3000}四", ..other }),
            Some("actual_controller")
        );
        // Blank names relate nobody.
        let blank = PartyIds { actual_controller: "", ..other };
        assert_eq!(related(PartyIds { actual_controller: "", ..firm }, blank), None);
    }

    #[test]
    fn the_order_state_machine() {
        use OrderAction as A;
        use OrderStatus as S;
        assert_eq!(S::Requested.after(A::Accept), Some(S::Accepted));
        assert_eq!(S::Requested.after(A::Decline), Some(S::Declined));
        assert_eq!(S::Accepted.after(A::Decline), None);
        assert_eq!(S::Accepted.after(A::Cancel), Some(S::Cancelled));
        assert_eq!(S::Delivered.after(A::Cancel), None, "no cancelling after delivery");
        assert_eq!(S::Accepted.after(A::Confirm), None, "confirm needs delivery");
        assert_eq!(S::Delivered.after(A::Confirm), Some(S::Confirmed));
        assert_eq!(S::Delivered.after(A::Dispute), Some(S::Disputed));
        assert_eq!(S::Disputed.after(A::UpholdDelivery), Some(S::Delivered));
        assert_eq!(S::Disputed.after(A::CancelDisputed), Some(S::Cancelled));
        assert_eq!(S::Delivered.after(A::Lapse), None, "delivered in time stays");
        for end in [S::Declined, S::Confirmed, S::Cancelled] {
            for a in [
                A::Accept,
                A::Decline,
                A::Cancel,
                A::Deliver,
                A::Confirm,
                A::Dispute,
                A::UpholdDelivery,
                A::CancelDisputed,
                A::Lapse,
            ] {
                assert_eq!(end.after(a), None, "{end:?} is final");
            }
        }
        let holding: Vec<_> = S::ALL.iter().filter(|s| s.holds()).collect();
        assert_eq!(holding, [&S::Accepted, &S::Delivered, &S::Disputed]);
        assert_eq!(S::parse("disputed"), Some(S::Disputed));
        assert_eq!(S::parse("paid"), None);
    }

    #[test]
    fn evidence_types_by_content_and_safe_names() {
        assert_eq!(MediaType::sniff(b"%PDF-1.7\n"), Some(MediaType::Pdf));
        assert_eq!(MediaType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(MediaType::Jpeg));
        assert_eq!(
            MediaType::sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some(MediaType::Png)
        );
        assert_eq!(MediaType::sniff(b"MZ\x90\x00 %PDF-"), None, "an executable");
        assert_eq!(MediaType::sniff(b""), None);
        assert_eq!(MediaType::sniff(b" %PDF-1.4"), None);
        assert_eq!(display_name("../../etc/passwd", "x"), "passwd");
        assert_eq!(display_name("C:\\合同\\服务合同.pdf", "x"), "服务合同.pdf");
        assert_eq!(display_name("a\0b\nc.pdf", "x"), "abc.pdf");
        assert_eq!(display_name("..", "contract.pdf"), "contract.pdf");
        assert_eq!(display_name("", "contract.pdf"), "contract.pdf");
        assert_eq!(display_name(&"长".repeat(300), "x").chars().count(), 120);
    }

    #[test]
    fn receipt_required_only_when_the_firm_pays_a_share() {
        use EvidenceKind as K;
        assert_eq!(
            required_evidence(Fen::new(1)),
            [K::Contract, K::Invoice, K::PaymentReceipt, K::ServiceReport]
        );
        assert_eq!(required_evidence(Fen::ZERO), [K::Contract, K::Invoice, K::ServiceReport]);
    }

    #[test]
    fn order_numbers() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(order_no(d, 0), "DD20261124000000000000");
        let n = order_no(d, u64::MAX);
        assert_eq!(n, "DD20261124ZZZZZZZZZZZZ");
        assert_ne!(order_no(d, 1), order_no(d, 2));
    }
}
