//! Ratings of confirmed orders (服务评价): once, within the window, by the order's firm;
//! the provider's one public answer; the provider's shrunk score.

use crate::helpers::spawn_app;
use crate::orders::world;
use crate::web::{post, Browser};
use chrono::Duration;
use serde_json::{json, Value};

fn fields(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (e["field"].as_str().unwrap().to_string(), e["code"].as_str().unwrap().into())
                })
                .collect()
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn a_firm_rates_its_confirmed_order_once_and_the_provider_answers_once() {
    let app = spawn_app().await;
    let a = world(&app, "rta").await;
    let confirmed = a.confirmed_order(&app, "500.00").await;
    let open = a.order(&app, "300.00").await;
    let rate = |token: String, order: String, body: Value| {
        let app = &app;
        async move { app.post(&format!("/api/v1/orders/{order}/rating"), Some(&token), &body).await }
    };
    let good =
        json!({"quality": 5, "timeliness": 4, "value": 3, "comment": "  代理人专业，答复及时  "});

    // Not yet confirmed: refused, nothing stored.
    let r = rate(a.firm.token.clone(), open.clone(), good.clone()).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "rating_order_not_confirmed"), "{}", r.body);
    // Every bad field at once, each by name; nothing stored.
    let long = "好".repeat(1001);
    let r = rate(
        a.firm.token.clone(),
        confirmed.clone(),
        json!({"quality": 0, "timeliness": 4, "value": 6, "comment": long}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let f = fields(&r.body);
    for (field, code) in [
        ("quality", "score_out_of_range"),
        ("value", "score_out_of_range"),
        ("comment", "too_long"),
    ] {
        assert!(f.contains(&(field.into(), code.into())), "{field} {code} in {f:?}");
    }
    assert_eq!(f.len(), 3, "{f:?}");
    let r = rate(a.firm.token.clone(), confirmed.clone(), json!({"quality": 5})).await;
    assert_eq!(r.status, 400, "a missing score is a malformed body: {}", r.body);
    assert_eq!(app.count("order_ratings"), 0);

    // Another firm cannot see the order, so cannot rate it.
    let b = world(&app, "rtb").await;
    let mut a = a;
    a.provider_token = app.token("rta").await; // the second world moved the clock on
    let r = rate(b.firm.token.clone(), confirmed.clone(), good.clone()).await;
    assert_eq!(r.status, 404, "{}", r.body);

    // Rated: the scores and the comment trimmed, audited; once only.
    let events = app.count("audit_events");
    let r = rate(a.firm.token.clone(), confirmed.clone(), good.clone()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (&r.body["quality"], &r.body["timeliness"], &r.body["value"], &r.body["comment"]),
        (&json!(5), &json!(4), &json!(3), &json!("代理人专业，答复及时"))
    );
    assert_eq!(app.count("audit_events"), events + 1);
    let r = rate(a.firm.token.clone(), confirmed.clone(), good.clone()).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "already_rated"), "{}", r.body);

    // The provider answers once; not another provider; not an unrated order.
    let answer = |token: String, order: String, text: &str| {
        let (app, body) = (&app, json!({"answer": text}));
        async move {
            app.post(&format!("/api/v1/orders/{order}/rating/answer"), Some(&token), &body).await
        }
    };
    let r = answer(b.provider_token.clone(), confirmed.clone(), "谢谢").await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = answer(a.provider_token.clone(), confirmed.clone(), "   ").await;
    assert_eq!(
        (r.status.as_u16(), fields(&r.body)),
        (422, vec![("answer".into(), "required".into())])
    );
    let r = answer(a.provider_token.clone(), open.clone(), "谢谢").await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "not_rated"), "{}", r.body);
    let r = answer(a.provider_token.clone(), confirmed.clone(), "感谢评价，我们会继续改进。").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["answer"], "感谢评价，我们会继续改进。");
    let r = answer(a.provider_token.clone(), confirmed.clone(), "再补充一句").await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "already_answered"), "{}", r.body);

    // Public: the score, the rating and its answer, no firm named.
    let r = app.get(&format!("/api/v1/public/providers/{}/ratings", a.provider), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // One rating (5+4+3)/3 = 4 is the programme's mean too: the score is 4.
    assert_eq!((&r.body["score"], &r.body["ratings"]), (&json!("4.00"), &json!(1)), "{}", r.body);
    assert_eq!(r.body["items"][0]["answer"], "感谢评价，我们会继续改进。");
    let text = r.body.to_string();
    assert!(!text.contains(&a.firm.id) && !text.contains("firm"), "no firm named: {text}");
    let r = app
        .get("/api/v1/public/providers/01a248b5-7b1c-70ca-9949-c4b8aae0f29d/ratings", None)
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
}

#[actix_web::test]
async fn a_rating_after_the_window_is_refused_and_few_ratings_are_pulled_to_the_mean() {
    let app = spawn_app().await;
    let mut a = world(&app, "rwa").await;
    let b = world(&app, "rwb").await;
    a.provider_token = app.token("rwa").await; // the second world moved the clock on
    let late = a.confirmed_order(&app, "400.00").await;
    // Rated more than 30 days after it was confirmed: refused, with the last day.
    app.clock.advance(Duration::days(31));
    let r = app
        .post(
            &format!("/api/v1/orders/{late}/rating"),
            Some(&a.firm.token),
            &json!({"quality": 5, "timeliness": 5, "value": 5}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "rating_window_closed"), "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("评价期已于"), "{}", r.body);

    // A perfect rating for a and a poor one for b, each its provider's only one: the
    // programme's mean is 3, and each score is pulled toward it with the weight of 5.
    // (The providers sign in again: the clock moved past their sessions.)
    let (mut a, mut b) = (a, b);
    a.provider_token = app.token("rwa").await;
    b.provider_token = app.token("rwb").await;
    for (w, s) in [(&a, 5), (&b, 1)] {
        let o = w.confirmed_order(&app, "700.00").await;
        let r = app
            .post(
                &format!("/api/v1/orders/{o}/rating"),
                Some(&w.firm.token),
                &json!({"quality": s, "timeliness": s, "value": s}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let score = |id: String| {
        let app = &app;
        async move {
            let r = app.get(&format!("/api/v1/public/providers/{id}/ratings"), None).await;
            assert_eq!(r.status, 200, "{}", r.body);
            (r.body["score"].clone(), r.body["programme_mean"].clone())
        }
    };
    // (5·3 + 5) / 6 and (5·3 + 1) / 6.
    assert_eq!(score(a.provider.clone()).await, (json!("3.33"), json!("3.00")));
    assert_eq!(score(b.provider.clone()).await, (json!("2.67"), json!("3.00")));
}

#[actix_web::test]
async fn the_firm_rates_on_the_order_page_and_the_provider_answers_there() {
    let app = spawn_app().await;
    let w = world(&app, "rtp").await;
    let order = w.confirmed_order(&app, "800.00").await;
    let open = w.order(&app, "200.00").await;
    let mut firm = Browser::signed_in(&app, &w.firm.token);
    let mut prov = Browser::signed_in(&app, &w.provider_token);

    // The confirmed order asks for a rating with the last day; the open one does not.
    let p = firm.get(&format!("/orders/{order}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("服务评价") && p.body.contains("请在"), "{}", p.body);
    assert!(p.body.contains("5 分（很好）"), "scores in words: {}", p.body);
    let p2 = firm.get(&format!("/orders/{open}")).await;
    assert!(!p2.body.contains("提交评价"), "no rating before confirming");
    // The provider sees no form to rate, nor yet one to answer.
    let pp = prov.get(&format!("/orders/{order}")).await;
    assert!(!pp.body.contains("提交评价") && !pp.body.contains("发布回复"), "{}", pp.body);

    // A score left out and one out of range: each said at its field, nothing stored.
    let r = post(
        &mut firm,
        &p,
        &format!("/orders/{order}/rating"),
        &[("quality", "5"), ("timeliness", ""), ("value", "9"), ("comment", "")],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("rate-timeliness-error"), "{}", r.body);
    assert_eq!(app.count("order_ratings"), 0);
    let r = post(
        &mut firm,
        &p,
        &format!("/orders/{order}/rating"),
        &[("quality", "5"), ("timeliness", "4"), ("value", "9"), ("comment", "")],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("rate-value-error") && r.body.contains("请在 1 至 5 分之间打分"));
    assert_eq!(app.count("order_ratings"), 0);

    // Rated: back on the order, the rating shown in words, no form any more.
    let r = post(
        &mut firm,
        &p,
        &format!("/orders/{order}/rating"),
        &[("quality", "5"), ("timeliness", "4"), ("value", "4"), ("comment", "答复很及时")],
    )
    .await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, format!("/orders/{order}?done=rated").as_str())
    );
    let p = firm.get(&r.location).await;
    assert!(p.body.contains("感谢您的评价") && p.body.contains("答复很及时"), "{}", p.body);
    assert!(p.body.contains("4 分（较好）") && !p.body.contains("提交评价"), "{}", p.body);
    // A second post (from an old page) is refused in words.
    let r = post(
        &mut firm,
        &p2,
        &format!("/orders/{order}/rating"),
        &[("quality", "1"), ("timeliness", "1"), ("value", "1")],
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("每个订单只能评价一次"), "{}", r.body);

    // The provider answers once on its order page; the firm may not answer.
    let pp = prov.get(&format!("/orders/{order}")).await;
    assert!(pp.body.contains("发布回复") && pp.body.contains("答复很及时"), "{}", pp.body);
    let r =
        post(&mut firm, &p2, &format!("/orders/{order}/rating/answer"), &[("answer", "x")]).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r =
        post(&mut prov, &pp, &format!("/orders/{order}/rating/answer"), &[("answer", " ")]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("answer-answer-error"), "{}", r.body);
    let r = post(
        &mut prov,
        &pp,
        &format!("/orders/{order}/rating/answer"),
        &[("answer", "谢谢，我们会保持。")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let pp = prov.get(&r.location).await;
    assert!(pp.body.contains("回复已公开") && pp.body.contains("谢谢，我们会保持。"));
    assert!(!pp.body.contains("发布回复"), "answered once");

    // The public page, reached from the public list on the home page, shows the score,
    // the rating and the answer, and no firm.
    let mut anyone = Browser::new(&app);
    let home = anyone.get("/").await;
    assert!(home.body.contains("href=\"/public/providers\""), "linked from home");
    let list = anyone.get("/public/providers").await;
    assert_eq!(list.status, 200, "{}", list.body);
    // One rating, (5+4+4)/3 = 4.33, is the programme's mean too.
    assert!(list.body.contains("4.33"), "{}", list.body);
    let href = format!("/public/providers/{}", w.provider);
    assert!(list.body.contains(&href.replace('/', "&#x2f;")), "linked: {}", list.body);
    let page = anyone.get(&href).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("4.33") && page.body.contains("共 1 条评价"), "{}", page.body);
    assert!(page.body.contains("答复很及时") && page.body.contains("谢谢，我们会保持。"));
    assert!(page.body.contains("发明专利申请代理"), "what it offers: {}", page.body);
    let me = app.get("/api/v1/firm/profile", Some(&w.firm.token)).await;
    let firm_name = me.body["name"].as_str().unwrap().to_string();
    assert!(!page.body.contains(&firm_name), "no firm named");
    let en = anyone.get(&format!("{href}?lang=en")).await;
    assert!(
        en.body.contains("Quality score") && en.body.contains("from one rating"),
        "{}",
        en.body
    );
    assert_eq!(
        anyone.get("/public/providers/01a248b5-7b1c-70ca-9949-c4b8aae0f29d").await.status,
        404
    );
    let csv = anyone.get("/public/providers.csv").await;
    assert!(csv.body.contains("质量评分") && csv.body.contains("4.33"), "{}", csv.body);
}

#[actix_web::test]
async fn the_catalogue_sorts_and_filters_by_the_providers_score() {
    let app = spawn_app().await;
    let mut a = world(&app, "rca").await;
    let mut b = world(&app, "rcb").await;
    let c = world(&app, "rcc").await;
    a.provider_token = app.token("rca").await;
    b.provider_token = app.token("rcb").await;
    // a rated 5, b rated 2: the mean is 3.5; a (5·3.5 + 5)/6 = 3.75, b (5·3.5 + 2)/6 =
    // 3.25; c is not rated.
    let mut rated = Vec::new();
    for (w, s) in [(&a, 5), (&b, 2)] {
        let o = w.confirmed_order(&app, "600.00").await;
        rated.push(o.clone());
        let r = app
            .post(
                &format!("/api/v1/orders/{o}/rating"),
                Some(&w.firm.token),
                &json!({"quality": s, "timeliness": s, "value": s}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let providers = |q: &str| {
        let (app, q) = (&app, q.to_string());
        async move {
            let r = app.get(&format!("/api/v1/services?{q}"), None).await;
            assert_eq!(r.status, 200, "{q}: {}", r.body);
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    (i["provider_id"].as_str().unwrap().to_string(), i["provider_score"].clone())
                })
                .collect::<Vec<_>>()
        }
    };
    let (pa, pb, pc) = (a.provider.clone(), b.provider.clone(), c.provider.clone());
    assert_eq!(
        providers("sort=rated").await,
        vec![(pa.clone(), json!("3.75")), (pb.clone(), json!("3.25")), (pc.clone(), Value::Null)],
        "best first, the unrated last"
    );
    // Newest first is unchanged: c's service was published last.
    assert_eq!(providers("").await[0].0, pc);
    assert_eq!(providers("min_score=3.5").await, vec![(pa.clone(), json!("3.75"))]);
    assert_eq!(providers("min_score=3.75").await, vec![(pa.clone(), json!("3.75"))]);
    assert!(providers("min_score=3.76").await.is_empty());
    assert_eq!(providers("min_score=3&sort=rated").await.len(), 2, "the unrated are left out");
    for bad in ["0", "5.5", "abc", "4.255"] {
        let r = app.get(&format!("/api/v1/services?min_score={bad}"), None).await;
        assert_eq!(
            (r.status.as_u16(), r.code()),
            (400, "score_filter_invalid"),
            "{bad}: {}",
            r.body
        );
    }
    // The public list: each provider's score and how many ratings.
    let r = app.get("/api/v1/public/providers", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let scores: Vec<(String, Value, Value)> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap().into(), p["score"].clone(), p["ratings"].clone()))
        .collect();
    for (id, score, n) in [(&pa, json!("3.75"), 1), (&pb, json!("3.25"), 1), (&pc, Value::Null, 0)]
    {
        assert!(
            scores.contains(&(id.clone(), score.clone(), json!(n))),
            "{id} {score} in {scores:?}"
        );
    }

    // The firm's catalogue page: the filter and the order as menus, the scores in words.
    let mut firm = Browser::signed_in(&app, &c.firm.token);
    let p = firm.get("/services?min_score=3.5&sort=rated").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("3.75 分（1 条评价）"), "{}", p.body);
    assert!(!p.body.contains("3.25 分"), "b is below the floor: {}", p.body);
    let p = firm.get("/services?sort=rated").await;
    let (at_a, at_b, at_none) = (
        p.body.find("3.75 分").unwrap(),
        p.body.find("3.25 分").unwrap(),
        p.body.find("暂无评价").unwrap(),
    );
    assert!(at_a < at_b && at_b < at_none, "best first, unrated last");
    assert!(p.body.contains("评分最高优先") && p.body.contains("4 分及以上"));

    // The reviewer sees the score in the provider's record beside its redemption item.
    let r = app
        .post(
            "/api/v1/provider/redemptions",
            Some(&a.provider_token),
            &json!({"order_ids": [rated[0]]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let rev = app.staff_token("reviewer_rcc", hechuang::domain::Role::Reviewer).await;
    let desk = Browser::signed_in(&app, &rev).get("/review/items").await;
    assert_eq!(desk.status, 200, "{}", desk.body);
    let record = &desk.body[desk.body.find("record-score").expect("a score in the record")..];
    assert!(record.contains("3.75 分（1 条评价）"), "{record}");

    // `ledger verify` recounts the kept scores, and finds one changed by hand.
    let admin = app.token("admin_rcc").await;
    let r = app.get("/api/v1/ledger/verify", Some(&admin)).await;
    assert_eq!((r.status.as_u16(), &r.body["ok"]), (200, &json!(true)), "{}", r.body);
    app.exec(&format!("UPDATE provider_scores SET rating_total = 14 WHERE provider_id = '{pa}'"))
        .unwrap();
    let r = app.get("/api/v1/ledger/verify", Some(&admin)).await;
    assert_eq!(r.body["ok"], json!(false), "{}", r.body);
    let d = &r.body["differences"][0];
    assert_eq!(
        (&d["account"], &d["expected"], &d["actual"]),
        (&json!(format!("score:{pa}")), &json!("1 · 15"), &json!("1 · 14"))
    );
    app.exec(&format!("UPDATE provider_scores SET rating_total = 15 WHERE provider_id = '{pa}'"))
        .unwrap();
}
