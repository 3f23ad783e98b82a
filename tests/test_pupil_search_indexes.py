"""Pupil search uses indexes on PostgreSQL (issue: search scanned every pupil).

The search reads one column, `search_text` (the names joined and upper-cased,
kept by the database), with one trigram index, and the UPN by its upper-cased
expression (pupils/migrations/0002 and 0003)."""

import importlib

import pytest
from django.db import connection

from pupils.models import Pupil
from pupils.selectors import matching, pupil_list

from .factories import EnrolmentFactory, PupilFactory


@pytest.fixture
def search_indexes(db):
    """The suite builds its tables without migrations, so apply these two's SQL:
    0002 adds pg_trgm and the UPN's index, 0003 the search column's index."""
    with connection.schema_editor() as editor:
        for name in ("0002_search_indexes_on_postgresql", "0003_pupil_search_text"):
            migration = importlib.import_module(f"pupils.migrations.{name}").Migration
            run_python = [op for op in migration.operations if hasattr(op, "code")]
            run_python[0].code(None, editor)


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
def test_the_search_can_be_answered_from_the_indexes(search_indexes, school):
    for _ in range(3):
        EnrolmentFactory(school=school)
    plan = _plan(Pupil.unscoped.filter(matching("kaf")))
    # Both halves of the OR from an index: the names' trigrams and the UPN.
    assert "pupil_search_text_trgm" in plan
    assert "pupil_upn_upper" in plan
    assert "Seq Scan on cases_pupil" not in plan


@pytest.mark.postgres
@pytest.mark.django_db
def test_search_by_upn_uses_the_upn_index(search_indexes):
    pupil = PupilFactory()
    plan = _plan(Pupil.unscoped.filter(upn__iexact=pupil.upn.lower()))
    # The unique constraint's index is on the column, not UPPER(upn).
    assert "pupil_upn_upper" in plan


@pytest.mark.django_db
def test_the_search_column_follows_the_names_whoever_writes_them(school):
    pupil = PupilFactory(legal_forename="Amara", legal_surname="Okafor")
    pupil.refresh_from_db()
    assert pupil.search_text == "AMARA OKAFOR  "
    # A bulk update, as an import writes, never goes through the model's save.
    Pupil.unscoped.filter(pk=pupil.pk).update(preferred_forename="Mara")
    pupil.refresh_from_db()
    assert pupil.search_text == "AMARA OKAFOR MARA "
    (made,) = Pupil.unscoped.bulk_create(
        [PupilFactory.build(legal_forename="Zeynep", legal_surname="Kaya")]
    )
    assert Pupil.unscoped.get(pk=made.pk).search_text.startswith("ZEYNEP KAYA")


@pytest.mark.django_db
def test_search_finds_by_upn_and_any_part_of_any_name(lead, school):
    amara = EnrolmentFactory(
        school=school,
        pupil__legal_forename="Amara",
        pupil__legal_surname="Okafor",
        pupil__preferred_forename="Mara",
        pupil__preferred_surname="O'Connor-Smith",
    ).pupil
    EnrolmentFactory(school=school, pupil__legal_surname="Smithson")
    elsewhere = EnrolmentFactory(pupil__legal_surname="Okafor").pupil

    def found(q):
        return [p.pk for p in pupil_list(user=lead, search=q)]

    assert found("KAF") == [amara.pk]
    assert found("mara") == [amara.pk]
    assert found("o'connor") == [amara.pk]
    # A forename and surname as typed together.
    assert found("amara okafor") == [amara.pk]
    assert found(amara.upn.lower()) == [amara.pk]
    assert found(f"  {amara.upn}  ") == [amara.pk]
    assert len(found("smith")) == 2
    # LIKE's wildcards are only characters here.
    assert found("%") == []
    assert found("_") == []
    assert found("zz-nobody") == []
    # Scoped as before: a pupil at another school is not found by this lead.
    assert elsewhere.pk not in found("okafor")
