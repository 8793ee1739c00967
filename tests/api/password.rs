//! Forgotten passwords and locked accounts (issue 21), through the pages: the locked
//! sign-in page says when the lock ends and whom to call; a reset link by email works
//! once, for 30 minutes, for its own account only; asking never reveals whether an
//! account exists and is limited per account and per address; an administrator lifts a
//! lock and sends a link from the users page.

use crate::helpers::{firm_body, new_credit_code, spawn_app, TestApp, PASSWORD};
use crate::web::{Browser, Page};
use chrono::Duration;
use hechuang::domain::Role;

const NEW_PASSWORD: &str = "Brand-New-Secret-2026";

/// Registers a firm whose account has a contact email.
async fn firm_with_email(app: &TestApp, username: &str) -> String {
    let mut body = firm_body(username, &new_credit_code());
    body["email"] = format!("{username}@example.cn").into();
    let r = app.post("/api/v1/registrations/firm", None, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    format!("{username}@example.cn")
}

async fn sign_in(b: &mut Browser, username: &str, password: &str) -> Page {
    let p = b.get("/login").await;
    let csrf = Browser::csrf(&p);
    b.post("/login", &[("csrf", csrf.as_str()), ("username", username), ("password", password)])
        .await
}

async fn ask_for_link(b: &mut Browser, who: &str) -> Page {
    let p = b.get("/password/forgot").await;
    assert_eq!(p.status, 200, "{}", p.body);
    let csrf = Browser::csrf(&p);
    b.post("/password/forgot", &[("csrf", csrf.as_str()), ("who", who)]).await
}

/// Reset emails to `to`, oldest first.
fn reset_mails(app: &TestApp, to: &str) -> Vec<String> {
    let mut m: Vec<_> = app
        .outbox()
        .into_iter()
        .filter(|r| r.kind == "password_reset" && r.to_address == to)
        .collect();
    m.sort_by_key(|r| r.created_at);
    m.into_iter().map(|r| r.body).collect()
}

fn token_in(mail: &str) -> String {
    let at = mail.find("token=").expect("a link") + 6;
    mail[at..at + 64].to_string()
}

async fn set_password(b: &mut Browser, token: &str, new: &str, again: &str) -> Page {
    b.get(&format!("/password/reset?token={token}")).await;
    let csrf = b.jar.get("hc_csrf").cloned().unwrap_or_default();
    b.post(
        "/password/reset",
        &[
            ("csrf", csrf.as_str()),
            ("token", token),
            ("new_password", new),
            ("confirm_password", again),
        ],
    )
    .await
}

#[actix_web::test]
async fn a_locked_out_user_resets_the_password_by_the_emailed_link() {
    let app = spawn_app().await;
    let email = firm_with_email(&app, "pw_firm").await;
    let before = app.token("pw_firm").await;
    let mut b = Browser::new(&app);
    for _ in 0..5 {
        let p = sign_in(&mut b, "pw_firm", "Wrong-Password-99").await;
        assert_eq!(p.status, 401);
    }
    // Locked: when it ends (China time), how to lift it now, whom to call.
    let p = sign_in(&mut b, "pw_firm", PASSWORD).await;
    assert_eq!(p.status, 429, "{}", p.body);
    let unlock_at = hechuang::domain::china_time(app.clock.now() + Duration::seconds(900))
        .format("%Y-%m-%d %H:%M")
        .to_string();
    for text in ["自动解锁", unlock_at.as_str(), "忘记密码", "0551-00000000"] {
        assert!(p.body.contains(text), "{text}: {}", p.body);
    }
    assert!(p.body.contains("href=\"/password/forgot\""), "{}", p.body);

    // Asking: the same answer for an account and for nobody; only the account's
    // address gets an email.
    let known = ask_for_link(&mut b, &email).await;
    let unknown = ask_for_link(&mut b, "nobody@example.cn").await;
    assert_eq!((known.status, unknown.status), (200, 200));
    let said = |p: &Page| {
        let at = p.body.find("<main").unwrap();
        p.body[at..].split("name=\"csrf\"").next().unwrap().to_string()
    };
    assert_eq!(said(&known), said(&unknown), "nothing tells the two apart");
    assert!(known.body.contains("30 分钟内有效"), "{}", known.body);
    let mails = reset_mails(&app, &email);
    assert_eq!(mails.len(), 1);
    assert_eq!(app.outbox().iter().filter(|r| r.kind == "password_reset").count(), 1);
    let token = token_in(&mails[0]);
    assert!(mails[0].contains("pw_firm") && mails[0].contains("30 分钟"), "{}", mails[0]);
    // Only the hash is stored.
    assert_eq!(
        app.count(&format!("email_tokens WHERE token_hash = '{token}' OR email LIKE '%{token}%'")),
        0
    );

    // The form names the account; refusals by field change nothing.
    let p = b.get(&format!("/password/reset?token={token}")).await;
    assert!(p.status == 200 && p.body.contains("pw_firm"), "{}", p.body);
    let p = set_password(&mut b, &token, NEW_PASSWORD, "Something-Else-2026").await;
    assert_eq!(p.status, 422);
    assert!(
        p.body.contains("id=\"confirm_password-error\"") && p.body.contains("两次输入的密码不一致"),
        "{}",
        p.body
    );
    let p = set_password(&mut b, &token, "short", "short").await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("id=\"new_password-error\""), "{}", p.body);
    // Set: the lock is lifted, the old password and every session are gone.
    let p = set_password(&mut b, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("密码已重置"), "{}", p.body);
    assert_eq!(app.get("/api/v1/auth/me", Some(&before)).await.status, 401);
    assert_eq!(app.login("pw_firm", PASSWORD).await.status, 401);
    let p = sign_in(&mut b, "pw_firm", NEW_PASSWORD).await;
    assert_eq!((p.status, p.location.as_str()), (303, "/home"), "{}", p.body);

    // The link works once.
    let p = Browser::new(&app).get(&format!("/password/reset?token={token}")).await;
    assert_eq!(p.status, 400);
    assert!(p.body.contains("已使用过"), "{}", p.body);
    let p =
        set_password(&mut Browser::new(&app), &token, "Third-Secret-2026xx", "Third-Secret-2026xx")
            .await;
    assert_eq!(p.status, 400, "{}", p.body);
    assert_eq!(app.login("pw_firm", NEW_PASSWORD).await.status, 200);
}

#[actix_web::test]
async fn reset_links_expire_are_for_their_own_account_and_asking_is_limited() {
    let app = spawn_app().await;
    let a = firm_with_email(&app, "pw_a").await;
    let _b_mail = firm_with_email(&app, "pw_b").await;
    let mut b = Browser::new(&app);
    ask_for_link(&mut b, "pw_a").await;
    let token = token_in(&reset_mails(&app, &a)[0]);
    // A made-up token, or one of the wrong shape: not valid.
    for bad in ["0".repeat(64), "xyz".to_string(), String::new()] {
        let p = b.get(&format!("/password/reset?token={bad}")).await;
        assert_eq!(p.status, 400, "{bad}");
        assert!(p.body.contains("重置链接无效"), "{}", p.body);
    }
    // Thirty minutes later the link is dead and changes nothing.
    app.clock.advance(Duration::minutes(31));
    let p = b.get(&format!("/password/reset?token={token}")).await;
    assert_eq!(p.status, 400);
    assert!(p.body.contains("已过期"), "{}", p.body);
    let p = set_password(&mut b, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(p.status, 400);
    assert_eq!(app.login("pw_a", PASSWORD).await.status, 200);

    // A new link for A resets A only; B keeps its password.
    ask_for_link(&mut b, "pw_a@example.cn").await;
    let mails = reset_mails(&app, &a);
    let fresh = token_in(mails.last().unwrap());
    let p = set_password(&mut b, &fresh, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(app.login("pw_a", NEW_PASSWORD).await.status, 200);
    assert_eq!(app.login("pw_b", PASSWORD).await.status, 200);
    assert_eq!(app.login("pw_b", NEW_PASSWORD).await.status, 401);

    // Per account: three links an hour; a fourth request is answered alike, unsent.
    app.clock.advance(Duration::hours(2));
    for _ in 0..4 {
        let p = ask_for_link(&mut b, "pw_b").await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains("30 分钟内有效"));
    }
    assert_eq!(reset_mails(&app, "pw_b@example.cn").len(), 3);
    // Only the newest link works: each new one voids the ones before.
    let mut working = 0;
    for mail in reset_mails(&app, "pw_b@example.cn") {
        let p = b.get(&format!("/password/reset?token={}", token_in(&mail))).await;
        if p.status == 200 {
            working += 1;
        } else {
            assert_eq!(p.status, 400, "{}", p.body);
        }
    }
    assert_eq!(working, 1, "a newer link voids the older");
    // Per address: ten requests an hour, whatever they name.
    let mut last = ask_for_link(&mut b, "someone-else").await;
    for i in 0..10 {
        last = ask_for_link(&mut b, &format!("nobody{i}")).await;
        if last.status == 429 {
            break;
        }
    }
    assert_eq!(last.status, 429, "{}", last.body);
    assert!(last.body.contains("过于频繁"), "{}", last.body);
}

#[actix_web::test]
async fn an_admin_lifts_a_lock_and_sends_a_reset_link_from_the_users_page() {
    let app = spawn_app().await;
    let email = firm_with_email(&app, "pw_locked").await;
    app.staff("pw_noemail", Role::Reviewer);
    let admin = app.staff_token("pw_admin", Role::Admin).await;
    for _ in 0..5 {
        assert_eq!(app.login("pw_locked", "Wrong-Password-99").await.status, 401);
    }
    assert_eq!(app.login("pw_locked", PASSWORD).await.status, 429);

    let mut adm = Browser::signed_in(&app, &admin);
    let page = adm.get("/admin/users").await;
    assert_eq!(page.status, 200, "{}", page.body);
    // The page says which account is locked, and until when; only it can be unlocked.
    assert!(
        page.body.contains("id=\"locked-pw_locked\"")
            && page.body.contains("id=\"unlock-pw_locked\"")
            && !page.body.contains("id=\"locked-pw_noemail\"")
            && !page.body.contains("id=\"unlock-pw_noemail\""),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("id=\"send-reset-pw_locked\"")
            && !page.body.contains("id=\"send-reset-pw_noemail\""),
        "a reset link only where there is an address: {}",
        page.body
    );
    // A user's id: the first action after the row that names it.
    let id_of = |name: &str| {
        let at = page.body.find(&format!("<td>{name}</td>")).unwrap();
        let form = at + page.body[at..].find("action=\"").unwrap() + 8;
        page.body[form..form + 200]
            .split('"')
            .next()
            .unwrap()
            .replace("&#x2f;", "/")
            .trim_start_matches("/admin/users/")
            .split('/')
            .next()
            .unwrap()
            .to_string()
    };
    let (locked, noemail) = (id_of("pw_locked"), id_of("pw_noemail"));
    let csrf = Browser::csrf(&page);
    let p = adm.post(&format!("/admin/users/{locked}/unlock"), &[("csrf", csrf.as_str())]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert!(p.location.contains("done=unlocked"), "{}", p.location);
    let after = adm.get(&p.location).await;
    assert!(
        after.body.contains("已解除登录锁定") && !after.body.contains("id=\"locked-pw_locked\""),
        "{}",
        after.body
    );
    assert_eq!(app.login("pw_locked", PASSWORD).await.status, 200);
    assert_eq!(app.count("audit_events WHERE action = 'auth.account_unlocked'"), 1);

    let p =
        adm.post(&format!("/admin/users/{locked}/send-reset"), &[("csrf", csrf.as_str())]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let mails = reset_mails(&app, &email);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("平台管理员"), "{}", mails[0]);
    // No address on record: said plainly, nothing sent.
    let p =
        adm.post(&format!("/admin/users/{noemail}/send-reset"), &[("csrf", csrf.as_str())]).await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("没有登记电子邮箱"), "{}", p.body);
    assert_eq!(app.outbox().iter().filter(|r| r.kind == "password_reset").count(), 1);
    // Without the form's token nothing happens.
    let p = adm.post(&format!("/admin/users/{locked}/send-reset"), &[]).await;
    assert_eq!(p.status, 403);
    assert_eq!(reset_mails(&app, &email).len(), 1);
}
