//! Two real server processes on one database serving the same batch: the database,
//! not process memory, keeps the budget and the one-voucher-per-firm rule.

use crate::claims::{bulk_firms, ledger_ok};
use crate::helpers::{config_dir, free_port, spawn_app};
use chrono::Duration;
use hechuang::domain::Role;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};

pub struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn start_server(db_url: &str, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_hechuang"))
        .arg("serve")
        .env("HECHUANG_CONFIG_DIR", config_dir())
        .env("HECHUANG_PROFILE", "test")
        .env("HECHUANG__DATABASE__URL", db_url)
        .env("HECHUANG__SERVER__PORT", port.to_string())
        .env("HECHUANG__SERVER__WORKERS", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server process starts");
    Server(child)
}

/// Waits until the server process on `port` answers `/ready`.
pub async fn wait_ready(app: &crate::helpers::TestApp, port: u16) {
    for _ in 0..100 {
        if let Ok(r) = app.client.get(format!("http://127.0.0.1:{port}/ready")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("server on port {port} did not become ready");
}

#[actix_web::test]
async fn two_server_processes_share_one_batch() {
    // The in-process app only prepares the database; it never serves a claim.
    let app = spawn_app().await;
    // Its clock is the real one at start; the child processes use the real clock too.
    let admin = app.staff_token("admin", Role::Admin).await;
    let r = app
        .post("/api/v1/programmes", Some(&admin), &json!({"code": "TWOPROC", "name": "合创券"}))
        .await;
    let pid = r.body["id"].as_str().unwrap().to_string();
    let opens = chrono::Utc::now() + Duration::seconds(4);
    let r = app
        .post(&format!("/api/v1/programmes/{pid}/batches"), Some(&admin), &json!({
            "name": "第一期", "budget": "26700000.00", "face_values": ["50000.00"],
            "opens_at": opens.to_rfc3339(), "closes_at": (opens + Duration::hours(1)).to_rfc3339(), "publish": true}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let batch_id = r.body["id"].as_str().unwrap().to_string();
    let firms = bulk_firms(&app, 1000, "small", true, None);

    let ports = [free_port(), free_port()];
    let _servers: Vec<Server> = ports.iter().map(|p| start_server(&app.db_url, *p)).collect();
    for p in ports {
        wait_ready(&app, p).await;
    }
    let wait = (opens - chrono::Utc::now()).to_std().unwrap_or_default()
        + std::time::Duration::from_millis(50);
    actix_web::rt::time::sleep(wait).await;

    // Every firm claims twice, once through each process, all at once.
    let mut handles = Vec::new();
    for f in &firms {
        for p in ports {
            let client = app.client.clone();
            let url = format!("http://127.0.0.1:{p}/api/v1/batches/{batch_id}/claims");
            let (token, firm) = (f.token.clone(), f.id.clone());
            handles.push(actix_web::rt::spawn(async move {
                let mut res = client
                    .post(url)
                    .insert_header(("Authorization", format!("Bearer {token}")))
                    .send()
                    .await
                    .expect("sent");
                let body: Value = res.json().limit(1 << 20).await.unwrap_or(Value::Null);
                (firm, res.status().as_u16(), body)
            }));
        }
    }
    let mut won: HashMap<String, usize> = HashMap::new();
    let mut refusals: HashMap<String, usize> = HashMap::new();
    for h in handles {
        let (firm, status, body) = h.await.unwrap();
        if status == 201 {
            *won.entry(firm).or_default() += 1;
        } else {
            *refusals.entry(body["code"].as_str().unwrap_or("?").to_string()).or_default() += 1;
        }
    }
    assert!(won.values().all(|n| *n == 1), "a firm got two vouchers");
    assert_eq!(won.len(), 534, "refusals: {refusals:?}");
    let codes: Vec<&String> = refusals.keys().collect();
    assert!(
        codes.iter().all(|c| *c == "batch_sold_out" || *c == "already_claimed"),
        "{refusals:?}"
    );
    assert_eq!(app.count("vouchers"), 534);
    let (balance, unbalanced) = ledger_ok(&app, &batch_id);
    assert_eq!(balance, 0);
    assert!(unbalanced.is_empty());
    let r = app.get(&format!("/api/v1/batches/{batch_id}"), None).await;
    assert_eq!(r.body["remaining"], "0.00");
    assert_eq!(r.body["vouchers_claimed"], 534);
}
