//! Serving: start the service, migrate, fill the demo data, preview the emails.

use hechuang::clock::Clock;
use hechuang::config::Settings;
use hechuang::notify::{sample_context, templates::KINDS};
use hechuang::services::{self, auth::AuthConfig};
use hechuang::startup::{load_checked_policy, load_templates, open_database, Application};
use std::path::Path;
use std::process::ExitCode;

/// `hechuang serve [--demo]`: fills the demo data first when asked, then serves until
/// stopped.
pub fn serve(config_dir: &Path, settings: &Settings, demo: bool) -> anyhow::Result<ExitCode> {
    if demo {
        fill_demo(config_dir, settings, true)?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let app = Application::build(settings, config_dir, Clock::system()).await?;
        let url = app.url();
        println!("hechuang is listening on {url}");
        println!("  Open {url}/ in a browser: the portal, sign-in and registration.");
        println!(
            "  First time? Fill the demo data with `hechuang demo` (every demo user's \
             password: {})",
            services::demo::DEMO_PASSWORD
        );
        println!(
            "  or create an administrator: `hechuang user create --username admin --role admin`."
        );
        println!("  API: {url}/api/v1  ·  OpenAPI: {url}/api/openapi.json");
        app.run_until_stopped().await?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `hechuang migrate`.
pub fn migrate(settings: &Settings) -> anyhow::Result<ExitCode> {
    open_database(settings)?;
    println!("migrations are up to date");
    Ok(ExitCode::SUCCESS)
}

/// `hechuang demo`.
pub fn demo(config_dir: &Path, settings: &Settings) -> anyhow::Result<ExitCode> {
    fill_demo(config_dir, settings, false)?;
    Ok(ExitCode::SUCCESS)
}

/// Fills an empty database with the demo data set and prints the sign-ins; with
/// `skip_if_filled`, a database with data is left as it is.
fn fill_demo(config_dir: &Path, settings: &Settings, skip_if_filled: bool) -> anyhow::Result<()> {
    let pool = open_database(settings)?;
    let policy = load_checked_policy(settings, config_dir)?;
    let templates = load_templates(settings, config_dir)?;
    let auth = AuthConfig::new(&settings.auth).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    match services::demo::fill(
        &mut conn,
        &templates,
        &settings.site.base_url,
        &policy,
        &auth,
        Clock::system().now(),
    ) {
        Ok(signins) => {
            println!(
                "演示数据已写入 / demo data written. Sign in with password {:?}:",
                services::demo::DEMO_PASSWORD
            );
            for s in signins {
                println!("  {:<12} {:<9} {}", s.username, s.role.as_str(), s.who);
            }
            Ok(())
        }
        Err(e) if skip_if_filled && e.code.is(hechuang::error::ErrorCode::DatabaseNotEmpty) => {
            println!("database already has data; demo data not added");
            Ok(())
        }
        Err(e) => Err(anyhow::anyhow!("{}: {}", e.code, e.detail_en)),
    }
}

/// `hechuang mail preview [KIND] [--locale L]`: renders every email template (or one)
/// with example values; exits 1 when one does not render.
pub fn mail_preview(
    config_dir: &Path,
    settings: &Settings,
    kind: Option<&str>,
    locale: Option<String>,
) -> anyhow::Result<ExitCode> {
    let templates = load_templates(settings, config_dir)?;
    let locale = locale.unwrap_or_else(|| settings.mail.locale.clone());
    let kinds: Vec<&str> = match kind {
        Some(k) if KINDS.contains(&k) => vec![k],
        Some(k) => anyhow::bail!("no email kind {k:?}; kinds: {}", KINDS.join(", ")),
        None => KINDS.to_vec(),
    };
    let mut all_rendered = true;
    for k in kinds {
        match templates.render(k, &locale, &sample_context(k)) {
            Ok(r) => println!("=== {k} ({})\nSubject: {}\n\n{}", r.locale, r.subject, r.body),
            Err(e) => {
                all_rendered = false;
                eprintln!("=== {k}: {e}");
            }
        }
    }
    Ok(if all_rendered { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
