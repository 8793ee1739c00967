//! Building and running the application: pool, migrations, policy, routes, background loop.

use crate::clock::Clock;
use crate::config::{load_policy, Settings};
use crate::db::{self, Pool};
use crate::http::{self, metrics::Metrics, AppState};
use crate::services::{self, auth::AuthConfig, Actor};
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
    )
    .map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    let applied = db::run_migrations(&mut conn).map_err(anyhow::Error::msg)?;
    for m in applied {
        tracing::info!(migration = %m, "migration applied");
    }
    Ok(pool)
}

/// Loads the policy data and checks the programme defaults with the same rules an
/// administrator's programme must pass.
pub fn load_checked_policy(
    settings: &Settings,
    config_dir: &Path,
) -> anyhow::Result<crate::domain::Policy> {
    let policy = load_policy(&settings.policy_dir(config_dir))?;
    services::vouchers::check_defaults(&policy)
        .map_err(|e| anyhow::anyhow!("config/policy/programme_defaults.toml: {e}"))?;
    Ok(policy)
}

impl Application {
    pub async fn build(
        settings: &Settings,
        config_dir: &Path,
        clock: Clock,
    ) -> anyhow::Result<Application> {
        let pool = open_database(settings)?;
        let policy = Arc::new(load_checked_policy(settings, config_dir)?);
        let auth = Arc::new(AuthConfig::new(&settings.auth).map_err(anyhow::Error::msg)?);
        let metrics = Metrics::new()?;
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))?;
        let port = listener.local_addr()?.port();
        let claims = crate::claim::ClaimEngine::new(
            pool.clone(),
            clock.clone(),
            settings.claims.mode,
            settings.claims.max_batch,
            settings.claims.queue_capacity,
            Duration::from_millis(settings.claims.memo_ttl_ms),
        );
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            policy,
            auth,
            clock: clock.clone(),
            metrics,
            claims,
            user_states: Default::default(),
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
                .configure(http::handlers::routes)
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
        }
        tokio::spawn(crate::http::extract::watch_user_states(
            state.clone(),
            Duration::from_millis(settings.auth.user_state_poll_ms),
            Some(loaded_at),
        ));
        if settings.jobs.listing_check_secs > 0 {
            spawn_listing_loop(
                state.clone(),
                Duration::from_secs(settings.jobs.listing_check_secs),
            );
        }
        if settings.database.sqlite_checkpoint_ms > 0
            && matches!(&*pool.get()?, db::DbConnection::Sqlite(_))
        {
            spawn_checkpointer(
                state.clone(),
                Duration::from_millis(settings.database.sqlite_checkpoint_ms),
            );
        }
        if settings.jobs.lottery_check_secs > 0 {
            spawn_lottery_loop(
                state.clone(),
                Duration::from_secs(settings.jobs.lottery_check_secs),
            );
        }
        Ok(Application {
            port,
            host: settings.server.host.clone(),
            server,
            pool,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        let host = if self.host == "0.0.0.0" {
            "127.0.0.1"
        } else {
            &self.host
        };
        format!("http://{host}:{}", self.port)
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Runs `job` with a pooled connection on a blocking thread every `period` (a late tick
/// is delayed, not bunched), hands its result to `done` and logs a failure. Every job
/// run this way is idempotent, so several servers may run it at once. (The
/// scheduled-jobs issue moves these onto the cron scheduler with run records.)
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

/// Concludes ended provider notices. Each conclusion is idempotent and row-locked.
fn spawn_listing_loop(state: web::Data<AppState>, every: Duration) {
    run_every(
        state,
        every,
        "concluding provider notices",
        |c, now| services::providers::conclude_notices(c, now, &Actor::system()),
        |_, r| {
            if !r.listed.is_empty() {
                tracing::info!(listed = r.listed.len(), "provider notices concluded")
            }
        },
    );
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

/// Draws lottery batches at their opening instant (within one period). Each draw is
/// once only under the batch lock.
fn spawn_lottery_loop(state: web::Data<AppState>, every: Duration) {
    run_every(
        state,
        every,
        "drawing due lotteries",
        services::lottery::draw_due,
        |state, drawn| {
            for id in drawn {
                state.claims.invalidate(&id);
                tracing::info!(batch = %id, "lottery drawn");
            }
        },
    );
}

/// Structured logs to stdout; `RUST_LOG` overrides the configured level.
pub fn init_telemetry(level: &str, format: &str) {
    use tracing_subscriber::{fmt, EnvFilter};
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = fmt().with_env_filter(filter).with_target(false);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
