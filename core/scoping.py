"""Who may see what: the one place that decides.

Every model holding pupil, case or document data declares, with `scope_lookup`,
the path from itself to the `School` it belongs to, and uses `ScopedManager` as
`objects`. The manager has no unscoped reads: `Model.objects.filter(...)` raises.
Reads go through `Model.objects.for_user(user)`; jobs that must see everything
(nightly recomputes, imports) use the loudly named `Model.unscoped`.

    School users   see records of their own school.
    LA users       see records of every school in their LA, but a case file
                   only on a need-to-know basis (below).
    System admins  see everything.
    Anyone else    (inactive, anonymous, no organisation) sees nothing.

Need to know. An LA user sees every school's figures, the threshold lists and
each case's stage, but a case's file (the pupil's voice, barriers, contacts and
home visits, meetings, the plan, the chronology, the letters) only while the
case is shared with the LA: referred to it, the subject of a penalty-notice
request, or shared by the school with a reason. Two declarations say which
models that is, so that this module never imports the app holding the cases:

- the case model declares `case_file_shares`, the reverse relation of its
  shares with the LA (a share counts while its `revoked_at` is empty);
- each model holding case-file content declares `case_file_lookup`, the path
  from itself to its case.

For both, `for_user(user)` keeps an LA user to the shared case files, so a
forgotten check fails closed. Lists that show a case's stage without its file
(the caseload, the threshold list) read the case with `listed_for(user)`.
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


def needs_to_know(user: User | AnonymousUser) -> bool:
    """Whether this user opens a case file only when it is shared with them."""
    return bool(user.is_authenticated and user.is_active and user.is_la_user)


def holds_case_file(model: type[models.Model]) -> bool:
    """The case itself, or a model holding part of its file."""
    return hasattr(model, "case_file_shares") or hasattr(model, "case_file_lookup")


def shared_case_file_q(model: type[models.Model]) -> Q:
    """The filter keeping `model` to rows of cases whose file is shared with the LA.

    One `IN` over the live shares' case ids: a case shared twice (a referral and
    the school's own share) still gives each row once, without DISTINCT."""
    if hasattr(model, "case_file_shares"):
        case_model, path = model, "pk"
    else:
        path = model.case_file_lookup  # type: ignore[attr-defined]
        case_model = _model_at(model, path)
    relation = case_model._meta.get_field(case_model.case_file_shares)
    if not isinstance(relation, models.ManyToOneRel) or isinstance(relation.related_model, str):
        raise TypeError(f"{case_model.__name__}.case_file_shares must name its shares' relation.")
    live = relation.related_model._base_manager.filter(revoked_at__isnull=True)
    return Q(**{f"{path}__in": live.values(relation.field.name)})


def _model_at(model: type[models.Model], path: str) -> type[models.Model]:
    for name in path.split("__"):
        related = model._meta.get_field(name).related_model
        if related is None or isinstance(related, str):
            raise TypeError(f"{model.__name__}.{name} in case_file_lookup is not a relation.")
        model = related
    if not hasattr(model, "case_file_shares"):
        raise TypeError(f"case_file_lookup {path!r} does not lead to a case.")
    return model


class ScopedQuerySet(models.QuerySet[_M], Generic[_M]):
    def for_user(self, user: User | AnonymousUser) -> ScopedQuerySet[_M]:
        found = self.filter(scope_q(self.model, visible_schools(user)))
        if holds_case_file(self.model) and needs_to_know(user):
            found = found.filter(shared_case_file_q(self.model))
        return found

    def listed_for(self, user: User | AnonymousUser) -> ScopedQuerySet[_M]:
        """The cases this user may see on a list, with their stage, whether or
        not they may open the file: an LA user's caseload and threshold list.
        What is shown from here must not reach into the file (its related
        managers are not scoped): open it with `for_user`."""
        if not hasattr(self.model, "case_file_shares"):
            raise TypeError(f"{self.model.__name__} is not a case: use for_user(user).")
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

    def listed_for(self, user: User | AnonymousUser) -> ScopedQuerySet[_M]:
        return ScopedQuerySet(self.model, using=self._db).listed_for(user)


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
