from celery import shared_task

from .services.imports import import_batch_run


@shared_task
def run_import(batch_id: int) -> str:
    """Import an uploaded file; returns "succeeded" or "failed"."""
    return import_batch_run(batch_id=batch_id).status
