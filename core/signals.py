"""Sign-ins and sign-outs go in the audit trail: who opened safeguarding records, when."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .audit import audit_record
from .models import AuditEvent


@receiver(user_logged_in)
def _signed_in(sender: Any, request: HttpRequest, user: Any, **_: Any) -> None:
    audit_record(actor=user, action=AuditEvent.Action.SIGN_IN, target=user)


@receiver(user_logged_out)
def _signed_out(sender: Any, request: HttpRequest, user: Any, **_: Any) -> None:
    if user is not None:
        audit_record(actor=user, action=AuditEvent.Action.SIGN_OUT, target=user)


@receiver(user_login_failed)
def _sign_in_failed(sender: Any, credentials: dict[str, Any], **_: Any) -> None:
    # Only the address typed, never the password, so repeated attempts show up.
    audit_record(
        actor=None,
        action=AuditEvent.Action.SIGN_IN_FAILED,
        note=str(credentials.get("username", ""))[:200],
    )
