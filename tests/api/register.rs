//! Registration on pages (issue 21): a firm, a provider and a space register through
//! forms that take the API's own fields and rules; every refused field is shown beside
//! the field at once with what was typed kept (never the password); registered, the
//! person is signed in and the 工作台 shows where the application stands, and the
//! reviewer's desk counts it.

use crate::helpers::{new_credit_code, spawn_app, TestApp, PASSWORD};
use crate::web::{Browser, Page};
use hechuang::domain::Role;

async fn form(b: &mut Browser, path: &str) -> (Page, String) {
    let p = b.get(path).await;
    assert_eq!(p.status, 200, "{path}: {}", p.body);
    let csrf = Browser::csrf(&p);
    (p, csrf)
}

fn firm_fields<'a>(username: &'a str, code: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("username", username),
        ("password", PASSWORD),
        ("email", "owner@example.cn"),
        ("credit_code", code),
        ("name", "合肥网页注册科技有限公司"),
        ("legal_representative", "王五"),
        ("actual_controller", "王五"),
        ("registered_on", "2022-03-01"),
        ("address", "合肥市高新区创新大道1号"),
        ("district", "340171"),
        ("industry", "software_it"),
        ("employees", "15"),
        ("revenue", "1200000.00"),
        ("contact_name", "赵六"),
        ("contact_phone", "0551-65550000"),
        ("contact_email", "contact@example.cn"),
    ]
}

fn count_of(body: &str, kind: &str) -> i64 {
    let at = body.find(&format!("data-kind=\"{kind}\"")).unwrap();
    let rest = &body[at..];
    let c = rest.find("class=\"count\">").unwrap() + 14;
    rest[c..c + rest[c..].find('<').unwrap()].parse().unwrap()
}

/// The applicant opens the emailed verification link and confirms on the page.
pub async fn follow_verification_link(b: &mut Browser, app: &TestApp, email: &str, username: &str) {
    let token = app.verification_token(email, username);
    let (p, csrf) = form(b, &format!("/verify?token={token}")).await;
    assert!(p.body.contains("id=\"confirm-verification\""), "{}", p.body);
    let p = b.post("/verify", &[("csrf", csrf.as_str()), ("token", token.as_str())]).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("联系邮箱已验证"), "{}", p.body);
}

async fn reviewer_counts(app: &TestApp, token: &str, kind: &str) -> i64 {
    count_of(&Browser::signed_in(app, token).get("/home").await.body, kind)
}

#[actix_web::test]
async fn a_firm_registers_on_the_page_with_every_error_beside_its_field() {
    let app = spawn_app().await;
    let reviewer = app.staff_token("reg_rev", Role::Reviewer).await;
    let before = reviewer_counts(&app, &reviewer, "firms_to_onboard").await;
    let mut b = Browser::new(&app);
    // Found by links from the home page.
    let home = b.get("/").await;
    assert!(home.body.contains("href=\"/register\""), "{}", home.body);
    let p = b.get("/register").await;
    assert!(
        p.body.contains("href=\"/register/firm\"")
            && p.body.contains("href=\"/register/provider\"")
            && p.body.contains("href=\"/register/space\"")
    );
    let (p, csrf) = form(&mut b, "/register/firm").await;
    assert!(
        p.body.contains("data-credit-code") && p.body.contains("src=\"/static/app.js\""),
        "the code is checked as it is typed: {}",
        p.body
    );

    // Everything wrong at once: each error beside its field, what was typed kept.
    let p = b
        .post(
            "/register/firm",
            &[
                ("csrf", csrf.as_str()),
                ("username", "reg_firm"),
                ("password", "short"),
                ("credit_code", "91340100MA2NXXXX0Y"),
                ("name", "合肥留下的名字有限公司"),
                ("employees", "many"),
            ],
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    for field in [
        "password",
        "credit_code",
        "legal_representative",
        "actual_controller",
        "registered_on",
        "address",
        "district",
        "industry",
        "employees",
        "revenue",
        "contact_name",
        "contact_phone",
        "contact_email",
    ] {
        assert!(p.body.contains(&format!("id=\"r-{field}-error\"")), "{field}: {}", p.body);
    }
    assert!(
        p.body.contains("value=\"合肥留下的名字有限公司\"")
            && p.body.contains("value=\"reg_firm\""),
        "typed values kept: {}",
        p.body
    );
    assert!(!p.body.contains("value=\"short\""), "never the password");
    assert_eq!(app.count("firms WHERE name = '合肥留下的名字有限公司'"), 0);

    // Right: signed in, on the 工作台, the application in review; the reviewer counts it.
    let code = new_credit_code();
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend(firm_fields("reg_firm", &code));
    let p = b.post("/register/firm", &fields).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location, "/home?done=registered");
    let p = b.get(&p.location).await;
    assert_eq!(p.status, 200, "{}", p.body);
    // Not in review until the contact address answers its link.
    assert!(
        p.body.contains("申请已提交") && p.body.contains("请先验证联系邮箱，验证后进入审核"),
        "{}",
        p.body
    );
    assert!(p.body.contains("id=\"resend-verification\""), "{}", p.body);
    assert_eq!(reviewer_counts(&app, &reviewer, "firms_to_onboard").await, before);
    follow_verification_link(&mut b, &app, "contact@example.cn", "reg_firm").await;
    let p = b.get("/home").await;
    assert!(p.body.contains("企业入驻申请已提交，正在审核"), "{}", p.body);
    assert!(!p.body.contains("id=\"resend-verification\""), "{}", p.body);
    assert_eq!(reviewer_counts(&app, &reviewer, "firms_to_onboard").await, before + 1);
    // The same code again: refused at the field.
    let mut b2 = Browser::new(&app);
    let (_, csrf) = form(&mut b2, "/register/firm").await;
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend(firm_fields("reg_firm2", &code));
    let p = b2.post("/register/firm", &fields).await;
    assert_eq!(p.status, 409, "{}", p.body);
    assert!(p.body.contains("id=\"r-credit_code-error\""), "{}", p.body);
    // Without the page's token nothing is registered.
    let mut fields = vec![("csrf", "0")];
    let other = new_credit_code();
    fields.extend(firm_fields("reg_firm3", &other));
    let p = Browser::new(&app).post("/register/firm", &fields).await;
    assert_eq!(p.status, 403);
    assert_eq!(app.count("users WHERE username = 'reg_firm3'"), 0);
}

#[actix_web::test]
async fn a_provider_applies_with_its_categories_and_a_space_registers_on_the_pages() {
    let app = spawn_app().await;
    let reviewer = app.staff_token("reg_rev2", Role::Reviewer).await;
    let before = reviewer_counts(&app, &reviewer, "providers_to_review").await;
    let mut b = Browser::new(&app);
    let (p, csrf) = form(&mut b, "/register/provider").await;
    assert!(
        p.body.contains("type=\"checkbox\" name=\"categories\" value=\"patent\""),
        "{}",
        p.body
    );
    let code = new_credit_code();
    let base = vec![
        ("csrf", csrf.as_str()),
        ("username", "reg_prov"),
        ("password", PASSWORD),
        ("credit_code", code.as_str()),
        ("name", "合肥网页知识产权代理有限公司"),
        ("legal_representative", "钱七"),
        ("actual_controller", "钱七"),
        ("address", "合肥市高新区"),
        ("description", "专利申请代理与检索"),
        ("contact_name", "孙八"),
        ("contact_phone", "0551-65551111"),
        ("contact_email", "ip@example.cn"),
        ("bank_name", "中国银行合肥分行"),
        ("bank_account_name", "合肥网页知识产权代理有限公司"),
        ("bank_account_no", "6217000000000000001"),
    ];
    // No category: refused at the categories.
    let p = b.post("/register/provider", &base).await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("id=\"r-categories-error\""), "{}", p.body);
    let mut with_two = base.clone();
    with_two.push(("categories", "patent"));
    with_two.push(("categories", "testing"));
    with_two.push(("bank_account_no", ""));
    let p = b.post("/register/provider", &with_two[..with_two.len() - 1]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let p = b.get("/home").await;
    assert!(p.body.contains("入库申请已提交，请先验证联系邮箱"), "{}", p.body);
    assert_eq!(reviewer_counts(&app, &reviewer, "providers_to_review").await, before);
    follow_verification_link(&mut b, &app, "ip@example.cn", "reg_prov").await;
    let p = b.get("/home").await;
    assert!(p.body.contains("入库申请已提交，正在审核"), "{}", p.body);
    assert_eq!(reviewer_counts(&app, &reviewer, "providers_to_review").await, before + 1);
    assert_eq!(app.count("provider_categories WHERE category IN ('patent', 'testing')"), 2);

    // A space.
    let mut s = Browser::new(&app);
    let (p, csrf) = form(&mut s, "/register/space").await;
    assert!(p.body.contains("众创空间"), "{}", p.body);
    let code = new_credit_code();
    let p = s
        .post(
            "/register/space",
            &[
                ("csrf", csrf.as_str()),
                ("username", "reg_space"),
                ("password", PASSWORD),
                ("credit_code", code.as_str()),
                ("name", "合肥网页众创空间"),
                ("kind", "maker_space"),
                ("operator_name", "合肥网页运营有限公司"),
                ("legal_representative", "周九"),
                ("address", "合肥市高新区"),
                ("contact_name", "吴十"),
                ("contact_phone", "0551-65552222"),
                ("contact_email", "space@example.cn"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let p = s.get("/home").await;
    assert!(p.body.contains("请先验证联系邮箱，验证后才能提交认定申请"), "{}", p.body);
    follow_verification_link(&mut s, &app, "space@example.cn", "reg_space").await;
    let p = s.get("/home").await;
    assert!(p.body.contains("尚无有效的认定"), "{}", p.body);
    assert!(p.body.replace("&#x2f;", "/").contains("href=\"/space/apply\""), "{}", p.body);
}

/// The business licence goes with the application, in its transaction: a file that is no
/// document is refused at its field together with every other field's error, and nothing
/// is registered; a good one is the provider's business licence at once.
#[actix_web::test]
async fn a_provider_sends_its_business_licence_with_the_application() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    let (p, csrf) = form(&mut b, "/register/provider").await;
    assert!(
        p.body.contains("enctype=\"multipart/form-data\"") && p.body.contains("id=\"r-file\""),
        "{}",
        p.body
    );
    assert!(p.body.contains("营业执照（选填）"), "{}", p.body);
    let code = new_credit_code();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("username", "lic_prov"),
        ("password", PASSWORD),
        ("credit_code", code.as_str()),
        ("name", ""),
        ("legal_representative", "钱七"),
        ("actual_controller", "钱七"),
        ("address", "合肥市高新区"),
        ("description", "专利申请代理与检索"),
        ("categories", "patent"),
        ("contact_name", "孙八"),
        ("contact_phone", "0551-65551111"),
        ("contact_email", "lic@example.cn"),
        ("bank_name", "中国银行合肥分行"),
        ("bank_account_name", "合肥执照知识产权代理有限公司"),
        ("bank_account_no", "6217000000000000001"),
    ];
    let providers = app.count("providers");
    // An empty name and a file that is not a PDF, JPEG or PNG: both said, nothing kept.
    let p = b
        .post_file(
            "/register/provider",
            &fields,
            ("file", "licence.pdf", b"just some text".as_slice()),
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(
        p.body.contains("id=\"r-name-error\"") && p.body.contains("id=\"r-file-error\""),
        "{}",
        p.body
    );
    assert!(p.body.contains("有 2 处需要修改"), "{}", p.body);
    assert!(p.body.contains("value=\"钱七\""), "what was typed is kept");
    assert_eq!(app.count("providers"), providers);
    assert_eq!(app.count("party_documents"), 0);
    assert_eq!(app.count("users WHERE username = 'lic_prov'"), 0);

    // The same in English: the count is the message's.
    let (_, csrf) = form(&mut b, "/register/provider?lang=en").await;
    fields[0].1 = csrf.as_str();
    let p = b
        .post_file(
            "/register/provider",
            &fields,
            ("file", "licence.pdf", b"just some text".as_slice()),
        )
        .await;
    assert!(
        p.body.contains("There are 2 things to correct; see the note under each field."),
        "{}",
        p.body
    );

    // Corrected, with a real PDF: registered, and the licence is the provider's.
    let (_, csrf) = form(&mut b, "/register/provider?lang=zh").await;
    fields[0].1 = csrf.as_str();
    fields[4].1 = "合肥执照知识产权代理有限公司";
    let p = b
        .post_file("/register/provider", &fields, ("file", "营业执照.pdf", crate::orders::PDF))
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(app.count("providers"), providers + 1);
    assert_eq!(
        app.count(
            "party_documents WHERE party_kind = 'provider' AND kind = 'business_licence' \
             AND file_name = '营业执照.pdf'"
        ),
        1
    );
    let p = b.get("/documents").await;
    assert!(p.body.contains("营业执照.pdf") || p.body.contains("营业执照"), "{}", p.body);
    // The 工作台 no longer asks for the licence.
    let p = b.get("/home").await;
    assert!(!p.body.contains("id=\"licence-missing\""), "{}", p.body);
}
