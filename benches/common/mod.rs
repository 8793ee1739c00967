//! Rows the benchmarks seed, as registration and review would have left them.

use chrono::NaiveDateTime;
use hechuang::db::models::ProviderRow;
use hechuang::domain::credit_code::make_code;
use hechuang::domain::id::ProviderId;
use hechuang::domain::party::ListingStatus;
use hechuang::domain::CreditCode;

/// A valid credit code numbered `n` under an organisation-code prefix (`MA`, `MB`).
pub fn credit_code(prefix: &str, n: usize) -> CreditCode {
    CreditCode::stored(
        make_code("91", "340100", &format!("{prefix}{:06}", n % 1_000_000)).expect("valid code"),
    )
}

/// Provider number `p`, listed since `now`, with a bank account of its own.
pub fn provider(p: usize, credit_code: CreditCode, now: NaiveDateTime) -> ProviderRow {
    ProviderRow {
        id: ProviderId::new(),
        credit_code,
        name: format!("合肥基准服务机构{p:05}"),
        legal_representative: format!("代表{p}"),
        actual_controller: format!("控制人{p}"),
        address: "合肥".into(),
        contact_name: "赵六".into(),
        contact_phone: "0551-66660000".into(),
        contact_email: format!("p{p}@example.cn"),
        description: "bench".into(),
        bank_name: "中国银行合肥分行".into(),
        bank_account_name: format!("合肥基准服务机构{p:05}"),
        bank_account_no: format!("{:015}", 184_660_000_000_000u64 + p as u64),
        listing_status: ListingStatus::Listed,
        notice_starts_at: None,
        notice_ends_at: None,
        decision_reason: None,
        reviewed_by: None,
        reviewed_at: None,
        listed_at: Some(now),
        created_at: now,
        updated_at: now,
        contact_verified_at: Some(now),
        corrections: None,
    }
}
