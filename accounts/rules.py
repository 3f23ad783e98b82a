"""What each role may do, as predicates (django-rules). Which records a user may
see at all is decided separately, by core.scoping; these say what they may do
with the records they can see."""

import rules

from .models import Role


@rules.predicate
def is_attendance_lead(user: object) -> bool:
    return getattr(user, "role", None) == Role.ATTENDANCE_LEAD


@rules.predicate
def is_dsl(user: object) -> bool:
    return getattr(user, "role", None) == Role.DSL


@rules.predicate
def is_school_staff(user: object) -> bool:
    return getattr(user, "role", None) == Role.SCHOOL_STAFF


@rules.predicate
def is_la_officer(user: object) -> bool:
    return getattr(user, "role", None) == Role.LA_OFFICER


@rules.predicate
def is_la_manager(user: object) -> bool:
    return getattr(user, "role", None) == Role.LA_MANAGER


@rules.predicate
def is_system_admin(user: object) -> bool:
    return getattr(user, "role", None) == Role.SYSTEM_ADMIN


is_school_user = is_attendance_lead | is_dsl | is_school_staff
is_la_user = is_la_officer | is_la_manager
# School casework (pupils, families, cases) is written by the school's attendance
# lead and DSL; school staff read it; the LA reads it when a referral reaches them.
can_do_school_casework = is_attendance_lead | is_dsl

rules.add_perm("cases.view_pupil", is_school_user | is_la_user | is_system_admin)
rules.add_perm("cases.change_pupil", can_do_school_casework | is_system_admin)
rules.add_perm("cases.import_attendance", is_attendance_lead | is_system_admin)
rules.add_perm("cases.record_dsl_decision", is_dsl)
# Casework: every role that may see a case may read it; the school's attendance
# lead and DSL write it (school staff are read-only; the LA reviews referrals).
# Who opened a child's record: the school's DSL for their pupils and the LA's
# manager across the LA (scoping decides which pupils), and administrators.
rules.add_perm("cases.view_access_log", is_dsl | is_la_manager | is_system_admin)
# A subject access request is answered by the school's DSL (or the LA's manager
# for the LA's records): the same people who may read the access log.
rules.add_perm("records.export_subject_access", is_dsl | is_la_manager | is_system_admin)
# What is deleted past its retention period is an LA manager's decision.
rules.add_perm("records.review_retention", is_la_manager)
rules.add_perm("cases.view_case", is_school_user | is_la_user | is_system_admin)
rules.add_perm("cases.change_case", can_do_school_casework | is_system_admin)
rules.add_perm("notices.review_referral", is_la_user)
rules.add_perm("notices.view_la_figures", is_la_manager | is_system_admin)
# The s566 register certificate on a referral: the school's attendance lead,
# who states whether they are the head teacher or authorised by the head
# teacher (the product has no head-teacher role; docs/rules.md#register-certificate).
rules.add_perm("notices.sign_register_certificate", is_attendance_lead)
# Half-term letters to every family of a school: the school's attendance lead
# and DSL (the LA words them, but does not send them).
rules.add_perm("documents.make_half_term_letters", can_do_school_casework)
