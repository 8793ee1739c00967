//! The public disclosure pages (公示): Chinese first, English on request, escaped, with
//! CSV and JSON beside each, and the headers every page carries.

use crate::helpers::{new_credit_code, space_body, spawn_app};
use crate::subsidies::{certify, compute, month_start_after};
use hechuang::domain::Role;
use serde_json::json;

async fn page(app: &crate::helpers::TestApp, path: &str) -> (u16, String, String, String) {
    let (status, headers, bytes) = app.get_bytes(path, None).await;
    let h = |n: &str| {
        headers
            .get(n)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let ct = h("content-type");
    let csp = format!(
        "{} | {}",
        h("content-security-policy"),
        h("x-content-type-options")
    );
    (status.as_u16(), ct, csp, String::from_utf8(bytes).unwrap())
}

#[actix_web::test]
async fn the_public_pages_disclose_certifications_and_subsidies_in_chinese_first() {
    let app = spawn_app().await;
    let (status, ct, headers, html) = page(&app, "/").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(
        html.contains("<html lang=\"zh-CN\">") && html.contains("信息公示"),
        "{html}"
    );
    assert!(
        headers.contains("frame-ancestors 'none'") && headers.contains("script-src 'none'"),
        "{headers}"
    );
    assert!(headers.ends_with("nosniff"), "{headers}");
    let (_, _, _, en) = page(&app, "/?lang=en").await;
    assert!(
        en.contains("<html lang=\"en\">") && en.contains("Public disclosure"),
        "{en}"
    );
    assert!(
        en.contains("href=\"/public/subsidies?lang=en\""),
        "links keep the language"
    );
    let (status, ct, _, css) = page(&app, "/static/app.css").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/css") && css.contains("--brand"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external assets"
    );

    // A space whose name would be markup is shown as text.
    let code = new_credit_code();
    let mut body = space_body("wp_inc", &code);
    body["name"] = json!("<script>alert(1)</script>孵化器");
    body["bank_name"] = json!("中国银行合肥分行");
    body["bank_account_name"] = json!("wp孵化器");
    body["bank_account_no"] = json!("6217000010001234567");
    let r = app.post("/api/v1/registrations/space", None, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let tok = app.token("wp_inc").await;
    let reviewer = app.staff_token("wp_reviewer", Role::Reviewer).await;
    certify(&app, &tok, &reviewer, "provincial_incubator").await;

    let (status, _, _, html) = page(&app, "/public/certifications").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;孵化器"),
        "{html}"
    );
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("省级科技企业孵化器") && html.contains(&code) && html.contains("有效"));
    assert!(html.contains("共 1 项"));
    let (_, _, _, en) = page(&app, "/public/certifications?lang=en").await;
    assert!(
        en.contains("in force") && en.contains("Certified on"),
        "{en}"
    );
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
    assert_eq!(
        r.body, api.body["items"],
        "the feed is the API's list, whole"
    );

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
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (400, "page_invalid"),
        "{}",
        r.body
    );
}
