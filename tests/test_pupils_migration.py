"""Moving the pupils and families from `cases` to `pupils` keeps every row.

A database at main's migrations (the last before the move), holding a pupil, a
carer, the link between them, an enrolment and a year of registers, is migrated
forward; the same rows, with the same ids and values, are there through today's
models. The move changes only Django's record of the models: the tables stay.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Model
from django.test import override_settings

from attendance.models import RegisterYear
from pupils.models import Carer, Enrolment, Pupil, PupilCarer

from .factories import SchoolFactory, UserFactory, make_upn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# main's migrations, the last of each app before the move.
BEFORE_THE_MOVE = [
    ("cases", "0004_relationships_from_cbds_codes"),
    ("attendance", "0003_register_origin_and_import_discrepancies"),
    ("notices", "0003_legal_referrals"),
    ("pathway", "0002_pathwayevaluation"),
]


def _values(row: Model) -> dict[str, Any]:
    # A generated column (the pupil's search text, added later) is the fields again.
    return {
        field.attname: getattr(row, field.attname)
        for field in row._meta.concrete_fields
        if not field.generated
    }


def _executor() -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


# The test database is built from the models (pytest --no-migrations): here the
# real migrations are loaded instead.
@override_settings(MIGRATION_MODULES={})
def test_a_database_from_before_the_move_keeps_its_pupils_and_families() -> None:
    school = SchoolFactory()
    dsl = UserFactory(school=school)

    executor = _executor()
    # Record the migrations as applied, as they are in a database of this branch,
    # then take cases (and everything built on it) back to nothing and forward to
    # main: its tables are then made by main's own migrations.
    recorded = executor.recorder.applied_migrations()
    for app_label, name in executor.loader.graph.nodes:
        if (app_label, name) not in recorded:
            executor.recorder.record_applied(app_label, name)
    executor = _executor()
    executor.migrate([("cases", None)])
    executor = _executor()
    executor.migrate(BEFORE_THE_MOVE)

    executor = _executor()
    old = executor.loader.project_state(BEFORE_THE_MOVE).apps
    assert old.get_model("cases", "Pupil")._meta.db_table == "cases_pupil"
    pupil = old.get_model("cases", "Pupil")._default_manager.create(
        upn=make_upn(),
        legal_forename="Amira",
        legal_surname="Haddad",
        preferred_forename="Mira",
        date_of_birth=dt.date(2014, 3, 2),
        sex="F",
        year_group="6",
        sen_status="K",
        free_school_meals=True,
    )
    carer = old.get_model("cases", "Carer")._default_manager.create(
        title="Mrs",
        forename="Leila",
        surname="Haddad",
        address="4 Mill Lane\nNorthmoor",
        postcode="NM1 4AB",
        mobile="07700 900123",
        preferred_language="Arabic",
        interpreter_needed=True,
        preferred_contact_method="text",
    )
    link = old.get_model("cases", "PupilCarer")._default_manager.create(
        pupil=pupil,
        carer=carer,
        relationship="mother",
        lives_with_pupil=False,
        contact_priority=2,
        included_in_correspondence=True,
        correspondence_decided_by_id=dsl.pk,
        correspondence_decided_at=dt.datetime(2025, 10, 1, 9, 30, tzinfo=dt.UTC),
        correspondence_decision_reason="Shares parental responsibility; no safeguarding concern.",
    )
    enrolment = old.get_model("cases", "Enrolment")._default_manager.create(
        pupil=pupil, school_id=school.pk, start=dt.date(2024, 9, 1), end=dt.date(2025, 7, 22)
    )
    register = old.get_model("attendance", "RegisterYear")._default_manager.create(
        pupil=pupil, school_id=school.pk, academic_year=2024, marks="//" * 10
    )
    before = {
        Pupil: _values(pupil),
        Carer: _values(carer),
        PupilCarer: _values(link),
        Enrolment: _values(enrolment),
        RegisterYear: _values(register),
    }

    executor.migrate(executor.loader.graph.leaf_nodes())

    assert _executor().migration_plan(executor.loader.graph.leaf_nodes()) == []
    for model, values in before.items():
        assert _values(model.unscoped.get(pk=values["id"])) == values, model.__name__
    # pupils 0003 filled the search column of the pupils already there.
    assert Pupil.unscoped.get(pk=pupil.pk).search_text == "AMIRA HADDAD MIRA "
    assert list(Pupil.unscoped.get(pk=pupil.pk).carer_links.all()) == [
        PupilCarer.unscoped.get(pk=link.pk)
    ]
