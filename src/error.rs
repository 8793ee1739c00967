//! The application error, and its single mapping to `application/problem+json`.

use crate::domain::validation::{FieldError, FieldErrors};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;

pub use crate::domain::error_code::{ErrorCode, Kind};

impl Kind {
    pub fn status(self) -> StatusCode {
        StatusCode::from_u16(self.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// An error any layer can return: a stable `code`, a Chinese and an English
/// message, and for validation the list of field errors.
#[derive(Debug)]
pub struct AppError {
    pub kind: Kind,
    pub code: ErrorCode,
    pub detail: String,
    pub detail_en: String,
    pub errors: Vec<FieldError>,
    pub retry_after_secs: Option<u64>,
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.detail_en)
    }
}

impl std::error::Error for AppError {}

impl AppError {
    /// The error of a row of the table, its messages still with their places
    /// unfilled: fill them with `arg` or `arg_each`.
    pub fn of(code: ErrorCode) -> Self {
        AppError {
            kind: code.kind(),
            code,
            detail: code.zh().to_string(),
            detail_en: code.en().to_string(),
            errors: Vec::new(),
            retry_after_secs: None,
        }
    }

    /// Fills the place `{name}` of both messages with `value`.
    pub fn arg(self, name: &str, value: impl fmt::Display) -> Self {
        let value = value.to_string();
        self.arg_each(name, &value, &value)
    }

    /// Fills the place `{name}` with words of each language: `zh` in the Chinese
    /// message, `en` in the English one.
    pub fn arg_each(mut self, name: &str, zh: impl fmt::Display, en: impl fmt::Display) -> Self {
        use crate::domain::error_code::fill;
        self.detail = fill(&self.detail, name, &zh.to_string());
        self.detail_en = fill(&self.detail_en, name, &en.to_string());
        self
    }

    /// A NUL character in the request (the path, the query, a JSON string, a form
    /// field): no text this service keeps may hold one, and PostgreSQL cannot store it.
    pub fn nul_character() -> Self {
        Self::of(ErrorCode::NulCharacter)
    }
    pub fn forbidden() -> Self {
        Self::of(ErrorCode::Forbidden)
    }
    /// Not found, or not visible to the caller: the two are deliberately the same.
    pub fn not_found(what: &'static str) -> Self {
        Self::of(ErrorCode::NotFound).arg_each("what", what_zh(what), what)
    }
    pub fn internal(msg: impl fmt::Display) -> Self {
        tracing::error!(error = %msg, "internal error");
        Self::of(ErrorCode::InternalError)
    }
    /// A resource or connection fault (the database unreachable, its disk full, a
    /// connection cut): nothing was written; the client may retry in a few seconds.
    pub fn unavailable(msg: impl fmt::Display) -> Self {
        tracing::warn!(error = %msg, "service unavailable");
        Self::of(ErrorCode::ServiceUnavailable).with_retry_after(RETRY_AFTER_SECS)
    }

    /// A validation failure. With one field error its code becomes the problem's code
    /// (e.g. `credit_code_invalid`); with several the code is `validation_failed`.
    pub fn validation(errors: FieldErrors) -> Self {
        let list = errors.0;
        let (code, zh, en) = match list.as_slice() {
            [one] => (one.code, one.detail.clone(), one.detail_en.clone()),
            _ => {
                let e = Self::of(ErrorCode::ValidationFailed).arg("count", list.len());
                (e.code, e.detail, e.detail_en)
            }
        };
        AppError {
            kind: Kind::Unprocessable,
            code,
            detail: zh,
            detail_en: en,
            errors: list,
            retry_after_secs: None,
        }
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }
}

fn what_zh(what: &str) -> &'static str {
    match what {
        "firm" => "企业",
        "provider" => "服务机构",
        "space" => "载体",
        "user" => "用户",
        "objection" => "异议",
        "batch" => "期次",
        "programme" => "合创券项目",
        "lottery" => "摇号",
        "lottery entry" => "摇号登记",
        "email" => "邮件",
        "service item" => "服务项目",
        "job" => "定时任务",
        "job run" => "任务运行记录",
        "order" => "订单",
        "voucher" => "合创券",
        "evidence" => "材料",
        "document" => "证明材料",
        "party" => "申请单位",
        "redemption application" => "兑现申请",
        "redemption item" => "兑现事项",
        "settlement run" => "结算批次",
        "payout" => "付款记录",
        "certification scheme" => "认定（备案）类型",
        "certification application" => "认定申请",
        "certification" => "认定资格",
        "entitlement" => "补贴（奖励）事项",
        "subsidy policy" => "补贴政策",
        "incubatee" => "在孵企业",
        "performance evaluation" => "绩效评价",
        _ => "记录",
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::validation(e)
    }
}

/// What `Retry-After` says when the database cannot be reached or written.
pub const RETRY_AFTER_SECS: u64 = 5;

/// Errors of the database that are faults of a resource or a connection, not of the
/// request: a full disk, a file system turned read-only, an I/O error, a connection the
/// server closed or terminated, a server shutting down or unreachable. Matched on the
/// messages SQLite and libpq give them (neither reaches diesel with a code).
pub fn is_resource_fault(message: &str) -> bool {
    const FAULTS: &[&str] = &[
        // SQLite
        "database is locked",
        "database is busy",
        "database or disk is full",
        "disk I/O error",
        "attempt to write a readonly database",
        "unable to open database file",
        // PostgreSQL (libpq and the server)
        "terminating connection",
        "server closed the connection",
        "no connection to the server",
        "connection to server",
        "could not connect",
        "the database system is shutting down",
        "the database system is starting up",
        "could not extend file",
        "No space left on device",
        "connection reset",
        "broken pipe",
    ];
    FAULTS.iter().any(|f| message.contains(f))
}

/// A unique key whose violation has its own documented code.
struct UniqueCode {
    /// The constraint (or unique index) name, as PostgreSQL reports it.
    constraint: &'static str,
    /// The columns as SQLite reports them (`table.column, table.column`).
    sqlite: &'static str,
    code: ErrorCode,
}

/// The unique keys the services check before writing, with the code that check answers;
/// any other violation is `already_exists`.
const UNIQUE_CODES: &[UniqueCode] = &[
    UniqueCode {
        constraint: "users_username_key",
        sqlite: "users.username",
        code: ErrorCode::UsernameTaken,
    },
    UniqueCode {
        constraint: "firms_credit_code_key",
        sqlite: "firms.credit_code",
        code: ErrorCode::CreditCodeTaken,
    },
    UniqueCode {
        constraint: "providers_credit_code_key",
        sqlite: "providers.credit_code",
        code: ErrorCode::CreditCodeTaken,
    },
    UniqueCode {
        constraint: "spaces_credit_code_key",
        sqlite: "spaces.credit_code",
        code: ErrorCode::CreditCodeTaken,
    },
    UniqueCode {
        constraint: "programmes_code_key",
        sqlite: "programmes.code",
        code: ErrorCode::ProgrammeCodeTaken,
    },
    UniqueCode {
        constraint: "redemption_items_order_key",
        sqlite: "redemption_items.order_id",
        code: ErrorCode::OrderAlreadyRedeemed,
    },
];

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as D, Error as E};
        match &e {
            E::NotFound => AppError::not_found("record"),
            E::DatabaseError(D::UniqueViolation, info) => {
                tracing::info!(detail = info.message(), "unique violation");
                // A race the service's own check could not see: name it the way that
                // check does, found by the constraint's exact name (PostgreSQL) or the
                // exact columns SQLite names.
                let found = UNIQUE_CODES.iter().find(|u| {
                    info.constraint_name() == Some(u.constraint)
                        || info.message() == format!("UNIQUE constraint failed: {}", u.sqlite)
                });
                AppError::of(found.map_or(ErrorCode::AlreadyExists, |u| u.code))
            }
            E::DatabaseError(D::SerializationFailure, _) => {
                AppError::of(ErrorCode::ConcurrentUpdate)
            }
            E::DatabaseError(D::ClosedConnection, _) => AppError::unavailable(e),
            _ => {
                let msg = e.to_string();
                // A NUL in a value no check at the edge saw (PostgreSQL refuses it in
                // text): the request is at fault, not the service.
                if msg.contains("invalid byte sequence") && msg.contains("0x00") {
                    return AppError::nul_character();
                }
                // A busy SQLite database (after busy_timeout), a full disk, a cut
                // connection: the request was fine, the service is not, for a moment.
                if is_resource_fault(&msg) {
                    AppError::unavailable(msg)
                } else {
                    AppError::internal(msg)
                }
            }
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::unavailable(format!("database pool: {e}"))
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    /// Stable machine-readable code, e.g. `credit_code_invalid`.
    pub code: String,
    /// Explanation in Chinese.
    pub detail: String,
    /// Explanation in English.
    pub detail_en: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let body = Problem {
            type_: format!("/problems/{}", self.code),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            code: self.code.to_string(),
            detail: self.detail.clone(),
            detail_en: self.detail_en.clone(),
            errors: self.errors.clone(),
        };
        let mut resp = HttpResponse::build(status);
        resp.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if let Some(secs) = self.retry_after_secs {
            resp.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if self.kind == Kind::Unauthorized {
            resp.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        resp.body(serde_json::to_string(&body).unwrap_or_else(|_| "{}".into()))
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod unique_code_tests {
    /// Every constraint named in the table exists under that name in the PostgreSQL
    /// migrations, and its columns as SQLite names them in the SQLite ones.
    #[test]
    fn every_named_constraint_exists_on_both_backends() {
        let read = |backend: &str| {
            let dir =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
            let mut all = String::new();
            for entry in std::fs::read_dir(dir).expect("migrations") {
                let up = entry.expect("entry").path().join("up.sql");
                all += &std::fs::read_to_string(up).unwrap_or_default();
            }
            all
        };
        let (pg, sqlite) = (read("postgres"), read("sqlite"));
        for u in super::UNIQUE_CODES {
            assert!(pg.contains(u.constraint), "{} not in PostgreSQL", u.constraint);
            assert!(sqlite.contains(u.constraint), "{} not in SQLite", u.constraint);
            let (table, column) = u.sqlite.split_once('.').expect("table.column");
            assert!(
                sqlite.contains(&format!("CREATE TABLE {table} ")) && sqlite.contains(column),
                "{}",
                u.sqlite
            );
        }
    }
}
