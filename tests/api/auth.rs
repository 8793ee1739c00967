use crate::helpers::{spawn_app, spawn_app_with, PASSWORD};
use chrono::Duration;
use hechuang::domain::Role;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::json;

#[actix_web::test]
async fn login_refresh_rotation_and_reuse_detection() {
    let app = spawn_app().await;
    app.staff("alice", Role::Reviewer);
    let r = app.login("alice", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["expires_in"], 900);
    let access = r.body["access_token"].as_str().unwrap().to_string();
    let refresh1 = r.body["refresh_token"].as_str().unwrap().to_string();

    let me = app.get("/api/v1/auth/me", Some(&access)).await;
    assert_eq!(me.body["username"], "alice");
    assert_eq!(me.body["role"], "reviewer");

    let r = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": refresh1})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let refresh2 = r.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(refresh1, refresh2);

    // Reusing the rotated token revokes the whole session, including the new token.
    let r = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": refresh1})).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "refresh_token_reused");
    let r = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": refresh2})).await;
    assert_eq!(r.code(), "refresh_token_revoked");
    let r = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": "nonsense"})).await;
    assert_eq!(r.code(), "refresh_token_invalid");
    // Refresh tokens are stored hashed, never as given.
    assert_eq!(
        app.exec(&format!(
            "UPDATE refresh_tokens SET user_id = user_id WHERE token_hash = '{refresh2}'"
        ))
        .unwrap(),
        0
    );
}

#[actix_web::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = spawn_app().await;
    app.staff("bob", Role::Finance);
    let a = app.login("bob", "Wrong-Password-1").await;
    let b = app.login("nobody", "Wrong-Password-1").await;
    assert_eq!(a.status, 401);
    assert_eq!(a.code(), "invalid_credentials");
    assert_eq!((b.status, b.code()), (a.status, a.code()));
    assert_eq!(a.content_type, "application/problem+json");
}

#[actix_web::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    app.staff("carol", Role::Admin);
    let r = app.login("carol", PASSWORD).await;
    let access = r.body["access_token"].as_str().unwrap().to_string();
    let refresh = r.body["refresh_token"].as_str().unwrap().to_string();
    let r =
        app.post("/api/v1/auth/logout", Some(&access), &json!({"refresh_token": refresh})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["sessions_revoked"], 1);
    let r = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": refresh})).await;
    assert_eq!(r.code(), "refresh_token_revoked");
    // The session's access token stops working at once, not when it expires.
    let r = app.get("/api/v1/auth/me", Some(&access)).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "token_revoked"), "{}", r.body);
}

/// Signing out ends exactly the sessions it names, at once, on every server: this
/// session's access token (with or without its refresh token in the body), every
/// session with `everywhere`, and a session whose refresh token was reused.
#[actix_web::test]
async fn signed_out_access_tokens_stop_working_at_once_on_every_server() {
    let app = spawn_app().await;
    let other = crate::helpers::spawn_second(&app).await;
    app.staff("erin", Role::Reviewer);
    let session = |r: crate::helpers::Resp| {
        (
            r.body["access_token"].as_str().unwrap().to_string(),
            r.body["refresh_token"].as_str().unwrap().to_string(),
        )
    };
    let me = |token: String| {
        let (app, other) = (&app, &other);
        async move {
            (
                app.get("/api/v1/auth/me", Some(&token)).await.status.as_u16(),
                other.get("/api/v1/auth/me", Some(&token)).await.status.as_u16(),
            )
        }
    };
    let (a1, _) = session(app.login("erin", PASSWORD).await);
    let (a2, r2) = session(app.login("erin", PASSWORD).await);
    assert_eq!(me(a1.clone()).await, (200, 200));

    // Signing out without naming a refresh token ends the access token's own session.
    let r = app.post("/api/v1/auth/logout", Some(&a1), &json!({})).await;
    assert_eq!((r.status.as_u16(), r.body["sessions_revoked"].clone()), (200, json!(1)));
    assert_eq!(app.get("/api/v1/auth/me", Some(&a1)).await.code(), "token_revoked");
    actix_web::rt::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(me(a1.clone()).await, (401, 401), "the other server knows it too");
    assert_eq!(me(a2.clone()).await, (200, 200), "the other session goes on");

    // A reused refresh token revokes its session's access tokens too.
    let r = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": r2})).await;
    let (a3, _) = session(r);
    let r = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": r2})).await;
    assert_eq!(r.code(), "refresh_token_reused");
    assert_eq!(app.get("/api/v1/auth/me", Some(&a3)).await.code(), "token_revoked");
    assert_eq!(app.get("/api/v1/auth/me", Some(&a2)).await.status, 401);

    // Everywhere: every session's access token, on both servers.
    let (b1, _) = session(app.login("erin", PASSWORD).await);
    let (b2, _) = session(other.login("erin", PASSWORD).await);
    assert_eq!(me(b2.clone()).await, (200, 200));
    let r = other.post("/api/v1/auth/logout", Some(&b2), &json!({"everywhere": true})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(other.get("/api/v1/auth/me", Some(&b1)).await.status, 401);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(me(b1).await, (401, 401));
    assert_eq!(me(b2).await, (401, 401));
    // Signing in again works.
    let (c1, _) = session(app.login("erin", PASSWORD).await);
    assert_eq!(me(c1).await, (200, 200));
}

#[actix_web::test]
async fn password_change_revokes_old_tokens() {
    let app = spawn_app().await;
    app.staff("dave", Role::Reviewer);
    let r = app.login("dave", PASSWORD).await;
    let access = r.body["access_token"].as_str().unwrap().to_string();
    let refresh = r.body["refresh_token"].as_str().unwrap().to_string();

    let r = app
        .post(
            "/api/v1/auth/password",
            Some(&access),
            &json!({"current_password": "nope", "new_password": "New-Password-2027"}),
        )
        .await;
    assert_eq!(r.code(), "current_password_wrong");
    let r = app
        .post(
            "/api/v1/auth/password",
            Some(&access),
            &json!({"current_password": PASSWORD, "new_password": "weakweakweak"}),
        )
        .await;
    assert_eq!(r.code(), "password_too_weak");

    let r = app
        .post(
            "/api/v1/auth/password",
            Some(&access),
            &json!({"current_password": PASSWORD, "new_password": "New-Password-2027"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let fresh = r.body["access_token"].as_str().unwrap().to_string();

    let r = app.get("/api/v1/auth/me", Some(&access)).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_revoked");
    let r = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": refresh})).await;
    assert_eq!(r.status, 401);
    assert_eq!(app.get("/api/v1/auth/me", Some(&fresh)).await.status, 200);
    assert_eq!(app.login("dave", PASSWORD).await.status, 401);
    assert_eq!(app.login("dave", "New-Password-2027").await.status, 200);
}

#[actix_web::test]
async fn tampered_expired_wrong_algorithm_and_disabled_tokens_are_refused() {
    let app = spawn_app().await;
    let admin = app.staff_token("root", Role::Admin).await;
    let eve_id = app.staff("eve", Role::Reviewer);
    let token = app.token("eve").await;
    assert_eq!(app.get("/api/v1/auth/me", Some(&token)).await.status, 200);

    // Tampered: change one character of the payload.
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload = parts[1].to_string();
    let flipped = if payload.ends_with('A') { 'B' } else { 'A' };
    payload.pop();
    payload.push(flipped);
    let tampered = format!("{}.{}.{}", parts[0], payload, parts[2]);
    let r = app.get("/api/v1/auth/me", Some(&tampered)).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "token_invalid"));

    // Signed with another key.
    let claims: serde_json::Value = {
        use base64_like::decode_segment;
        serde_json::from_slice(&decode_segment(parts[1])).unwrap()
    };
    let other = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(b"another-secret-another-secret-123"),
    )
    .unwrap();
    assert_eq!(app.get("/api/v1/auth/me", Some(&other)).await.code(), "token_invalid");

    // Right key, wrong algorithm.
    let secret = crate::helpers::test_settings();
    let key = secrecy::ExposeSecret::expose_secret(&secret.auth.jwt_secret).as_bytes().to_vec();
    let hs512 =
        encode(&Header::new(Algorithm::HS512), &claims, &EncodingKey::from_secret(&key)).unwrap();
    assert_eq!(app.get("/api/v1/auth/me", Some(&hs512)).await.code(), "token_invalid");
    // Same key and algorithm, the control: accepted.
    let hs256 =
        encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(&key)).unwrap();
    assert_eq!(app.get("/api/v1/auth/me", Some(&hs256)).await.status, 200);

    // alg: none.
    let none =
        format!("{}.{}.", base64_like::encode_segment(br#"{"alg":"none","typ":"JWT"}"#), parts[1]);
    assert_eq!(app.get("/api/v1/auth/me", Some(&none)).await.code(), "token_invalid");

    // No token, or not a bearer token.
    let r = app.get("/api/v1/auth/me", None).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "authentication_required"));

    // Disabled user: refused at once.
    let r = app.post(&format!("/api/v1/users/{eve_id}/disable"), Some(&admin), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.get("/api/v1/auth/me", Some(&token)).await;
    assert_eq!(r.status, 401);
    assert_eq!(app.login("eve", PASSWORD).await.code(), "account_disabled");

    // Expired: 15 minutes later the admin's token no longer works.
    app.clock.advance(Duration::seconds(901));
    let r = app.get("/api/v1/auth/me", Some(&admin)).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "token_expired"));
}

#[actix_web::test]
async fn an_account_disabled_on_one_server_is_refused_by_another_within_a_second() {
    let a = spawn_app().await;
    let b = crate::helpers::spawn_second(&a).await;
    let admin = a.staff_token("root", Role::Admin).await;
    let id = a.staff("ivy", Role::Reviewer);
    let token = a.token("ivy").await;
    assert_eq!(b.get("/api/v1/auth/me", Some(&token)).await.status, 200);
    let r = a.post(&format!("/api/v1/users/{id}/disable"), Some(&admin), &json!({})).await;
    assert_eq!(r.status, 200);
    // At once on the server that disabled it…
    assert_eq!(a.get("/api/v1/auth/me", Some(&token)).await.status, 401);
    // …and on the other after its next poll (auth.user_state_poll_ms = 1000).
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1500)).await;
    let r = b.get("/api/v1/auth/me", Some(&token)).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "account_disabled"));
}

#[actix_web::test]
async fn failed_sign_ins_lock_the_account_for_a_while() {
    let app = spawn_app().await;
    app.staff("frank", Role::Finance);
    for _ in 0..5 {
        assert_eq!(app.login("frank", "Wrong-Password-1").await.code(), "invalid_credentials");
    }
    // Even the right password is refused while locked.
    let r = app.login("frank", PASSWORD).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.code(), "account_locked");
    assert!(r.headers.get("retry-after").is_some());
    // Another account from the same address is unaffected.
    app.staff("grace", Role::Finance);
    assert_eq!(app.login("grace", PASSWORD).await.status, 200);
    app.clock.advance(Duration::minutes(16));
    assert_eq!(app.login("frank", PASSWORD).await.status, 200);
}

#[actix_web::test]
async fn failed_sign_ins_throttle_the_address() {
    let app = spawn_app_with(|s| s.auth.max_failures_per_address = 6).await;
    app.staff("henry", Role::Auditor);
    for i in 0..6 {
        assert_eq!(
            app.login(&format!("guess{i}"), "Wrong-Password-1").await.code(),
            "invalid_credentials"
        );
    }
    let r = app.login("henry", PASSWORD).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.code(), "too_many_login_attempts");
    app.clock.advance(Duration::minutes(16));
    assert_eq!(app.login("henry", PASSWORD).await.status, 200);
}

mod base64_like {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    pub fn encode_segment(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn decode_segment(s: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(s).expect("base64url segment")
    }
}
