//! Ratings of confirmed orders (服务评价): the firm rates once within the window, the
//! provider answers once, publicly; a provider's quality score is the shrunk average
//! (`domain::rating`).

use super::{audit, Cx, Page};
use crate::db::models::RatingRow;
use crate::db::{self, orders as order_repo, ratings as repo, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::{FirmId, OrderId, ProviderId};
use crate::domain::order::OrderStatus;
use crate::domain::rating::{self, Scores, TEXT_AT_MOST};
use crate::domain::validation::FieldErrors;
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// A firm's rating of one order.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    /// 服务质量, 1–5.
    #[schema(minimum = 1, maximum = 5)]
    pub quality: i64,
    /// 及时性, 1–5.
    #[schema(minimum = 1, maximum = 5)]
    pub timeliness: i64,
    /// 性价比, 1–5.
    #[schema(minimum = 1, maximum = 5)]
    pub value: i64,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub comment: Option<String>,
}

/// The provider's public answer to a rating.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    #[schema(min_length = 1, max_length = 1000)]
    pub answer: String,
}

/// A rating as anyone may read it: no firm named.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RatingView {
    #[schema(value_type = String)]
    pub order_id: OrderId,
    pub quality: i32,
    pub timeliness: i32,
    pub value: i32,
    pub comment: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser")]
    pub rated_at: NaiveDateTime,
    pub answer: Option<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub answered_at: Option<NaiveDateTime>,
}

impl From<RatingRow> for RatingView {
    fn from(r: RatingRow) -> Self {
        RatingView {
            order_id: r.order_id,
            quality: r.quality,
            timeliness: r.timeliness,
            value: r.value,
            comment: r.comment,
            rated_at: r.rated_at,
            answer: r.answer,
            answered_at: r.answered_at,
        }
    }
}

/// A provider's quality score and its ratings, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProviderRatings {
    /// The shrunk average (1–5, two places) as a decimal string; none before a rating.
    pub score: Option<String>,
    /// How many ratings it has.
    pub ratings: i64,
    /// The mean of every rating in the programme, toward which few ratings are pulled.
    pub programme_mean: String,
    pub items: Vec<RatingView>,
    pub page: i64,
    pub per_page: i64,
}

fn scores(input: &RatingInput, e: &mut FieldErrors) -> Scores {
    let small = |v: i64| i16::try_from(v).unwrap_or(0);
    let s = Scores {
        quality: small(input.quality),
        timeliness: small(input.timeliness),
        value: small(input.value),
    };
    for field in s.out_of_range() {
        e.add(
            field,
            ErrorCode::ScoreOutOfRange,
            "请在 1 至 5 分之间打分",
            "give a score from 1 to 5",
        );
    }
    s
}

/// An optional text: trimmed, none when empty, at most [`TEXT_AT_MOST`] characters.
fn optional_text(e: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    Some(e.long_text(field, v, TEXT_AT_MOST))
}

/// The firm rates its confirmed order, once, within the window after confirming it.
pub fn rate(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    firm_id: &FirmId,
    order_id: &OrderId,
    input: &RatingInput,
) -> AppResult<RatingView> {
    let mut e = FieldErrors::new();
    let s = scores(input, &mut e);
    let comment = optional_text(&mut e, "comment", input.comment.as_deref());
    e.finish()?;
    db::write_tx(conn, |c| -> AppResult<_> {
        // The order's lock: two sessions rating at once take turns, the second is told.
        let order = order_repo::get_for_update(c, order_id)?
            .filter(|o| &o.firm_id == firm_id)
            .ok_or_else(|| AppError::not_found("order"))?;
        let confirmed_at = match (order.status, order.confirmed_at) {
            (OrderStatus::Confirmed, Some(at)) => at,
            _ => return Err(AppError::of(ErrorCode::RatingNotConfirmed)),
        };
        let days = cx.policy.spending.rating_window_days;
        if !rating::window_open(confirmed_at, cx.now, days) {
            let until =
                crate::domain::china_time(confirmed_at + chrono::Duration::days(i64::from(days)));
            return Err(AppError::of(ErrorCode::RatingWindowClosed)
                .arg("until", until.format("%Y-%m-%d %H:%M")));
        }
        let row = RatingRow {
            order_id: order.id.clone(),
            firm_id: order.firm_id.clone(),
            provider_id: order.provider_id.clone(),
            quality: i32::from(s.quality),
            timeliness: i32::from(s.timeliness),
            value: i32::from(s.value),
            comment,
            rated_at: cx.now,
            answer: None,
            answered_at: None,
        };
        if repo::get(c, &order.id)?.is_some() || !repo::insert(c, &row)? {
            return Err(AppError::of(ErrorCode::AlreadyRated));
        }
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::OrderRated, order.id.as_str()).after(&row),
        )?;
        super::credit::enforce(c, cx, &order.provider_id)?;
        Ok(RatingView::from(row))
    })
}

/// The provider answers the rating of one of its orders, once, publicly.
pub fn answer(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    provider_id: &ProviderId,
    order_id: &OrderId,
    input: &AnswerInput,
) -> AppResult<RatingView> {
    let mut e = FieldErrors::new();
    let text = e.long_text("answer", &input.answer, TEXT_AT_MOST);
    e.finish()?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let order = order_repo::get_for_update(c, order_id)?
            .filter(|o| &o.provider_id == provider_id)
            .ok_or_else(|| AppError::not_found("order"))?;
        let before = repo::get(c, &order.id)?.ok_or_else(|| AppError::of(ErrorCode::NotRated))?;
        if before.answer.is_some() || !repo::answer(c, &order.id, &text, cx.now)? {
            return Err(AppError::of(ErrorCode::AlreadyAnswered));
        }
        let after = repo::get(c, &order.id)?.ok_or_else(|| AppError::internal("rating gone"))?;
        audit::record(
            c,
            cx.by(),
            audit::Change::new(Fixed::OrderRatingAnswered, order.id.as_str())
                .before(&before)
                .after(&after),
        )?;
        Ok(RatingView::from(after))
    })
}

/// An order's rating, if it has one, for the order's firm or provider (or staff).
pub fn of_order(conn: &mut DbConnection, order_id: &OrderId) -> AppResult<Option<RatingView>> {
    Ok(repo::get(conn, order_id)?.map(RatingView::from))
}

/// A provider's quality score (the shrunk average) and its ratings, a page of them.
pub fn of_provider(
    conn: &mut DbConnection,
    policy: &crate::domain::Policy,
    provider_id: &ProviderId,
    page: Page,
) -> AppResult<ProviderRatings> {
    db::read_tx(conn, |c| -> AppResult<_> {
        let listed = db::parties::provider(c, provider_id)?
            .is_some_and(|p| p.listing_status == crate::domain::party::ListingStatus::Listed);
        if !listed {
            return Err(AppError::not_found("provider"));
        }
        let b = basis(c, policy)?;
        let (n, total) = repo::totals(c, Some(provider_id))?;
        let score = b.score(n, total);
        let mean = b.mean();
        let items = repo::of_provider(c, provider_id, page.offset(), page.per_page)?
            .into_iter()
            .map(RatingView::from)
            .collect();
        Ok(ProviderRatings {
            score: score.map(|s| format!("{s:.2}")),
            ratings: n,
            programme_mean: format!("{mean:.2}"),
            items,
            page: page.page,
            per_page: page.per_page,
        })
    })
}

/// What every provider's score is weighed against now: the programme's ratings and the
/// policy's prior weight.
pub fn basis(conn: &mut DbConnection, policy: &crate::domain::Policy) -> AppResult<rating::Basis> {
    let (all_n, all_total) = repo::totals(conn, None)?;
    Ok(rating::Basis { all_n, all_total, k: i64::from(policy.spending.rating_prior_weight) })
}

/// A provider's score as shown (two places; none before a rating) and its number of
/// ratings, for pages that show it beside the provider.
pub fn standing(
    conn: &mut DbConnection,
    policy: &crate::domain::Policy,
    provider_id: &ProviderId,
) -> AppResult<Standing> {
    let b = basis(conn, policy)?;
    let (n, total) = repo::totals(conn, Some(provider_id))?;
    Ok(Standing { score: b.score(n, total), ratings: n })
}

/// A provider's score and how many ratings it rests on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub score: Option<rust_decimal::Decimal>,
    pub ratings: i64,
}

/// A listed provider as anyone may see it: who it is, what it is listed for, its score.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicProvider {
    #[schema(value_type = String)]
    pub id: ProviderId,
    pub name: String,
    pub credit_code: String,
    pub description: String,
    /// The service category codes it is listed for.
    pub categories: Vec<String>,
    /// The categories' names (Chinese), in the same order.
    pub category_names: Vec<String>,
    #[serde(serialize_with = "crate::domain::utc::ser_opt")]
    pub listed_at: Option<NaiveDateTime>,
    /// The quality score (the shrunk average of its ratings, 1–5, two places); none
    /// before its first rating.
    #[schema(value_type = Option<String>, example = "4.37")]
    pub score: Option<String>,
    /// How many ratings the score rests on.
    pub ratings: i64,
    /// Its credit grade (信用等级) today, A best (`config/policy/credit.toml`).
    pub grade: crate::domain::credit::Grade,
}

/// Listed providers by name with their scores, a page of them (`only`: one provider,
/// none when it is not listed).
pub fn listed_providers(
    conn: &mut DbConnection,
    policy: &crate::domain::Policy,
    now: NaiveDateTime,
    only: Option<&ProviderId>,
    page: Page,
) -> AppResult<super::Paged<PublicProvider>> {
    db::read_tx(conn, |c| -> AppResult<_> {
        let b = basis(c, policy)?;
        let grades = super::credit::all(c, policy, now)?;
        let clean = super::credit::clean(policy).grade;
        let (rows, total) = repo::listed_providers(c, only, page.offset(), page.per_page)?;
        let ids: Vec<String> = rows.iter().map(|r| r.0.to_string()).collect();
        let mut cats = repo::categories_of(c, &ids)?;
        let items = rows
            .into_iter()
            .map(|(id, name, credit_code, description, listed_at, n, total)| {
                let categories = cats.remove(id.as_str()).unwrap_or_default();
                let n = n.unwrap_or(0);
                PublicProvider {
                    grade: grades.get(&id).map_or(clean, |a| a.grade),
                    category_names: categories
                        .iter()
                        .map(|k| {
                            policy.category(k).map_or_else(|| k.clone(), |x| x.name_zh.clone())
                        })
                        .collect(),
                    categories,
                    id,
                    name,
                    credit_code,
                    description,
                    listed_at,
                    score: b.score(n, total.unwrap_or(0)).map(|s| format!("{s:.2}")),
                    ratings: n,
                }
            })
            .collect();
        Ok(super::Paged { items, page: page.page, per_page: page.per_page, total })
    })
}
