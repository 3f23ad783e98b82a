"""What cases asks of the apps above it (core/hooks.py).

`pathway_numbers(local_authority_id)`: the LA's numbers of the Support First
pathway that cases reads: meetings held against the minimum, when the next
contact is due, and how many school days a "no response" to a support offer
waits after a follow-up before it counts as not engaged. The pathway app
provides them (its settings, rule A4).
"""

from __future__ import annotations

from typing import Protocol

from core.hooks import Hook


class PathwayNumbers(Protocol):
    @property
    def minimum_meetings(self) -> int: ...

    @property
    def contact_interval_days(self) -> int: ...

    @property
    def no_response_wait_school_days(self) -> int: ...


pathway_numbers: Hook[[int | None], PathwayNumbers] = Hook("cases.hooks.pathway_numbers")
