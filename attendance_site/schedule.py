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
    # Flags and the morning digest, after the figures refresh (the national
    # threshold reads its figures, as at yesterday: every register of the day
    # is in by then) and hours before staff arrive, so the today page and the
    # digest are ready at 8. Not 19:30: late registers and the evening's
    # imports would be missed until the next night.
    "nightly-flags": {
        "task": "cases.tasks.nightly",
        "schedule": crontab(hour=2, minute=30),
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
    # Records past their retention period, listed for the LA's managers
    # (records.services.retention): nothing is deleted without their decision.
    "retention-review": {
        "task": "records.tasks.retention_review",
        "schedule": crontab(hour=3, minute=15),
    },
}
