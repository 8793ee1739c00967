//! What every work list is asked (the API's query and the page's filter form alike): a
//! page, a state, words to search for, the days the records were made, an order, and
//! whether the answer is a page or the whole filtered list as a file. [`ListQuery`] is
//! the question as it arrives; [`Filter`] the question judged, each bad part said beside
//! its field, for `db` to narrow and order its rows with. The answer is a page of views,
//! or the whole filtered list as a table ([`Row`], [`file`]): the same columns and
//! words a list's page shows, in the reader's language.

pub use crate::domain::listing::{china_day_start, Filter, Sort, BY_AMOUNT, BY_NAME, BY_TIME};
use crate::domain::validation::FieldErrors;
use crate::domain::{Fen, Policy};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::services::tables::{csv_bytes, xlsx_bytes, FileFormat};
use crate::services::Page;
use chrono::{NaiveDate, NaiveDateTime};

/// Declares a list's question: the parts every list shares, and a list's own narrowing
/// parts after them (`kind` of an email, `job` of a run…). [`ListQuery`] is the shared
/// parts alone; a list with its own parts gives them to its fetch and the shared ones,
/// as a [`ListQuery`], to the rest (`shared()`).
#[macro_export]
macro_rules! list_query {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// 1-based page number (default 1).
            #[param(minimum = 1, maximum = 1000000)]
            pub page: Option<i64>,
            /// Items per page (default 20, at most 100).
            #[param(minimum = 1, maximum = 100)]
            pub per_page: Option<i64>,
            /// Only records in this state (each list's states are listed with it).
            pub status: Option<String>,
            /// Words to search for: part of a name, a credit code, a number (each list
            /// says what it searches).
            #[param(max_length = 100)]
            pub q: Option<String>,
            /// Made on or after this day, YYYY-MM-DD (China).
            #[param(schema_with = $crate::domain::validation::schema::opt_date)]
            pub from: Option<String>,
            /// Made on or before this day, YYYY-MM-DD (China).
            #[param(schema_with = $crate::domain::validation::schema::opt_date)]
            pub to: Option<String>,
            /// `newest`, `oldest`, and where the list offers them `name` or `largest`;
            /// the default is the list's first (`newest`, by username for accounts).
            pub sort: Option<String>,
            /// `json` (default: a page), or `csv` / `xlsx`: the whole filtered list (at
            /// most 10,000 records) as a file.
            #[param(pattern = "^(json|csv|xlsx)$")]
            pub format: Option<String>,
            /// The file's language: `zh` (default) or `en`.
            #[param(pattern = "^(zh|en)$")]
            pub lang: Option<String>,
            $($(#[$fm])* pub $field: $ty,)*
        }

        impl $name {
            /// The parts every list shares.
            pub fn shared(&self) -> $crate::services::listing::ListQuery {
                $crate::services::listing::ListQuery {
                    page: self.page,
                    per_page: self.per_page,
                    status: self.status.clone(),
                    q: self.q.clone(),
                    from: self.from.clone(),
                    to: self.to.clone(),
                    sort: self.sort.clone(),
                    format: self.format.clone(),
                    lang: self.lang.clone(),
                }
            }
        }
    };
}

list_query! {
    /// A list's question; every part optional (an empty part is not given).
    ListQuery {}
}

/// Firms or providers a search may match at most (a word that matches more is too
/// vague to page through; the list says so by its total).
pub const MATCHED_AT_MOST: i64 = 1_000;

/// What finds a list's records: given the judged filter and the page, a page of them
/// (run on the blocking pool, inside one read transaction).
pub trait Fetch<R, S>:
    FnOnce(&mut crate::db::DbConnection, &Filter<S>, Page) -> AppResult<crate::services::Paged<R>>
    + Send
    + 'static
{
}

impl<R, S, T> Fetch<R, S> for T where
    T: FnOnce(
            &mut crate::db::DbConnection,
            &Filter<S>,
            Page,
        ) -> AppResult<crate::services::Paged<R>>
        + Send
        + 'static
{
}

/// Records in one exported file at the most (narrow the filter for more).
pub const EXPORTED_AT_MOST: i64 = 10_000;

impl ListQuery {
    /// The page asked for.
    pub fn page(&self) -> AppResult<super::Page> {
        super::Page::asked(self.page, self.per_page)
    }

    /// The state asked for alone (lists that offer no other part yet).
    pub fn status<T>(&self, parse: impl Fn(&str) -> Option<T>) -> AppResult<Option<T>> {
        self.status_of(parse)
    }

    fn status_of<T>(&self, parse: impl Fn(&str) -> Option<T>) -> AppResult<Option<T>> {
        match self.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => parse(s)
                .map(Some)
                .ok_or_else(|| AppError::of(ErrorCode::StatusUnknown).arg("status", s)),
        }
    }

    /// The file asked for, or `None` for a page.
    pub fn file(&self) -> AppResult<Option<FileFormat>> {
        match self.format.as_deref() {
            None | Some("json") => Ok(None),
            Some("csv") => Ok(Some(FileFormat::Csv)),
            Some("xlsx") => Ok(Some(FileFormat::Xlsx)),
            Some(other) => Err(AppError::of(ErrorCode::FormatUnknown).arg("what", other)),
        }
    }

    /// Whether the file is asked for in English.
    pub fn en(&self) -> bool {
        self.lang.as_deref() == Some("en")
    }

    /// The question judged: `parse` reads a state of this list, `sorts` are the orders it
    /// offers. An unknown state is refused as the request's (`status_unknown`); the
    /// other parts beside their fields, all at once.
    pub fn filter<S>(
        &self,
        parse: impl Fn(&str) -> Option<S>,
        sorts: &[Sort],
    ) -> AppResult<Filter<S>> {
        let status = self.status_of(parse)?;
        let mut e = FieldErrors::new();
        let (words, from, before, sort) = self.common(&mut e, sorts);
        e.finish()?;
        Ok(Filter { status, words, from, before, sort })
    }

    /// The parts every list shares, each bad one added to `e`: the words, the days
    /// (as UTC bounds), the order, the file's language.
    pub fn common(
        &self,
        e: &mut FieldErrors,
        sorts: &[Sort],
    ) -> (Option<String>, Option<NaiveDateTime>, Option<NaiveDateTime>, Sort) {
        let from = self.from.as_deref().and_then(|v| e.date("from", v));
        let to = self.to.as_deref().and_then(|v| e.date("to", v));
        let sort = match self.sort.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => sorts.first().copied().unwrap_or(Sort::Newest),
            Some(s) => match Sort::parse(s).filter(|s| sorts.contains(s)) {
                Some(s) => s,
                None => {
                    let offered: Vec<&str> = sorts.iter().map(|s| s.as_str()).collect();
                    let offered = offered.join(", ");
                    e.add(
                        "sort",
                        ErrorCode::SortUnknown,
                        format!("排序方式应为 {offered}"),
                        format!("sort by {offered}"),
                    );
                    Sort::Newest
                }
            },
        };
        if self.lang.as_deref().is_some_and(|l| !matches!(l, "zh" | "en")) {
            e.add(
                "lang",
                ErrorCode::FormInvalid,
                "文件语言应为 zh 或 en",
                "the file's language is zh or en",
            );
        }
        let words = self.q.as_deref().map(str::trim).filter(|w| !w.is_empty()).map(str::to_string);
        if words.as_ref().is_some_and(|w| w.chars().count() > 100) {
            e.add(
                "q",
                ErrorCode::FormInvalid,
                "搜索内容不超过 100 个字",
                "search for at most 100 characters",
            );
        }
        (words, from.map(china_day_start), to.and_then(|d| d.succ_opt()).map(china_day_start), sort)
    }

    /// The parts that were given, by name (the page and the format left out): what a
    /// pager's and a download's links carry.
    pub fn given(&self) -> Vec<(&'static str, String)> {
        [
            ("q", &self.q),
            ("status", &self.status),
            ("from", &self.from),
            ("to", &self.to),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter_map(|(k, v)| {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(|v| (k, v.to_string()))
        })
        .collect()
    }

    /// The question with a form's empty fields left out (a page's filter sends every
    /// field).
    pub fn without_blanks(self) -> ListQuery {
        let keep = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        ListQuery {
            status: keep(self.status),
            q: keep(self.q),
            from: keep(self.from),
            to: keep(self.to),
            sort: keep(self.sort),
            format: keep(self.format),
            lang: keep(self.lang),
            ..self
        }
    }
}

/// One cell: data as it is, a message in the reader's language, money, a moment.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Words(&'static str),
    Money(Fen),
    Time(NaiveDateTime),
    Day(NaiveDate),
    Count(i64),
}

impl Cell {
    /// As a file has it: amounts plain (`1234.50`), times in China time to the minute.
    pub fn filed(&self, en: bool) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Words(k) => crate::i18n::t(k, en),
            Cell::Money(f) => f.to_string(),
            Cell::Time(t) => crate::domain::china_time(*t).format("%Y-%m-%d %H:%M").to_string(),
            Cell::Day(d) => d.to_string(),
            Cell::Count(n) => n.to_string(),
        }
    }
}

/// A record of a work list as a table row.
pub trait Row {
    /// The columns' headings (message keys).
    const COLUMNS: &'static [&'static str];
    /// The file's name (ASCII) and its sheet's name (a message key).
    const FILE: &'static str;
    const SHEET: &'static str;
    fn cells(&self, policy: &Policy, en: bool) -> Vec<Cell>;
    /// Where the record opens on the pages, if it has a page.
    fn href(&self) -> Option<String> {
        None
    }
}

/// `items` as a file, headings and words in the reader's language.
pub fn file<R: Row>(
    items: &[R],
    policy: &Policy,
    en: bool,
    format: FileFormat,
) -> AppResult<Vec<u8>> {
    let header: Vec<String> = R::COLUMNS.iter().map(|k| crate::i18n::t(k, en)).collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let lines: Vec<Vec<String>> =
        items.iter().map(|r| r.cells(policy, en).iter().map(|c| c.filed(en)).collect()).collect();
    match format {
        FileFormat::Csv => csv_bytes(&header, &lines),
        FileFormat::Xlsx => xlsx_bytes(&crate::i18n::t(R::SHEET, en), &header, &lines),
    }
}

/// The whole list `f` finds, as far as one file holds.
pub fn everything() -> Page {
    Page { page: 1, per_page: EXPORTED_AT_MOST }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(parts: &[(&str, &str)]) -> ListQuery {
        let s = serde_urlencoded::to_string(parts).unwrap();
        serde_urlencoded::from_str(&s).unwrap()
    }

    fn parse(s: &str) -> Option<u8> {
        (s == "open").then_some(1)
    }

    #[test]
    fn empty_parts_are_not_given() {
        let f = q(&[("status", ""), ("q", "  "), ("sort", "")]).filter(parse, BY_TIME).unwrap();
        assert_eq!(f, Filter::default());
    }

    #[test]
    fn days_are_china_days_as_utc_bounds() {
        let f = q(&[("from", "2026-03-01"), ("to", "2026-03-31")]).filter(parse, BY_TIME).unwrap();
        assert_eq!(f.from.unwrap().to_string(), "2026-02-28 16:00:00");
        assert_eq!(f.before.unwrap().to_string(), "2026-03-31 16:00:00");
    }

    #[test]
    fn a_sort_the_list_does_not_offer_is_refused_beside_its_field() {
        let e = q(&[("sort", "largest")]).filter(parse, BY_NAME).unwrap_err();
        let body = serde_json::to_string(&e.errors).unwrap();
        assert!(body.contains("sort_unknown") && body.contains("newest, oldest, name"), "{body}");
        assert_eq!(q(&[("sort", "name")]).filter(parse, BY_NAME).unwrap().sort, Sort::Name);
    }

    #[test]
    fn every_bad_part_is_said_at_once() {
        let long = "字".repeat(101);
        let e = q(&[("from", "2026-13-01"), ("to", "x"), ("q", &long), ("lang", "fr")])
            .filter(parse, BY_TIME)
            .unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["from", "to", "lang", "q"]);
    }

    #[test]
    fn an_unknown_state_is_the_requests_error() {
        let e = q(&[("status", "shut")]).filter(parse, BY_TIME).unwrap_err();
        assert_eq!(e.code, ErrorCode::StatusUnknown);
        assert_eq!(q(&[("status", "open")]).filter(parse, BY_TIME).unwrap().status, Some(1));
    }

    #[test]
    fn given_parts_are_what_links_carry() {
        let asked = q(&[("q", " 科技 "), ("status", ""), ("page", "3"), ("sort", "oldest")]);
        assert_eq!(asked.given(), [("q", "科技".to_string()), ("sort", "oldest".to_string())]);
    }
}
