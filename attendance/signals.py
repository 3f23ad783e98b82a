"""What attendance tells the apps above it when school days change.

`school_days_changed`: sent by `attendance.services.calendars.school_days_refresh`
when the stored school days of one or more schools change, after a calendar
change or a merge of register marks. Dates counted in school days and fixed
earlier (a Notice to Improve's improvement period, rule A4) may have moved:
notices recounts its open notices (`notices.services.recompute`).

Arguments: `school_ids` (a frozenset of school ids), `reason` ("calendar" or
"registers"), `acting_user` (the user whose change it was, or None for a job).
Sent inside the change's transaction, so a recount is committed with it or not
at all.
"""

from __future__ import annotations

from django.dispatch import Signal

school_days_changed = Signal()

CALENDAR = "calendar"
REGISTERS = "registers"
