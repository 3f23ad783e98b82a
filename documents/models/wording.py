"""An LA's own wording of a document's editable paragraphs (issue 12, item 3).

Each save is a new version; the latest is used, and a kind's paragraph with no
LA wording falls back to the product's (documents/kinds/). Fixed legal text is
not a paragraph: it is in the kind's template, where no one can edit it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import LocalAuthority


class Wording(models.Model):
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="document_wordings"
    )
    kind = models.CharField(max_length=40)
    paragraph = models.CharField(max_length=40)
    version = models.PositiveSmallIntegerField()
    text = models.TextField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "paragraph", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["local_authority", "kind", "paragraph", "version"],
                name="wording_version_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.local_authority}: {self.kind}/{self.paragraph} v{self.version}"
