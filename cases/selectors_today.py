"""The today page's reads: the user's open flags, grouped by kind, oldest first,
in a fixed number of queries whatever the number of flags (a count per kind,
then at most `PER_KIND` flags of each, by a window over the kinds)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber

from accounts.models import Role, User

from .hooks import Audience, FlagKind, all_flag_kinds
from .models import Flag

# The most of one kind listed; the rest are counted ("and 240 more").
PER_KIND = 25

AUDIENCES: dict[str, tuple[str, ...]] = {
    Role.ATTENDANCE_LEAD: (Audience.SCHOOL, Audience.DSL),
    Role.DSL: (Audience.DSL, Audience.SCHOOL),
    Role.SCHOOL_STAFF: (Audience.SCHOOL, Audience.DSL),
    Role.LA_OFFICER: (Audience.LA,),
    Role.LA_MANAGER: (Audience.LA,),
}


@dataclass
class FlagGroup:
    kind: FlagKind
    count: int
    flags: list[tuple[Flag, str]] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.flags)


def today_flags(*, user: User, day: dt.date) -> list[FlagGroup]:
    audiences = AUDIENCES.get(user.role, ())
    kinds = {code: k for code, k in all_flag_kinds().items() if k.audience in audiences}
    # The DSL's own kinds first on the DSL's page.
    order = {a: i for i, a in enumerate(audiences)}
    base = Flag.objects.for_user(user).filter(
        resolved_at__isnull=True, kind__in=list(kinds), due_on__lte=day
    )
    # One query: the oldest `PER_KIND` of each kind, each row carrying its
    # kind's count.
    ranked = (
        base.select_related("pupil", "school")
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("kind")], order_by=[F("due_on").asc(), F("pk").asc()]
            ),
            kind_count=Window(Count("pk"), partition_by=[F("kind")]),
        )
        .filter(rank__lte=PER_KIND)
        .order_by("kind", "due_on", "pk")
    )
    groups: dict[str, FlagGroup] = {}
    for flag in ranked:
        group = groups.get(flag.kind)
        if group is None:
            group = groups[flag.kind] = FlagGroup(kinds[flag.kind], flag.kind_count)
        group.flags.append((flag, group.kind.link(flag)))
    return sorted(groups.values(), key=lambda g: (order[g.kind.audience], g.kind.order))
