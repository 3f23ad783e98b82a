from celery import shared_task

from attendance.models import PupilFigures
from attendance.services.snapshots import figures_refresh
from core.dates import last_full_day, today
from core.locks import JobAlreadyRunning, advisory_lock

from .nightly import run_nightly
from .services.flags_digest import digest_send


@shared_task(acks_late=True, reject_on_worker_lost=True)
def nightly() -> dict[str, int]:
    """The nightly run as at today, then the morning digests. acks_late: a worker
    killed mid-run leaves the message on the broker and another worker runs
    it again; the run and the digests are idempotent, so that is safe."""
    as_at = today()
    # The threshold flags read the stored figures: if last night's refresh did
    # not run (a missed night), refresh them first.
    latest = PupilFigures.unscoped.order_by("-as_at").values_list("as_at", flat=True).first()
    if latest is not None and latest < last_full_day():
        try:
            with advisory_lock("refresh_figures"):
                figures_refresh(as_at=last_full_day())
        except JobAlreadyRunning:
            pass
    try:
        result = run_nightly(as_at=as_at)
    except JobAlreadyRunning:
        return {"skipped": 1}
    sent = digest_send(as_at=as_at)
    return {
        "raised": sum(result.raised.values()),
        "resolved": sum(result.resolved.values()),
        "digests": sent,
    }
