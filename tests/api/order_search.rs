//! Finding orders: search by order number, credit code or part of a name; filters by
//! state, category and days; sorting; pages with totals; CSV and XLSX of the filtered
//! list; each party only its own.

use crate::helpers::spawn_app;
use crate::orders::world;
use crate::web::Browser;
use hechuang::domain::Role;
use serde_json::Value;

fn numbers(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_no"].as_str().unwrap().into())
        .collect()
}

#[actix_web::test]
async fn orders_are_found_filtered_sorted_paged_and_exported() {
    let app = spawn_app().await;
    let mut a = world(&app, "osa").await;
    let b = world(&app, "osb").await;
    // The first provider signs in again (the second world moved the clock on).
    a.provider_token = app.token("osa").await;
    let big = a.order(&app, "10000.00").await;
    a.order(&app, "3000.00").await;
    let confirmed = a.confirmed_order(&app, "500.00").await;
    let b1 = b.order(&app, "2000.00").await;
    b.order(&app, "800.00").await;
    let rev = app.staff_token("os_reviewer", Role::Reviewer).await;
    let get = |q: &str| {
        let (app, rev) = (&app, rev.clone());
        let q = q.to_string();
        async move { app.get(&format!("/api/v1/orders{q}"), Some(&rev)).await }
    };
    let no_of = |id: &str| {
        let (app, rev) = (&app, rev.clone());
        let id = id.to_string();
        async move {
            app.get(&format!("/api/v1/orders/{id}"), Some(&rev)).await.body["order_no"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let all = get("").await;
    assert_eq!(all.body["total"], 5, "{}", all.body);
    // Part of a provider's name; an order number; a firm's credit code.
    assert_eq!(get("?q=osa").await.body["total"], 3);
    let b1_no = no_of(&b1).await;
    let r = get(&format!("?q={b1_no}")).await;
    assert_eq!(numbers(&r.body), std::slice::from_ref(&b1_no));
    let firm_b = app.get(&format!("/api/v1/firms/{}", b.firm.id), Some(&rev)).await;
    let code = firm_b.body["credit_code"].as_str().unwrap().to_string();
    assert_eq!(get(&format!("?q={code}")).await.body["total"], 2);
    // A word in every firm's and every provider's name (合肥) finds each order once,
    // found by its firm and by its provider alike.
    let r = get("?q=%E5%90%88%E8%82%A5").await;
    assert_eq!((r.body["total"].as_i64(), numbers(&r.body).len()), (Some(5), 5), "{}", r.body);
    let r = get("?q=%E5%90%88%E8%82%A5&per_page=2&page=3").await;
    assert_eq!((r.body["total"].as_i64(), numbers(&r.body).len()), (Some(5), 1), "{}", r.body);
    // LIKE's wildcards are taken as typed.
    assert_eq!(get("?q=%25").await.body["total"], 0);
    assert_eq!(get("?q=_").await.body["total"], 0);
    // State, category, days.
    let r = get("?status=confirmed").await;
    assert_eq!(numbers(&r.body), [no_of(&confirmed).await]);
    assert_eq!(get("?category=patent").await.body["total"], 5);
    assert_eq!(get("?category=testing").await.body["total"], 0);
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(get(&format!("?from={today}&to={today}")).await.body["total"], 5);
    assert_eq!(get(&format!("?from={tomorrow}")).await.body["total"], 0);
    assert_eq!(get(&format!("?q=osa&status=requested&to={today}")).await.body["total"], 2);
    // Sorting and paging.
    let r = get("?sort=largest").await;
    assert_eq!(numbers(&r.body)[0], no_of(&big).await);
    let newest = numbers(&get("").await.body);
    let mut oldest = numbers(&get("?sort=oldest").await.body);
    oldest.reverse();
    assert_eq!(newest, oldest);
    let p2 = get("?per_page=2&page=2").await;
    assert_eq!((p2.body["total"].as_i64(), numbers(&p2.body).len()), (Some(5), 2));
    assert_eq!(numbers(&p2.body), newest[2..4]);
    assert_eq!(numbers(&get("?per_page=2&page=3").await.body).len(), 1);
    assert_eq!(numbers(&get("?per_page=2&page=9").await.body).len(), 0);
    // Refusals, each by its field, nothing listed.
    for (q, status, code) in [
        ("?category=nope", 422, "category_unknown"),
        ("?sort=cheapest", 422, "sort_unknown"),
        ("?from=2026-13-01", 422, "date_invalid"),
        ("?status=lost", 400, "status_unknown"),
        ("?format=pdf", 400, "format_unknown"),
        ("?per_page=101", 400, "per_page_invalid"),
        ("?lang=fr", 422, "form_invalid"),
        ("?per_page=500&format=xlsx", 400, "per_page_invalid"),
        ("?format=", 400, "format_unknown"),
        // A day given empty is refused as its format says.
        ("?from=", 422, "date_invalid"),
    ] {
        let r = get(q).await;
        assert_eq!((r.status.as_u16(), r.code()), (status, code), "{q}: {}", r.body);
    }
    // A state, category or sort given empty is not given (null in the document).
    assert_eq!(get("?status=&category=&sort=").await.body["total"], 5);
    let long = "%E5%AD%97".repeat(101); // 字, 101 times
    let r = get(&format!("?q={long}")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "q");

    // Each party finds only its own.
    let provider_a = app.token("osa").await;
    let r = app.get("/api/v1/orders", Some(&provider_a)).await;
    assert_eq!(r.body["total"], 3);
    let r = app.get(&format!("/api/v1/orders?q={b1_no}"), Some(&provider_a)).await;
    assert_eq!(r.body["total"], 0, "another provider's order is not found");
    let r = app.get("/api/v1/orders?q=osb", Some(&b.firm.token)).await;
    assert_eq!(r.body["total"], 2, "the firm's own, by its provider's name");

    // The filtered list as a file.
    let (s, _, csv) = app.get_bytes("/api/v1/orders?q=osb&format=csv", Some(&rev)).await;
    assert_eq!(s, 200);
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("订单号,下单时间（北京时间）,企业,服务机构"), "{text}");
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains(&b1_no) && text.contains("2000.00") && text.contains("待服务机构接受"));
    let (_, _, en) = app.get_bytes("/api/v1/orders?q=osb&format=csv&lang=en", Some(&rev)).await;
    let en = String::from_utf8(en[3..].to_vec()).unwrap();
    assert!(en.starts_with("Order no.,Placed (Beijing)") && en.contains("Patent"), "{en}");
    let (s, _, xlsx) = app.get_bytes("/api/v1/orders?format=xlsx", Some(&provider_a)).await;
    assert_eq!(s, 200);
    assert!(xlsx.starts_with(b"PK"));

    // The page: reached from the header, the filter kept across pages and the export.
    let mut page = Browser::signed_in(&app, &rev);
    let home = page.get("/home").await;
    assert!(home.body.replace("&#x2f;", "/").contains("href=\"/orders\""));
    let p = page.get("/orders?q=osa&status=&category=&from=&to=&sort=largest").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("共 3 个订单"), "{}", p.body);
    assert!(p.body.contains("10,000.00"));
    assert!(p.body.contains("合肥osa知识产权代理有限公司"), "staff see the provider");
    let export = p.body.replace("&amp;", "&").replace("&#x3d;", "=");
    assert!(export.contains("/orders/export?q=osa&sort=largest&format=csv"), "{export}");
    let file = page.get("/orders/export?q=osa&sort=largest&format=csv").await;
    assert_eq!(file.status, 200);
    assert!(file.body.contains("10000.00") && !file.body.contains(&b1_no), "{}", file.body);
    let p = page.get("/orders?from=2026-02-30").await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("id=\"filter-from-error\""), "{}", p.body);
    let p = page.get("/orders?q=nothing-like-it").await;
    assert!(p.body.contains("没有符合条件的订单"), "{}", p.body);
}
