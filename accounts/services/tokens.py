"""Making, using and revoking API tokens (accounts.models.tokens)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditEvent

from ..models import ApiToken, User
from ..models.tokens import token_hash

KEY_PREFIX = "ap_"
# Writing "last used" on every request would make each API read a write too.
LAST_USED_PRECISION = dt.timedelta(minutes=5)


def api_token_create(
    *, user: User, name: str, acting_user: User | None, rotate: bool = False
) -> tuple[ApiToken, str]:
    """A new token for `user`, and its key, which is never stored and cannot be
    shown again. With `rotate`, the user's other tokens are revoked at once."""
    if not user.is_active:
        # Authentication refuses deactivated users, so a token would only mislead.
        raise PermissionDenied(f"{user.email} is deactivated: an API token would not work.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        if rotate:
            for old in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
                api_token_revoke(token=old, acting_user=acting_user, note="replaced by a new token")
        token = ApiToken.objects.create(
            user=user,
            name=name.strip()[:100] or "API token",
            prefix=key[: len(KEY_PREFIX) + 6],
            key_hash=token_hash(key),
            created_at=now,
            expires_at=now + dt.timedelta(days=settings.API_TOKEN_LIFETIME_DAYS),
        )
        # The target is the token's owner and the note its name: never the key.
        audit_record(
            actor=acting_user,
            action=AuditEvent.Action.CREATE,
            target=user,
            school=user.school,
            note=f"API token “{token.name}” ({token.prefix}…) created, "
            f"expires {timezone.localdate(token.expires_at):%-d %B %Y}",
        )
    return token, key


def api_token_revoke(*, token: ApiToken, acting_user: User | None, note: str = "") -> None:
    if (
        acting_user is not None
        and acting_user.pk != token.user_id
        and not acting_user.has_perm("accounts.change_apitoken")
    ):
        raise PermissionDenied("Only the token's own user or an administrator may revoke it.")
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.revoked_by = acting_user
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        actor=acting_user,
        action=AuditEvent.Action.UPDATE,
        target=token.user,
        school=token.user.school,
        note=f"API token “{token.name}” ({token.prefix}…) revoked" + (f": {note}" if note else ""),
    )


def api_token_user(key: str) -> tuple[User, ApiToken] | None:
    """The active user and token a key belongs to, or None for a key that is
    unknown, revoked, expired, or whose user is deactivated."""
    token = (
        ApiToken.objects.select_related("user", "user__school", "user__local_authority")
        .filter(key_hash=token_hash(key))
        .first()
    )
    now = timezone.now()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token
