"""What attendance asks of the apps above it (core/hooks.py).

`pupil_page_panels(request, pupil)`: pieces of HTML shown on a pupil's
attendance page under their name, one per app that adds one (cases: the
pupil's open case, or the button to open one). An app with nothing to show for
this pupil returns "".
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.safestring import SafeString

from core.hooks import Hooks
from pupils.models import Pupil

pupil_page_panels: Hooks[[HttpRequest, Pupil], SafeString] = Hooks(
    "attendance.hooks.pupil_page_panels"
)
