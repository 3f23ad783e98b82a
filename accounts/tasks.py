from celery import shared_task

from .services.passwords import password_reset_email_send


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_password_reset_email(user_id: int, domain: str, use_https: bool) -> bool:
    return password_reset_email_send(user_id=user_id, domain=domain, use_https=use_https)
