from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Casework"

    def ready(self) -> None:
        # What cases shows on the pages of the apps below it (core/hooks.py).
        from attendance.hooks import pupil_page_panels

        from .providers import open_case_panel

        pupil_page_panels.provide(open_case_panel)

        # Cases' kinds of flag, and the attendance-level ones (cases/nightly.py).
        from .hooks import flag_kinds
        from .services.flags_detect import cases_flag_kinds

        flag_kinds.provide(cases_flag_kinds)

        # Each role's today page is the home page (core/views.py asks for it).
        from core.hooks import home_page

        from .views.today import today_page

        home_page.provide(today_page)
