//! What a provider's credit grade is computed from: its lost disputes, late deliveries,
//! findings, clawbacks (each since a time) and its ratings, counted by the database.

use super::schema::{findings, orders, provider_scores, receivables};
use super::DbConnection;
use crate::domain::credit::Counts;
use crate::domain::id::ProviderId;
use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use std::collections::BTreeMap;

/// Each provider's counts since `since` (ratings: all of them): every provider with any,
/// or only `only`.
pub fn counts(
    conn: &mut DbConnection,
    since: NaiveDateTime,
    only: Option<&ProviderId>,
) -> QueryResult<BTreeMap<ProviderId, Counts>> {
    let mut out: BTreeMap<ProviderId, Counts> = BTreeMap::new();
    let n = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);

    let mut q = orders::table
        .filter(orders::status.eq("cancelled"))
        .filter(orders::dispute_reason.is_not_null())
        .filter(orders::closed_at.ge(since))
        .group_by(orders::provider_id)
        .select((orders::provider_id, count_star()))
        .into_boxed();
    if let Some(p) = only {
        q = q.filter(orders::provider_id.eq(p));
    }
    for (p, c) in q.load::<(ProviderId, i64)>(conn)? {
        out.entry(p).or_default().dispute_lost = n(c);
    }

    let mut q = orders::table
        .filter(orders::delivered_at.ge(since))
        .filter(orders::delivered_at.gt(orders::deliver_by))
        .filter(orders::deliver_by.is_not_null())
        .group_by(orders::provider_id)
        .select((orders::provider_id, count_star()))
        .into_boxed();
    if let Some(p) = only {
        q = q.filter(orders::provider_id.eq(p));
    }
    for (p, c) in q.load::<(ProviderId, i64)>(conn)? {
        out.entry(p).or_default().late_delivery = n(c);
    }

    let mut q = findings::table
        .filter(findings::status.eq("decided"))
        .filter(findings::decided_at.ge(since))
        .filter(findings::outcome.eq_any(["corrected", "fraudulent"]))
        .group_by((findings::provider_id, findings::outcome))
        .select((findings::provider_id, findings::outcome.assume_not_null(), count_star()))
        .into_boxed();
    if let Some(p) = only {
        q = q.filter(findings::provider_id.eq(p));
    }
    for (p, outcome, c) in q.load::<(ProviderId, String, i64)>(conn)? {
        let e = out.entry(p).or_default();
        if outcome == "fraudulent" {
            e.finding_fraudulent = n(c);
        } else {
            e.finding_corrected = n(c);
        }
    }

    let mut q = receivables::table
        .filter(receivables::created_at.ge(since))
        .group_by(receivables::provider_id)
        .select((receivables::provider_id, count_star()))
        .into_boxed();
    if let Some(p) = only {
        q = q.filter(receivables::provider_id.eq(p));
    }
    for (p, c) in q.load::<(ProviderId, i64)>(conn)? {
        out.entry(p).or_default().clawback = n(c);
    }

    let mut q = provider_scores::table
        .select((
            provider_scores::provider_id,
            provider_scores::ratings,
            provider_scores::rating_total,
        ))
        .into_boxed();
    if let Some(p) = only {
        q = q.filter(provider_scores::provider_id.eq(p));
    }
    for (p, r, t) in q.load::<(ProviderId, i64, i64)>(conn)? {
        let e = out.entry(p).or_default();
        e.ratings = n(r);
        e.rating_total = u64::try_from(t).unwrap_or(0);
    }
    Ok(out)
}
