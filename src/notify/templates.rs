//! Email templates as data: the `mail.ftl` of each locale under `config/locales/`
//! ([`crate::texts`]), one Fluent message per kind with a `.subject` and a `.body`.
//! A value the message names but the email does not carry is an error, never a blank.
//! Authorities change the wording without recompiling; a syntax error stops the server
//! at start, and a rendering error fails the use case that wanted to send.

use crate::texts::{self, Bundle};
use fluent_bundle::{FluentArgs, FluentValue};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every kind of email hechuang sends. Each must have a template in the default
/// locale or in English.
pub const KINDS: &[&str] = &[
    "firm_onboarding_decided",
    "application_returned",
    "provider_listing_notice",
    "provider_listing_decided",
    "claim_succeeded",
    "order_requested",
    "order_accepted",
    "order_delivered",
    "order_confirmed",
    "order_disputed",
    "order_declined",
    "order_cancelled",
    "order_dispute_resolved",
    "redemption_decided",
    "payout_paid",
    "payout_failed",
    "voucher_expiring",
    "spot_check_asked",
    "finding_decided",
    "credit_warning",
    "appeal_decided",
    "appeal_overdue",
    "settlement_awaiting_approval",
    "certification_decided",
    "certification_revoked",
    "password_reset",
    "contact_verification",
];

/// The parts of an email's message.
const PARTS: [&str; 2] = ["subject", "body"];

/// The file of each locale that holds the emails.
pub const FILE: &str = "mail.ftl";

/// The locale every template set falls back to last.
pub const FALLBACK_LOCALE: &str = "en";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The locale whose template was used.
    pub locale: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    #[error("no email template {kind:?} in {tried:?}")]
    Missing { kind: String, tried: Vec<String> },
    #[error("email template {locale}/{kind} ({part}) failed to render: {message}")]
    Render { kind: String, locale: String, part: &'static str, message: String },
}

pub struct Templates {
    bundles: BTreeMap<String, Bundle>,
    /// (locale, kind) pairs present.
    present: BTreeSet<(String, String)>,
    default_locale: String,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("present", &self.present.len())
            .field("default_locale", &self.default_locale)
            .finish()
    }
}

impl Templates {
    /// Loads the `mail.ftl` of every locale under `dir`. Fails on a syntax error, an
    /// unknown kind (a typo would otherwise never be sent), a kind without its subject
    /// or body, or a kind with no template in `default_locale` or English.
    pub fn load(dir: &Path, default_locale: &str) -> Result<Templates, String> {
        Templates::from_sets(texts::read_all(dir, FILE)?, default_locale)
    }

    fn from_sets(sets: Vec<(String, String)>, default_locale: &str) -> Result<Templates, String> {
        let mut bundles = BTreeMap::new();
        let mut present = BTreeSet::new();
        for (locale, source) in sets {
            let (bundle, kinds) = texts::bundle(&locale, source)
                .map_err(|faults| format!("mail template {}", texts::describe(&locale, &faults)))?;
            for kind in kinds {
                if !KINDS.contains(&kind.as_str()) {
                    return Err(format!(
                        "mail templates {locale}: unknown kind {kind:?} (known: {})",
                        KINDS.join(", ")
                    ));
                }
                let message = bundle.get_message(&kind);
                for part in PARTS {
                    if message.as_ref().and_then(|m| m.get_attribute(part)).is_none() {
                        return Err(format!(
                            "mail template {locale}/{kind} ({part}): missing; each kind has .subject and .body"
                        ));
                    }
                }
                present.insert((locale.clone(), kind));
            }
            bundles.insert(locale, bundle);
        }
        let t = Templates { bundles, present, default_locale: default_locale.to_string() };
        for kind in KINDS {
            t.pick(kind, default_locale).map_err(|e| format!("mail templates: {e}"))?;
        }
        Ok(t)
    }

    pub fn default_locale(&self) -> &str {
        &self.default_locale
    }

    /// The locale whose template is used for `kind` when `wanted` is asked for: `wanted`,
    /// else the default locale, else English.
    fn pick(&self, kind: &str, wanted: &str) -> Result<String, TemplateError> {
        let mut tried: Vec<String> = Vec::new();
        for l in [wanted, &self.default_locale, FALLBACK_LOCALE] {
            if tried.iter().any(|t| t == l) {
                continue;
            }
            if self.present.contains(&(l.to_string(), kind.to_string())) {
                return Ok(l.to_string());
            }
            tried.push(l.to_string());
        }
        Err(TemplateError::Missing { kind: kind.into(), tried })
    }

    /// Renders `kind` for a reader of `locale` with `context` (a JSON object of the
    /// email's values). The subject is folded onto one line.
    pub fn render(
        &self,
        kind: &str,
        locale: &str,
        context: &serde_json::Value,
    ) -> Result<Rendered, TemplateError> {
        let locale = self.pick(kind, locale)?;
        let args = args_of(context);
        let render = |part: &'static str| -> Result<String, TemplateError> {
            let failed = |message: String| TemplateError::Render {
                kind: kind.into(),
                locale: locale.clone(),
                part,
                message,
            };
            let pattern = self
                .bundles
                .get(&locale)
                .and_then(|b| b.get_message(kind))
                .and_then(|m| m.get_attribute(part))
                .ok_or_else(|| failed("missing".into()))?
                .value();
            let bundle = &self.bundles[&locale];
            let mut errors = vec![];
            let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
            if errors.is_empty() {
                Ok(text.into_owned())
            } else {
                let said: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                Err(failed(said.join("; ")))
            }
        };
        let subject = render("subject")?.split_whitespace().collect::<Vec<_>>().join(" ");
        let body = render("body")?;
        Ok(Rendered { locale, subject, body: body.trim_end().to_string() + "\n" })
    }
}

/// An email's values as Fluent's: text stays text, numbers stay numbers, yes-or-no reads
/// `true` / `false` (for `[true]` / `[false]` variants), nothing reads empty.
fn args_of(context: &serde_json::Value) -> FluentArgs<'static> {
    let mut args = FluentArgs::new();
    if let Some(map) = context.as_object() {
        for (name, v) in map {
            let value = match v {
                serde_json::Value::String(s) => FluentValue::from(s.clone()),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => FluentValue::from(i),
                    None => FluentValue::from(n.as_f64().unwrap_or_default()),
                },
                serde_json::Value::Bool(b) => FluentValue::from(b.to_string()),
                serde_json::Value::Null => FluentValue::from(""),
                other => FluentValue::from(other.to_string()),
            };
            args.set(name.clone(), value);
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shipped() -> Templates {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(texts::DEFAULT_DIR);
        Templates::load(&dir, "zh-CN").expect("shipped templates load")
    }

    struct Entry {
        subject: String,
        body: String,
    }

    /// A locale's `mail.ftl` written from its entries, each part a block of lines.
    fn load(
        sets: Vec<(String, BTreeMap<String, Entry>)>,
        default_locale: &str,
    ) -> Result<Templates, String> {
        let block = |text: &str| text.lines().map(|l| format!("\n        {l}")).collect::<String>();
        let sources = sets
            .into_iter()
            .map(|(locale, entries)| {
                let source = entries
                    .iter()
                    .map(|(kind, e)| {
                        format!(
                            "{kind} =\n    .subject ={}\n    .body ={}\n",
                            block(&e.subject),
                            block(&e.body)
                        )
                    })
                    .collect::<String>();
                (locale, source)
            })
            .collect();
        Templates::from_sets(sources, default_locale)
    }

    fn set(locale: &str, kinds: &[(&str, &str, &str)]) -> (String, BTreeMap<String, Entry>) {
        (
            locale.to_string(),
            kinds
                .iter()
                .map(|(k, s, b)| {
                    (k.to_string(), Entry { subject: s.to_string(), body: b.to_string() })
                })
                .collect(),
        )
    }

    fn all_kinds(locale: &str) -> (String, BTreeMap<String, Entry>) {
        let v: Vec<(&str, &str, &str)> = KINDS.iter().map(|k| (*k, "s", "b")).collect();
        set(locale, &v)
    }

    #[test]
    fn every_shipped_template_renders_its_sample_in_both_languages() {
        let t = shipped();
        for kind in KINDS {
            let ctx = super::super::sample_context(kind);
            for locale in ["zh-CN", "en"] {
                let r =
                    t.render(kind, locale, &ctx).unwrap_or_else(|e| panic!("{locale}/{kind}: {e}"));
                assert_eq!(r.locale, locale, "{kind} has its own {locale} template");
                assert!(!r.subject.is_empty() && !r.subject.contains('\n'));
                assert!(r.body.len() > 20, "{locale}/{kind} body: {:?}", r.body);
            }
        }
    }

    #[test]
    fn amounts_and_codes_appear_in_subject_and_body() {
        let t = shipped();
        let ctx = super::super::sample_context("claim_succeeded");
        let r = t.render("claim_succeeded", "zh-CN", &ctx).unwrap();
        assert!(r.subject.contains("HQ-2026-01-000123"), "{}", r.subject);
        assert!(r.subject.contains("20,000.00"), "{}", r.subject);
        assert!(r.body.contains("2027-11-23"), "{}", r.body);
        let ctx = super::super::sample_context("payout_paid");
        let r = t.render("payout_paid", "zh-CN", &ctx).unwrap();
        assert!(r.subject.contains("1,234,567.89"), "{}", r.subject);
        assert!(r.body.contains("PO-2026-11-0001"), "{}", r.body);
    }

    #[test]
    fn a_listing_decision_says_the_state_in_words_in_both_languages() {
        let t = shipped();
        let ctx = super::super::sample_context("provider_listing_decided");
        assert_eq!(ctx["status"], "rejected");
        for (locale, words) in [("zh-CN", "未通过"), ("en", "not approved")] {
            let r = t.render("provider_listing_decided", locale, &ctx).unwrap();
            assert!(r.subject.contains(words) && r.body.contains(words), "{locale}: {r:?}");
            assert!(!r.subject.contains("rejected") && !r.body.contains("rejected"), "{r:?}");
        }
    }

    #[test]
    fn a_missing_locale_falls_back_to_the_default_then_english() {
        let mut zh = all_kinds("zh-CN");
        zh.1.remove("payout_paid");
        let t = load(vec![zh, all_kinds("en")], "zh-CN").unwrap();
        assert_eq!(t.render("claim_succeeded", "fr", &json!({})).unwrap().locale, "zh-CN");
        assert_eq!(t.render("payout_paid", "zh-CN", &json!({})).unwrap().locale, "en");
    }

    #[test]
    fn a_kind_without_any_template_stops_loading() {
        let mut zh = all_kinds("zh-CN");
        zh.1.remove("voucher_expiring");
        let err = load(vec![zh], "zh-CN").unwrap_err();
        assert!(err.contains("voucher_expiring"), "{err}");
    }

    #[test]
    fn an_unknown_kind_or_a_syntax_error_stops_loading() {
        let mut zh = all_kinds("zh-CN");
        zh.1.insert("claim_succeded".into(), Entry { subject: "s".into(), body: "b".into() });
        let err = load(vec![zh], "zh-CN").unwrap_err();
        assert!(err.contains("claim_succeded"), "{err}");

        let mut zh = all_kinds("zh-CN");
        zh.1.insert(
            "claim_succeeded".into(),
            Entry { subject: "{ $voucher_code".into(), body: "b".into() },
        );
        let err = load(vec![zh], "zh-CN").unwrap_err();
        assert!(err.contains("zh-CN/claim_succeeded (subject)"), "{err}");
    }

    #[test]
    fn an_undefined_value_is_an_error_not_a_blank() {
        let mut zh = all_kinds("zh-CN");
        zh.1.insert(
            "claim_succeeded".into(),
            Entry {
                subject: "领取成功 { $voucher_code }".into(),
                body: "{ $no_such_value }".into(),
            },
        );
        let t = load(vec![zh], "zh-CN").unwrap();
        let err = t.render("claim_succeeded", "zh-CN", &json!({"voucher_code": "X"})).unwrap_err();
        assert!(matches!(&err, TemplateError::Render { part: "body", .. }), "{err}");
        assert!(
            err.to_string().contains("no_such_value") || err.to_string().contains("undefined"),
            "{err}"
        );
    }

    #[test]
    fn subjects_are_folded_onto_one_line() {
        let mut zh = all_kinds("zh-CN");
        zh.1.insert(
            "claim_succeeded".into(),
            Entry { subject: "领取成功\n  { $code }\r\n".into(), body: "正文".into() },
        );
        let t = load(vec![zh], "zh-CN").unwrap();
        let r = t.render("claim_succeeded", "zh-CN", &json!({"code": "HQ-1"})).unwrap();
        assert_eq!(r.subject, "领取成功 HQ-1");
        assert_eq!(r.body, "正文\n");
    }
}
