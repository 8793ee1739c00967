//! Field-level validation errors, collected so a caller learns everything wrong at once.

use super::error_code::ErrorCode;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    /// A code of the table, e.g. `credit_code_invalid`.
    #[schema(value_type = String)]
    pub code: ErrorCode,
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

    /// A field's error: its code from the table, in words that may name the field.
    pub fn add(
        &mut self,
        field: &str,
        code: ErrorCode,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) {
        self.0.push(FieldError {
            field: field.to_string(),
            code,
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
                ErrorCode::Required,
                "此项不能为空".to_string(),
                "this field is required".to_string(),
            );
        } else if v.chars().count() > max {
            self.add(
                field,
                ErrorCode::TooLong,
                format!("最多 {max} 个字符"),
                format!("at most {max} characters"),
            );
        } else if v.chars().any(|c| c.is_control()) {
            self.add(
                field,
                ErrorCode::InvalidCharacters,
                "含有控制字符".to_string(),
                "contains control characters".to_string(),
            );
        }
        v.to_string()
    }

    /// A required text of several lines (a notice's body): line breaks and tabs are
    /// kept; other control characters are refused.
    pub fn long_text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim().replace("\r\n", "\n");
        if v.is_empty() {
            self.add(field, ErrorCode::Required, "此项不能为空", "this field is required");
        } else if v.chars().count() > max {
            self.add(
                field,
                ErrorCode::TooLong,
                format!("最多 {max} 个字符"),
                format!("at most {max} characters"),
            );
        } else if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            self.add(
                field,
                ErrorCode::InvalidCharacters,
                "含有控制字符",
                "contains control characters",
            );
        }
        v
    }

    /// A person's name (legal representative, actual controller, contact): a required
    /// text ([`Self::text`]) without invisible formatting characters (Unicode Cf in the
    /// Basic Multilingual Plane: zero-width spaces and joiners, direction overrides…),
    /// which would make one person's name read the same and compare different.
    pub fn person_name(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = self.text(field, value, max);
        self.no_format_chars(field, &v);
        v
    }

    /// A party's name (firm, provider, space, operator, bank account holder): a
    /// [`Self::person_name`] that also may not begin like a spreadsheet formula
    /// (`= + - @`), since it is written into bank payment files and reports that must
    /// carry it unaltered.
    pub fn party_name(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = self.person_name(field, value, max);
        if super::party::starts_like_formula(&v) && !self.has(field) {
            self.add(
                field,
                ErrorCode::FormulaLike,
                "不能以 = + - @ 开头".to_string(),
                "may not begin with =, +, - or @".to_string(),
            );
        }
        v
    }

    /// An optional [`Self::party_name`] (blank means absent).
    pub fn opt_party_name(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        match value.map(str::trim) {
            None | Some("") => None,
            Some(v) => Some(self.party_name(field, v, max)),
        }
    }

    /// Refuses invisible formatting characters in `value` (see [`refused_format_char`]).
    pub fn no_format_chars(&mut self, field: &str, value: &str) {
        if value.chars().any(refused_format_char) && !self.has(field) {
            self.add(
                field,
                ErrorCode::InvisibleCharacters,
                "含有不可见的格式字符（零宽字符、方向控制符等）".to_string(),
                "contains invisible formatting characters (zero-width or direction controls)"
                    .to_string(),
            );
        }
    }

    fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    /// A day written `YYYY-MM-DD` ([`parse_day`]; `date_invalid` otherwise).
    pub fn date(&mut self, field: &str, value: &str) -> Option<chrono::NaiveDate> {
        match parse_day(value) {
            Some(d) => Some(d),
            None => {
                self.add(
                    field,
                    ErrorCode::DateInvalid,
                    "日期格式应为 YYYY-MM-DD（1900 至 2999 年）",
                    "dates are YYYY-MM-DD, years 1900 to 2999",
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
                ErrorCode::DateInFuture,
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

    /// A decision's `reason` on its own: optional, at most 1,000 characters, but
    /// `required` (saying why in `zh` / `en`) for the decisions that must give one.
    pub fn decision_reason(
        value: Option<&str>,
        required: bool,
        (zh, en): (&str, &str),
    ) -> Result<Option<String>, FieldErrors> {
        let mut e = FieldErrors::new();
        let reason = e.reason(value, required, (zh, en));
        e.finish().map(|()| reason)
    }

    /// A decision's reason (at most 1,000 characters), required when `required`.
    pub fn reason(
        &mut self,
        value: Option<&str>,
        required: bool,
        (zh, en): (&str, &str),
    ) -> Option<String> {
        let reason = self.opt_text("reason", value, 1000);
        if required && reason.is_none() {
            self.add("reason", ErrorCode::ReasonRequired, zh, en);
        }
        reason
    }

    /// What a reviewer returns an application for (退回补正): required when `returning`,
    /// refused otherwise; one item a line (see [`Corrections`]), each line a text.
    pub fn corrections(
        &mut self,
        given: &[String],
        returning: bool,
    ) -> Option<super::party::Corrections> {
        use super::party::Corrections;
        let items = Corrections::items_of(given);
        if !returning {
            if !items.is_empty() {
                self.add(
                    "corrections",
                    ErrorCode::CorrectionsUnexpected,
                    "只有退回补正时才列出需要修改的内容",
                    "corrections are listed only when returning an application",
                );
            }
            return None;
        }
        if items.is_empty() {
            self.add(
                "corrections",
                ErrorCode::CorrectionsRequired,
                "退回补正时必须列出需要修改的内容（每行一项）",
                "a return for correction lists what to correct (one item a line)",
            );
        } else if items.len() > Corrections::MAX_ITEMS {
            self.add(
                "corrections",
                ErrorCode::CorrectionsTooMany,
                format!("最多列出 {} 项", Corrections::MAX_ITEMS),
                format!("at most {} items", Corrections::MAX_ITEMS),
            );
        }
        let before = self.0.len();
        for item in &items {
            self.text("corrections", item, Corrections::MAX_CHARS);
            if self.0.len() > before {
                break;
            }
        }
        if self.0.len() > before {
            return None;
        }
        Corrections::of_items(&items)
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
                ErrorCode::EmailInvalid,
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
                ErrorCode::PhoneInvalid,
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
                ErrorCode::BankAccountInvalid,
                "银行账号应为8–32位数字",
                "bank account numbers have 8-32 digits",
            );
        }
        v
    }

    /// A unified social credit code, normalised. When it is not one, the error goes
    /// beside the field and the text comes back as typed (trimmed), so the checks that
    /// follow still name it.
    pub fn credit_code(&mut self, field: &str, value: &str) -> super::CreditCode {
        match super::CreditCode::parse(value) {
            Ok(c) => c,
            Err(e) => {
                self.add(field, ErrorCode::CreditCodeInvalid, e.message_zh(), e.message_en());
                super::CreditCode::as_typed(value)
            }
        }
    }

    /// An amount in yuan (`12000`, `12,000.50`), exact to the fen; zero, with the error
    /// beside the field, when it is not one.
    pub fn money(&mut self, field: &str, value: &str) -> super::Fen {
        super::Fen::parse_yuan(value).unwrap_or_else(|e| {
            self.add(
                field,
                e.code(),
                format!("{field}：{}", e.message_zh()),
                format!("{field}: {}", e.message_en()),
            );
            super::Fen::ZERO
        })
    }

    pub fn finish(self) -> Result<(), FieldErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

/// A day exactly as the document's date pattern says: `YYYY-MM-DD`, digits only (no
/// sign, spaces or shortened fields), a real day of a year from 1900 to 2999.
pub fn parse_day(s: &str) -> Option<chrono::NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    (1900..=2999).contains(&chrono::Datelike::year(&d)).then_some(d)
}

/// An instant sent in: RFC 3339 with its offset, exactly (no surrounding spaces). Whether
/// it is plausible is a rule of its use against now (a batch's window, say), which a
/// schema cannot state.
pub fn parse_instant(s: &str) -> Option<chrono::NaiveDateTime> {
    Some(chrono::DateTime::parse_from_rfc3339(s).ok()?.naive_utc())
}

/// A formatting character refused in names: Unicode category Cf in the Basic
/// Multilingual Plane (the ones a JSON Schema pattern can name, [`schema::FORMAT_CHARS`]).
/// Those beyond it are still ignored when names of people are compared
/// (`party::person_key`).
pub fn refused_format_char(c: char) -> bool {
    u32::from(c) <= 0xFFFF && super::party::is_format_char(c)
}

/// The rules above as JSON Schema, for the OpenAPI document (`#[schema(schema_with = …)]`).
///
/// Each schema accepts only what the matching check accepts, so a request valid by the
/// document is not refused for its form (schemathesis checks this against the running
/// service: tests/api/fuzz.rs). Rules no schema can say (a check digit, a password's mix
/// of characters, a date against today) are left to the API and named in descriptions.
/// Plain text fields use `#[schema(min_length = 1, max_length = N)]` (or only
/// `max_length` when optional); the document adds [`TEXT_PATTERN`] or
/// [`OPT_TEXT_PATTERN`] to those (`http::openapi`), which keeps their descriptions.
pub mod schema {
    use utoipa::openapi::schema::{
        Array, ArrayBuilder, KnownFormat, Object, ObjectBuilder, SchemaFormat, SchemaType, Type,
    };

    /// A required text: no control characters (Cc: U+0000–U+001F, U+007F–U+009F, what
    /// [`super::FieldErrors::text`] refuses) and something besides the spaces `str::trim`
    /// removes (Unicode White_Space).
    pub const TEXT_PATTERN: &str = concat!(
        r"^[^\u0000-\u001f\u007f-\u009f]*",
        r"[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f]",
        r"[^\u0000-\u001f\u007f-\u009f]*$"
    );
    /// An optional text: no control characters (blank means absent).
    pub const OPT_TEXT_PATTERN: &str = r"^[^\u0000-\u001f\u007f-\u009f]*$";

    /// The formatting characters (Cf) of the Basic Multilingual Plane, as a character
    /// class body; a test checks it against the Unicode data.
    pub const FORMAT_CHARS: &str = concat!(
        r"\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f",
        r"\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    );
    /// A person's name ([`super::FieldErrors::person_name`]): a required text without
    /// formatting characters.
    pub const NAME_PATTERN: &str = concat!(
        r"^[^\u0000-\u001f\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*",
        r"[^ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]",
        r"[^\u0000-\u001f\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*$"
    );
    /// A party's name ([`super::FieldErrors::party_name`]): a person's name whose first
    /// character after any spaces is not `=`, `+`, `-` or `@`.
    pub const PARTY_NAME_PATTERN: &str = concat!(
        r"^[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*",
        r"[^=+\-@ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]",
        r"[^\u0000-\u001f\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*$"
    );
    /// An optional party name: blank, or a party name.
    pub const OPT_PARTY_NAME_PATTERN: &str = concat!(
        r"^([ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*|",
        r"[ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*",
        r"[^=+\-@ \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]",
        r"[^\u0000-\u001f\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*)$"
    );

    fn string(nullable: bool) -> ObjectBuilder {
        let t = if nullable {
            SchemaType::from_iter([Type::String, Type::Null])
        } else {
            SchemaType::new(Type::String)
        };
        ObjectBuilder::new().schema_type(t)
    }

    /// Yuan with at most two decimals, not negative, e.g. `"2500000.00"`.
    const YUAN: &str = r"^(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?$";
    /// Yuan more than zero.
    const POSITIVE_YUAN: &str = r"^([1-9][0-9]{0,12}(\.[0-9]{1,2})?|0\.(0[1-9]|[1-9][0-9]?))$";

    pub fn yuan() -> Object {
        string(false)
            .pattern(Some(YUAN))
            .description(Some(
                "Yuan as a decimal string, at most two decimals, e.g. `\"2500000.00\"`.",
            ))
            .build()
    }

    pub fn opt_yuan() -> Object {
        string(true)
            .pattern(Some(YUAN))
            .description(Some(
                "Yuan as a decimal string, at most two decimals, e.g. `\"2500000.00\"`.",
            ))
            .build()
    }

    pub fn positive_yuan() -> Object {
        string(false)
            .pattern(Some(POSITIVE_YUAN))
            .description(Some("Yuan more than zero as a decimal string, at most two decimals, e.g. `\"5000.00\"`."))
            .build()
    }

    pub fn opt_positive_yuan() -> Object {
        string(true)
            .pattern(Some(POSITIVE_YUAN))
            .description(Some("Yuan more than zero as a decimal string, at most two decimals."))
            .build()
    }

    /// A day of a year from 1900 to 2999 (with `format: date`, which rules out 30 February).
    pub const DATE_PATTERN: &str =
        r"^(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";

    pub fn date() -> Object {
        string(false)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .pattern(Some(DATE_PATTERN))
            .description(Some("A day, `YYYY-MM-DD`, years 1900 to 2999."))
            .build()
    }

    pub fn opt_date() -> Object {
        string(true)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .pattern(Some(DATE_PATTERN))
            .description(Some("A day, `YYYY-MM-DD`, years 1900 to 2999."))
            .build()
    }

    /// A month paid for: `YYYY-MM`, years 2020 (`Period::FIRST_YEAR`) to 2999.
    pub const PERIOD_PATTERN: &str = r"^(202[0-9]|20[3-9][0-9]|2[1-9][0-9]{2})-(0[1-9]|1[0-2])$";

    pub fn period() -> Object {
        string(false)
            .pattern(Some(PERIOD_PATTERN))
            .description(Some("A month, `YYYY-MM` (China time), e.g. `2026-11`."))
            .build()
    }

    /// Blank means absent.
    pub fn opt_period() -> Object {
        string(true)
            .pattern(Some(r"^((202[0-9]|20[3-9][0-9]|2[1-9][0-9]{2})-(0[1-9]|1[0-2]))?$"))
            .description(Some("A month, `YYYY-MM` (China time), e.g. `2026-11`."))
            .build()
    }

    /// A share more than 0 and at most 1, at most four decimals, e.g. `"0.50"`.
    pub const SHARE_PATTERN: &str =
        r"^(0\.([1-9][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9])|1(\.0{1,4})?)$";
    /// A share from 0 to 1, at most four decimals, e.g. `"0.80"`.
    pub const SHARE_OR_ZERO_PATTERN: &str = r"^(0(\.[0-9]{1,4})?|1(\.0{1,4})?)$";

    pub fn opt_share() -> Object {
        string(true)
            .pattern(Some(SHARE_PATTERN))
            .description(Some("A decimal share more than 0 and at most 1, e.g. `\"0.50\"`."))
            .build()
    }

    pub fn opt_share_or_zero() -> Object {
        string(true)
            .pattern(Some(SHARE_OR_ZERO_PATTERN))
            .description(Some("A decimal share from 0 to 1, e.g. `\"0.80\"`."))
            .build()
    }

    /// A programme's code: 2–16 capital letters and digits.
    pub fn programme_code() -> Object {
        string(false)
            .pattern(Some(r"^[A-Z0-9]{2,16}$"))
            .description(Some("Short code used in voucher numbers: 2–16 capital letters and digits, e.g. `HCQ2026`."))
            .build()
    }

    /// Face values of a batch: one or more amounts in yuan.
    pub fn face_values() -> Array {
        ArrayBuilder::new()
            .items(positive_yuan())
            .min_items(Some(1))
            .description(Some("Yuan; one value, or several for the firm to choose from."))
            .build()
    }

    /// What to correct (退回补正): at most 20 entries of at most 500 characters; an entry
    /// may hold line breaks (each line is one item, blank lines dropped), no other
    /// control characters.
    pub fn corrections() -> Array {
        ArrayBuilder::new()
            .items(
                string(false)
                    .max_length(Some(500))
                    .pattern(Some(r"^[^\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]*$")),
            )
            .max_items(Some(20))
            .build()
    }

    /// Unified social credit codes, at most 50.
    pub fn credit_codes() -> Array {
        ArrayBuilder::new().items(credit_code()).max_items(Some(50)).build()
    }

    /// An RFC 3339 instant with its offset, e.g. `2026-12-01T09:00:00+08:00`.
    pub fn instant() -> Object {
        string(false)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some(
                "An RFC 3339 instant with its offset, e.g. `2026-12-01T09:00:00+08:00`.",
            ))
            .build()
    }

    /// 统一社会信用代码: 18 characters of the code's alphabet (lower case is accepted and
    /// upper-cased); the two check characters are checked by the API (`credit_code_invalid`).
    pub fn credit_code() -> Object {
        string(false)
            .pattern(Some(r"^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{10}$"))
            .description(Some(
                "统一社会信用代码 (unified social credit code), 18 characters; its two check characters \
                 are verified (`credit_code_invalid`).",
            ))
            .build()
    }

    /// An email address the mailer can send to: a dot-atom local part of at most 64
    /// characters, up to four domain labels of at most 32, a top-level domain of letters
    /// (within the 254 characters an address may have, so a generator need not discard).
    pub const EMAIL_PATTERN: &str = concat!(
        r"^[A-Za-z0-9_%+-]{1,32}(\.[A-Za-z0-9_%+-]{1,15}){0,2}@",
        r"([A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?\.){1,4}[A-Za-z]{2,24}$"
    );

    pub fn email() -> Object {
        string(false).pattern(Some(EMAIL_PATTERN)).max_length(Some(254)).build()
    }

    /// Blank means absent.
    pub fn opt_email() -> Object {
        let blank_or_email = format!("^$|{EMAIL_PATTERN}");
        string(true).pattern(Some(blank_or_email)).max_length(Some(254)).build()
    }

    /// A phone number: an optional `+country` and `(area)`, then 7–12 digits in groups,
    /// e.g. `0551-62881234`, `13800138000`, `+86 (551) 6288-1234`. (The API takes any
    /// digits with `+`, `-`, spaces and brackets, at least seven.)
    pub fn phone() -> Object {
        string(false)
            .pattern(Some(r"^(\+[0-9]{1,3} ?)?(\([0-9]{2,4}\) ?)?[0-9]{3,4}([ -]?[0-9]{4}){1,2}$"))
            .max_length(Some(32))
            .build()
    }

    /// A bank account number: 8–32 digits (spaces are dropped).
    pub fn bank_account() -> Object {
        string(false).pattern(Some(r"^[0-9]{8,32}$")).build()
    }

    /// Blank means absent.
    pub fn opt_bank_account() -> Object {
        string(true).pattern(Some(r"^([0-9]{8,32})?$")).build()
    }

    /// The roles of staff accounts (firms, providers and spaces register themselves).
    pub fn staff_role() -> Object {
        let staff = crate::domain::Role::ALL.into_iter().filter(|r| r.is_staff());
        string(false).enum_values(Some(staff.map(|r| r.as_str()).collect::<Vec<_>>())).build()
    }

    pub const USERNAME_PATTERN: &str = r"^[A-Za-z0-9._@-]{3,64}$";

    pub fn username() -> Object {
        string(false)
            .pattern(Some(USERNAME_PATTERN))
            .description(Some("3–64 letters, digits or `._-@`."))
            .build()
    }

    /// A new password: 10–128 characters; the API also wants three of lower case, upper
    /// case, digits and symbols and a password other than the username (`password_too_weak`).
    pub fn new_password() -> Object {
        string(false)
            .min_length(Some(10))
            .max_length(Some(128))
            .description(Some(
                "10–128 characters with at least three of: lower case, upper case, digits, symbols; \
                 not the username (`password_too_weak`).",
            ))
            .build()
    }
}

#[cfg(test)]
mod tests;
