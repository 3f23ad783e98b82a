from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The Northmoor Council demo (`manage.py seed_demo`): schools, pupils, registers and
    cases built on top of every other app. Nothing imports it."""

    name = "demo"
    verbose_name = "Demo data"
