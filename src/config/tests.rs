use super::*;

fn config_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
}

#[test]
fn default_profile_loads_and_hides_secrets() {
    let s = Settings::load(&config_dir(), Some("default")).unwrap();
    let debug = format!("{s:?}");
    assert!(!debug.contains(DEV_JWT_SECRET), "secret leaked into Debug: {debug}");
    assert!(!debug.contains("hechuang.db"), "database url leaked into Debug");
    assert!(debug.contains("REDACTED"));
}

#[test]
fn production_refuses_the_development_secret() {
    // production.toml leaves the secret at the shipped development default.
    let err = Settings::load(&config_dir(), Some("production")).unwrap_err();
    assert!(matches!(err, ConfigError::Insecure(_)), "{err}");
}

#[test]
fn the_development_secret_serves_only_loopback() {
    for host in ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"] {
        let over = format!("[server]\nhost = \"{host}\"");
        assert!(Settings::load_over(&config_dir(), Some("default"), &over).is_ok(), "{host}");
    }
    for host in ["0.0.0.0", "::", "192.168.1.10", "hechuang.example.cn"] {
        let over = format!("[server]\nhost = \"{host}\"");
        let err = Settings::load_over(&config_dir(), Some("default"), &over).unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, ConfigError::Insecure(_))
                && text.contains("HECHUANG__AUTH__JWT_SECRET")
                && text.contains(host),
            "{host}: {text}"
        );
    }
    // With a secret of its own, any address.
    let over = "[server]\nhost = \"0.0.0.0\"\n[auth]\njwt_secret = \"a-secret-of-our-own-at-least-32-bytes!!\"";
    assert!(Settings::load_over(&config_dir(), Some("default"), over).is_ok());
    // SQLite commits are durable by default.
    let s = Settings::load(&config_dir(), Some("default")).unwrap();
    assert_eq!(s.database.sqlite_synchronous, crate::db::SqliteSync::Full);
}

#[test]
fn mail_and_job_settings_are_checked_at_load() {
    for (profile, over) in [
        ("default", "[mail]\nfrom = \"not an address\""),
        ("default", "[mail]\nmax_attempts = 0"),
        ("default", "[jobs]\ntimezone = \"Mars/Olympus\""),
        ("default", "[jobs]\nstale_after_secs = 5"),
        ("default", "[data]\nmax_upload_bytes = 0"),
        (
            "production",
            "[mail]\ntransport = \"memory\"\n[auth]\njwt_secret = \"a-production-secret-of-at-least-32-bytes!\"",
        ),
    ] {
        let err = Settings::load_over(&config_dir(), Some(profile), over).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid(_)), "{over}: {err}");
    }
    let ok = "[mail]\ntransport = \"smtp\"\n[auth]\njwt_secret = \"a-production-secret-of-at-least-32-bytes!\"";
    assert!(Settings::load_over(&config_dir(), Some("production"), ok).is_ok());
}

/// The default deployment (Hefei) puts the national schemes in force; no other
/// region's scheme or award can show as the basis of anything, and a subsidy policy
/// covers only the schemes in force.
#[test]
fn the_default_deployment_has_only_the_schemes_it_chose() {
    let s = Settings::load(&config_dir(), Some("default")).unwrap();
    let shipped = load_policy(&config_dir().join("policy")).unwrap();
    assert!(shipped.certification.schemes.len() > 2);
    let p = shipped.in_force(&s.policy.schemes, &s.policy.subsidies).unwrap();
    let codes: Vec<&str> = p.certification.schemes.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, ["national_incubator", "national_maker_space"]);
    for text in p
        .certification
        .schemes
        .iter()
        .map(|s| s.source.clone())
        .chain(p.subsidies.policies.iter().map(|x| x.source.clone()))
    {
        for region in ["甘肃", "浙江", "上海"] {
            assert!(!text.contains(region), "{text}");
        }
    }
    let award = p.subsidies.policy("incubator_certification_award").unwrap();
    assert_eq!(award.schemes, ["national_incubator"]);
    assert_eq!(
        award.amounts.keys().collect::<Vec<_>>(),
        ["national"],
        "no amount for a level not in force"
    );
    assert!(p.subsidies.policy("maker_space_construction_subsidy").is_none());
    assert!(p.subsidies.performance_award.is_none());
    // Naming a code the data does not have stops the start.
    let again = load_policy(&config_dir().join("policy")).unwrap();
    let err = again.in_force(&["anhui_incubator".to_string()], &[]).unwrap_err();
    assert!(err.contains("anhui_incubator"), "{err}");
    // The tests' profile keeps every shipped scheme.
    let t = Settings::load(&config_dir(), Some("test")).unwrap();
    assert!(t.policy.schemes.is_empty());
}

#[test]
fn unknown_profile_is_an_error() {
    assert!(matches!(
        Settings::load(&config_dir(), Some("nope")),
        Err(ConfigError::MissingProfile(_))
    ));
}

#[test]
fn shipped_policy_loads() {
    let p = load_policy(&config_dir().join("policy")).unwrap();
    assert!(p.category("patent").is_some());
    assert_eq!(p.listing.notice_days, 7);
    assert_eq!(p.certification.schemes.len(), 10);
    assert!(p.certification.scheme("national_incubator").is_some());
}

/// A copy of the shipped policy folder to break.
fn policy_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = config_dir().join("policy");
    let copy = |from: &Path, to: &Path| {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
            }
        }
    };
    copy(&src, dir.path());
    copy(&src.join("certification"), &dir.path().join("certification"));
    dir
}

#[test]
fn a_scheme_added_as_data_loads_and_a_broken_one_is_refused() {
    let dir = policy_copy();
    let cert = dir.path().join("certification");
    let scheme = r#"
code = "hefei_municipal_incubator"
name_zh = "合肥市级科技企业孵化器"
name_en = "Hefei municipal incubator"
level = "municipal"
space_kinds = ["incubator"]
source = "test"

[[criteria]]
id = "area"
name_zh = "场地面积不低于 2000 平方米"
name_en = "At least 2,000 m²"
figure = "space_area_m2"
op = ">="
value = "2000"
"#;
    std::fs::write(cert.join("hefei_municipal_incubator.toml"), scheme).unwrap();
    let p = load_policy(dir.path()).unwrap();
    assert!(p.certification.scheme("hefei_municipal_incubator").is_some());

    // Named after another code.
    std::fs::rename(cert.join("hefei_municipal_incubator.toml"), cert.join("other.toml")).unwrap();
    let e = load_policy(dir.path()).unwrap_err().to_string();
    assert!(e.contains("must be named"), "{e}");
    std::fs::remove_file(cert.join("other.toml")).unwrap();
    // A criterion reading a figure nobody defined.
    std::fs::write(
        cert.join("hefei_municipal_incubator.toml"),
        scheme.replace("space_area_m2", "floor_space"),
    )
    .unwrap();
    let e = load_policy(dir.path()).unwrap_err().to_string();
    assert!(e.contains("unknown figure floor_space"), "{e}");
    // A field the engine does not know.
    std::fs::write(
        cert.join("hefei_municipal_incubator.toml"),
        scheme.replace("op = \">=\"", "op = \">=\"\nweight = 2"),
    )
    .unwrap();
    assert!(load_policy(dir.path()).is_err());
}

#[test]
fn subsidy_policies_load_as_data_and_bad_ones_are_refused() {
    let p = load_policy(&config_dir().join("policy")).unwrap();
    let award = p.subsidies.policy("incubator_certification_award").unwrap();
    use crate::domain::certification::SchemeLevel;
    assert_eq!(award.amount_for(SchemeLevel::National), Some(crate::domain::Fen::new(100_000_000)));
    assert_eq!(p.subsidies.performance_award.as_ref().unwrap().top_n, 20);

    let dir = policy_copy();
    let path = dir.path().join("subsidies.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    for (from, to, says) in [
        ("national = \"1000000\"", "national = \"-5\"", "negative"),
        ("national = \"1000000\"", "national = \"1000000.001\"", "decimal"),
        ("national = \"1000000\"", "county = \"1000000\"", "levels are"),
        ("\"municipal_incubator\"]", "\"county_incubator\"]", "no scheme county_incubator"),
        ("deadline = \"03-31\"", "deadline = \"03-32\"", "not MM-DD"),
        ("{ figure = \"mentors\" }", "{ figure = \"mentor_count\" }", "no figure mentor_count"),
    ] {
        assert!(text.contains(from), "{from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let e = load_policy(dir.path()).unwrap_err().to_string();
        assert!(e.contains(says), "{from} → {to}: {e}");
    }
    // A new policy added as data.
    std::fs::write(
        &path,
        format!(
            "{text}\n[[policies]]\ncode = \"rent\"\nname_zh = \"房租补贴\"\nname_en = \"rent\"\n\
             purpose = \"rent\"\nbasis = \"yearly\"\nschemes = [\"national_maker_space\"]\n\
             amounts = {{ national = \"36000\" }}\n"
        ),
    )
    .unwrap();
    assert!(load_policy(dir.path()).unwrap().subsidies.policy("rent").is_some());
}
