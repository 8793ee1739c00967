//! A believable Hefei-style data set for a new installation, built through the same
//! use cases the API calls (so the audit trail and every rule apply to it too).

use super::auth::AuthConfig;
use super::claims::{self, ClaimRequest};
use super::contact_verification;
use super::firms::{FirmProfileInput, FirmRegistration, OnboardingDecision, OnboardingVerdict};
use super::providers::{ListingAction, ListingDecision, ProviderApplication};
use super::spaces::SpaceRegistration;
use super::users::NewStaffUser;
use super::vouchers::{self, BatchInput, ProgrammeInput};
use super::{firms, lottery, providers, spaces, users, Actor};
use crate::db::{users as user_repo, DbConnection};
use crate::domain::credit_code::make_code;
use crate::domain::id::{AnyParty, BatchId, FirmId, UserId};
use crate::domain::party::SpaceKind;
use crate::domain::validation::FieldErrors;
use crate::domain::voucher::AllocationMode;
use crate::domain::{Policy, Role};
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::notify::Templates;
use crate::services::Cx;
use chrono::{Duration, NaiveDateTime};

pub const DEMO_PASSWORD: &str = "Hechuang-Demo-2026";

#[derive(Debug)]
pub struct DemoSignIn {
    pub username: String,
    pub role: Role,
    pub who: String,
}

fn code(n: u32) -> AppResult<String> {
    make_code("91", "340100", &format!("MA2T{n:04}"))
        .ok_or_else(|| AppError::internal("demo credit code"))
}

/// Fills an empty database; refuses if any user exists. In steps: staff, firms (most
/// onboarded), spaces, providers (most listed), the portal's articles, and a programme
/// with a claimed batch, one opening tomorrow and a lottery.
pub fn fill(
    conn: &mut DbConnection,
    templates: &Templates,
    base_url: &str,
    policy: &Policy,
    auth: &AuthConfig,
    now: NaiveDateTime,
) -> AppResult<Vec<DemoSignIn>> {
    if user_repo::count(conn)? > 0 {
        return Err(AppError::of(ErrorCode::DatabaseNotEmpty));
    }
    let mut seed = Seed {
        templates,
        policy,
        auth,
        links: contact_verification::Links { base: base_url },
        now,
        earlier: now - Duration::days(10),
        sys: Actor::system(),
        out: Vec::new(),
    };
    let (admin, reviewer) = seed.staff(conn)?;
    seed.firms(conn, &reviewer)?;
    seed.spaces(conn)?;
    seed.providers(conn, &reviewer)?;
    seed.articles(conn, &admin)?;
    seed.programme(conn, &admin)?;
    Ok(seed.out)
}

/// The legal representatives (and actual controllers) of the demo firms.
const PEOPLE: [&str; 8] = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "周敏"];

/// What every step of the demo needs, and the sign-ins made so far.
struct Seed<'a> {
    templates: &'a Templates,
    policy: &'a Policy,
    auth: &'a AuthConfig,
    links: contact_verification::Links<'a>,
    now: NaiveDateTime,
    /// When the programme's history starts: ten days ago.
    earlier: NaiveDateTime,
    sys: Actor,
    out: Vec<DemoSignIn>,
}

impl Seed<'_> {
    /// The context of a step `actor` takes `at` that moment of the programme's history.
    fn cx<'s>(&'s self, actor: &'s Actor, at: NaiveDateTime) -> Cx<'s> {
        Cx::new(actor.at(at), self.policy, self.templates)
    }

    /// The staff; returns the admin and the reviewer.
    fn staff(&mut self, conn: &mut DbConnection) -> AppResult<(Actor, Actor)> {
        let staff = [
            ("admin", "系统管理员", Role::Admin),
            ("reviewer", "审核员 王审", Role::Reviewer),
            ("finance", "财务 李会计", Role::Finance),
            ("finance2", "财务复核 赵出纳", Role::Finance),
            ("auditor", "审计 孙稽查", Role::Auditor),
        ];
        let (mut reviewer_id, mut admin_id) = (None, None);
        for (u, name, role) in staff {
            let v = users::create_staff(
                conn,
                self.cx(&self.sys, self.earlier),
                self.auth,
                &NewStaffUser {
                    username: u.into(),
                    password: DEMO_PASSWORD.into(),
                    display_name: name.into(),
                    email: Some(format!("{u}@hgz.example.cn")),
                    role,
                },
            )?;
            if role == Role::Reviewer {
                reviewer_id = Some(v.id.clone());
            }
            if role == Role::Admin {
                admin_id = Some(v.id.clone());
            }
            self.out.push(DemoSignIn { username: u.into(), role, who: name.into() });
        }
        let staff = |id: Option<UserId>, role| {
            id.map(|id| Actor::user(&id, role, None, None))
                .ok_or_else(|| AppError::internal("demo staff"))
        };
        Ok((staff(admin_id, Role::Admin)?, staff(reviewer_id, Role::Reviewer)?))
    }

    fn firms(&mut self, conn: &mut DbConnection, reviewer: &Actor) -> AppResult<()> {
        // Firms: two of each size class, by industry figures.
        let firms_data: [(&str, &str, i64, &str, &str); 8] = [
            ("合肥量子芯测科技有限公司", "software_it", 8, "420000.00", "micro"),
            ("合肥智农物联网科技有限公司", "industry", 15, "2600000.00", "micro"),
            ("合肥云图数据服务有限公司", "software_it", 45, "6800000.00", "small"),
            ("合肥微光精密制造有限公司", "industry", 120, "15000000.00", "small"),
            ("合肥天枢软件股份有限公司", "software_it", 180, "56000000.00", "medium"),
            ("合肥博远新材料有限公司", "industry", 520, "180000000.00", "medium"),
            ("合肥鸿图电子集团有限公司", "industry", 2400, "980000000.00", "large"),
            ("合肥星河信息技术有限公司", "software_it", 650, "320000000.00", "large"),
        ];
        for (i, (name, industry, employees, revenue, _class)) in firms_data.iter().enumerate() {
            let n = u32::try_from(i + 1).unwrap_or(1);
            let username = format!("firm{n:02}");
            let reg = firms::register(
                conn,
                self.cx(&self.sys, self.earlier),
                self.auth,
                self.links,
                &FirmRegistration {
                    username: username.clone(),
                    password: DEMO_PASSWORD.into(),
                    email: Some(format!("{username}@example.cn")),
                    profile: FirmProfileInput {
                        credit_code: code(n)?,
                        name: (*name).into(),
                        legal_representative: PEOPLE[i].into(),
                        actual_controller: PEOPLE[i].into(),
                        registered_on: format!("20{:02}-0{}-15", 16 + i, 1 + i % 9),
                        address: format!(
                            "安徽省合肥市{}创新路{}号",
                            DEMO_DISTRICTS[i % DEMO_DISTRICTS.len()].1,
                            800 + i * 10
                        ),
                        contact_name: "办公室".into(),
                        contact_phone: format!("0551-6{:07}", 5_550_000 + i),
                        contact_email: format!("contact{n}@example.cn"),
                        industry: (*industry).into(),
                        district: DEMO_DISTRICTS[i % DEMO_DISTRICTS.len()].0.into(),
                        employees: *employees,
                        revenue: (*revenue).into(),
                        total_assets: None,
                    },
                },
                FieldErrors::new(),
            )?;
            // The contact answers its emailed link (as every applicant must before review).
            contact_verification::verify(conn, &reg.verification_token, self.earlier, None)?;
            // Most are onboarded; one is waiting and one was refused, so queues are not empty.
            match n {
                2 => {}
                8 => {
                    firms::decide_onboarding(
                        conn,
                        self.cx(reviewer, self.earlier + Duration::hours(2)),
                        &reg.party.id,
                        &OnboardingDecision {
                            decision: OnboardingVerdict::Reject,
                            reason: Some("企业规模超出中小微企业范围".into()),
                            corrections: vec![],
                        },
                    )?;
                }
                _ => {
                    firms::decide_onboarding(
                        conn,
                        self.cx(reviewer, self.earlier + Duration::hours(2)),
                        &reg.party.id,
                        &OnboardingDecision {
                            decision: OnboardingVerdict::Approve,
                            reason: None,
                            corrections: vec![],
                        },
                    )?;
                }
            }
            self.out.push(DemoSignIn {
                username,
                role: Role::Firm,
                who: format!("{name}（{}）", reg.party.size_class.name_zh()),
            });
        }

        Ok(())
    }

    fn spaces(&mut self, conn: &mut DbConnection) -> AppResult<()> {
        // Spaces.
        let spaces_data = [
            ("中安创谷科技孵化器", SpaceKind::Incubator),
            ("合肥高新区创客空间", SpaceKind::MakerSpace),
            ("集成电路专业化众创空间", SpaceKind::ProfessionalMakerSpace),
        ];
        for (i, (name, kind)) in spaces_data.iter().enumerate() {
            let n = u32::try_from(i + 1).unwrap_or(1);
            let username = format!("space{n:02}");
            let reg = spaces::register(
                conn,
                self.cx(&self.sys, self.earlier),
                self.auth,
                self.links,
                &SpaceRegistration {
                    username: username.clone(),
                    password: DEMO_PASSWORD.into(),
                    email: None,
                    credit_code: code(200 + n)?,
                    name: (*name).into(),
                    kind: *kind,
                    operator_name: format!("{name}运营管理有限公司"),
                    legal_representative: "吴强".into(),
                    address: format!("合肥市高新区创新大道{}号", 2700 + i),
                    contact_name: "运营部".into(),
                    contact_phone: format!("0551-6{:07}", 6_660_000 + i),
                    contact_email: format!("space{n}@example.cn"),
                    bank_name: Some("徽商银行合肥高新区支行".into()),
                    bank_account_name: Some(format!("{name}运营管理有限公司")),
                    bank_account_no: Some(format!("10235{:010}", 1_000 + i)),
                },
                FieldErrors::new(),
            )?;
            contact_verification::verify(conn, &reg.verification_token, self.earlier, None)?;
            self.out.push(DemoSignIn { username, role: Role::Space, who: (*name).into() });
        }

        Ok(())
    }

    fn providers(&mut self, conn: &mut DbConnection, reviewer: &Actor) -> AppResult<()> {
        // Providers: one per category; the last one waits in public notice, one has only applied.
        let cats = self.policy.categories.clone();
        let count = cats.len();
        for (i, cat) in cats.iter().enumerate() {
            let n = u32::try_from(i + 1).unwrap_or(1);
            let username = format!("provider{n:02}");
            let name = format!("合肥{}有限公司", cat.name_zh);
            let applied_at =
                if i + 1 == count { self.now - Duration::days(2) } else { self.earlier };
            let reg = providers::apply(
                conn,
                self.cx(&self.sys, applied_at),
                self.auth,
                self.links,
                &ProviderApplication {
                    username: username.clone(),
                    password: DEMO_PASSWORD.into(),
                    email: None,
                    credit_code: code(100 + n)?,
                    name: name.clone(),
                    legal_representative: "郑刚".into(),
                    actual_controller: format!("郑刚{n}"),
                    address: format!("合肥市蜀山区黄山路{}号", 400 + i),
                    contact_name: "业务部".into(),
                    contact_phone: format!("0551-6{:07}", 7_770_000 + i),
                    contact_email: format!("provider{n}@example.cn"),
                    description: format!("为区内中小微企业提供{}。", cat.name_zh),
                    categories: vec![cat.code.clone()],
                    bank_name: "中国银行合肥分行".into(),
                    bank_account_name: name.clone(),
                    bank_account_no: format!("18466{:010}", 2_000 + i),
                },
                FieldErrors::new(),
            )?;
            contact_verification::verify(conn, &reg.verification_token, applied_at, None)?;
            if i + 2 != count {
                providers::decide_listing(
                    conn,
                    self.cx(reviewer, applied_at + Duration::hours(1)),
                    &reg.party.id,
                    &ListingDecision {
                        action: ListingAction::StartNotice,
                        reason: None,
                        corrections: vec![],
                    },
                )?;
            }
            self.out.push(DemoSignIn { username, role: Role::Provider, who: name });
        }
        providers::conclude_notices(conn, self.cx(&self.sys, self.now))?;

        Ok(())
    }

    /// A notice and a common question, published, so the portal has something to say.
    fn articles(&self, conn: &mut DbConnection, admin: &Actor) -> AppResult<()> {
        for (kind, title, body, title_en, body_en) in [
            (
                "notice",
                "关于开展合创券申领工作的通知",
                "为支持小微企业创新发展，现开展合创券申领工作。\n符合条件的企业请先在平台注册并完成入驻审核，在批次开放时间登录领取。\n合创券实名登记、专券专用，有效期一年。",
                "Innovation vouchers: how to claim",
                "Small and micro firms may claim innovation vouchers.\nRegister on this site and have your firm onboarded first, then claim when a batch opens.\nVouchers are registered to the firm, spent only on listed services, and valid for a year.",
            ),
            (
                "faq",
                "合创券可以转让吗？",
                "不可以。合创券实名登记，仅限领取的企业在入库服务机构购买服务时使用。",
                "Can a voucher be transferred?",
                "No. A voucher is registered to the firm that claimed it and can only be spent by it on listed providers' services.",
            ),
        ] {
            let a = super::articles::create(conn, self.cx(admin, self.earlier), &super::articles::ArticleInput {
                    kind: kind.into(),
                    title: title.into(),
                    body: body.into(),
                    title_en: title_en.into(),
                    body_en: body_en.into(),
                })?;
            super::articles::publish(conn, self.cx(admin, self.earlier), &a.id, true)?;
        }
        Ok(())
    }

    /// A 合创券 programme with defaults from policy, one batch claimed already, one
    /// opening tomorrow at 09:00 Hefei time and a lottery batch in three days.
    fn programme(&self, conn: &mut DbConnection, admin: &Actor) -> AppResult<()> {
        let programme = vouchers::create_programme(
            conn,
            self.cx(admin, self.earlier),
            &ProgrammeInput {
                code: "HCQ2026".into(),
                name: "合肥高新区合创券（2026年度）".into(),
                ..Default::default()
            },
        )?;
        let programme = programme.id;
        let batch = |conn: &mut DbConnection,
                     name: &str,
                     budget: &str,
                     faces: &[&str],
                     (opens, closes): (NaiveDateTime, NaiveDateTime),
                     lottery: bool| {
            let input = BatchInput {
                name: name.into(),
                budget: budget.into(),
                face_values: faces.iter().map(|f| f.to_string()).collect(),
                opens_at: opens.and_utc().to_rfc3339(),
                closes_at: closes.and_utc().to_rfc3339(),
                allocation_mode: lottery.then_some(AllocationMode::Lottery),
                publish: true,
            };
            let b = vouchers::create_batch(conn, self.cx(admin, self.earlier), &programme, &input)?;
            Ok::<_, AppError>(b.id)
        };
        let tomorrow_9 = (self.now + Duration::hours(8))
            .date()
            .succ_opt()
            .unwrap_or(self.now.date())
            .and_hms_opt(1, 0, 0)
            .unwrap_or(self.now);
        let first = (self.earlier + Duration::hours(3), self.now + Duration::days(20));
        let opened = batch(conn, "第一期", "3000000.00", &["50000.00"], first, false)?;
        let second = (tomorrow_9, tomorrow_9 + Duration::days(30));
        let faces = ["30000.00", "50000.00"];
        batch(conn, "第二期", "20000000.00", &faces, second, false)?;
        let reqs = self.claimed(conn, &opened)?;
        // A lottery batch opening in three days, with the onboarded firms registered.
        let in_three_days = tomorrow_9 + Duration::days(2);
        let third = (in_three_days, in_three_days + Duration::days(30));
        let lottery = batch(conn, "第三期（摇号）", "100000.00", &["50000.00"], third, true)?;
        self.entered(conn, &lottery, &reqs)
    }

    /// The onboarded micro and small firms claimed from the first batch; returns the
    /// claims of every firm user.
    fn claimed(&self, conn: &mut DbConnection, batch: &BatchId) -> AppResult<Vec<ClaimRequest>> {
        // The onboarded micro and small firms claimed from the first batch.
        let firm_users: Vec<(UserId, FirmId)> =
            user_repo::list(conn, &crate::domain::listing::Filter::only(Some(Role::Firm)), 0, 100)?
                .0
                .into_iter()
                .filter_map(|u| u.party_id.map(|p| (u.id, FirmId::of_party(p))))
                .collect();
        let reqs: Vec<ClaimRequest> = firm_users
            .into_iter()
            .enumerate()
            .map(|(i, (user_id, firm_id))| ClaimRequest {
                firm_id,
                user_id: Some(user_id),
                face_value: None,
                idempotency_key: None,
                arrival: u64::try_from(i + 1).unwrap_or(0),
                request_id: None,
            })
            .collect();
        claims::settle(conn, self.templates, batch, &reqs, self.earlier + Duration::hours(4))?;
        Ok(reqs)
    }

    /// The onboarded firms register for the lottery.
    fn entered(
        &self,
        conn: &mut DbConnection,
        batch: &BatchId,
        reqs: &[ClaimRequest],
    ) -> AppResult<()> {
        for r in reqs {
            let Some(user) = &r.user_id else { continue };
            let firm = Actor::user(user, Role::Firm, Some(AnyParty::Firm(r.firm_id.clone())), None);
            match lottery::enter(
                conn,
                self.cx(&firm, self.now),
                batch,
                &r.firm_id,
                &lottery::EntryInput::default(),
            ) {
                Ok(_) => {}
                // Firms still waiting for onboarding cannot register.
                Err(e) if e.code.is(ErrorCode::FirmNotOnboarded) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// The demo firms' districts, in turn (codes of `config/policy/districts.toml`).
const DEMO_DISTRICTS: [(&str, &str); 5] = [
    ("340171", "高新区"),
    ("340104", "蜀山区"),
    ("340111", "包河区"),
    ("340172", "经开区"),
    ("340103", "庐阳区"),
];
