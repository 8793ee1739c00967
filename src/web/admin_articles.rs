//! The administrator's notices (通知公告) and common questions (常见问题): write, edit,
//! publish or withdraw, attach files. Published ones appear on the home page, the
//! notices list and the guide at once; every change is audited.

use super::desk::Screen;
use super::desk::{Desk, Form, Posted, Shape};
use super::guide::article_json;
use super::orders::open;
use super::val;
use crate::domain::id::ArticleId;
use crate::domain::Role;
use crate::error::AppError;
use crate::http::Answer;
use crate::http::{db, typed_id, State};
use crate::services::articles::{self, ArticleInput};
use crate::services::Page;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::web::Path;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(articles_page)
        .service(create)
        .service(edit)
        .service(update)
        .service(attach)
        .service(publish)
        .service(attachment);
}

const ADMIN: &[Role] = &[Role::Admin];
const NONE: Shape = Shape { lists: &[], ints: &[], bools: &[] };
const KINDS: [(&str, &str); 2] = [("notice", "notices"), ("faq", "common-questions")];

async fn list_view(
    state: &State,
    d: &Desk,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let all = Page { page: 1, per_page: 100 };
    let found = db(state, move |c| articles::all(c, all)).await?;
    let en = d.en();
    let items: Vec<serde_json::Value> = found.items.iter().map(|a| article_json(a, en)).collect();
    d.render(
        state,
        Screen {
            template: "admin_articles.html",
            path: "/admin/articles",
            title: "notices-and-common-questions",
        },
        context! { items => val(items), total => found.total, kinds => KINDS },
        form,
        status,
    )
}

#[get("/admin/articles")]
async fn articles_page(state: State, req: HttpRequest) -> Answer {
    let d = open!(state, req, ADMIN);
    Ok(list_view(&state, &d, &Form::none(), StatusCode::OK).await?)
}

#[post("/admin/articles")]
async fn create(state: State, req: HttpRequest, p: Posted) -> Answer {
    let d = open!(state, req, ADMIN);
    let r = d
        .attempt_all(
            &state,
            &req,
            &p,
            |p| p.input_all::<ArticleInput>(&NONE),
            |c, i, a| articles::create(c, a.cx(), &i),
        )
        .await
        .map(|a| (format!("/admin/articles/{}", a.id), "created"));
    let (st, dk) = (&state, &d);
    d.answer(st, r, "article", &p, &[], move |f, s| async move { list_view(st, dk, &f, s).await })
        .await
}

async fn edit_view(
    state: &State,
    d: &Desk,
    id: &ArticleId,
    form: &Form,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let aid = id.clone();
    let a = db(state, move |c| articles::get(c, &aid, true)).await?;
    d.render(
        state,
        Screen {
            template: "admin_article.html",
            path: &format!("/admin/articles/{id}"),
            title: "edit-2",
        },
        context! {
            a => val(&a), shown => val(article_json(&a, false)),
            kind_text => KINDS.iter().find(|k| k.0 == a.kind.as_str()).map(|k| k.1).unwrap_or(""),
        },
        form,
        status,
    )
}

#[get("/admin/articles/{id}")]
async fn edit(state: State, req: HttpRequest, path: Path<String>) -> Answer {
    let id = typed_id::<ArticleId>(&path)?;
    let d = open!(state, req, ADMIN);
    Ok(edit_view(&state, &d, &id, &Form::none(), StatusCode::OK).await?)
}

#[post("/admin/articles/{id}")]
async fn update(state: State, req: HttpRequest, path: Path<String>, p: Posted) -> Answer {
    let id = typed_id::<ArticleId>(&path)?;
    let d = open!(state, req, ADMIN);
    let aid = id.clone();
    let r = d
        .attempt_all(
            &state,
            &req,
            &p,
            |p| p.input_all::<ArticleInput>(&NONE),
            move |c, i, a| articles::update(c, a.cx(), &aid, &i),
        )
        .await
        .map(|a| (format!("/admin/articles/{}", a.id), "saved"));
    let (st, dk, oid) = (&state, &d, &id);
    d.answer(
        st,
        r,
        "article",
        &p,
        &[],
        move |f, s| async move { edit_view(st, dk, oid, &f, s).await },
    )
    .await
}

#[post("/admin/articles/{id}/{action}")]
async fn publish(
    state: State,
    req: HttpRequest,
    path: Path<(String, String)>,
    p: Posted,
) -> Answer {
    let (id, action) = path.into_inner();
    let id = typed_id::<ArticleId>(&id)?;
    let published = match action.as_str() {
        "publish" => true,
        "withdraw" => false,
        _ => return Err(AppError::not_found("page").into()),
    };
    let d = open!(state, req, ADMIN);
    let aid = id.clone();
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |_| Ok(()),
            move |c, _, a| articles::publish(c, a.cx(), &aid, published),
        )
        .await
        .map(|a| {
            let what = if published { "published" } else { "withdrawn_article" };
            (format!("/admin/articles/{}", a.id), what)
        });
    let (st, dk, oid) = (&state, &d, &id);
    d.answer(
        st,
        r,
        "publish",
        &p,
        &[],
        move |f, s| async move { edit_view(st, dk, oid, &f, s).await },
    )
    .await
}

#[post("/admin/articles/{id}/files")]
async fn attach(state: State, req: HttpRequest, path: Path<String>, parts: Multipart) -> Answer {
    let id = typed_id::<ArticleId>(&path)?;
    let d = open!(state, req, ADMIN);
    let (p, sent) = d.upload(&state, &req, parts).await;
    let result = match sent {
        Err(e) => Err(e),
        Ok((name, bytes)) => {
            let (files, ctx, aid) = (state.files.clone(), state.context(d.actor()), id.clone());
            db(&state, move |c| {
                articles::attach(
                    c,
                    ctx.cx(),
                    &files,
                    &aid,
                    Some(&name).filter(|n| !n.is_empty()).map(String::as_str),
                    &bytes,
                )
            })
            .await
        }
    };
    match result {
        Ok(_) => Ok(d.done(&state, &format!("/admin/articles/{id}"), "uploaded")),
        Err(e) => {
            let f = d.failed("file", &p, &e, &super::desk::FILE_ERRORS);
            Ok(edit_view(&state, &d, &id, &f, e.kind.status()).await?)
        }
    }
}

/// An attachment, drafts' too, for the administrator.
#[get("/admin/articles/{id}/files/{file}")]
async fn attachment(state: State, req: HttpRequest, path: Path<(String, String)>) -> Answer {
    let (id, fid) = path.into_inner();
    let (id, fid) =
        (typed_id::<ArticleId>(&id)?, typed_id::<crate::domain::id::ArticleFileId>(&fid)?);
    let _d = open!(state, req, ADMIN);
    let f = db(&state, move |c| articles::file(c, &id, &fid, true)).await?;
    super::guide::file_response(&state, &f)
}
