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

fn bank_rows(payouts: &[PayoutRow]) -> Vec<[String; 8]> {
    payouts
        .iter()
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

/// A bank file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

/// A table as CSV, UTF-8 with a byte-order mark (so spreadsheet programs read Chinese),
/// for people to open: public feeds and reports. A cell that would begin like a formula
/// (`= + - @`, tab, carriage return) gets a leading `'`, so a spreadsheet shows it as
/// text instead of running it (OWASP "CSV injection"). The bank file, whose payee names
/// must reach the bank unaltered, uses [`bank_csv_bytes`]; such names are refused at
/// registration instead.
pub fn csv_bytes<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> AppResult<Vec<u8>> {
    write_csv(header, rows, true)
}

/// A table as CSV with every cell as given (the bank payment file).
pub fn bank_csv_bytes<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> AppResult<Vec<u8>> {
    write_csv(header, rows, false)
}

fn write_csv<R: AsRef<[String]>>(
    header: &[&str],
    rows: &[R],
    neutralise: bool,
) -> AppResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let fail = |e: csv::Error| AppError::internal(format!("writing CSV: {e}"));
    w.write_record(header).map_err(fail)?;
    for r in rows {
        if neutralise {
            w.write_record(r.as_ref().iter().map(|cell| {
                if crate::domain::party::starts_like_formula(cell) {
                    std::borrow::Cow::Owned(format!("'{cell}").into_bytes())
                } else {
                    std::borrow::Cow::Borrowed(cell.as_bytes())
                }
            }))
            .map_err(fail)?;
        } else {
            w.write_record(r.as_ref()).map_err(fail)?;
        }
    }
    w.into_inner().map_err(|e| AppError::internal(format!("writing CSV: {e}")))
}

/// A table as an XLSX workbook. Every cell is text (amounts too: exact to the fen, no
/// floating point), and the document's dates are fixed, so the same table always gives
/// the same bytes.
pub fn xlsx_bytes<R: AsRef<[String]>>(
    sheet: &str,
    header: &[&str],
    rows: &[R],
) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("writing XLSX: {e}"));
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(2026, 1, 1).map_err(fail)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(fail)?;
    let bold = Format::new().set_bold();
    for (col, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, col as u16, *h, &bold).map_err(fail)?;
        ws.set_column_width(col as u16, 18).map_err(fail)?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (col, v) in r.as_ref().iter().enumerate() {
            ws.write_string(i as u32 + 1, col as u16, v).map_err(fail)?;
        }
    }
    book.save_to_buffer().map_err(fail)
}

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
