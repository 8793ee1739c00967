//! The registers (firms, providers, spaces) and the accounts as work lists: search by
//! part of a name or the whole credit code, filters by state and days, sorting, pages
//! with totals, CSV and XLSX of the filtered list; in the API and on the pages.

use crate::helpers::{spawn_app, TestApp};
use crate::web::Browser;
use hechuang::domain::settlement::Period;
use hechuang::domain::Role;
use serde_json::{json, Value};

/// A page message in Chinese, as `config/locales/zh-CN/pages.ftl` has it.
fn hechuang_words(key: &str) -> String {
    let ftl = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/locales/zh-CN/pages.ftl"
    ))
    .unwrap();
    let line = ftl.lines().find(|l| l.starts_with(&format!("{key} = "))).unwrap();
    line.split_once(" = ").unwrap().1.to_string()
}

fn names(body: &Value) -> Vec<String> {
    body["items"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap().into()).collect()
}

async fn get(app: &TestApp, token: &str, path: &str) -> crate::helpers::Resp {
    app.get(path, Some(token)).await
}

#[actix_web::test]
async fn firms_providers_and_spaces_are_found_filtered_sorted_paged_and_exported() {
    let app = spawn_app().await;
    let (alpha, _) = app.register_firm("rgalpha").await;
    app.clock.advance(chrono::Duration::days(2));
    let (_beta, _) = app.register_firm("rgbeta").await;
    let (_gamma, _) = app.register_firm("rggamma").await;
    app.register_provider("rgprov").await;
    app.register_space("rgspace").await;
    let rev = app.staff_token("rg_reviewer", Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/firms/{alpha}/onboarding"),
            Some(&rev),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let all = get(&app, &rev, "/api/v1/firms").await;
    assert_eq!(all.body["total"], 3, "{}", all.body);
    // Newest first by default; oldest; by name.
    assert_eq!(names(&all.body)[2], "合肥rgalpha科技有限公司");
    let oldest = get(&app, &rev, "/api/v1/firms?sort=oldest").await;
    assert_eq!(names(&oldest.body)[0], "合肥rgalpha科技有限公司");
    let by_name = names(&get(&app, &rev, "/api/v1/firms?sort=name").await.body);
    let mut sorted = by_name.clone();
    sorted.sort();
    assert_eq!(by_name, sorted);
    // Part of a name, in any case; the whole credit code, in any case.
    assert_eq!(
        names(&get(&app, &rev, "/api/v1/firms?q=RGBETA").await.body),
        ["合肥rgbeta科技有限公司"]
    );
    let code = app.get(&format!("/api/v1/firms/{alpha}"), Some(&rev)).await.body["credit_code"]
        .as_str()
        .unwrap()
        .to_lowercase();
    let r = get(&app, &rev, &format!("/api/v1/firms?q={code}")).await;
    assert_eq!(names(&r.body), ["合肥rgalpha科技有限公司"], "{}", r.body);
    assert_eq!(get(&app, &rev, "/api/v1/firms?q=%25").await.body["total"], 0, "% is literal");
    // State and days (China days).
    assert_eq!(get(&app, &rev, "/api/v1/firms?status=onboarded").await.body["total"], 1);
    assert_eq!(get(&app, &rev, "/api/v1/firms?status=submitted").await.body["total"], 2);
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let yesterday = today.pred_opt().unwrap();
    assert_eq!(get(&app, &rev, &format!("/api/v1/firms?from={today}")).await.body["total"], 2);
    assert_eq!(get(&app, &rev, &format!("/api/v1/firms?to={yesterday}")).await.body["total"], 1);
    // Pages.
    let p2 = get(&app, &rev, "/api/v1/firms?per_page=2&page=2").await;
    assert_eq!((p2.body["total"].as_i64(), names(&p2.body).len()), (Some(3), 1));
    assert_eq!(names(&get(&app, &rev, "/api/v1/firms?per_page=2&page=5").await.body).len(), 0);
    // Refusals: each by its field, or the request's.
    for (q, status, code) in [
        ("?sort=largest", 422, "sort_unknown"),
        ("?from=2026-02-30", 422, "date_invalid"),
        ("?status=listed", 400, "status_unknown"),
        ("?format=pdf", 400, "format_unknown"),
        ("?per_page=0", 400, "per_page_invalid"),
        ("?page=0", 400, "page_invalid"),
        ("?lang=fr", 422, "form_invalid"),
        // Given empty, a file's format or language is no word of its list.
        ("?format=", 400, "format_unknown"),
        ("?format=csv&lang=", 422, "form_invalid"),
        // A file's page is judged all the same (schemathesis: the bounds hold).
        ("?per_page=101&format=csv", 400, "per_page_invalid"),
    ] {
        let r = get(&app, &rev, &format!("/api/v1/firms{q}")).await;
        assert_eq!((r.status.as_u16(), r.code()), (status, code), "{q}: {}", r.body);
    }
    assert_eq!(get(&app, &rev, "/api/v1/firms?status=&sort=&q=").await.body["total"], 3);
    // The filtered list as a file, in either language.
    let (s, _, csv) = app.get_bytes("/api/v1/firms?status=submitted&format=csv", Some(&rev)).await;
    assert_eq!(s, 200);
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("名称,统一社会信用代码,行业,所在区县,企业规模,状态,注册时间"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains("合肥rgbeta科技有限公司") && !text.contains("rgalpha"), "{text}");
    assert!(text.contains(",合肥高新技术产业开发区,"), "the district by name: {text}");
    assert!(text.contains("待审核") || text.contains("审核中"), "the state in words: {text}");
    let (_, _, en) = app.get_bytes("/api/v1/firms?format=csv&lang=en&sort=name", Some(&rev)).await;
    let en = String::from_utf8(en[3..].to_vec()).unwrap();
    assert!(en.starts_with("Name,Credit code,Industry,District,Size,State"), "{en}");
    assert!(en.contains("Onboarded") && en.contains("Small enterprise"), "{en}");
    let (s, _, xlsx) = app.get_bytes("/api/v1/firms?format=xlsx", Some(&rev)).await;
    assert_eq!(s, 200);
    assert!(xlsx.starts_with(b"PK"));

    // Providers and spaces the same way.
    let r = get(&app, &rev, "/api/v1/providers?q=rgprov&status=applied").await;
    assert_eq!(names(&r.body), ["合肥rgprov知识产权代理有限公司"], "{}", r.body);
    assert_eq!(get(&app, &rev, "/api/v1/providers?status=listed").await.body["total"], 0);
    let words: String = "孵化运营".bytes().map(|b| format!("%{b:02X}")).collect();
    let r = get(&app, &rev, &format!("/api/v1/spaces?q={words}")).await;
    assert_eq!(names(&r.body), ["rgspace孵化器"], "found by its operator's name: {}", r.body);
    let (_, _, csv) = app.get_bytes("/api/v1/spaces?format=csv", Some(&rev)).await;
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.contains("rgspace孵化器") && text.contains("科技企业孵化器"), "{text}");
    // A firm or provider may not read the registers.
    let firm = app.token("rgbeta").await;
    assert_eq!(get(&app, &firm, "/api/v1/firms").await.status, 403);

    // The pages: the header's link, the three as tabs, the filter kept in the links.
    let mut page = Browser::signed_in(&app, &rev);
    let home = page.get("/home").await.body.replace("&#x2f;", "/");
    assert!(home.contains("href=\"/firms\""), "{home}");
    let p = page.get("/firms?q=rg&status=submitted&from=&to=&sort=name").await;
    assert_eq!(p.status, 200, "{}", p.body);
    let body = p.body.replace("&#x2f;", "/").replace("&amp;", "&").replace("&#x3d;", "=");
    assert!(body.contains("共 2 条"), "{body}");
    assert!(body.contains("合肥rgbeta科技有限公司") && !body.contains("rgalpha"), "{body}");
    assert!(body.contains("href=\"/providers\"") && body.contains("href=\"/spaces\""));
    assert!(body.contains("/firms/export?q=rg&status=submitted&sort=name&format=csv"), "{body}");
    assert!(body.contains("软件和信息技术服务业") || body.contains("软件"), "the industry's name");
    let file = page.get("/firms/export?q=rg&status=submitted&sort=name&format=csv").await;
    assert_eq!(file.status, 200);
    assert!(file.body.contains("rgbeta") && !file.body.contains("rgalpha"), "{}", file.body);
    let p = page.get("/firms?from=2026-02-30").await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("id=\"filter-from-error\""), "{}", p.body);
    let p = page.get("/providers?q=nothing-like-it").await;
    assert!(p.body.contains("没有符合条件的记录"), "{}", p.body);
    let p = page.get("/spaces").await;
    assert!(p.body.contains("rgspace孵化器") && p.body.contains("科技企业孵化器"), "{}", p.body);
    // A firm's session is turned away from the registers.
    let mut firm_page = Browser::signed_in(&app, &firm);
    assert_ne!(firm_page.get("/firms").await.status, 200);
}

#[actix_web::test]
async fn accounts_are_found_by_name_role_and_day_and_exported() {
    let app = spawn_app().await;
    let admin = app.staff_token("rg_admin", Role::Admin).await;
    app.staff_token("rg_checker", Role::Finance).await;
    app.staff_token("rg_reader", Role::Auditor).await;
    app.register_firm("rgfirmuser").await;
    let usernames = |b: &Value| -> Vec<String> {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().into())
            .collect()
    };
    let all = get(&app, &admin, "/api/v1/users").await;
    // (Compared where every collation agrees: the same prefix, then plain letters.)
    let listed: Vec<String> =
        usernames(&all.body).into_iter().filter(|u| u.starts_with("rg_")).collect();
    assert_eq!(listed.len(), 3, "{}", all.body);
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "by username unless asked otherwise");
    assert_eq!(usernames(&get(&app, &admin, "/api/v1/users?q=RG_CH").await.body), ["rg_checker"]);
    assert_eq!(
        usernames(&get(&app, &admin, "/api/v1/users?status=auditor").await.body),
        ["rg_reader"]
    );
    assert_eq!(
        usernames(&get(&app, &admin, "/api/v1/users?status=firm&q=rgfirm").await.body),
        ["rgfirmuser"]
    );
    let r = get(&app, &admin, "/api/v1/users?sort=largest").await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "sort_unknown"), "{}", r.body);
    let (_, _, csv) = app.get_bytes("/api/v1/users?status=finance&format=csv", Some(&admin)).await;
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("用户名,姓名,角色") && text.contains("rg_checker"), "{text}");
    assert!(text.contains("财务") && !text.contains("rg_reader"), "{text}");

    // The administrator's page filters the same way and keeps its actions.
    let mut page = Browser::signed_in(&app, &admin);
    let p = page.get("/admin/users?q=rg_&status=auditor").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("rg_reader") && !p.body.contains("rg_checker"), "{}", p.body);
    assert!(p.body.contains("action=\"/admin/users/"), "the row's actions stay");
    let file = page.get("/admin/users/export?status=auditor&format=csv").await;
    assert!(file.body.contains("rg_reader") && !file.body.contains("rg_checker"), "{}", file.body);
    let p = page.get("/admin/users?to=someday").await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("id=\"filter-to-error\""), "{}", p.body);
}

#[actix_web::test]
async fn redemption_items_are_found_by_order_name_state_and_day_and_exported() {
    let app = spawn_app().await;
    let a = crate::orders::world(&app, "rgia").await;
    // Two of a's items payable; one of b's waiting for review.
    let payable = crate::settlement::make_payable(&app, &a, "rgia", &["3000.00", "900.00"]).await;
    let mut b = crate::orders::world(&app, "rgib").await;
    b.provider_token = app.token("rgib").await;
    let order = b.confirmed_order(&app, "2000.00").await;
    let r = app
        .post(
            "/api/v1/provider/redemptions",
            Some(&b.provider_token),
            &json!({"order_ids": [order]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let rev = app.staff_token("rgi_reviewer", Role::Reviewer).await;
    let orders = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["order_no"].as_str().unwrap().into())
            .collect()
    };
    // The queue by default; any state when asked.
    let queue = get(&app, &rev, "/api/v1/redemption-items").await;
    assert_eq!(queue.body["total"], 1, "{}", queue.body);
    let all_payable = get(&app, &rev, "/api/v1/redemption-items?status=payable&sort=largest").await;
    assert_eq!(all_payable.body["total"], 2);
    let amounts: Vec<&str> = all_payable.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["amount"].as_str().unwrap())
        .collect();
    let yuan: Vec<f64> = amounts.iter().map(|a| a.parse().unwrap()).collect();
    assert!(yuan[0] > yuan[1], "largest first: {amounts:?}");
    let largest = amounts[0].to_string();
    // By the provider's name, by an order number, by the firm's credit code.
    let r = get(&app, &rev, "/api/v1/redemption-items?status=payable&q=rgib").await;
    assert_eq!(r.body["total"], 0, "b has nothing payable");
    let r = get(&app, &rev, "/api/v1/redemption-items?status=payable&q=rgia").await;
    assert_eq!(r.body["total"], 2);
    // A word in every firm's and provider's name (合肥): each item once, found by its
    // firm and by its provider alike.
    let r = get(&app, &rev, "/api/v1/redemption-items?status=payable&q=%E5%90%88%E8%82%A5").await;
    assert_eq!((r.body["total"].as_i64(), orders(&r.body).len()), (Some(2), 2), "{}", r.body);
    let no = orders(&queue.body)[0].clone();
    assert_eq!(
        orders(&get(&app, &rev, &format!("/api/v1/redemption-items?q={no}")).await.body),
        std::slice::from_ref(&no)
    );
    let code = app.get(&format!("/api/v1/firms/{}", a.firm.id), Some(&rev)).await.body
        ["credit_code"]
        .as_str()
        .unwrap()
        .to_string();
    let r = get(&app, &rev, &format!("/api/v1/redemption-items?status=payable&q={code}")).await;
    assert_eq!(r.body["total"], 2, "{}", r.body);
    // Words that match no order, firm or provider find nothing.
    let r = get(&app, &rev, "/api/v1/redemption-items?status=payable&q=nothing-like-it").await;
    assert_eq!((r.status.as_u16(), r.body["total"].as_i64()), (200, Some(0)), "{}", r.body);
    // Days applied for (China days): b applied today, a's applications a week earlier.
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let r = get(&app, &rev, &format!("/api/v1/redemption-items?status=payable&from={today}")).await;
    assert_eq!(r.body["total"], 0, "{}", r.body);
    let r = get(&app, &rev, &format!("/api/v1/redemption-items?from={today}&to={today}")).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    let r = get(&app, &rev, "/api/v1/redemption-items?sort=name").await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "sort_unknown"), "{}", r.body);
    // A provider finds only its own.
    let provider_a = app.token("rgia").await;
    let r = get(&app, &provider_a, "/api/v1/redemption-items?status=payable&q=rgia").await;
    assert_eq!(r.body["total"], 2);
    let r = get(&app, &b.provider_token, "/api/v1/redemption-items?status=payable").await;
    assert_eq!(r.body["total"], 0);
    // The file: order numbers, names of the category and the state, amounts.
    let (s, _, csv) =
        app.get_bytes("/api/v1/redemption-items?status=payable&format=csv", Some(&rev)).await;
    assert_eq!(s, 200);
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("订单号,类别,金额（元）,状态"), "{text}");
    assert_eq!(text.lines().count(), 3, "{text}");
    let payable_words = hechuang_words("approved-to-be-paid");
    assert!(text.contains(&payable_words), "{payable_words} in {text}");
    assert_eq!(payable.len(), 2);

    // The page: from the review desk, filtered, each item opening its order.
    let mut page = Browser::signed_in(&app, &rev);
    let desk = page.get("/review").await.body.replace("&#x2f;", "/");
    assert!(desk.contains("href=\"/redemption-items\""), "{desk}");
    // Beside the item: the programme's share rule and the check of this item against
    // it, and the provider's record (orders and redemptions by state).
    assert!(desk.contains("否则券付不超过合同的 50%") && desk.contains("规则允许"), "{desk}");
    assert!(desk.contains("与本计划的往来") && desk.contains("<dd>已确认交付 1</dd>"), "{desk}");
    let p = page.get("/redemption-items?status=payable&q=rgia&sort=largest").await;
    assert_eq!(p.status, 200, "{}", p.body);
    let body = p.body.replace("&#x2f;", "/");
    assert!(body.contains("共 2 条") && body.contains("href=\"/orders/"), "{body}");
    let (whole, fen) = largest.split_once('.').unwrap();
    let grouped = if whole.len() > 3 {
        format!("{},{}.{fen}", &whole[..whole.len() - 3], &whole[whole.len() - 3..])
    } else {
        largest.clone()
    };
    assert!(body.contains(&grouped), "the amount {grouped} grouped: {body}");
}

#[actix_web::test]
async fn settlement_runs_are_found_by_month_payee_and_state_and_exported() {
    let app = spawn_app().await;
    let w = crate::orders::world(&app, "rgr").await;
    crate::settlement::make_payable(&app, &w, "rgr", &["3000.00"]).await;
    let first = app.end_the_month();
    let maker = app.staff_token("rgr_maker", Role::Finance).await;
    let checker = app.staff_token("rgr_checker", Role::Finance).await;
    crate::settlement::approved_run(&app, &first, &maker, &checker).await;
    // A second month with a larger payout, prepared and left waiting.
    let mut w = w;
    w.provider_token = app.token("rgr").await;
    app.staff("admin_rgr2", Role::Admin);
    crate::settlement::make_payable(&app, &w, "rgr2", &["9000.00"]).await;
    let second = app.end_the_month();
    let maker = app.token("rgr_maker").await;
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": second})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let periods = |b: &Value| -> Vec<String> {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["period"].as_str().unwrap().into())
            .collect()
    };
    assert_eq!(
        periods(&get(&app, &maker, "/api/v1/settlement-runs").await.body),
        [second.as_str(), first.as_str()]
    );
    assert_eq!(
        periods(&get(&app, &maker, "/api/v1/settlement-runs?sort=oldest").await.body),
        [first.as_str(), second.as_str()]
    );
    let largest = get(&app, &maker, "/api/v1/settlement-runs?sort=largest").await;
    assert_eq!(periods(&largest.body)[0], second, "{}", largest.body);
    assert_eq!(
        periods(&get(&app, &maker, "/api/v1/settlement-runs?status=approved").await.body),
        [first.as_str()]
    );
    assert_eq!(
        periods(&get(&app, &maker, &format!("/api/v1/settlement-runs?q={first}")).await.body),
        [first.as_str()]
    );
    // By the payee's name: both runs pay it; by a name no payee has: none.
    let words: String = "rgr知识产权".bytes().map(|b| format!("%{b:02X}")).collect();
    assert_eq!(
        get(&app, &maker, &format!("/api/v1/settlement-runs?q={words}")).await.body["total"],
        2
    );
    assert_eq!(get(&app, &maker, "/api/v1/settlement-runs?q=nobody").await.body["total"], 0);
    let r = get(&app, &maker, "/api/v1/settlement-runs?status=exported").await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "status_unknown"), "{}", r.body);
    let (_, _, csv) =
        app.get_bytes("/api/v1/settlement-runs?format=csv&status=approved", Some(&maker)).await;
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("月份,状态,收款单位数,项目数,金额（元）"), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains(&format!("\n{first},")) && text.contains(",3000.00,"), "{text}");
    // The finance page filters the same way and keeps the preparing form.
    let mut page = Browser::signed_in(&app, &maker);
    let p = page.get(&format!("/finance?q={second}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains("共 1 条") && p.body.contains("action=\"/finance/runs\""),
        "{}",
        p.body
    );
    let file = page.get("/finance/export?status=prepared&format=csv").await;
    assert_eq!(file.body.lines().count(), 2, "{}", file.body);
    assert!(file.body.contains(&format!("\n{second},")), "{}", file.body);
    let p = page.get("/finance?sort=name").await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("id=\"filter-sort-error\""), "{}", p.body);
}

#[actix_web::test]
async fn emails_are_found_by_address_state_and_day_and_exported() {
    let app = spawn_app().await;
    app.register_firm("rgmail").await; // a link to contact@example.cn
    app.register_provider("rgmailp").await; // a link to ip@example.cn
    let admin = app.staff_token("rgm_admin", Role::Admin).await;
    let all = get(&app, &admin, "/api/v1/admin/outbox").await;
    let total = all.body["total"].as_i64().unwrap();
    assert!(total >= 2, "{}", all.body);
    let r = get(&app, &admin, "/api/v1/admin/outbox?q=IP%40example").await;
    assert_eq!(r.body["total"], 1, "by part of the address, any case: {}", r.body);
    assert_eq!(r.body["items"][0]["to_address"], "ip@example.cn");
    assert_eq!(get(&app, &admin, "/api/v1/admin/outbox?status=sent").await.body["total"], 0);
    let pending = get(&app, &admin, "/api/v1/admin/outbox?status=pending").await;
    assert_eq!(pending.body["total"], total);
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(
        get(&app, &admin, &format!("/api/v1/admin/outbox?from={tomorrow}")).await.body["total"],
        0
    );
    let oldest = get(&app, &admin, "/api/v1/admin/outbox?sort=oldest&per_page=1").await;
    let newest = get(&app, &admin, "/api/v1/admin/outbox?per_page=1").await;
    assert_ne!(oldest.body["items"][0]["id"], newest.body["items"][0]["id"]);
    let r = get(&app, &admin, "/api/v1/admin/outbox?sort=largest").await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "sort_unknown"), "{}", r.body);
    let (_, _, csv) =
        app.get_bytes("/api/v1/admin/outbox?q=ip%40&format=csv&lang=en", Some(&admin)).await;
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("To,Subject,State"), "{text}");
    assert!(text.contains("ip@example.cn") && text.contains("Waiting to be sent"), "{text}");
    assert!(!text.contains("contact@example.cn"), "{text}");
    // The page: every email found the same way; no retry on one that did not fail.
    let mut page = Browser::signed_in(&app, &admin);
    let p = page.get("/admin/outbox?q=ip%40example&status=pending").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("共 1 条") && p.body.contains("ip@example.cn"), "{}", p.body);
    assert!(!p.body.contains("/retry"), "{}", p.body);
    let file = page.get("/admin/outbox/export?status=pending&format=csv").await;
    assert!(file.body.contains("待发送"), "{}", file.body);
}

#[actix_web::test]
async fn job_runs_are_found_by_job_state_and_day_and_exported() {
    let app = spawn_app().await;
    let admin = app.staff_token("rgj_admin", Role::Admin).await;
    let r = app.run_job(&admin, "housekeeping", None).await;
    assert!(r.status.is_success(), "{}", r.body);
    let r = app.run_job(&admin, "voucher_expiry", None).await;
    assert!(r.status.is_success(), "{}", r.body);
    let jobs = |b: &Value| -> Vec<String> {
        b["items"].as_array().unwrap().iter().map(|r| r["job"].as_str().unwrap().into()).collect()
    };
    let all = get(&app, &admin, "/api/v1/admin/jobs/runs").await;
    assert_eq!(jobs(&all.body), ["voucher_expiry", "housekeeping"], "newest first: {}", all.body);
    let oldest = get(&app, &admin, "/api/v1/admin/jobs/runs?sort=oldest").await;
    assert_eq!(jobs(&oldest.body), ["housekeeping", "voucher_expiry"]);
    assert_eq!(
        jobs(&get(&app, &admin, "/api/v1/admin/jobs/runs?q=HOUSE").await.body),
        ["housekeeping"]
    );
    assert_eq!(
        jobs(
            &get(&app, &admin, "/api/v1/admin/jobs/runs?job=voucher_expiry&status=succeeded")
                .await
                .body
        ),
        ["voucher_expiry"]
    );
    assert_eq!(get(&app, &admin, "/api/v1/admin/jobs/runs?status=failed").await.body["total"], 0);
    let r = get(&app, &admin, "/api/v1/admin/jobs/runs?status=done").await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "status_unknown"), "{}", r.body);
    let r = get(&app, &admin, "/api/v1/admin/jobs/runs?job=nothing").await;
    assert_eq!(r.status, 404, "an unknown job: {}", r.body);
    let (_, _, csv) =
        app.get_bytes("/api/v1/admin/jobs/runs?q=house&format=csv&lang=en", Some(&admin)).await;
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("Job,Slot,Started,State"), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains(",By hand,") || text.contains(",by hand,"), "{text}");
    // The jobs page filters its runs the same way.
    let mut page = Browser::signed_in(&app, &admin);
    let p = page.get("/admin/jobs?q=house").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("共 1 条"), "{}", p.body);
    let p = page.get("/admin/jobs?from=yesterday").await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("id=\"filter-from-error\""), "{}", p.body);
}

#[actix_web::test]
async fn entitlements_are_found_by_space_period_and_state_and_exported() {
    use crate::subsidies::{certify, compute, month_start_after, space};
    let app = spawn_app().await;
    let (_, code_a, tok_a) = space(&app, "rge_alpha").await;
    let (_, _, tok_b) = space(&app, "rge_beta").await;
    let reviewer = app.staff_token("rge_reviewer", Role::Reviewer).await;
    certify(&app, &tok_a, &reviewer, "provincial_incubator").await;
    certify(&app, &tok_b, &reviewer, "provincial_incubator").await;
    app.clock.advance(month_start_after(&app));
    let reviewer = app.token("rge_reviewer").await;
    let created = compute(&app, &reviewer).await;
    assert_eq!(created["created"].as_array().unwrap().len(), 2, "{created}");
    let spaces = |b: &Value| -> Vec<String> {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["space_name"].as_str().unwrap().into())
            .collect()
    };
    let all = get(&app, &reviewer, "/api/v1/entitlements").await;
    assert_eq!(all.body["total"], 2, "{}", all.body);
    assert_eq!(
        spaces(&get(&app, &reviewer, "/api/v1/entitlements?q=RGE_ALPHA").await.body),
        ["rge_alpha孵化器"]
    );
    let r =
        get(&app, &reviewer, &format!("/api/v1/entitlements?q={}", code_a.to_lowercase())).await;
    assert_eq!(spaces(&r.body), ["rge_alpha孵化器"], "{}", r.body);
    let period = Period::of(app.clock.now()).to_string();
    let year = &period[..4];
    assert_eq!(
        get(&app, &reviewer, &format!("/api/v1/entitlements?q={year}")).await.body["total"],
        2
    );
    assert_eq!(
        get(&app, &reviewer, "/api/v1/entitlements?status=in_notice").await.body["total"],
        2
    );
    assert_eq!(get(&app, &reviewer, "/api/v1/entitlements?status=paid").await.body["total"], 0);
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let yesterday = today.pred_opt().unwrap();
    assert_eq!(
        get(&app, &reviewer, &format!("/api/v1/entitlements?to={yesterday}")).await.body["total"],
        0
    );
    let oldest = spaces(&get(&app, &reviewer, "/api/v1/entitlements?sort=oldest").await.body);
    let mut newest = spaces(&all.body);
    newest.reverse();
    assert_eq!(oldest, newest);
    let r = get(&app, &reviewer, "/api/v1/entitlements?sort=name").await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "sort_unknown"), "{}", r.body);
    // A space finds only its own.
    let tok_b = app.token("rge_beta").await;
    assert_eq!(spaces(&get(&app, &tok_b, "/api/v1/entitlements").await.body), ["rge_beta孵化器"]);
    assert_eq!(get(&app, &tok_b, "/api/v1/entitlements?q=rge_alpha").await.body["total"], 0);
    let (_, _, csv) =
        app.get_bytes("/api/v1/entitlements?q=rge_alpha&format=csv", Some(&reviewer)).await;
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("孵化载体,统一社会信用代码,补贴政策,所属期间,金额（元）,状态"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.contains("500000.00") && text.contains(&hechuang_words("in-public-notice")),
        "{text}"
    );
    // The page beside the registers.
    let mut page = Browser::signed_in(&app, &reviewer);
    let p = page.get("/entitlements?q=rge_beta&status=in_notice").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("共 1 条") && p.body.contains("500,000.00"), "{}", p.body);
    assert!(p.body.contains("rge_beta孵化器") && !p.body.contains("rge_alpha孵化器"), "{}", p.body);
}

#[actix_web::test]
async fn vouchers_are_found_by_code_firm_state_and_day_and_exported() {
    let app = spawn_app().await;
    let a = crate::orders::world(&app, "rgva").await;
    let b = crate::orders::world(&app, "rgvb").await;
    let rev = app.staff_token("rgv_reviewer", Role::Reviewer).await;
    let codes = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["code"].as_str().unwrap().into())
            .collect()
    };
    let all = get(&app, &rev, "/api/v1/vouchers").await;
    assert_eq!(all.body["total"], 2, "{}", all.body);
    assert!(all.body["items"][0]["firm_name"].is_string(), "{}", all.body);
    let code_a = app.get("/api/v1/firm/vouchers", Some(&a.firm.token)).await.body[0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        codes(&get(&app, &rev, &format!("/api/v1/vouchers?q={code_a}")).await.body),
        std::slice::from_ref(&code_a)
    );
    let firm_b = app.get(&format!("/api/v1/firms/{}", b.firm.id), Some(&rev)).await;
    let credit_b = firm_b.body["credit_code"].as_str().unwrap();
    let r = get(&app, &rev, &format!("/api/v1/vouchers?q={credit_b}")).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(r.body["items"][0]["credit_code"], credit_b);
    assert_eq!(get(&app, &rev, "/api/v1/vouchers?status=active").await.body["total"], 2);
    assert_eq!(get(&app, &rev, "/api/v1/vouchers?status=expired").await.body["total"], 0);
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(
        get(&app, &rev, &format!("/api/v1/vouchers?from={tomorrow}")).await.body["total"],
        0
    );
    let r = get(&app, &rev, "/api/v1/vouchers?status=spent").await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "status_unknown"), "{}", r.body);
    let firm = a.firm.token.clone();
    assert_eq!(get(&app, &firm, "/api/v1/vouchers").await.status, 403, "staff only");
    let (_, _, csv) =
        app.get_bytes(&format!("/api/v1/vouchers?q={code_a}&format=csv"), Some(&rev)).await;
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("券号,企业,统一社会信用代码,面额（元）"), "{text}");
    assert!(
        text.contains(&code_a) && text.contains("50000.00") && text.contains("可使用"),
        "{text}"
    );
    let mut page = Browser::signed_in(&app, &rev);
    let p = page.get(&format!("/vouchers?q={code_a}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("共 1 条") && p.body.contains("50,000.00"), "{}", p.body);
}

#[actix_web::test]
async fn the_catalogue_is_searched_sorted_by_price_paged_and_exported() {
    let app = spawn_app().await;
    let a = crate::orders::world(&app, "rgsa").await;
    crate::orders::world(&app, "rgsb").await;
    // a's provider adds a cheaper trademark service.
    let provider = app.token("rgsa").await;
    let r = app
        .post(
            "/api/v1/provider/services",
            Some(&provider),
            &json!({"category": "ip_trademark", "title": "商标注册代理", "description": "检索与申请",
                "list_price": "3000.00", "delivery_days": 30}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let titles = |b: &Value| -> Vec<String> {
        b["items"].as_array().unwrap().iter().map(|s| s["title"].as_str().unwrap().into()).collect()
    };
    let all = app.get("/api/v1/services", None).await;
    assert_eq!(all.body["total"], 3, "{}", all.body);
    assert_eq!(titles(&all.body)[0], "商标注册代理", "newest first");
    let cheap = app.get("/api/v1/services?sort=cheapest", None).await;
    assert_eq!(titles(&cheap.body)[0], "商标注册代理", "{}", cheap.body);
    let oldest = app.get("/api/v1/services?sort=oldest", None).await;
    assert_eq!(titles(&oldest.body)[2], "商标注册代理");
    // By the provider's name; by words in the title (encoded as a browser sends them).
    assert_eq!(app.get("/api/v1/services?q=RGSB", None).await.body["total"], 1);
    let words: String = "商标".bytes().map(|b| format!("%{b:02X}")).collect();
    assert_eq!(
        titles(&app.get(&format!("/api/v1/services?q={words}"), None).await.body),
        ["商标注册代理"]
    );
    assert_eq!(app.get("/api/v1/services?category=patent&q=rgsa", None).await.body["total"], 1);
    let r = app.get("/api/v1/services?sort=largest", None).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "sort_unknown"), "{}", r.body);
    let r = app.get("/api/v1/services?category=nope", None).await;
    assert_eq!(r.code(), "category_unknown", "{}", r.body);
    let p2 = app.get("/api/v1/services?per_page=2&page=2", None).await;
    assert_eq!((p2.body["total"].as_i64(), titles(&p2.body).len()), (Some(3), 1));
    let (s, _, csv) = app.get_bytes("/api/v1/services?sort=cheapest&format=csv", None).await;
    assert_eq!(s, 200);
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("服务,服务机构,类别,标价（元）,交付天数"), "{text}");
    assert!(text.lines().nth(1).unwrap().starts_with("商标注册代理,"), "{text}");
    // The firm's catalogue page: searched, sorted, the choice kept in the pager's links.
    let mut page = Browser::signed_in(&app, &a.firm.token);
    let p = page.get(&format!("/services?q={words}&sort=cheapest&category=")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("商标注册代理") && !p.body.contains("发明专利申请代理"), "{}", p.body);
    assert!(p.body.contains("3,000.00"), "{}", p.body);
    let p = page.get("/services?q=nothing-like-it").await;
    assert!(p.body.contains("没有符合条件的记录"), "{}", p.body);
}

#[actix_web::test]
async fn certification_applications_and_certifications_are_found_and_exported() {
    use crate::subsidies::{certify, figures, space};
    let app = spawn_app().await;
    let (_, code_a, tok_a) = space(&app, "rgc_alpha").await;
    let (_, _, tok_b) = space(&app, "rgc_beta").await;
    let reviewer = app.staff_token("rgc_reviewer", Role::Reviewer).await;
    certify(&app, &tok_a, &reviewer, "provincial_incubator").await;
    let r = app
        .post(
            "/api/v1/space/certification-applications",
            Some(&tok_b),
            &json!({"scheme": "provincial_incubator", "figures": figures()}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let spaces = |b: &Value| -> Vec<String> {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["space_name"].as_str().unwrap().into())
            .collect()
    };
    let apps = "/api/v1/certification-applications";
    let all = get(&app, &reviewer, apps).await;
    assert_eq!(spaces(&all.body), ["rgc_beta孵化器", "rgc_alpha孵化器"], "{}", all.body);
    let queue = get(&app, &reviewer, &format!("{apps}?status=submitted&sort=oldest")).await;
    assert_eq!(spaces(&queue.body), ["rgc_beta孵化器"]);
    assert_eq!(
        spaces(&get(&app, &reviewer, &format!("{apps}?status=certified")).await.body),
        ["rgc_alpha孵化器"]
    );
    let r = get(&app, &reviewer, &format!("{apps}?q={}", code_a.to_lowercase())).await;
    assert_eq!(spaces(&r.body), ["rgc_alpha孵化器"], "{}", r.body);
    assert_eq!(r.body["items"][0]["credit_code"], code_a.as_str());
    assert_eq!(
        get(&app, &reviewer, &format!("{apps}?q=provincial_incubator")).await.body["total"],
        2
    );
    assert_eq!(
        spaces(&get(&app, &reviewer, &format!("{apps}?sort=name")).await.body),
        ["rgc_alpha孵化器", "rgc_beta孵化器"]
    );
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let yesterday = today.pred_opt().unwrap();
    assert_eq!(get(&app, &reviewer, &format!("{apps}?to={yesterday}")).await.body["total"], 0);
    assert_eq!(get(&app, &reviewer, &format!("{apps}?from={today}")).await.body["total"], 2);
    let r = get(&app, &reviewer, &format!("{apps}?status=approved")).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "status_unknown"), "{}", r.body);
    let r = get(&app, &reviewer, &format!("{apps}?sort=largest")).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "sort_unknown"), "{}", r.body);
    // A space finds only its own.
    assert_eq!(spaces(&get(&app, &tok_b, apps).await.body), ["rgc_beta孵化器"]);
    assert_eq!(get(&app, &tok_b, &format!("{apps}?q=rgc_alpha")).await.body["total"], 0);
    let (_, _, csv) =
        app.get_bytes(&format!("{apps}?status=submitted&format=csv"), Some(&reviewer)).await;
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("载体名称,统一社会信用代码,认定（备案）类型,符合条件,状态,提交时间"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.contains("rgc_beta孵化器") && text.contains(&hechuang_words("under-review")),
        "{text}"
    );

    // Certifications: by state, name, credit code, the day certified.
    let certs = "/api/v1/certifications";
    assert_eq!(spaces(&get(&app, &reviewer, certs).await.body), ["rgc_alpha孵化器"]);
    assert_eq!(get(&app, &reviewer, &format!("{certs}?status=active")).await.body["total"], 1);
    assert_eq!(get(&app, &reviewer, &format!("{certs}?status=revoked")).await.body["total"], 0);
    assert_eq!(get(&app, &reviewer, &format!("{certs}?q=rgc_beta")).await.body["total"], 0);
    assert_eq!(
        get(&app, &reviewer, &format!("{certs}?from={today}&to={today}")).await.body["total"],
        1
    );
    assert_eq!(get(&app, &reviewer, &format!("{certs}?to={yesterday}")).await.body["total"], 0);
    assert_eq!(get(&app, &tok_b, certs).await.body["total"], 0);
    let r = get(&app, &reviewer, &format!("{certs}?status=submitted")).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "status_unknown"), "{}", r.body);
    let (_, _, xlsx) =
        app.get_bytes(&format!("{certs}?format=xlsx&lang=en"), Some(&reviewer)).await;
    assert!(xlsx.starts_with(b"PK"), "an XLSX file");

    // The pages, as tabs of the registers.
    let mut page = Browser::signed_in(&app, &reviewer);
    let p = page.get("/firms").await;
    assert!(
        p.body.contains("href=\"&#x2f;certification-applications\">认定申请</a>")
            && p.body.contains("href=\"&#x2f;certifications\">认定记录</a>"),
        "{}",
        p.body
    );
    let p = page.get("/certification-applications?status=submitted").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains("共 1 条")
            && p.body.contains("rgc_beta孵化器")
            && !p.body.contains("rgc_alpha孵化器"),
        "{}",
        p.body
    );
    let p = page.get("/certifications?q=rgc_alpha").await;
    assert!(p.body.contains("rgc_alpha孵化器") && p.body.contains("有效"), "{}", p.body);
    let p = page.get("/certifications/export?format=csv").await;
    assert_eq!(p.status, 200, "{}", p.body);
}

#[actix_web::test]
async fn redemption_applications_are_found_by_provider_order_state_and_day_and_exported() {
    let app = spawn_app().await;
    let a = crate::orders::world(&app, "rgra").await;
    crate::settlement::make_payable(&app, &a, "rgra", &["3000.00", "900.00"]).await;
    let mut b = crate::orders::world(&app, "rgrb").await;
    b.provider_token = app.token("rgrb").await;
    let order = b.confirmed_order(&app, "2000.00").await;
    let r = app
        .post(
            "/api/v1/provider/redemptions",
            Some(&b.provider_token),
            &json!({"order_ids": [order]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let b_app = r.body["id"].as_str().unwrap().to_string();
    let order_no = r.body["items"][0]["order_no"].as_str().unwrap().to_string();
    let rev = app.staff_token("rgr_reviewer", Role::Reviewer).await;
    let ids = |body: &Value| -> Vec<String> {
        body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().into()).collect()
    };
    let url = "/api/v1/redemptions";
    let all = get(&app, &rev, url).await;
    let a_count = all.body["total"].as_i64().unwrap() - 1;
    assert!(a_count >= 1, "{}", all.body);
    assert_eq!(ids(&all.body)[0], b_app, "newest first");
    assert_eq!(
        ids(&get(&app, &rev, &format!("{url}?status=submitted")).await.body),
        std::slice::from_ref(&b_app)
    );
    assert_eq!(get(&app, &rev, &format!("{url}?status=payable")).await.body["total"], a_count);
    assert_eq!(get(&app, &rev, &format!("{url}?status=paid")).await.body["total"], 0);
    assert_eq!(
        ids(&get(&app, &rev, &format!("{url}?q=RGRB")).await.body),
        std::slice::from_ref(&b_app)
    );
    assert_eq!(
        ids(&get(&app, &rev, &format!("{url}?q={order_no}")).await.body),
        std::slice::from_ref(&b_app)
    );
    assert_eq!(
        ids(&get(&app, &rev, &format!("{url}?q={}", order_no.to_lowercase())).await.body),
        std::slice::from_ref(&b_app)
    );
    let today = hechuang::domain::china_time(app.clock.now()).date();
    assert_eq!(
        ids(&get(&app, &rev, &format!("{url}?from={today}")).await.body),
        std::slice::from_ref(&b_app)
    );
    assert_eq!(get(&app, &rev, &format!("{url}?to={today}")).await.body["total"], a_count + 1);
    let largest = get(&app, &rev, &format!("{url}?sort=largest")).await;
    let totals: Vec<f64> = largest.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["total"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
    let r = get(&app, &rev, &format!("{url}?sort=name")).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "sort_unknown"), "{}", r.body);
    let r = get(&app, &rev, &format!("{url}?status=approved")).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "status_unknown"), "{}", r.body);
    // A provider finds only its own.
    assert_eq!(ids(&get(&app, &b.provider_token, url).await.body), std::slice::from_ref(&b_app));
    assert_eq!(get(&app, &b.provider_token, &format!("{url}?q=rgra")).await.body["total"], 0);
    let (s, _, csv) =
        app.get_bytes(&format!("{url}?status=submitted&format=csv"), Some(&rev)).await;
    assert_eq!(s, 200);
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("服务机构,提交时间,事项数,金额（元）,状态"), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("2000.00") && text.contains(&hechuang_words("under-review-2")), "{text}");

    // The provider's page: found by order number and state, a bad state said beside
    // the menu, the file downloaded.
    let mut page = Browser::signed_in(&app, &b.provider_token);
    let p = page.get(&format!("/provider/redemptions?q={order_no}&status=submitted")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("共 1 条") && p.body.contains(&order_no), "{}", p.body);
    let p = page.get("/provider/redemptions?status=paid").await;
    assert!(p.body.contains("共 0 条") && !p.body.contains(&order_no), "{}", p.body);
    let p = page.get("/provider/redemptions?status=bogus").await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("id=\"filter-status-error\""), "{}", p.body);
    let p = page.get("/provider/redemptions/export?format=csv").await;
    assert_eq!(p.status, 200, "{}", p.body);
}

#[actix_web::test]
async fn payouts_are_found_by_payee_reference_state_and_day_and_exported() {
    let app = spawn_app().await;
    let w = crate::orders::world(&app, "rgp").await;
    crate::settlement::make_payable(&app, &w, "rgp", &["3000.00"]).await;
    let first = app.end_the_month();
    let maker = app.staff_token("rgp_maker", Role::Finance).await;
    let checker = app.staff_token("rgp_checker", Role::Finance).await;
    let run = crate::settlement::approved_run(&app, &first, &maker, &checker).await;
    // The bank file taken, the payout recorded paid today.
    let (s, _, _) = app
        .get_bytes(&format!("/api/v1/settlement-runs/{run}/bank-file?format=csv"), Some(&maker))
        .await;
    assert_eq!(s, 200);
    let listed = get(&app, &maker, "/api/v1/payouts").await;
    assert_eq!(listed.body["total"], 1, "{}", listed.body);
    let paid_id = listed.body["items"][0]["id"].as_str().unwrap().to_string();
    let reference = listed.body["items"][0]["reference"].as_str().unwrap().to_string();
    let code = listed.body["items"][0]["credit_code"].as_str().unwrap().to_string();
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let r = app
        .post(
            &format!("/api/v1/payouts/{paid_id}/result"),
            Some(&maker),
            &json!({"outcome": "paid", "bank_reference": "BOC-RGP-1", "paid_on": today.to_string()}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // A second month's payout, larger, pending.
    let mut w = w;
    w.provider_token = app.token("rgp").await;
    app.staff("admin_rgp2", Role::Admin);
    crate::settlement::make_payable(&app, &w, "rgp2", &["9000.00"]).await;
    let second = app.end_the_month();
    let maker = app.token("rgp_maker").await;
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": second})).await;
    assert_eq!(r.status, 201, "{}", r.body);

    let refs = |b: &Value| -> Vec<String> {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["reference"].as_str().unwrap().into())
            .collect()
    };
    let url = "/api/v1/payouts";
    let all = get(&app, &maker, url).await;
    assert_eq!(all.body["total"], 2, "{}", all.body);
    let newest = refs(&all.body);
    assert_eq!(newest[1], reference, "newest first");
    let mut oldest = refs(&get(&app, &maker, &format!("{url}?sort=oldest")).await.body);
    oldest.reverse();
    assert_eq!(oldest, newest);
    assert_eq!(refs(&get(&app, &maker, &format!("{url}?sort=largest")).await.body)[0], newest[0]);
    assert_eq!(
        refs(&get(&app, &maker, &format!("{url}?status=paid")).await.body),
        std::slice::from_ref(&reference)
    );
    assert_eq!(get(&app, &maker, &format!("{url}?status=pending")).await.body["total"], 1);
    assert_eq!(get(&app, &maker, &format!("{url}?status=failed")).await.body["total"], 0);
    assert_eq!(
        refs(&get(&app, &maker, &format!("{url}?q={}", reference.to_lowercase())).await.body),
        std::slice::from_ref(&reference)
    );
    assert_eq!(
        refs(&get(&app, &maker, &format!("{url}?q=BOC-RGP-1")).await.body),
        std::slice::from_ref(&reference)
    );
    assert_eq!(
        get(&app, &maker, &format!("{url}?q={}", code.to_lowercase())).await.body["total"],
        2
    );
    let words: String = "rgp知识产权".bytes().map(|b| format!("%{b:02X}")).collect();
    assert_eq!(get(&app, &maker, &format!("{url}?q={words}")).await.body["total"], 2);
    assert_eq!(get(&app, &maker, &format!("{url}?q=nobody")).await.body["total"], 0);
    // The days paid: only the paid one has one.
    assert_eq!(
        refs(&get(&app, &maker, &format!("{url}?from={today}&to={today}")).await.body),
        std::slice::from_ref(&reference)
    );
    let r = get(&app, &maker, &format!("{url}?status=exported")).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "status_unknown"), "{}", r.body);
    let r = get(&app, &maker, &format!("{url}?sort=cheapest")).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "sort_unknown"), "{}", r.body);
    // Finance reads them; a reviewer does not.
    let rev = app.staff_token("rgp_rev", Role::Reviewer).await;
    assert_eq!(get(&app, &rev, url).await.status, 403);
    let (_, _, csv) = app.get_bytes(&format!("{url}?status=paid&format=csv"), Some(&maker)).await;
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(
        text.starts_with(
            "付款参考号,收款单位,统一社会信用代码,金额（元）,状态,支付日期,银行流水号"
        ),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.contains(&reference)
            && text.contains("3000.00")
            && text.contains("BOC-RGP-1")
            && text.contains(&hechuang_words("paid-2")),
        "{text}"
    );

    // The page, a tab beside the runs; each payout opens to its items.
    let mut page = Browser::signed_in(&app, &maker);
    let p = page.get("/finance").await;
    assert!(p.body.contains("href=\"&#x2f;finance&#x2f;payouts\""), "{}", p.body);
    let p = page.get("/finance/payouts?status=paid").await;
    assert_eq!(p.status, 200, "{}", p.body);
    let body = p.body.replace("&#x2f;", "/");
    assert!(
        body.contains("共 1 条") && body.contains(&format!("href=\"/finance/payouts/{paid_id}\"")),
        "{body}"
    );
    assert!(body.contains("3,000.00") && body.contains("已支付"), "{body}");
    let p = page.get(&format!("/finance/payouts/{paid_id}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    let file = page.get("/finance/payouts/export?status=pending&format=csv").await;
    assert_eq!(file.status, 200, "{}", file.body);
    assert_eq!(file.body.lines().count(), 2, "{}", file.body);
}
