"""Pupil search uses indexes on PostgreSQL (issue: search scanned every pupil)."""

import importlib

import pytest
from django.db import connection

from pupils.models import Pupil
from pupils.selectors import pupil_list

from .factories import EnrolmentFactory, PupilFactory


@pytest.fixture
def search_indexes(db):
    """The suite builds its tables without migrations, so apply this one's SQL."""
    migration = importlib.import_module("pupils.migrations.0002_search_indexes_on_postgresql")
    with connection.schema_editor() as editor:
        migration.Migration.operations[0].code(None, editor)


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # The test table is tiny, so the planner would rightly scan it; forbidding
        # sequential scans asks whether an index *can* answer the search.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.django_db
def test_search_by_part_of_a_name_uses_the_trigram_indexes(search_indexes, school):
    for _ in range(3):
        EnrolmentFactory(school=school)
    plan = _plan(Pupil.unscoped.filter(legal_surname__icontains="kaf"))
    assert "pupil_legal_surname_trgm" in plan


@pytest.mark.postgres
@pytest.mark.django_db
def test_search_by_upn_uses_the_upn_index(search_indexes):
    pupil = PupilFactory()
    plan = _plan(Pupil.unscoped.filter(upn__iexact=pupil.upn.lower()))
    # The unique constraint's index is on the column, not UPPER(upn).
    assert "pupil_upn_upper" in plan


@pytest.mark.django_db
def test_search_finds_by_upn_and_any_part_of_any_name(lead, school):
    amara = EnrolmentFactory(
        school=school,
        pupil__legal_forename="Amara",
        pupil__legal_surname="Okafor",
        pupil__preferred_forename="Mara",
    ).pupil
    EnrolmentFactory(school=school, pupil__legal_surname="Smith")

    def found(q):
        return [p.pk for p in pupil_list(user=lead, search=q)]

    assert found("KAF") == [amara.pk]
    assert found("mara") == [amara.pk]
    assert found(amara.upn.lower()) == [amara.pk]
    assert found("zz-nobody") == []
