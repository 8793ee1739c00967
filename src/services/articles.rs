//! What the authority writes for everyone: notices (通知公告) and answers to common
//! questions (常见问题), in Chinese with an optional English text. An administrator
//! writes, edits, publishes and withdraws them and attaches files (PDF, JPEG or PNG by
//! content, like evidence), without a deploy; every change is in the audit trail.

use super::{audit, Page, Paged};
use crate::db::models::{ArticleFileRow, ArticleRow};
use crate::db::{self, articles as repo, DbConnection};
use crate::domain::audit::Fixed;
use crate::domain::id::ArticleFileId;
use crate::domain::id::ArticleId;
use crate::domain::validation::FieldErrors;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::files::FileStore;
use crate::services::Cx;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

crate::domain::text_enum! {
    pub enum ArticleKind {
        Notice => "notice",
        Faq => "faq",
    }
}

/// An article as written in the form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ArticleInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub body_en: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArticleView {
    pub id: ArticleId,
    pub kind: ArticleKind,
    pub title: String,
    pub body: String,
    pub title_en: String,
    pub body_en: String,
    pub published_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub files: Vec<ArticleFileRow>,
}

fn view(c: &mut DbConnection, r: ArticleRow) -> AppResult<ArticleView> {
    let files = repo::files_of(c, &r.id)?;
    Ok(ArticleView {
        kind: ArticleKind::parse(&r.kind).unwrap_or(ArticleKind::Notice),
        id: r.id,
        title: r.title,
        body: r.body,
        title_en: r.title_en,
        body_en: r.body_en,
        published_at: r.published_at,
        updated_at: r.updated_at,
        files,
    })
}

/// The article's texts, checked: a title and a body in Chinese; English optional.
fn checked(input: &ArticleInput) -> AppResult<(ArticleKind, [String; 4])> {
    let mut e = FieldErrors::new();
    let kind = ArticleKind::parse(input.kind.trim());
    if kind.is_none() {
        e.add(
            "kind",
            ErrorCode::ArticleKindUnknown,
            "请选择通知公告或常见问题",
            "choose a notice or a common question",
        );
    }
    let title = e.text("title", &input.title, 200);
    let body = e.long_text("body", &input.body, 20_000);
    let title_en = e.opt_text("title_en", Some(&input.title_en), 200).unwrap_or_default();
    let body_en = if input.body_en.trim().is_empty() {
        String::new()
    } else {
        e.long_text("body_en", &input.body_en, 20_000)
    };
    e.finish()?;
    Ok((kind.unwrap_or(ArticleKind::Notice), [title, body, title_en, body_en]))
}

pub fn create(conn: &mut DbConnection, cx: Cx<'_>, input: &ArticleInput) -> AppResult<ArticleView> {
    let (kind, [title, body, title_en, body_en]) = checked(input)?;
    let row = ArticleRow {
        id: ArticleId::new(),
        kind: kind.as_str().into(),
        title,
        body,
        title_en,
        body_en,
        published_at: None,
        created_by: cx.actor.user_id.clone(),
        created_at: cx.now,
        updated_at: cx.now,
    };
    db::write_tx(conn, |c| -> AppResult<_> {
        repo::insert(c, &row)?;
        audit::record(c, cx.by(), audit::Change::created(Fixed::ArticleCreated, &row))?;
        view(c, row.clone())
    })
}

pub fn update(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    id: &ArticleId,
    input: &ArticleInput,
) -> AppResult<ArticleView> {
    let (_, [title, body, title_en, body_en]) = checked(input)?;
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::get(c, id)?.ok_or_else(|| AppError::not_found("article"))?;
        repo::update_text(c, id, (&title, &body, &title_en, &body_en), cx.now)?;
        let after = repo::get(c, id)?.ok_or_else(|| AppError::not_found("article"))?;
        audit::record(c, cx.by(), audit::Change::moved(Fixed::ArticleUpdated, &before, &after))?;
        view(c, after)
    })
}

/// Publishes (dated now) or withdraws an article.
pub fn publish(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    id: &ArticleId,
    published: bool,
) -> AppResult<ArticleView> {
    db::write_tx(conn, |c| -> AppResult<_> {
        let before = repo::get(c, id)?.ok_or_else(|| AppError::not_found("article"))?;
        repo::set_published(c, id, published.then_some(cx.now), cx.now)?;
        let after = repo::get(c, id)?.ok_or_else(|| AppError::not_found("article"))?;
        let action = if published { Fixed::ArticlePublished } else { Fixed::ArticleWithdrawn };
        audit::record(c, cx.by(), audit::Change::moved(action, &before, &after))?;
        view(c, after)
    })
}

/// Attaches a file to an article.
pub fn attach(
    conn: &mut DbConnection,
    cx: Cx<'_>,
    store: &FileStore,
    id: &ArticleId,
    name: Option<&str>,
    bytes: &[u8],
) -> AppResult<ArticleFileRow> {
    let mut e = FieldErrors::new();
    e.no_format_chars("file", name.unwrap_or(""));
    e.finish()?;
    let media = super::evidence::check_file(bytes)?;
    if bytes.len() as u64 > store.max_bytes {
        return Err(super::evidence::too_large(store.max_bytes));
    }
    repo::get(conn, id)?.ok_or_else(|| AppError::not_found("article"))?;
    let sha =
        store.put(bytes).map_err(|e| AppError::internal(format!("storing an attachment: {e}")))?;
    let row = ArticleFileRow {
        id: ArticleFileId::new(),
        article_id: id.clone(),
        file_name: crate::domain::order::display_name(
            name.unwrap_or(""),
            &format!("attachment.{}", media.extension()),
        ),
        media_type: media.as_str().into(),
        size_bytes: bytes.len() as i64,
        sha256: sha,
        uploaded_by: cx.actor.user_id.clone(),
        uploaded_at: cx.now,
    };
    db::write_tx(conn, |c| -> AppResult<_> {
        repo::get(c, id)?.ok_or_else(|| AppError::not_found("article"))?;
        repo::insert_file(c, &row)?;
        audit::record(c, cx.by(), audit::Change::new(Fixed::ArticleFileAttached, id).after(&row))?;
        Ok(row.clone())
    })
}

/// Published articles of a kind, newest first.
pub fn published(
    conn: &mut DbConnection,
    kind: ArticleKind,
    page: Page,
) -> AppResult<Paged<ArticleView>> {
    let (rows, total) = repo::published(conn, kind.as_str(), page.offset(), page.per_page)?;
    let items = rows.into_iter().map(|r| view(conn, r)).collect::<AppResult<_>>()?;
    Ok(Paged { items, page: page.page, per_page: page.per_page, total })
}

/// Every article, for the administrator.
pub fn all(conn: &mut DbConnection, page: Page) -> AppResult<Paged<ArticleView>> {
    let (rows, total) = repo::all(conn, page.offset(), page.per_page)?;
    let items = rows.into_iter().map(|r| view(conn, r)).collect::<AppResult<_>>()?;
    Ok(Paged { items, page: page.page, per_page: page.per_page, total })
}

/// One article: a published one for anyone, any one for the administrator.
pub fn get(conn: &mut DbConnection, id: &ArticleId, drafts: bool) -> AppResult<ArticleView> {
    let row = repo::get(conn, id)?
        .filter(|r| drafts || r.published_at.is_some())
        .ok_or_else(|| AppError::not_found("article"))?;
    view(conn, row)
}

/// An attachment of a published article (any article for the administrator).
pub fn file(
    conn: &mut DbConnection,
    id: &ArticleId,
    file_id: &ArticleFileId,
    drafts: bool,
) -> AppResult<ArticleFileRow> {
    get(conn, id, drafts)?;
    repo::file(conn, id, file_id)?.ok_or_else(|| AppError::not_found("attachment"))
}
