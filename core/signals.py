"""Sign-ins and sign-outs go in the audit trail: who opened safeguarding records, when."""

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from .audit import audit_record
from .models import AuditEvent
from .sessions import session_started


@receiver(user_logged_in)
def _signed_in(sender: Any, request: HttpRequest, user: Any, **_: Any) -> None:
    session_started(request)
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


@receiver(user_locked_out)
def _locked_out(sender: Any, request: HttpRequest, username: str | None, **_: Any) -> None:
    # The lockout and when it ends, so an administrator can see an attack and
    # a user's "I could not sign in" can be answered.
    until = timezone.now() + settings.AXES_COOLOFF_TIME
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    if not username and request is not None:
        # A refused attempt during the pause comes with the form, not the credentials.
        username = request.POST.get("username", "")
    audit_record(
        actor=None,
        action=AuditEvent.Action.SIGN_IN_LOCKED_OUT,
        note=f"{str(username or '')[:200]} from {address}; signing in paused until "
        f"{timezone.localtime(until):%d %b %Y %H:%M}",
    )
