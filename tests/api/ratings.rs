//! Ratings of confirmed orders (服务评价): once, within the window, by the order's firm;
//! the provider's one public answer; the provider's shrunk score.

use crate::helpers::spawn_app;
use crate::orders::world;
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
