"""Finding every row that is about a record: each row of the product's apps
that points to it, and to those, followed until nothing new turns up. Used by
the subject-access export (what is held about a pupil) and by retention (what
makes up a case file to delete), so a model added to any app is covered by
both without a change here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError

# The apps whose rows can be about a pupil. accounts (staff, schools, LAs) and
# core (the audit trail, taken through the access log) are not in the walk.
PRODUCT_APPS = ("pupils", "attendance", "cases", "pathway", "notices", "documents")


@dataclass
class Found:
    by_model: dict[type[models.Model], dict[Any, models.Model]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    # The rows in the order they were found, a list per round of the walk.
    rounds: list[list[models.Model]] = field(default_factory=lambda: [[]])

    def add(self, rows: Iterable[models.Model]) -> bool:
        added = False
        for row in rows:
            bucket = self.by_model[type(row)]
            if row.pk not in bucket:
                bucket[row.pk] = row
                self.rounds[-1].append(row)
                added = True
        return added

    def ids(self, model: type[models.Model]) -> list[Any]:
        return list(self.by_model.get(model, {}))


def _product_models() -> list[type[models.Model]]:
    return [m for label in PRODUCT_APPS for m in apps.get_app_config(label).get_models()]


def _pointers(model: type[models.Model]) -> list[models.ForeignKey[Any, Any]]:
    return [
        f
        for f in model._meta.get_fields()
        if isinstance(f, models.ForeignKey) and f.related_model is not None
    ]


def _manager(model: type[models.Model]) -> models.Manager[Any]:
    # Unscoped on purpose: the caller has checked the user may see the record,
    # and what is found is everything held, not what one page shows.
    return getattr(model, "unscoped", model._default_manager)


def rows_pointing_to(found: Found, *, leaves: tuple[type[models.Model], ...]) -> Found:
    """Adds to `found` every row of the product's apps that points to a row in
    it, and to those, until nothing new turns up; nothing is followed from a
    model in `leaves`. `found.rounds` keeps the order rows were found in: a
    row points only to rows found before it."""
    # (model, pointer) -> how many target rows it was last asked about: a
    # pointer is asked again only when more rows it could point to were found.
    asked: dict[tuple[type[models.Model], str], int] = {}
    walk = [
        (model, pointer)
        for model in _product_models()
        if model not in leaves
        for pointer in _pointers(model)
        if pointer.related_model not in leaves
    ]
    changed = True
    while changed:
        changed = False
        found.rounds.append([])
        for model, pointer in walk:
            target = pointer.related_model
            ids = found.ids(target)
            if not ids or asked.get((model, pointer.name)) == len(ids):
                continue
            asked[model, pointer.name] = len(ids)
            changed |= found.add(_manager(model).filter(**{f"{pointer.name}__in": ids}))
    return found


def delete_found(found: Found) -> int:
    """Deletes what was found, last found first (a row points only to rows
    found before it); rows of one round that point to each other are retried
    until the round is empty."""
    deleted = 0
    files = [
        (field.storage, name)
        for rows in found.rounds
        for row in rows
        for field in row._meta.concrete_fields
        if isinstance(field, models.FileField) and (name := getattr(row, field.attname).name)
    ]
    for round_rows in reversed(found.rounds):
        pending = list(round_rows)
        while pending:
            stuck = []
            for row in pending:
                try:
                    with transaction.atomic():
                        deleted += type(row)._base_manager.filter(pk=row.pk).delete()[0]
                except ProtectedError:
                    stuck.append(row)
            if len(stuck) == len(pending):
                raise ValidationError(
                    f"{len(stuck)} records could not be deleted: other records still point to them."
                )
            pending = stuck

    # The stored letters go with their rows, once the deletion has committed
    # (a rollback must not leave rows whose files are gone).
    def delete_files() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return deleted
