use crate::helpers::spawn_app;

#[actix_web::test]
async fn health_ready_metrics_and_openapi() {
    let app = spawn_app().await;
    let r = app.get("/health", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "ok");
    let r = app.get("/ready", None).await;
    assert_eq!(r.status, 200);
    let expected = if crate::helpers::is_postgres() { "postgres" } else { "sqlite" };
    assert_eq!(r.body["database"], expected);
    assert!(r.headers.get("x-request-id").is_some(), "every response carries a request id");

    let r = app.get("/metrics", None).await;
    assert_eq!(r.status, 200);
    let text = r.body.as_str().expect("metrics are text");
    assert!(
        text.contains(
            "hechuang_http_requests_total{method=\"GET\",route=\"/ready\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("hechuang_db_pool_connections"));

    let r = app.get("/api/openapi.json", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["info"]["title"], "hechuang API");
    assert!(r.body["paths"]["/api/v1/auth/login"]["post"].is_object());
    assert!(r.body["components"]["securitySchemes"]["bearer"].is_object());
    // Every schema the document refers to is in it.
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&r.body, &mut all);
    assert!(all.len() > 50, "the document uses references");
    let schemas = &r.body["components"]["schemas"];
    let dangling: Vec<&String> = all
        .iter()
        .filter(|r| {
            r.strip_prefix("#/components/schemas/").is_none_or(|name| !schemas[name].is_object())
        })
        .collect();
    assert!(dangling.is_empty(), "unresolved references: {dangling:?}");
    let run = &schemas["RunView"]["properties"];
    assert!(run["stage"].is_object() && run["results"].is_object(), "{run}");
}

#[actix_web::test]
async fn unknown_routes_and_bad_json_are_problem_json() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/nothing-here", None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.content_type, "application/problem+json");
    assert_eq!(r.code(), "not_found");

    // A body that is not the expected JSON shape.
    let r = app.post("/api/v1/auth/login", None, &serde_json::json!({"user": "x"})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.content_type, "application/problem+json");
    assert_eq!(r.code(), "invalid_json");
    assert!(r.body["detail_en"].as_str().unwrap().contains("unknown field"), "{}", r.body);

    // Query parameters are checked too.
    let t = app.staff_token("rev", hechuang::domain::Role::Reviewer).await;
    let r = app.get("/api/v1/firms?per_page=101", Some(&t)).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "per_page_invalid");
    let r = app.get("/api/v1/firms?status=approved", Some(&t)).await;
    assert_eq!(r.code(), "status_unknown");
    let r = app.get("/api/v1/firms?page=abc", Some(&t)).await;
    assert_eq!(r.code(), "invalid_query");
}

#[actix_web::test]
async fn policy_data_is_served() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/policy/service-categories", None).await;
    assert_eq!(r.status, 200);
    let codes: Vec<&str> =
        r.body.as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    for c in [
        "patent",
        "testing",
        "sci_tech_finance",
        "incubation",
        "legal",
        "accounting",
        "human_resources",
        "ip_trademark",
    ] {
        assert!(codes.contains(&c), "{c} missing");
    }
    let r = app.get("/api/v1/policy/industries", None).await;
    assert_eq!(r.body["industries"].as_array().unwrap().len(), 6);
}

#[actix_web::test]
async fn sqlite_connections_use_wal_busy_timeout_and_foreign_keys() {
    if crate::helpers::is_postgres() {
        return; // SQLite pragmas only
    }
    #[derive(diesel::QueryableByName)]
    struct V {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let app = spawn_app().await;
    let mut conn = app.conn();
    let hechuang::db::DbConnection::Sqlite(c) = &mut *conn else { panic!("expected SQLite") };
    let q = |c: &mut diesel::SqliteConnection, sql: &str| -> String {
        use diesel::RunQueryDsl;
        diesel::sql_query(sql).load::<V>(c).unwrap().remove(0).v
    };
    assert_eq!(q(c, "SELECT journal_mode AS v FROM pragma_journal_mode"), "wal");
    assert_eq!(q(c, "SELECT CAST(foreign_keys AS TEXT) AS v FROM pragma_foreign_keys"), "1");
    assert_eq!(q(c, "SELECT CAST(timeout AS TEXT) AS v FROM pragma_busy_timeout"), "5000");
    // Foreign keys are enforced: a refresh token for a user that does not exist is refused.
    drop(conn);
    let err = app.exec(
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, issued_at, expires_at) \
         VALUES ('a', 'no-such-user', 'f', 'h', '2026-01-01 00:00:00', '2026-01-02 00:00:00')",
    );
    assert!(err.is_err(), "foreign key not enforced");
}

/// How much the SQLite main file (not its write-ahead log) grows when 1,000 firms are written
/// and the server has had `wait_ms` to checkpoint.
async fn main_file_growth(checkpoint_ms: u64, wait_ms: u64) -> u64 {
    let app =
        crate::helpers::spawn_app_with(|s| s.database.sqlite_checkpoint_ms = checkpoint_ms).await;
    let path = app.db_url.trim_start_matches("sqlite://").to_string();
    let before = std::fs::metadata(&path).unwrap().len();
    // About 1 MiB: a quarter of SQLite's own 1,000-page threshold.
    crate::claims::bulk_firms(&app, 1000, "small", true, None);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(wait_ms)).await;
    std::fs::metadata(&path).unwrap().len() - before
}

#[actix_web::test]
async fn sqlite_checkpoints_happen_off_the_write_path() {
    if crate::helpers::is_postgres() {
        return; // SQLite's write-ahead log only
    }
    // With the background checkpointer, written pages reach the main file within a few
    // periods although no commit checkpoints (the log is far below 16,000 pages).
    let with = main_file_growth(50, 600).await;
    assert!(with > 250_000, "the main file grew by only {with} bytes");
    // Without it and below SQLite's own threshold, they stay in the log.
    let without = main_file_growth(0, 600).await;
    assert!(without < with / 4, "grew by {without} bytes without a checkpointer");
}

/// Found by schemathesis against the OpenAPI document: timestamps were written without
/// their offset while documented as RFC 3339 date-times, and the two public notice lists
/// shared one schema name, so one of them was documented with the other's fields.
#[actix_web::test]
async fn responses_match_the_documented_schema_where_schemathesis_found_they_did_not() {
    let app = crate::helpers::spawn_app().await;
    let admin = app.staff_token("schema_admin", hechuang::domain::Role::Admin).await;
    let me = app.get("/api/v1/auth/me", Some(&admin)).await;
    let created = me.body["created_at"].as_str().unwrap();
    assert!(
        created.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(created).is_ok(),
        "an RFC 3339 instant in UTC: {created}"
    );
    let jobs = app.get("/api/v1/admin/jobs", Some(&admin)).await;
    for j in jobs.body.as_array().unwrap() {
        if let Some(next) = j["next_slot"].as_str() {
            assert!(chrono::DateTime::parse_from_rfc3339(next).is_ok(), "{next}");
        }
    }
    let doc = app.get("/api/openapi.json", None).await.body;
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["ProviderNoticeView"]["properties"]["provider_id"].is_object());
    assert!(schemas["RedemptionNoticeView"]["properties"]["item_id"].is_object());
    let provider_list =
        doc["paths"]["/api/v1/public/provider-notices"]["get"]["responses"]["200"].to_string();
    assert!(provider_list.contains("ProviderNoticeView"), "{provider_list}");
}

/// Found by schemathesis (tests/api/fuzz.rs): requests the document called valid that
/// the API refused, and a document that described some operations with another's types.
#[actix_web::test]
async fn requests_the_document_calls_valid_are_taken_as_documented() {
    use crate::helpers::{firm_body, new_credit_code};
    use serde_json::json;
    let app = crate::helpers::spawn_app().await;
    let admin = app.staff_token("valid_admin", hechuang::domain::Role::Admin).await;
    // An integer written with a zero fraction is the integer (JSON Schema's `integer`).
    let mut body = firm_body("float_firm", &new_credit_code());
    body["employees"] = json!(12.0);
    let r = app.post("/api/v1/registrations/firm", None, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["party"]["employees"], 12);
    // A fraction is still refused.
    let mut body = firm_body("float_firm2", &new_credit_code());
    body["employees"] = json!(12.5);
    let r = app.post("/api/v1/registrations/firm", None, &body).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "invalid_json"), "{}", r.body);
    // An optional body may be JSON `null`.
    let r = app
        .post_bytes("/api/v1/admin/jobs/housekeeping/runs", Some(&admin), b"null".to_vec())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // An empty status filter is no filter, as documented.
    for list in [
        "/api/v1/users?status=",
        "/api/v1/admin/jobs/runs?status=&job=",
        "/api/v1/admin/outbox?status=&kind=",
    ] {
        let r = app.get(list, Some(&admin)).await;
        assert_eq!(r.status, 200, "{list}: {}", r.body);
    }
    let r = app.get("/api/v1/reports/settlement?period=", Some(&admin)).await;
    assert_eq!(r.status, 200, "a blank period is the default one: {}", r.body);

    let doc = app.get("/api/openapi.json", None).await.body;
    let schemas = &doc["components"]["schemas"];
    let body_ref = |path: &str, method: &str| {
        doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_default()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    // The redemption application was documented as a certification application.
    let redemption = body_ref("/api/v1/provider/redemptions", "post");
    assert!(schemas[&redemption]["properties"]["order_ids"].is_object(), "{redemption}");
    let certification = body_ref("/api/v1/space/certification-applications", "post");
    assert!(schemas[&certification]["properties"]["figures"].is_object(), "{certification}");
    // A firm's registration was two closed objects in allOf: nothing could satisfy it.
    let firm = &schemas[&body_ref("/api/v1/registrations/firm", "post")];
    assert!(firm["allOf"].is_null(), "{firm}");
    for field in ["username", "password", "credit_code", "employees"] {
        assert!(firm["properties"][field].is_object(), "{field}");
    }
    // Text fields say what the API checks: not blank, no control characters, a length.
    let reason = &schemas["ObjectionInput"]["properties"]["reason"];
    assert_eq!(reason["minLength"], 1);
    assert_eq!(reason["maxLength"], 4000);
    let pattern = regex::Regex::new(reason["pattern"].as_str().unwrap()).unwrap();
    assert!(pattern.is_match("有异议") && !pattern.is_match("   ") && !pattern.is_match("a\u{7}b"));
    // Staff accounts take only staff roles.
    let roles = schemas["NewStaffUser"]["properties"]["role"]["enum"].to_string();
    assert!(roles.contains("reviewer") && !roles.contains("firm"), "{roles}");
    // Filters list what they accept.
    let params = |path: &str| {
        doc["paths"][path]["get"]["parameters"].as_array().cloned().unwrap_or_default()
    };
    let status = params("/api/v1/orders").into_iter().find(|p| p["name"] == "status").unwrap();
    let values = status["schema"]["enum"].to_string();
    assert!(values.contains("\"requested\"") && values.contains("\"\""), "{values}");
    assert!(
        params("/api/v1/spaces").iter().all(|p| p["name"] != "status"),
        "a list without a status filter documents none"
    );
    // Reports in XLSX are documented as such.
    let report = doc["paths"]["/api/v1/reports/settlement"]["get"]["responses"]["200"]["content"]
        .to_string();
    assert!(report.contains("spreadsheetml") && report.contains("text/csv"), "{report}");
}

/// An endpoint's codes are listed under their status from the one table of codes,
/// with the message a client will read.
#[actix_web::test]
async fn the_document_lists_each_endpoints_codes_under_their_status() {
    let app = spawn_app().await;
    let doc = app.get("/api/openapi.json", None).await.body;
    let responses = &doc["paths"]["/api/v1/orders"]["post"]["responses"];
    let conflict = responses["409"]["description"].as_str().unwrap_or_default();
    assert!(conflict.contains("`voucher_expired`: this voucher has expired"), "{conflict}");
    assert!(conflict.contains("`provider_suspended`"), "{conflict}");
    let invalid = responses["422"]["description"].as_str().unwrap_or_default();
    assert!(invalid.contains("`amount_too_precise`"), "{invalid}");
    assert_eq!(
        responses["409"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
    // A code answered beside a field is listed under 422 even where it answers alone
    // with another status elsewhere, and not under that other status.
    let publish = &doc["paths"]["/api/v1/provider/services"]["post"]["responses"];
    let beside_fields = publish["422"]["description"].as_str().unwrap_or_default();
    assert!(beside_fields.contains("`category_unknown`"), "{beside_fields}");
    assert!(!publish["400"]["description"]
        .as_str()
        .unwrap_or_default()
        .contains("`category_unknown`"));
    let grants = &doc["paths"]["/api/v1/support-grants"]["post"]["responses"];
    assert!(grants["422"]["description"].as_str().unwrap_or_default().contains("`period_invalid`"));
    let login = &doc["paths"]["/api/v1/auth/login"]["post"]["responses"];
    assert!(login["429"]["description"].as_str().unwrap_or_default().contains("`account_locked`"));
}
