from celery import shared_task
from django.contrib.sessions.models import Session

from .dates import now


@shared_task
def clear_expired_sessions() -> int:
    """Nightly: remove expired sign-in sessions, which hold nothing anyone needs."""
    deleted, _ = Session.objects.filter(expire_date__lt=now()).delete()
    return deleted
