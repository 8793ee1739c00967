//! Parties' documents (issue 21): a firm, provider or space uploads its business licence
//! and certificates (number and validity) under the evidence rules; every refused field
//! at once, nothing stored on a refusal; the party and the staff who read documents see
//! them (the reviewer beside the application, inline), nobody else.

use crate::helpers::{spawn_app, TestApp};
use crate::orders::{PDF, PNG};
use crate::web::Browser;
use hechuang::domain::Role;

fn upload_path(q: &str) -> String {
    format!("/api/v1/me/documents?{q}")
}

async fn upload(app: &TestApp, token: &str, q: &str, bytes: &[u8]) -> crate::helpers::Resp {
    app.post_bytes(&upload_path(q), Some(token), bytes.to_vec()).await
}

#[actix_web::test]
async fn a_firm_uploads_its_licence_and_certificates_and_bad_ones_change_nothing() {
    let app = spawn_app().await;
    let (firm_id, _) = app.register_firm("doc_firm").await;
    let firm = app.token("doc_firm").await;
    let before = (app.count("party_documents"), app.count("audit_events"));

    // A certificate needs its number and its validity: both said at once.
    let r = upload(&app, &firm, "kind=high_tech_certificate", PDF).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let fields: Vec<(&str, &str)> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [("certificate_no", "certificate_no_required"), ("valid_until", "valid_until_required")],
        "{}",
        r.body
    );
    // Expired, or ending before it starts.
    let r = upload(
        &app,
        &firm,
        "kind=high_tech_certificate&certificate_no=GR202034000123&valid_until=2020-12-31",
        PDF,
    )
    .await;
    assert_eq!(r.code(), "certificate_expired", "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "valid_until");
    let r = upload(
        &app,
        &firm,
        "kind=tech_sme_certificate&certificate_no=2024340100A0001&valid_from=2026-06-01&valid_until=2026-01-01",
        PDF,
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    // A provider's kind is not a firm's; not a PDF, JPEG or PNG; empty.
    let r = upload(&app, &firm, "kind=qualification_certificate&certificate_no=1", PDF).await;
    assert_eq!(r.body["errors"][0]["code"], "document_kind_unknown", "{}", r.body);
    let r = upload(&app, &firm, "kind=business_licence", b"MZ\x90\x00 not a document").await;
    assert_eq!(r.code(), "file_type_unsupported", "{}", r.body);
    let r = upload(&app, &firm, "kind=business_licence", b"").await;
    assert_eq!(r.code(), "file_empty", "{}", r.body);
    let big = vec![b'%'; 10 * 1024 * 1024 + 1];
    let r = upload(&app, &firm, "kind=business_licence", &big).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(
        (app.count("party_documents"), app.count("audit_events")),
        before,
        "a refused upload stores nothing"
    );

    // Good ones.
    let r = upload(
        &app,
        &firm,
        "kind=business_licence&name=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.png",
        PNG,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["kind"], "business_licence");
    assert_eq!(r.body["file_name"], "营业执照.png");
    assert_eq!(r.body["media_type"], "image/png");
    let licence = r.body["id"].as_str().unwrap().to_string();
    let r = upload(
        &app,
        &firm,
        "kind=high_tech_certificate&certificate_no=GR202534000456&valid_from=2025-10-20&valid_until=2028-10-19",
        PDF,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["certificate_no"], "GR202534000456");
    assert_eq!(r.body["valid_until"], "2028-10-19");
    assert_eq!(r.body["expired"], false);
    assert_eq!(
        app.count(&format!(
            "audit_events WHERE action = 'document.uploaded' AND entity_id = '{firm_id}'"
        )),
        2
    );

    // The firm sees its own, newest first.
    let mine = app.get("/api/v1/me/documents", Some(&firm)).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.body.as_array().unwrap().len(), 2);
    assert_eq!(mine.body[0]["kind"], "high_tech_certificate");

    // Reviewers, finance and auditors read them; other parties and administrators do not.
    let reviewer = app.staff_token("doc_rev", Role::Reviewer).await;
    let r = app.get(&format!("/api/v1/firms/{firm_id}/documents"), Some(&reviewer)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body.as_array().unwrap().len(), 2);
    let file = format!("/api/v1/documents/{licence}/file");
    let (status, headers, bytes) = app.get_bytes(&file, Some(&reviewer)).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, PNG);
    assert_eq!(headers.get("content-type").unwrap(), "image/png");
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    let (status, _, bytes) = app.get_bytes(&file, Some(&firm)).await;
    assert_eq!((status.as_u16(), bytes.as_slice()), (200, PNG));
    app.register_firm("doc_other").await;
    let other = app.token("doc_other").await;
    let (status, _, _) = app.get_bytes(&file, Some(&other)).await;
    assert_eq!(status, 404, "another firm does not see it");
    let r = app.get(&format!("/api/v1/firms/{firm_id}/documents"), Some(&other)).await;
    assert_eq!(r.status, 403);
    let admin = app.staff_token("doc_admin", Role::Admin).await;
    let (status, _, _) = app.get_bytes(&file, Some(&admin)).await;
    assert_eq!(status, 403, "administrators do not read documents");
    let provider_id = app.register_provider("doc_prov").await;
    let provider = app.token("doc_prov").await;
    let (status, _, _) = app.get_bytes(&file, Some(&provider)).await;
    assert_eq!(status, 404);
    // A provider's qualification certificate needs its number, not a validity.
    let r =
        upload(&app, &provider, "kind=qualification_certificate&certificate_no=34101", PDF).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app.get(&format!("/api/v1/providers/{provider_id}/documents"), Some(&reviewer)).await;
    assert_eq!(r.body[0]["kind"], "qualification_certificate", "{}", r.body);
}

#[actix_web::test]
async fn on_pages_the_firm_uploads_and_the_reviewer_opens_the_document_beside_the_application() {
    let app = spawn_app().await;
    app.register_firm("docp_firm").await;
    let firm = app.token("docp_firm").await;
    let mut b = Browser::signed_in(&app, &firm);
    // The 工作台 says the licence is missing and links to the page.
    let home = b.get("/home").await;
    assert!(home.body.contains("id=\"licence-missing\""), "{}", home.body);
    assert!(home.body.contains("href=\"/documents\""), "{}", home.body);
    let p = b.get("/documents").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("高新技术企业证书"), "{}", p.body);
    let csrf = Browser::csrf(&p);

    // Refused at its fields, every one at once; nothing stored.
    let p = b
        .post_file(
            "/documents",
            &[("csrf", &csrf), ("kind", "high_tech_certificate")],
            ("file", "cert.pdf", PDF),
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("id=\"document-certificate_no-error\""), "{}", p.body);
    assert!(p.body.contains("id=\"document-valid_until-error\""), "{}", p.body);
    let p = b
        .post_file(
            "/documents",
            &[("csrf", &csrf), ("kind", "business_licence")],
            ("file", "licence.exe", b"MZ\x90\x00"),
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("id=\"document-file-error\""), "{}", p.body);
    assert_eq!(app.count("party_documents"), 0);

    let p = b
        .post_file(
            "/documents",
            &[("csrf", &csrf), ("kind", "business_licence")],
            ("file", "licence.pdf", PDF),
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let p = b.get(&p.location).await;
    assert!(p.body.contains("licence.pdf"), "{}", p.body);
    assert!(!p.body.contains("id=\"licence-missing\""), "{}", p.body);
    let home = b.get("/home").await;
    assert!(!home.body.contains("id=\"licence-missing\""), "{}", home.body);

    // The reviewer sees it beside the application and opens it inline.
    let reviewer = app.staff_token("docp_rev", Role::Reviewer).await;
    let mut r = Browser::signed_in(&app, &reviewer);
    let desk = r.get("/review").await;
    assert!(desk.body.contains("data-document=\"business_licence\""), "{}", desk.body);
    let at = desk.body.find("href=\"/documents/").unwrap() + 6;
    let href = &desk.body[at..at + desk.body[at..].find('"').unwrap()];
    let href = href.replace("&#x2f;", "/");
    let anonymous = Browser::new(&app).get(&href).await;
    assert_eq!(anonymous.status, 303, "not without signing in");
    assert!(anonymous.location.starts_with("/login"), "{}", anonymous.location);
    let (status, _, bytes) = app.get_bytes(&href, None).await;
    assert_ne!(bytes, PDF, "{status}");
    let f = r.get(&href).await;
    assert_eq!(f.status, 200);
    assert_eq!(f.body.as_bytes(), PDF, "the file itself, inline");
    // Another firm's page session does not open it.
    app.register_firm("docp_other").await;
    let other = app.token("docp_other").await;
    let f = Browser::signed_in(&app, &other).get(&href).await;
    assert_eq!(f.status, 404);
}
