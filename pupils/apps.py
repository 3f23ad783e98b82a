from django.apps import AppConfig


class PupilsConfig(AppConfig):
    """Pupils, their enrolments and families, and UPNs: below attendance and casework."""

    name = "pupils"
    verbose_name = "Pupils and families"
