from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """Data protection over the whole record: the subject-access export of
    everything held about a pupil and their family. It reads every app below
    it, so it sits on top of them (docs/architecture.md)."""

    name = "records"
    verbose_name = "Records and data protection"
