"""Who may see what: the one place that decides.

Every model holding pupil, case or document data declares, with `scope_lookup`,
the path from itself to the `School` it belongs to, and uses `ScopedManager` as
`objects`. The manager has no unscoped reads: `Model.objects.filter(...)` raises.
Reads go through `Model.objects.for_user(user)`; jobs that must see everything
(nightly recomputes, imports) use the loudly named `Model.unscoped`.

    School users   see records of their own school.
    LA users       see records of every school in their LA.
    System admins  see everything.
    Anyone else    (inactive, anonymous, no organisation) sees nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.http import Http404

from accounts.models import School

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

_M = TypeVar("_M", bound=models.Model)


class UnscopedQueryError(RuntimeError):
    pass


def visible_schools(user: User | AnonymousUser) -> models.QuerySet[School]:
    """The schools whose records this user may see."""
    schools = School.objects.all()
    if not user.is_authenticated or not user.is_active:
        return schools.none()
    if user.is_system_admin:
        return schools
    if user.is_school_user and user.school_id:
        return schools.filter(pk=user.school_id)
    if user.is_la_user and user.local_authority_id:
        return schools.filter(local_authority_id=user.local_authority_id)
    return schools.none()


class ScopedQuerySet(models.QuerySet[_M], Generic[_M]):
    def for_user(self, user: User | AnonymousUser) -> ScopedQuerySet[_M]:
        return self.filter(scope_q(self.model, visible_schools(user)))


def scope_q(model: type[models.Model], schools: models.QuerySet[School]) -> Q:
    """The filter restricting `model` to records of `schools`.

    A model whose path to its school crosses a many-valued relation (a pupil has
    several enrolments) supplies `scope_filter(schools)` instead, so that the
    result needs no DISTINCT.
    """
    custom = getattr(model, "scope_filter", None)
    if custom is not None:
        return custom(schools)
    lookup: str = model.scope_lookup  # type: ignore[attr-defined]
    return Q(**{f"{lookup}__in": schools})


class ScopedManager(models.Manager[_M], Generic[_M]):
    """The front door for reads: only `for_user(user)` is allowed.

    Declare it as `objects`, with a plain `unscoped = models.Manager()` first,
    so that Django's own machinery (related managers, admin) keeps working.
    """

    def get_queryset(self) -> ScopedQuerySet[_M]:
        raise UnscopedQueryError(
            f"{self.model.__name__}.objects needs a user: call "
            f"{self.model.__name__}.objects.for_user(user), or "
            f"{self.model.__name__}.unscoped for a job that must see every school."
        )

    def for_user(self, user: User | AnonymousUser) -> ScopedQuerySet[_M]:
        return ScopedQuerySet(self.model, using=self._db).for_user(user)


def get_for_user_or_404(
    queryset: models.QuerySet[_M] | ScopedManager[_M], user: Any, **lookup: Any
) -> _M:
    """The object if it exists and the user may see it; otherwise a 404.

    "Not yours" and "not there" give the same answer, so that a forged URL
    reveals nothing about which records exist.
    """
    if isinstance(queryset, (ScopedManager, ScopedQuerySet)):
        queryset = queryset.for_user(user)
    else:
        raise TypeError("get_for_user_or_404 takes a scoped manager or queryset.")
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such record.") from exc
