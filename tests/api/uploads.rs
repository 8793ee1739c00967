//! Uploads that are hostile without being large: a body that stops arriving (the API's
//! raw upload and the page's multipart form), and a file name with NUL and `../`.
//! Refused or cleaned, and nothing stored for a refusal: no row, no file.

use crate::helpers::{spawn_app_with, TestApp};
use crate::orders::{world, World, PDF};
use serde_json::json;
use std::io::{Read, Write};
use std::time::Duration;

/// Files in the evidence store (its `tmp/` folder aside).
fn stored_files(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|it| {
                it.filter_map(Result::ok)
                    .map(|e| {
                        let p = e.path();
                        if p.is_dir() {
                            if p.file_name().is_some_and(|n| n == "tmp") {
                                0
                            } else {
                                walk(&p)
                            }
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&app.dir.path().join("data/evidence"))
}

/// Sends a request whose body says 4,000 bytes and stops after a few; returns what the
/// server answered (within `patience`).
fn stall(addr: &str, head: &str, first_bytes: &[u8], patience: Duration) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(patience)).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(first_bytes).unwrap();
    s.flush().unwrap();
    // The whole answer: its head, then as much body as its content-length says.
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&out);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_string())
                })
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if out.len() >= end + 4 + length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn accepted_order(app: &TestApp, tag: &str) -> (World, String) {
    let w = world(app, tag).await;
    let o = w.order(app, "12000.00").await;
    let r = w.provider_does(app, &o, "accept", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    (w, o)
}

#[actix_web::test]
async fn an_upload_that_stops_arriving_is_refused_and_stores_nothing() {
    let app = spawn_app_with(|s| s.data.upload_timeout_secs = 1).await;
    let (w, o) = accepted_order(&app, "upstall").await;
    let addr = app.addr.trim_start_matches("http://").to_string();

    // The API's raw upload.
    let head = format!(
        "POST /api/v1/orders/{o}/evidence?kind=contract HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: 4000\r\n\r\n",
        w.provider_token
    );
    let answer = {
        let a = addr.clone();
        actix_web::rt::task::spawn_blocking(move || {
            stall(&a, &head, &PDF[..10], Duration::from_secs(10))
        })
        .await
        .unwrap()
    };
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("upload_timeout"), "{answer}");

    // The page's multipart form.
    let b = "hcStall";
    let head = format!(
        "POST /orders/{o}/evidence HTTP/1.1\r\nHost: {addr}\r\nCookie: hc_access={}; hc_csrf={}\r\n\
         Content-Type: multipart/form-data; boundary={b}\r\nContent-Length: 4000\r\n\r\n",
        w.provider_token,
        "a".repeat(64)
    );
    let first = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{b}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"c.pdf\"\r\n\r\n%PDF-1.7",
        "a".repeat(64)
    );
    let answer = {
        let a = addr.clone();
        actix_web::rt::task::spawn_blocking(move || {
            stall(&a, &head, first.as_bytes(), Duration::from_secs(10))
        })
        .await
        .unwrap()
    };
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("上传超时"), "the page says so: {answer}");

    assert_eq!(app.count("order_evidence"), 0);
    assert_eq!(stored_files(&app), 0, "no file written");
    // The server is not stuck: a whole upload goes through at once.
    let r = app
        .post_bytes(
            &format!("/api/v1/orders/{o}/evidence?kind=contract"),
            Some(&w.provider_token),
            PDF.to_vec(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

#[actix_web::test]
async fn a_name_with_nul_is_refused_and_a_path_is_only_shown_cleaned() {
    let app = spawn_app_with(|_| {}).await;
    let (w, o) = accepted_order(&app, "upname").await;
    // A NUL is refused before anything is read or kept.
    let r = app
        .post_bytes(
            &format!(
                "/api/v1/orders/{o}/evidence?kind=contract&name=..%2F..%2Fetc%2Fpass%00wd.pdf"
            ),
            Some(&w.provider_token),
            PDF.to_vec(),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "nul_character"));
    assert_eq!(stored_files(&app), 0);
    let r = app
        .post_bytes(
            &format!("/api/v1/orders/{o}/evidence?kind=contract&name=..%2F..%2Fetc%2Fpasswd.pdf"),
            Some(&w.provider_token),
            PDF.to_vec(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["file_name"], "passwd.pdf", "{}", r.body);
    assert_eq!(stored_files(&app), 1);
    let sha = r.body["sha256"].as_str().unwrap();
    assert!(app
        .dir
        .path()
        .join(format!("data/evidence/{}/{}/{sha}", &sha[..2], &sha[2..4]))
        .exists());
    assert!(!app.dir.path().join("etc").exists());
}
