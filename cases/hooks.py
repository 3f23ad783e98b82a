"""What cases asks of the apps above it (core/hooks.py).

`pathway_numbers(local_authority_id)`: the LA's numbers of the Support First
pathway that the caseload shows: meetings held against the minimum, and when
the next contact is due. The pathway app provides them (its settings, rule A4).
"""

from __future__ import annotations

from typing import Protocol

from core.hooks import Hook


class PathwayNumbers(Protocol):
    @property
    def minimum_meetings(self) -> int: ...

    @property
    def contact_interval_days(self) -> int: ...


pathway_numbers: Hook[[int | None], PathwayNumbers] = Hook("cases.hooks.pathway_numbers")
