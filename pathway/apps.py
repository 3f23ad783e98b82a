from django.apps import AppConfig


class PathwayConfig(AppConfig):
    """The Support First pathway engine: prerequisite rules for a Notice to Improve
    and a legal-intervention referral (rule A4). Filled in by the pathway issue."""

    name = "pathway"
    verbose_name = "Pathway engine"

    def ready(self) -> None:
        # What the pathway provides to the apps below it (core/hooks.py).
        from cases.hooks import pathway_numbers

        from .models import settings_for

        pathway_numbers.provide(settings_for)
