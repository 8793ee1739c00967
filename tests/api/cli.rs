//! The `hechuang` binary itself: configuration refusal, migrate, demo, users.

use crate::helpers::{config_dir, fresh_database};
use std::io::Write;
use std::process::{Command, Output, Stdio};

pub fn hechuang(db_url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    hechuang_profile(db_url, "test", args, stdin)
}

pub fn hechuang_profile(db_url: &str, profile: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hechuang"))
        .args(args)
        .env("HECHUANG_CONFIG_DIR", config_dir())
        .env("HECHUANG_PROFILE", profile)
        .env("HECHUANG__DATABASE__URL", db_url)
        .env_remove("HECHUANG__AUTH__JWT_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hechuang binary starts");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().expect("hechuang finishes")
}

#[test]
fn production_refuses_the_development_jwt_secret() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let out = hechuang_profile(&url, "production", &["migrate"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("jwt_secret"), "{err}");
    assert!(!err.contains(hechuang::config::DEV_JWT_SECRET), "the secret itself is never printed");
    assert!(!dir.path().join("p.db").exists(), "nothing is created when refusing to start");

    // With its own secret the same profile starts.
    let out = Command::new(env!("CARGO_BIN_EXE_hechuang"))
        .args(["migrate"])
        .env("HECHUANG_CONFIG_DIR", config_dir())
        .env("HECHUANG_PROFILE", "production")
        .env("HECHUANG__DATABASE__URL", &url)
        .env("HECHUANG__AUTH__JWT_SECRET", "a-real-production-secret-of-32-bytes-or-more")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn demo_fills_an_empty_database_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(&dir);
    let out = hechuang(&url, &["demo"], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    for who in [
        "admin",
        "reviewer",
        "finance",
        "auditor",
        "firm01",
        "provider01",
        "space01",
        "（微型）",
        "（小型）",
        "（中型）",
        "（大型）",
    ] {
        assert!(stdout.contains(who), "{who} missing from\n{stdout}");
    }
    // The demo holds a programme, a batch with claims, one opening tomorrow and a
    // lottery batch the onboarded firms registered for.
    let pool = hechuang::db::build_pool(&url, 1, 5000, std::time::Duration::from_secs(5)).unwrap();
    let mut c = pool.get().unwrap();
    let batches = hechuang::db::vouchers::list_batches(&mut c, false).unwrap();
    assert_eq!(batches.len(), 3);
    let lottery = batches
        .iter()
        .find(|b| b.allocation_mode == hechuang::domain::voucher::AllocationMode::Lottery)
        .expect("a lottery batch");
    assert_eq!(
        hechuang::db::lottery::count_entries(&mut c, &lottery.id).unwrap(),
        3,
        "the onboarded firms registered"
    );
    let claimed: i32 = batches.iter().map(|b| b.vouchers_claimed).sum();
    assert_eq!(
        claimed, 3,
        "the onboarded micro and small firms claimed (firm02 waits for onboarding)"
    );
    drop(c);
    let out = hechuang(&url, &["demo"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("database_not_empty"));
    let out = hechuang(&url, &["audit", "verify"], None);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit chain OK"));
}

#[test]
fn user_create_reads_the_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(&dir);
    let out = hechuang(
        &url,
        &["user", "create", "--username", "boss", "--role", "admin"],
        Some("Strong-Password-99\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("created boss (admin)"));
    let out =
        hechuang(&url, &["user", "create", "--username", "weak", "--role", "admin"], Some("123\n"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password_too_weak"));
    let out = hechuang(
        &url,
        &["user", "create", "--username", "f", "--role", "firm"],
        Some("Strong-Password-99\n"),
    );
    assert!(!out.status.success());
}

/// The development secret is published in config/default.toml: a server reachable from
/// other machines refuses to start with it, and says how to set one.
#[test]
fn the_public_development_secret_serves_only_this_machine() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let out = Command::new(env!("CARGO_BIN_EXE_hechuang"))
        .args(["serve"])
        .env("HECHUANG_CONFIG_DIR", config_dir())
        .env("HECHUANG_PROFILE", "default")
        .env("HECHUANG__DATABASE__URL", &url)
        .env("HECHUANG__SERVER__HOST", "0.0.0.0")
        .env("HECHUANG__SERVER__PORT", "0")
        .env_remove("HECHUANG__AUTH__JWT_SECRET")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("0.0.0.0") && err.contains("HECHUANG__AUTH__JWT_SECRET"), "{err}");
    assert!(!dir.path().join("s.db").exists(), "nothing is created");
}

/// Whether this process may mount a file system of its own (root in CI): the tests of a
/// read-only or full disk need one.
pub fn can_mount() -> bool {
    let dir = tempfile::tempdir().unwrap();
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(dir.path())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        let _ = Command::new("umount").arg(dir.path()).status();
    } else if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI runs as root and must be able to mount a tmpfs for the fault tests");
    }
    ok
}

/// A tmpfs mounted for one test, unmounted when dropped.
pub struct Mount(pub tempfile::TempDir);

impl Mount {
    pub fn tmpfs(options: &str) -> Mount {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap()
            .success();
        assert!(ok, "mount tmpfs -o {options}");
        Mount(dir)
    }

    pub fn remount(&self, options: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(self.0.path())
            .status()
            .unwrap()
            .success();
        assert!(ok, "remount {options}");
    }

    pub fn path(&self) -> &std::path::Path {
        self.0.path()
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.0.path()).status();
    }
}

/// A database folder on a read-only file system: every command says which folder it
/// cannot write and why, whether the folder exists, holds a database, or neither.
#[test]
fn a_read_only_data_folder_is_named_plainly() {
    if !can_mount() {
        eprintln!("skipped: cannot mount a tmpfs here (not root); CI runs it");
        return;
    }
    let m = Mount::tmpfs("size=8m");
    let data = m.path().join("data");
    let url = format!("sqlite://{}", data.join("h.db").display());
    let out = hechuang(&url, &["migrate"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::create_dir_all(m.path().join("empty")).unwrap();
    m.remount("ro");
    for (db_url, args) in [
        (url.clone(), vec!["migrate"]),
        (url.clone(), vec!["serve"]),
        (url.clone(), vec!["ledger", "verify"]),
        (format!("sqlite://{}", m.path().join("empty/h.db").display()), vec!["migrate"]),
        (format!("sqlite://{}", m.path().join("missing/h.db").display()), vec!["serve"]),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_hechuang"))
            .args(&args)
            .env("HECHUANG_CONFIG_DIR", config_dir())
            .env("HECHUANG_PROFILE", "test")
            .env("HECHUANG__DATABASE__URL", &db_url)
            .env("HECHUANG__DATA__DIR", &data)
            .env("HECHUANG__SERVER__PORT", "0")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {err}");
        assert!(
            err.contains("cannot be written") && err.contains("Read-only file system"),
            "{args:?}: {err}"
        );
    }
}
