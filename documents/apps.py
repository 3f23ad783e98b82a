from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """The documents the product makes from the record (issue 12): letters to
    parents, penalty notices; each stored with its checksum, the data it was
    made from and who made it, never regenerated silently."""

    name = "documents"
    verbose_name = "Documents"

    def ready(self) -> None:
        # What documents provides to the apps below it (core/hooks.py).
        from cases.hooks import chronology_items

        from .providers import chronology_items as document_chronology

        chronology_items.provide(document_chronology)

        from notices.hooks import letter_as_served

        from .providers import letter_as_served as stored_letter

        letter_as_served.provide(stored_letter)

        from core.hooks import home_panels

        from .providers import half_term_panel

        home_panels.provide(half_term_panel)
