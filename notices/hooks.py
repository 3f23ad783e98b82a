"""What notices asks of the apps above it (core/hooks.py).

`letter_as_served(notice, recipient)`: the Notice to Improve letter to one
parent as the product made it, as HTML, and whether it is the stored copy
that was sent (True) or made now from the record because no copy was stored
(False). The documents app provides it; the referral bundle prints it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.hooks import Hook

if TYPE_CHECKING:
    from pupils.models import PupilCarer

    from .models import NoticeToImprove


letter_as_served: Hook[[NoticeToImprove, PupilCarer], tuple[str, bool]] = Hook(
    "notices.hooks.letter_as_served"
)
