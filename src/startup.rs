//! Building and running the application: pool, migrations, policy, routes, background loop.

use crate::clock::Clock;
use crate::config::{load_policy, Settings};
use crate::db::{self, Pool};
use crate::http::{self, metrics::Metrics, AppState};
use crate::jobs::{Deps, Runner, Schedules};
use crate::notify::{transport::Transport, Templates};
use crate::services::outbox::Retry;
use crate::services::{self, auth::AuthConfig};
use actix_web::dev::{Server, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, App, HttpMessage, HttpServer};
use secrecy::ExposeSecret;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Application {
    port: u16,
    host: String,
    server: Server,
    pub pool: Pool,
    pub jobs: Arc<Runner>,
    shutdown_grace: Duration,
}

/// Opens the database pool and applies pending migrations.
pub fn open_database(settings: &Settings) -> anyhow::Result<Pool> {
    let pool = db::build_pool_with(
        settings.database.url.expose_secret(),
        settings.database.pool_size,
        settings.database.busy_timeout_ms,
        Duration::from_secs(settings.database.connect_timeout_secs),
        if settings.database.sqlite_checkpoint_ms > 0 {
            db::BACKGROUND_WAL_AUTOCHECKPOINT
        } else {
            db::DEFAULT_WAL_AUTOCHECKPOINT
        },
        settings.database.sqlite_synchronous,
    )
    .map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    let applied = db::run_migrations(&mut conn).map_err(anyhow::Error::msg)?;
    for m in &applied {
        tracing::trace!(migration = %m, "migration applied");
    }
    if let Some(last) = applied.last() {
        tracing::info!(count = applied.len(), latest = %last, "database migrated");
    }
    Ok(pool)
}

/// Loads the policy data and checks the programme defaults with the same rules an
/// administrator's programme must pass.
pub fn load_checked_policy(
    settings: &Settings,
    config_dir: &Path,
) -> anyhow::Result<crate::domain::Policy> {
    let policy = load_policy(&settings.policy_dir(config_dir))?
        .in_force(&settings.policy.schemes, &settings.policy.subsidies)
        .map_err(|e| anyhow::anyhow!("policy.schemes / policy.subsidies: {e}"))?;
    services::vouchers::check_defaults(&policy)
        .map_err(|e| anyhow::anyhow!("config/policy/programme_defaults.toml: {e}"))?;
    Ok(policy)
}

/// The context of a use case a command runs as the system, now: the checked policy and
/// the email templates loaded.
pub fn system_context(
    settings: &Settings,
    config_dir: &Path,
) -> anyhow::Result<crate::services::Context> {
    Ok(crate::services::Context {
        now: crate::clock::Clock::system().now(),
        actor: crate::services::Actor::system(),
        policy: Arc::new(load_checked_policy(settings, config_dir)?),
        templates: load_templates(settings, config_dir)?,
    })
}

/// Loads the email templates (a syntax error or a missing kind stops the start).
pub fn load_templates(settings: &Settings, config_dir: &Path) -> anyhow::Result<Arc<Templates>> {
    let dir = settings.texts_dir(config_dir);
    Ok(Arc::new(Templates::load(&dir, &settings.mail.locale).map_err(anyhow::Error::msg)?))
}

/// The job runner with everything its jobs need. `on_drawn` hears of lottery draws.
pub fn job_runner(
    settings: &Settings,
    pool: Pool,
    clock: Clock,
    templates: Arc<Templates>,
    policy: Arc<crate::domain::Policy>,
    on_drawn: Option<crate::jobs::OnDrawn>,
) -> anyhow::Result<Arc<Runner>> {
    let schedules = Schedules::from_settings(&settings.jobs).map_err(anyhow::Error::msg)?;
    let transport =
        Transport::from_settings(&settings.mail, &settings.data.dir).map_err(anyhow::Error::msg)?;
    let from = settings.mail.from.parse().map_err(|e| anyhow::anyhow!("mail.from: {e}"))?;
    let m = &settings.mail;
    Ok(Runner::new(
        Deps {
            pool,
            clock,
            templates,
            policy,
            transport: Arc::new(transport),
            from,
            message_id_host: m.message_id_host.clone(),
            retry: Retry {
                max_attempts: m.max_attempts,
                backoff_base_secs: m.backoff_base_secs,
                backoff_max_secs: m.backoff_max_secs,
            },
            batch_size: m.batch_size,
            lease_secs: m.lease_secs,
            keep_runs_days: settings.jobs.keep_runs_days,
            keep_sign_in_records_days: settings.jobs.keep_sign_in_records_days,
            stale_after_secs: settings.jobs.stale_after_secs,
            heartbeat: Duration::from_secs(settings.jobs.heartbeat_secs),
            on_drawn,
        },
        schedules,
    ))
}

impl Application {
    pub async fn build(
        settings: &Settings,
        config_dir: &Path,
        clock: Clock,
    ) -> anyhow::Result<Application> {
        let pool = open_database(settings)?;
        let policy = Arc::new(load_checked_policy(settings, config_dir)?);
        let templates = load_templates(settings, config_dir)?;
        crate::i18n::install(&settings.texts_dir(config_dir)).map_err(anyhow::Error::msg)?;
        let auth = Arc::new(AuthConfig::new(&settings.auth).map_err(anyhow::Error::msg)?);
        let metrics = Metrics::new()?;
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))?;
        let port = listener.local_addr()?.port();
        let claims = crate::claim::ClaimEngine::new(
            pool.clone(),
            templates.clone(),
            clock.clone(),
            &settings.claims,
        );
        let engine = claims.clone();
        let jobs = job_runner(
            settings,
            pool.clone(),
            clock.clone(),
            templates.clone(),
            policy.clone(),
            Some(Arc::new(move |drawn: &[crate::domain::id::BatchId]| {
                for id in drawn {
                    engine.invalidate(id);
                    tracing::info!(batch = %id, "lottery drawn");
                }
            })),
        )?;
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            policy,
            auth,
            clock: clock.clone(),
            metrics,
            claims,
            user_states: Default::default(),
            mail: templates,
            files: Arc::new(
                crate::files::FileStore::open(&settings.data.dir, settings.data.max_upload_bytes)
                    .map_err(|e| {
                        anyhow::anyhow!("evidence store under {:?}: {e}", settings.data.dir)
                    })?
                    .with_upload_timeout(Duration::from_secs(settings.data.upload_timeout_secs)),
            ),
            jobs: jobs.clone(),
            secure_cookies: settings.profile == "production",
            site: Arc::new(settings.site.clone()),
            sqlite_space: match db::parse_url(settings.database.url.expose_secret()) {
                Ok((db::Backend::Sqlite, file)) if file != ":memory:" => {
                    Some((std::path::PathBuf::from(file), settings.database.sqlite_min_free_bytes))
                }
                _ => None,
            },
            overviews: Default::default(),
        });
        let max_body = settings.server.max_body_bytes;
        let st = state.clone();
        let mut server = HttpServer::new(move || {
            let metrics = st.metrics.clone();
            App::new()
                .app_data(st.clone())
                .app_data(http::json_config(max_body))
                .app_data(http::query_config())
                .app_data(http::path_config())
                // No NUL in a page's form reaches a handler.
                .wrap(actix_web::middleware::from_fn(http::refuse_nul_in_forms))
                // A browser asking for a page gets refusals and faults as a page.
                // No NUL in a path or query reaches a handler.
                .wrap_fn(|req, srv| {
                    let fut: std::pin::Pin<Box<dyn std::future::Future<Output = _>>> =
                        if http::url_holds_nul(&req) {
                            let res = req.error_response(crate::error::AppError::nul_character());
                            Box::pin(async move { Ok(res) })
                        } else {
                            let fut = srv.call(req);
                            Box::pin(async move { Ok(fut.await?.map_into_boxed_body()) })
                        };
                    fut
                })
                .wrap_fn(|req, srv| {
                    let fut = srv.call(req);
                    async move { Ok(crate::web::error_page(fut.await?).await) }
                })
                .wrap_fn(move |req, srv| {
                    // Request id, metrics and a log line per request, in one pass.
                    let started = Instant::now();
                    let rid = http::RequestId::new();
                    req.extensions_mut().insert(rid.clone());
                    let metrics = metrics.clone();
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".into());
                        let method = res.request().method().as_str().to_string();
                        let status = res.status();
                        let elapsed = started.elapsed();
                        metrics.requests.with_label_values(&[&route, &method, status.as_str()]).inc();
                        metrics.latency.with_label_values(&[&route, &method]).observe(elapsed.as_secs_f64());
                        if status.is_server_error() {
                            tracing::error!(request_id = %rid.0, %method, path = %res.request().path(), status = status.as_u16(), "request failed");
                        } else {
                            tracing::debug!(request_id = %rid.0, %method, path = %res.request().path(), status = status.as_u16(),
                                micros = elapsed.as_micros() as u64, "request");
                        }
                        if let Ok(v) = HeaderValue::from_str(&rid.0) {
                            res.headers_mut().insert(HeaderName::from_static("x-request-id"), v);
                        }
                        Ok(res)
                    }
                })
                .service(http::openapi::openapi_json)
                .configure(http::handlers::routes)
                .configure(crate::web::routes)
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(crate::error::AppError::not_found("record"))
                }))
        })
        .listen(listener)?
        .shutdown_timeout(10);
        if let Some(w) = settings.server.workers {
            server = server.workers(w);
        }
        let server = server.run();

        // Every user whose sign-in state ever changed, before the first request.
        let loaded_at = clock.now();
        {
            let mut conn = pool.get()?;
            for (id, s, _) in services::auth::changed_user_states(&mut conn, None)? {
                state.user_states.set(&id, Some(s));
            }
            // Sessions signed out whose access tokens may not have expired yet.
            let since = loaded_at - chrono::Duration::seconds(settings.auth.access_ttl_secs + 60);
            for (family, at) in services::auth::revoked_sessions(&mut conn, since)? {
                state.user_states.revoke_session(&family, at);
            }
        }
        tokio::spawn(crate::http::extract::watch_user_states(
            state.clone(),
            Duration::from_millis(settings.auth.user_state_poll_ms),
            Some(loaded_at),
        ));
        if settings.database.sqlite_checkpoint_ms > 0
            && matches!(&*pool.get()?, db::DbConnection::Sqlite(_))
        {
            spawn_checkpointer(
                state.clone(),
                Duration::from_millis(settings.database.sqlite_checkpoint_ms),
            );
        }
        if settings.jobs.enabled {
            jobs.start().await?;
        }
        Ok(Application {
            port,
            host: settings.server.host.clone(),
            server,
            pool,
            jobs,
            shutdown_grace: Duration::from_secs(settings.jobs.shutdown_grace_secs),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        let host = if self.host == "0.0.0.0" { "127.0.0.1" } else { &self.host };
        format!("http://{host}:{}", self.port)
    }

    /// Serves until the server is stopped (SIGINT, SIGTERM), then stops the jobs:
    /// running ones get `jobs.shutdown_grace_secs` to finish and are recorded as
    /// interrupted if they do not.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.jobs.shutdown(self.shutdown_grace).await;
        served
    }
}

/// Runs `job` with a pooled connection on a blocking thread every `period` (a late tick
/// is delayed, not bunched), hands its result to `done` and logs a failure. Only for
/// this process's own upkeep (the WAL checkpoint, every 250 ms): the application's jobs
/// run on the cron scheduler with run records (`crate::jobs`).
fn run_every<T, J, D>(
    state: web::Data<AppState>,
    period: Duration,
    what: &'static str,
    job: J,
    done: D,
) where
    T: Send + 'static,
    J: Fn(&mut db::DbConnection, chrono::NaiveDateTime) -> crate::error::AppResult<T>
        + Clone
        + Send
        + 'static,
    D: Fn(&AppState, T) + Send + 'static,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = state.clock.now();
            let job = job.clone();
            match http::db(&state, move |c| job(c, now)).await {
                Ok(r) => done(&state, r),
                Err(e) => tracing::warn!(error = %e, "{what} failed"),
            }
        }
    });
}

/// Checkpoints SQLite's write-ahead log off the write path, so that no commit (least of
/// all the claim writer's) has to. With the server's connections set to checkpoint only
/// past `db::BACKGROUND_WAL_AUTOCHECKPOINT` pages, the log stays bounded even if this
/// task falls behind.
fn spawn_checkpointer(state: web::Data<AppState>, every: Duration) {
    run_every(
        state,
        every,
        "WAL checkpoint",
        |c, _| db::checkpoint(c).map_err(Into::into),
        |_, ()| {},
    );
}

/// Structured logs to stdout; `RUST_LOG` overrides the configured level.
pub fn init_telemetry(level: &str, format: &str) {
    use tracing_subscriber::{fmt, EnvFilter};
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = fmt().with_env_filter(filter).with_target(false);
    let _ = if format == "json" { builder.json().try_init() } else { builder.try_init() };
}
