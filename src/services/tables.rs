//! Tables as files people open: CSV (UTF-8 with a byte-order mark, formula-like cells
//! neutralised) and XLSX (every cell text, fixed document dates: the same table gives
//! the same bytes). The work lists, reports, public feeds and the bank file use them.

use crate::error::{AppError, AppResult};

/// A table file's format.
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
