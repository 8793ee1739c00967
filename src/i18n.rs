//! The pages' words by message key, in Project Fluent ([`crate::texts`]):
//! `config/locales/zh-CN/pages.ftl` (the default) and `config/locales/en/pages.ftl` hold
//! every phrase a page shows, each under the same key. A
//! template says `{{ "order-no"|t }}`, or with values `{{ "orders-in-all"|t(n=total) }}`
//! (plurals and word order are the message's, not the template's); Rust says
//! [`t`] or [`t_with`].
//!
//! Names from the policy data (categories, schemes, figures) and people's input are
//! data, not messages: they pass through `t` unchanged. A domain type's value reaches a
//! page as its message key ([`document_kind`], [`evidence_kind`], [`size_class`], the
//! status words in `web`), never as the Chinese name the domain gives it: nothing is
//! found by its Chinese text.

use crate::texts::{self, Bundle};
use fluent_bundle::{FluentArgs, FluentValue};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

/// The file of each locale that holds the pages' words.
pub const FILE: &str = "pages.ftl";

/// The shipped words, built in for what runs without the service's start (unit tests,
/// commands): the same files [`install`] reads.
const ZH: &str = include_str!("../config/locales/zh-CN/pages.ftl");
const EN: &str = include_str!("../config/locales/en/pages.ftl");

struct Messages {
    zh: Bundle,
    en: Bundle,
    /// Every key, in file order.
    keys: Vec<String>,
}

static MESSAGES: OnceLock<Messages> = OnceLock::new();

impl Messages {
    /// Both languages, parsed and holding the same keys.
    fn of(zh: String, en: String) -> Result<Messages, String> {
        let parse = |lang: &str, src: String| {
            texts::bundle(lang, src).map_err(|f| {
                format!("page words {}", texts::describe(&format!("{lang}/{FILE}"), &f))
            })
        };
        let (zh, keys) = parse("zh-CN", zh)?;
        let (en, en_keys) = parse("en", en)?;
        let (a, b): (BTreeSet<&String>, BTreeSet<&String>) =
            (keys.iter().collect(), en_keys.iter().collect());
        let only_zh: Vec<_> = a.difference(&b).collect();
        let only_en: Vec<_> = b.difference(&a).collect();
        if !only_zh.is_empty() || !only_en.is_empty() {
            return Err(format!(
                "page words: every key must be in zh-CN/{FILE} and en/{FILE}; only in zh-CN: {only_zh:?}; only in en: {only_en:?}"
            ));
        }
        Ok(Messages { zh, en, keys })
    }
}

/// Reads the pages' words from `<dir>/zh-CN/pages.ftl` and `<dir>/en/pages.ftl` (the
/// service's start calls it; a file that does not parse, or a key in one language only,
/// stops the start). The first reading in a process is the one pages use.
pub fn install(dir: &Path) -> Result<(), String> {
    let m = Messages::of(texts::read_one(dir, "zh-CN", FILE)?, texts::read_one(dir, "en", FILE)?)?;
    let _ = MESSAGES.set(m);
    Ok(())
}

fn messages() -> &'static Messages {
    // Without a start (unit tests, commands), the built-in copy; the unit tests below
    // hold that it parses, so a broken file is found by `cargo test` before it ships.
    MESSAGES.get_or_init(|| match Messages::of(ZH.to_string(), EN.to_string()) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    })
}

fn format(b: &Bundle, key: &str, args: Option<&FluentArgs>) -> Option<String> {
    let pattern = b.get_message(key)?.value()?;
    let mut errors = vec![];
    let text = b.format_pattern(pattern, args, &mut errors).into_owned();
    if !errors.is_empty() {
        tracing::warn!(key, ?errors, "message formatted with errors");
    }
    Some(text)
}

/// The message key of a kind of party document.
pub(crate) fn document_kind(k: crate::domain::party::DocumentKind) -> &'static str {
    use crate::domain::party::DocumentKind::*;
    match k {
        BusinessLicence => "business-licence",
        HighTechCertificate => "high-tech-enterprise-certificate",
        TechSmeCertificate => "tech-based-sme-registration",
        QualificationCertificate => "qualification-certificate",
        Other => "other-supporting-document",
    }
}

/// The message key of a kind of delivery evidence.
pub(crate) fn evidence_kind(k: crate::domain::order::EvidenceKind) -> &'static str {
    use crate::domain::order::EvidenceKind::*;
    match k {
        Contract => "service-contract",
        Invoice => "invoice",
        PaymentReceipt => "receipt-of-the-firms-own-payment",
        ServiceReport => "service-report",
    }
}

/// The message key of an enterprise size class.
pub(crate) fn size_class(k: crate::domain::SizeClass) -> &'static str {
    use crate::domain::SizeClass::*;
    match k {
        Micro => "micro-enterprise",
        Small => "small-enterprise",
        Medium => "medium-enterprise",
        Large => "large-enterprise",
    }
}

/// A name kept in both languages (policy data: categories, industries, schemes), in the
/// reader's.
pub(crate) fn named(zh: &str, en_name: &str, en: bool) -> String {
    if en && !en_name.is_empty() {
        en_name.to_string()
    } else {
        zh.to_string()
    }
}

/// A service category's name in the reader's language (its code when unknown). Reports
/// and runs list the supplements appeals granted (补付款) as a category of their own.
pub(crate) fn category_name(policy: &crate::domain::Policy, code: &str, en: bool) -> String {
    match policy.category(code) {
        Some(k) => named(&k.name_zh, &k.name_en, en),
        None if code == "supplement" => {
            named("补付款（申诉复核）", "Supplements (after appeals)", en)
        }
        None => code.to_string(),
    }
}

/// An industry of the size table in the reader's language (its code when unknown).
pub(crate) fn industry_name(policy: &crate::domain::Policy, code: &str, en: bool) -> String {
    policy
        .sme
        .industry(code)
        .map_or_else(|| code.to_string(), |i| named(&i.name_zh, &i.name_en, en))
}

/// A district in the reader's language (its code when unknown).
pub(crate) fn district_name(policy: &crate::domain::Policy, code: &str, en: bool) -> String {
    policy.district(code).map_or_else(|| code.to_string(), |d| named(&d.name_zh, &d.name_en, en))
}

/// The message key of a role.
pub(crate) fn role_text(r: crate::domain::Role) -> &'static str {
    use crate::domain::Role::*;
    match r {
        Firm => "firm",
        Provider => "service-provider",
        Space => "space",
        Reviewer => "reviewer",
        Finance => "finance-officer",
        Admin => "administrator",
        Auditor => "auditor",
    }
}

/// The message key of a provider's listing state (by its wire name).
pub(crate) fn listing_text(s: &str) -> &'static str {
    match s {
        "applied" => "applied-under-review",
        "returned" => "returned-for-correction",
        "in_notice" => "in-public-notice",
        "listed" => "listed",
        "rejected" => "refused",
        "suspended" => "suspended",
        _ => "delisted",
    }
}

/// The message key of a redemption item's state (by its wire name).
pub(crate) fn item_status_text(s: &str) -> &'static str {
    match s {
        "submitted" => "under-review-2",
        "rejected" => "refused",
        "in_notice" => "in-public-notice",
        "payable" => "approved-to-be-paid",
        "in_settlement" => "being-paid",
        _ => "paid",
    }
}

/// The message key of a redemption item's state.
pub(crate) fn redemption(s: crate::domain::order::RedemptionStatus) -> &'static str {
    item_status_text(s.as_str())
}

/// The message key of a settlement run's stage (by its wire name).
pub(crate) fn stage_text(s: &str) -> &'static str {
    match s {
        "prepared" => "waiting-for-approval",
        "approved" => "approved-to-be-exported",
        "exported" => "exported-results-to-record",
        "closed" => "closed",
        _ => "returned",
    }
}

/// The message key of a settlement run's stage.
pub(crate) fn run_stage(s: crate::domain::settlement::RunStage) -> &'static str {
    stage_text(s.as_str())
}

/// The message key of an email's state (by its wire name).
pub(crate) fn email_state(s: &str) -> &'static str {
    match s {
        "pending" => "email-pending",
        "sent" => "email-sent",
        _ => "email-failed",
    }
}

/// The message key of a job run's state (by its wire name).
pub(crate) fn job_run_state(s: &str) -> &'static str {
    match s {
        "running" => "running",
        "succeeded" => "claimed-2",
        "failed" => "failed",
        _ => "abandoned",
    }
}

/// The message key of a subsidy entitlement's state.
pub(crate) fn entitlement(s: crate::domain::subsidy::EntitlementStatus) -> &'static str {
    match s.as_str() {
        "in_notice" => "in-public-notice",
        "payable" => "approved-to-be-paid",
        "paid" => "paid",
        _ => "refused",
    }
}

/// The message key of a voucher's state (by its wire name).
pub(crate) fn voucher_state(s: &str) -> &'static str {
    match s {
        "active" => "usable",
        "used" => "used-up",
        "expired" => "expired-2",
        _ => "revoked",
    }
}

/// The message key of an order's state.
pub(crate) fn order_status(s: crate::domain::order::OrderStatus) -> &'static str {
    use crate::domain::order::OrderStatus::*;
    match s {
        Requested => "waiting-for-the-provider",
        Accepted => "in-service",
        Declined => "declined",
        Delivered => "waiting-for-the-firm-to-confirm",
        Disputed => "disputed-under-review",
        Confirmed => "delivery-confirmed",
        Cancelled => "cancelled",
    }
}

/// The message key of a firm's onboarding state.
pub(crate) fn onboarding(s: crate::domain::party::OnboardingStatus) -> &'static str {
    use crate::domain::party::OnboardingStatus::*;
    match s {
        Submitted => "submitted-under-review",
        Returned => "returned-for-correction",
        Onboarded => "onboarded",
        Rejected => "refused",
    }
}

/// The message key of a certification application's state.
pub(crate) fn application_state(
    s: crate::domain::certification::ApplicationStatus,
) -> &'static str {
    use crate::domain::certification::ApplicationStatus::*;
    match s {
        Submitted => "under-review",
        Certified => "certified",
        Refused => "refused",
        Withdrawn => "withdrawn-3",
    }
}

/// The message key of a certification's state.
pub(crate) fn certification_state(
    s: crate::domain::certification::CertificationStatus,
) -> &'static str {
    use crate::domain::certification::CertificationStatus::*;
    match s {
        Active => "in-force",
        Revoked => "revoked-2",
        Expired => "expired",
    }
}

/// A certification scheme's name in the reader's language (the name kept with the
/// record when the policy no longer has the scheme).
pub(crate) fn scheme_name(
    policy: &crate::domain::Policy,
    code: &str,
    kept: &str,
    en: bool,
) -> String {
    policy
        .certification
        .scheme(code)
        .map_or_else(|| kept.to_string(), |s| named(&s.name_zh, &s.name_en, en))
}

/// The message key of a payout's state.
pub(crate) fn payout_state(s: crate::domain::settlement::PayoutStatus) -> &'static str {
    use crate::domain::settlement::PayoutStatus::*;
    match s {
        Pending => "to-be-paid",
        Paid => "paid-2",
        Failed => "failed-3",
        Reversed => "reversed",
        Cancelled => "cancelled",
    }
}

/// The message key of a kind of space.
pub(crate) fn space_kind(k: crate::domain::party::SpaceKind) -> &'static str {
    use crate::domain::party::SpaceKind::*;
    match k {
        Incubator => "space-kind-incubator",
        MakerSpace => "space-kind-maker-space",
        ProfessionalMakerSpace => "space-kind-professional-maker-space",
    }
}

/// Whether `key` names a message.
pub(crate) fn is_key(key: &str) -> bool {
    messages().zh.has_message(key)
}

/// The message `key` in the reader's language, with `args`; anything else (data: a
/// name, what people typed) as it is.
pub(crate) fn t_with(key: &str, en: bool, args: Option<&FluentArgs>) -> String {
    let m = messages();
    let b = if en { &m.en } else { &m.zh };
    format(b, key, args).unwrap_or_else(|| key.to_string())
}

/// The message `key` with text `values` (names and dates, never counts: a count goes in
/// as a number through [`t_with`]).
pub(crate) fn t_values(key: &str, en: bool, values: &[(&str, &str)]) -> String {
    let mut args = FluentArgs::new();
    for (name, value) in values {
        args.set(*name, *value);
    }
    t_with(key, en, Some(&args))
}

/// [`t_with`] without values.
pub(crate) fn t(key: &str, en: bool) -> String {
    t_with(key, en, None)
}

/// A template's keyword arguments as Fluent values: numbers stay numbers (for plurals);
/// with `html`, text is escaped for a message that carries markup (the `th` filter).
pub(crate) fn args_of(
    kwargs: &minijinja::value::Kwargs,
    html: bool,
) -> Result<FluentArgs<'static>, minijinja::Error> {
    let mut args = FluentArgs::new();
    for name in kwargs.args() {
        let v: minijinja::Value = kwargs.get(name)?;
        let value = match v.as_i64() {
            Some(n) if v.kind() == minijinja::value::ValueKind::Number => FluentValue::from(n),
            _ if html => FluentValue::from(minijinja::HtmlEscape(&v.to_string()).to_string()),
            _ => FluentValue::from(v.to_string()),
        };
        args.set(name.to_string(), value);
    }
    Ok(args)
}

/// Every message as (key, zh-CN, en), values left as their names.
pub(crate) fn all() -> Vec<(String, String, String)> {
    let m = messages();
    m.keys
        .iter()
        .map(|k| {
            (
                k.clone(),
                format(&m.zh, k, None).unwrap_or_default(),
                format(&m.en, k, None).unwrap_or_default(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_parse_and_have_the_same_keys() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(texts::DEFAULT_DIR);
        let m = Messages::of(
            texts::read_one(&dir, "zh-CN", FILE).unwrap(),
            texts::read_one(&dir, "en", FILE).unwrap(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(m.keys.len() > 500);
        install(&dir).unwrap();
    }

    #[test]
    fn a_key_in_one_language_only_is_refused() {
        let err = Messages::of("a = 甲\nb = 乙\n".into(), "a = A\n".into()).err().expect("refused");
        assert!(err.contains("only in zh-CN: [\"b\"]"), "{err}");
        let err = Messages::of("a = { $x\n".into(), "a = A\n".into()).err().expect("refused");
        assert!(err.contains("zh-CN/pages.ftl/a"), "{err}");
    }

    #[test]
    fn a_key_reads_in_either_language_and_data_passes_through() {
        assert_eq!(t("order-no", false), "订单号");
        assert_eq!(t("order-no", true), "Order no.");
        // Chinese is data, never looked up: a domain type's value comes as its key.
        assert_eq!(t("订单号", true), "订单号");
        assert_eq!(t("合肥某某科技有限公司", true), "合肥某某科技有限公司");
        // Spaces at either end are the message's.
        assert_eq!(t("sep-or", true), " or ");
    }

    #[test]
    fn a_count_is_said_in_the_readers_grammar() {
        let mut one = FluentArgs::new();
        one.set("n", 1);
        let mut two = FluentArgs::new();
        two.set("n", 2);
        assert_eq!(t_with("orders-in-all", true, Some(&one)), "1 order");
        assert_eq!(t_with("orders-in-all", true, Some(&two)), "2 orders");
        assert_eq!(t_with("orders-in-all", false, Some(&two)), "共 2 个订单");
        // A year is a number too, and reads as written.
        let mut year = FluentArgs::new();
        year.set("year", 2026);
        assert_eq!(
            t_with("no-evaluation-for-has-been-published", true, Some(&year)),
            "No evaluation for 2026 has been published."
        );
    }

    /// Every key a template asks for is a message; no template holds a Chinese phrase
    /// for translation any more.
    #[test]
    fn every_key_the_templates_ask_for_is_a_message() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/templates");
        let mut missing = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            let src = std::fs::read_to_string(&path).unwrap();
            let mut rest = src.as_str();
            while let Some(end) = rest.find("\"|t") {
                let before = &rest[..end];
                if let Some(start) = before.rfind('"') {
                    let key = &before[start + 1..];
                    if !is_key(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
                rest = &rest[end + 3..];
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }

    /// A domain name's key is the message of its Chinese name.
    #[test]
    fn domain_names_have_their_messages() {
        use crate::domain::order::EvidenceKind;
        use crate::domain::party::DocumentKind;
        for k in DocumentKind::ALL {
            assert_eq!(t(document_kind(*k), false), k.name_zh());
        }
        for k in EvidenceKind::ALL {
            assert_eq!(t(evidence_kind(*k), false), k.name_zh());
        }
        use crate::domain::SizeClass::*;
        for k in [Micro, Small, Medium, Large] {
            assert_eq!(t(size_class(k), false), format!("{}企业", k.name_zh()));
        }
    }

    #[test]
    fn english_messages_hold_no_chinese() {
        let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        let bad: Vec<_> = all().into_iter().filter(|(_, _, en)| cjk(en)).collect();
        assert!(bad.is_empty(), "{bad:#?}");
    }
}
