//! The batches page at the moment that matters (issue 21): for a signed-in firm each
//! batch says what this firm can do before it clicks, by the claim engine's own checks;
//! a lottery batch is entered, withdrawn and its result and public draw record seen on
//! pages.

use crate::claims::{batch, bulk_firms};
use crate::helpers::spawn_app;
use crate::web::{Browser, Page};
use chrono::Duration;
use hechuang::domain::Role;
use serde_json::json;

/// The section of the page for batch `id`.
fn card<'a>(p: &'a Page, id: &str) -> &'a str {
    let at = p
        .body
        .find(&format!("data-batch=\"{id}\""))
        .unwrap_or_else(|| panic!("batch {id} on the page: {}", p.body));
    let end = at + p.body[at..].find("</section>").unwrap();
    &p.body[at..end]
}

fn state(p: &Page, id: &str) -> String {
    let c = card(p, id);
    let at = c.find("data-state=\"").expect("a prospect") + 12;
    c[at..at + c[at..].find('"').unwrap()].to_string()
}

#[actix_web::test]
async fn each_batch_tells_the_firm_what_it_can_do_before_it_clicks() {
    let app = spawn_app().await;
    let admin = app.staff_token("bp_admin", Role::Admin).await;
    // Two batches of one programme (80% gate), opening in an hour.
    let first = batch(&app, &admin, json!({}), json!({"budget": "1000000.00"})).await;
    let firms = bulk_firms(&app, 1, "small", true, None);
    let firm = &firms[0];
    let waiting = &bulk_firms(&app, 1, "small", false, None)[0];
    let mut b = Browser::signed_in(&app, &firm.token);

    // Before the opening: eligible, claim when it opens; no claim button yet.
    let p = b.get("/batches").await;
    assert_eq!(state(&p, &first), "upcoming");
    assert!(!card(&p, &first).contains("/claim\""), "{}", card(&p, &first));
    // A firm not yet onboarded is told why, before it clicks.
    let p = Browser::signed_in(&app, &waiting.token).get("/batches").await;
    assert_eq!(state(&p, &first), "not_eligible");
    assert!(card(&p, &first).contains("入库"), "{}", card(&p, &first));
    // Nobody signed in: no standing, an invitation to sign in.
    let p = Browser::new(&app).get("/batches").await;
    assert!(!p.body.contains("data-state="));
    assert!(p.body.contains("登录后领取"));

    app.clock.advance(Duration::hours(1));
    let p = b.get("/batches").await;
    assert_eq!(state(&p, &first), "can_claim");
    assert!(card(&p, &first).contains(&format!("/batches/{first}/claim")));
    let csrf = Browser::csrf(&p);
    let r =
        b.post(&format!("/batches/{first}/claim"), &[("csrf", csrf.as_str()), ("key", "k1")]).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Claimed: the voucher named, no second button.
    let p = b.get("/batches").await;
    assert_eq!(state(&p, &first), "already_claimed");
    let code = app.get("/api/v1/firm/vouchers", Some(&firm.token)).await.body[0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(card(&p, &first).contains(&code), "{}", card(&p, &first));
    assert!(!card(&p, &first).contains("/claim\""));

    // A second batch of the same programme: the gate says how much is used and needed.
    let pid = app.get(&format!("/api/v1/batches/{first}"), None).await.body["programme_id"]
        .as_str()
        .unwrap()
        .to_string();
    let opens = app.clock.now_utc() + Duration::minutes(5);
    let admin = app.staff_token("bp_admin2", Role::Admin).await;
    let r = app
        .post(
            &format!("/api/v1/programmes/{pid}/batches"),
            Some(&admin),
            &json!({"name": "第二期", "budget": "1000000.00", "face_values": ["50000.00"],
                    "opens_at": opens.to_rfc3339(), "closes_at": (opens + Duration::days(30)).to_rfc3339(),
                    "publish": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let second = r.body["id"].as_str().unwrap().to_string();
    let p = b.get("/batches").await;
    assert_eq!(state(&p, &second), "gate_not_met");
    let c = card(&p, &second);
    assert!(c.contains("0.0%") && c.contains("80.0%"), "{c}");
    // In English, the same in English.
    let p = b.get("/batches?lang=en").await;
    assert!(
        card(&p, &second).contains("Earlier vouchers not used enough"),
        "{}",
        card(&p, &second)
    );
    let _ = b.get("/batches?lang=zh").await;
}

#[actix_web::test]
async fn a_firm_enters_a_lottery_on_the_page_and_sees_the_public_draw() {
    let app = spawn_app().await;
    let admin = app.staff_token("bl_admin", Role::Admin).await;
    let lot = batch(
        &app,
        &admin,
        json!({}),
        json!({"allocation_mode": "lottery", "budget": "100000.00", "face_values": ["50000.00"]}),
    )
    .await;
    let firms = bulk_firms(&app, 3, "small", true, None);
    let mut b = Browser::signed_in(&app, &firms[0].token);
    let p = b.get("/batches").await;
    assert_eq!(state(&p, &lot), "can_register");
    assert!(card(&p, &lot).contains(&format!("/public/batches/{lot}/lottery")));
    let csrf = Browser::csrf(&p);
    let r = b
        .post(
            &format!("/batches/{lot}/lottery/register"),
            &[("csrf", csrf.as_str()), ("face_value", "50000.00")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p = b.get(&r.location).await;
    assert!(p.body.contains("已登记摇号"), "{}", p.body);
    assert_eq!(state(&p, &lot), "registered");
    assert!(card(&p, &lot).contains("50,000.00"), "{}", card(&p, &lot));
    // Withdrawn, then registered again.
    let r = b.post(&format!("/batches/{lot}/lottery/withdraw"), &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status, 303);
    assert_eq!(state(&b.get("/batches").await, &lot), "can_register");
    b.post(
        &format!("/batches/{lot}/lottery/register"),
        &[("csrf", csrf.as_str()), ("face_value", "50000.00")],
    )
    .await;
    // Without the form's token nothing changes.
    let mut other = Browser::signed_in(&app, &firms[1].token);
    let r = other.post(&format!("/batches/{lot}/lottery/register"), &[]).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(state(&other.get("/batches").await, &lot), "can_register");

    // Before the draw the public page shows the commitment, not the seed.
    let public = format!("/public/batches/{lot}/lottery");
    let p = Browser::new(&app).get(&public).await;
    assert_eq!(p.status, 200, "{}", p.body);
    let record = app.get(&format!("/api/v1/batches/{lot}/lottery"), None).await.body;
    assert!(p.body.contains(record["seed_hash"].as_str().unwrap()));
    assert!(p.body.contains("尚未开奖"), "{}", p.body);

    app.clock.advance(Duration::hours(1));
    let admin = app.staff_token("bl_admin2", Role::Admin).await;
    let r =
        app.post(&format!("/api/v1/batches/{lot}/lottery/draw"), Some(&admin), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let record = app.get(&format!("/api/v1/batches/{lot}/lottery"), None).await.body;
    let p = Browser::new(&app).get(&public).await;
    for v in ["seed", "entrants_digest"] {
        assert!(p.body.contains(record[v].as_str().unwrap()), "{v} on the page: {}", p.body);
    }
    let key = record["results"][0]["key"].as_str().unwrap();
    assert!(p.body.contains(key) && p.body.contains("中签"), "{}", p.body);
    // The firm sees it won, with its voucher; the results page lists the winner.
    let p = b.get("/batches").await;
    assert_eq!(state(&p, &lot), "won");
    let code = record["results"][0]["voucher_code"].as_str().unwrap();
    assert!(card(&p, &lot).contains(code), "{}", card(&p, &lot));
    let p = Browser::new(&app).get(&format!("/public/batches/{lot}/results")).await;
    assert!(
        p.body.contains(record["results"][0]["credit_code"].as_str().unwrap()),
        "the draw's winners are the batch's results: {}",
        p.body
    );
}
