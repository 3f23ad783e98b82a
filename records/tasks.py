from __future__ import annotations

from celery import shared_task

from core.dates import today

from .services.retention import retention_review_run


@shared_task(acks_late=True)
def retention_review() -> int:
    """The nightly list of records past retention (safe to run twice)."""
    return retention_review_run(today=today()).listed
