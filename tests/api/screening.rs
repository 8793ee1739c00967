//! Screening lists (名单筛查): uploads previewed then applied whole, bad files refused
//! whole with every line named, and holds on the parties a list names: a firm cannot
//! claim, order or confirm; a provider takes no orders and its payouts are held back;
//! a hold ends when the entry leaves the list or a reviewer clears a false match.

use crate::claims::{batch, bulk_firms};
use crate::helpers::{spawn_app, TestApp};
use crate::orders::world;
use crate::settlement::make_payable;
use chrono::Duration;
use hechuang::domain::id::{FirmId, ProviderId};
use hechuang::domain::settlement::Period;
use hechuang::domain::Role;
use serde_json::{json, Value};

const HEADER: &str = "统一社会信用代码,名称,名单类型,列入日期,移出日期,来源\n";

/// A list file naming each (credit code, name, list) as listed on 2026-01-05.
pub fn list_csv(entries: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut s = String::from("\u{feff}");
    s.push_str(HEADER);
    for (code, name, list) in entries {
        s.push_str(&format!("{code},{name},{list},2026-01-05,,合肥市中级人民法院\n"));
    }
    s.into_bytes()
}

pub fn firm_code(app: &TestApp, id: &str) -> (String, String) {
    let f =
        hechuang::db::parties::firm(&mut app.conn(), &FirmId::stored(id.into())).unwrap().unwrap();
    (f.credit_code.to_string(), f.name)
}

pub fn provider_code(app: &TestApp, id: &str) -> (String, String) {
    let p = hechuang::db::parties::provider(&mut app.conn(), &ProviderId::stored(id.into()))
        .unwrap()
        .unwrap();
    (p.credit_code.to_string(), p.name)
}

/// Uploads `bytes` as `name` and applies the preview; returns the applied import.
pub async fn import_list(app: &TestApp, admin: &str, name: &str, bytes: Vec<u8>) -> Value {
    let r = app
        .post_bytes(&format!("/api/v1/screening/imports?file_name={name}"), Some(admin), bytes)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    let r =
        app.post(&format!("/api/v1/screening/imports/{id}/apply"), Some(admin), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

fn audit_count(app: &TestApp, action: &str) -> i64 {
    use diesel::prelude::*;
    use hechuang::db::schema::audit_events::dsl as a;
    let mut c = app.conn();
    let q = a::audit_events.filter(a::action.eq(action)).count();
    match &mut *c {
        hechuang::db::DbConnection::Pg(c) => q.get_result(c).unwrap(),
        hechuang::db::DbConnection::Sqlite(c) => q.get_result(c).unwrap(),
    }
}

#[actix_web::test]
async fn a_list_with_bad_rows_is_refused_whole_with_every_line_named() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin_scr_bad", Role::Admin).await;
    let good = crate::helpers::new_credit_code();
    let mut bad = good.clone();
    bad.pop();
    bad.push(if good.ends_with('0') { '1' } else { '0' });
    let body = format!(
        "{HEADER}{good},甲公司,失信被执行人,2026-01-05,,法院\n{bad},乙公司,失信被执行人,2026-01-05,,法院\n\
         {good},甲公司,黑名单,2026-13-01,,法院\n{good},甲公司,失信被执行人,2026-01-05,,法院\n"
    );
    let r = app
        .post_bytes("/api/v1/screening/imports?file_name=list.csv", Some(&admin), body.into_bytes())
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "screening_file_invalid"), "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("第 3 行"), "{}", r.body);
    let fields: Vec<&str> =
        r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(
        fields,
        ["line 3: credit_code", "line 4: list_type", "line 4: listed_on", "line 5: credit_code"],
        "{}",
        r.body
    );
    let said: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert!(said[3].contains("与第 2 行重复"), "{said:?}");
    // Nothing kept: no import, no entry.
    assert_eq!(app.count("screening_imports"), 0);
    assert_eq!(app.count("screening_entries"), 0);

    // A header without the needed columns, a CSV not in UTF-8, an old .xls, an empty
    // file: each says why, and nothing is kept.
    let r = app
        .post_bytes(
            "/api/v1/screening/imports?file_name=a.csv",
            Some(&admin),
            b"name,source\nx,y\n".to_vec(),
        )
        .await;
    assert_eq!(r.code(), "screening_file_invalid", "{}", r.body);
    assert!(r.body["errors"][0]["detail"].as_str().unwrap().contains("第 1 行"), "{}", r.body);
    let gbk = vec![0xC3, 0xFB, 0xB5, 0xA5, b',', b'x', b'\n']; // 名单 in GBK
    let r = app.post_bytes("/api/v1/screening/imports?file_name=a.csv", Some(&admin), gbk).await;
    assert_eq!(r.code(), "screening_file_unreadable", "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("UTF-8"), "{}", r.body);
    let r = app
        .post_bytes(
            "/api/v1/screening/imports?file_name=a.xls",
            Some(&admin),
            b"\xD0\xCF\x11\xE0".to_vec(),
        )
        .await;
    assert_eq!(r.code(), "screening_file_unreadable", "{}", r.body);
    let r = app
        .post_bytes(
            "/api/v1/screening/imports?file_name=a.xlsx",
            Some(&admin),
            b"PK\x03\x04broken".to_vec(),
        )
        .await;
    assert_eq!(r.code(), "screening_file_unreadable", "{}", r.body);
    let r = app.post_bytes("/api/v1/screening/imports", Some(&admin), Vec::new()).await;
    assert_eq!(r.code(), "screening_file_unreadable", "{}", r.body);
    assert_eq!(app.count("screening_imports"), 0);

    // The same bad row in an XLSX is named by its sheet row.
    let rows = vec![
        vec![
            "统一社会信用代码".to_string(),
            "名称".into(),
            "名单类型".into(),
            "列入日期".into(),
            "来源".into(),
        ],
        vec![
            good.clone(),
            "甲公司".into(),
            "失信被执行人".into(),
            "2026-01-05".into(),
            "法院".into(),
        ],
        vec![good.clone(), "甲公司".into(), "经营异常".into(), "明天".into(), "市场监管局".into()],
    ];
    let r = app
        .post_bytes("/api/v1/screening/imports?file_name=list.xlsx", Some(&admin), xlsx(&rows))
        .await;
    assert_eq!(r.code(), "screening_file_invalid", "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "line 3: listed_on", "{}", r.body);
    assert_eq!(app.count("screening_entries"), 0);
}

/// An XLSX workbook whose first sheet holds `rows` as text.
pub fn xlsx(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

#[actix_web::test]
async fn a_matched_firm_is_refused_at_claim_with_the_reason_until_its_entry_leaves_the_list() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin_scr_claim", Role::Admin).await;
    let batch_id =
        batch(&app, &admin, json!({}), json!({"budget": "100000.00", "face_values": ["10000.00"]}))
            .await;
    let firms = bulk_firms(&app, 2, "small", true, None);
    let (code, name) = firm_code(&app, &firms[0].id);
    let stranger = crate::helpers::new_credit_code();

    // The preview names the firm it would hold; nothing is held yet.
    let bytes =
        list_csv(&[(&code, &name, "失信被执行人"), (&stranger, "外地公司", "严重违法失信")]);
    let r = app
        .post_bytes("/api/v1/screening/imports?file_name=2026-01.csv", Some(&admin), bytes)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (&r.body["status"], &r.body["added_count"], &r.body["removed_count"]),
        (&json!("pending"), &json!(2), &json!(0))
    );
    let placed = r.body["holds_placed"].as_array().unwrap();
    assert_eq!(placed.len(), 1, "{}", r.body);
    assert_eq!(
        (&placed[0]["party_kind"], &placed[0]["party_name"]),
        (&json!("firm"), &json!(name))
    );
    assert_eq!(app.count("screening_entries"), 0, "a preview changes nothing");
    let preview = r.body["id"].as_str().unwrap().to_string();
    let r = app
        .post(&format!("/api/v1/screening/imports/{preview}/apply"), Some(&admin), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "applied");
    assert_eq!(audit_count(&app, "screening.hold_placed"), 1);

    // At the opening second the listed firm is refused with its list; the other claims.
    app.clock.advance(Duration::hours(1));
    let admin = app.token("admin_scr_claim").await;
    let url = format!("/api/v1/batches/{batch_id}/claims");
    let r = app.post(&url, Some(&firms[0].token), &json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "firm_not_eligible"), "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("失信被执行人"), "{}", r.body);
    assert_eq!(app.post(&url, Some(&firms[1].token), &json!({})).await.status, 201);
    // The firm reads its hold, with the list, the source and the day.
    let mine = app.get("/api/v1/screening/holds/mine", Some(&firms[0].token)).await;
    assert_eq!(mine.body[0]["entry"]["list_type"], "dishonest_debtor", "{}", mine.body);
    assert_eq!(mine.body[0]["entry"]["source"], "合肥市中级人民法院");
    assert_eq!(
        app.get("/api/v1/screening/holds/mine", Some(&firms[1].token)).await.body,
        json!([])
    );
    // Staff find entries by code or name; a search longer than 100 characters is refused.
    let r = app.get(&format!("/api/v1/screening/entries?q={}", &code[..8]), Some(&admin)).await;
    assert_eq!(r.body[0]["name"], json!(name), "{}", r.body);
    let r = app
        .get(&format!("/api/v1/screening/entries?q={}", "%E5%90%8D".repeat(101)), Some(&admin))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "too_long"), "{}", r.body);
    // Staff see the hold on the register.
    let reg = app.get("/api/v1/screening", Some(&admin)).await;
    assert_eq!(reg.body["holds"].as_array().unwrap().len(), 1, "{}", reg.body);
    assert_eq!(reg.body["counts"][0], json!({"list_type": "dishonest_debtor", "entries": 1}));

    // The next list (an XLSX) no longer has the firm: the preview says whom it frees.
    let rows = vec![
        ["credit_code", "name", "list_type", "listed_on", "source"].map(String::from).to_vec(),
        [stranger.as_str(), "外地公司", "严重违法失信", "2026-01-05", "合肥市中级人民法院"]
            .map(String::from)
            .to_vec(),
    ];
    let r = app
        .post_bytes("/api/v1/screening/imports?file_name=2026-02.xlsx", Some(&admin), xlsx(&rows))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (&r.body["added_count"], &r.body["removed_count"]),
        (&json!(0), &json!(1)),
        "{}",
        r.body
    );
    assert_eq!(r.body["holds_lifted"][0]["party_name"], json!(name), "{}", r.body);
    let id = r.body["id"].as_str().unwrap();
    assert_eq!(
        app.post(&format!("/api/v1/screening/imports/{id}/apply"), Some(&admin), &json!({}))
            .await
            .status,
        200
    );
    assert_eq!(audit_count(&app, "screening.hold_lifted"), 1);
    let r = app.post(&url, Some(&firms[0].token), &json!({})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // The applied import still says what it removed.
    let r = app.get(&format!("/api/v1/screening/imports/{id}"), Some(&admin)).await;
    assert_eq!(r.body["removed"][0]["credit_code"], json!(code), "{}", r.body);
}

#[actix_web::test]
async fn a_matched_provider_takes_no_orders_and_is_not_paid_until_a_reviewer_clears_it() {
    let app = spawn_app().await;
    let tag = "scrp";
    let mut w = world(&app, tag).await;
    let items = make_payable(&app, &w, tag, &["3000.00"]).await;
    assert_eq!(items.len(), 1);
    w.provider_token = app.token(tag).await;
    // An order requested before the listing, to be accepted after.
    let waiting = w.order(&app, "1000.00").await;
    let (code, name) = provider_code(&app, &w.provider);
    let admin = app.token(&format!("admin_{tag}")).await;
    import_list(&app, &admin, "list.csv", list_csv(&[(&code, &name, "经营异常名录")])).await;

    // No new order, no acceptance.
    let r = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("500.00")).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "on_screening_list"), "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("经营异常名录"), "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains(&name), "{}", r.body);
    let r = w.provider_does(&app, &waiting, "accept", json!({})).await;
    assert_eq!(r.code(), "on_screening_list", "{}", r.body);

    // The month's run holds the provider back with the reason: nothing for the bank.
    app.clock.advance(Duration::days(31));
    let period = Period::of(app.clock.now() - Duration::days(31)).to_string();
    let maker = app.staff_token(&format!("maker_{tag}"), Role::Finance).await;
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": period})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "nothing_payable"), "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("筛查名单"), "{}", r.body);

    // A reviewer clears the match with a reason (not without one); the next try pays.
    let rev = app.staff_token(&format!("clr_{tag}"), Role::Reviewer).await;
    let reg = app.get("/api/v1/screening", Some(&rev)).await;
    let entry = reg.body["holds"][0]["entry"]["id"].as_str().unwrap().to_string();
    let url = format!("/api/v1/screening/entries/{entry}/clearances");
    let r = app
        .post(
            &url,
            Some(&rev),
            &json!({"party_kind": "provider", "party_id": w.provider, "reason": "  "}),
        )
        .await;
    assert_eq!(r.code(), "reason_required", "{}", r.body);
    let r = app
        .post(
            &url,
            Some(&rev),
            &json!({"party_kind": "firm", "party_id": w.firm.id, "reason": "不是这家"}),
        )
        .await;
    assert_eq!(r.code(), "screening_not_a_match", "{}", r.body);
    let body = json!({"party_kind": "provider", "party_id": w.provider, "reason": "已于 2026-01-20 移出经营异常名录"});
    let r = app.post(&url, Some(&rev), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["cleared"]["reason"], "已于 2026-01-20 移出经营异常名录");
    assert_eq!(app.post(&url, Some(&rev), &body).await.code(), "screening_already_cleared");
    assert_eq!(audit_count(&app, "screening.hold_cleared"), 1);
    w.provider_token = app.token(tag).await;
    assert_eq!(
        app.get("/api/v1/screening/holds/mine", Some(&w.provider_token)).await.body,
        json!([])
    );
    let r = app.post("/api/v1/settlement-runs", Some(&maker), &json!({"period": period})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["run"]["total"], "3000.00", "{}", r.body);
    assert_eq!(w.provider_does(&app, &waiting, "accept", json!({})).await.status, 200);
    // The clearing holds through a re-import of the same entry.
    let admin = app.token(&format!("admin_{tag}")).await;
    import_list(&app, &admin, "again.csv", list_csv(&[(&code, &name, "经营异常名录")])).await;
    assert_eq!(
        app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("500.00")).await.status,
        201
    );
}

#[actix_web::test]
async fn a_matched_firms_delivered_order_waits_and_its_new_orders_are_refused() {
    let app = spawn_app().await;
    let tag = "scrf";
    let w = world(&app, tag).await;
    let o = w.order(&app, "2000.00").await;
    assert_eq!(w.provider_does(&app, &o, "accept", json!({})).await.status, 200);
    w.upload_all(&app, &o).await;
    assert_eq!(w.provider_does(&app, &o, "deliver", json!({})).await.status, 200);
    let (code, name) = firm_code(&app, &w.firm.id);
    import_list(&app, &w.admin, "list.csv", list_csv(&[(&code, &name, "严重违法失信主体")])).await;
    let r = w.firm_does(&app, &o, "confirm", json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "on_screening_list"), "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("严重违法失信主体"), "{}", r.body);
    let r = app.post("/api/v1/orders", Some(&w.firm.token), &w.order_body("500.00")).await;
    assert_eq!(r.code(), "on_screening_list", "{}", r.body);
    // The order still holds its share, unchanged.
    assert_eq!(w.voucher_state(&app).await.1, "2000.00");
    // The list moves on without the firm: the order is confirmed.
    import_list(
        &app,
        &w.admin,
        "next.csv",
        list_csv(&[(&crate::helpers::new_credit_code(), "别家", "经营异常")]),
    )
    .await;
    assert_eq!(w.firm_does(&app, &o, "confirm", json!({})).await.status, 200);
}

#[actix_web::test]
async fn a_preview_overtaken_by_another_import_is_refused_and_two_applied_at_once_apply_one() {
    let app = spawn_app().await;
    let admin = app.staff_token("admin_scr_stale", Role::Admin).await;
    let upload = |name: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let code = crate::helpers::new_credit_code();
            let r = app
                .post_bytes(
                    &format!("/api/v1/screening/imports?file_name={name}"),
                    Some(&admin),
                    list_csv(&[(&code, "某公司", "失信被执行人")]),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            r.body["id"].as_str().unwrap().to_string()
        }
    };
    let (a, b) = (upload("a.csv").await, upload("b.csv").await);
    // Applied at once: one is applied, the other refused as stale (it was previewed
    // against a register that is no longer there).
    let (ua, ub) = (
        format!("/api/v1/screening/imports/{a}/apply"),
        format!("/api/v1/screening/imports/{b}/apply"),
    );
    let empty = json!({});
    let (ra, rb) =
        tokio::join!(app.post(&ua, Some(&admin), &empty), app.post(&ub, Some(&admin), &empty));
    let mut codes = vec![ra.status.as_u16(), rb.status.as_u16()];
    codes.sort();
    assert_eq!(codes, [200, 409], "{} / {}", ra.body, rb.body);
    let loser = if ra.status == 200 { &rb } else { &ra };
    assert_eq!(loser.code(), "screening_import_stale", "{}", loser.body);
    assert_eq!(app.count("screening_entries"), 1, "one list applied, not both");
    // Neither can be applied again (the loser stays superseded); a fresh upload can.
    let (winner, loser) = if ra.status == 200 { (&a, &b) } else { (&b, &a) };
    let r = app
        .post(&format!("/api/v1/screening/imports/{winner}/apply"), Some(&admin), &json!({}))
        .await;
    assert_eq!(r.code(), "screening_import_decided", "{}", r.body);
    let r = app
        .post(&format!("/api/v1/screening/imports/{loser}/apply"), Some(&admin), &json!({}))
        .await;
    assert_eq!(r.code(), "screening_import_stale", "{}", r.body);
    let r = app.get(&format!("/api/v1/screening/imports/{loser}"), Some(&admin)).await;
    assert_eq!(r.body["status"], "superseded", "{}", r.body);
    let c = upload("c.csv").await;
    let r =
        app.post(&format!("/api/v1/screening/imports/{c}/discard"), Some(&admin), &json!({})).await;
    assert_eq!(r.body["status"], "discarded", "{}", r.body);
    assert_eq!(app.count("screening_entries"), 1, "a discarded upload changes nothing");
    let d = upload("d.csv").await;
    let r =
        app.post(&format!("/api/v1/screening/imports/{d}/apply"), Some(&admin), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (&r.body["added_count"], &r.body["removed_count"]),
        (&json!(1), &json!(1)),
        "{}",
        r.body
    );
}

#[actix_web::test]
async fn the_admin_previews_and_applies_a_list_in_pages_and_the_held_firm_is_told_on_its_desk() {
    use crate::web::Browser;
    let app = spawn_app().await;
    let admin = app.staff_token("admin_scr_page", Role::Admin).await;
    let firm = bulk_firms(&app, 1, "small", true, None).remove(0);
    let (code, name) = firm_code(&app, &firm.id);
    let mut b = Browser::signed_in(&app, &admin);
    let page = b.get("/screening").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("名单筛查") && page.body.contains("尚未应用任何名单"),
        "{}",
        page.body
    );
    let csrf = Browser::csrf(&page);

    // A bad file: every bad row said on the page, nothing kept.
    let bad = format!("{HEADER}{code},{name},黑名单,2026-01-05,,法院\n");
    let r = b
        .post_file("/screening/imports", &[("csrf", &csrf)], ("file", "bad.csv", bad.as_bytes()))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("第 2 行：名单类型“黑名单”无法识别"), "{}", r.body);
    assert_eq!(app.count("screening_imports"), 0);

    // A good one opens its preview, naming the firm it would hold.
    let good = list_csv(&[(&code, &name, "失信被执行人")]);
    let r = b
        .post_file("/screening/imports", &[("csrf", &csrf)], ("file", "名单2026-01.csv", &good))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let preview = b.get(&r.location).await;
    assert!(preview.body.contains("将暂停办理（1）"), "{}", preview.body);
    assert!(
        preview.body.contains(&name) && preview.body.contains("失信被执行人"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("id=\"apply-list\""), "{}", preview.body);
    let import_path = r.location.split('?').next().unwrap().to_string();
    let r = crate::web::post(&mut b, &preview, &format!("{import_path}/apply"), &[]).await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, "/screening?done=list-applied"),
        "{}",
        r.body
    );
    let page = b.get(&r.location).await;
    assert!(page.body.contains("名单已应用"), "{}", page.body);
    assert!(page.body.contains(&format!("hold-{}", firm.id)), "{}", page.body);
    assert!(page.body.contains("暂停中"), "{}", page.body);
    assert!(page.body.contains("名单2026-01.csv"), "{}", page.body);

    // The firm's desk says why, in its words.
    let desk = Browser::signed_in(&app, &firm.token).get("/home").await;
    assert!(desk.body.contains("id=\"screening-hold\""), "{}", desk.body);
    assert!(
        desk.body.contains("失信被执行人") && desk.body.contains("合肥市中级人民法院"),
        "{}",
        desk.body
    );
    assert!(desk.body.contains("不能申领合创券、下单或确认交付"), "{}", desk.body);

    // A reviewer clears it from the page: a reason is needed, then the hold is gone.
    let rev = app.staff_token("rev_scr_page", Role::Reviewer).await;
    let mut rb = Browser::signed_in(&app, &rev);
    let record = rb.get(&format!("/firms/{}", firm.id)).await;
    assert!(record.body.contains("class=\"record-holds\""), "{}", record.body);
    assert!(record.body.contains("失信被执行人（合肥市中级人民法院"), "{}", record.body);
    let page = rb.get("/screening").await;
    let at = page.body.find("/screening/entries/").unwrap();
    let action = page.body[at..].split('"').next().unwrap().to_string();
    let form = [("party_kind", "firm"), ("party_id", firm.id.as_str()), ("reason", "")];
    let r = crate::web::post(&mut rb, &page, &action, &form).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("-reason-error\">此项为必填项"),
        "the refusal beside the field: {}",
        r.body
    );
    let form = [
        ("party_kind", "firm"),
        ("party_id", firm.id.as_str()),
        ("reason", "法院已于 2026-02-01 屏蔽该失信信息"),
    ];
    let r = crate::web::post(&mut rb, &page, &action, &form).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = rb.get(&r.location).await;
    assert!(
        page.body.contains("已认定误判") && page.body.contains("已解除（误判）"),
        "{}",
        page.body
    );
    let desk = Browser::signed_in(&app, &firm.token).get("/home").await;
    assert!(!desk.body.contains("id=\"screening-hold\""), "{}", desk.body);
    // The trail says each step in words.
    let trail = b.get("/audit").await;
    for said in ["应用了名单", "因名单暂停了单位的办理", "认定名单匹配为误判并解除"]
    {
        assert!(trail.body.contains(said), "{said}: {}", trail.body);
    }
}

#[actix_web::test]
async fn a_matched_spaces_award_is_held_back_from_the_run_with_the_reason_and_paid_after() {
    use crate::subsidies::{certify, compute, month_start_after, space};
    let app = spawn_app().await;
    let (space_id, code, tok) = space(&app, "scr_sp").await;
    let reviewer = app.staff_token("scr_sp_rev", Role::Reviewer).await;
    certify(&app, &tok, &reviewer, "provincial_incubator").await;
    app.clock.advance(month_start_after(&app));
    let reviewer = app.token("scr_sp_rev").await;
    let ent = compute(&app, &reviewer).await["created"][0]["id"].as_str().unwrap().to_string();
    app.clock.advance(Duration::days(8));
    let reviewer = app.token("scr_sp_rev").await;
    let r = app
        .post(
            &format!("/api/v1/entitlements/{ent}/decision"),
            Some(&reviewer),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.body["status"], "payable", "{}", r.body);
    let admin = app.staff_token("scr_sp_admin", Role::Admin).await;
    import_list(&app, &admin, "list.csv", list_csv(&[(&code, "某孵化器", "经营异常名录")])).await;
    let mine = app.get("/api/v1/screening/holds/mine", Some(&app.token("scr_sp").await)).await;
    assert_eq!(mine.body[0]["party_kind"], "space", "{}", mine.body);

    // The month's run holds the space back (so has nothing for the bank); the award
    // stays payable for the next run.
    let period = app.end_the_month();
    let f1 = app.staff_token("scr_sp_fin", Role::Finance).await;
    let r = app.post("/api/v1/settlement-runs", Some(&f1), &json!({"period": period})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "nothing_payable"), "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("筛查名单"), "{}", r.body);
    let reviewer = app.token("scr_sp_rev").await;
    let r = app.get(&format!("/api/v1/entitlements/{ent}"), Some(&reviewer)).await;
    assert_eq!(r.body["status"], "payable", "{}", r.body);
    // Off the list: the next try pays it.
    let admin = app.token("scr_sp_admin").await;
    import_list(
        &app,
        &admin,
        "next.csv",
        list_csv(&[(&crate::helpers::new_credit_code(), "别家", "经营异常名录")]),
    )
    .await;
    let r = app.post("/api/v1/settlement-runs", Some(&f1), &json!({"period": period})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["run"]["payouts"][0]["payee_id"], json!(space_id), "{}", r.body);
    assert_eq!(r.body["run"]["held_back_count"], 0, "{}", r.body);
}
