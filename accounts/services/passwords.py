from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from core.audit import audit_record
from core.models import AuditEvent


def password_reset_email_send(*, user_id: int, domain: str, use_https: bool) -> bool:
    """Email a one-time link to choose a new password. Runs in the worker, so the
    token is made when the email is sent (it is never stored or queued)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    context = {
        "user": user,
        "protocol": "https" if use_https else "http",
        "domain": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    subject = render_to_string("accounts/email/password_reset_subject.txt", context).strip()
    body = render_to_string("accounts/email/password_reset.txt", context)
    EmailMultiAlternatives(subject, body, to=[user.email]).send()
    return True


def password_reset_record(*, user: User) -> None:
    audit_record(actor=user, action=AuditEvent.Action.PASSWORD_RESET, target=user)
