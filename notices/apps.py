from django.apps import AppConfig


class NoticesConfig(AppConfig):
    """Notices to Improve, legal-intervention referrals, the LA's review and
    penalty notices (rules A4, A5). Filled in by the pathway issue."""

    name = "notices"
    verbose_name = "Notices and referrals"
