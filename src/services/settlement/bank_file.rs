//! The bank's payment file of an approved run (CSV or XLSX), and the table writers the
//! other exports share.

use crate::db::models::PayoutRow;
use crate::db::settlement as repo;
use crate::db::{self, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::RunId;
use crate::domain::settlement::RunStatus;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::services::audit;
use crate::services::Cx;

/// The bank file columns, in order.
const BANK_COLUMNS: [&str; 8] = [
    "序号",
    "收款人名称",
    "统一社会信用代码",
    "开户银行",
    "账户名称",
    "银行账号",
    "金额（元）",
    "付款参考号",
];

/// One row per payout the bank pays: a payout its offset covers whole is not sent.
fn bank_rows(payouts: &[PayoutRow]) -> Vec<[String; 8]> {
    payouts
        .iter()
        .filter(|p| p.amount_fen.get() > 0)
        .enumerate()
        .map(|(i, p)| {
            [
                (i + 1).to_string(),
                p.payee_name.clone(),
                p.credit_code.to_string(),
                p.bank_name.clone(),
                p.bank_account_name.clone(),
                p.bank_account_no.clone(),
                p.amount_fen.to_string(),
                p.reference.clone(),
            ]
        })
        .collect()
}

pub use crate::services::tables::{bank_csv_bytes, csv_bytes, xlsx_bytes, FileFormat};

/// The bank payment file of an approved run, and its SHA-256 (recorded on the first
/// export; every later export must give the same bytes).
pub fn export(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    run_id: &RunId,
    format: FileFormat,
) -> AppResult<(Vec<u8>, String, String)> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::run_for_update(c, run_id)?
            .ok_or_else(|| AppError::not_found("settlement run"))?;
        if before.status != RunStatus::Approved {
            return Err(AppError::of(ErrorCode::RunNotApprovedForExport));
        }
        let payouts = repo::payouts_of(c, run_id)?;
        let rows = bank_rows(&payouts);
        let bytes = match format {
            FileFormat::Csv => bank_csv_bytes(&BANK_COLUMNS, &rows)?,
            FileFormat::Xlsx => xlsx_bytes("付款清单", &BANK_COLUMNS, &rows)?,
        };
        let sha = crate::files::sha256_hex(&bytes);
        let recorded = match format {
            FileFormat::Csv => &before.csv_sha256,
            FileFormat::Xlsx => &before.xlsx_sha256,
        };
        match recorded {
            Some(h) if *h != sha => {
                return Err(AppError::internal(format!(
                    "bank file of run {run_id} changed since its first export"
                )))
            }
            Some(_) => {}
            None => {
                let mut after = before.clone();
                match format {
                    FileFormat::Csv => after.csv_sha256 = Some(sha.clone()),
                    FileFormat::Xlsx => after.xlsx_sha256 = Some(sha.clone()),
                }
                after.exported_at.get_or_insert(cx.now);
                repo::update_run(c, &after)?;
                audit::record(
                    c,
                    cx.by(),
                    audit::Change::moved(Fixed::SettlementExported, &before, &after),
                )?;
            }
        }
        let name = format!(
            "bank-{}-{}.{}",
            before.period,
            &run_id.as_str()[run_id.as_str().len() - 6..],
            match format {
                FileFormat::Csv => "csv",
                FileFormat::Xlsx => "xlsx",
            }
        );
        Ok((bytes, sha, name))
    })
}
