//! Field-level validation errors, collected so a caller learns everything wrong at once.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    /// Message in Chinese.
    pub detail: String,
    /// Message in English.
    pub detail_en: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, code: &str, zh: impl Into<String>, en: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_string(),
            code: code.to_string(),
            detail: zh.into(),
            detail_en: en.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A required text field: trimmed, not empty, at most `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.add(
                field,
                "required",
                format!("{field} 不能为空"),
                format!("{field} is required"),
            );
        } else if v.chars().count() > max {
            self.add(
                field,
                "too_long",
                format!("{field} 最多 {max} 个字符"),
                format!("{field} must be at most {max} characters"),
            );
        } else if v.chars().any(|c| c.is_control()) {
            self.add(
                field,
                "invalid_characters",
                format!("{field} 含有控制字符"),
                format!("{field} contains control characters"),
            );
        }
        v.to_string()
    }

    /// A day written `YYYY-MM-DD` (`date_invalid` otherwise).
    pub fn date(&mut self, field: &str, value: &str) -> Option<chrono::NaiveDate> {
        match chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.add(
                    field,
                    "date_invalid",
                    "日期格式应为 YYYY-MM-DD",
                    "dates are YYYY-MM-DD",
                );
                None
            }
        }
    }

    /// A day written `YYYY-MM-DD`, not after `today` (`date_in_future` otherwise).
    pub fn past_date(
        &mut self,
        field: &str,
        value: &str,
        today: chrono::NaiveDate,
    ) -> Option<chrono::NaiveDate> {
        let d = self.date(field, value)?;
        if d > today {
            self.add(
                field,
                "date_in_future",
                "日期不能晚于今天",
                "the date is in the future",
            );
            return None;
        }
        Some(d)
    }

    /// An optional text field: empty becomes `None`.
    pub fn opt_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        match value.map(str::trim) {
            None | Some("") => None,
            Some(v) => Some(self.text(field, v, max)),
        }
    }

    pub fn email(&mut self, field: &str, value: &str) -> String {
        let v = self.text(field, value, 254);
        let ok = match v.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !v.chars().any(char::is_whitespace)
                    // What the mailer cannot send to is refused here, not at send time.
                    && v.parse::<lettre::Address>().is_ok()
            }
            None => false,
        };
        if !v.is_empty() && !ok {
            self.add(
                field,
                "email_invalid",
                "电子邮箱格式不正确",
                "not a valid email address",
            );
        }
        v
    }

    pub fn phone(&mut self, field: &str, value: &str) -> String {
        let v = self.text(field, value, 32);
        let ok = v.chars().all(|c| c.is_ascii_digit() || "+- ()".contains(c))
            && v.chars().filter(char::is_ascii_digit).count() >= 7;
        if !v.is_empty() && !ok {
            self.add(
                field,
                "phone_invalid",
                "联系电话格式不正确",
                "not a valid phone number",
            );
        }
        v
    }

    /// A bank account number: 8–32 digits; spaces are dropped.
    pub fn bank_account(&mut self, field: &str, value: &str) -> String {
        let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        if !(8..=32).contains(&v.len()) || !v.chars().all(|c| c.is_ascii_digit()) {
            self.add(
                field,
                "bank_account_invalid",
                "银行账号应为8–32位数字",
                "bank account numbers have 8-32 digits",
            );
        }
        v
    }

    pub fn finish(self) -> Result<(), FieldErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}
