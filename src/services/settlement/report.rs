//! A period's totals: what its run pays, by programme, provider and category.

use super::*;
use crate::db::settlement as repo;
use crate::db::{parties, vouchers, DbConnection};
use crate::domain::id::{ProgrammeId, ProviderId};
use crate::domain::settlement::{PayoutStatus, Period};
use crate::domain::Fen;
use crate::error::AppResult;
use serde::Serialize;
use std::collections::BTreeMap;

/// One line of a period report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportLine {
    pub id: String,
    pub name: String,
    pub items: i64,
    #[schema(value_type = String)]
    pub amount: Fen,
    /// Of which paid.
    #[schema(value_type = String)]
    pub paid: Fen,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodReport {
    pub period: String,
    pub items: i64,
    #[schema(value_type = String)]
    pub amount: Fen,
    #[schema(value_type = String)]
    pub paid: Fen,
    pub by_programme: Vec<ReportLine>,
    pub by_provider: Vec<ReportLine>,
    pub by_category: Vec<ReportLine>,
    /// Subsidies and awards to carriers, by subsidy policy (their payees are spaces).
    pub by_subsidy_policy: Vec<ReportLine>,
}

/// Totals of what a period's run pays: redemptions by programme, provider and category,
/// subsidies to carriers by policy.
pub fn report(
    conn: &mut DbConnection,
    policy: &crate::domain::Policy,
    period: Period,
) -> AppResult<PeriodReport> {
    let mut rows = repo::report_rows(conn, &period.to_string())?;
    // Supplements an appeal granted are paid beside the items, as their own category.
    rows.extend(repo::report_supplement_rows(conn, &period.to_string())?);
    let mut totals = (0i64, Fen::ZERO, Fen::ZERO);
    let mut groups: [BTreeMap<String, (i64, Fen, Fen)>; 3] = Default::default();
    for (programme, provider, category, amount, status) in &rows {
        let paid = if status == PayoutStatus::Paid.as_str() { *amount } else { Fen::ZERO };
        totals = (totals.0 + 1, totals.1 + *amount, totals.2 + paid);
        for (g, key) in groups.iter_mut().zip([programme, provider, category]) {
            let e = g.entry(key.clone()).or_default();
            *e = (e.0 + 1, e.1 + *amount, e.2 + paid);
        }
    }
    let mut subsidies: BTreeMap<String, (i64, Fen, Fen)> = BTreeMap::new();
    for (sub_policy, _space, amount, status) in
        repo::report_entitlement_rows(conn, &period.to_string())?
    {
        let paid = if status == PayoutStatus::Paid.as_str() { amount } else { Fen::ZERO };
        totals = (totals.0 + 1, totals.1 + amount, totals.2 + paid);
        let e = subsidies.entry(sub_policy).or_default();
        *e = (e.0 + 1, e.1 + amount, e.2 + paid);
    }
    let [programmes, providers, categories] = groups;
    let line = |id: String, name: String, (items, amount, paid): (i64, Fen, Fen)| ReportLine {
        id,
        name,
        items,
        amount,
        paid,
    };
    let mut by_programme = Vec::new();
    for (id, t) in programmes {
        let name = vouchers::programme(conn, &ProgrammeId::stored(id.clone()))?
            .map_or_else(|| id.clone(), |p| p.name);
        by_programme.push(line(id, name, t));
    }
    let names: BTreeMap<String, String> = parties::providers_by_ids(
        conn,
        &providers.keys().cloned().map(ProviderId::stored).collect::<Vec<_>>(),
    )?
    .into_iter()
    .map(|p| (p.id.into_string(), p.name))
    .collect();
    let by_provider = providers
        .into_iter()
        .map(|(id, t)| line(id.clone(), names.get(&id).cloned().unwrap_or(id), t))
        .collect();
    let by_category = categories
        .into_iter()
        .map(|(id, t)| {
            let name = match policy.category(&id) {
                Some(c) => c.name_zh.clone(),
                None if id == "supplement" => "补付款（申诉复核）".to_string(),
                None => id.clone(),
            };
            line(id, name, t)
        })
        .collect();
    let by_subsidy_policy = subsidies
        .into_iter()
        .map(|(id, t)| {
            let name =
                policy.subsidies.policy(&id).map_or_else(|| id.clone(), |p| p.name_zh.clone());
            line(id, name, t)
        })
        .collect();
    Ok(PeriodReport {
        by_subsidy_policy,
        period: period.to_string(),
        items: totals.0,
        amount: totals.1,
        paid: totals.2,
        by_programme,
        by_provider,
        by_category,
    })
}

const REPORT_COLUMNS: [&str; 6] = ["维度", "编号", "名称", "笔数", "金额（元）", "其中已付（元）"];

/// A period report as one table (CSV or XLSX): a row per programme, provider and
/// category, then the total.
pub fn report_file(r: &PeriodReport, format: FileFormat) -> AppResult<Vec<u8>> {
    let mut rows = Vec::new();
    for (dim, lines) in [
        ("项目", &r.by_programme),
        ("服务机构", &r.by_provider),
        ("服务类别", &r.by_category),
        ("载体补贴政策", &r.by_subsidy_policy),
    ] {
        for l in lines {
            rows.push([
                dim.to_string(),
                l.id.clone(),
                l.name.clone(),
                l.items.to_string(),
                l.amount.to_string(),
                l.paid.to_string(),
            ]);
        }
    }
    rows.push([
        "合计".into(),
        r.period.clone(),
        String::new(),
        r.items.to_string(),
        r.amount.to_string(),
        r.paid.to_string(),
    ]);
    match format {
        FileFormat::Csv => csv_bytes(&REPORT_COLUMNS, &rows),
        FileFormat::Xlsx => xlsx_bytes(&format!("结算报表{}", r.period), &REPORT_COLUMNS, &rows),
    }
}
