//! What every signed-in work page shares: who may open it (others are sent to sign in,
//! or told plainly that the page is not theirs), the role's navigation, the form token,
//! renewed session cookies, posted forms read as the API's own inputs (so a page
//! validates exactly as the API does), and refusals shown next to the field they concern
//! with what was typed kept.

use super::session::{csrf_of, csrf_ok, see_other, session, with, Session};
use super::{render_at, Lang};
use crate::db::DbConnection;
use crate::domain::id::{FirmId, PartyKindId, ProviderId, SpaceId};
use crate::domain::validation::FieldErrors;
use crate::domain::Policy;
use crate::domain::Role;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use crate::http::db;
use crate::http::request_id;
use crate::http::State;
use crate::notify::Templates;
use crate::services::Actor;
use actix_web::cookie::Cookie;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use minijinja::context;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A signed-in user on one of their role's pages.
pub(super) struct Desk {
    pub(super) s: Session,
    pub(super) rid: Option<String>,
    csrf: String,
    set: Option<Cookie<'static>>,
    /// What the previous step did (`?done=`), in words.
    done: &'static str,
    /// The reader's language, and the cookie keeping it when this request chose it.
    lang: Lang,
    lang_cookie: Option<Cookie<'static>>,
    /// The page's own address when it was read (GET), which the language link keeps.
    here: Option<String>,
}

/// Opens a page for the given roles: not signed in → the sign-in page, coming back here
/// afterwards; signed in with another role → 403 with a plain page.
pub(super) async fn open(
    state: &State,
    req: &HttpRequest,
    roles: &[Role],
) -> Result<Desk, HttpResponse> {
    let here = req.path().to_string();
    let Some(s) = session(state, req).await else {
        return Err(see_other(&format!("/login?next={here}")));
    };
    let (csrf, set) = csrf_of(state, req);
    let done = actix_web::web::Query::<BTreeMap<String, String>>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.get("done").map(|d| done_text(d)))
        .unwrap_or("");
    let d = Desk {
        rid: request_id(req),
        s,
        csrf,
        set,
        done,
        lang: Lang::of_request(req),
        lang_cookie: Lang::cookie_for(req),
        here: (req.method() == actix_web::http::Method::GET).then(|| req.path().to_string()),
    };
    if !roles.contains(&d.s.caller.role) {
        let page = d.render(
            state,
            Screen { template: "denied.html", path: &here, title: "not-allowed" },
            context! {},
            &Form::none(),
            StatusCode::FORBIDDEN,
        );
        return Err(page.unwrap_or_else(|e| actix_web::ResponseError::error_response(&e)));
    }
    Ok(d)
}

impl Desk {
    pub(super) fn actor(&self) -> Actor {
        Actor::of_caller(&self.s.caller, self.rid.clone())
    }

    /// The firm, provider or space of that kind the user acts for (`FirmId`, …).
    fn party_as<T: PartyKindId>(&self) -> Result<T, AppError> {
        self.s.caller.party_as::<T>().ok_or_else(AppError::forbidden)
    }

    /// The firm the user acts for.
    pub(super) fn firm(&self) -> Result<FirmId, AppError> {
        self.party_as()
    }

    /// The space the user acts for.
    pub(super) fn space(&self) -> Result<SpaceId, AppError> {
        self.party_as()
    }

    /// The provider the user acts for.
    pub(super) fn provider(&self) -> Result<ProviderId, AppError> {
        self.party_as()
    }

    /// Whether the reader chose English.
    pub(super) fn en(&self) -> bool {
        self.lang.en()
    }

    /// The message `key` in the reader's language.
    pub(super) fn t(&self, key: &str) -> String {
        super::i18n::t(key, self.en())
    }

    /// The message `key` with `values`, in the reader's language.
    pub(super) fn t_with(&self, key: &str, values: &[(&str, &str)]) -> String {
        super::i18n::t_values(key, self.en(), values)
    }

    /// The form `id` refused with `e`, in the reader's language (see [`Form::failed`]).
    pub(super) fn failed(
        &self,
        id: &str,
        posted: &Posted,
        e: &AppError,
        field_of: &[(&str, &str)],
    ) -> Form {
        Form::failed(id, posted, e, field_of, self.en())
    }

    fn cookies(&self, state: &State) -> Vec<Cookie<'static>> {
        let mut c: Vec<Cookie<'static>> = self.set.iter().cloned().collect();
        c.extend(self.lang_cookie.iter().cloned());
        c.extend(self.s.renewal(state));
        c
    }

    /// Renders one of the role's pages with its navigation, the form token and the state
    /// of a refused form.
    pub(super) fn render(
        &self,
        state: &State,
        page: Screen<'_>,
        ctx: minijinja::Value,
        form: &Form,
        status: StatusCode,
    ) -> Result<HttpResponse, AppError> {
        let ctx = context! {
            ..ctx,
            ..context! {
                csrf => self.csrf.clone(), done => self.done,
                f => super::val(form),
            }
        };
        let chrome = super::Chrome::signed_in(state, self.s.caller.role);
        let here = self.here.as_deref().unwrap_or(page.path);
        let r = render_at(page.template, page.path, here, &self.lang, &chrome, page.title, ctx)?;
        Ok(with(r, status, &self.cookies(state)))
    }

    /// After a change: back to a page (303), which says what was done.
    pub(super) fn done(&self, state: &State, to: &str, what: &str) -> HttpResponse {
        let sep = if to.contains('?') { '&' } else { '?' };
        let mut r = HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("{to}{sep}done={what}")))
            .finish();
        for c in self.cookies(state) {
            let _ = r.add_cookie(&c);
        }
        r
    }

    /// The form came from a page this browser was given.
    pub(super) fn guard(&self, req: &HttpRequest, posted: &Posted) -> Result<(), AppError> {
        if csrf_ok(req, posted.get("csrf")) {
            Ok(())
        } else {
            Err(AppError::of(ErrorCode::FormExpired))
        }
    }
}

/// What a use case run from a page needs besides its input: the policy, the email
/// templates, the time, who acts and for which party.
pub(super) struct Act {
    pub(super) policy: Arc<Policy>,
    pub(super) mail: Arc<Templates>,
    pub(super) now: NaiveDateTime,
    /// Who acts, and for which firm, provider or space.
    pub(super) actor: Actor,
    /// The site's address, for links in emails.
    pub(super) base: Arc<crate::config::SiteSettings>,
}

impl Act {
    /// The context of the use case this page runs.
    pub(super) fn cx(&self) -> crate::services::Cx<'_> {
        crate::services::Cx {
            now: self.now,
            actor: &self.actor,
            policy: &self.policy,
            templates: &self.mail,
        }
    }

    /// The party of that kind the user acts for, as its typed id (`FirmId`, …).
    pub(super) fn party_as<T: PartyKindId>(&self) -> Result<T, AppError> {
        self.actor.party.as_ref().and_then(T::in_party).cloned().ok_or_else(AppError::forbidden)
    }

    /// What a use case that emails a link needs.
    pub(super) fn links(&self) -> crate::services::contact_verification::Links<'_> {
        crate::services::contact_verification::Links { base: &self.base.base_url }
    }
}

impl Desk {
    /// A posted form run as one use case: the page's token checked, the form read by
    /// `input`, then `run` on a pooled connection (the use case holds its transaction).
    pub(super) async fn attempt<I, R>(
        &self,
        state: &State,
        req: &HttpRequest,
        posted: &Posted,
        input: impl FnOnce(&Posted) -> Result<I, AppError>,
        run: impl FnOnce(&mut DbConnection, I, &Act) -> AppResult<R> + Send + 'static,
    ) -> Result<R, AppError>
    where
        I: Send + 'static,
        R: Send + 'static,
    {
        self.guard(req, posted)?;
        let i = input(posted)?;
        let act = Act {
            policy: state.policy.clone(),
            mail: state.mail.clone(),
            now: state.clock.now(),
            actor: self.actor(),
            base: state.site.clone(),
        };
        db(state, move |c| run(c, i, &act)).await
    }

    /// [`Desk::attempt`] for a form whose `input` gives stand-ins with the fields it
    /// could not read (`Posted::input_all`): every error at once. When the form has
    /// errors, the use case runs on the stand-ins in a transaction that is always rolled
    /// back, only to learn its own errors for the other fields; nothing is kept, and the
    /// form's error for a field comes before the use case's.
    pub(super) async fn attempt_all<I, R>(
        &self,
        state: &State,
        req: &HttpRequest,
        posted: &Posted,
        input: impl FnOnce(&Posted) -> Result<(I, FieldErrors), AppError>,
        run: impl FnOnce(&mut DbConnection, I, &Act) -> AppResult<R> + Send + 'static,
    ) -> Result<R, AppError>
    where
        I: Send + 'static,
        R: Send + 'static,
    {
        self.attempt(state, req, posted, input, move |c, (i, form), act| {
            if form.is_empty() {
                return run(c, i, act);
            }
            let tried = crate::db::write_tx::<(), AppError, _>(c, |c| match run(c, i, act) {
                // Kept by nobody: the form was not whole.
                Ok(_) => Err(AppError::validation(FieldErrors::new())),
                Err(e) => Err(e),
            });
            Err(together(form, tried.err()))
        })
        .await
    }

    /// After [`Desk::attempt`]: on to a page (303) saying what was done, or the page
    /// again through `again`, with the refusal shown as form `form_id`.
    pub(super) async fn answer<Fut>(
        &self,
        state: &State,
        result: Result<(String, &'static str), AppError>,
        form_id: &str,
        posted: &Posted,
        field_of: &[(&str, &str)],
        again: impl FnOnce(Form, StatusCode) -> Fut,
    ) -> actix_web::Result<HttpResponse>
    where
        Fut: std::future::Future<Output = Result<HttpResponse, AppError>>,
    {
        match result {
            Ok((to, what)) => Ok(self.done(state, &to, what)),
            Err(e) => {
                let f = self.failed(form_id, posted, &e, field_of);
                Ok(again(f, e.kind.status()).await?)
            }
        }
    }
}

/// The form's own field errors with those a dry run of the use case found (`tried`) for
/// the other fields: one refusal saying every error at once, the form's first.
pub(super) fn together(form: FieldErrors, tried: Option<AppError>) -> AppError {
    let mut all = form;
    for fe in tried.map(|e| e.errors).unwrap_or_default() {
        if !all.0.iter().any(|x| x.field == fe.field) {
            all.0.push(fe);
        }
    }
    AppError::validation(all)
}

/// What a page says after a change (`?done=`); only these fixed texts are shown.
pub(super) fn done_text(code: &str) -> &'static str {
    match code {
        "ordered" => "order-placed-waiting-for-the-provider-to",
        "accepted" => "order-accepted-the-vouchers-share-is-held",
        "declined" => "order-declined",
        "cancelled" => "order-cancelled",
        "uploaded" => "document-uploaded",
        "delivered" => "marked-delivered-waiting-for-the-firm-to",
        "confirmed" => "delivery-confirmed-2",
        "disputed" => "dispute-raised-a-reviewer-will-resolve-it",
        "resolved" => "done",
        "rated" => "thank-you-your-rating-is-published",
        "drawn" => "sample-drawn-the-firms-are-asked",
        "checked" => "thank-you-your-answer-is-recorded",
        "stated" => "your-statement-is-recorded",
        "repaid" => "repayment-recorded",
        "reapplied" => "reapplied-the-application-goes-to-review",
        "appeal-filed" => "appeal-filed-a-reviewer-will-decide",
        "appeal-decided" => "appeal-decided-the-party-is-told",
        "list-previewed" => "list-previewed-read-it-then-apply",
        "list-applied" => "list-applied-holds-follow",
        "list-discarded" => "list-discarded-nothing-changed",
        "match-cleared" => "match-cleared-hold-lifted",
        "answered" => "your-answer-is-published-under-the-rating",
        "applied" => "redemption-applied-for-waiting-for-review",
        "decided" => "decision-recorded",
        "saved" => "saved",
        "resubmitted" => "resubmitted-for-review",
        "prepared" => "run-prepared-another-finance-officer-must-approve",
        "approved" => "approved",
        "rejected" => "returned-2",
        "recorded" => "payment-result-recorded",
        "imported" => "bank-result-file-imported",
        "created" => "created",
        "published" => "published-3",
        "retried" => "queued-to-send-again",
        "started" => "the-job-has-run",
        "filed" => "filed-2",
        "unlocked" => "the-sign-in-lock-is-lifted",
        "entered" => "registered-for-the-lottery-you-can-change",
        "withdrawn_article" => "withdrawn-no-longer-on-the-public-pages",
        "withdrawn" => "registration-withdrawn",
        "registered" => "application-submitted-a-verification-link-was-sent",
        "verification_sent" => "the-verification-email-was-sent-again-please",
        "reset_sent" => "a-password-reset-link-was-sent-to",
        _ => "",
    }
}

/// Which page a desk renders: its template, its address (for the navigation) and the
/// language key of its title.
#[derive(Debug, Clone, Copy)]
pub(super) struct Screen<'a> {
    pub(super) template: &'a str,
    pub(super) path: &'a str,
    pub(super) title: &'a str,
}

/// A refused form: which form, what was typed, and the errors by field (or for the whole
/// form when the refusal is not about one field).
#[derive(Debug, Default, Serialize)]
pub(super) struct Form {
    pub(super) id: String,
    pub(super) values: BTreeMap<String, String>,
    pub(super) errors: BTreeMap<String, String>,
    pub(super) error: String,
}

impl Form {
    pub(super) fn none() -> Form {
        Form::default()
    }

    /// The form `id` refused with `e`: field errors by field; a refusal whose code is
    /// listed in `field_of` shown at that field; anything else for the whole form.
    pub(super) fn failed(
        id: &str,
        posted: &Posted,
        e: &AppError,
        field_of: &[(&str, &str)],
        en: bool,
    ) -> Form {
        let mut errors: BTreeMap<String, String> = BTreeMap::new();
        for fe in &e.errors {
            let text = if en { &fe.detail_en } else { &fe.detail };
            errors.entry(fe.field.clone()).or_insert_with(|| beside(&fe.field, text));
        }
        let detail = if en { &e.detail_en } else { &e.detail };
        let mut error = String::new();
        // An error about a field the form does not have (a value the use case needs that
        // this page does not ask for) is said for the whole form, never lost.
        let on_page = |field: &str| {
            posted.0.iter().any(|(k, _)| k == field || k.strip_suffix("[]") == Some(field))
        };
        let elsewhere: Vec<String> = errors
            .iter()
            .filter(|(f, _)| !on_page(f) && field_of.iter().all(|(_, to)| to != f))
            .map(|(_, text)| text.clone())
            .collect();
        if !elsewhere.is_empty() {
            error = elsewhere.join(if en { "; " } else { "；" });
        }
        if errors.is_empty() {
            match field_of.iter().find(|(code, _)| e.code == *code) {
                Some((_, field)) => {
                    errors.insert(field.to_string(), detail.clone());
                }
                None => error = detail.clone(),
            }
        }
        Form { id: id.to_string(), values: posted.kept(), errors, error }
    }
}

/// A field's error as said beside the field: without the wire name some API messages
/// begin with (`contract_amount: …`), which the reader never sees as a label.
fn beside(field: &str, text: &str) -> String {
    [": ", "：", " "]
        .iter()
        .find_map(|sep| text.strip_prefix(field)?.strip_prefix(sep))
        .unwrap_or(text)
        .to_string()
}

/// A posted form, field by field in the order sent; as an extractor, the request's
/// urlencoded body.
pub(super) struct Posted(pub(super) Vec<(String, String)>);

impl actix_web::FromRequest for Posted {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let form = actix_web::web::Form::<Vec<(String, String)>>::from_request(req, payload);
        Box::pin(async move { Ok(Posted(form.await?.into_inner())) })
    }
}

impl Posted {
    pub(super) fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// What the user typed, to show again (never passwords or the token).
    fn kept(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        for (k, v) in &self.0 {
            if k != "csrf" && !k.contains("password") {
                m.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        m
    }

    /// The form as the API's JSON input: fields named in `shape.lists` as arrays,
    /// `shape.ints` as whole numbers and `shape.bools` as yes/no (a number that is not
    /// one is refused at its field), empty fields left out as an API client would leave
    /// them, `csrf` and `_`-prefixed page fields dropped.
    pub(super) fn input<T: DeserializeOwned>(&self, shape: &Shape) -> Result<T, AppError> {
        let (t, bad) = self.input_all(shape)?;
        if bad.is_empty() {
            Ok(t)
        } else {
            Err(AppError::validation(bad))
        }
    }

    /// [`Posted::input`] for a use case that takes the form's own errors (`prior`) and
    /// reports them with its own, all at once: the input with a stand-in for each field
    /// the form could not give (empty, or not a number), and those fields' errors.
    pub(super) fn input_all<T: DeserializeOwned>(
        &self,
        shape: &Shape,
    ) -> Result<(T, FieldErrors), AppError> {
        use serde_json::Value;
        let mut obj = serde_json::Map::new();
        let mut bad = FieldErrors::new();
        for l in shape.lists {
            obj.insert((*l).to_string(), Value::Array(vec![]));
        }
        for (k, v) in &self.0 {
            let v = v.trim();
            if k == "csrf"
                || k.starts_with('_')
                || (v.is_empty() && !shape.lists.contains(&k.as_str()))
            {
                continue;
            }
            let value = if shape.ints.contains(&k.as_str()) {
                match v.parse::<i64>() {
                    Ok(n) => Value::from(n),
                    Err(_) => {
                        bad.add(
                            k,
                            ErrorCode::IntegerInvalid,
                            "请填写整数",
                            "must be a whole number",
                        );
                        continue;
                    }
                }
            } else if shape.bools.contains(&k.as_str()) {
                Value::Bool(matches!(v, "true" | "on" | "yes" | "1"))
            } else {
                Value::String(v.to_string())
            };
            match obj.get_mut(k) {
                Some(Value::Array(a)) => {
                    if !v.is_empty() {
                        a.push(value)
                    }
                }
                _ => {
                    obj.insert(k.clone(), value);
                }
            }
        }
        // Every required field left empty is said at once: each one serde finds missing
        // is noted and given a stand-in so the next one can be found.
        let missing_of = |e: &serde_json::Error| {
            e.to_string()
                .strip_prefix("missing field `")
                .and_then(|r| r.split('`').next())
                .map(str::to_string)
        };
        let stand_ins = [
            Value::String(String::new()),
            Value::from(0),
            Value::Bool(false),
            Value::Array(vec![]),
        ];
        for _ in 0..64 {
            let e = match serde_json::from_value::<T>(Value::Object(obj.clone())) {
                Ok(t) => return Ok((t, bad)),
                Err(e) => e,
            };
            let Some(name) = missing_of(&e) else {
                if bad.is_empty() {
                    return Err(AppError::of(ErrorCode::FormInvalid).arg("reason", e));
                }
                break;
            };
            if !bad.0.iter().any(|x| x.field == name) {
                bad.add(&name, ErrorCode::Required, "此项为必填项", "this field is required");
            }
            // The stand-in of the right kind is the one after which this field is no
            // longer what is missing.
            let fits = stand_ins.iter().find(|v| {
                let mut tried = obj.clone();
                tried.insert(name.clone(), (*v).clone());
                match serde_json::from_value::<T>(Value::Object(tried)) {
                    Ok(_) => true,
                    Err(e) => missing_of(&e).is_some_and(|m| m != name),
                }
            });
            match fits {
                Some(v) => {
                    obj.insert(name, v.clone());
                }
                None => break,
            }
        }
        Err(AppError::validation(bad))
    }
}

/// How a page's form maps onto the API input it stands for.
pub(super) struct Shape {
    pub(super) lists: &'static [&'static str],
    pub(super) ints: &'static [&'static str],
    pub(super) bools: &'static [&'static str],
}

impl Shape {
    /// Text fields only.
    pub(super) const TEXT: Shape = Shape { lists: &[], ints: &[], bools: &[] };
}

impl Desk {
    /// A file form under the evidence rules (`data.max_upload_bytes`, the upload
    /// timeout), read and its page token checked: the fields, and the file or why not.
    pub(super) async fn upload(
        &self,
        state: &State,
        req: &HttpRequest,
        parts: actix_multipart::Multipart,
    ) -> (Posted, Result<SentFile, AppError>) {
        let max = state.files.max_bytes;
        let (p, read) = read_multipart(
            parts,
            max,
            crate::services::evidence::too_large(max),
            state.files.upload_timeout,
        )
        .await;
        let sent = read.and_then(|f| self.guard(req, &p).map(|_| f.unwrap_or_default()));
        (p, sent)
    }
}

/// A refused file (empty, not a PDF, JPEG or PNG, too large, cut short, too slow) is
/// said at the form's `file` field.
pub(super) const FILE_ERRORS: [(&str, &str); 5] = [
    ("file_empty", "file"),
    ("file_type_unsupported", "file"),
    ("file_too_large", "file"),
    ("upload_invalid", "file"),
    ("upload_timeout", "file"),
];

/// A file sent with a form: the name the browser gave and the bytes.
pub(super) type SentFile = (String, Vec<u8>);

/// Reads a `multipart/form-data` form: its small text fields and the file sent as
/// `file`. Refused, with the fields read so far: a file over `max` bytes (`too_large`),
/// a body cut short, or one not in full within `wait`.
pub(super) async fn read_multipart(
    mut parts: actix_multipart::Multipart,
    max: u64,
    too_large: AppError,
    wait: std::time::Duration,
) -> (Posted, Result<Option<SentFile>, AppError>) {
    use futures_util::StreamExt;
    let cut_short = || AppError::of(ErrorCode::UploadInvalid);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut file: Option<SentFile> = None;
    let read = async {
        while let Some(part) = parts.next().await {
            let mut part = part.map_err(|_| cut_short())?;
            let name = part.name().unwrap_or_default().to_string();
            let file_name =
                part.content_disposition().and_then(|cd| cd.get_filename().map(str::to_string));
            let mut bytes = Vec::new();
            while let Some(chunk) = part.next().await {
                let chunk = chunk.map_err(|_| cut_short())?;
                if (bytes.len() + chunk.len()) as u64 > max {
                    return Err(too_large);
                }
                bytes.extend_from_slice(&chunk);
            }
            match (name.as_str(), file_name) {
                ("file", Some(n)) => file = Some((n, bytes)),
                (_, None) if bytes.len() <= 4096 => {
                    fields.push((name, String::from_utf8_lossy(&bytes).into_owned()))
                }
                _ => {}
            }
        }
        Ok(())
    };
    let outcome = match tokio::time::timeout(wait, read).await {
        Err(_) => Err(crate::services::evidence::upload_timed_out(wait.as_secs())),
        Ok(r) => r,
    };
    (Posted(fields), outcome.map(|()| file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct In {
        name: String,
        note: Option<String>,
        ids: Vec<String>,
        n: Option<i64>,
    }

    #[test]
    fn a_form_reads_as_the_api_input_without_the_token_and_blank_fields() {
        let p = posted(&[
            ("csrf", "x"),
            ("_step", "quote"),
            ("name", " 检测 "),
            ("note", ""),
            ("ids", "a"),
            ("ids", "b"),
        ]);
        let shape = Shape { lists: &["ids"], ints: &["n"], bools: &[] };
        let i: In = p.input(&shape).unwrap();
        assert_eq!(i.name, "检测");
        assert_eq!(i.note, None);
        assert_eq!(i.ids, vec!["a", "b"]);
        let none: In = posted(&[("name", "x"), ("n", "7")]).input(&shape).unwrap();
        assert!(none.ids.is_empty());
        assert_eq!(none.n, Some(7));
        let e = posted(&[("name", "x"), ("other", "y")]).input::<In>(&shape).unwrap_err();
        assert_eq!(e.code, "form_invalid");
        let e = posted(&[("note", "x")]).input::<In>(&shape).unwrap_err();
        assert_eq!(
            (e.errors[0].field.as_str(), e.errors[0].detail.as_str()),
            ("name", "此项为必填项"),
            "an empty required field is refused at the field"
        );
        let e = posted(&[("name", "x"), ("n", "七")]).input::<In>(&shape).unwrap_err();
        assert_eq!(e.errors[0].field, "n", "a bad number is refused at its field");
    }

    #[test]
    fn a_refusal_lands_on_its_field_and_keeps_what_was_typed_but_not_passwords() {
        let p = posted(&[("csrf", "t"), ("amount", "12x"), ("password", "secret")]);
        let e = AppError::of(ErrorCode::VoucherExhausted);
        let f = Form::failed("order", &p, &e, &[("voucher_exhausted", "voucher_id")], false);
        assert_eq!(f.errors["voucher_id"], "该合创券已无可用余额");
        assert_eq!(f.values["amount"], "12x");
        assert!(!f.values.contains_key("password") && !f.values.contains_key("csrf"));
        let g = Form::failed("order", &p, &e, &[], false);
        assert_eq!(g.error, "该合创券已无可用余额");
        assert!(g.errors.is_empty());
    }
}
