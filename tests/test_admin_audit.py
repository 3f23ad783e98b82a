"""Moving a user to another school in the admin is in the product's audit trail
(issue "Safeguarding-grade security", item 3)."""

import pytest
from django.urls import reverse

from accounts.models import Role
from core.models import AuditEvent

from .factories import SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_moving_a_user_to_another_school_in_the_admin_is_audited(client_for, lead):
    admin_user = UserFactory(admin=True)
    other = SchoolFactory(name="Brookfield Academy")
    response = client_for(admin_user).post(
        reverse("admin:accounts_user_change", args=[lead.pk]),
        {
            "email": lead.email,
            "full_name": lead.full_name,
            "role": Role.ATTENDANCE_LEAD,
            "school": other.pk,
            "is_active": "on",
            "date_joined_0": f"{lead.date_joined:%Y-%m-%d}",
            "date_joined_1": f"{lead.date_joined:%H:%M:%S}",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    lead.refresh_from_db()
    assert lead.school == other

    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, target_id=str(lead.pk))
    assert event.actor == admin_user
    assert event.note == "in the admin"
    assert "School" in event.changes["admin"][0]["changed"]["fields"]
