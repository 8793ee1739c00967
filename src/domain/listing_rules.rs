//! The listing rules (服务机构入库条件) the review desk applies to a provider's application
//! before its public notice, as the programmes that verify a provider's conditions and
//! qualifications before listing do: its business licence, a professional
//! qualification in force for each licensed category it applies for, its contact
//! address verified, and payouts going to an account in its own name. The rules inform;
//! the reviewer decides.

use super::party::person_key;
use super::ListingPolicy;
use serde::Serialize;

/// What the rules read of one application.
#[derive(Debug, Clone)]
pub struct ListingFacts<'a> {
    pub name: &'a str,
    /// The categories applied for (codes).
    pub categories: &'a [String],
    /// A business licence (营业执照) uploaded.
    pub business_licence: bool,
    /// Qualification certificates (资质证书) with their number and in force today.
    pub qualifications_in_force: usize,
    /// Qualification certificates past their validity.
    pub qualifications_expired: usize,
    pub contact_verified: bool,
    pub bank_account_name: &'a str,
}

/// One rule's outcome, with what it read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum ListingRule {
    /// 营业执照: uploaded.
    BusinessLicence { uploaded: bool },
    /// One qualification certificate in force per licensed category applied for
    /// (`categories`, codes); only when the application has such a category.
    Qualifications { categories: Vec<String>, in_force: usize, expired: usize },
    /// The contact address verified by its emailed link.
    ContactVerified { verified: bool },
    /// The payout account's holder is the provider itself (names compared with
    /// full-width forms, spaces and case folded): money for services goes to the body
    /// that delivered them, not to a third party.
    AccountName { account_name: String, matches: bool },
}

impl ListingRule {
    /// Met.
    pub fn met(&self) -> bool {
        match self {
            ListingRule::BusinessLicence { uploaded } => *uploaded,
            ListingRule::Qualifications { categories, in_force, .. } => {
                *in_force >= categories.len()
            }
            ListingRule::ContactVerified { verified } => *verified,
            ListingRule::AccountName { matches, .. } => *matches,
        }
    }
}

/// An application's outcome under the listing rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ListingCheck {
    /// Every rule that applies met.
    pub all_met: bool,
    pub met: usize,
    pub rules: Vec<ListingRule>,
}

/// The listing rules applied to `f`.
pub fn check(policy: &ListingPolicy, f: &ListingFacts<'_>) -> ListingCheck {
    let mut rules = vec![ListingRule::BusinessLicence { uploaded: f.business_licence }];
    let licensed: Vec<String> =
        f.categories.iter().filter(|c| policy.qualified_categories.contains(c)).cloned().collect();
    if !licensed.is_empty() {
        rules.push(ListingRule::Qualifications {
            categories: licensed,
            in_force: f.qualifications_in_force,
            expired: f.qualifications_expired,
        });
    }
    rules.push(ListingRule::ContactVerified { verified: f.contact_verified });
    rules.push(ListingRule::AccountName {
        account_name: f.bank_account_name.to_string(),
        matches: !f.bank_account_name.trim().is_empty()
            && person_key(f.bank_account_name) == person_key(f.name),
    });
    let met = rules.iter().filter(|r| r.met()).count();
    ListingCheck { all_met: met == rules.len(), met, rules }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ListingPolicy {
        ListingPolicy {
            notice_days: 7,
            qualified_categories: vec!["patent".into(), "testing".into()],
        }
    }

    fn facts<'a>(categories: &'a [String]) -> ListingFacts<'a> {
        ListingFacts {
            name: "合肥知识产权代理（有限合伙）",
            categories,
            business_licence: true,
            qualifications_in_force: 0,
            qualifications_expired: 0,
            contact_verified: true,
            bank_account_name: "合肥知识产权代理（有限合伙）",
        }
    }

    #[test]
    fn an_unlicensed_category_needs_no_qualification() {
        let cats = vec!["legal".to_string()];
        let c = check(&policy(), &facts(&cats));
        assert!(c.all_met, "{c:?}");
        assert_eq!(c.rules.len(), 3);
        assert!(!c.rules.iter().any(|r| matches!(r, ListingRule::Qualifications { .. })));
    }

    #[test]
    fn each_licensed_category_needs_a_certificate_in_force() {
        let cats = vec!["patent".to_string(), "testing".to_string(), "legal".to_string()];
        let mut f = facts(&cats);
        f.qualifications_in_force = 1;
        f.qualifications_expired = 2;
        let c = check(&policy(), &f);
        assert!(!c.all_met);
        assert_eq!(c.met, 3);
        let q = c.rules.iter().find(|r| matches!(r, ListingRule::Qualifications { .. }));
        assert_eq!(
            q,
            Some(&ListingRule::Qualifications {
                categories: vec!["patent".into(), "testing".into()],
                in_force: 1,
                expired: 2
            })
        );
        f.qualifications_in_force = 2;
        assert!(check(&policy(), &f).all_met);
    }

    #[test]
    fn the_account_is_the_providers_own_whatever_the_width_and_spacing() {
        let cats = vec!["legal".to_string()];
        let mut f = facts(&cats);
        f.bank_account_name = " 合肥知识产权代理(有限合伙) ";
        assert!(check(&policy(), &f).all_met, "half-width brackets and spaces fold");
        f.bank_account_name = "王五";
        let c = check(&policy(), &f);
        assert_eq!((c.all_met, c.met), (false, 2));
        f.bank_account_name = "  ";
        assert!(!check(&policy(), &f).all_met, "no account name is not the provider's");
    }

    #[test]
    fn a_missing_licence_or_an_unverified_contact_is_not_met() {
        let cats = vec!["legal".to_string()];
        let mut f = facts(&cats);
        f.business_licence = false;
        f.contact_verified = false;
        let c = check(&policy(), &f);
        assert_eq!((c.all_met, c.met), (false, 1));
    }
}
