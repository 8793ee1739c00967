//! Returns for correction (退回补正): a reviewer returns a firm's onboarding or a
//! provider's listing application with the list of what to fix; the applicant sees the
//! list (API, email, its pages), corrects and resubmits; the application is reviewed
//! again. Every refusal changes nothing.

use crate::helpers::{firm_body, provider_body, spawn_app, TestApp};
use crate::web::Browser;
use hechuang::domain::Role;
use serde_json::{json, Value};

/// What the state of an application and the audit trail are, to show a refusal
/// changed neither.
fn snapshot(app: &TestApp) -> (i64, i64) {
    (app.count("audit_events"), app.count("outbox"))
}

fn actions(r: &Value) -> Vec<String> {
    r.as_array()
        .expect("events")
        .iter()
        .map(|e| e["action"].as_str().expect("action").to_string())
        .collect()
}

/// An audit event's recorded state (JSON text).
fn state(event: &Value, which: &str) -> Value {
    serde_json::from_str(event[which].as_str().expect("state")).expect("json")
}

fn profile_of(app_view: &Value) -> Value {
    let mut profile = firm_body("x", "");
    let obj = profile.as_object_mut().expect("object");
    obj.remove("username");
    obj.remove("password");
    profile["credit_code"] = app_view["credit_code"].clone();
    profile
}

#[actix_web::test]
async fn a_firm_returned_for_correction_sees_what_to_fix_corrects_and_resubmits() {
    let app = spawn_app().await;
    let (firm_id, _) = app.register_firm("acme").await;
    let rev = app.staff_token("rev", Role::Reviewer).await;
    let firm = app.token("acme").await;
    let path = format!("/api/v1/firms/{firm_id}/onboarding");

    // Refused, each beside its field, and nothing changes.
    let before = snapshot(&app);
    let too_many: Vec<String> = (1..=21).map(|i| format!("第{i}项")).collect();
    for (body, code) in [
        (json!({"decision": "return"}), "corrections_required"),
        (json!({"decision": "return", "corrections": ["  ", "\n"]}), "corrections_required"),
        (json!({"decision": "return", "corrections": too_many}), "corrections_too_many"),
        (json!({"decision": "return", "corrections": ["x".repeat(501)]}), "too_long"),
        (
            json!({"decision": "approve", "corrections": ["营业执照不清晰"]}),
            "corrections_unexpected",
        ),
    ] {
        let r = app.post(&path, Some(&rev), &body).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        assert_eq!(r.body["errors"][0]["field"], "corrections", "{body}: {}", r.body);
        assert_eq!(r.body["errors"][0]["code"], code, "{body}: {}", r.body);
    }
    // No default: a decision must be chosen.
    let r = app.post(&path, Some(&rev), &json!({"corrections": ["x"]})).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "invalid_json"), "{}", r.body);
    // Only a reviewer returns; the firm cannot resubmit what was not returned.
    let r =
        app.post(&path, Some(&firm), &json!({"decision": "return", "corrections": ["x"]})).await;
    assert_eq!(r.status, 403);
    let r = app.post("/api/v1/firm/profile/resubmit", Some(&firm), &json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "application_not_returned"), "{}", r.body);
    assert_eq!(snapshot(&app), before);
    assert_eq!(
        app.get("/api/v1/firm/profile", Some(&firm)).await.body["onboarding_status"],
        "submitted"
    );

    // Returned with two things to fix (one entry of two lines is two items).
    let r = app
        .post(
            &path,
            Some(&rev),
            &json!({"decision": "return", "corrections": ["营业执照扫描件不清晰，请重新上传\n 地址与营业执照不一致 "]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["onboarding_status"], "returned");
    let fix = json!(["营业执照扫描件不清晰，请重新上传", "地址与营业执照不一致"]);
    assert_eq!(r.body["corrections"], fix);

    // The firm sees it, and was told by email with the list numbered.
    let me = app.get("/api/v1/firm/profile", Some(&firm)).await;
    assert_eq!(
        (me.body["onboarding_status"].clone(), me.body["corrections"].clone()),
        (json!("returned"), fix.clone())
    );
    let mail = app.outbox();
    let sent = mail.iter().find(|m| m.kind == "application_returned").expect("the email");
    assert!(sent.subject.contains("企业入库申请被退回补正"), "{}", sent.subject);
    assert!(
        sent.body.contains("1. 营业执照扫描件不清晰，请重新上传")
            && sent.body.contains("2. 地址与营业执照不一致"),
        "{}",
        sent.body
    );
    assert_eq!(sent.to_address, me.body["contact_email"].as_str().expect("email"));

    // Returned is not in the review queue, and cannot be decided until resubmitted.
    let rev_list = app.get("/api/v1/firms?status=submitted", Some(&rev)).await;
    assert_eq!(rev_list.body["total"], 0, "{}", rev_list.body);
    let returned = app.get("/api/v1/firms?status=returned", Some(&rev)).await;
    assert_eq!(returned.body["total"], 1, "{}", returned.body);
    let r = app.post(&path, Some(&rev), &json!({"decision": "approve"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "onboarding_already_decided"));

    // Correcting the details keeps it with the firm (documents may follow) ...
    let mut profile = profile_of(&me.body);
    profile["address"] = json!("合肥市高新区望江西路800号");
    let r = app.put("/api/v1/firm/profile", Some(&firm), &profile).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["onboarding_status"].clone(), r.body["corrections"].clone()),
        (json!("returned"), fix.clone())
    );
    // ... until the firm resubmits: back in the queue, the list cleared.
    let r = app.post("/api/v1/firm/profile/resubmit", Some(&firm), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["onboarding_status"].clone(), r.body["corrections"].clone()),
        (json!("submitted"), json!([]))
    );
    let r = app.post("/api/v1/firm/profile/resubmit", Some(&firm), &json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "application_not_returned"));
    assert_eq!(app.get("/api/v1/firms?status=submitted", Some(&rev)).await.body["total"], 1);

    let r = app.post(&path, Some(&rev), &json!({"decision": "approve"})).await;
    assert_eq!(r.body["onboarding_status"], "onboarded", "{}", r.body);

    // Every step is on the trail, the list kept with the return.
    let aud = app.staff_token("aud", Role::Auditor).await;
    let r = app
        .get(&format!("/api/v1/audit/events?entity_type=firm&entity_id={firm_id}"), Some(&aud))
        .await;
    assert_eq!(
        actions(&r.body)[..4],
        ["firm.onboarded", "firm.resubmitted", "firm.profile_updated", "firm.onboarding_returned"]
    );
    let after = state(&r.body[3], "after_state");
    assert_eq!(after["corrections"], fix);
}

#[actix_web::test]
async fn a_provider_returned_for_correction_corrects_its_application_and_resubmits() {
    let app = spawn_app().await;
    let provider_id = app.register_provider("ipco").await;
    let rev = app.staff_token("rev", Role::Reviewer).await;
    let prov = app.token("ipco").await;
    let path = format!("/api/v1/providers/{provider_id}/listing");
    let me = app.get("/api/v1/provider/profile", Some(&prov)).await;
    let mut details = provider_body("ipco", me.body["credit_code"].as_str().expect("code"));
    let obj = details.as_object_mut().expect("object");
    obj.remove("username");
    obj.remove("password");

    // While it waits for review the provider may correct its application.
    details["description"] = json!("专利申请、布局与无效宣告");
    let r = app.put("/api/v1/provider/profile", Some(&prov), &details).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["listing_status"], "applied");

    let before = snapshot(&app);
    let r = app.post(&path, Some(&rev), &json!({"action": "return"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "corrections_required"), "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "corrections");
    assert_eq!(snapshot(&app), before);

    let r = app
        .post(&path, Some(&rev), &json!({"action": "return", "corrections": ["请补充专利代理机构执业许可证", "服务类别请只选择实际开展的业务"]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["listing_status"], "returned");
    assert_eq!(r.body["corrections"][1], "服务类别请只选择实际开展的业务");
    let sent = app.outbox().into_iter().find(|m| m.kind == "application_returned").expect("email");
    assert!(sent.subject.contains("服务机构入库申请被退回补正"), "{}", sent.subject);
    assert!(sent.body.contains("2. 服务类别请只选择实际开展的业务"), "{}", sent.body);

    // A bad correction is refused beside its field and changes nothing.
    let before = snapshot(&app);
    let mut bad = details.clone();
    bad["categories"] = json!(["no_such_category"]);
    bad["contact_phone"] = json!("电话");
    let r = app.put("/api/v1/provider/profile", Some(&prov), &bad).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let fields: Vec<&str> =
        r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"categories") && fields.contains(&"contact_phone"), "{fields:?}");
    assert_eq!(snapshot(&app), before);
    // Another party's credit code is refused.
    let (other, _) = app.register_firm("otherfirm").await;
    let rev_firm = app.get(&format!("/api/v1/firms/{other}"), Some(&rev)).await;
    let mut taken = details.clone();
    taken["credit_code"] = rev_firm.body["credit_code"].clone();
    let r = app.put("/api/v1/provider/profile", Some(&prov), &taken).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "credit_code_taken"), "{}", r.body);

    // Corrected: fewer categories; still returned until resubmitted.
    details["categories"] = json!(["patent"]);
    let r = app.put("/api/v1/provider/profile", Some(&prov), &details).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["listing_status"], "returned");
    assert_eq!(r.body["categories"], json!(["patent"]));
    let r = app.post(&path, Some(&rev), &json!({"action": "start_notice"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "listing_transition_invalid"));

    // A new contact address must answer its own link before the application is
    // decided.
    details["contact_email"] = json!("ipnew@example.cn");
    let r = app.put("/api/v1/provider/profile", Some(&prov), &details).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["contact_verified_at"], Value::Null);
    let token = app.verification_token("ipnew@example.cn", "ipco");

    let r = app.post("/api/v1/provider/profile/resubmit", Some(&prov), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["listing_status"].clone(), r.body["corrections"].clone()),
        (json!("applied"), json!([]))
    );
    let r = app.post(&path, Some(&rev), &json!({"action": "start_notice"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "contact_not_verified"), "{}", r.body);
    let r = app.post("/api/v1/contact-verification", None, &json!({ "token": token })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.post(&path, Some(&rev), &json!({"action": "start_notice"})).await;
    assert_eq!(r.body["listing_status"], "in_notice", "{}", r.body);

    // In notice, the application is no longer the provider's to change.
    let r = app.put("/api/v1/provider/profile", Some(&prov), &details).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "application_locked"), "{}", r.body);
    let r = app.post("/api/v1/provider/profile/resubmit", Some(&prov), &json!({})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "application_not_returned"));

    let aud = app.staff_token("aud", Role::Auditor).await;
    let r = app
        .get(
            &format!("/api/v1/audit/events?entity_type=provider&entity_id={provider_id}"),
            Some(&aud),
        )
        .await;
    assert_eq!(
        actions(&r.body)[..7],
        [
            "provider.in_notice",
            "contact.verified",
            "provider.resubmitted",
            "provider.application_updated",
            "provider.application_updated",
            "provider.returned",
            "provider.application_updated"
        ]
    );
    // The categories' change is on the trail.
    assert_eq!(state(&r.body[4], "before_state")["categories"], json!(["ip_trademark", "patent"]));
    assert_eq!(state(&r.body[4], "after_state")["categories"], json!(["patent"]));
}

#[actix_web::test]
async fn the_review_desk_returns_and_the_applicant_resubmits_from_its_pages() {
    let app = spawn_app().await;
    let (firm_id, _) = app.register_firm("pagefirm").await;
    let provider_id = app.register_provider("pageprov").await;
    let rev = app.staff_token("rev", Role::Reviewer).await;
    let mut desk = Browser::signed_in(&app, &rev);
    let page = desk.get("/review").await;
    assert!(page.body.contains("退回补正"), "{}", page.body);
    let csrf = Browser::csrf(&page);

    // Returning with nothing listed: the error beside the list, nothing changes.
    let p = desk
        .post(
            &format!("/review/firm/{firm_id}"),
            &[("csrf", &csrf), ("decision", "return"), ("reason", ""), ("corrections", " ")],
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains(&format!("id=\"firm-{firm_id}-corrections-error\"")), "{}", p.body);
    assert!(p.body.contains("退回补正时必须列出需要修改的内容"), "{}", p.body);

    // One item a line from the text box.
    let p = desk
        .post(
            &format!("/review/firm/{firm_id}"),
            &[
                ("csrf", &csrf),
                ("decision", "return"),
                ("reason", ""),
                ("corrections", "营业执照不清晰\r\n联系电话有误"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let p = desk
        .post(
            &format!("/review/provider/{provider_id}"),
            &[
                ("csrf", &csrf),
                ("action", "return"),
                ("reason", ""),
                ("corrections", "请上传执业许可证"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let page = desk.get("/review").await;
    assert!(page.body.contains("另有 1 份已退回补正"), "{}", page.body);
    assert!(page.body.contains("href=\"/firms?status=returned\""), "{}", page.body);
    let reg = desk.get("/firms?status=returned").await;
    assert!(
        reg.body.contains("合肥pagefirm科技有限公司")
            && reg.body.contains("<option value=\"returned\" selected>退回补正</option>"),
        "{}",
        reg.body
    );

    // The firm's 工作台 and its page say what to fix; it resubmits from there.
    let firm_token = app.token("pagefirm").await;
    let mut firm = Browser::signed_in(&app, &firm_token);
    let home = firm.get("/home").await;
    assert!(
        home.body.contains("企业入库申请已退回补正") && home.body.contains("<li>联系电话有误</li>"),
        "{}",
        home.body
    );
    assert!(home.body.contains("修改并重新提交"), "{}", home.body);
    let fp = firm.get("/firm").await;
    assert!(
        fp.body.contains("<li>营业执照不清晰</li>")
            && fp.body.contains("action=\"/firm/resubmit\""),
        "{}",
        fp.body
    );
    let p = firm.post("/firm/resubmit", &[("csrf", &Browser::csrf(&fp))]).await;
    assert_eq!((p.status, p.location.as_str()), (303, "/firm?done=resubmitted"), "{}", p.body);
    let fp = firm.get(&p.location).await;
    assert!(
        fp.body.contains("已重新提交，等待审核。")
            && !fp.body.contains("action=\"/firm/resubmit\""),
        "{}",
        fp.body
    );
    // Back on the desk, the firm's record says it was returned, and for what; the size
    // rule it was measured by is beside it.
    let page = desk.get("/review").await;
    assert!(
        page.body.contains("企业入库申请退回补正：营业执照不清晰、联系电话有误")
            && page.body.contains("企业重新提交入库申请"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("按国家统计上大中小微型企业划分标准（软件和信息技术服务业）")
            && page.body.contains("小型须从业人员 ≥ 10 人且营业收入 ≥ 500,000.00 元")
            && page.body.contains("测算：小型企业"),
        "{}",
        page.body
    );
    // Again: refused on the page, in words.
    let p = firm.post("/firm/resubmit", &[("csrf", &Browser::csrf(&fp))]).await;
    assert_eq!(p.status, 409, "{}", p.body);
    assert!(p.body.contains("该申请未被退回补正"), "{}", p.body);

    // The provider corrects its application on its page (a bad field said beside it,
    // what was ticked kept), then resubmits.
    let prov_token = app.token("pageprov").await;
    let mut prov = Browser::signed_in(&app, &prov_token);
    let pp = prov.get("/provider").await;
    assert!(
        pp.body.contains("<li>请上传执业许可证</li>") && pp.body.contains("action=\"/provider\""),
        "{}",
        pp.body
    );
    let me = app.get("/api/v1/provider/profile", Some(&prov_token)).await;
    let code = me.body["credit_code"].as_str().expect("code").to_string();
    let csrf = Browser::csrf(&pp);
    let form = |phone: &'static str| {
        vec![
            ("credit_code", code.clone()),
            ("name", "合肥页面知识产权代理有限公司".to_string()),
            ("legal_representative", "王五".to_string()),
            ("actual_controller", "王五".to_string()),
            ("address", "合肥市蜀山区黄山路2号".to_string()),
            ("description", "专利申请".to_string()),
            ("categories", "patent".to_string()),
            ("contact_name", "赵六".to_string()),
            ("contact_phone", phone.to_string()),
            ("contact_email", "ip@example.cn".to_string()),
            ("bank_name", "中国银行合肥分行".to_string()),
            ("bank_account_name", "合肥页面知识产权代理有限公司".to_string()),
            ("bank_account_no", "184661234567890".to_string()),
        ]
    };
    let post_form = |phone| {
        let mut f: Vec<(String, String)> = vec![("csrf".to_string(), csrf.clone())];
        f.extend(form(phone).into_iter().map(|(k, v)| (k.to_string(), v)));
        f
    };
    let bad = post_form("电话");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let p = prov.post("/provider", &bad).await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("id=\"application-contact_phone-error\""), "{}", p.body);
    assert!(p.body.contains("value=\"patent\" checked"), "{}", p.body);
    let good = post_form("0551-66661234");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let p = prov.post("/provider", &good).await;
    assert_eq!((p.status, p.location.as_str()), (303, "/provider?done=saved"), "{}", p.body);
    let me = app.get("/api/v1/provider/profile", Some(&prov_token)).await;
    assert_eq!(
        (me.body["categories"].clone(), me.body["listing_status"].clone()),
        (json!(["patent"]), json!("returned"))
    );
    let pp = prov.get("/provider").await;
    let p = prov.post("/provider/resubmit", &[("csrf", &Browser::csrf(&pp))]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let me = app.get("/api/v1/provider/profile", Some(&prov_token)).await;
    assert_eq!(me.body["listing_status"], "applied");

    // In English too.
    let pp = prov.get("/provider?lang=en").await;
    assert!(pp.body.contains("Application details"), "{}", pp.body);
}
