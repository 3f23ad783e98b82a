from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core: scoping, audit, health"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (sign-in and sign-out are audited)
