"""The access matrix's table: for every URL the resolver knows, how to build it
from the world's records, which methods to send, and the exact status each
role must get (tests/test_access_matrix.py).

A new URL fails the matrix until it has a row here. To add one: find its view's
checks (scope: 404 outside it; role: 403; methods: 405), pick the policy below
that says the same (or write its statuses with `expect`), and name the world's
record its URL is built from when its keyword is not already one of
`World.ids`. The roles are those of `access_matrix_world.ROLES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# 302 for the anonymous visitor means "sent to the sign-in page" (the test
# checks where); any other 3xx is checked only as a status.
SIGN_IN = 302

GROUPS: dict[str, tuple[str, ...]] = {
    "school": ("staff", "lead", "dsl"),
    "other_school": ("other_staff", "other_lead", "other_dsl"),
    "la": ("officer", "manager"),
    "far_la": ("far_officer", "far_manager"),
}
SIGNED_IN = (
    *GROUPS["school"],
    *GROUPS["other_school"],
    *GROUPS["la"],
    *GROUPS["far_la"],
    "admin",
)


def expect(everyone: int | None = None, **given: int) -> dict[str, int]:
    """Statuses by role: `everyone` signed in, then groups, then single roles;
    the anonymous visitor is sent to sign in unless given."""
    statuses = {"anonymous": SIGN_IN}
    if everyone is not None:
        statuses.update(dict.fromkeys(SIGNED_IN, everyone))
    for name, status in given.items():
        if name in GROUPS:
            statuses.update(dict.fromkeys(GROUPS[name], status))
    for name, status in given.items():
        if name not in GROUPS:
            statuses[name] = status
    return statuses


def but(base: Mapping[str, int], **given: int) -> dict[str, int]:
    """`base` with some roles' (or groups') statuses changed."""
    changed = dict(base)
    for name, status in given.items():
        for role in GROUPS.get(name, (name,)):
            changed[role] = status
    return changed


# The policies most pages follow -------------------------------------------------------

# Open to anyone signed in (their own things).
ANYONE = expect(200)
# The owning school's records, read: its staff, its LA, administrators; another
# school or another LA gets the 404 of a record that does not exist.
SCHOOL_RECORD = expect(school=200, other_school=404, la=200, far_la=404, admin=200)
# A change to the school's casework: the role is checked before the record is
# looked up, so read-only staff and the LA are refused (403) whoever's it is.
CASEWORK = expect(
    staff=403,
    lead=200,
    dsl=200,
    other_staff=403,
    other_lead=404,
    other_dsl=404,
    la=403,
    far_la=403,
    admin=200,
)
# A school's step on its own record: found first (404 outside the scope), then
# the role (403).
SCHOOL_ACTION = expect(
    staff=403, lead=200, dsl=200, other_school=404, la=403, far_la=404, admin=403
)
# The LA's step on a record of the owning school: found first, then the role.
LA_RECORD = expect(school=403, other_school=404, la=200, far_la=404, admin=200)
LA_OFFICER_ACTION = but(LA_RECORD, manager=403)
# A letter the school makes (documents.services.generate.may_make).
MAKE_SCHOOL_LETTER = expect(
    staff=403, lead=200, dsl=200, other_school=404, la=403, far_la=404, admin=200
)
# Half-term letters: each school's lead and DSL send their own school's.
LETTER_SENDERS = expect(403, lead=200, dsl=200, other_lead=200, other_dsl=200)
LETTER_RUN = expect(403, lead=200, dsl=200, other_school=404, far_la=404)
# A POST-only action, asked with a GET.
GET_ONLY = expect(405)


def la_sees_case_file(variant: str) -> bool:
    """LA need-to-know (docs/security.md): the LA reads a case file only for a
    case referred to it, with a penalty-notice request, or shared by the school;
    the world's `unshared` case is none of these."""
    return variant == "referred"


def for_variant(
    statuses: Mapping[str, int], variant: str, unshared: Mapping[str, int] | None = None
) -> dict[str, int]:
    """A case-file page's statuses for the referred or the unshared case: the
    owning LA's answers become the 404 of a case they may not know about,
    except a role refused before the case is looked up (403, 405), and but
    for the row's own `unshared` statuses."""
    if la_sees_case_file(variant):
        return dict(statuses)
    changed = dict(statuses)
    for role in GROUPS["la"]:
        if changed[role] not in (403, 405):
            changed[role] = 404
    return but(changed, **(unshared or {}))


@dataclass(frozen=True)
class Row:
    get: Mapping[str, int]
    # None: a page that only shows things; the test posts to it as one role
    # of each kind and expects 405.
    post: Mapping[str, int] | None = None
    # The form sent with the POST: enough to reach the view's checks (each
    # POST is rolled back, and a refused one must not write to the audit trail).
    data: Mapping[str, str] = field(default_factory=dict)
    # URL keyword -> World.ids key, where they differ.
    ids: Mapping[str, str] = field(default_factory=dict)
    # A page of the case file: asked for the referred and the unshared case.
    case_file: bool = False
    # Statuses that differ for the referred case (its records have moved on:
    # a meeting held cannot be cancelled, and the page says so).
    referred: Mapping[str, int] = field(default_factory=dict)
    # Statuses for the unshared case beyond `for_variant`'s rule.
    unshared: Mapping[str, int] = field(default_factory=dict)
    # Query string keyword -> World.ids key.
    query: Mapping[str, str] = field(default_factory=dict)


def page(statuses: Mapping[str, int], **extra: Any) -> Row:
    return Row(get=statuses, **extra)


def form(statuses: Mapping[str, int], post: Mapping[str, int] | None = None, **extra: Any) -> Row:
    """A GET and POST page: the POST answers as the GET unless given."""
    return Row(get=statuses, post=post or statuses, **extra)


def action(post: Mapping[str, int], **extra: Any) -> Row:
    """A POST-only action: a GET is 405 for anyone signed in."""
    return Row(get=GET_ONLY, post=post, **extra)


CASE_FORM = CASEWORK

TABLE: dict[str, Row] = {
    # The site and signing in.
    "home": page(ANYONE),
    "healthz": page(expect(200, anonymous=200)),
    "login": form(expect(302, anonymous=200)),
    "logout": page(expect(405)),
    # A session past its code (or owing none) is sent on from the code page.
    "two_factor_verify": form(expect(302)),
    "two_factor_set_up": form(ANYONE),
    "account": page(ANYONE),
    "recovery_codes": page(ANYONE),
    "recovery_codes_renew": action(expect(302)),
    # Roles that must keep their second factor, and people without one, are
    # sent back to their account.
    "two_factor_remove": form(expect(302)),
    "api_tokens": form(ANYONE),
    "api_token_revoke": action(but(expect(404), lead=302)),
    "password_reset": form(expect(200, anonymous=200)),
    "password_reset_done": page(expect(200, anonymous=200)),
    "password_reset_confirm": form(
        expect(200, anonymous=200), ids={"uidb64": "uidb64", "token": "reset_token"}
    ),
    "password_reset_complete": page(expect(200, anonymous=200)),
    "email_settings": form(ANYONE),
    # Pupils.
    "cases:pupil_list": page(ANYONE),
    "cases:pupil_detail": page(SCHOOL_RECORD),
    # The DSL's decision (the service checks scope, then the role; a superuser
    # holds every permission). The parent asked about lives elsewhere.
    "cases:carer_correspondence": action(
        expect(403, dsl=302, admin=302, other_school=404, far_la=404),
        data={"include": "yes", "reason": "The matrix asks"},
        ids={"link_id": "apart_link_id"},
    ),
    "cases:access_log": page(
        expect(403, dsl=200, other_dsl=404, manager=200, far_manager=404, admin=200)
    ),
    "cases:first_day": page(expect(200, la=403, far_la=403, admin=403)),
    "cases:threshold_list": page(ANYONE),
    "cases:pupil_contact_new": form(CASEWORK),
    # The pupil already has an open case here: the lead is sent to it.
    "cases:case_open": form(but(CASEWORK, lead=302, dsl=302)),
    # The case file.
    "cases:caseload": page(ANYONE),
    "cases:case_detail": page(SCHOOL_RECORD, case_file=True),
    "cases:case_change": form(CASE_FORM, case_file=True),
    "cases:case_close": form(CASE_FORM, case_file=True),
    "cases:contact_new": form(CASE_FORM, case_file=True),
    "cases:meeting_new": form(CASE_FORM, case_file=True),
    "cases:meeting_past": form(CASE_FORM, case_file=True),
    "cases:meeting_held": form(CASE_FORM, case_file=True),
    "cases:meeting_change": form(CASE_FORM, case_file=True),
    "cases:meeting_cancel": form(
        CASE_FORM, case_file=True, referred={"lead": 302, "dsl": 302, "admin": 302}
    ),
    "cases:voice_new": form(CASE_FORM, case_file=True),
    "cases:voice_change": form(CASE_FORM, case_file=True),
    "cases:barrier_new": form(CASE_FORM, case_file=True),
    "cases:barrier_change": form(CASE_FORM, case_file=True),
    "cases:adjustment_new": form(CASE_FORM, case_file=True),
    "cases:offer_new": form(CASE_FORM, case_file=True),
    "cases:offer_outcome": form(CASE_FORM, case_file=True),
    "cases:offer_follow_up": form(CASE_FORM, case_file=True),
    "cases:engagement_new": form(CASE_FORM, case_file=True),
    # Each case has its plan already: sent to change it.
    "cases:plan_new": form(but(CASE_FORM, lead=302, dsl=302, admin=302), case_file=True),
    "cases:plan_change": form(CASE_FORM, case_file=True),
    "cases:action_new": form(CASE_FORM, case_file=True),
    "cases:action_change": form(CASE_FORM, case_file=True),
    "cases:action_end": form(CASE_FORM, case_file=True),
    "cases:review_new": form(CASE_FORM, case_file=True),
    "cases:timetables": page(ANYONE),
    "cases:timetable_new": form(CASE_FORM, case_file=True),
    "cases:timetable_review": form(CASE_FORM, case_file=True),
    "cases:timetable_end": form(CASE_FORM, case_file=True),
    # Shared by the referral: the school may not take it back, and is told so.
    "cases:case_share": form(SCHOOL_ACTION, case_file=True, unshared={"la": 404}),
    "cases:case_share_revoke": form(but(SCHOOL_ACTION, lead=302, dsl=302)),
    "cases:chronology": page(SCHOOL_RECORD, case_file=True),
    "cases:chronology_pdf": page(SCHOOL_RECORD, case_file=True),
    "cases:flag_resolve": form(
        expect(staff=403, lead=200, dsl=200, other_school=404, la=403, far_la=404, admin=403)
    ),
    # Attendance.
    "attendance:la_overview": page(expect(302, la=200, far_la=200, admin=200)),
    "attendance:school_dashboard": page(SCHOOL_RECORD),
    "attendance:pupil_attendance": page(SCHOOL_RECORD),
    "attendance:import_start": form(expect(403, lead=200, other_lead=200, admin=200)),
    "attendance:import_detail": page(expect(403, lead=200, other_lead=404, admin=200)),
    "attendance:import_progress": page(expect(403, lead=200, other_lead=404, admin=200)),
    "attendance:discrepancy_list": page(ANYONE),
    "attendance:discrepancy_resolve": form(
        expect(staff=403, lead=200, dsl=200, other_school=404, la=200, far_la=404, admin=200)
    ),
    # Notices to Improve: the record is found first (404 outside the scope),
    # then the role (403). The notice has its outcome, so its pages send back.
    "notices:review": page(expect(200, la=403, far_la=403, admin=403)),
    "notices:notice_new": form(but(CASE_FORM, admin=403), case_file=True),
    "notices:notice_outcome": form(but(SCHOOL_ACTION, lead=302, dsl=302)),
    "notices:notice_withdraw": form(but(SCHOOL_ACTION, lead=302, dsl=302)),
    "notices:notice_correct": form(but(SCHOOL_ACTION, lead=302, dsl=302)),
    "notices:parents_told": form(SCHOOL_ACTION),
    # The letter's old address only sends on to documents:notice_letter.
    "notices:letter": page(expect(302)),
    # Referrals: the referral is decided, so the LA's steps send back or refuse
    # the form (400).
    "notices:referral_submit": form(SCHOOL_ACTION, case_file=True, unshared={"la": 404}),
    "notices:referral_detail": page(SCHOOL_RECORD),
    "notices:referral_return": action(
        but(LA_RECORD, la=400, admin=400), data={"reasons": "The matrix asks"}
    ),
    "notices:referral_accept": action(but(LA_RECORD, la=302, admin=302)),
    "notices:referral_decide": action(but(LA_RECORD, la=400, admin=400)),
    "notices:referral_bundle": page(SCHOOL_RECORD),
    "notices:referral_bundle_pdf": page(SCHOOL_RECORD),
    "notices:referral_information_laid": form(
        but(LA_RECORD, la=302, admin=302), post=but(LA_RECORD, la=400, admin=400)
    ),
    "notices:inbox": page(expect(403, la=200, far_la=200, admin=200)),
    # Signed already: the lead is sent back to the referral.
    "notices:referral_certificate": form(expect(403, lead=302, other_school=404, far_la=404)),
    "notices:referral_figures": page(expect(403, manager=200, far_manager=200, admin=200)),
    # Penalty notices: issued and decided by LA officers (and administrators).
    "notices:la_penalty_notices": page(expect(403, la=200, far_la=200, admin=200)),
    "notices:penalty_notices": form(
        SCHOOL_RECORD,
        post=but(LA_OFFICER_ACTION, officer=400, admin=400),
        case_file=True,
        unshared={"manager": 404},
    ),
    "notices:penalty_payment": form(
        LA_OFFICER_ACTION,
        post=but(LA_OFFICER_ACTION, officer=400, admin=400),
        ids={"notice_id": "penalty_id"},
    ),
    "notices:penalty_withdraw": form(
        LA_OFFICER_ACTION,
        post=but(LA_OFFICER_ACTION, officer=400, admin=400),
        ids={"notice_id": "penalty_id"},
    ),
    "notices:penalty_prosecute": form(
        LA_OFFICER_ACTION,
        post=but(LA_OFFICER_ACTION, officer=400, admin=400),
        ids={"notice_id": "penalty_id"},
    ),
    "notices:penalty_information_laid": form(
        but(LA_OFFICER_ACTION, officer=302, admin=302),
        post=but(LA_OFFICER_ACTION, officer=400, admin=400),
        ids={"notice_id": "penalty_id"},
    ),
    # Holiday requests: the request is waiting for the LA.
    "notices:holiday_list": page(ANYONE),
    "notices:holiday_request_new": form(
        but(CASEWORK, other_staff=404, la=403, far_la=404, admin=403)
    ),
    "notices:holiday_detail": page(SCHOOL_RECORD),
    "notices:holiday_correct": form(
        but(CASEWORK, lead=302, dsl=302, other_staff=404, far_la=404, admin=403)
    ),
    "notices:holiday_return": action(LA_RECORD, data={"return-reasons": "The matrix asks"}),
    "notices:holiday_accept": action(LA_RECORD),
    "notices:holiday_decline": action(LA_RECORD, data={"decline-reasons": "The matrix asks"}),
    "notices:holiday_issue": form(but(LA_RECORD, la=302, admin=302)),
    # Documents: the letters are the school's to make (the LA's kinds are the LA's).
    "documents:case_documents": page(SCHOOL_RECORD, case_file=True),
    "documents:make": form(MAKE_SCHOOL_LETTER, query={"key": "subject_key"}),
    "documents:download": page(SCHOOL_RECORD),
    "documents:translation": page(SCHOOL_RECORD),
    "documents:translation_new": form(MAKE_SCHOOL_LETTER),
    # Stored: sent on to the download.
    "documents:notice_letter": page(but(SCHOOL_RECORD, school=302, la=302, admin=302)),
    "documents:school_details": form(expect(403, lead=200, other_lead=200)),
    "documents:wordings": page(expect(403, manager=200, far_manager=200)),
    "documents:wording_edit": form(expect(403, manager=200, far_manager=200)),
    # Half-term letters: sent by the school's lead or DSL; the run is found
    # first (404 outside the scope), then the role.
    "documents:half_term_batches": page(LETTER_SENDERS),
    "documents:half_term_new": form(LETTER_SENDERS),
    "documents:half_term_batch": page(LETTER_RUN, ids={"batch_id": "letters_id"}),
    "documents:half_term_zip": page(LETTER_RUN, ids={"batch_id": "letters_id"}),
    "documents:half_term_pdf": page(LETTER_RUN, ids={"batch_id": "letters_id"}),
    "documents:half_term_texts": page(LETTER_RUN, ids={"batch_id": "letters_id"}),
    # Data protection.
    "records:subject_access": form(
        expect(403, dsl=200, other_dsl=404, manager=200, far_manager=404, admin=200)
    ),
    "records:retention": form(expect(403, manager=200, far_manager=200)),
    "records:retention_decide": form(expect(403, manager=200, far_manager=404, admin=404)),
    # The API: JSON refusals, 401 without credentials.
    "pupil-attendance": page(but(SCHOOL_RECORD, anonymous=401), ids={"upn": "upn"}),
    "case-pathway": page(
        but(SCHOOL_RECORD, anonymous=401), case_file=True, ids={"case_pk": "case_id"}
    ),
    "api-schema": page(expect(200, anonymous=200)),
}


# The admin: every URL enumerated, one rule for all of them ----------------------------

# Anyone but an administrator past the second factor is sent to the admin's
# sign-in, which sends the anonymous visitor to the service's and refuses
# everyone else (accounts/admin_site.py).
ADMIN = expect(302, admin=200)
ADMIN_EXCEPTIONS: dict[str, dict[str, int]] = {
    "admin:login": expect(403, admin=302),
    "admin:logout": but(ADMIN, admin=405),
    # Asked without its parameters.
    "admin:autocomplete": but(ADMIN, admin=403),
    # Schools have no page of their own outside the admin.
    "admin:view_on_site": but(ADMIN, admin=404),
    # Tokens are made by their user; django-axes' records by django-axes.
    "admin:accounts_apitoken_add": but(ADMIN, admin=403),
    "admin:axes_accessattempt_add": but(ADMIN, admin=403),
    "admin:axes_accesslog_add": but(ADMIN, admin=403),
    "admin:axes_accessfailurelog_add": but(ADMIN, admin=403),
}


def admin_statuses(key: str, route: str) -> dict[str, int]:
    if key in ADMIN_EXCEPTIONS:
        return ADMIN_EXCEPTIONS[key]
    if route.endswith("<path:object_id>/"):
        # An object's old address, sent on to its change page.
        return but(ADMIN, admin=302)
    if "(?P<url>" in route:
        # The admin's own 404, for administrators only.
        return but(ADMIN, admin=404)
    return ADMIN
