"""Reads of pupils and families, always scoped to the user asking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Upper

from core.dates import today
from core.scoping import get_for_user_or_404, visible_schools

from .models import Enrolment, Pupil, PupilCarer

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def _current(on: dt.date) -> Q:
    return Q(start__lte=on) & (Q(end__isnull=True) | Q(end__gte=on))


def pupil_list(
    *, user: User | AnonymousUser, search: str = "", on: dt.date | None = None
) -> QuerySet[Pupil]:
    """Pupils currently on roll at a school the user may see, with that enrolment."""
    on = on or today()
    current_visible_enrolments = Enrolment.unscoped.filter(
        _current(on), school__in=visible_schools(user)
    ).select_related("school")
    pupils = (
        Pupil.objects.for_user(user)
        .filter(Exists(current_visible_enrolments.filter(pupil=OuterRef("pk"))))
        .prefetch_related(
            Prefetch(
                "enrolments", queryset=current_visible_enrolments, to_attr="current_enrolments"
            )
        )
        .order_by("legal_surname", "legal_forename", "pk")
    )
    search = search.strip()
    if search:
        pupils = pupils.filter(matching(search))
    return pupils


def matching(search: str) -> Q:
    """Pupils whose UPN is `search` or any of whose names contain it, ignoring
    case: two conditions PostgreSQL answers from indexes (pupils/migrations/0003)."""
    # The database upper-cases both sides, as it did `search_text`, so Python's
    # and the database's ideas of upper case never differ.
    return Q(upn__iexact=search) | Q(search_text__contains=Upper(Value(search)))


def pupil_detail(*, user: User | AnonymousUser, pupil_id: int) -> Pupil:
    """The pupil with their enrolments and carers, or a 404 if outside the user's scope."""
    # django-stubs cannot unify two different Prefetch types in one call.
    queryset = Pupil.objects.for_user(user).prefetch_related(  # type: ignore[type-var]
        Prefetch("enrolments", queryset=Enrolment.unscoped.select_related("school")),
        Prefetch(
            "carer_links",
            queryset=PupilCarer.unscoped.select_related(
                "carer", "correspondence_decided_by"
            ).order_by("contact_priority"),
        ),
    )
    return get_for_user_or_404(queryset, user, pk=pupil_id)


def correspondence_recipients(pupil_id: int) -> list[PupilCarer]:
    """The parents and carers who get the school's letters about this pupil,
    in contact order: the one rule (`PupilCarer.receives_correspondence`) that
    every letter, notice and invitation follows. Unscoped: the caller has
    already found the pupil's case in the user's scope."""
    return correspondence_recipients_of([pupil_id]).get(pupil_id, [])


def correspondence_recipients_of(pupil_ids: Collection[int]) -> dict[int, list[PupilCarer]]:
    """`correspondence_recipients` for many pupils in one query, by pupil id
    (a pupil with nobody to write to is absent)."""
    found: dict[int, list[PupilCarer]] = {}
    links = PupilCarer.unscoped.filter(pupil_id__in=pupil_ids).select_related("carer")
    for link in links.order_by("contact_priority", "pk"):
        if link.receives_correspondence:
            found.setdefault(link.pupil_id, []).append(link)
    return found
