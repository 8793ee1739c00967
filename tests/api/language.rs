//! Every page of every role reads in one language (issue 21): with the demo data, each
//! role's pages, reached by following the links from its 工作台 and the portal, show in
//! English no Chinese character that is not data (names, addresses and other text people
//! typed, kept in the database; text marked `lang="zh-CN"`, such as the language switch
//! and the titles of Chinese legal documents), and in Chinese none of the English the
//! pages would show an English reader.

use crate::helpers::{config_dir, spawn_app, test_settings, TestApp};
use crate::web::Browser;
use diesel::sql_types::Text;
use diesel::QueryableByName;
use hechuang::db::DbConnection;
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

#[derive(QueryableByName)]
struct Col {
    #[diesel(sql_type = Text)]
    t: String,
    #[diesel(sql_type = Text)]
    c: String,
}

#[derive(QueryableByName)]
struct V {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    v: Option<String>,
}

/// Tables whose text is not what a page shows as data (emails, audit snapshots, tokens).
const NOT_DATA: &[&str] = &[
    "outbox",
    "audit_events",
    "audit_head",
    "email_tokens",
    "job_runs",
    "refresh_tokens",
    "login_attempts",
    "__diesel_schema_migrations",
];

/// Every text value people or the demo put in the database (line by line, two
/// characters or more), longest first.
fn data(app: &TestApp) -> Vec<String> {
    use diesel::RunQueryDsl;
    let mut conn = app.conn();
    let c: &mut DbConnection = &mut conn;
    let cols: Vec<Col> = match c {
        DbConnection::Pg(pg) => diesel::sql_query(
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = current_schema() AND data_type = 'text'",
        )
        .load(pg),
        DbConnection::Sqlite(s) => diesel::sql_query(
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND upper(p.type) = 'TEXT'",
        )
        .load(s),
    }
    .unwrap();
    let mut out = BTreeSet::new();
    // An email's subject and recipient are the record of what was sent, in the
    // recipient's language: data on the admin's list of emails.
    let kept = |x: &&Col| {
        !NOT_DATA.contains(&x.t.as_str())
            || (x.t == "outbox" && ["subject", "to_name"].contains(&x.c.as_str()))
    };
    for col in cols.iter().filter(kept) {
        let q = format!("SELECT {} AS v FROM {}", col.c, col.t);
        let vals: Vec<V> = match c {
            DbConnection::Pg(pg) => diesel::sql_query(&q).load(pg),
            DbConnection::Sqlite(s) => diesel::sql_query(&q).load(s),
        }
        .unwrap();
        // A JSON document (a rule engine's evaluation, a snapshot) is what the service
        // wrote, not what people typed: what a page shows of it is the page's words.
        let typed = |v: &String| !(v.starts_with('{') || v.starts_with('['));
        for v in vals.into_iter().filter_map(|v| v.v).filter(typed) {
            // Long texts (an article's body) are shown paragraph by paragraph.
            for piece in v.split('\n').map(str::trim).filter(|p| p.chars().count() >= 2) {
                out.insert(piece.to_string());
            }
        }
    }
    let mut v: Vec<String> = out.into_iter().collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    v
}

/// The text a reader sees on a page: tags, scripts and styles out, shown attributes in,
/// entities decoded, text marked as Chinese on purpose left out.
fn visible(html: &str) -> String {
    let drop = Regex::new(
        r#"(?s)<script\b.*?</script>|<style\b.*?</style>|<(?:a|span|cite)\b[^>]*\blang="zh-CN"[^>]*>.*?</(?:a|span|cite)>|<svg\b.*?</svg>"#,
    )
    .unwrap();
    let attrs = Regex::new(r#"\b(?:placeholder|title|aria-label|alt)="([^"]*)""#).unwrap();
    let tags = Regex::new(r"(?s)<[^>]*>").unwrap();
    let html = drop.replace_all(html, " ");
    let mut text = String::new();
    for a in attrs.captures_iter(&html) {
        text.push_str(&a[1]);
        text.push('\n');
    }
    text.push_str(&tags.replace_all(&html, "\n"));
    text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
}

/// Pages a person of this session reaches by links from `start` (files, sign-out and
/// the language switch left out).
async fn crawl(
    b: &mut Browser,
    start: &str,
    other_lang: &str,
    limit: usize,
) -> Vec<(String, String)> {
    let href = Regex::new(r#"href="([^"]+)""#).unwrap();
    let skip = Regex::new(
        r"\.(csv|xlsx|json|css|js|png|pdf)(\?|$)|^/logout|/files/|/evidence/|^/documents/[0-9a-f]|bank-file|/file(\?|$)|^/api/|^/static/",
    )
    .unwrap();
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([start.to_string()]);
    let mut pages = Vec::new();
    while let Some(p) = queue.pop_front() {
        if pages.len() >= limit || !seen.insert(p.clone()) {
            continue;
        }
        let page = b.get(&p).await;
        if page.body.contains('\u{FFFD}') {
            continue; // a file, not a page
        }
        if page.status != 200 {
            assert!(page.status < 500, "{p}: {}", page.status);
            continue;
        }
        for h in href.captures_iter(&page.body) {
            let h = h[1].replace("&#x2f;", "/").replace("&amp;", "&");
            let h = h.split('#').next().unwrap_or("").to_string();
            let switch = h.contains(&format!("lang={other_lang}"));
            if h.starts_with('/') && !h.starts_with("//") && !skip.is_match(&h) && !switch {
                queue.push_back(h);
            }
        }
        pages.push((p, page.body));
    }
    pages
}

async fn demo_app() -> TestApp {
    let app = spawn_app().await;
    let settings = test_settings();
    let policy = hechuang::startup::load_checked_policy(&settings, &config_dir()).unwrap();
    let templates = hechuang::startup::load_templates(&settings, &config_dir()).unwrap();
    let auth = hechuang::services::auth::AuthConfig::new(&settings.auth).unwrap();
    let mut conn = app.conn();
    hechuang::services::demo::fill(
        &mut conn,
        &templates,
        "http://localhost",
        &policy,
        &auth,
        app.clock.now(),
    )
    .unwrap();
    drop(conn);
    // Beyond the demo: an order paid for by a voucher, redeemed, approved and in a
    // settlement run the demo's finance user prepared, and an order in dispute, so the
    // work pages of orders, redemptions and runs are read too.
    let w = crate::orders::world(&app, "lang").await;
    crate::settlement::make_payable(&app, &w, "lang", &["10000.00"]).await;
    let period = app.end_the_month();
    let finance = app.login("finance", hechuang::services::demo::DEMO_PASSWORD).await;
    let finance = finance.body["access_token"].as_str().unwrap().to_string();
    let r = app
        .post("/api/v1/settlement-runs", Some(&finance), &serde_json::json!({ "period": period }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    app
}

const READERS: [&str; 8] =
    ["", "firm01", "provider01", "space01", "reviewer", "finance", "admin", "auditor"];

async fn session(app: &TestApp, user: &str, lang: &str) -> Browser {
    let mut b = if user.is_empty() {
        Browser::new(app)
    } else {
        let r = app.login(user, hechuang::services::demo::DEMO_PASSWORD).await;
        assert_eq!(r.status, 200, "{user}: {}", r.body);
        Browser::signed_in(app, r.body["access_token"].as_str().unwrap())
    };
    // The choice is kept from any page.
    b.get(&format!("/?lang={lang}")).await;
    b
}

#[actix_web::test]
async fn every_page_of_every_role_in_english_shows_chinese_only_as_data() {
    let app = demo_app().await;
    let data = data(&app);
    let han = Regex::new(r"[\p{Han}\u{3000}-\u{303f}\u{ff00}-\u{ffef}]+").unwrap();
    let wording = hechuang::web::wording();
    let keys: Vec<&str> = message_keys(&wording).collect();
    let mut leftovers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut pages_read = 0;
    let mut read = BTreeSet::new();
    for user in READERS {
        let mut b = session(&app, user, "en").await;
        let start = if user.is_empty() { "/" } else { "/home" };
        for (path, body) in crawl(&mut b, start, "zh", 80).await {
            pages_read += 1;
            read.insert(path.clone());
            let mut text = visible(&body);
            for d in &data {
                if text.contains(d.as_str()) {
                    text = text.replace(d.as_str(), " ");
                }
            }
            let route = path.split('?').next().unwrap_or("").to_string();
            for key in &keys {
                if text.contains(key) {
                    leftovers.entry(key.to_string()).or_default().insert(format!(
                        "{} {route}",
                        if user.is_empty() { "public" } else { user }
                    ));
                }
            }
            for m in han.find_iter(&text) {
                leftovers
                    .entry(m.as_str().to_string())
                    .or_default()
                    .insert(format!("{} {route}", if user.is_empty() { "public" } else { user }));
            }
        }
    }
    assert!(pages_read > 150, "the walk reached {pages_read} pages");
    // The work pages of every role were among them.
    for page in [
        "/firm",
        "/my/vouchers",
        "/services",
        "/orders/new",
        "/provider",
        "/provider/services",
        "/provider/redemptions",
        "/space",
        "/space/apply",
        "/space/statistics",
        "/review",
        "/finance/runs/",
        "/finance/report",
        "/admin/users",
        "/admin/jobs",
        "/documents",
        "/public/batches/",
    ] {
        assert!(read.iter().any(|p| p.starts_with(page)), "the walk never read {page}: {read:?}");
    }
    assert!(
        leftovers.is_empty(),
        "Chinese on English pages that is not data:\n{}",
        leftovers
            .iter()
            .map(|(w, at)| format!(
                "  {w}  ← {}",
                at.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The message keys that could not be mistaken for words: hyphenated, and not written
/// inside any message (`sign-in`, `sha-256` are words too).
fn message_keys(wording: &[(String, String, String)]) -> impl Iterator<Item = &str> {
    wording.iter().map(|(key, _, _)| key.as_str()).filter(|k| {
        k.contains('-')
            && !wording.iter().any(|(_, zh, en)| zh.contains(k) || en.to_lowercase().contains(k))
    })
}

#[actix_web::test]
async fn every_page_of_every_role_in_chinese_shows_none_of_the_english_wording() {
    let app = demo_app().await;
    let data = data(&app);
    // The English a page would show (sentences and names of things, not single words that
    // also occur in data, such as units or codes).
    let wording = hechuang::web::wording();
    let english: Vec<&str> = wording
        .iter()
        .map(|(_, _, en)| en.as_str())
        .filter(|en| en.split_whitespace().count() >= 2 && en.len() >= 10)
        // A message key shown as it is (`orders-in-all`) is as wrong.
        .chain(message_keys(&wording))
        .collect();
    let mut leftovers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut pages_read = 0;
    for user in READERS {
        let mut b = session(&app, user, "zh").await;
        let start = if user.is_empty() { "/" } else { "/home" };
        for (path, body) in crawl(&mut b, start, "en", 80).await {
            pages_read += 1;
            let mut text = visible(&body);
            for d in &data {
                if text.contains(d.as_str()) {
                    text = text.replace(d.as_str(), " ");
                }
            }
            for en in &english {
                if text.contains(en) {
                    let route = path.split('?').next().unwrap_or("").to_string();
                    leftovers.entry(en.to_string()).or_default().insert(format!(
                        "{} {route}",
                        if user.is_empty() { "public" } else { user }
                    ));
                }
            }
        }
    }
    assert!(pages_read > 150, "the walk reached {pages_read} pages");
    assert!(
        leftovers.is_empty(),
        "English wording on Chinese pages:\n{}",
        leftovers
            .iter()
            .map(|(w, at)| format!(
                "  {w}  ← {}",
                at.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
