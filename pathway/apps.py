from django.apps import AppConfig


class PathwayConfig(AppConfig):
    """The Support First pathway engine: prerequisite rules for a Notice to Improve
    and a legal-intervention referral (rule A4). Filled in by the pathway issue."""

    name = "pathway"
    verbose_name = "Pathway engine"
