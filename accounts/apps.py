from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts and organisations"

    def ready(self) -> None:
        # Connects the sign-in receiver that notes whether a code is due.
        from . import middleware  # noqa: F401


class ProductAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the site in accounts/admin_site.py."""

    default = False
    default_site = "accounts.admin_site.ProductAdminSite"
