//! The 工作台: where every role lands after signing in. What waits for this person,
//! counted, each count a link to the page where the work is done; where their firm,
//! provider or space stands and the next step; the batches an onboarded firm can claim
//! in; the latest orders. Also the sign-out page (`GET /logout`), which asks before
//! signing out.

use super::desk::{Desk, Form};
use super::orders::open;
use super::{local_time, wire};
use crate::domain::Role;
use crate::http::{db, State};
use crate::services::workbench::{self as svc, Standing, TodoKind};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home).service(resend_verification);
}

const EVERYONE: &[Role] = &[
    Role::Firm,
    Role::Provider,
    Role::Space,
    Role::Reviewer,
    Role::Finance,
    Role::Admin,
    Role::Auditor,
];

/// Where the work of a kind is done, and what it is called.
fn todo_link(kind: TodoKind) -> (&'static str, &'static str) {
    use TodoKind::*;
    match kind {
        OrdersToConfirm => ("/orders?status=delivered", "deliveries-to-confirm"),
        OrdersToAccept => ("/orders?status=requested", "orders-to-accept"),
        OrdersToDeliver => ("/orders?status=accepted", "orders-to-deliver"),
        OrdersToRedeem => ("/provider/redemptions", "orders-ready-for-redemption"),
        StatisticsDue => ("/space/statistics", "yearly-statistics-to-file"),
        ApplicationsInReview => ("/space", "certification-applications-in-review"),
        FirmsToOnboard => ("/review#q-firms", "firms-to-onboard"),
        ProvidersToReview => ("/review#q-providers", "provider-applications-to-review"),
        ProvidersInNotice => ("/review#q-notice", "providers-in-public-notice"),
        DisputesToResolve => ("/review#q-disputes", "disputed-deliveries-3"),
        RedemptionsToReview => ("/review#q-items", "redemption-items-to-review"),
        CertificationsToReview => ("/review#q-apps", "certification-applications-to-review"),
        EntitlementsInNotice => ("/review", "carrier-subsidies-in-public-notice"),
        NoticesEnding => ("/public/provider-notices", "notices-ending-within-a-day"),
        RunsToApprove => ("/finance", "runs-to-approve"),
        RunsToExport => ("/finance", "runs-whose-bank-file-is-to-be"),
        ResultsToRecord => ("/finance", "runs-with-payment-results-to-record"),
        EmailsFailed => ("/admin/outbox?status=failed", "emails-that-failed"),
    }
}

/// An audited action in words; None for the ones not worth showing a person.
fn action_words(action: &str) -> Option<&'static str> {
    let (entity, verb) = action.split_once('.')?;
    Some(match (entity, verb) {
        ("firm", "registered") => "提交了企业入驻申请",
        ("firm", "onboarded") => "审核通过了企业入驻",
        ("firm", "onboarding_rejected") => "退回了企业入驻申请",
        ("firm", "profile_updated") => "修改了企业信息",
        ("firm", "qualifications_set") => "核定了企业资质",
        ("provider", "applied") => "提交了服务机构入库申请",
        ("provider", _) => "处理了服务机构入库",
        ("service_item", _) => "编辑了服务项目",
        ("order", "requested") => "提交了订单",
        ("order", "evidence_added") => "上传了交付材料",
        ("order", _) => "处理了订单",
        ("voucher", "claimed") => "领取了合创券",
        ("lottery", _) => "办理了摇号登记",
        ("redemption", "submitted") => "提交了兑现申请",
        ("redemption", _) => "审核了兑现申请",
        ("settlement", "prepared") => "生成了结算批次",
        ("settlement", "approved") => "审批了结算批次",
        ("settlement", "rejected") => "退回了结算批次",
        ("settlement", "exported") => "导出了银行文件",
        ("settlement", _) => "登记了支付结果",
        ("payout", _) => "处理了支付",
        ("certification", "applied") => "提交了认定申请",
        ("certification", _) => "处理了认定",
        ("statistics", _) => "报送了年度统计",
        ("incubatee", _) => "更新了在孵企业",
        ("programme" | "batch", _) => "设置了合创券项目或批次",
        ("user", "password_changed") => "修改了密码",
        ("user", _) => "管理了用户",
        ("article", _) => "编辑了通知公告或常见问题",
        ("auth", "password_reset") => "重置了密码",
        ("auth", "account_unlocked") => "解除了账户锁定",
        ("auth", "password_reset_sent") => "发送了密码重置链接",
        ("contact", "verified") => "验证了联系邮箱",
        ("document", "uploaded") => "上传了证明材料",
        ("contact", "verification_sent") => "发送了邮箱验证链接",
        ("outbox", _) => "重发了邮件",
        _ => return None,
    })
}

/// Where a party stands, in words, and the link to its next step. An application whose
/// contact address is not verified yet waits for its applicant, not for a reviewer.
fn standing(s: &Standing, verified: bool) -> serde_json::Value {
    use crate::domain::party::{ListingStatus as L, OnboardingStatus as O};
    let (name, text, reason, next) = match s {
        Standing::Firm {
            name,
            status,
            reason,
        } => {
            let (text, next) = match status {
                O::Submitted if !verified => (
                    "企业入驻申请已提交，请先验证联系邮箱，验证后进入审核。",
                    ("/firm", "see-the-firms-details"),
                ),
                O::Submitted => (
                    "企业入驻申请已提交，正在审核，审核通过后即可领取合创券。",
                    ("/firm", "see-the-firms-details"),
                ),
                O::Onboarded => (
                    "企业已入驻，可以领取合创券、选购服务。",
                    ("/batches", "claim-vouchers"),
                ),
                O::Rejected => ("企业入驻申请未通过。", ("/firm", "correct-the-firms-details")),
            };
            (name, text, reason, next)
        }
        Standing::Provider {
            name,
            status,
            reason,
        } => {
            let (text, next) = match status {
                L::Applied if !verified => (
                    "入库申请已提交，请先验证联系邮箱，验证后进入审核。",
                    ("/provider", "see-the-application"),
                ),
                L::Applied => ("入库申请已提交，正在审核。", ("/provider", "see-the-application")),
                L::InNotice => (
                    "入库申请已通过审核，正在公示，公示期满无异议即入库。",
                    ("/provider", "see-the-application"),
                ),
                L::Listed => (
                    "已入库，可以发布服务项目、接受订单。",
                    ("/provider/services", "manage-services"),
                ),
                L::Rejected => ("入库申请未通过。", ("/provider", "see-the-application")),
                L::Suspended => (
                    "已暂停接单，进行中的订单可继续完成。",
                    ("/provider", "see-the-providers-details"),
                ),
                L::Delisted => ("已出库。", ("/provider", "see-the-providers-details")),
            };
            (name, text, reason, next)
        }
        Standing::Space { name, certified } => {
            let (text, next) = if !verified {
                (
                    "请先验证联系邮箱，验证后才能提交认定申请。",
                    ("/space", "view-your-space"),
                )
            } else if *certified == 0 {
                (
                    "尚无有效的认定（备案），可在线申请认定。",
                    ("/space/apply", "apply-for-certification"),
                )
            } else {
                (
                    "已认定（备案），享受相应补贴；每年按时报送统计数据。",
                    ("/space", "see-certifications-and-subsidies"),
                )
            };
            let _ = certified;
            return json!({
                "name": name, "text": text, "reason": null,
                "next_href": next.0, "next_text": next.1,
            });
        }
    };
    json!({
        "name": name, "text": text, "reason": reason,
        "next_href": next.0, "next_text": next.1,
    })
}

#[get("/home")]
async fn home(state: State, req: HttpRequest) -> actix_web::Result<HttpResponse> {
    let d = open!(state, req, EVERYONE);
    let page = page(&state, &d).await?;
    Ok(page)
}

async fn page(state: &State, d: &Desk) -> Result<HttpResponse, crate::error::AppError> {
    page_with(state, d, Form::none(), StatusCode::OK).await
}

async fn page_with(
    state: &State,
    d: &Desk,
    form: Form,
    status: StatusCode,
) -> Result<HttpResponse, crate::error::AppError> {
    let (policy, actor, now) = (state.policy.clone(), d.actor(), state.clock.now());
    let user_id = d.s.caller.user_id.clone();
    let (wb, user) = db(state, move |c| {
        let wb = svc::of(c, &policy, &actor, now)?;
        let user = crate::services::users::get(c, &user_id)?;
        Ok((wb, user))
    })
    .await?;
    let todo: Vec<serde_json::Value> = wb
        .todo
        .iter()
        .map(|t| {
            let (href, text) = todo_link(t.kind);
            json!({"kind": t.kind.as_str(), "href": href, "text": text, "count": t.count})
        })
        .collect();
    let waiting: i64 = wb.todo.iter().map(|t| t.count).sum();
    let batches: Vec<serde_json::Value> = wb
        .batches
        .iter()
        .map(|b| {
            json!({
                "name": b.name, "status_text": super::firm::status_text(&wire(&b.status)),
                "opens_at": local_time(b.opens_at), "closes_at": local_time(b.closes_at),
                "remaining": super::yuan(b.remaining),
            })
        })
        .collect();
    let orders: Vec<serde_json::Value> = wb
        .recent_orders
        .iter()
        .map(|o| {
            json!({
                "id": o.id, "order_no": o.order_no, "title": o.title,
                "status_text": super::orders::status_text(&wire(&o.status)),
                "firm_name": o.firm_name, "provider_name": o.provider_name,
                "amount": super::yuan(o.contract_amount),
                "requested_at": local_time(o.requested_at),
            })
        })
        .collect();
    let lately: Vec<serde_json::Value> = wb
        .done_lately
        .iter()
        .filter_map(|x| action_words(&x.action).map(|w| json!({"at": local_time(x.at), "what": w})))
        .collect();
    let role = d.s.caller.role;
    let verified = wb.contact.as_ref().is_none_or(|c| c.verified_at.is_some());
    d.render(
        state,
        "workbench.html",
        "/home",
        "工作台",
        context! {
            display_name => user.display_name,
            role_text => super::session::role_text(role),
            standing => wb.standing.as_ref().map(|s| super::val(standing(s, verified))),
            licence_missing => wb.has_licence == Some(false),
            contact => wb.contact.as_ref().map(|c| context! {
                email => c.contact_email.clone(), verified => c.verified_at.is_some(),
                verified_at => c.verified_at.map(local_time),
            }),
            todo => super::val(todo), waiting => waiting,
            batches => super::val(batches), orders => super::val(orders),
            lately => super::val(lately),
            is_provider => role == Role::Provider,
            is_firm => role == Role::Firm,
        },
        &form,
        status,
    )
}

/// The applicant asks for the contact verification link again.
#[post("/home/verification")]
async fn resend_verification(
    state: State,
    req: HttpRequest,
    form: web::Form<Vec<(String, String)>>,
) -> actix_web::Result<HttpResponse> {
    let d = open!(state, req, &[Role::Firm, Role::Provider, Role::Space]);
    let p = super::desk::Posted(form.into_inner());
    let user = d.s.caller.user_id.clone();
    let r = d
        .attempt(
            &state,
            &req,
            &p,
            |_| Ok(()),
            move |c, (), a| {
                crate::services::contact_verification::resend(c, a.links(), &user, a.now, &a.actor)
            },
        )
        .await
        .map(|_| ("/home".to_string(), "verification_sent"));
    let (st, dk) = (&state, &d);
    d.answer(st, r, "verification", &p, &[], move |f, s| async move {
        page_with(st, dk, f, s).await
    })
    .await
}
