from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts and organisations"


class ProductAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the site in accounts/admin_site.py."""

    default = False
    default_site = "accounts.admin_site.ProductAdminSite"
