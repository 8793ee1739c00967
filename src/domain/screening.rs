//! Screening lists (名单筛查): the lists of dishonest and abnormal entities the authority
//! screens parties against (失信被执行人, 严重违法失信主体, 经营异常名录). Pure rules: what a
//! list file's rows must be, and what applying one changes in the register.
//!
//! An import is the whole register as it stands: an entry in force that the file no
//! longer has leaves the list. An entry is known by its credit code, its list and the
//! day it was listed; a file that lists the same entity again on another day adds a new
//! entry (a reviewer's clearing of the old one does not carry over).

use super::credit_code::CreditCode;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

super::text_enum! {
    /// Which list an entry is on.
    pub enum ListType {
        /// 失信被执行人: a judgment debtor the courts list as dishonest.
        DishonestDebtor => "dishonest_debtor",
        /// 严重违法失信主体: the market regulator's list of serious violations.
        SeriousViolation => "serious_violation",
        /// 经营异常名录: the register of abnormal operations.
        AbnormalOperation => "abnormal_operation",
    }
}

impl ListType {
    pub fn name_zh(self) -> &'static str {
        match self {
            ListType::DishonestDebtor => "失信被执行人",
            ListType::SeriousViolation => "严重违法失信主体",
            ListType::AbnormalOperation => "经营异常名录",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            ListType::DishonestDebtor => "dishonest judgment debtors",
            ListType::SeriousViolation => "serious violations and dishonesty",
            ListType::AbnormalOperation => "abnormal operations",
        }
    }

    /// A list as a file names it: its wire name or its Chinese name (short forms too).
    pub fn from_cell(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::parse(s).or(match s {
            "失信被执行人" | "失信被执行人名单" => Some(ListType::DishonestDebtor),
            "严重违法失信主体" | "严重违法失信" | "严重违法失信名单" | "严重违法失信企业名单" => {
                Some(ListType::SeriousViolation)
            }
            "经营异常名录" | "经营异常" | "经营异常名单" => {
                Some(ListType::AbnormalOperation)
            }
            _ => None,
        })
    }
}

super::text_enum! {
    /// Where an uploaded list stands.
    pub enum ImportStatus {
        /// Previewed, waiting for the admin to apply or discard it.
        Pending => "pending",
        /// Applied: the register is what it listed.
        Applied => "applied",
        Discarded => "discarded",
        /// Another import was applied after this one was previewed: its preview no
        /// longer says what applying would change, so it cannot be applied.
        Superseded => "superseded",
    }
}

/// One entry of a list, as a file gives it (checked).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    #[serde(deserialize_with = "stored_code")]
    pub credit_code: CreditCode,
    pub name: String,
    pub list_type: ListType,
    pub listed_on: NaiveDate,
    pub until_on: Option<NaiveDate>,
    pub source: String,
}

/// A credit code kept with a pending import: checked when the file was read.
fn stored_code<'de, D: serde::Deserializer<'de>>(d: D) -> Result<CreditCode, D::Error> {
    let s: String = serde::Deserialize::deserialize(d)?;
    CreditCode::parse(&s).map_err(|e| serde::de::Error::custom(e.message_en()))
}

/// What identifies an entry across imports.
pub type Key = (String, ListType, NaiveDate);

impl Entry {
    pub fn key(&self) -> Key {
        (self.credit_code.as_str().to_string(), self.list_type, self.listed_on)
    }

    /// In force on `today`: listed by then and not past its last day.
    pub fn in_force(&self, today: NaiveDate) -> bool {
        in_force(self.listed_on, self.until_on, today)
    }
}

/// Whether an entry listed on `listed_on` until `until_on` holds on `today`.
pub fn in_force(listed_on: NaiveDate, until_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    listed_on <= today && until_on.is_none_or(|u| u >= today)
}

/// A problem with one row of a list file: the line (the header is line 1), the column
/// and what is wrong, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub column: &'static str,
    pub zh: String,
    pub en: String,
}

/// The most rows one file may hold.
pub const MAX_ROWS: usize = 50_000;
const MAX_TEXT: usize = 200;

/// The columns of a list file, each with the headers that name it.
const COLUMNS: &[(&str, &[&str], bool)] = &[
    ("credit_code", &["credit_code", "统一社会信用代码", "信用代码"], true),
    ("name", &["name", "名称", "主体名称", "企业名称", "单位名称"], true),
    ("list_type", &["list_type", "名单类型", "名单"], true),
    ("listed_on", &["listed_on", "列入日期", "认定日期"], true),
    ("until_on", &["until_on", "移出日期", "有效期至", "截止日期"], false),
    ("source", &["source", "来源", "认定机关", "列入机关", "数据来源"], true),
];

fn column_zh(column: &str) -> &'static str {
    match column {
        "credit_code" => "统一社会信用代码",
        "name" => "名称",
        "list_type" => "名单类型",
        "listed_on" => "列入日期",
        "until_on" => "移出日期",
        "source" => "来源",
        _ => "表头",
    }
}

/// A date as lists write it: 2026-03-01, 2026/3/1 or 2026年3月1日.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

/// The day an XLSX date cell holds (days since 1899-12-30, the spreadsheet epoch).
pub fn spreadsheet_day(serial: f64) -> Option<NaiveDate> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?
        .checked_add_days(chrono::Days::new(serial.trunc() as u64))
}

/// Reads a list's rows: `header` names the columns (Chinese or English, any order),
/// `rows` are (line, cells). Blank rows are skipped. Every problem is reported, each with
/// its line; one bad row refuses the whole file.
pub fn parse(
    header: &[String],
    rows: &[(u64, Vec<String>)],
    today: NaiveDate,
) -> Result<Vec<Entry>, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut at: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, headers, required) in COLUMNS {
        match header.iter().position(|h| headers.contains(&h.trim())) {
            Some(i) => {
                at.insert(name, i);
            }
            None if *required => errors.push(RowError {
                line: 1,
                column: name,
                zh: format!("表头缺少“{}”列", column_zh(name)),
                en: format!("the header has no {name} column"),
            }),
            None => {}
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let filled: Vec<&(u64, Vec<String>)> =
        rows.iter().filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty())).collect();
    if filled.is_empty() {
        return Err(vec![RowError {
            line: 2,
            column: "credit_code",
            zh: "文件没有名单条目".into(),
            en: "the file lists no entries".into(),
        }]);
    }
    if filled.len() > MAX_ROWS {
        return Err(vec![RowError {
            line: filled[MAX_ROWS].0,
            column: "credit_code",
            zh: format!("一个文件最多 {MAX_ROWS} 条"),
            en: format!("a file holds at most {MAX_ROWS} entries"),
        }]);
    }
    let mut out = Vec::new();
    let mut seen: BTreeMap<Key, u64> = BTreeMap::new();
    for (line, cells) in filled {
        let line = *line;
        let cell = |name: &str| {
            at.get(name).and_then(|i| cells.get(*i)).map(|c| c.trim()).unwrap_or("").to_string()
        };
        let mut bad = |column: &'static str, zh: String, en: String| {
            errors.push(RowError { line, column, zh, en });
        };
        let credit_code = match CreditCode::parse(&cell("credit_code")) {
            Ok(c) => Some(c),
            Err(e) => {
                bad("credit_code", e.message_zh(), e.message_en());
                None
            }
        };
        let mut text = |column: &'static str| {
            let v = cell(column);
            if v.is_empty() {
                bad(column, format!("{}不能为空", column_zh(column)), format!("{column} is empty"));
            } else if v.chars().count() > MAX_TEXT {
                bad(
                    column,
                    format!("{}超过 {MAX_TEXT} 字", column_zh(column)),
                    format!("{column} is longer than {MAX_TEXT} characters"),
                );
            }
            v
        };
        let name = text("name");
        let source = text("source");
        let raw_type = cell("list_type");
        let list_type = ListType::from_cell(&raw_type);
        if list_type.is_none() {
            bad(
                "list_type",
                format!("名单类型“{raw_type}”无法识别（应为失信被执行人、严重违法失信主体或经营异常名录）"),
                format!("unknown list type {raw_type:?} (dishonest_debtor, serious_violation or abnormal_operation)"),
            );
        }
        let raw_listed = cell("listed_on");
        let listed_on = parse_date(&raw_listed);
        match listed_on {
            None => bad(
                "listed_on",
                format!("列入日期“{raw_listed}”无效（应为 2026-03-01 这样的日期）"),
                format!("listed_on {raw_listed:?} is not a date like 2026-03-01"),
            ),
            Some(d) if d > today => bad(
                "listed_on",
                format!("列入日期 {d} 晚于今天"),
                format!("listed_on {d} is after today"),
            ),
            Some(_) => {}
        }
        let raw_until = cell("until_on");
        let until_on = if raw_until.is_empty() {
            None
        } else {
            let d = parse_date(&raw_until);
            match (d, listed_on) {
                (None, _) => bad(
                    "until_on",
                    format!("移出日期“{raw_until}”无效"),
                    format!("until_on {raw_until:?} is not a date"),
                ),
                (Some(u), Some(l)) if u < l => bad(
                    "until_on",
                    format!("移出日期 {u} 早于列入日期 {l}"),
                    format!("until_on {u} is before listed_on {l}"),
                ),
                _ => {}
            }
            d
        };
        let (Some(credit_code), Some(list_type), Some(listed_on)) =
            (credit_code, list_type, listed_on)
        else {
            continue;
        };
        let entry = Entry { credit_code, name, list_type, listed_on, until_on, source };
        if let Some(first) = seen.insert(entry.key(), line) {
            errors.push(RowError {
                line,
                column: "credit_code",
                zh: format!("与第 {first} 行重复（同一代码、名单和列入日期）"),
                en: format!("repeats line {first} (same credit code, list and listing day)"),
            });
            continue;
        }
        out.push(entry);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// What applying a file to the register changes, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// In the file, not in the register.
    pub added: Vec<Key>,
    /// In the register, not in the file: they leave the list.
    pub removed: Vec<Key>,
    /// In both, with other details (name, last day, source).
    pub changed: Vec<Key>,
    /// In both, the same.
    pub kept: usize,
}

/// Compares the register's entries (`current`) with a file's (`incoming`).
pub fn diff(current: &[Entry], incoming: &[Entry]) -> Diff {
    let now: BTreeMap<Key, &Entry> = current.iter().map(|e| (e.key(), e)).collect();
    let new: BTreeMap<Key, &Entry> = incoming.iter().map(|e| (e.key(), e)).collect();
    let mut d = Diff::default();
    for (k, e) in &new {
        match now.get(k) {
            None => d.added.push(k.clone()),
            Some(old) if old != e => d.changed.push(k.clone()),
            Some(_) => d.kept += 1,
        }
    }
    let incoming_keys: BTreeSet<&Key> = new.keys().collect();
    d.removed = now.keys().filter(|k| !incoming_keys.contains(k)).cloned().collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }

    fn header() -> Vec<String> {
        ["统一社会信用代码", "名称", "名单类型", "列入日期", "移出日期", "来源"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn row(line: u64, cells: &[&str]) -> (u64, Vec<String>) {
        (line, cells.iter().map(|s| s.to_string()).collect())
    }

    const GOOD: &str = "91340100MA2N0X0X0X";

    fn code(n: u32) -> String {
        crate::domain::credit_code::make_code("91", "340100", &format!("MA{n:06}")).unwrap()
    }

    fn good_code() -> String {
        code(7)
    }

    #[test]
    fn a_good_file_reads_in_chinese_or_english_headers() {
        let code = good_code();
        let rows = vec![
            row(2, &[&code, "甲公司", "失信被执行人", "2026-03-01", "", "合肥市中级人民法院"]),
            row(3, &["", "", "", "", "", ""]),
            row(4, &[&code, "甲公司", "经营异常", "2026/4/1", "2027年4月1日", "市场监管局"]),
        ];
        let got = parse(&header(), &rows, today()).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].list_type, ListType::DishonestDebtor);
        assert_eq!(got[1].list_type, ListType::AbnormalOperation);
        assert_eq!(got[1].until_on, NaiveDate::from_ymd_opt(2027, 4, 1));
        let en: Vec<String> = ["source", "list_type", "name", "credit_code", "listed_on"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let rows = vec![row(2, &["法院", "dishonest_debtor", "甲", &code, "2026-03-01"])];
        assert_eq!(parse(&en, &rows, today()).unwrap()[0].name, "甲");
    }

    #[test]
    fn every_bad_row_is_named_by_its_line_and_the_file_is_refused() {
        let code = good_code();
        let rows = vec![
            row(2, &[GOOD, "甲公司", "失信被执行人", "2026-03-01", "", "法院"]),
            row(3, &[&code, "", "黑名单", "2027-01-01", "", "法院"]),
            row(4, &[&code, "乙", "失信被执行人", "2026-03-01", "2026-02-01", "法院"]),
            row(5, &[&code, "乙", "经营异常名录", "2026-03-01", "", "局"]),
            row(6, &[&code, "乙", "经营异常名录", "2026-03-01", "", "局"]),
        ];
        let errors = parse(&header(), &rows, today()).unwrap_err();
        let at: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(
            at,
            vec![
                (2, "credit_code"),
                (3, "name"),
                (3, "list_type"),
                (3, "listed_on"),
                (4, "until_on"),
                (6, "credit_code"),
            ]
        );
        assert!(errors[5].zh.contains("第 5 行"), "{}", errors[5].zh);
    }

    #[test]
    fn a_header_without_a_needed_column_is_refused_on_line_one() {
        let h: Vec<String> = ["统一社会信用代码", "名称"].iter().map(|s| s.to_string()).collect();
        let errors = parse(&h, &[], today()).unwrap_err();
        assert!(errors.iter().all(|e| e.line == 1));
        assert_eq!(errors.len(), 3, "list_type, listed_on, source");
        let errors = parse(&header(), &[row(2, &["", "", "", "", "", ""])], today()).unwrap_err();
        assert!(errors[0].zh.contains("没有名单条目"));
    }

    fn entry(code: &str, list: ListType, day: u32, name: &str) -> Entry {
        Entry {
            credit_code: CreditCode::parse(code).unwrap(),
            name: name.into(),
            list_type: list,
            listed_on: NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
            until_on: None,
            source: "法院".into(),
        }
    }

    #[test]
    fn a_re_import_says_what_is_added_removed_and_changed() {
        let (a, b) = (good_code(), code(8));
        let current = vec![
            entry(&a, ListType::DishonestDebtor, 1, "甲"),
            entry(&b, ListType::AbnormalOperation, 1, "乙"),
            entry(&b, ListType::DishonestDebtor, 1, "乙"),
        ];
        let incoming = vec![
            entry(&a, ListType::DishonestDebtor, 1, "甲"),
            entry(&b, ListType::AbnormalOperation, 1, "乙公司"),
            entry(&b, ListType::DishonestDebtor, 2, "乙"),
        ];
        let d = diff(&current, &incoming);
        assert_eq!(d.kept, 1);
        assert_eq!(
            d.changed,
            vec![(b.clone(), ListType::AbnormalOperation, incoming[1].listed_on)]
        );
        assert_eq!(d.added, vec![(b.clone(), ListType::DishonestDebtor, incoming[2].listed_on)]);
        assert_eq!(d.removed, vec![(b, ListType::DishonestDebtor, current[2].listed_on)]);
    }

    #[test]
    fn an_entry_holds_from_its_listing_to_its_last_day() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert!(in_force(d(3, 1), None, d(3, 1)));
        assert!(!in_force(d(3, 2), None, d(3, 1)));
        assert!(in_force(d(3, 1), Some(d(4, 1)), d(4, 1)));
        assert!(!in_force(d(3, 1), Some(d(4, 1)), d(4, 2)));
    }

    #[test]
    fn spreadsheet_dates_count_from_the_spreadsheet_epoch() {
        assert_eq!(spreadsheet_day(46082.0), NaiveDate::from_ymd_opt(2026, 3, 1));
        assert_eq!(spreadsheet_day(46082.75), NaiveDate::from_ymd_opt(2026, 3, 1));
        assert_eq!(spreadsheet_day(-3.0), None);
    }

    #[test]
    fn lists_are_named_as_files_name_them() {
        assert_eq!(ListType::from_cell(" 严重违法失信 "), Some(ListType::SeriousViolation));
        assert_eq!(ListType::from_cell("abnormal_operation"), Some(ListType::AbnormalOperation));
        assert_eq!(ListType::from_cell("黑名单"), None);
    }
}
