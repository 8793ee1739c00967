"""schemathesis hooks for hechuang (loaded through SCHEMATHESIS_HOOKS by tests/api/fuzz.rs).

- Signs in as the user named by HECHUANG_FUZZ_USER / HECHUANG_FUZZ_PASSWORD against
  HECHUANG_FUZZ_BASE, and signs in again when a token stops working (a fuzzed
  `POST /auth/logout {"everywhere": true}` revokes it).
- `refused_only_by_documented_rule` replaces schemathesis' own positive_data_acceptance:
  a schema-valid request may be refused (400/422) only with a problem code listed for
  that operation in RULES below, each a rule the OpenAPI document cannot express (a
  check digit, a cross-field rule, the state of the data). Any other refusal of a
  schema-valid request means the document is looser than the API and fails the run.
- Path identifiers: generated ones name nothing (404), so most cases would never reach a
  record. The hooks read the records of the demo data once (as `admin`, and the
  incubatees as `space01`) and draw an operation's `{id}` from those of its kind three times in
  four, a generated one otherwise (hypothesis strategies, so the seed replays them).
- With HECHUANG_FUZZ_RECORD set to a file, every refusal of a schema-valid request is
  also appended there as one JSON line (for surveying; the test does not set it).
"""

import json
import os
import threading

import requests
import schemathesis
from hypothesis import strategies as st

BASE = os.environ.get("HECHUANG_FUZZ_BASE", "http://127.0.0.1:8080")
USER = os.environ.get("HECHUANG_FUZZ_USER")
SIGN_IN_PASSWORD = os.environ.get("HECHUANG_FUZZ_PASSWORD")
RECORD = os.environ.get("HECHUANG_FUZZ_RECORD")

# Refusals of schema-valid requests that are rules beyond what a schema says.
# Every operation: codes any request may meet because of the state of the data.
ANY = {
    # The body names a party, voucher, item or file by id that does not exist (or is
    # another party's): ids are opaque strings to the schema.
    "not_found",
    # The umbrella code of a body with several field errors; the fields' codes are judged.
    "validation_failed",
    # A NUL character in any string of the path, the query or the body: no field may hold
    # one (PostgreSQL cannot keep it), which is said once in the API's problem list, not
    # as a pattern on every string of the document.
    "nul_character",
}
# Codes standing for data, not form: the service categories, industries, schemes and
# spaces in force are policy data and records (`GET /api/v1/policy/...`), not schema enums.
DATA = {"category_unknown", "industry_unknown", "district_unknown", "scheme_unknown", "space_unknown"}
# A unified social credit code's two check characters (GB 32100) are arithmetic over
# the other sixteen; the schema gives the alphabet and the shape.
CHECK_DIGITS = {"credit_code_invalid"}
# The day or year against today (China time): in the future, not over, not yet begun.
TODAY = {"date_in_future", "period_in_future", "year_invalid", "year_not_over",
         "statistics_year_invalid"}
# A password's mix of character kinds (three of four) and "not the username".
WEAK_PASSWORD = {"password_too_weak"}
# Certification and statistics figures: which figures a scheme asks for, and their
# bounds, are policy data per scheme (`GET /api/v1/policy/certification-schemes/{code}`).
FIGURES = {"figure_unknown", "figure_invalid", "figure_required", "figure_negative",
           "figure_out_of_range", "figure_too_precise", "figure_exceeds"}

RULES: dict[str, set[str]] = {
    # Registrations: check digits, policy codes, the password's mix, and the day the
    # firm was registered against today.
    "POST /api/v1/registrations/firm": CHECK_DIGITS | DATA | WEAK_PASSWORD | TODAY,
    "POST /api/v1/registrations/provider": CHECK_DIGITS | DATA | WEAK_PASSWORD,
    "POST /api/v1/registrations/space": CHECK_DIGITS | WEAK_PASSWORD,
    "PUT /api/v1/firm/profile": CHECK_DIGITS | DATA | TODAY,
    "PUT /api/v1/provider/profile": CHECK_DIGITS | DATA,
    "POST /api/v1/users": WEAK_PASSWORD,
    "POST /api/v1/auth/password": WEAK_PASSWORD | {"current_password_wrong", "password_unchanged"},
    "PUT /api/v1/users/{id}/affiliations": CHECK_DIGITS,
    "POST /api/v1/support-grants": CHECK_DIGITS | TODAY | {
        # covers_from after covers_to.
        "period_invalid",
    },
    "GET /api/v1/support-grants": CHECK_DIGITS,
    "PUT /api/v1/firms/{id}/qualifications": DATA,
    # A qualification is confirmed from one of the firm's documents: which one it is, its
    # kind, number and validity against today are the data's.
    "POST /api/v1/firms/{id}/qualifications/confirmation": TODAY | {
        "document_unknown", "document_not_a_certificate", "certificate_incomplete",
        "certificate_expired"},
    "GET /api/v1/services": DATA,
    "GET /api/v1/provider/services": DATA,
    "GET /api/v1/entitlements": DATA,
    # A reason is required when rejecting (or suspending, delisting, approving over an
    # earlier grant): a rule across two fields.
    # What to correct is required when returning, refused otherwise (two fields), and
    # counted after splitting lines and dropping blank ones.
    "POST /api/v1/firms/{id}/onboarding": {"reason_required", "corrections_required",
                                           "corrections_unexpected", "corrections_too_many"},
    "POST /api/v1/providers/{id}/listing": {"reason_required", "corrections_required",
                                            "corrections_unexpected", "corrections_too_many"},
    "POST /api/v1/redemption-items/{id}/decision": {"required"},
    "POST /api/v1/certification-applications/{id}/decision": {"required", "date_before_application"} | TODAY,
    "POST /api/v1/certifications/{id}/revocation": TODAY | {"date_before_certification"},
    "POST /api/v1/entitlements/{id}/decision": {"required"},
    "POST /api/v1/settlement-runs/{id}/decision": {"required"},
    # A batch: face values within the budget, closing after opening.
    # A programme's batch budgets together have a ceiling (docs/API.md): a sum over the
    # data; so has a batch's budget after top-ups.
    "POST /api/v1/programmes/{id}/batches": {"face_value_above_budget", "window_invalid",
                                             "window_past", "opens_at_past",
                                             "programme_ceiling_exceeded"} | TODAY,
    "POST /api/v1/batches/{id}/topups": {"budget_ceiling_exceeded", "programme_ceiling_exceeded"},
    # A programme: a special voucher buys one category; the yearly limit is at least
    # the per-batch limit.
    "POST /api/v1/programmes": DATA | {"categories_required", "special_voucher_one_category", "limits_invalid"},
    "POST /api/v1/entitlement-runs": TODAY,
    "GET /api/v1/statistics": TODAY,
    "POST /api/v1/performance-evaluations": TODAY,
    # Audit events: an entity_id needs its entity_type (a cross-field rule); the actor
    # is a username that must exist (data).
    "GET /api/v1/audit/events": {"entity_filter_incomplete", "actor_unknown"},
    # An order search's category is one of the policy's (data).
    "GET /api/v1/orders": {"category_unknown"},
    # The overview's batch must be one of the chosen programme's (data).
    "GET /api/v1/dashboard": {"batch_not_in_programme"},
    "POST /api/v1/users/{id}/disable": {"cannot_disable_self"},
    # A job is run by hand for a slot its schedule has (cron, from the configuration),
    # not one still to come.
    "POST /api/v1/admin/jobs/{job}/runs": TODAY | {"job_slot_in_future", "job_slot_invalid"},
    # A lottery entry names one of the face values this batch offers (data of the batch).
    "PUT /api/v1/batches/{id}/lottery/entry": {"face_value_not_offered", "face_value_required"},
    "POST /api/v1/batches/{id}/claims": {"face_value_not_offered", "face_value_required"},
    "POST /api/v1/provider/services": DATA,
    "PUT /api/v1/provider/services/{id}": DATA,
    "POST /api/v1/space/certification-applications": DATA | FIGURES,
    "POST /api/v1/policy/certification-schemes/{code}/evaluation": DATA | FIGURES,
    "POST /api/v1/space/statistics": TODAY | FIGURES,
    # An incubatee: the scheme whose rules apply (none in force: name one), entered
    # after founding, young enough for the scheme's rules.
    "POST /api/v1/space/incubatees": CHECK_DIGITS | DATA | TODAY | {
        "scheme_required", "scheme_has_no_incubatee_rules", "date_before_founding",
        "incubatee_too_old"},
    # A graduation: the condition must be one of the scheme's, an amount condition needs
    # an amount above the scheme's figure (policy data).
    "POST /api/v1/space/incubatees/{id}/graduation": TODAY | {
        "date_before_entry", "graduation_amount_required", "graduation_condition_not_in_scheme",
        "graduation_condition_unmet"},
    "POST /api/v1/space/incubatees/{id}/departure": TODAY | {"date_before_entry"},
    # A payment result: paid needs the bank's reference and day, failed a reason.
    "POST /api/v1/payouts/{id}/result": {"required", "date_invalid"} | TODAY,
    # A month is settled once it has ended (today), not before the programme's first
    # programme or money, and only when something is payable (the state of the data).
    "POST /api/v1/settlement-runs": TODAY | {"period_not_ended", "period_before_programme",
                                             "nothing_payable"},
    # A month is drawn once it has ended (today), once, and only when items were
    # approved in it (the state of the data).
    "POST /api/v1/spot-checks/draws": TODAY | {"period_not_over", "already_drawn",
                                               "nothing_to_draw"},
    # "Not delivered" needs a note saying what happened (a cross-field rule); a check
    # is answered once, by its deadline.
    "POST /api/v1/spot-checks/{id}/answer": {"required", "spot_check_answered",
                                             "spot_check_closed"},
    "POST /api/v1/findings/{id}/statement": {"finding_decided"},
    # `corrected` needs a corrected amount below the item's own (cross-field and the
    # data); who may decide depends on who approved the item and on affiliations.
    "POST /api/v1/findings/{id}/decision": {"required", "corrected_amount_invalid",
                                            "finding_decided", "finding_by_approver",
                                            "reviewer_conflict_of_interest"},
    # A repayment is at most what is still owed (the data), and a receivable recovered
    # in full takes none (its state).
    "POST /api/v1/receivables/{id}/repayments": {"repayment_exceeds_outstanding",
                                                 "receivable_recovered"},
    # An appeal names a decision against the caller (the data): refused or sanctioned
    # now, within the window, once; grounds not only spaces.
    "POST /api/v1/appeals": {"required", "appeal_not_appealable", "appeal_window_closed",
                             "appeal_already_filed"},
    # Not by the person who made the decision, nor one affiliated with the party; the
    # subject must still stand as decided to be undone.
    # In part only for a finding or clawback, with an amount between what the finding
    # allowed and the item's (the data).
    "POST /api/v1/appeals/{id}/decision": {"required", "appeal_decided",
                                           "appeal_subject_moved",
                                           "appeal_partly_not_applicable",
                                           "granted_amount_invalid"},
    # A screening list is judged by its content: readable CSV or XLSX, every row a real
    # credit code, list type and date (one bad row refuses the file, each named by line).
    "POST /api/v1/screening/imports": {"screening_file_unreadable", "screening_file_invalid",
                                       "file_too_large"},
    # A clearance names a party the entry's credit code names (the data), once, with a
    # reason that is not only spaces.
    "POST /api/v1/screening/entries/{id}/clearances": {"reason_required", "screening_not_a_match",
                                                       "screening_already_cleared"},
    # Evidence is the file itself: PDF, JPEG or PNG by its content, not empty, within
    # data.max_upload_bytes.
    # The file's content is judged by its bytes; the shown name may not carry invisible
    # formatting characters (Unicode Cf), which the query parameter's schema leaves open.
    # What the provider states depends on the kind (an invoice its amount and date, a
    # service report its date; only an invoice an amount), and the date is not after
    # today.
    "POST /api/v1/orders/{id}/evidence": {"file_type_unsupported", "file_empty", "file_too_large",
                                          "invisible_characters", "required",
                                          "amount_unexpected"} | TODAY,
    # A verification link's token is a secret the server issued (and may have been used,
    # replaced or expired): no schema can tell one that works.
    "POST /api/v1/contact-verification": {"verification_link_invalid", "verification_link_used",
                                          "verification_link_expired", "verification_link_stale"},
    # The demo parties' addresses are verified already: the state of the data.
    "POST /api/v1/me/contact/verification-email": {"contact_already_verified"},
    # A party's document: which kinds depend on the party; a certificate needs its number,
    # a qualification its validity (rules across fields), not expired, not starting after
    # today; the file is judged by its bytes as evidence is.
    "POST /api/v1/me/documents": TODAY | {"document_kind_unknown", "certificate_no_required",
                                          "valid_until_required", "certificate_expired",
                                          "validity_invalid", "file_type_unsupported",
                                          "file_empty", "file_too_large", "invisible_characters"},
    # The bank's result file is CSV or XLSX; its columns are checked by the import.
    "POST /api/v1/settlement-runs/{id}/results": {"results_file_malformed"},
}

_lock = threading.Lock()


def _sign_in(user):
    r = requests.post(f"{BASE}/api/v1/auth/login",
                      json={"username": user, "password": SIGN_IN_PASSWORD}, timeout=30)
    r.raise_for_status()
    return r.json()["access_token"]


def _ids(token, path, field="id"):
    try:
        r = requests.get(f"{BASE}{path}", headers={"Authorization": f"Bearer {token}"},
                         params={"per_page": 100} if "?" not in path else None, timeout=30)
        body = r.json() if r.ok else []
    except (requests.RequestException, ValueError):
        return []
    items = body.get("items", []) if isinstance(body, dict) else body
    return [str(i[field]) for i in items if isinstance(i, dict) and i.get(field)][:50]


# Path templates (up to their parameter) and where their records are listed.
SOURCES = {
    "/api/v1/batches/{id}": ("admin", "/api/v1/batches"),
    "/api/v1/programmes/{id}": ("admin", "/api/v1/programmes"),
    "/api/v1/firms/{id}": ("admin", "/api/v1/firms"),
    "/api/v1/providers/{id}": ("admin", "/api/v1/providers"),
    "/api/v1/public/provider-notices/{provider_id}": ("admin", "/api/v1/providers"),
    "/api/v1/spaces/{id}": ("admin", "/api/v1/spaces"),
    "/api/v1/users/{id}": ("admin", "/api/v1/users"),
    "/api/v1/orders/{id}": ("admin", "/api/v1/orders"),
    "/api/v1/settlement-runs/{id}": ("admin", "/api/v1/settlement-runs"),
    "/api/v1/redemptions/{id}": ("admin", "/api/v1/redemptions"),
    "/api/v1/redemption-items/{id}": ("admin", "/api/v1/redemption-items"),
    "/api/v1/certification-applications/{id}": ("admin", "/api/v1/certification-applications"),
    "/api/v1/space/certification-applications/{id}": ("admin", "/api/v1/certification-applications"),
    "/api/v1/certifications/{id}": ("admin", "/api/v1/certifications"),
    "/api/v1/entitlements/{id}": ("admin", "/api/v1/entitlements"),
    "/api/v1/admin/outbox/{id}": ("admin", "/api/v1/admin/outbox"),
    "/api/v1/provider/services/{id}": ("admin", "/api/v1/services"),
    "/api/v1/space/incubatees/{id}": ("space01", "/api/v1/space/incubatees"),
}
KNOWN: dict[str, list[str]] = {}


def _known():
    """The demo data's identifiers by path template, read once per run."""
    with _lock:
        if KNOWN or not USER:
            return KNOWN
        tokens = {}
        for template, (user, path) in SOURCES.items():
            try:
                token = tokens.get(user) or tokens.setdefault(user, _sign_in(user))
            except requests.RequestException:
                continue
            field = template.rsplit("{", 1)[1].rstrip("}")
            ids = _ids(token, path, "id" if field in ("id", "provider_id") else field)
            if ids:
                KNOWN[template] = ids
        KNOWN["/api/v1/admin/jobs/{job}"] = _ids(tokens.get("admin", ""), "/api/v1/admin/jobs", "name")
        KNOWN["/api/v1/policy/certification-schemes/{code}"] = _ids(
            tokens.get("admin", ""), "/api/v1/policy/certification-schemes", "code")
        return KNOWN


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    path = context.operation.path
    for template, ids in _known().items():
        name = template.rsplit("{", 1)[1].rstrip("}")
        if ids and path.startswith(template) and name in (path_parameters or {}):
            real = st.sampled_from(ids).map(lambda i, n=name: {**path_parameters, n: i})
            return st.one_of(real, real, real, st.just(path_parameters))
    return st.just(path_parameters)


@schemathesis.auth(refresh_interval=600)
class SignIn:
    def get(self, case, ctx):
        if not USER:
            return None
        r = requests.post(
            f"{BASE}/api/v1/auth/login",
            json={"username": USER, "password": SIGN_IN_PASSWORD},
            timeout=30,
        )
        r.raise_for_status()
        return r.json()["access_token"]

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


def _codes(response):
    try:
        body = response.json()
    except Exception:
        return {"<not json>"}
    if not isinstance(body, dict):
        return {"<not a problem>"}
    codes = {body.get("code")}
    for e in body.get("errors") or []:
        if isinstance(e, dict):
            codes.add(e.get("code"))
    return codes


@schemathesis.check
def refused_only_by_documented_rule(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code not in (400, 413, 415, 422):
        return None
    label = case.operation.label
    codes = _codes(response)
    unexpected = codes - ANY - RULES.get(label, set())
    if RECORD:
        with _lock, open(RECORD, "a", encoding="utf-8") as f:
            f.write(json.dumps({"op": label, "status": response.status_code,
                                "codes": sorted(map(str, codes)),
                                "body": response.text[:600]}, ensure_ascii=False) + "\n")
    if unexpected:
        raise AssertionError(
            f"a schema-valid request was refused with {sorted(map(str, unexpected))}: "
            "make the OpenAPI document say so, or list the rule for this operation in "
            "tests/schemathesis/hooks.py RULES with why a schema cannot express it"
        )
    return None


@schemathesis.check
class RulesNameRealOperations:
    """Every operation named in RULES exists (a misspelt or removed one would silently
    allow nothing, or outlive its operation). The operations each role's run tested are
    kept in HECHUANG_FUZZ_TESTED (a file tests/api/fuzz.rs names), so that the last run
    (HECHUANG_FUZZ_ALL_OPERATIONS) judges the union: one run may skip an operation (seen
    once: "No examples in schema" for one role) that the others tested."""

    def __init__(self):
        self.tested = set()

    def after_response(self, ctx, response, case):
        self.tested.add(case.operation.label)

    def after_run(self, ctx):
        tested = set(self.tested)
        seen = os.environ.get("HECHUANG_FUZZ_TESTED")
        if seen:
            if os.path.exists(seen):
                with open(seen, encoding="utf-8") as f:
                    tested |= {line.strip() for line in f if line.strip()}
            with open(seen, "w", encoding="utf-8") as f:
                f.write("\n".join(sorted(tested)) + "\n")
        if not os.environ.get("HECHUANG_FUZZ_ALL_OPERATIONS"):
            return
        stale = sorted(set(RULES) - tested)
        if stale:
            raise AssertionError(f"RULES names operations that were not tested: {stale}")
