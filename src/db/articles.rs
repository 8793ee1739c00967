//! Notices and common questions the authority writes, and their attachments.

use super::models::{ArticleFileRow, ArticleRow};
use super::schema::{article_files, articles};
use super::DbConnection;
use crate::domain::id::ArticleFileId;
use crate::domain::id::ArticleId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn insert(conn: &mut DbConnection, row: &ArticleRow) -> QueryResult<()> {
    diesel::insert_into(articles::table).values(row).execute(conn).map(|_| ())
}

pub fn get(conn: &mut DbConnection, id: &ArticleId) -> QueryResult<Option<ArticleRow>> {
    articles::table.find(id).first(conn).optional()
}

/// Sets the texts of an article.
pub fn update_text(
    conn: &mut DbConnection,
    id: &ArticleId,
    texts: (&str, &str, &str, &str),
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let (title, body, title_en, body_en) = texts;
    diesel::update(articles::table.find(id))
        .set((
            articles::title.eq(title),
            articles::body.eq(body),
            articles::title_en.eq(title_en),
            articles::body_en.eq(body_en),
            articles::updated_at.eq(now),
        ))
        .execute(conn)
}

pub fn set_published(
    conn: &mut DbConnection,
    id: &ArticleId,
    at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(articles::table.find(id))
        .set((articles::published_at.eq(at), articles::updated_at.eq(now)))
        .execute(conn)
}

/// Published articles of `kind`, newest first, and how many there are.
pub fn published(
    conn: &mut DbConnection,
    kind: &str,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ArticleRow>, i64)> {
    let total = articles::table
        .filter(articles::kind.eq(kind))
        .filter(articles::published_at.is_not_null())
        .count()
        .get_result(conn)?;
    let rows = articles::table
        .filter(articles::kind.eq(kind))
        .filter(articles::published_at.is_not_null())
        .order((articles::published_at.desc(), articles::id.asc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// Every article, drafts first, then newest.
pub fn all(
    conn: &mut DbConnection,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ArticleRow>, i64)> {
    let total = articles::table.count().get_result(conn)?;
    let rows = articles::table
        .order((articles::updated_at.desc(), articles::id.asc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

pub fn insert_file(conn: &mut DbConnection, row: &ArticleFileRow) -> QueryResult<()> {
    diesel::insert_into(article_files::table).values(row).execute(conn).map(|_| ())
}

pub fn files_of(
    conn: &mut DbConnection,
    article_id: &ArticleId,
) -> QueryResult<Vec<ArticleFileRow>> {
    article_files::table
        .filter(article_files::article_id.eq(article_id))
        .order((article_files::uploaded_at.asc(), article_files::id.asc()))
        .load(conn)
}

pub fn file(
    conn: &mut DbConnection,
    article_id: &ArticleId,
    id: &ArticleFileId,
) -> QueryResult<Option<ArticleFileRow>> {
    article_files::table
        .filter(article_files::article_id.eq(article_id))
        .filter(article_files::id.eq(id))
        .first(conn)
        .optional()
}
