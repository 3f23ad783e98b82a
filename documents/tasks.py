from celery import shared_task

from accounts.models import User

from .services.generate import document_make


@shared_task
def make_document(
    user_id: int, case_id: int, key: str, translation_note: str = "", reason: str = ""
) -> int:
    """Make one document (the view checked it can be made before queueing it)."""
    document = document_make(
        acting_user=User.objects.get(pk=user_id),
        case_id=case_id,
        key=key,
        translation_note=translation_note,
        reason=reason,
    )
    return document.pk


@shared_task
def make_document_batch(batch_id: int) -> str:
    """Make a batch's letters (documents.services.batch); returns its status."""
    from .services.batch import half_term_batch_run

    return half_term_batch_run(batch_id=batch_id).status
