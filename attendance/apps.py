from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    """Registers, school calendars, the code set, imports and the figures (rules A1-A3)."""

    name = "attendance"
    verbose_name = "Attendance registers and figures"
