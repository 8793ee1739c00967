//! Email: what is said (typed messages rendered from the `mail.ftl` of each locale under
//! `config/locales/`), and how it leaves (lettre transports). Writing to the outbox and
//! dispatching it are use cases in `services::outbox` and the `outbox_dispatch` job.

pub mod templates;
pub mod transport;

use crate::domain::Fen;
use chrono::NaiveDateTime;
use serde::Serialize;
pub use templates::{Rendered, TemplateError, Templates};

/// One email to be written to the outbox: the template kind, the reader and the values
/// the template may use.
#[derive(Debug, Clone)]
pub struct Email {
    pub kind: &'static str,
    pub to_address: String,
    pub to_name: Option<String>,
    pub context: serde_json::Value,
    /// Makes the email once-only (the outbox refuses a second row with the same key).
    pub dedupe_key: Option<String>,
}

/// A message type: its template kind and its values.
pub trait Message: Serialize {
    const KIND: &'static str;

    fn to(&self, address: &str, name: &str) -> Email
    where
        Self: Sized,
    {
        Email {
            kind: Self::KIND,
            to_address: address.to_string(),
            to_name: Some(name.to_string()).filter(|n| !n.is_empty()),
            context: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
            dedupe_key: None,
        }
    }
}

impl Email {
    pub fn once(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }
}

/// An error with its causes, each said once (lettre repeats some).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = inner.source();
    }
    s
}

/// Yuan with thousands separators and two decimals: `1,234,567.89`.
pub fn yuan(f: Fen) -> String {
    f.grouped()
}

/// A UTC instant as a date in China: `2027-11-23`.
pub fn china_date(t: NaiveDateTime) -> String {
    crate::domain::china_time(t).format("%Y-%m-%d").to_string()
}

/// A UTC instant as a time in China: `2027-11-23 09:00`.
pub fn china_time(t: NaiveDateTime) -> String {
    crate::domain::china_time(t).format("%Y-%m-%d %H:%M").to_string()
}

/// The onboarding (企业入库) decision, to the firm.
#[derive(Debug, Serialize)]
pub struct FirmOnboardingDecided {
    pub firm_name: String,
    pub credit_code: String,
    pub approved: bool,
    pub reason: String,
    pub decided_at: String,
}
impl Message for FirmOnboardingDecided {
    const KIND: &'static str = "firm_onboarding_decided";
}

/// An application returned for correction (退回补正), to the applicant: what to
/// correct, numbered one a line.
#[derive(Debug, Serialize)]
pub struct ApplicationReturned {
    /// `firm` (企业入库) or `provider` (服务机构入库).
    pub applicant: String,
    pub party_name: String,
    pub credit_code: String,
    pub corrections: String,
    pub returned_at: String,
}
impl Message for ApplicationReturned {
    const KIND: &'static str = "application_returned";
}

impl ApplicationReturned {
    pub fn of(
        applicant: crate::domain::PartyKind,
        party_name: &str,
        credit_code: &str,
        corrections: &crate::domain::party::Corrections,
        at: NaiveDateTime,
    ) -> Self {
        ApplicationReturned {
            applicant: applicant.as_str().to_string(),
            party_name: party_name.to_string(),
            credit_code: credit_code.to_string(),
            corrections: corrections
                .items()
                .enumerate()
                .map(|(i, c)| format!("{}. {c}", i + 1))
                .collect::<Vec<_>>()
                .join("\n"),
            returned_at: china_time(at),
        }
    }
}

/// A provider's listing application went to public notice (公示).
#[derive(Debug, Serialize)]
pub struct ProviderListingNotice {
    pub provider_name: String,
    pub credit_code: String,
    pub notice_starts: String,
    pub notice_ends: String,
}
impl Message for ProviderListingNotice {
    const KIND: &'static str = "provider_listing_notice";
}

/// A provider's listing status changed by decision (listed, rejected, suspended,
/// reinstated, delisted).
#[derive(Debug, Serialize)]
pub struct ProviderListingDecided {
    pub provider_name: String,
    pub credit_code: String,
    /// `listed`, `rejected`, `suspended`, `delisted`.
    pub status: String,
    pub reason: String,
    pub decided_at: String,
}
impl Message for ProviderListingDecided {
    const KIND: &'static str = "provider_listing_decided";
}

/// A voucher was claimed (or won in a lottery draw).
#[derive(Debug, Serialize)]
pub struct ClaimSucceeded {
    pub firm_name: String,
    pub voucher_code: String,
    pub amount: String,
    pub valid_until: String,
    pub batch_name: String,
    pub via_lottery: bool,
}
impl Message for ClaimSucceeded {
    const KIND: &'static str = "claim_succeeded";
}

/// An order event, to the firm or the provider. The same values for every event.
#[derive(Debug, Serialize)]
pub struct OrderEvent {
    pub order_no: String,
    pub firm_name: String,
    pub provider_name: String,
    pub service_title: String,
    pub voucher_code: String,
    pub contract_amount: String,
    pub covered_amount: String,
    pub own_amount: String,
    /// The dispute's, the cancellation's or the decline's reason; empty otherwise.
    pub reason: String,
    /// Who cancelled: firm, provider, reviewer or system; empty otherwise.
    pub cancelled_by: String,
    /// The order's status after the event (e.g. `delivered` or `cancelled` when a
    /// dispute is resolved).
    pub outcome: String,
    /// The reviewer's note on a resolved dispute; empty otherwise.
    pub note: String,
}

macro_rules! order_kinds {
    ($($name:ident => $kind:literal),* $(,)?) => {$(
        #[derive(Debug, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub OrderEvent);
        impl Message for $name {
            const KIND: &'static str = $kind;
        }
    )*};
}
order_kinds! {
    OrderRequested => "order_requested",
    OrderAccepted => "order_accepted",
    OrderDelivered => "order_delivered",
    OrderConfirmed => "order_confirmed",
    OrderDisputed => "order_disputed",
    OrderDeclined => "order_declined",
    OrderCancelled => "order_cancelled",
    OrderDisputeResolved => "order_dispute_resolved",
}

/// A redemption (兑现) item was approved or rejected, to the provider.
#[derive(Debug, Serialize)]
pub struct RedemptionDecided {
    pub provider_name: String,
    pub order_no: String,
    pub voucher_code: String,
    pub amount: String,
    pub approved: bool,
    pub reason: String,
}
impl Message for RedemptionDecided {
    const KIND: &'static str = "redemption_decided";
}

/// A payout was paid, to the payee.
#[derive(Debug, Serialize)]
pub struct PayoutPaid {
    pub payee_name: String,
    pub payout_ref: String,
    pub period: String,
    pub amount: String,
    pub bank_reference: String,
    pub paid_on: String,
}
impl Message for PayoutPaid {
    const KIND: &'static str = "payout_paid";
}

/// A payout failed, to the payee.
#[derive(Debug, Serialize)]
pub struct PayoutFailed {
    pub payee_name: String,
    pub payout_ref: String,
    pub period: String,
    pub amount: String,
    pub reason: String,
}
impl Message for PayoutFailed {
    const KIND: &'static str = "payout_failed";
}

/// A voucher with a balance expires soon (30 or 7 days ahead).
#[derive(Debug, Serialize)]
pub struct VoucherExpiring {
    pub firm_name: String,
    pub voucher_code: String,
    pub balance: String,
    pub valid_until: String,
    pub days_left: i64,
}
impl Message for VoucherExpiring {
    const KIND: &'static str = "voucher_expiring";
}

/// A firm's redemption item was drawn for a spot check (回访抽查): was the service
/// delivered as invoiced?
#[derive(Debug, Serialize)]
pub struct SpotCheckAsked {
    pub firm_name: String,
    pub order_no: String,
    pub service: String,
    pub provider_name: String,
    pub amount: String,
    pub answer_by: String,
    pub link: String,
}
impl Message for SpotCheckAsked {
    const KIND: &'static str = "spot_check_asked";
}

/// A finding (核查事项) was decided, to the provider's contact: what was found, why, and
/// what happens to the money.
#[derive(Debug, Serialize)]
pub struct FindingDecided {
    pub provider_name: String,
    pub order_no: String,
    pub service: String,
    /// `no_issue`, `corrected` or `fraudulent`.
    pub outcome: String,
    /// What the service was found worth (corrected), else empty.
    pub corrected_amount: String,
    /// What the provider owes back, offset against its next payouts (when the item had
    /// been paid or was in a run), else empty.
    pub owed_back: String,
    pub reason: String,
    pub link: String,
}
impl Message for FindingDecided {
    const KIND: &'static str = "finding_decided";
}

/// A provider's credit grade calls for a warning (警示), to its contact.
#[derive(Debug, Serialize)]
pub struct CreditWarning {
    pub provider_name: String,
    /// `B` with the shipped rules.
    pub grade: String,
    pub points: u32,
}
impl Message for CreditWarning {
    const KIND: &'static str = "credit_warning";
}

/// An appeal was decided, to the party's contact.
#[derive(Debug, Serialize)]
pub struct AppealDecided {
    pub party_name: String,
    /// `redemption_item`, `firm_onboarding`, `provider_listing`, `certification_application`,
    /// `finding`, `clawback`.
    pub subject_kind: String,
    /// What it was about (an order number and service, a name, a scheme).
    pub subject: String,
    /// `upheld`, `overturned` or `partly`.
    pub outcome: String,
    /// Granted in part: the amount the item is worth now, yuan (empty otherwise).
    pub granted: String,
    pub reason: String,
}
impl Message for AppealDecided {
    const KIND: &'static str = "appeal_decided";
}

/// An appeal is still open past its deadline, to each administrator.
#[derive(Debug, Serialize)]
pub struct AppealOverdue {
    pub admin_name: String,
    pub party_name: String,
    pub subject_kind: String,
    pub subject: String,
    pub filed_at: String,
    pub due_at: String,
}
impl Message for AppealOverdue {
    const KIND: &'static str = "appeal_overdue";
}

/// A settlement run waits for a second finance officer's approval.
#[derive(Debug, Serialize)]
pub struct SettlementAwaitingApproval {
    pub run_ref: String,
    pub period: String,
    pub payouts: i64,
    pub total: String,
    pub prepared_by: String,
}
impl Message for SettlementAwaitingApproval {
    const KIND: &'static str = "settlement_awaiting_approval";
}

/// A certification application was decided, to the space's contact.
#[derive(Debug, Serialize)]
pub struct CertificationDecided {
    pub space_name: String,
    pub scheme_name: String,
    pub certified: bool,
    pub certified_on: String,
    pub valid_until: String,
    pub reason: String,
}
impl Message for CertificationDecided {
    const KIND: &'static str = "certification_decided";
}

/// A certification was revoked, to the space's contact.
#[derive(Debug, Serialize)]
pub struct CertificationRevoked {
    pub space_name: String,
    pub scheme_name: String,
    pub revoked_on: String,
    pub benefits_stop: String,
    pub reason: String,
}
impl Message for CertificationRevoked {
    const KIND: &'static str = "certification_revoked";
}

/// A password reset link, to the account's contact email.
#[derive(Debug, Serialize)]
pub struct PasswordReset {
    pub display_name: String,
    pub username: String,
    pub link: String,
    /// When the link stops working, China time.
    pub expires_at: String,
    pub minutes: i64,
    /// Sent by an administrator (not asked for on the sign-in page).
    pub by_administrator: bool,
}
impl Message for PasswordReset {
    const KIND: &'static str = "password_reset";
}

/// A link to verify a party's contact address, sent when it registers (or changes
/// the address, or asks again).
#[derive(Debug, Serialize)]
pub struct ContactVerification {
    pub party_name: String,
    pub username: String,
    pub link: String,
    /// When the link stops working, China time.
    pub expires_at: String,
    pub hours: i64,
}
impl Message for ContactVerification {
    const KIND: &'static str = "contact_verification";
}

/// Example values for each kind: what the template tests render, and what
/// `hechuang mail preview` shows.
pub fn sample_context(kind: &str) -> serde_json::Value {
    let order = || OrderEvent {
        order_no: "DD20261124K3M9Q7R2X5ZA".into(),
        firm_name: "合肥示例科技有限公司".into(),
        provider_name: "合肥示例知识产权代理有限公司".into(),
        service_title: "发明专利申请代理".into(),
        voucher_code: "HQ-2026-01-000123".into(),
        contract_amount: yuan(Fen::new(1_000_000)),
        covered_amount: yuan(Fen::new(500_000)),
        own_amount: yuan(Fen::new(500_000)),
        reason: "交付的检索报告缺少对比文件".into(),
        cancelled_by: "provider".into(),
        outcome: "cancelled".into(),
        note: "服务机构未能补充对比文件".into(),
    };
    let v = match kind {
        "password_reset" => serde_json::to_value(PasswordReset {
            display_name: "合肥示例科技有限公司".into(),
            username: "hf_example".into(),
            link: "https://hechuang.example.cn/password/reset?token=0123456789abcdef".into(),
            expires_at: "2026-11-23 10:30".into(),
            minutes: 30,
            by_administrator: false,
        }),
        "contact_verification" => serde_json::to_value(ContactVerification {
            party_name: "合肥示例科技有限公司".into(),
            username: "hf_example".into(),
            link: "https://hechuang.example.cn/verify?token=0123456789abcdef".into(),
            expires_at: "2026-11-24 10:00".into(),
            hours: 24,
        }),
        "firm_onboarding_decided" => serde_json::to_value(FirmOnboardingDecided {
            firm_name: "合肥示例科技有限公司".into(),
            credit_code: "91340100MA2NXXXX0X".into(),
            approved: false,
            reason: "营业收入证明材料不清晰".into(),
            decided_at: "2026-11-23 10:00".into(),
        }),
        "application_returned" => serde_json::to_value(ApplicationReturned {
            applicant: "firm".into(),
            party_name: "合肥示例科技有限公司".into(),
            credit_code: "91340100MA2NXXXX0X".into(),
            corrections: "1. 营业执照扫描件不清晰，请重新上传\n2. 地址与营业执照不一致".into(),
            returned_at: "2026-11-23 10:00".into(),
        }),
        "provider_listing_notice" => serde_json::to_value(ProviderListingNotice {
            provider_name: "合肥示例知识产权代理有限公司".into(),
            credit_code: "91340100MA2NYYYY0Y".into(),
            notice_starts: "2026-11-24 00:00".into(),
            notice_ends: "2026-12-01 00:00".into(),
        }),
        "provider_listing_decided" => serde_json::to_value(ProviderListingDecided {
            provider_name: "合肥示例知识产权代理有限公司".into(),
            credit_code: "91340100MA2NYYYY0Y".into(),
            status: "rejected".into(),
            reason: "公示异议成立".into(),
            decided_at: "2026-12-01 09:30".into(),
        }),
        "claim_succeeded" => serde_json::to_value(ClaimSucceeded {
            firm_name: "合肥示例科技有限公司".into(),
            voucher_code: "HQ-2026-01-000123".into(),
            amount: yuan(Fen::new(2_000_000)),
            valid_until: "2027-11-23".into(),
            batch_name: "2026年第一期合创券".into(),
            via_lottery: false,
        }),
        "order_requested" => serde_json::to_value(OrderRequested(order())),
        "order_accepted" => serde_json::to_value(OrderAccepted(order())),
        "order_delivered" => serde_json::to_value(OrderDelivered(order())),
        "order_confirmed" => serde_json::to_value(OrderConfirmed(order())),
        "order_disputed" => serde_json::to_value(OrderDisputed(order())),
        "order_declined" => serde_json::to_value(OrderDeclined(order())),
        "order_cancelled" => serde_json::to_value(OrderCancelled(order())),
        "order_dispute_resolved" => serde_json::to_value(OrderDisputeResolved(order())),
        "redemption_decided" => serde_json::to_value(RedemptionDecided {
            provider_name: "合肥示例知识产权代理有限公司".into(),
            order_no: "DD20261124K3M9Q7R2X5ZA".into(),
            voucher_code: "HQ-2026-01-000123".into(),
            amount: yuan(Fen::new(500_000)),
            approved: true,
            reason: String::new(),
        }),
        "payout_paid" => serde_json::to_value(PayoutPaid {
            payee_name: "合肥示例知识产权代理有限公司".into(),
            payout_ref: "PO-2026-11-0001".into(),
            period: "2026-11".into(),
            amount: yuan(Fen::new(123_456_789)),
            bank_reference: "BOC20261201000123".into(),
            paid_on: "2026-12-03".into(),
        }),
        "payout_failed" => serde_json::to_value(PayoutFailed {
            payee_name: "合肥示例知识产权代理有限公司".into(),
            payout_ref: "PO-2026-11-0001".into(),
            period: "2026-11".into(),
            amount: yuan(Fen::new(123_456_789)),
            reason: "收款账户户名不符".into(),
        }),
        "voucher_expiring" => serde_json::to_value(VoucherExpiring {
            firm_name: "合肥示例科技有限公司".into(),
            voucher_code: "HQ-2026-01-000123".into(),
            balance: yuan(Fen::new(1_500_000)),
            valid_until: "2027-11-23".into(),
            days_left: 7,
        }),
        "spot_check_asked" => serde_json::to_value(SpotCheckAsked {
            firm_name: "合肥示例科技有限公司".into(),
            order_no: "DD20261124K3M9Q7R2X5ZA".into(),
            service: "发明专利申请代理".into(),
            provider_name: "合肥示例知识产权代理有限公司".into(),
            amount: yuan(Fen::new(500_000)),
            answer_by: "2026-12-11 18:00".into(),
            link: "https://hechuang.example.cn/firm/spot-checks".into(),
        }),
        "finding_decided" => serde_json::to_value(FindingDecided {
            provider_name: "合肥示例知识产权代理有限公司".into(),
            order_no: "DD20261124K3M9Q7R2X5ZA".into(),
            service: "发明专利申请代理".into(),
            outcome: "corrected".into(),
            corrected_amount: yuan(Fen::new(300_000)),
            owed_back: yuan(Fen::new(200_000)),
            reason: "只交付了检索报告初稿".into(),
            link: "https://hechuang.example.cn/provider/findings".into(),
        }),
        "credit_warning" => serde_json::to_value(CreditWarning {
            provider_name: "合肥示例知识产权代理有限公司".into(),
            grade: "B".into(),
            points: 80,
        }),
        "appeal_decided" => serde_json::to_value(AppealDecided {
            party_name: "合肥示例知识产权代理有限公司".into(),
            subject_kind: "redemption_item".into(),
            subject: "DD20261124K3M9Q7R2X5ZA · 发明专利申请代理".into(),
            outcome: "overturned".into(),
            granted: String::new(),
            reason: "补充的服务报告证明已按合同交付".into(),
        }),
        "appeal_overdue" => serde_json::to_value(AppealOverdue {
            admin_name: "系统管理员".into(),
            party_name: "合肥示例知识产权代理有限公司".into(),
            subject_kind: "provider_listing".into(),
            subject: "合肥示例知识产权代理有限公司".into(),
            filed_at: "2026-12-01 10:00".into(),
            due_at: "2026-12-15 10:00".into(),
        }),
        "settlement_awaiting_approval" => serde_json::to_value(SettlementAwaitingApproval {
            run_ref: "SR-2026-11".into(),
            period: "2026-11".into(),
            payouts: 12,
            total: yuan(Fen::new(345_678_900)),
            prepared_by: "财务一".into(),
        }),
        "certification_decided" => serde_json::to_value(CertificationDecided {
            space_name: "合肥示例众创空间".into(),
            scheme_name: "国家级科技企业孵化器".into(),
            certified: true,
            certified_on: "2026-12-01".into(),
            valid_until: String::new(),
            reason: String::new(),
        }),
        "certification_revoked" => serde_json::to_value(CertificationRevoked {
            space_name: "合肥示例众创空间".into(),
            scheme_name: "国家级科技企业孵化器".into(),
            revoked_on: "2027-03-15".into(),
            benefits_stop: "2027-04".into(),
            reason: "连续两年未按要求报送火炬统计数据".into(),
        }),
        _ => Ok(serde_json::Value::Null),
    };
    v.unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_groups_thousands() {
        assert_eq!(yuan(Fen::new(0)), "0.00");
        assert_eq!(yuan(Fen::new(5)), "0.05");
        assert_eq!(yuan(Fen::new(99_999)), "999.99");
        assert_eq!(yuan(Fen::new(100_000)), "1,000.00");
        assert_eq!(yuan(Fen::new(3_000_000_000)), "30,000,000.00");
        assert_eq!(yuan(Fen::new(-123_456_789)), "-1,234,567.89");
    }

    #[test]
    fn times_are_shown_in_china() {
        let t =
            chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(17, 30, 0).unwrap();
        assert_eq!(china_date(t), "2026-11-24");
        assert_eq!(china_time(t), "2026-11-24 01:30");
    }

    #[test]
    fn every_kind_has_a_sample_and_a_message_type() {
        for kind in templates::KINDS {
            assert!(sample_context(kind).is_object(), "{kind}");
        }
    }
}
