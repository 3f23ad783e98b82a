"""Every periodic job, in one place. Times are Europe/London (CELERY_TIMEZONE).

Nightly jobs run after the school day's registers have closed and before staff
arrive. Each task is thin: it calls a service that is idempotent and can be run
again by hand with the matching management command.
"""

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "clear-expired-sessions": {
        "task": "core.tasks.clear_expired_sessions",
        "schedule": crontab(hour=2, minute=15),
    },
}
