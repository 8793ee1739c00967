//! Spot checks (回访抽查): the month's draw of approved redemption items, recorded with
//! its seed and every item's tickets and key (`domain::spot_check`); each sampled firm
//! asked, in the portal and by email, whether the service was delivered as invoiced; a
//! "no", or no answer by the deadline, opens a finding for a reviewer, and an unpaid
//! item under an open finding waits outside settlement.

use super::{audit, outbox, Cx, Page, Paged};
use crate::db::models::{DrawRow, EntryRow, FindingRow, SpotCheckRow};
use crate::db::{self, parties, spot_checks as repo, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::{DrawId, FindingId, FirmId, SpotCheckId};
use crate::domain::settlement::Period;
use crate::domain::spot_check::{
    self as rules, CheckStatus, FindingStatus, OpenedBecause, Risk, SpotCheckPolicy,
};
use crate::domain::validation::FieldErrors;
use crate::domain::Fen;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notify::{Message, SpotCheckAsked};
use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The month to draw.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawInput {
    /// `YYYY-MM`: the China month whose approved redemption items are drawn from; it
    /// must have ended.
    #[schema(schema_with = crate::domain::validation::schema::period)]
    pub period: String,
}

/// A draw as anyone may read it: the rules, the seed, the population's digest, every
/// item with its tickets, risks and key, and which were drawn. No firm or person named.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DrawView {
    #[schema(value_type = String)]
    pub id: DrawId,
    pub period: String,
    /// 64 hex characters, from the server's CSPRNG at the draw.
    pub seed: String,
    /// SHA-256 of the items' ids, sorted, joined by a newline.
    pub population_digest: String,
    pub population: i32,
    pub sample_size: i32,
    /// The policy the draw used (`config/policy/spot_checks.toml` then).
    #[schema(value_type = Object)]
    pub rules: serde_json::Value,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub drawn_at: NaiveDateTime,
    /// Every item of the population, least key (drawn first) first; empty in lists.
    pub entries: Vec<DrawEntry>,
}

/// One item of a draw's population.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DrawEntry {
    /// The redemption item's id (the key's input).
    pub item_id: String,
    pub order_no: String,
    pub provider_name: String,
    pub category: String,
    #[schema(value_type = String, example = "5000.00")]
    pub amount: Fen,
    pub tickets: i32,
    pub risks: Vec<Risk>,
    pub draw_key: String,
    pub sampled: bool,
}

fn view(d: DrawRow, entries: Vec<DrawEntry>) -> DrawView {
    DrawView {
        id: d.id,
        period: d.period,
        seed: d.seed,
        population_digest: d.population_digest,
        population: d.population,
        sample_size: d.sample_size,
        rules: serde_json::from_str(&d.rules).unwrap_or_default(),
        drawn_at: d.drawn_at,
        entries,
    }
}

/// The risks an item carries for the draw at `now`, given its provider's listing time,
/// score and earlier findings.
fn risks_of(
    policy: &SpotCheckPolicy,
    basis: &crate::domain::rating::Basis,
    now: NaiveDateTime,
    listed_at: Option<NaiveDateTime>,
    ratings: Option<(i64, i64)>,
    earlier: bool,
) -> Vec<Risk> {
    let w = &policy.weights;
    let mut out = Vec::new();
    if listed_at.is_some_and(|at| at > now - Duration::days(i64::from(w.new_provider_days))) {
        out.push(Risk::NewProvider);
    }
    let score = ratings.and_then(|(n, t)| basis.score(n, t));
    if score.is_some_and(|s| s < w.low_score_below) {
        out.push(Risk::LowScore);
    }
    if earlier {
        out.push(Risk::EarlierFindings);
    }
    out
}

/// Draws the spot-check sample of a month that has ended: every approved item of the
/// month weighed by its risks, the sample drawn with a new seed, all of it recorded,
/// each sampled firm asked in the portal and by email. Once per month.
pub fn draw(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    base_url: &str,
    input: &DrawInput,
) -> AppResult<DrawView> {
    let period =
        Period::parse(input.period.trim()).ok_or_else(|| AppError::of(ErrorCode::PeriodInvalid))?;
    if cx.now < period.end_utc() {
        return Err(AppError::of(ErrorCode::PeriodNotOver).arg("period", period.to_string()));
    }
    let by = cx.actor.user_id.clone().ok_or_else(AppError::forbidden)?;
    let policy = &cx.policy.spot_checks;
    db::write_tx(conn, |c| -> AppResult<_> {
        if repo::draw_of_period(c, &period.to_string())?.is_some() {
            return Err(AppError::of(ErrorCode::AlreadyDrawn).arg("period", period.to_string()));
        }
        let population = repo::population(c, period.start_utc(), period.end_utc())?;
        if population.is_empty() {
            return Err(AppError::of(ErrorCode::NothingToDraw).arg("period", period.to_string()));
        }
        let basis = super::ratings::basis(c, cx.policy)?;
        let found: HashSet<String> =
            repo::providers_with_findings(c)?.into_iter().map(|p| p.to_string()).collect();
        let weighed: Vec<(String, Vec<Risk>)> = population
            .iter()
            .map(|(item, provider, listed_at, n, t)| {
                let ratings = n.zip(*t);
                let earlier = found.contains(provider.as_str());
                (item.to_string(), risks_of(policy, &basis, cx.now, *listed_at, ratings, earlier))
            })
            .collect();
        let tickets: Vec<(&str, u32)> =
            weighed.iter().map(|(id, r)| (id.as_str(), policy.weights.tickets(r))).collect();
        let seed = crate::domain::lottery::new_seed();
        let (digest, keyed) = rules::draw(&seed, &tickets, policy);
        let sampled = keyed.iter().filter(|(_, s)| *s).count();
        let row = DrawRow {
            id: DrawId::new(),
            period: period.to_string(),
            seed,
            population_digest: digest,
            population: i32::try_from(population.len()).unwrap_or(i32::MAX),
            sample_size: i32::try_from(sampled).unwrap_or(i32::MAX),
            rules: serde_json::to_string(policy).map_err(AppError::internal)?,
            drawn_by: by,
            drawn_at: cx.now,
        };
        if !repo::insert_draw(c, &row)? {
            return Err(AppError::of(ErrorCode::AlreadyDrawn).arg("period", period.to_string()));
        }
        let entries: Vec<EntryRow> = population
            .iter()
            .zip(weighed.iter().zip(keyed))
            .map(|((item, ..), ((_, risks), (key, drawn)))| EntryRow {
                draw_id: row.id.clone(),
                item_id: item.clone(),
                tickets: i32::try_from(policy.weights.tickets(risks)).unwrap_or(i32::MAX),
                risks: risks.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","),
                draw_key: key,
                sampled: drawn,
            })
            .collect();
        repo::insert_entries(c, &entries)?;
        let answer_by = cx.now + Duration::days(i64::from(policy.answer_days));
        let mut emails = Vec::new();
        for e in entries.iter().filter(|e| e.sampled) {
            let item = db::orders::item(c, &e.item_id)?
                .ok_or_else(|| AppError::internal("a drawn item is gone"))?;
            let order = db::orders::get(c, &item.order_id)?
                .ok_or_else(|| AppError::internal("a drawn item's order is gone"))?;
            let check = SpotCheckRow {
                id: SpotCheckId::new(),
                draw_id: row.id.clone(),
                item_id: item.id.clone(),
                firm_id: item.firm_id.clone(),
                provider_id: item.provider_id.clone(),
                status: CheckStatus::Asked,
                answer_by,
                delivered: None,
                firm_note: None,
                answered_at: None,
                created_at: cx.now,
                updated_at: cx.now,
            };
            repo::insert_check(c, &check)?;
            let firm = parties::firm(c, &item.firm_id)?
                .ok_or_else(|| AppError::internal("a drawn item's firm is gone"))?;
            let provider = parties::provider(c, &item.provider_id)?
                .ok_or_else(|| AppError::internal("a drawn item's provider is gone"))?;
            emails.push(
                SpotCheckAsked {
                    firm_name: firm.name.clone(),
                    order_no: order.order_no.clone(),
                    service: order.title.clone(),
                    provider_name: provider.name,
                    amount: crate::notify::yuan(item.amount_fen),
                    answer_by: crate::domain::china_time(answer_by)
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                    link: format!("{}/firm/spot-checks", base_url.trim_end_matches('/')),
                }
                .to(&firm.contact_email, &firm.name)
                .once(format!("spot_check:{}", check.id)),
            );
        }
        outbox::enqueue(c, cx.templates, emails, cx.now)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::SpotCheckDrawn, row.id.as_str()).after(&serde_json::json!({
                "period": row.period, "seed": row.seed, "population_digest": row.population_digest,
                "population": row.population, "sample_size": row.sample_size,
            })),
        )?;
        Ok(view(row, Vec::new()))
    })
}

/// A draw with every entry, for anyone.
pub fn public_draw(conn: &mut DbConnection, id: &DrawId) -> AppResult<DrawView> {
    db::read_tx(conn, |c| -> AppResult<_> {
        let d = repo::draw(c, id)?.ok_or_else(|| AppError::not_found("spot check draw"))?;
        let entries = repo::entries(c, &d.id)?
            .into_iter()
            .map(|(e, order_no, provider_name, category, amount)| DrawEntry {
                item_id: e.item_id.to_string(),
                order_no,
                provider_name,
                category,
                amount,
                tickets: e.tickets,
                risks: e.risks.split(',').filter_map(Risk::parse).collect(),
                draw_key: e.draw_key,
                sampled: e.sampled,
            })
            .collect();
        Ok(view(d, entries))
    })
}

/// The draws, latest month first (without their entries).
pub fn draws(conn: &mut DbConnection, page: Page) -> AppResult<Paged<DrawView>> {
    let (rows, total) = repo::draws(conn, page.offset(), page.per_page)?;
    Ok(Paged {
        items: rows.into_iter().map(|d| view(d, Vec::new())).collect(),
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

/// A spot check as its firm and the staff read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckView {
    #[schema(value_type = String)]
    pub id: SpotCheckId,
    #[schema(value_type = String)]
    pub draw_id: DrawId,
    pub item_id: String,
    pub order_no: String,
    pub service: String,
    pub provider_name: String,
    #[schema(value_type = String, example = "5000.00")]
    pub amount: Fen,
    pub status: CheckStatus,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub answer_by: NaiveDateTime,
    pub delivered: Option<bool>,
    pub firm_note: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub answered_at: Option<NaiveDateTime>,
}

fn check_view(r: repo::CheckShown) -> CheckView {
    let (c, order_no, service, provider_name, amount) = r;
    CheckView {
        id: c.id,
        draw_id: c.draw_id,
        item_id: c.item_id.to_string(),
        order_no,
        service,
        provider_name,
        amount,
        status: c.status,
        answer_by: c.answer_by,
        delivered: c.delivered,
        firm_note: c.firm_note,
        answered_at: c.answered_at,
    }
}

/// Checks: a firm's own, or any (staff), of one state, newest first.
pub fn checks(
    conn: &mut DbConnection,
    firm: Option<&FirmId>,
    status: Option<CheckStatus>,
    page: Page,
) -> AppResult<Paged<CheckView>> {
    let (rows, total) = repo::checks(conn, firm, status, None, page.offset(), page.per_page)?;
    Ok(Paged {
        items: rows.into_iter().map(check_view).collect(),
        page: page.page,
        per_page: page.per_page,
        total,
    })
}

/// The firm's answer: was the service delivered as invoiced? A "no" says what happened.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckAnswerInput {
    pub delivered: bool,
    /// What happened; required when `delivered` is false (at most 1,000 characters).
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Opens a finding on `check`'s item, for the reason given.
fn open_finding(
    c: &mut DbConnection,
    cx: &Cx<'_>,
    check: &SpotCheckRow,
    because: OpenedBecause,
) -> AppResult<FindingRow> {
    // The item's lock: a settlement run being prepared takes its items after this
    // commits, so it sees the finding (or this waits for the run).
    db::orders::item_for_update(c, &check.item_id)?;
    let f = FindingRow {
        id: FindingId::new(),
        check_id: check.id.clone(),
        item_id: check.item_id.clone(),
        provider_id: check.provider_id.clone(),
        opened_because: because,
        status: FindingStatus::Open,
        provider_statement: None,
        outcome: None,
        corrected_fen: None,
        reason: None,
        decided_by: None,
        decided_at: None,
        opened_at: cx.now,
        updated_at: cx.now,
    };
    repo::insert_finding(c, &f)?;
    audit::record(c, cx.by(), audit::Change::new(Fixed::FindingOpened, f.id.as_str()).after(&f))?;
    Ok(f)
}

/// The sampled firm answers its check, once, by the deadline: yes closes it; no, with
/// what happened, opens a finding.
pub fn answer(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    firm: &FirmId,
    id: &SpotCheckId,
    input: &CheckAnswerInput,
) -> AppResult<CheckView> {
    let mut e = FieldErrors::new();
    let note = input.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let note = note.map(|n| e.long_text("note", n, 1000));
    if !input.delivered && note.is_none() {
        e.add(
            "note",
            ErrorCode::Required,
            "请说明未如实交付的情况",
            "say what was not delivered as invoiced",
        );
    }
    e.finish()?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::check_for_update(c, id)?
            .filter(|k| &k.firm_id == firm)
            .ok_or_else(|| AppError::not_found("spot check"))?;
        if before.status != CheckStatus::Asked {
            return Err(AppError::of(ErrorCode::CheckAnswered));
        }
        if cx.now > before.answer_by {
            let until = crate::domain::china_time(before.answer_by).format("%Y-%m-%d %H:%M");
            return Err(AppError::of(ErrorCode::CheckClosed).arg("until", until));
        }
        let mut after = before.clone();
        after.delivered = Some(input.delivered);
        after.firm_note = note.clone();
        after.answered_at = Some(cx.now);
        after.updated_at = cx.now;
        after.status = if input.delivered { CheckStatus::Confirmed } else { CheckStatus::Finding };
        repo::update_check(c, &after)?;
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::SpotCheckAnswered, after.id.as_str())
                .before(&before)
                .after(&after),
        )?;
        if !input.delivered {
            open_finding(c, &cx, &after, OpenedBecause::FirmSaidNo)?;
        }
        let (rows, _) = repo::checks(c, Some(firm), None, Some(&after.id), 0, 1)?;
        rows.into_iter()
            .next()
            .map(check_view)
            .ok_or_else(|| AppError::internal("the check is gone"))
    })
}

/// What the deadline job did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overdue {
    /// Checks unanswered past their deadline, now findings.
    pub findings: Vec<String>,
}

/// Checks unanswered past their deadline become findings (the `spot_check_deadlines`
/// job), a hundred at a time, each in its own transaction.
pub fn conclude_overdue(conn: &mut DbConnection, cx: Cx<'_>) -> AppResult<Overdue> {
    let mut out = Overdue::default();
    loop {
        let due = repo::overdue(conn, cx.now, 100)?;
        if due.is_empty() {
            return Ok(out);
        }
        for id in due {
            let opened = db::write_tx(conn, |c| -> AppResult<_> {
                let Some(before) = repo::check_for_update(c, &id)? else {
                    return Ok(None);
                };
                // Answered meanwhile, or not yet due: nothing to do.
                if before.status != CheckStatus::Asked || before.answer_by >= cx.now {
                    return Ok(None);
                }
                let mut after = before.clone();
                after.status = CheckStatus::Finding;
                after.updated_at = cx.now;
                repo::update_check(c, &after)?;
                Ok(Some(open_finding(c, &cx, &after, OpenedBecause::NoAnswer)?))
            })?;
            if let Some(f) = opened {
                out.findings.push(f.id.to_string());
            }
        }
    }
}
