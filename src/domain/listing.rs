//! How a work list is narrowed and ordered, as judged from its question
//! ([`crate::services::listing::ListQuery`]): plain values `db` builds its queries from.

use chrono::{NaiveDate, NaiveDateTime};

/// How a list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Latest made first (every list's default).
    Newest,
    Oldest,
    /// By name (parties, people).
    Name,
    /// Largest amount first (money lists).
    Largest,
    /// Lowest price first (the service catalogue).
    Cheapest,
    /// Best-rated provider first, unrated last (the service catalogue).
    Rated,
}

impl Sort {
    pub const fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::Name => "name",
            Sort::Largest => "largest",
            Sort::Cheapest => "cheapest",
            Sort::Rated => "rated",
        }
    }

    pub fn parse(s: &str) -> Option<Sort> {
        [Sort::Newest, Sort::Oldest, Sort::Name, Sort::Largest, Sort::Cheapest, Sort::Rated]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// The orders of parties' lists; of money lists; of the rest.
pub const BY_NAME: &[Sort] = &[Sort::Newest, Sort::Oldest, Sort::Name];
pub const BY_AMOUNT: &[Sort] = &[Sort::Newest, Sort::Oldest, Sort::Largest];
pub const BY_TIME: &[Sort] = &[Sort::Newest, Sort::Oldest];

/// A judged question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter<S> {
    pub status: Option<S>,
    /// Trimmed, not empty.
    pub words: Option<String>,
    /// Made at or after (UTC).
    pub from: Option<NaiveDateTime>,
    /// Made before (UTC).
    pub before: Option<NaiveDateTime>,
    pub sort: Sort,
}

impl<S> Default for Filter<S> {
    fn default() -> Self {
        Filter { status: None, words: None, from: None, before: None, sort: Sort::Newest }
    }
}

impl<S> Filter<S> {
    /// Only `status`, newest first.
    pub fn only(status: Option<S>) -> Self {
        Filter { status, ..Filter::default() }
    }

    /// A queue: the records in `status`, oldest (longest waiting) first.
    pub fn queue(status: S) -> Self {
        Filter { status: Some(status), sort: Sort::Oldest, ..Filter::default() }
    }
}

/// When a China day begins, in UTC (16:00 the day before).
pub fn china_day_start(d: NaiveDate) -> NaiveDateTime {
    d.and_time(chrono::NaiveTime::MIN) - chrono::Duration::hours(8)
}
