from celery import shared_task

from .bundle import bundle_file_store
from .models import LegalReferral


@shared_task(acks_late=True)
def store_bundle_file(referral_id: int) -> int:
    """Render and store the referral's bundle PDF as it prints now (queued when
    the referral is submitted and when its certificate is signed); nothing
    when it is stored already."""
    stored, _ = bundle_file_store(LegalReferral.unscoped.get(pk=referral_id))
    return stored.pk
