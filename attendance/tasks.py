from celery import shared_task

from core.dates import last_full_day
from core.locks import JobAlreadyRunning, advisory_lock

from .services.imports import import_batch_run, import_batches_recover
from .services.snapshots import figures_refresh


@shared_task
def run_import(batch_id: int) -> str:
    """Import an uploaded file; returns "succeeded" or "failed"."""
    return import_batch_run(batch_id=batch_id).status


@shared_task
def refresh_figures(school_ids: list[int] | None = None) -> int:
    """Nightly for every school, and after an import for the schools it touched.
    Returns the number of pupil figures stored."""
    name = "refresh_figures" if school_ids is None else f"refresh_figures:{school_ids}"
    with advisory_lock(name):
        return figures_refresh(as_at=last_full_day(), school_ids=school_ids).rows


@shared_task
def recover_imports() -> dict[str, list[int]]:
    """Every few minutes: take up imports nobody ran, fail those whose worker
    died. Returns the batch ids of each."""
    try:
        with advisory_lock("recover_imports"):
            recovered = import_batches_recover()
    except JobAlreadyRunning:
        return {"taken_up": [], "failed": []}
    return {"taken_up": recovered.taken_up, "failed": recovered.failed}
