//! Help and the authority's voice (issue 21): the rules page says what the system
//! applies (programme settings and the policy data in force); 办事指南 and common
//! questions; notices the administrator writes, publishes with attachments and
//! withdraws without a deploy, each step audited.

use crate::helpers::{spawn_app, spawn_app_with};
use crate::orders::PDF;
use crate::web::Browser;
use hechuang::domain::Role;
use serde_json::json;

#[actix_web::test]
async fn the_rules_page_says_what_the_system_applies() {
    let app = spawn_app().await;
    let admin = app.staff_token("gr_admin", Role::Admin).await;
    let r = app
        .post(
            "/api/v1/programmes",
            Some(&admin),
            &json!({"code": "HCRULES", "name": "合创券规则项目", "gate_used_share": "0.75"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut b = Browser::new(&app);
    // Found from the home page.
    let home = b.get("/").await;
    assert!(home.body.contains("href=\"/guide\""), "{}", home.body);
    let p = b.get("/guide").await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("href=\"/guide/rules\"") && p.body.contains("企业注册"), "{}", p.body);
    let p = b.get("/guide/rules").await;
    assert_eq!(p.status, 200, "{}", p.body);
    for text in [
        "合创券规则项目",
        "50%",
        "75%",
        "12 个月",
        "微型企业、小型企业",
        "5,000.00",
        "国家级科技企业孵化器",
    ] {
        assert!(p.body.contains(text), "{text}: {}", p.body);
    }
    assert!(!p.body.contains("0.75") && !p.body.contains("co_payment"), "{}", p.body);
    let p = b.get("/guide/rules?lang=en").await;
    assert!(p.body.contains("Voucher share") && p.body.contains("Micro enterprise"), "{}", p.body);
}

/// A deployment that chose the national schemes shows no other region's scheme as a
/// basis.
#[actix_web::test]
async fn a_deployment_shows_only_the_schemes_it_chose() {
    let app = spawn_app_with(|s| {
        s.policy.schemes = vec!["national_incubator".into(), "national_maker_space".into()];
    })
    .await;
    let p = Browser::new(&app).get("/guide/rules").await;
    assert!(p.body.contains("国家级科技企业孵化器"), "{}", p.body);
    // Nor another city's subsidy rule (the shipped amounts are Fuzhou's).
    assert!(p.body.contains("科技企业孵化器认定一次性奖励"), "{}", p.body);
    for other in ["甘肃", "浙江", "上海", "福州", "省级众创空间"] {
        assert!(!p.body.contains(other), "{other}: {}", p.body);
    }
    let r = app.get("/api/v1/policy/certification-schemes", None).await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(2), "{}", r.body);
}

#[actix_web::test]
async fn an_admin_writes_publishes_and_withdraws_a_notice_with_an_attachment() {
    let app = spawn_app().await;
    let admin = app.staff_token("ga_admin", Role::Admin).await;
    let reviewer = app.staff_token("ga_rev", Role::Reviewer).await;
    assert_eq!(Browser::signed_in(&app, &reviewer).get("/admin/articles").await.status, 403);
    let mut adm = Browser::signed_in(&app, &admin);
    let page = adm.get("/admin/articles").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = Browser::csrf(&page);
    // No title: refused at the field, the body kept, nothing written.
    let p = adm
        .post(
            "/admin/articles",
            &[
                ("csrf", csrf.as_str()),
                ("kind", "notice"),
                ("title", ""),
                ("body", "第二批合创券将于下月开放。"),
            ],
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(
        p.body.contains("id=\"article-title-error\"")
            && p.body.contains("第二批合创券将于下月开放。"),
        "{}",
        p.body
    );
    assert_eq!(app.count("articles"), 0);
    let p = adm
        .post(
            "/admin/articles",
            &[
                ("csrf", csrf.as_str()),
                ("kind", "notice"),
                ("title", "关于第二批合创券申领的通知"),
                ("body", "第二批合创券将于下月开放。\n\n请符合条件的企业提前完成入驻。"),
                ("title_en", "The second batch of vouchers"),
                ("body_en", "The second batch opens next month."),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let id = p.location["/admin/articles/".len()..].split('?').next().unwrap().to_string();
    // A draft is not public.
    let mut public = Browser::new(&app);
    assert!(!public.get("/notices").await.body.contains("关于第二批合创券申领的通知"));
    assert_eq!(public.get(&format!("/notices/{id}")).await.status, 404);

    let p = adm.post(&format!("/admin/articles/{id}/publish"), &[("csrf", csrf.as_str())]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let home = public.get("/").await;
    assert!(home.body.contains("关于第二批合创券申领的通知"), "{}", home.body);
    let p = public.get(&format!("/notices/{id}")).await;
    assert_eq!(p.status, 200);
    assert!(
        p.body.contains("<p>第二批合创券将于下月开放。</p>")
            && p.body.contains("<p>请符合条件的企业提前完成入驻。</p>"),
        "paragraphs: {}",
        p.body
    );
    let p = public.get(&format!("/notices/{id}?lang=en")).await;
    assert!(p.body.contains("The second batch opens next month."));
    let _ = public.get("/?lang=zh").await;

    // Attachments: a PDF is kept and served; anything else is refused at the field.
    let p = adm
        .post_file(
            &format!("/admin/articles/{id}/files"),
            &[("csrf", csrf.as_str())],
            ("file", "申报指南.pdf", PDF),
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let p = adm
        .post_file(
            &format!("/admin/articles/{id}/files"),
            &[("csrf", csrf.as_str())],
            ("file", "setup.pdf", b"MZ\x90\x00 not a pdf"),
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("id=\"file-file-error\""), "{}", p.body);
    let p = public.get(&format!("/notices/{id}")).await;
    assert!(p.body.contains("申报指南.pdf"), "{}", p.body);
    let at = p.body.find("/files/").unwrap() + 7;
    let fid = p.body[at..at + 36].to_string();
    let f = public.get(&format!("/notices/{id}/files/{fid}")).await;
    assert_eq!(f.status, 200);

    // Withdrawn: gone from the public pages, file included.
    let p = adm.post(&format!("/admin/articles/{id}/withdraw"), &[("csrf", csrf.as_str())]).await;
    assert_eq!(p.status, 303);
    assert_eq!(public.get(&format!("/notices/{id}")).await.status, 404);
    assert_eq!(public.get(&format!("/notices/{id}/files/{fid}")).await.status, 404);
    assert_eq!(
        app.count("audit_events WHERE action LIKE 'article.%'"),
        4,
        "created, published, attached, withdrawn"
    );

    // A common question shows in the guide.
    let p = adm
        .post(
            "/admin/articles",
            &[
                ("csrf", csrf.as_str()),
                ("kind", "faq"),
                ("title", "合创券可以转让吗？"),
                ("body", "不可以。合创券实名登记，仅限领取企业使用。"),
            ],
        )
        .await;
    let fid = p.location["/admin/articles/".len()..].split('?').next().unwrap().to_string();
    adm.post(&format!("/admin/articles/{fid}/publish"), &[("csrf", csrf.as_str())]).await;
    let p = public.get("/guide").await;
    assert!(
        p.body.contains("合创券可以转让吗？") && p.body.contains("仅限领取企业使用"),
        "{}",
        p.body
    );
}

#[actix_web::test]
async fn the_guide_walks_each_role_through_spot_checks_findings_receivables_and_credit() {
    let app = spawn_app().await;
    for (lang, said) in [
        ("", ["回访抽查", "核查事项", "应退款项", "信用等级", "应收款项"]),
        ("?lang=en", ["spot checks", "finding", "owed back", "credit grade", "Receivables page"]),
    ] {
        let p = Browser::new(&app).get(&format!("/guide{lang}")).await;
        assert_eq!(p.status, 200);
        for id in [
            "guide-rate-and-answer-checks",
            "guide-findings-and-credit",
            "guide-spot-checks",
            "guide-receivables",
        ] {
            assert!(p.body.contains(&format!("id=\"{id}\"")), "{id}");
        }
        for s in said {
            assert!(p.body.contains(s), "{s}: {}", p.body);
        }
    }
}

#[actix_web::test]
async fn the_guide_says_how_screening_lists_and_appeals_work_for_each_side() {
    let app = spawn_app().await;
    for (lang, said) in [
        ("", ["名单筛查", "核对预览", "误判", "工作台会显示所在名单"]),
        (
            "?lang=en",
            [
                "Screening lists",
                "checks which parties the preview",
                "false match",
                "your desk shows the list",
            ],
        ),
    ] {
        let p = Browser::new(&app).get(&format!("/guide{lang}")).await;
        assert_eq!(p.status, 200);
        for id in ["guide-screening", "guide-on-a-list", "guide-appeal", "guide-appeals"] {
            assert!(p.body.contains(&format!("id=\"{id}\"")), "{id}");
        }
        for s in said {
            assert!(p.body.contains(s), "{s}: {}", p.body);
        }
    }
}
