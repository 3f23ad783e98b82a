"""A school's own details, as its letters print them (address, who to contact)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from core.audit import audit_record, field_changes
from core.models import AuditEvent

from ..models import School, User
from ..rules import is_attendance_lead

DETAILS = ("address", "postcode", "phone", "email")


def school_details_update(
    *, acting_user: User, address: str, postcode: str, phone: str = "", email: str = ""
) -> School:
    """The attendance lead keeps their own school's address and contact details."""
    if not is_attendance_lead(acting_user) or acting_user.school_id is None:
        raise PermissionDenied("Only the school's attendance lead can change its details.")
    with transaction.atomic():
        school = School.objects.select_for_update().get(pk=acting_user.school_id)
        before = {name: getattr(school, name) for name in DETAILS}
        school.address = address.strip()
        school.postcode = postcode.strip().upper()
        school.phone = phone.strip()
        school.email = email.strip()
        school.save(update_fields=list(DETAILS))
        changes = field_changes(before, {n: getattr(school, n) for n in DETAILS}, DETAILS)
        if changes:
            audit_record(
                actor=acting_user,
                action=AuditEvent.Action.UPDATE,
                target=school,
                school=school,
                changes=changes,
                note="School details changed",
            )
    return school
