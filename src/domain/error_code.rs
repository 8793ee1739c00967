//! Every error code the service answers with, in one table: its wire name (the
//! problem's `code`), the kind of refusal (which becomes the HTTP status), and its
//! Chinese and English messages. A message may hold named places (`{year}`) that the
//! caller fills (`AppError::of(code).arg("year", y)`); both languages name the same
//! places, which a test checks. Several rows may share one wire name when the same
//! refusal is worded for different situations; they then share a kind.
//!
//! The OpenAPI document lists each endpoint's codes from here (`http::openapi`).

/// The kind of a refusal; the HTTP layer maps it to a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    Unprocessable,
    TooManyRequests,
    PayloadTooLarge,
    /// The client stopped sending a request body (an upload that never finishes).
    RequestTimeout,
    Unavailable,
    Internal,
}

impl Kind {
    /// The HTTP status code of this kind.
    pub fn http_status(self) -> u16 {
        match self {
            Kind::BadRequest => 400,
            Kind::Unauthorized => 401,
            Kind::Forbidden => 403,
            Kind::NotFound => 404,
            Kind::Conflict => 409,
            Kind::Unprocessable => 422,
            Kind::TooManyRequests => 429,
            Kind::PayloadTooLarge => 413,
            Kind::RequestTimeout => 408,
            Kind::Unavailable => 503,
            Kind::Internal => 500,
        }
    }
}

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $kind:ident, $zh:literal, $en:literal;)*) => {
        /// One row of the table of error codes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $($variant),* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];
            /// The wire name: the problem's `code`.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),* }
            }
            pub fn kind(self) -> Kind {
                match self { $(ErrorCode::$variant => Kind::$kind),* }
            }
            /// The Chinese message, with its places unfilled.
            pub fn zh(self) -> &'static str {
                match self { $(ErrorCode::$variant => $zh),* }
            }
            /// The English message, with its places unfilled.
            pub fn en(self) -> &'static str {
                match self { $(ErrorCode::$variant => $en),* }
            }
            /// Whether `self` is the same refusal as `other` on the wire: rows that word
            /// one refusal for different situations share its wire name.
            pub fn is(self, other: ErrorCode) -> bool {
                self.as_str() == other.as_str()
            }
            /// The first row with this wire name (for a refusal read back from a row,
            /// whose words were kept with it).
            pub fn from_wire(code: &str) -> Option<ErrorCode> {
                Self::ALL.iter().copied().find(|c| c.as_str() == code)
            }
        }
    };
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A code compares with its wire name, as a client sees it.
impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// On the wire a code is its name.
impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Fills the place `{name}` of a message with `value`.
pub fn fill(message: &str, name: &str, value: &str) -> String {
    message.replace(&format!("{{{name}}}"), value)
}

/// The names of the places in a message, in order.
pub fn places(message: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        out.push(&after[..close]);
        rest = &after[close + 1..];
    }
    out
}

error_codes! {
    // Any request
    Forbidden = "forbidden", Forbidden,
        "您的角色无权执行此操作",
        "your role may not do this";
    NotFound = "not_found", NotFound,
        "未找到该{what}",
        "no such {what}";
    InternalError = "internal_error", Internal,
        "服务器内部错误，请稍后重试",
        "internal server error; please retry later";
    ServiceUnavailable = "service_unavailable", Unavailable,
        "服务暂时不可用，请稍后重试",
        "service temporarily unavailable; please retry";
    NulCharacter = "nul_character", BadRequest,
        "请求中含有空字符（NUL），任何字段都不能含有该字符",
        "the request holds a NUL character, which no field may contain";
    ValidationFailed = "validation_failed", Unprocessable,
        "提交的数据有 {count} 处错误",
        "{count} fields are invalid";
    AlreadyExists = "already_exists", Conflict,
        "该记录已存在",
        "a record with these values already exists";
    ConcurrentUpdate = "concurrent_update", Conflict,
        "数据正被他人同时修改，请重试",
        "the data was changed concurrently; please retry";
    ServiceBusy = "service_unavailable", Unavailable,
        "服务繁忙，请稍后重试",
        "the service is busy; please retry";
    ClaimQueueFull = "claim_queue_full", Unavailable,
        "申领人数过多，请稍后重试",
        "too many claims are waiting; retry in a moment";
    // Unique keys a race can break (see `error::UNIQUE_CODES`)
    CreditCodeTaken = "credit_code_taken", Conflict,
        "该统一社会信用代码已被注册",
        "this credit code is already registered";
    OrderAlreadyRedeemed = "order_already_redeemed", Conflict,
        "该订单已申请过兑现",
        "an order is already in a redemption application";
    // domain/voucher.rs: claims
    BatchNotOpen = "batch_not_open", Conflict,
        "本期合创券尚未开放申领",
        "this batch is not open for claims yet";
    BatchClosed = "batch_closed", Conflict,
        "本期合创券申领已结束",
        "claiming for this batch has ended";
    BatchSoldOut = "batch_sold_out", Conflict,
        "本期合创券已领完",
        "this batch is sold out";
    AlreadyClaimed = "already_claimed", Conflict,
        "您已领取过本期合创券",
        "you have already claimed from this batch";
    FirmNotOnboarded = "firm_not_eligible", Unprocessable,
        "企业尚未入库，不能申领",
        "the firm is not onboarded";
    FirmSizeClassNotEligible = "firm_not_eligible", Unprocessable,
        "本期仅限符合条件规模的企业申领，贵企业为{size}企业",
        "this batch is not for {size} firms";
    FirmDishonest = "firm_not_eligible", Unprocessable,
        "企业有失信记录，不能申领",
        "the firm has a dishonesty record";
    FirmScreened = "firm_not_eligible", Unprocessable,
        "企业在{list}名单上，不能申领；如认为有误，请联系主管部门复核",
        "the firm is on the list of {list} and cannot claim; if this is wrong, ask the authority to review it";
    FirmRevenueAboveCeiling = "firm_not_eligible", Unprocessable,
        "企业上年度营业收入超过本期上限",
        "last year's revenue is above the batch's ceiling";
    FirmQualificationMissing = "firm_not_eligible", Unprocessable,
        "本期要求企业具备资质：{qualification}",
        "this batch requires the qualification {qualification}";
    ClaimGateUnmet = "claim_gate_unmet", Conflict,
        "此前领取的合创券已使用{used}%，需达到{required}%方可再次申领",
        "earlier vouchers are {used}% used; {required}% is needed before claiming again";
    AnnualLimitReached = "annual_limit_reached", Conflict,
        "本年度申领次数已达上限（{limit}张）",
        "the yearly limit of {limit} voucher(s) is reached";
    BatchAllocatedByLottery = "batch_allocated_by_lottery", Conflict,
        "本期合创券以摇号方式分配，请在开放前登记参与摇号",
        "this batch is allocated by lottery; register interest before it opens";
    FaceValueNotOffered = "face_value_not_offered", Unprocessable,
        "本期不提供该面额",
        "this batch does not offer that face value";
    FaceValueRequired = "face_value_required", Unprocessable,
        "本期有多种面额，请选择一种",
        "this batch offers several face values; choose one";
    // Field errors: the code of one field of a `validation_failed` problem (422), or the
    // problem's own code when it is the only one. A field may say more than these
    // messages, naming itself; these are what the code means.
    Required = "required", Unprocessable,
        "此项不能为空",
        "this field is required";
    TooLong = "too_long", Unprocessable,
        "最多 {max} 个字符",
        "at most {max} characters";
    TooMany = "too_many", Unprocessable,
        "数量超过上限",
        "too many entries";
    InvalidCharacters = "invalid_characters", Unprocessable,
        "含有控制字符",
        "contains control characters";
    InvisibleCharacters = "invisible_characters", Unprocessable,
        "含有不可见的格式字符（零宽字符、方向控制符等）",
        "contains invisible formatting characters (zero-width, direction marks)";
    FormulaLike = "formula_like", Unprocessable,
        "不能以 = + - @ 开头",
        "may not begin with =, +, - or @";
    IntegerInvalid = "integer_invalid", Unprocessable,
        "请填写整数",
        "must be a whole number";
    DateInvalid = "date_invalid", Unprocessable,
        "日期格式应为 YYYY-MM-DD（1900 年以后）",
        "dates are written YYYY-MM-DD, from 1900";
    DateInFuture = "date_in_future", Unprocessable,
        "日期不能晚于今天",
        "the date is in the future";
    InstantInvalid = "instant_invalid", Unprocessable,
        "时间格式应为 RFC 3339，如 2026-12-01T09:00:00+08:00",
        "instants are RFC 3339 with an offset, e.g. 2026-12-01T09:00:00+08:00";
    EmailInvalid = "email_invalid", Unprocessable,
        "电子邮箱格式不正确",
        "not a valid email address";
    PhoneInvalid = "phone_invalid", Unprocessable,
        "联系电话格式不正确",
        "not a valid phone number";
    BankAccountInvalid = "bank_account_invalid", Unprocessable,
        "银行账号应为8–32位数字",
        "bank account numbers have 8-32 digits";
    CreditCodeInvalid = "credit_code_invalid", Unprocessable,
        "统一社会信用代码不正确",
        "not a valid unified social credit code";
    AmountInvalid = "amount_invalid", Unprocessable,
        "金额格式不正确，应为以元为单位的数字字符串，如 \"1234.50\"",
        "amount must be a decimal string in yuan, e.g. \"1234.50\"";
    AmountTooPrecise = "amount_too_precise", Unprocessable,
        "金额最多保留两位小数（精确到分）",
        "amount may have at most 2 decimal places (fen)";
    AmountNegative = "amount_negative", Unprocessable,
        "金额不能为负数",
        "amount must not be negative";
    AmountOutOfRange = "amount_out_of_range", Unprocessable,
        "金额超出允许范围",
        "amount is out of range";
    AmountUnexpected = "amount_unexpected", Unprocessable,
        "只有发票填写金额",
        "only an invoice states an amount";
    AmountNotPositive = "amount_not_positive", Unprocessable,
        "金额必须大于零",
        "the amount must be more than zero";
    ReasonRequired = "reason_required", Unprocessable,
        "此操作必须填写理由",
        "this action needs a reason";
    CorrectionsRequired = "corrections_required", Unprocessable,
        "退回补正时必须列出需要修改的内容（每行一项）",
        "a return for correction lists what to correct (one item a line)";
    CorrectionsTooMany = "corrections_too_many", Unprocessable,
        "最多列出 {max} 项",
        "at most {max} items";
    CorrectionsUnexpected = "corrections_unexpected", Unprocessable,
        "只有退回补正时才列出需要修改的内容",
        "corrections are listed only when returning an application";
    UsernameInvalid = "username_invalid", Unprocessable,
        "用户名须为3–64位字母、数字或 ._-@",
        "usernames have 3-64 characters: letters, digits and ._-@";
    PasswordTooWeak = "password_too_weak", Unprocessable,
        "密码须为10–128位，至少包含大写字母、小写字母、数字、符号中的三类，且不能与用户名相同",
        "passwords need 10-128 characters with at least three of: lower case, upper case, digits, symbols, and must differ from the username";
    PasswordUnchanged = "password_unchanged", Unprocessable,
        "新密码不能与当前密码相同",
        "the new password must differ from the current one";
    RoleNotStaff = "role_not_staff", Unprocessable,
        "此处只能创建审核、财务、管理员或审计账号；企业、机构和载体请自行注册",
        "only reviewer, finance, admin and auditor accounts are created here; firms, providers and spaces register themselves";
    ShareInvalid = "share_invalid", Unprocessable,
        "请填写大于 0、不超过 100 的百分数，最多两位小数，如 50",
        "a percentage above 0 and at most 100, with at most 2 decimals, e.g. 50";
    ArticleKindUnknown = "article_kind_unknown", Unprocessable,
        "请选择通知公告或常见问题",
        "choose a notice or a common question";
    // Field errors: firms, providers, spaces, incubatees
    IndustryUnknown = "industry_unknown", Unprocessable,
        "行业代码不在企业划型标准表中",
        "unknown industry code (see /api/v1/policy/industries)";
    DistrictUnknown = "district_unknown", Unprocessable,
        "请选择所在区县",
        "choose the district the firm is in (see /api/v1/policy/districts)";
    EmployeesInvalid = "employees_invalid", Unprocessable,
        "从业人员数应为 0 至 10,000,000 之间的整数",
        "employees must be between 0 and 10,000,000";
    TotalAssetsRequired = "total_assets_required", Unprocessable,
        "该行业按资产总额划型，请填写资产总额",
        "this industry is sized by total assets; give total_assets";
    SpaceUnknown = "space_unknown", Unprocessable,
        "推荐载体不存在",
        "no such space";
    CategoriesRequired = "categories_required", Unprocessable,
        "至少选择一个服务类别",
        "choose at least one service category";
    CategoryNotListed = "category_not_listed", Unprocessable,
        "贵机构未获准提供该类别的服务",
        "the provider is not listed for this category";
    DeliveryDaysInvalid = "delivery_days_invalid", Unprocessable,
        "交付周期应为 1 至 3650 天",
        "delivery_days must be between 1 and 3650";
    DateBeforeFounding = "date_before_founding", Unprocessable,
        "入孵日期不能早于企业成立日期",
        "a firm cannot enter before it was founded";
    DateBeforeEntry = "date_before_entry", Unprocessable,
        "日期不能早于入孵日期",
        "the date precedes the entry";
    DateBeforeApplication = "date_before_application", Unprocessable,
        "认定日期不能早于申报日期",
        "certification cannot precede the application";
    DateBeforeCertification = "date_before_certification", Unprocessable,
        "撤销日期不能早于认定日期",
        "revocation cannot precede the certification";
    StatisticsYearInvalid = "statistics_year_invalid", Unprocessable,
        "只能报送已结束年度的统计数据",
        "statistics are filed for a year that is over";
    DocumentKindUnknown = "document_kind_unknown", Unprocessable,
        "未知的材料类型",
        "unknown document kind";
    CertificateNoRequired = "certificate_no_required", Unprocessable,
        "请填写证书编号",
        "enter the certificate's number";
    ValidUntilRequired = "valid_until_required", Unprocessable,
        "请填写证书有效期",
        "enter the date the certificate is valid until";
    CertificateExpired = "certificate_expired", Unprocessable,
        "证书已过期，请上传有效的证书",
        "the certificate has expired; upload a valid one";
    FigureUnknown = "figure_unknown", Unprocessable,
        "未知的申报指标",
        "unknown figure";
    FigureRequired = "figure_required", Unprocessable,
        "请填报该指标",
        "the figure is required";
    FigureInvalid = "figure_invalid", Unprocessable,
        "指标格式不正确",
        "the figure is not of its kind";
    FigureNegative = "figure_negative", Unprocessable,
        "指标不能为负数",
        "the figure cannot be negative";
    FigureTooPrecise = "figure_too_precise", Unprocessable,
        "指标的小数位数过多",
        "the figure has too many decimal places";
    PercentAbove100 = "percent_above_100", Unprocessable,
        "百分比不能超过 100%",
        "a percentage is at most 100";
    FigureOutOfRange = "figure_out_of_range", Unprocessable,
        "指标超出合理范围",
        "the figure is out of range";
    FigureExceeds = "figure_exceeds", Unprocessable,
        "指标超过与之相关的另一指标",
        "the figure exceeds the figure it is part of";
    GraduationConditionNotInScheme = "graduation_condition_not_in_scheme", Unprocessable,
        "该类型载体没有此毕业条件",
        "the scheme has no such graduation condition";
    GraduationAmountRequired = "graduation_amount_required", Unprocessable,
        "请填写毕业条件对应的金额",
        "the graduation condition needs an amount";
    GraduationConditionUnmet = "graduation_condition_unmet", Unprocessable,
        "未达到毕业条件",
        "the graduation condition is not met";
    // Field errors: vouchers, orders, redemptions, access
    ProgrammeCodeInvalid = "programme_code_invalid", Unprocessable,
        "项目代码应为2–16位大写字母或数字",
        "programme codes have 2-16 capital letters or digits";
    SpecialVoucherOneCategory = "special_voucher_one_category", Unprocessable,
        "专用券只能对应一个服务类别",
        "a special voucher buys exactly one category";
    ValidityInvalid = "validity_invalid", Unprocessable,
        "有效期应为1–60个月",
        "validity is 1-60 months";
    SizeClassesRequired = "size_classes_required", Unprocessable,
        "至少选择一种企业规模",
        "choose at least one size class";
    LimitsInvalid = "limits_invalid", Unprocessable,
        "每期限额应为1–100，年度限额不小于每期限额",
        "per-batch limit 1-100 and a yearly limit at least as large";
    ProgrammeCeilingExceeded = "programme_ceiling_exceeded", Unprocessable,
        "项目各期预算合计超过上限",
        "the programme's batch budgets together exceed the ceiling";
    BudgetCeilingExceeded = "budget_ceiling_exceeded", Unprocessable,
        "该期预算超过上限",
        "the batch's budget exceeds the ceiling";
    BudgetInvalid = "budget_invalid", Unprocessable,
        "预算必须大于零",
        "the budget must be positive";
    FaceValueInvalid = "face_value_invalid", Unprocessable,
        "面额必须大于零",
        "face values must be positive";
    FaceValuesRequired = "face_values_required", Unprocessable,
        "至少设置一种面额",
        "give at least one face value";
    FaceValueAboveBudget = "face_value_above_budget", Unprocessable,
        "面额不能超过预算",
        "a face value cannot exceed the budget";
    WindowInvalid = "window_invalid", Unprocessable,
        "结束时间必须晚于开始时间",
        "closes_at must be after opens_at";
    WindowPast = "window_past", Unprocessable,
        "结束时间已过，不能新建该期",
        "closes_at has passed: such a batch could never be claimed";
    OpensAtPast = "opens_at_past", Unprocessable,
        "开放时间不能早于现在一天以上",
        "opens_at may not be more than a day before now";
    OrderCountInvalid = "order_count_invalid", Unprocessable,
        "每份兑现申请应包含 1 至 {max} 个订单",
        "an application holds 1 to {max} orders";
    // http/extract.rs
    SessionSignedOut = "token_revoked", Unauthorized,
        "该登录会话已退出，请重新登录",
        "this session was signed out; sign in again";
    AuthenticationRequired = "authentication_required", Unauthorized,
        "请先登录（需要 Authorization: Bearer 访问令牌）",
        "sign in first (Authorization: Bearer <access token>)";
    // http/handlers/audit.rs
    LimitInvalid = "limit_invalid", BadRequest,
        "limit 应为 1 至 100",
        "limit must be between 1 and 100";
    ActorUnknown = "actor_unknown", Unprocessable,
        "没有此用户名",
        "no user has this name";
    EntityFilterIncomplete = "entity_filter_incomplete", BadRequest,
        "entity_id 须与 entity_type 一同给出",
        "entity_id needs entity_type";
    // services/dashboard.rs
    BatchNotInProgramme = "batch_not_in_programme", Unprocessable,
        "该批次不属于所选项目",
        "the batch is not one of the chosen programme's";
    SortUnknown = "sort_unknown", BadRequest,
        "未知的排序方式",
        "unknown sort order";
    SelectionYearInvalid = "selection_year_invalid", BadRequest,
        "年度应为 2000 至 2999",
        "the year must be from 2000 to 2999";
    // http/handlers/settlement.rs
    FormatUnknown = "format_unknown", BadRequest,
        "未知的文件格式：{what}（应为 csv 或 xlsx）",
        "unknown format {what}: csv or xlsx";
    // http/handlers/vouchers.rs
    IdempotencyKeyInvalid = "idempotency_key_invalid", BadRequest,
        "Idempotency-Key 应为 1–200 个可见 ASCII 字符",
        "Idempotency-Key must be 1-200 visible ASCII characters";
    // http/mod.rs
    StatusUnknown = "status_unknown", BadRequest,
        "未知的状态：{status}",
        "unknown status: {status}";
    PageInvalid = "page_invalid", BadRequest,
        "页码应为 1 至 1000000 的整数",
        "page must be between 1 and 1000000";
    InvalidJson = "invalid_json", BadRequest,
        "请求体 JSON 不符合要求：{reason}",
        "the JSON body does not fit: {reason}";
    BodyTooLarge = "body_too_large", PayloadTooLarge,
        "请求体过大",
        "the request body is too large";
    ContentTypeUnsupported = "content_type_unsupported", BadRequest,
        "请求体必须是 JSON（Content-Type: application/json）",
        "the body must be JSON (Content-Type: application/json)";
    BodyUnreadable = "invalid_json", BadRequest,
        "请求体无法解析：{what}",
        "the body could not be read: {what}";
    InvalidQuery = "invalid_query", BadRequest,
        "查询参数不正确：{reason}",
        "invalid query parameters: {reason}";
    FormTooLarge = "form_too_large", PayloadTooLarge,
        "表单内容过长",
        "the form is too large";
    // jobs/schedule.rs
    JobSlotInFuture = "job_slot_in_future", Unprocessable,
        "不能为尚未到来的时段运行任务",
        "a job cannot be run for a slot that has not come yet";
    // services/affiliations.rs
    ReviewerConflictOfInterest = "reviewer_conflict_of_interest", Forbidden,
        "您与该事项涉及的单位存在关联（已申报的任职或所属关系），请由其他审核人员处理",
        "you are affiliated with an organisation this concerns; another reviewer must decide it";
    NotStaff = "not_staff", Conflict,
        "只有平台工作人员需要申报关联单位",
        "affiliations are declared for staff only";
    // services/auth.rs
    TokenExpired = "token_expired", Unauthorized,
        "登录已过期，请刷新令牌或重新登录",
        "the access token has expired";
    TokenInvalid = "token_invalid", Unauthorized,
        "访问令牌无效",
        "the access token is invalid";
    AccountDisabled = "account_disabled", Unauthorized,
        "该账号已停用",
        "this account is disabled";
    TokenRevoked = "token_revoked", Unauthorized,
        "令牌已失效（密码已修改或账号状态已变更），请重新登录",
        "the token was revoked (password or account changed); sign in again";
    InvalidCredentials = "invalid_credentials", Unauthorized,
        "用户名或密码错误",
        "wrong username or password";
    TooManyLoginAttempts = "too_many_login_attempts", TooManyRequests,
        "该地址登录失败次数过多，请稍后再试",
        "too many failed sign-ins from this address; try again later";
    AccountLocked = "account_locked", TooManyRequests,
        "该账号连续登录失败次数过多，已临时锁定，请 {wait} 秒后再试",
        "too many failed sign-ins for this account; locked for {wait} more seconds";
    RefreshTokenInvalid = "refresh_token_invalid", Unauthorized,
        "刷新令牌无效",
        "the refresh token is invalid";
    RefreshTokenReusedSessionRevoked = "refresh_token_reused", Unauthorized,
        "刷新令牌已被使用过，为安全起见该登录会话已全部注销，请重新登录",
        "this refresh token was already used; the whole session was revoked, sign in again";
    RefreshTokenRevoked = "refresh_token_revoked", Unauthorized,
        "刷新令牌已注销，请重新登录",
        "the refresh token was revoked; sign in again";
    RefreshTokenExpired = "refresh_token_expired", Unauthorized,
        "刷新令牌已过期，请重新登录",
        "the refresh token has expired; sign in again";
    RefreshTokenReused = "refresh_token_reused", Unauthorized,
        "刷新令牌已被使用过，请重新登录",
        "this refresh token was already used; sign in again";
    CurrentPasswordWrong = "current_password_wrong", Unprocessable,
        "当前密码不正确",
        "the current password is wrong";
    // services/awards.rs
    PerformanceAwardNotConfigured = "performance_award_not_configured", Conflict,
        "未配置绩效评价（config/policy/subsidies.toml 的 performance_award）",
        "no performance_award in the subsidy policy";
    YearNotOver = "year_not_over", Unprocessable,
        "{year} 年度尚未结束，不能评价",
        "{year} is not over";
    StatisticsDeadlineNotPassed = "statistics_deadline_not_passed", Conflict,
        "{year} 年度统计数据报送截止日为 {due}，截止后方可评价",
        "the {year} statistics are due by {due}; evaluate after that";
    AlreadyEvaluated = "already_evaluated", Conflict,
        "{year} 年度绩效评价已完成",
        "{year} is already evaluated";
    // services/receivables.rs
    ReceivableRecovered = "receivable_recovered", Conflict,
        "该应收款项已全部收回",
        "this receivable is recovered in full already";
    RepaymentExceedsOutstanding = "repayment_exceeds_outstanding", Unprocessable,
        "还款金额不能超过尚欠金额",
        "the repayment is more than what is still owed";
    // services/providers.rs (relisting after a delisting)
    ProviderNotDelisted = "provider_not_delisted", Conflict,
        "只有已出库的服务机构可以重新申请入库（当前状态：{status}）",
        "only a delisted provider applies to be listed again (this one is {status})";
    RelistPeriodRunning = "relist_period_running", Conflict,
        "出库后 {days} 天内不得重新申请入库，{from} 起可以申请",
        "a delisted provider may apply again {days} days after the delisting, from {from}";
    // services/appeals.rs
    AppealNotAppealable = "appeal_not_appealable", Unprocessable,
        "该事项不可申诉：{why}",
        "this cannot be appealed: {why}";
    AppealWindowClosed = "appeal_window_closed", Conflict,
        "申诉期已过：决定于 {decided} 作出，应在 {days} 天内申诉",
        "the appeal window has closed: the decision was made {decided}, to be appealed within {days} days";
    AppealAlreadyFiled = "appeal_already_filed", Conflict,
        "已对该决定提出过申诉",
        "this decision has been appealed already";
    AppealDecided = "appeal_decided", Conflict,
        "该申诉已处理",
        "this appeal is decided already";
    AppealByOriginalReviewer = "appeal_by_original_reviewer", Forbidden,
        "作出原决定的人员不能处理对该决定的申诉，请由其他审核人员处理",
        "the person who made the decision cannot handle its appeal; another reviewer must";
    AppealPartlyNotApplicable = "appeal_partly_not_applicable", Unprocessable,
        "只有对核查结论或追回的申诉可以部分支持",
        "only an appeal against a finding or a clawback can be granted in part";
    GrantedAmountInvalid = "granted_amount_invalid", Unprocessable,
        "部分支持时核定金额应高于原结论认定的 {was} 元、低于原兑现金额 {original} 元",
        "granted in part, the amount must be more than the {was} the finding allowed and less than the item's {original}";
    AppealSubjectMoved = "appeal_subject_moved", Conflict,
        "原决定之后情况已有变化（当前状态：{status}），不能按申诉撤销",
        "things have moved on since the decision (now {status}); the appeal cannot undo it";
    // services/screening.rs
    ScreeningFileUnreadable = "screening_file_unreadable", Unprocessable,
        "名单文件无法读取，未做任何更改：{why}",
        "the list file cannot be read; nothing changed: {why}";
    ScreeningFileInvalid = "screening_file_invalid", Unprocessable,
        "名单文件有 {count} 处错误（首处在第 {line} 行），整份文件未导入",
        "the list file has {count} problems (the first on line {line}); nothing was imported";
    ScreeningImportDecided = "screening_import_decided", Conflict,
        "该名单导入已应用或已放弃",
        "this list import is applied or discarded already";
    ScreeningImportStale = "screening_import_stale", Conflict,
        "预览之后已有另一份名单应用，请重新上传以查看最新的变化",
        "another list was applied after this preview; upload it again to see what it changes now";
    ScreeningNotAMatch = "screening_not_a_match", Unprocessable,
        "该条目不涉及这一单位",
        "this entry does not name that party";
    ScreeningAlreadyCleared = "screening_already_cleared", Conflict,
        "该条目对这一单位已解除",
        "this entry is cleared for that party already";
    OnScreeningList = "on_screening_list", Conflict,
        "{name}在{list}名单上（{source}，{listed_on} 列入），暂停办理",
        "{name} is on the list of {list} ({source}, listed {listed_on}); this is on hold";
    // services/catalogue.rs
    ProviderNotListedToPublish = "provider_not_listed", Conflict,
        "服务机构入库后方可发布服务项目",
        "a provider publishes services only while listed";
    CategoryUnknown = "category_unknown", BadRequest,
        "未知的服务类别：{category}",
        "unknown service category: {category}";
    // services/certification.rs
    ApplicationNotOpen = "application_not_open", Conflict,
        "该申请已处理或已撤回",
        "the application is no longer open";
    ApplicationNotEligible = "application_not_eligible", Conflict,
        "申请未达到全部认定条件，不能认定",
        "the application does not meet every criterion";
    CertificationNotActive = "certification_not_active", Conflict,
        "该资格已撤销或已失效",
        "the certification is not in force";
    // services/contact_verification.rs
    NoPartyContact = "no_party_contact", Unprocessable,
        "此账户不属于企业、服务机构或载体，没有需要验证的联系邮箱",
        "this account belongs to no firm, provider or space; there is no contact address to verify";
    ContactAlreadyVerified = "contact_already_verified", Unprocessable,
        "联系邮箱 {email} 已验证，无需再次发送",
        "the contact address {email} is verified already";
    VerificationResendThrottled = "verification_resend_throttled", TooManyRequests,
        "一小时内最多发送 {per_account_per_hour} 次验证邮件，请稍后再试，或查看垃圾邮件箱",
        "at most {per_account_per_hour} verification emails an hour; try again later, or look in the spam folder";
    VerificationLinkInvalid = "verification_link_invalid", BadRequest,
        "验证链接无效，请登录后在工作台重新发送",
        "this verification link is not valid; sign in and send a new one from your home page";
    VerificationLinkUsed = "verification_link_used", BadRequest,
        "此验证链接已使用过，或已被更新的链接取代",
        "this verification link has been used, or a newer one replaced it";
    VerificationLinkExpired = "verification_link_expired", BadRequest,
        "验证链接已过期（有效期 {ttl_hours} 小时），请登录后在工作台重新发送",
        "this verification link has expired (it works for {ttl_hours} hours); sign in and send a new one from your home page";
    VerificationLinkStale = "verification_link_stale", BadRequest,
        "联系邮箱已更改，此链接不再有效，请使用发往新邮箱的链接",
        "the contact address has changed since this link was sent; use the link sent to the new address";
    ContactNotVerified = "contact_not_verified", Unprocessable,
        "申请人尚未验证联系邮箱（{email}），申请尚未进入审核",
        "the applicant has not verified its contact address ({email}); the application has not gone to review";
    // services/demo.rs
    DatabaseNotEmpty = "database_not_empty", Conflict,
        "数据库中已有用户，演示数据只写入空数据库",
        "the database already has users; demo data goes only into an empty database";
    // services/evidence.rs
    EvidenceKindUnknown = "evidence_kind_unknown", BadRequest,
        "材料类型应为 contract、invoice、payment_receipt 或 service_report",
        "kind must be contract, invoice, payment_receipt or service_report";
    FileEmpty = "file_empty", Unprocessable,
        "上传的文件为空",
        "the uploaded file is empty";
    FileTypeUnsupported = "file_type_unsupported", Unprocessable,
        "只接受 PDF、JPEG 或 PNG 文件（按文件内容识别）",
        "only PDF, JPEG or PNG files are accepted (recognised by their content)";
    UploadTimeout = "upload_timeout", RequestTimeout,
        "上传超时（{secs} 秒内未收到完整文件），未保存任何内容，请重试",
        "the file did not arrive within {secs} s; nothing was stored";
    EvidenceNotAcceptedNow = "evidence_not_accepted_now", Conflict,
        "只能在订单已接受、尚未交付（或有异议待处理）时上传材料",
        "evidence is accepted while the order is accepted and not yet delivered, or disputed";
    // services/firms.rs: a qualification confirmed from a certificate
    DocumentUnknown = "document_unknown", Unprocessable,
        "该企业没有这份材料",
        "the firm has no such document";
    DocumentNotACertificate = "document_not_a_certificate", Unprocessable,
        "只能据高新技术企业证书或科技型中小企业入库登记核定资质",
        "a qualification is confirmed from a high-tech enterprise certificate or a tech SME registration";
    CertificateIncomplete = "certificate_incomplete", Unprocessable,
        "证书缺少编号或有效期，无法据此核定资质",
        "the certificate has no number or validity to confirm a qualification from";
    // services/firms.rs
    FirmProfileLocked = "firm_profile_locked", Conflict,
        "企业已入库，资料变更请联系审核人员",
        "the firm is onboarded; profile changes go through a reviewer";
    // services/incubatees.rs
    SchemeUnknown = "scheme_unknown", Unprocessable,
        "未知的认定（备案）类型：{code}",
        "unknown scheme {code}";
    SchemeRequired = "scheme_required", Unprocessable,
        "尚无有效认定资格，请指明按哪类认定的在孵企业条件登记",
        "no certification in force: name the scheme whose incubatee rules apply";
    IncubateeAlreadyRegistered = "incubatee_already_registered", Conflict,
        "该企业已在本单位在孵名册中",
        "the firm is already in the register";
    IncubateeNotCurrent = "incubatee_not_current", Conflict,
        "该企业已毕业或已迁出",
        "the firm has already graduated or left";
    // services/lottery.rs
    BatchNotLottery = "batch_not_lottery", Conflict,
        "本期合创券先到先得，无需登记摇号，请在开放后直接申领",
        "this batch is first come, first served; claim it once it opens";
    LotteryRegistrationClosed = "lottery_registration_closed", Conflict,
        "摇号登记已截止",
        "registration for this lottery has closed";
    LotteryAlreadyDrawn = "lottery_already_drawn", Conflict,
        "本期已摇号",
        "this lottery has already been drawn";
    LotteryNotDue = "lottery_not_due", Conflict,
        "摇号在开放时间进行，尚未到时间",
        "the draw takes place at the opening instant, which has not come";
    BatchClosedForDraw = "batch_closed", Conflict,
        "本期已结束，不能再摇号",
        "this batch has closed; it can no longer be drawn";
    // services/objections.rs
    ObjectionAlreadyResolved = "objection_already_resolved", Conflict,
        "该异议已处理",
        "this objection was already resolved";
    // services/orders/mod.rs
    OrderStatusUnknown = "status_unknown", BadRequest,
        "未知的订单状态：{status}",
        "unknown order status: {status}";
    // services/orders/request.rs
    ServiceNotOffered = "service_not_offered", Conflict,
        "该服务项目已下架",
        "this service item is no longer offered";
    RelatedPartyForbidden = "related_party_forbidden", Forbidden,
        "企业与该服务机构存在关联关系（{zh}），不能使用合创券交易",
        "the firm and the provider are related parties (same {why}) and may not trade with a voucher";
    VoucherExhausted = "voucher_exhausted", Conflict,
        "该合创券已无可用余额",
        "this voucher has no balance left to spend";
    AmountTooSmall = "amount_too_small", Unprocessable,
        "合同金额过小，合创券支付部分不足 0.01 元",
        "the contract is too small for the voucher to pay any of it";
    ProviderSuspended = "provider_suspended", Conflict,
        "该服务机构已被暂停服务资格",
        "this provider is suspended";
    ProviderNotListed = "provider_not_listed", Conflict,
        "该服务机构不在服务机构库中",
        "this provider is not listed";
    // services/orders/transitions.rs
    DeliveryGraceEnded = "delivery_grace_ended", Conflict,
        "合创券已过期且交付宽限期已结束，订单将自动取消",
        "the voucher expired and the grace period for delivery has ended";
    NotDue = "not_due", Conflict,
        "未到期",
        "not due";
    // services/outbox.rs
    MailTemplateError = "mail_template_error", Internal,
        "通知邮件无法生成，操作未执行，请联系管理员：{reason}",
        "the notification email could not be written, so nothing was changed; tell an administrator: {reason}";
    // services/password_reset.rs
    ResetRequestsThrottled = "reset_requests_throttled", TooManyRequests,
        "此网络地址申请重置密码过于频繁，请一小时后再试",
        "too many reset requests from this address; try again in an hour";
    ResetLinkInvalid = "reset_link_invalid", BadRequest,
        "重置链接无效，请重新申请",
        "this reset link is not valid; please ask for a new one";
    ResetLinkUsed = "reset_link_used", BadRequest,
        "此重置链接已使用过，请重新申请",
        "this reset link has been used; please ask for a new one";
    ResetLinkExpired = "reset_link_expired", BadRequest,
        "重置链接已过期（有效期 {ttl_minutes} 分钟），请重新申请",
        "this reset link has expired (it works for {ttl_minutes} minutes); please ask for a new one";
    UserHasNoEmail = "user_has_no_email", Unprocessable,
        "该用户没有登记电子邮箱，无法发送重置链接",
        "this user has no email address to send a reset link to";
    UserDisabled = "user_disabled", Unprocessable,
        "该用户已停用，请先启用",
        "this user is disabled; enable the account first";
    // services/redemptions.rs
    OrderNotFound = "not_found", NotFound,
        "未找到订单 {missing}",
        "no such order: {missing}";
    ItemAlreadyDecided = "item_already_decided", Conflict,
        "该兑现事项已审核",
        "this item was already decided";
    // services/registration.rs
    UsernameTaken = "username_taken", Conflict,
        "该用户名已被使用",
        "this username is taken";
    // services/settlement/bank_file.rs
    RunNotApprovedForExport = "run_not_approved", Conflict,
        "结算批次审批通过后方可导出付款文件",
        "only an approved run exports a bank file";
    // services/settlement/mod.rs
    PeriodInvalid = "period_invalid", BadRequest,
        "结算期应为 YYYY-MM，如 2026-11",
        "a period is YYYY-MM, e.g. 2026-11";
    // services/settlement/results.rs
    RunNotApprovedForResults = "run_not_approved", Conflict,
        "结算批次审批通过后方可登记付款结果",
        "results are recorded for approved runs only";
    RunNotExported = "run_not_exported", Conflict,
        "请先导出付款文件交银行支付，再登记付款结果",
        "export the run's bank file before recording results";
    PayoutNotPaid = "payout_not_paid", Conflict,
        "只有已付款的记录可以冲正",
        "only a paid payout can be reversed";
    ResultsFileMalformed = "results_file_malformed", Unprocessable,
        "结果文件格式错误，未做任何登记：{why}",
        "the result file is malformed; nothing was applied: {why}";
    // services/settlement/run.rs
    PeriodInFuture = "period_in_future", Unprocessable,
        "结算期 {period} 尚未开始",
        "the period {period} has not begun";
    PeriodNotEnded = "period_not_ended", Unprocessable,
        "结算期 {period} 尚未结束，{ends} 之后方可结算",
        "the period {period} has not ended; it can be settled after {ends}";
    PeriodBeforeProgramme = "period_before_programme", Unprocessable,
        "结算期 {period} 早于本计划开始（{first}），没有可结算的款项",
        "the period {period} is before the programme began ({first}); there is nothing to settle";
    NothingPayable = "nothing_payable", Unprocessable,
        "结算期 {period} 没有可支付的款项{held}",
        "nothing is payable for the period {period}{held}";
    RunAlreadyDecided = "run_already_decided", Conflict,
        "该结算批次已审批",
        "this run was already decided";
    SameUserCannotApprove = "same_user_cannot_approve", Forbidden,
        "结算批次须由编制人以外的财务人员审批",
        "the finance user who prepared a run may not decide it";
    // services/statistics.rs
    YearInvalid = "year_invalid", BadRequest,
        "年度不正确",
        "the year is not one that has begun";
    // services/subsidies.rs
    AsOfInFuture = "period_in_future", Unprocessable,
        "{as_of} 尚未开始",
        "{as_of} has not begun";
    CertificationNotInForce = "certification_not_in_force", Conflict,
        "该认定资格已撤销或失效，不再享受该补贴",
        "the certification no longer covers the period";
    DuplicateSupportRefused = "duplicate_support", Conflict,
        "同一事项同一期间已获资助（{shown}），按政策不得重复支持，请驳回",
        "the same support was already granted ({shown}); the policy refuses duplicates";
    DuplicateSupportNeedsAcknowledgement = "duplicate_support", Conflict,
        "同一事项同一期间已获资助（{shown}）；确认仍予支持的，请勾选确认并说明理由",
        "the same support was already granted ({shown}); acknowledge it with a reason to approve";
    // services/users.rs
    CannotDisableSelf = "cannot_disable_self", Unprocessable,
        "不能停用自己的账号",
        "you cannot disable your own account";
    // services/vouchers.rs
    ProgrammeCodeTaken = "programme_code_taken", Conflict,
        "该项目代码已被使用",
        "this programme code is taken";
    BatchAlreadyPublished = "batch_already_published", Conflict,
        "该期已发布",
        "this batch is already published";
    BatchWindowPast = "batch_window_past", Conflict,
        "该期申领时间已过，不能发布",
        "this batch's window has passed";
    BatchClosedForTopUp = "batch_closed", Conflict,
        "该期已结束，不能追加预算",
        "this batch has closed";
    // web/desk.rs
    FormInvalid = "form_invalid", BadRequest,
        "表单内容无效，请检查后重新提交。",
        "the form does not match what this page sends: {reason}";
    UploadInvalid = "upload_invalid", BadRequest,
        "上传内容不完整，请重新选择文件上传。",
        "the upload was malformed or cut short";
    // web/finance.rs
    ResultFileTooLarge = "body_too_large", PayloadTooLarge,
        "结果文件不能超过 16 MiB",
        "result files may be at most 16 MiB";
    // web/register.rs
    FormUnreadable = "form_invalid", BadRequest,
        "表单内容无法读取：{reason}",
        "the form could not be read: {reason}";
    FormExpired = "form_expired", Forbidden,
        "页面已过期，表单未提交，请重试。",
        "this form has expired and was not sent; please try again";
    // jobs/schedule.rs
    JobSlotInvalid = "job_slot_invalid", Unprocessable,
        "{at} 不是任务 {job} 的计划时间（{schedule}，时区 {timezone}）；最近的时段为 {hint}",
        "{at} is not a scheduled instant of job {job} ({schedule}, time zone {timezone}); the latest before it is {hint}";
    // jobs/runner.rs
    JobSlotTaken = "job_slot_taken", Conflict,
        "任务 {job} 的时段 {slot} 已运行（状态：{status}，记录 {run}）；只有失败或中断的时段可以重新运行",
        "job {job} already ran for slot {slot} (status {status}, run {run}); only a failed or interrupted slot can be run again";
    // services/registration.rs
    CreditCodeTakenBy = "credit_code_taken", Conflict,
        "该统一社会信用代码已被注册（{owner}）",
        "this credit code is already registered (as a {owner})";
    // services/redemptions.rs
    OrderNotConfirmed = "order_not_confirmed", Conflict,
        "以下订单尚未经企业确认：{orders}",
        "not confirmed by the firm: {orders}";
    // services/redemptions.rs
    OrdersAlreadyRedeemed = "order_already_redeemed", Conflict,
        "以下订单已申请过兑现：{orders}",
        "already in a redemption application: {orders}";
    // services/incubatees.rs
    SchemeHasNoIncubateeRules = "scheme_has_no_incubatee_rules", Unprocessable,
        "{scheme}没有在孵企业条件",
        "{scheme} has no incubatee rules";
    // services/incubatees.rs
    IncubateeTooOld = "incubatee_too_old", Unprocessable,
        "企业入孵时已成立 {age} 个月，{scheme}要求不超过 {max} 个月",
        "the firm was {age} months old at entry; {scheme} allows {max}";
    // services/providers.rs
    ListingTransitionInvalid = "listing_transition_invalid", Conflict,
        "当前状态“{from}”不能执行此操作",
        "a provider in status {from} cannot be moved to {to}";
    // services/firms.rs, services/providers.rs
    ApplicationNotReturned = "application_not_returned", Conflict,
        "该申请未被退回补正，无需重新提交（当前状态：{status}）",
        "the application was not returned for correction ({status})";
    // services/providers.rs
    ApplicationLocked = "application_locked", Conflict,
        "申请已进入公示或已处理，不能再修改（当前状态：{status}）",
        "the application is in public notice or decided and can no longer be changed ({status})";
    // services/firms.rs
    OnboardingAlreadyDecided = "onboarding_already_decided", Conflict,
        "该企业入库申请已处理（当前状态：{status}）",
        "this onboarding application was already decided ({status})";
    // services/statistics.rs
    StatisticsLocked = "statistics_locked", Conflict,
        "{year} 年度绩效评价已完成，统计数据不能再修改",
        "the {year} evaluation is done; its statistics are final";
    // services/certification.rs
    ContactNotVerifiedForCertification = "contact_not_verified", Unprocessable,
        "请先验证联系邮箱（{email}），再提交认定申请",
        "verify the contact address ({email}) before applying for certification";
    // services/certification.rs
    SchemeNotForSpaceKind = "scheme_not_for_space_kind", Unprocessable,
        "{scheme}不适用于该类型的载体",
        "{scheme} is not for a space of kind {kind}";
    // services/certification.rs
    AlreadyCertified = "already_certified", Conflict,
        "贵单位已具有{scheme}资格",
        "the space already holds {scheme}";
    // services/certification.rs
    ApplicationOpen = "application_open", Conflict,
        "已有一份{scheme}申请在审核中",
        "an application for {scheme} is already open";
    // services/certification.rs
    SpaceAlreadyCertified = "already_certified", Conflict,
        "该载体已具有{scheme}资格",
        "the space already holds {scheme}";
    // services/subsidies.rs
    EntitlementAlreadyDecided = "entitlement_already_decided", Conflict,
        "该补贴事项已处理",
        "the entitlement is {status}";
    // services/subsidies.rs
    EntitlementInNotice = "entitlement_in_notice", Conflict,
        "公示期至 {ends} 结束，期满后方可审批",
        "the public notice has not ended";
    // services/subsidies.rs
    SubsidyPolicyUnknown = "subsidy_policy_unknown", Conflict,
        "补贴政策 {policy} 已不在政策配置中",
        "policy {policy} is no longer configured";
    // services/outbox.rs
    OutboxNotFailed = "outbox_not_failed", Conflict,
        "只有发送失败的邮件可以重发（当前状态：{status}）",
        "only a failed email can be retried (this one is {status})";
    // services/evidence.rs
    FileTooLarge = "file_too_large", PayloadTooLarge,
        "文件不能超过 {max} MiB",
        "files may be at most {max} bytes";
    // services/objections.rs
    NoticeNotOpen = "notice_not_open", Conflict,
        "该{what}不在公示期内，不能提出异议",
        "this {what} is not in its public notice period";
    // services/settlement/results.rs
    PayoutAlreadyRecorded = "payout_already_recorded", Conflict,
        "该笔付款已登记为{status}",
        "this payout is already {status}";
    // services/orders/transitions.rs
    VoucherBalanceInsufficient = "voucher_balance_insufficient", Conflict,
        "合创券可用余额 {available} 元不足以冻结本订单的 {needed} 元",
        "the voucher no longer has enough balance for this order";
    // services/orders/transitions.rs
    EvidenceMissing = "evidence_missing", Conflict,
        "请先上传：{kinds}",
        "upload these first: {kinds}";
    // services/orders/request.rs
    CategoryNotCovered = "category_not_covered", Unprocessable,
        "该合创券（{programme}）不能用于此类服务（{category}）",
        "this voucher's programme ({programme}) does not cover the category {category}";
    // services/orders/request.rs
    VoucherExpired = "voucher_expired", Conflict,
        "该合创券已于 {at} 过期",
        "this voucher has expired";
    // services/orders/request.rs
    VoucherNotActive = "voucher_not_active", Conflict,
        "该合创券已用完或已作废",
        "this voucher is {status}";
    // http/mod.rs
    PerPageInvalid = "per_page_invalid", BadRequest,
        "每页条数应为 1 至 {max} 之间",
        "per_page must be between 1 and {max}";
    // services/ratings.rs
    ScoreOutOfRange = "score_out_of_range", Unprocessable,
        "请在 1 至 5 分之间打分",
        "give a score from 1 to 5";
    RatingNotConfirmed = "rating_order_not_confirmed", Conflict,
        "只能评价已确认验收的订单",
        "only an order whose delivery was confirmed can be rated";
    RatingWindowClosed = "rating_window_closed", Conflict,
        "评价期已于 {until} 结束",
        "the rating window ended on {until}";
    AlreadyRated = "already_rated", Conflict,
        "该订单已评价，每个订单只能评价一次",
        "this order is rated already; an order is rated once";
    NotRated = "not_rated", Conflict,
        "该订单尚无评价，无可回复",
        "this order has no rating to answer";
    AlreadyAnswered = "already_answered", Conflict,
        "已回复过该评价，每条评价只能回复一次",
        "this rating is answered already; a rating is answered once";
    // services/spot_checks.rs
    PeriodNotOver = "period_not_over", Conflict,
        "{period} 尚未结束，月份结束后才能抽取该月的样本",
        "{period} has not ended; a month is drawn once it is over";
    AlreadyDrawn = "already_drawn", Conflict,
        "{period} 的回访抽查样本已抽取，每月只抽一次",
        "{period} is drawn already; a month is drawn once";
    NothingToDraw = "nothing_to_draw", Conflict,
        "{period} 没有审核通过的兑现事项，无可抽取",
        "no redemption item was approved in {period}; there is nothing to draw";
    CheckAnswered = "spot_check_answered", Conflict,
        "该回访抽查已答复，每次只能答复一次",
        "this spot check is answered already";
    CheckClosed = "spot_check_closed", Conflict,
        "答复期限已于 {until} 截止，该抽查已转为核查事项",
        "the time to answer ended on {until}; the check is now a finding";
    // services/findings.rs
    FindingDecided = "finding_decided", Conflict,
        "该核查事项已处理完毕",
        "this finding is decided already";
    FindingByApprover = "finding_by_approver", Forbidden,
        "该兑现事项由您审核通过，其核查事项须由其他审核人员处理",
        "you approved this item; another reviewer must decide its finding";
    CorrectedAmountInvalid = "corrected_amount_invalid", Unprocessable,
        "核定金额应大于 0 且小于原兑现金额",
        "the corrected amount must be more than 0 and less than the item's amount";
    // services/catalogue.rs
    ScoreFilterInvalid = "score_filter_invalid", BadRequest,
        "最低评分应为 1 至 5 之间、最多两位小数的数（收到：{min_score}）",
        "min_score must be a number from 1 to 5 with at most two decimals (got {min_score})";
    // services/orders/transitions.rs
    OrderNotRequested = "order_state_invalid", Conflict,
        "只能处理待接受的订单（当前状态：{status}）",
        "only a requested order can be accepted or declined (the order is {status})";
    // services/orders/transitions.rs
    OrderAlreadyDelivered = "order_state_invalid", Conflict,
        "订单交付后不能取消（当前状态：{status}）",
        "an order can be cancelled only before delivery (the order is {status})";
    // services/orders/transitions.rs
    OrderNotAccepted = "order_state_invalid", Conflict,
        "只有已接受的订单可以标记交付（当前状态：{status}）",
        "only an accepted order can be marked delivered (the order is {status})";
    // services/orders/transitions.rs
    OrderNotDelivered = "order_state_invalid", Conflict,
        "只有已交付的订单可以确认或提出异议（当前状态：{status}）",
        "only a delivered order can be confirmed or disputed (the order is {status})";
    // services/orders/transitions.rs
    OrderNotDisputed = "order_state_invalid", Conflict,
        "该订单没有待处理的异议（当前状态：{status}）",
        "this order has no dispute to resolve (the order is {status})";
    // services/backup.rs
    BackupTargetExists = "backup_target_exists", Conflict,
        "备份目录 {folder} 已存在，请指定新目录",
        "{folder} exists; back up into a new folder";
    // services/backup.rs
    BackupPostgresUsePgDump = "backup_postgres_use_pg_dump", Conflict,
        "PostgreSQL 数据库请用 pg_dump 备份（见 docs/OPERATIONS.md）",
        "back up a PostgreSQL database with pg_dump (docs/OPERATIONS.md)";
    // services/backup.rs
    BackupNotFound = "backup_not_found", Conflict,
        "{folder} 不是 hechuang 备份（缺少 manifest.json）",
        "{folder} is not a hechuang backup (no manifest.json)";
    // services/backup.rs
    BackupManifestUnreadable = "backup_damaged", Conflict,
        "备份清单无法读取：{reason}",
        "the backup's manifest cannot be read: {reason}";
    // services/backup.rs
    BackupDatabaseHashMismatch = "backup_damaged", Conflict,
        "备份数据库与清单记录的 SHA-256 不符，备份已损坏",
        "the backup's database does not match the SHA-256 in its manifest";
    // services/backup.rs
    BackupDatabaseCorrupt = "backup_damaged", Conflict,
        "备份数据库完整性检查未通过：{result}",
        "the backup's database fails SQLite's integrity check: {result}";
    // services/backup.rs
    DatabaseInUse = "database_in_use", Conflict,
        "数据库正在使用中，请先停止服务：{reason}",
        "the database is in use; stop the service first: {reason}";
    // services/backup.rs
    BackupEvidenceDamaged = "backup_damaged", Conflict,
        "备份中的材料 {file} 已损坏",
        "evidence {file} in the backup is damaged";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashMap};

    #[test]
    fn wire_names_are_snake_case_and_rows_sharing_one_share_its_kind() {
        let mut kinds: HashMap<&str, Kind> = HashMap::new();
        for &code in ErrorCode::ALL {
            let name = code.as_str();
            assert!(
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{code:?}: {name}"
            );
            let kind = *kinds.entry(name).or_insert(code.kind());
            assert_eq!(kind, code.kind(), "{name} answers with two statuses");
        }
    }

    #[test]
    fn every_message_is_written_in_both_languages_with_named_places() {
        for &code in ErrorCode::ALL {
            assert!(!code.zh().is_empty() && !code.en().is_empty(), "{code:?}");
            assert!(
                code.zh().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{code:?}: the Chinese message holds no Chinese"
            );
            for place in places(code.zh()).into_iter().chain(places(code.en())) {
                assert!(
                    !place.is_empty() && place.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{code:?}: place {{{place}}}"
                );
            }
        }
    }

    #[test]
    fn a_place_is_filled_wherever_it_stands() {
        assert_eq!(fill("{year} 年度 {year}", "year", "2026"), "2026 年度 2026");
        assert_eq!(places("a {x} b {y_z}"), vec!["x", "y_z"]);
        let names: BTreeSet<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert!(names.len() > 100, "the table holds every code");
    }
}
