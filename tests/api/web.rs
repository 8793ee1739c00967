//! The public disclosure pages (公示): Chinese first, English on request, escaped, with
//! CSV and JSON beside each, and the headers every page carries.

use crate::helpers::{new_credit_code, space_body, spawn_app};
use crate::subsidies::{certify, compute, month_start_after};
use hechuang::domain::Role;
use serde_json::json;

async fn page(app: &crate::helpers::TestApp, path: &str) -> (u16, String, String, String) {
    let (status, headers, bytes) = app.get_bytes(path, None).await;
    let h = |n: &str| headers.get(n).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let ct = h("content-type");
    let csp = format!("{} | {}", h("content-security-policy"), h("x-content-type-options"));
    (status.as_u16(), ct, csp, String::from_utf8(bytes).unwrap())
}

#[actix_web::test]
async fn the_public_pages_disclose_certifications_and_subsidies_in_chinese_first() {
    let app = spawn_app().await;
    let (status, ct, headers, html) = page(&app, "/").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(html.contains("<html lang=\"zh-CN\">") && html.contains("信息公示"), "{html}");
    assert!(
        headers.contains("frame-ancestors 'none'") && headers.contains("script-src 'self'"),
        "{headers}"
    );
    assert!(headers.ends_with("nosniff"), "{headers}");
    let (_, _, _, en) = page(&app, "/?lang=en").await;
    assert!(en.contains("<html lang=\"en\">") && en.contains("Public disclosure"), "{en}");
    assert!(en.contains("href=\"/public/subsidies?lang=en\""), "links keep the language");
    let (status, ct, _, css) = page(&app, "/static/app.css").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/css") && css.contains("--brand"));
    assert!(!html.contains("http://") && !html.contains("https://"), "no external assets");

    // A space whose name would be markup is shown as text.
    let code = new_credit_code();
    let mut body = space_body("wp_inc", &code);
    body["name"] = json!("<script>alert(1)</script>孵化器");
    body["bank_name"] = json!("中国银行合肥分行");
    body["bank_account_name"] = json!("wp孵化器");
    body["bank_account_no"] = json!("6217000010001234567");
    let r = app.post("/api/v1/registrations/space", None, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.verify_contact(&r.body).await;
    let tok = app.token("wp_inc").await;
    let reviewer = app.staff_token("wp_reviewer", Role::Reviewer).await;
    certify(&app, &tok, &reviewer, "provincial_incubator").await;

    let (status, _, _, html) = page(&app, "/public/certifications").await;
    assert_eq!(status, 200);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;孵化器"), "{html}");
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("省级科技企业孵化器") && html.contains(&code) && html.contains("有效"));
    assert!(html.contains("共 1 项"));
    let (_, _, _, en) = page(&app, "/public/certifications?lang=en").await;
    assert!(en.contains("In force") && en.contains("Certified on"), "{en}");
    let (status, ct, _, csv) = page(&app, "/public/certifications.csv").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/csv"));
    let csv = csv.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "载体名称,统一社会信用代码,认定（备案）类型,级别,认定日期,有效期至,状态,撤销日期"
    );
    assert!(
        lines[1].contains(&code) && lines[1].contains("provincial") && lines[1].contains("有效"),
        "{csv}"
    );
    let r = app.get("/public/certifications.json", None).await;
    let api = app.get("/api/v1/public/certifications", None).await;
    assert_eq!(r.body, api.body["items"], "the feed is the API's list, whole");

    // The award in notice, on the subsidies page.
    app.clock.advance(month_start_after(&app));
    let reviewer = app.token("wp_reviewer").await;
    compute(&app, &reviewer).await;
    let (_, _, _, html) = page(&app, "/public/subsidies").await;
    assert!(
        html.contains("科技企业孵化器认定一次性奖励")
            && html.contains("500000.00")
            && html.contains("公示中"),
        "{html}"
    );
    let (_, _, _, en) = page(&app, "/public/subsidies?lang=en").await;
    assert!(en.contains("in public notice"), "{en}");
    let (_, _, _, csv) = page(&app, "/public/subsidies.csv").await;
    assert!(csv.contains(&code) && csv.contains("500000.00"), "{csv}");
    let r = app.get("/public/subsidies.json", None).await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert_eq!(r.body[0]["amount"], "500000.00");

    // Bad paging is refused plainly.
    let r = app.get("/public/subsidies?page=0", None).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "page_invalid"), "{}", r.body);
}

/// Posts a form from `page` (its token with the fields), as its submit button would.
pub async fn post(b: &mut Browser, page: &Page, path: &str, form: &[(&str, &str)]) -> Page {
    let csrf = Browser::csrf(page);
    let mut f: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    f.extend_from_slice(form);
    b.post(path, &f).await
}

/// A browser: no redirects followed, cookies kept by hand.
pub struct Browser {
    client: awc::Client,
    base: String,
    pub jar: std::collections::BTreeMap<String, String>,
}

pub struct Page {
    pub status: u16,
    pub location: String,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Browser {
    pub fn new(app: &crate::helpers::TestApp) -> Browser {
        Browser {
            client: awc::Client::builder().disable_redirects().finish(),
            base: app.url(""),
            jar: Default::default(),
        }
    }
    fn cookie_header(&self) -> String {
        self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
    fn keep(&mut self, status: u16, headers: &awc::http::header::HeaderMap, body: &[u8]) -> Page {
        let set_cookies: Vec<String> =
            headers.get_all("set-cookie").map(|v| v.to_str().unwrap().to_string()).collect();
        for c in &set_cookies {
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || c.contains("Max-Age=0") {
                self.jar.remove(k);
            } else {
                self.jar.insert(k.to_string(), v.to_string());
            }
        }
        let location =
            headers.get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        Page { status, location, set_cookies, body: String::from_utf8_lossy(body).into_owned() }
    }
    pub async fn get(&mut self, path: &str) -> Page {
        let mut res = self
            .client
            .get(format!("{}{path}", self.base))
            .insert_header(("cookie", self.cookie_header()))
            .send()
            .await
            .unwrap();
        let body = res.body().await.unwrap();
        self.keep(res.status().as_u16(), res.headers(), &body)
    }
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let mut res = self
            .client
            .post(format!("{}{path}", self.base))
            .insert_header(("cookie", self.cookie_header()))
            .send_form(&form)
            .await
            .unwrap();
        let body = res.body().await.unwrap();
        self.keep(res.status().as_u16(), res.headers(), &body)
    }
    /// A `multipart/form-data` post: text fields, then one file.
    pub async fn post_file(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
    ) -> Page {
        let boundary = "hcBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        let (name, file_name, bytes) = file;
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut res = self
            .client
            .post(format!("{}{path}", self.base))
            .insert_header(("cookie", self.cookie_header()))
            .insert_header(("content-type", format!("multipart/form-data; boundary={boundary}")))
            .send_body(body)
            .await
            .unwrap();
        let body = res.body().limit(64 << 20).await.unwrap();
        self.keep(res.status().as_u16(), res.headers(), &body)
    }
    /// Signs in with a token as a page session would hold it.
    pub fn signed_in(app: &crate::helpers::TestApp, token: &str) -> Browser {
        let mut b = Browser::new(app);
        b.jar.insert("hc_access".into(), token.to_string());
        b
    }
    pub fn csrf(page: &Page) -> String {
        let at = page.body.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
        page.body[at..at + 64].to_string()
    }
}

#[actix_web::test]
async fn a_user_signs_in_changes_the_password_and_signs_out_through_the_pages() {
    let app = spawn_app().await;
    app.staff("wp_fin", Role::Finance);
    let mut b = Browser::new(&app);

    // Not signed in: the account page sends to sign-in.
    let p = b.get("/account").await;
    assert_eq!((p.status, p.location.as_str()), (303, "/login?next=/account"));
    let p = b.get("/login").await;
    assert_eq!(p.status, 200);
    let csrf_cookie = p.set_cookies.iter().find(|c| c.starts_with("hc_csrf=")).unwrap();
    assert!(
        csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Strict"),
        "{csrf_cookie}"
    );
    let token = Browser::csrf(&p);

    // Without the form's token nothing happens.
    let p =
        b.post("/login", &[("username", "wp_fin"), ("password", crate::helpers::PASSWORD)]).await;
    assert_eq!(p.status, 403);
    assert!(p.body.contains("页面已过期") && !b.jar.contains_key("hc_access"), "{}", p.body);
    // A wrong password: the error by the field, the username kept.
    let p = b
        .post(
            "/login",
            &[("csrf", &token), ("username", "wp_fin"), ("password", "wrong-password-1")],
        )
        .await;
    assert_eq!(p.status, 401);
    assert!(
        p.body.contains("value=\"wp_fin\"") && p.body.contains("id=\"password-error\""),
        "{}",
        p.body
    );
    assert!(p.body.contains("用户名或密码"), "{}", p.body);
    assert!(!b.jar.contains_key("hc_access"));
    // Right: a session in HttpOnly cookies, and on to where the user was going.
    let p = b
        .post(
            "/login",
            &[
                ("csrf", &token),
                ("username", "wp_fin"),
                ("password", crate::helpers::PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!((p.status, p.location.as_str()), (303, "/home"), "an outside next is ignored");
    let access = p.set_cookies.iter().find(|c| c.starts_with("hc_access=")).unwrap();
    assert!(
        access.contains("HttpOnly")
            && access.contains("SameSite=Lax")
            && !access.contains("Secure"),
        "{access}"
    );
    let p = b.get("/account").await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("财务人员") && p.body.contains("wp_fin"), "{}", p.body);

    // The access token expires; the refresh token renews the session.
    app.clock.advance(chrono::Duration::minutes(20));
    let old_refresh = b.jar["hc_refresh"].clone();
    let p = b.get("/account").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.set_cookies.iter().any(|c| c.starts_with("hc_access=")));
    assert_ne!(b.jar["hc_refresh"], old_refresh, "rotated");

    // Password change: a wrong current password is shown by its field.
    let token = Browser::csrf(&p);
    let p = b
        .post(
            "/account/password",
            &[
                ("csrf", &token),
                ("current_password", "nope-nope-1"),
                ("new_password", "Another-Pass-2027"),
            ],
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(
        p.body.contains("id=\"current-error\"") && p.body.contains("当前密码不正确"),
        "{}",
        p.body
    );
    let p = b
        .post(
            "/account/password",
            &[
                ("csrf", &token),
                ("current_password", crate::helpers::PASSWORD),
                ("new_password", "Another-Pass-2027"),
            ],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("密码已修改"));
    assert_eq!(app.login("wp_fin", crate::helpers::PASSWORD).await.status, 401);
    assert_eq!(b.get("/account").await.status, 200, "this browser stays signed in");

    // Sign out: cookies gone, the refresh token revoked.
    let refresh = b.jar["hc_refresh"].clone();
    let p = b.post("/logout", &[("csrf", "0".repeat(64).as_str())]).await;
    assert_eq!(p.status, 403, "a forged sign-out does nothing");
    let p = b.post("/logout", &[("csrf", &token)]).await;
    assert_eq!((p.status, p.location.as_str()), (303, "/logout"));
    assert!(!b.jar.contains_key("hc_access") && !b.jar.contains_key("hc_refresh"));
    assert_eq!(b.get("/account").await.status, 303);
    let r = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": refresh})).await;
    assert_eq!(r.status, 401);
}

#[actix_web::test]
async fn a_firm_sees_the_opening_claims_with_one_press_and_finds_its_voucher() {
    let app = spawn_app().await;
    let admin = app.staff_token("wf_admin", Role::Admin).await;
    let batch_id =
        crate::claims::batch(&app, &admin, json!({}), json!({"budget": "100000.00"})).await;
    let firm = crate::claims::bulk_firms(&app, 1, "small", true, None).remove(0);
    let mut b = Browser::new(&app);

    // Before the opening: the time and what is left, no button; the countdown script is ours.
    let p = b.get("/batches").await;
    assert_eq!(p.status, 200);
    assert!(
        p.body.contains("第一期")
            && p.body.contains("即将开抢")
            && p.body.contains("data-countdown"),
        "{}",
        p.body
    );
    assert!(
        p.body.contains("剩余 <strong>100,000.00</strong> 元") && p.body.contains("登录后领取</a>")
    );
    assert!(p.body.contains("<script src=\"/static/app.js\" defer></script>"));
    let (status, _, _, js) = page(&app, "/static/app.js").await;
    assert!(status == 200 && js.contains("data-countdown"));
    b.jar.insert("hc_access".into(), firm.token.clone());
    let p = b.get("/batches").await;
    assert!(!p.body.contains("立即领取"), "not open yet");

    // Open: one press, a plain answer.
    app.clock.advance(chrono::Duration::hours(1));
    let p = b.get("/batches").await;
    assert!(p.body.contains("领取中") && p.body.contains("立即领取"), "{}", p.body);
    let csrf = Browser::csrf(&p);
    let at = p.body.find("name=\"key\" value=\"").unwrap() + 18;
    let key = p.body[at..at + 36].to_string();
    let url = format!("/batches/{batch_id}/claim");
    let form = [("csrf", csrf.as_str()), ("key", key.as_str()), ("face_value", "50000.00")];
    let p = b.post(&url, &[("key", key.as_str()), ("face_value", "50000.00")]).await;
    assert_eq!(p.status, 403, "no csrf, no claim");
    let p = b.post(&url, &form).await;
    assert_eq!(p.status, 201, "{}", p.body);
    assert!(p.body.contains("成功") && p.body.contains("50,000.00"), "{}", p.body);
    let vouchers = app.get("/api/v1/firm/vouchers", Some(&firm.token)).await;
    let code = vouchers.body[0]["code"].as_str().unwrap().to_string();
    assert!(p.body.contains(&code));
    // Pressed twice: the same answer, one voucher.
    let p = b.post(&url, &form).await;
    assert_eq!(p.status, 201);
    assert!(p.body.contains(&code));
    // The page now says it is claimed and offers no second button.
    let p = b.get("/batches").await;
    assert!(
        p.body.contains("data-state=\"already_claimed\"") && !p.body.contains("name=\"key\""),
        "{}",
        p.body
    );
    // A form kept open from before: refused, and why.
    let other = "b8f0c7e2-0000-4000-8000-000000000001".to_string();
    let p = b
        .post(&url, &[("csrf", csrf.as_str()), ("key", other.as_str()), ("face_value", "50000.00")])
        .await;
    assert_eq!(p.status, 409, "{}", p.body);
    assert!(p.body.contains("未领取") && p.body.contains("您已领取过本期合创券"), "{}", p.body);
    assert_eq!(
        app.get("/api/v1/firm/vouchers", Some(&firm.token)).await.body.as_array().unwrap().len(),
        1
    );
    assert!(b.get("/batches").await.body.contains("剩余 <strong>50,000.00</strong> 元"));

    let p = b.get("/my/vouchers").await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains(&code) && p.body.contains("可使用"), "{}", p.body);
    let mut anon = Browser::new(&app);
    let p = anon.post(&url, &form).await;
    assert_eq!((p.status, p.location.as_str()), (303, "/login?next=/batches"));
    assert_eq!(anon.get("/my/vouchers").await.status, 303);
}

#[actix_web::test]
async fn anyone_objects_to_a_provider_in_notice_and_bad_input_is_shown_by_its_field() {
    let app = spawn_app().await;
    let id = app.register_provider("wn_ip").await;
    let rev = app.staff_token("wn_rev", Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/providers/{id}/listing"),
            Some(&rev),
            &json!({"action": "start_notice"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut b = Browser::new(&app);
    let p = b.get("/public/provider-notices").await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("服务机构入库公示") && p.body.contains("提出异议"), "{}", p.body);
    assert!(p.body.contains("专利"), "categories by name: {}", p.body);
    let csrf = Browser::csrf(&p);
    let url = format!("/public/provider-notices/{id}/objection");

    // Missing reason: the error by the field, what was typed kept, nothing stored.
    let p = b
        .post(
            &url,
            &[
                ("csrf", csrf.as_str()),
                ("objector_name", "张三"),
                ("objector_contact", "13800000000"),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains(&format!("id=\"reason-{id}-error\"")), "{}", p.body);
    assert!(p.body.contains("value=\"张三\"") && p.body.contains("value=\"13800000000\""));
    assert!(p.body.contains("<details open>"));
    assert_eq!(app.count("provider_objections"), 0);
    // Without the token: refused, kept.
    let p = b
        .post(
            &url,
            &[("objector_name", "张三"), ("objector_contact", "13800000000"), ("reason", "无资质")],
        )
        .await;
    assert_eq!(p.status, 403);
    assert!(p.body.contains("页面已过期") && p.body.contains("无资质"));
    assert_eq!(app.count("provider_objections"), 0);
    let p = b
        .post(
            &url,
            &[
                ("csrf", csrf.as_str()),
                ("objector_name", "张三"),
                ("objector_contact", "13800000000"),
                ("reason", "该机构无专利代理资质"),
            ],
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.body);
    assert!(p.body.contains("异议已收到"));
    assert_eq!(app.count("provider_objections"), 1);
}

#[actix_web::test]
async fn approved_redemptions_are_published_with_their_objection_form() {
    let app = spawn_app().await;
    let w = crate::orders::world(&app, "wrx").await;
    let order = w.confirmed_order(&app, "8000.00").await;
    let r = app
        .post(
            "/api/v1/provider/redemptions",
            Some(&w.provider_token),
            &json!({"order_ids": [order]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let item = r.body["items"][0]["id"].as_str().unwrap().to_string();
    let rev = app.staff_token("wrx_rev", Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/redemption-items/{item}/decision"),
            Some(&rev),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let api = app.get("/api/v1/public/redemption-notices", None).await;
    let amount = api.body["items"][0]["amount"].as_str().unwrap().to_string();

    let mut b = Browser::new(&app);
    let p = b.get("/public/redemption-notices").await;
    assert_eq!(p.status, 200);
    assert!(
        p.body.contains("合创券兑现公示")
            && p.body.contains(&format!(
                "兑现金额：{} 元",
                hechuang::domain::money::group_digits(&amount)
            )),
        "{}",
        p.body
    );
    let csrf = Browser::csrf(&p);
    let url = format!("/public/redemption-notices/{item}/objection");
    let p = b
        .post(
            &url,
            &[
                ("csrf", csrf.as_str()),
                ("objector_name", ""),
                ("objector_contact", "13800000000"),
                ("reason", "服务未实际提供"),
            ],
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(
        p.body.contains(&format!("id=\"objector_name-{item}-error\""))
            && p.body.contains("服务未实际提供"),
        "{}",
        p.body
    );
    assert_eq!(app.count("redemption_objections"), 0);
    let p = b
        .post(
            &url,
            &[
                ("csrf", csrf.as_str()),
                ("objector_name", "李四"),
                ("objector_contact", "13800000000"),
                ("reason", "服务未实际提供"),
            ],
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.body);
    assert_eq!(app.count("redemption_objections"), 1);
}

#[actix_web::test]
async fn a_batch_publishes_who_claimed_with_the_claim_curve_and_its_numbers() {
    let app = spawn_app().await;
    let admin = app.staff_token("wb_admin", Role::Admin).await;
    let batch_id =
        crate::claims::batch(&app, &admin, json!({}), json!({"budget": "150000.00"})).await;
    let firms = crate::claims::bulk_firms(&app, 2, "small", true, None);
    app.clock.advance(chrono::Duration::hours(1));
    for (i, f) in firms.iter().enumerate() {
        app.clock.advance(chrono::Duration::seconds(30 * (i as i64 + 1)));
        let r = app
            .post(&format!("/api/v1/batches/{batch_id}/claims"), Some(&f.token), &json!({}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let (status, _, _, html) = page(&app, &format!("/public/batches/{batch_id}/results")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("第一期 领取结果公示")
            && html.contains("合肥测试企业0")
            && html.contains("合肥测试企业1"),
        "{html}"
    );
    assert!(
        html.contains("<svg class=\"chart\"")
            && html.contains("<polyline class=\"curve\" points=\"40.0,220.0"),
        "{html}"
    );
    assert!(html.contains("用时 1 分 30 秒"), "the last claim 90 s after opening: {html}");
    assert!(
        html.contains("剩余 50,000.00 元") && html.contains("已领 2 张、100,000.00 元"),
        "{html}"
    );
    assert!(
        html.contains("<td class=\"num\">2</td><td class=\"num\">100,000.00</td>"),
        "the table beside the chart: {html}"
    );
    let (_, ct, _, csv) = page(&app, &format!("/public/batches/{batch_id}/results.csv")).await;
    assert!(ct.starts_with("text/csv"));
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 6, "header, two vouchers, three summary rows: {csv}");
    // The budget, claimed total and remainder the page shows, as companion rows.
    assert_eq!(lines[3], "预算合计 budget,,,150000.00,");
    assert_eq!(lines[4], "已领合计 claimed,,,100000.00,");
    assert_eq!(lines[5], "剩余 remaining,,,50000.00,");
    let r = app.get(&format!("/public/batches/{batch_id}/results.json"), None).await;
    assert_eq!(r.body["results"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["results"][0]["seq"], 1);
    assert_eq!(r.body["summary"]["budget"], "150000.00");
    assert_eq!(r.body["summary"]["claimed"], "100000.00");
    assert_eq!(r.body["summary"]["remaining"], "50000.00");
    assert_eq!(r.body["summary"]["vouchers_claimed"], 2);
    assert_eq!(r.body["summary"]["claimants"], 2);
    let unknown = hechuang::domain::new_id();
    let (status, _, _, _) = page(&app, &format!("/public/batches/{unknown}/results")).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn a_space_sees_its_certification_each_criterion_and_its_entitlements() {
    let app = spawn_app().await;
    let (_, _, tok) = crate::subsidies::space(&app, "ws_inc").await;
    let reviewer = app.staff_token("ws_reviewer", Role::Reviewer).await;
    certify(&app, &tok, &reviewer, "provincial_incubator").await;
    let mut b = Browser::new(&app);
    assert_eq!(b.get("/space").await.location, "/login?next=/space");
    let p = b.get("/login?next=/space").await;
    let csrf = Browser::csrf(&p);
    let p = b
        .post(
            "/login",
            &[
                ("csrf", csrf.as_str()),
                ("username", "ws_inc"),
                ("password", crate::helpers::PASSWORD),
                ("next", "/space"),
            ],
        )
        .await;
    assert_eq!((p.status, p.location.as_str()), (303, "/space"));
    let p = b.get("/space").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains("省级科技企业孵化器")
            && p.body.contains("有效")
            && p.body.contains("已认定"),
        "{}",
        p.body
    );
    assert!(
        p.body.contains("运营满 2 年") && p.body.contains("达标"),
        "every criterion: {}",
        p.body
    );
    assert!(p.body.contains("不适用"), "the municipal prerequisite does not apply: {}", p.body);
    assert!(
        p.body.contains("<span class=\"tag ok\">达标</span>"),
        "a criterion met is marked as met: {}",
        p.body
    );
    // In English, each criterion's requirement and figures too (no 年, 个, 元 or 是).
    let en = b.get("/space?lang=en").await;
    let table = en
        .body
        .split("<table>")
        .find(|t| t.contains("Criterion"))
        .and_then(|t| t.split("</table>").next())
        .unwrap_or_default();
    assert!(
        table.contains("<span class=\"tag ok\">Met</span>")
            && !table.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "the criteria in English: {table}"
    );
    assert!(
        en.body.contains("<td>Provincial technology business incubator</td>")
            && en.body.contains("<td>From 20"),
        "the scheme by its English name, the months of support in English: {}",
        en.body
    );
    assert!(b.get("/space?lang=zh").await.body.contains("<html lang=\"zh-CN\">"));
    app.clock.advance(month_start_after(&app));
    let reviewer = app.token("ws_reviewer").await;
    compute(&app, &reviewer).await;
    // A month on, past the refresh token's 14 days: signed out, sign in again.
    let p = b.get("/space").await;
    assert_eq!((p.status, p.location.as_str()), (303, "/login?next=/space"));
    let p = b.get("/login?next=/space").await;
    let csrf = Browser::csrf(&p);
    let p = b
        .post(
            "/login",
            &[
                ("csrf", csrf.as_str()),
                ("username", "ws_inc"),
                ("password", crate::helpers::PASSWORD),
                ("next", "/space"),
            ],
        )
        .await;
    assert_eq!(p.status, 303);
    let p = b.get("/space").await;
    assert_eq!(p.status, 200);
    assert!(
        p.body.contains("科技企业孵化器认定一次性奖励")
            && p.body.contains("500000.00")
            && p.body.contains("公示中"),
        "{}",
        p.body
    );
    // Another role is told plainly that the page is not theirs.
    let mut f = Browser::new(&app);
    f.jar.insert("hc_access".into(), reviewer.clone());
    let p = f.get("/space").await;
    assert_eq!(p.status, 403);
    assert!(p.body.contains("无权访问"), "{}", p.body);
}

/// `next` after signing in is a path on this site or nothing: a tab, line break or
/// backslash that a browser would drop or turn into `//another.host` sends the person
/// to their own page instead.
#[actix_web::test]
async fn sign_in_never_sends_anyone_to_another_site() {
    let app = spawn_app().await;
    app.staff("redir", Role::Reviewer);
    for evil in [
        "/%09/evil.example",
        "/%0A/evil.example",
        "/%0D/evil.example",
        "/%0B/evil.example",
        "/%5C/evil.example",
        "//evil.example",
        "/%20/evil.example",
    ] {
        let mut b = Browser::new(&app);
        let p = b.get(&format!("/login?next={evil}")).await;
        assert_eq!(p.status, 200);
        assert!(!p.body.contains("evil.example"), "{evil}: {}", p.body);
        let csrf = Browser::csrf(&p);
        let raw = evil
            .replace("%09", "\t")
            .replace("%0A", "\n")
            .replace("%0D", "\r")
            .replace("%0B", "\u{b}")
            .replace("%5C", "\\")
            .replace("%20", " ");
        let p = b
            .post(
                "/login",
                &[
                    ("csrf", csrf.as_str()),
                    ("username", "redir"),
                    ("password", crate::helpers::PASSWORD),
                    ("next", raw.as_str()),
                ],
            )
            .await;
        assert_eq!((p.status, p.location.as_str()), (303, "/home"), "{evil}");
    }
}
