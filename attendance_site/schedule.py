"""Every periodic job, in one place. Times are Europe/London (CELERY_TIMEZONE).

Nightly jobs run after the school day's registers have closed and before staff
arrive. Each task is thin: it calls a service that is idempotent and can be run
again by hand with the matching management command.
"""

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Figures as at yesterday for every pupil, for the dashboards (about 7 s for
    # 130,000 pupils: docs/benchmarks.md).
    "refresh-figures": {
        "task": "attendance.tasks.refresh_figures",
        "schedule": crontab(hour=1, minute=30),
    },
    # Uploads nobody took up (the broker lost them) and imports whose worker died.
    "recover-imports": {
        "task": "attendance.tasks.recover_imports",
        "schedule": crontab(minute="*/5"),
    },
    "clear-expired-sessions": {
        "task": "core.tasks.clear_expired_sessions",
        "schedule": crontab(hour=2, minute=15),
    },
}
