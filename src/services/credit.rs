//! Provider credit (服务机构信用): each provider's grade A–D by the rules in
//! `config/policy/credit.toml`, computed from its record whenever it is read (so any
//! change to a dispute, a delivery, a finding, a clawback or a rating shows at once),
//! with the reasons that cost it points and the sanction the grade calls for.

use crate::db::{credit as repo, DbConnection};
use crate::domain::credit::{assess, Assessment, Counts};
use crate::domain::id::ProviderId;
use crate::domain::Policy;
use crate::error::AppResult;
use chrono::NaiveDateTime;
use std::collections::BTreeMap;

/// The start of the window the rules count events in, before `now`.
fn since(policy: &Policy, now: NaiveDateTime) -> NaiveDateTime {
    now - chrono::Duration::days(i64::from(policy.credit.window_days))
}

/// Every provider's assessment as of `now` (a provider with nothing on record is not
/// in the map: it is [`clean`]).
pub fn all(
    c: &mut DbConnection,
    policy: &Policy,
    now: NaiveDateTime,
) -> AppResult<BTreeMap<ProviderId, Assessment>> {
    Ok(repo::counts(c, since(policy, now), None)?
        .into_iter()
        .map(|(p, counts)| (p, assess(&policy.credit, &counts)))
        .collect())
}

/// The assessment of a provider with nothing on record.
pub fn clean(policy: &Policy) -> Assessment {
    assess(&policy.credit, &Counts::default())
}

/// One provider's assessment as of `now`.
pub fn of_provider(
    c: &mut DbConnection,
    policy: &Policy,
    now: NaiveDateTime,
    provider: &ProviderId,
) -> AppResult<Assessment> {
    let counts = repo::counts(c, since(policy, now), Some(provider))?;
    Ok(counts.get(provider).map_or_else(|| clean(policy), |c| assess(&policy.credit, c)))
}

/// Applies what the provider's grade calls for now, after one of its inputs changed (a
/// finding decided, a dispute lost, a late delivery, a rating): a suspension or a
/// delisting moves its listing at once (never back by itself: a reviewer reinstates it,
/// or an appeal overturns it); a warning is emailed (at most once a day). Inside the
/// caller's transaction; returns the sanction applied, if any.
pub fn enforce(
    c: &mut DbConnection,
    cx: super::Cx<'_>,
    provider: &ProviderId,
) -> AppResult<Option<crate::domain::credit::Sanction>> {
    enforce_at_least(c, cx, provider, None)
}

/// As [`enforce`], with what a finding just decided calls for by itself
/// (`sanctions.by_finding`) and why, in words: the stricter of it and the grade's
/// sanction applies.
pub fn enforce_at_least(
    c: &mut DbConnection,
    cx: super::Cx<'_>,
    provider: &ProviderId,
    by_finding: Option<(crate::domain::credit::Sanction, &str)>,
) -> AppResult<Option<crate::domain::credit::Sanction>> {
    use crate::domain::credit::Sanction;
    let a = of_provider(c, cx.policy, cx.now, provider)?;
    let (sanction, because) = match by_finding {
        Some((s, why)) if s > a.sanction => (s, Some(why)),
        _ => (a.sanction, None),
    };
    match sanction {
        Sanction::None => Ok(None),
        Sanction::Warning => super::providers::warn_by_credit(c, cx, provider, &a),
        s @ (Sanction::Suspension | Sanction::Delisting) => {
            super::providers::sanction_by_credit(c, cx, provider, s, &a, because)
        }
    }
}

/// What a finding of `outcome` calls for by itself (`sanctions.by_finding`), and why in
/// words; none for no issue.
pub fn by_finding(
    policy: &crate::domain::Policy,
    outcome: crate::domain::spot_check::FindingOutcome,
) -> Option<(crate::domain::credit::Sanction, &'static str)> {
    use crate::domain::spot_check::FindingOutcome;
    let s = policy.credit.sanctions.by_finding;
    match outcome {
        FindingOutcome::NoIssue => None,
        FindingOutcome::Corrected => Some((s.corrected, "回访抽查核查核减兑现金额")),
        FindingOutcome::Fraudulent => Some((s.fraudulent, "回访抽查查实未提供服务")),
    }
}
