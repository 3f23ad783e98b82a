"""The morning digest: an email to each lead, DSL and LA officer listing what is
new since their last digest and how much is still open, with a link to their
today page. Sent once per user per night (`DigestSent`'s unique key), only to
users who have not turned it off (`User.morning_digest`)."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User

from ..hooks import Audience, all_flag_kinds
from ..models import DigestSent, Flag

logger = logging.getLogger(__name__)

# Who gets a digest, and of which flags (the LA manager reads the figures).
DIGEST_AUDIENCES: dict[str, tuple[str, ...]] = {
    Role.ATTENDANCE_LEAD: (Audience.SCHOOL,),
    Role.DSL: (Audience.DSL,),
    Role.LA_OFFICER: (Audience.LA,),
}


def open_flags_for(user: User, audiences: tuple[str, ...], as_at: dt.date) -> QuerySet[Flag]:
    codes = [code for code, kind in all_flag_kinds().items() if kind.audience in audiences]
    return Flag.objects.for_user(user).filter(
        resolved_at__isnull=True, kind__in=codes, due_on__lte=as_at
    )


def site_url() -> str:
    return getattr(settings, "SITE_URL", "") or os.environ.get("SITE_URL", "http://127.0.0.1:8000")


def digest_send(*, as_at: dt.date) -> int:
    """Send this night's digests; returns how many were sent. Safe to run again:
    a user who has this night's digest is skipped."""
    sent = 0
    kinds = all_flag_kinds()
    users = User.objects.filter(
        is_active=True, morning_digest=True, role__in=list(DIGEST_AUDIENCES)
    ).exclude(digests__as_at=as_at)
    for user in users:
        with transaction.atomic():
            if DigestSent.objects.select_for_update().filter(user=user, as_at=as_at).exists():
                continue
            last = DigestSent.objects.filter(user=user).aggregate(at=Max("sent_at"))["at"]
            flags = open_flags_for(user, DIGEST_AUDIENCES[user.role], as_at)
            new = Counter(
                (flags.filter(raised_at__gt=last) if last else flags).values_list("kind", flat=True)
            )
            still_open = Counter(flags.values_list("kind", flat=True))
            if not still_open:
                continue
            lines = [f"Good morning {user.full_name},", ""]
            if new:
                lines.append("New since your last digest:")
                lines += [f"- {kinds[k].title}: {n}" for k, n in sorted(new.items()) if k in kinds]
                lines.append("")
            lines.append("Still open:")
            lines += [
                f"- {kinds[k].title}: {n}" for k, n in sorted(still_open.items()) if k in kinds
            ]
            lines += ["", f"Your today page: {site_url()}{reverse('home')}"]
            DigestSent.objects.create(
                user=user, as_at=as_at, sent_at=timezone.now(), items=sum(still_open.values())
            )
            send_mail(
                f"Today: {sum(new.values())} new, {sum(still_open.values())} open",
                "\n".join(lines),
                None,
                [user.email],
            )
            sent += 1
    logger.info("morning digest as at %s: %d sent", as_at, sent)
    return sent
