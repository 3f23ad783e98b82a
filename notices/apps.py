from django.apps import AppConfig


class NoticesConfig(AppConfig):
    """Notices to Improve, legal-intervention referrals, the LA's review and
    penalty notices (rules A4, A5). Filled in by the pathway issue."""

    name = "notices"
    verbose_name = "Notices and referrals"

    def ready(self) -> None:
        # What notices provides to the apps below it (core/hooks.py).
        from cases.hooks import chronology_items
        from pathway.hooks import latest_notice

        from .providers import chronology_items as notice_chronology
        from .providers import latest_notice as notice_on_file

        latest_notice.provide(notice_on_file)
        chronology_items.provide(notice_chronology)

        # Running notices' periods are recounted when a school's school days change.
        from attendance.signals import school_days_changed

        from .services.recompute import on_school_days_changed

        school_days_changed.connect(on_school_days_changed, dispatch_uid="notices.recompute")
