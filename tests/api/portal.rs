//! The portal as a front door (issue 21), at the HTTP boundary: one header on every page
//! naming the authority, with 登录 or 退出 and, signed in, exactly the role's own links
//! (each of which opens); every role lands on its 工作台 with what waits for it counted;
//! signing out is a page; a browser asking for a missing, forbidden or failing page gets
//! a page in its language, while the API keeps problem+json.

use crate::helpers::{spawn_app, TestApp, PASSWORD};
use crate::orders::world;
use crate::web::{Browser, Page};
use hechuang::domain::Role;
use std::collections::BTreeSet;

/// A page's HTML with the escapes minijinja writes in attribute values undone.
fn plain(body: &str) -> String {
    body.replace("&#x2f;", "/").replace("&#x3d;", "=").replace("&amp;", "&")
}

/// The links of the role navigation (`<nav class="work">`) on a page.
fn work_links(body: &str) -> Vec<String> {
    let body = &plain(body);
    let Some(at) = body.find("<nav class=\"work\"") else {
        return Vec::new();
    };
    let end = at + body[at..].find("</nav>").expect("nav closes");
    body[at..end].split("href=\"").skip(1).map(|s| s[..s.find('"').unwrap()].to_string()).collect()
}

/// The text of a `data-kind` count on the 工作台.
pub fn count_of(body: &str, kind: &str) -> i64 {
    let at = body
        .find(&format!("data-kind=\"{kind}\""))
        .unwrap_or_else(|| panic!("{kind} on the desk: {body}"));
    let rest = &body[at..];
    let c = rest.find("class=\"count\">").unwrap() + 14;
    rest[c..c + rest[c..].find('<').unwrap()].parse().unwrap()
}

async fn party_token(app: &TestApp, role: Role, tag: &str) -> String {
    let user = format!("portal_{tag}");
    match role {
        Role::Firm => {
            app.register_firm(&user).await;
        }
        Role::Provider => {
            app.register_provider(&user).await;
        }
        Role::Space => {
            app.register_space(&user).await;
        }
        staff => {
            app.staff(&user, staff);
        }
    }
    app.token(&user).await
}

const ROLES: [(Role, &[&str]); 7] = [
    (
        Role::Firm,
        &[
            "/home",
            "/firm",
            "/documents",
            "/batches",
            "/my/vouchers",
            "/services",
            "/orders",
            "/firm/spot-checks",
            "/appeals",
        ],
    ),
    (
        Role::Provider,
        &[
            "/home",
            "/provider",
            "/documents",
            "/provider/services",
            "/orders",
            "/provider/redemptions",
            "/provider/findings",
            "/appeals",
        ],
    ),
    (
        Role::Space,
        &[
            "/home",
            "/space",
            "/documents",
            "/space/apply",
            "/space/incubatees",
            "/space/statistics",
            "/appeals",
        ],
    ),
    (
        Role::Reviewer,
        &[
            "/home",
            "/review",
            "/firms",
            "/orders",
            "/spot-checks",
            "/screening",
            "/appeals",
            "/dashboard",
        ],
    ),
    (
        Role::Finance,
        &[
            "/home",
            "/finance",
            "/finance/report",
            "/finance/receivables",
            "/firms",
            "/orders",
            "/dashboard",
        ],
    ),
    (
        Role::Admin,
        &[
            "/home",
            "/admin",
            "/admin/users",
            "/admin/outbox",
            "/admin/jobs",
            "/admin/articles",
            "/spot-checks",
            "/screening",
            "/appeals",
            "/finance/receivables",
            "/review",
            "/firms",
            "/orders",
            "/dashboard",
            "/audit",
        ],
    ),
    (
        Role::Auditor,
        &[
            "/home",
            "/firms",
            "/orders",
            "/spot-checks",
            "/screening",
            "/appeals",
            "/dashboard",
            "/audit",
            "/finance",
            "/finance/report",
            "/finance/receivables",
        ],
    ),
];

#[actix_web::test]
async fn every_role_sees_exactly_its_own_links_and_each_one_opens() {
    let app = spawn_app().await;
    let every: BTreeSet<&str> = ROLES.iter().flat_map(|(_, l)| l.iter().copied()).collect();
    for (i, (role, expected)) in ROLES.iter().enumerate() {
        let token = party_token(&app, *role, &format!("nav{i}")).await;
        let mut b = Browser::signed_in(&app, &token);
        let p = b.get("/home").await;
        assert_eq!(p.status, 200, "{role:?}: {}", p.body);
        let links = work_links(&p.body);
        assert_eq!(links, *expected, "{role:?}'s navigation");
        // Another role's page is never offered: not in the header, not anywhere else
        // the header is drawn (a public page).
        let public = b.get("/").await;
        assert_eq!(work_links(&public.body), *expected, "{role:?} on /");
        for other in every.iter().filter(|l| !expected.contains(l)) {
            assert!(!links.iter().any(|l| l == other), "{role:?} is offered {other}");
        }
        // Every link the role is given opens for it.
        for link in *expected {
            let p = b.get(link).await;
            assert_eq!(p.status, 200, "{role:?} following {link}: {}", p.body);
            assert!(
                p.body.contains("<nav class=\"work\""),
                "{role:?} on {link} keeps its navigation"
            );
        }
    }
}

#[actix_web::test]
async fn the_header_names_the_authority_and_offers_sign_in_then_sign_out() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    let p = b.get("/").await;
    assert_eq!(p.status, 200);
    for text in [
        "合肥高新技术产业开发区管理委员会",
        "id=\"sign-in\" href=\"/login\"",
        // The footer: the contact from configuration (config/test.toml).
        "0551-00000000",
        "desk@hechuang.test",
        "测试备案号 000000",
    ] {
        assert!(p.body.contains(text), "{text} on /: {}", p.body);
    }
    assert!(!plain(&p.body).contains("href=\"/logout\""), "{}", p.body);
    assert!(work_links(&p.body).is_empty());
    // Every public page carries the same header.
    for path in [
        "/batches",
        "/public/certifications",
        "/public/subsidies",
        "/public/redemptions",
        "/public/provider-notices",
        "/public/redemption-notices",
        "/login",
    ] {
        let p = b.get(path).await;
        assert_eq!(p.status, 200, "{path}");
        assert!(
            p.body.contains("合肥高新技术产业开发区管理委员会") && p.body.contains("0551-00000000"),
            "{path}: {}",
            p.body
        );
    }
    // In English, the authority's English name.
    let p = b.get("/?lang=en").await;
    assert!(
        p.body.contains("Hefei High-tech Industrial Development Zone Administrative Committee")
            && p.body.contains(">Sign in<"),
        "{}",
        p.body
    );
    let _ = b.get("/?lang=zh").await;

    // Signing in through the page lands on the 工作台, whose header offers 退出.
    app.staff("portal_fin", Role::Finance);
    let login = b.get("/login").await;
    let csrf = Browser::csrf(&login);
    let p = b
        .post(
            "/login",
            &[
                ("csrf", csrf.as_str()),
                ("next", ""),
                ("username", "portal_fin"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!((p.status, p.location.as_str()), (303, "/home"));
    let p = b.get("/home").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        plain(&p.body).contains("id=\"sign-out\" href=\"/logout\"")
            && !p.body.contains("id=\"sign-in\""),
        "{}",
        p.body
    );
    // Signed in, the sign-in page sends the reader on.
    let p = b.get("/login").await;
    assert_eq!((p.status, p.location.as_str()), (303, "/home"));
    // The public home page offers the desk.
    let p = b.get("/").await;
    assert!(p.body.contains("进入工作台"), "{}", p.body);
}

#[actix_web::test]
async fn signing_out_is_a_page_that_asks_first() {
    let app = spawn_app().await;
    let token = party_token(&app, Role::Reviewer, "out").await;
    let mut b = Browser::signed_in(&app, &token);
    let p: Page = b.get("/logout").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("确认退出") && p.body.contains("action=\"/logout\""), "{}", p.body);
    assert!(b.jar.contains_key("hc_access"), "a GET signs nobody out");
    // Without the form's token nothing happens.
    let p = b.post("/logout", &[("csrf", "0")]).await;
    assert_eq!(p.status, 403);
    assert!(b.get("/home").await.status == 200);
    let page = b.get("/logout").await;
    let csrf = Browser::csrf(&page);
    let p = b.post("/logout", &[("csrf", csrf.as_str())]).await;
    assert_eq!((p.status, p.location.as_str()), (303, "/logout"));
    assert!(!b.jar.contains_key("hc_access"));
    let p = b.get("/logout").await;
    assert_eq!(p.status, 200);
    assert!(p.body.starts_with("<!doctype html>") && p.body.contains("您已退出登录"), "{}", p.body);
    let p = b.get("/home").await;
    assert_eq!((p.status, p.location.as_str()), (303, "/login?next=/home"));
    // Never signed in: the same page, never JSON.
    let p = Browser::new(&app).get("/logout?lang=en").await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("You have signed out"), "{}", p.body);
}

#[actix_web::test]
async fn the_desk_counts_what_waits_for_each_person_and_links_to_it() {
    let app = spawn_app().await;
    let w = world(&app, "desk").await;
    let reviewer = party_token(&app, Role::Reviewer, "desk_rev").await;
    let mut rev = Browser::signed_in(&app, &reviewer);
    let before = count_of(&rev.get("/home").await.body, "firms_to_onboard");

    // A new firm applies: the reviewer's desk counts it; the firm sees where it stands.
    let (_, user) = app.register_firm("desk_newfirm").await;
    let p = rev.get("/home").await;
    assert_eq!(count_of(&p.body, "firms_to_onboard"), before + 1);
    assert!(plain(&p.body).contains("href=\"/review#q-firms\""), "{}", p.body);
    let mut newcomer = Browser::signed_in(&app, &app.token(&user).await);
    let p = newcomer.get("/home").await;
    assert!(
        p.body.contains("企业入驻申请已提交，正在审核")
            && !p.body.contains("可领取和即将开放的批次"),
        "{}",
        p.body
    );

    // The onboarded firm sees its open batch; an order waits for the provider.
    let mut firm = Browser::signed_in(&app, &w.firm.token);
    let mut prov = Browser::signed_in(&app, &w.provider_token);
    assert_eq!(count_of(&prov.get("/home").await.body, "orders_to_accept"), 0);
    let p = firm.get("/home").await;
    assert!(
        p.body.contains("企业已入驻") && p.body.contains("可领取和即将开放的批次"),
        "{}",
        p.body
    );
    let order = w.order(&app, "12000.00").await;
    let p = prov.get("/home").await;
    assert_eq!(count_of(&p.body, "orders_to_accept"), 1);
    assert!(
        plain(&p.body).contains("href=\"/orders?status=requested\"") && p.body.contains(&order),
        "the count links to the orders, the order is among the latest: {}",
        p.body
    );
    // Accepted, it moves to the provider's deliveries.
    let r = w.provider_does(&app, &order, "accept", serde_json::json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = prov.get("/home").await;
    assert_eq!(count_of(&p.body, "orders_to_accept"), 0);
    assert_eq!(count_of(&p.body, "orders_to_deliver"), 1);
    // Finance's desk: nothing to approve yet.
    let fin = party_token(&app, Role::Finance, "desk_fin").await;
    let p = Browser::signed_in(&app, &fin).get("/home").await;
    assert_eq!(count_of(&p.body, "runs_to_approve"), 0);
    assert!(p.body.contains("目前没有需要您处理的事项"), "{}", p.body);
}

/// A GET as a browser sends it (Accept: text/html): status, content type, body.
async fn browse(app: &TestApp, path: &str, cookie: &str) -> (u16, String, String, Option<String>) {
    let mut r = awc::Client::default()
        .get(app.url(path))
        .insert_header(("accept", "text/html,application/xhtml+xml,*/*;q=0.8"))
        .insert_header(("cookie", cookie))
        .send()
        .await
        .unwrap();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    let body = String::from_utf8(r.body().await.unwrap().to_vec()).unwrap();
    (r.status().as_u16(), ct, body, retry)
}

#[actix_web::test]
async fn a_browser_gets_missing_pages_and_faults_as_pages_in_its_language_and_the_api_keeps_problems(
) {
    let app = spawn_app().await;
    // A missing page, in Chinese and in English, with the way back.
    let (status, ct, body, _) = browse(&app, "/no-such-page", "").await;
    assert_eq!(status, 404);
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(
        body.contains("页面不存在")
            && body.contains("合肥高新技术产业开发区管理委员会")
            && body.contains("返回首页"),
        "{body}"
    );
    let (status, _, body, _) = browse(&app, "/no-such-page", "hc_lang=en").await;
    assert_eq!(status, 404);
    assert!(body.contains("Page not found") && body.contains("Back to the home page"), "{body}");
    // A record that does not exist behind a page's address.
    let token = party_token(&app, Role::Firm, "err_firm").await;
    let (status, ct, body, _) =
        browse(&app, "/orders/00000000-0000-4000-8000-000000000000", &format!("hc_access={token}"))
            .await;
    assert_eq!(status, 404, "{body}");
    assert!(ct.starts_with("text/html") && body.contains("返回工作台"), "{body}");
    // The API, health and data files keep problem+json even for a browser.
    for path in ["/api/v1/no-such-thing", "/public/awards/1999.json"] {
        let (status, ct, _, _) = browse(&app, path, "").await;
        assert_eq!(status, 404, "{path}");
        assert!(ct.starts_with("application/problem+json"), "{path}: {ct}");
    }
    // A client that does not ask for HTML gets problem+json.
    let r = app.get("/no-such-page", None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["code"], "not_found", "{}", r.body);

    // A server fault: the page says so with the request's number, and leaks nothing.
    app.exec("ALTER TABLE batches RENAME TO batches_gone").unwrap();
    let (status, ct, body, _) = browse(&app, "/batches", "").await;
    assert_eq!(status, 500, "{body}");
    assert!(
        ct.starts_with("text/html") && body.contains("服务器出错了") && body.contains("请求编号"),
        "{body}"
    );
    assert!(!body.contains("batches_gone") && !body.contains("no such table"), "{body}");
    app.exec("ALTER TABLE batches_gone RENAME TO batches").unwrap();
}

/// The database out of reach (every pooled connection taken): a browser gets 503 as a
/// page saying nothing was done, with Retry-After.
#[actix_web::test]
async fn a_browser_gets_an_unavailable_service_as_a_page() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.database.pool_size = 2;
        s.database.connect_timeout_secs = 1;
    })
    .await;
    let held = (app.conn(), app.conn());
    let (status, ct, body, retry) = browse(&app, "/", "").await;
    drop(held);
    assert_eq!(status, 503, "{body}");
    assert!(ct.starts_with("text/html") && body.contains("服务暂时不可用"), "{body}");
    assert_eq!(retry.as_deref(), Some("5"));
    let (status, _, _, _) = browse(&app, "/", "").await;
    assert_eq!(status, 200);
}

/// A reviewer's 工作台 counts the public notices that end within a day: objections
/// close then.
#[actix_web::test]
async fn the_desk_counts_notices_about_to_end() {
    let app = spawn_app().await;
    let rev = party_token(&app, Role::Reviewer, "ending_rev").await;
    let provider = app.register_provider("ending_prov").await;
    let r = app
        .post(
            &format!("/api/v1/providers/{provider}/listing"),
            Some(&rev),
            &serde_json::json!({"action": "start_notice"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = Browser::signed_in(&app, &rev).get("/home").await;
    assert_eq!(count_of(&p.body, "notices_ending"), 0, "a week to go");
    assert_eq!(count_of(&p.body, "providers_in_notice"), 1);
    // What the reviewer did lately, in words (sign-ins left out).
    let lately = &p.body[p.body.find("id=\"lately\"").expect("a recent list")..];
    assert!(
        lately.contains("处理了服务机构入库")
            && !lately.contains("provider.")
            && !lately.contains("auth."),
        "{lately}"
    );
    app.clock.advance(chrono::Duration::days(6) + chrono::Duration::hours(1));
    let rev = app.token("portal_ending_rev").await;
    let p = Browser::signed_in(&app, &rev).get("/home").await;
    assert_eq!(count_of(&p.body, "notices_ending"), 1, "{}", p.body);
}

/// The review desk names a firm's industry and size class, never their codes.
#[actix_web::test]
async fn the_review_desk_names_industries_and_sizes_in_words() {
    let app = spawn_app().await;
    let rev = party_token(&app, Role::Reviewer, "words_rev").await;
    app.register_firm("words_firm").await;
    let p = Browser::signed_in(&app, &rev).get("/review").await;
    assert_eq!(p.status, 200);
    let at = p.body.find("id=\"q-firms\"").unwrap();
    let firms = &p.body[at..at + p.body[at..].find("</section>").unwrap()];
    assert!(firms.contains("软件和信息技术服务业") && firms.contains("小型企业"), "{firms}");
    for code in ["software_it", ">micro<", ">small<"] {
        assert!(!firms.contains(code), "{code}: {firms}");
    }
    let p = Browser::signed_in(&app, &rev).get("/review?lang=en").await;
    let at = p.body.find("id=\"q-firms\"").unwrap();
    assert!(
        p.body[at..].contains("Small enterprise")
            && p.body[at..].contains("Software and IT services"),
        "{}",
        &p.body[at..]
    );
}
