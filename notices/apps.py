from django.apps import AppConfig


class NoticesConfig(AppConfig):
    """Notices to Improve, legal-intervention referrals, the LA's review and
    penalty notices (rules A4, A5). Filled in by the pathway issue."""

    name = "notices"
    verbose_name = "Notices and referrals"

    def ready(self) -> None:
        # What notices provides to the apps below it (core/hooks.py).
        from cases.hooks import chronology_items, pupil_record_targets, returned_referrals
        from core.hooks import home_panels
        from pathway.hooks import latest_notice

        from .providers import chronology_items as notice_chronology
        from .providers import latest_notice as notice_on_file
        from .providers import returned_referrals_panel
        from .selectors import returned_referrals as referrals_returned

        latest_notice.provide(notice_on_file)
        chronology_items.provide(notice_chronology)
        returned_referrals.provide(referrals_returned)
        home_panels.provide(returned_referrals_panel)

        # Notices' kinds of flag, for the nightly run (notices/flags.py).
        from cases.hooks import flag_kinds

        from .flags import notices_flag_kinds

        flag_kinds.provide(notices_flag_kinds)
        from .access_log import pupil_record_targets as notices_about_pupil

        pupil_record_targets.provide(notices_about_pupil)

        # Running notices' periods are recounted when a school's school days change.
        from attendance.signals import school_days_changed

        from .services.recompute import on_school_days_changed

        school_days_changed.connect(on_school_days_changed, dispatch_uid="notices.recompute")
