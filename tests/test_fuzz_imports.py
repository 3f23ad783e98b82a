"""The importers fuzzed (issue 14, item 7): whatever bytes arrive (a file cut
short, bytes changed or inserted, the wrong encoding, a hostile XML document),
the import answers with a report, never an exception; a file it refuses is
refused whole, with at least one message that says what is wrong, and leaves
the database as it was. Hypothesis generates the files from a valid marks CSV
and the sample CTF; the example counts keep the run under a minute in CI."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attendance.models import RegisterYear
from attendance.services.imports import ctf_import, marks_csv_import
from pupils.models import Carer, Enrolment, Pupil

from .factories import EnrolmentFactory, PupilFactory
from .factories_attendance import UPN_A, UPN_B, riverside

pytestmark = pytest.mark.django_db

SAMPLE_CTF = Path(__file__).parent / "fixtures" / "ctf" / "sample-ctf.xml"
MON = dt.date(2025, 9, 1)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same files on every run: a CI failure can be run again
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VALID_CSV = (
    "upn,date,session,code\n"
    + "".join(
        f"{upn},2025-09-0{day},{session},{code}\n"
        for upn in (UPN_A, UPN_B)
        for day in (1, 2, 3)
        for session, code in (("AM", "/"), ("PM", "N"))
    )
).encode()


def snapshot() -> tuple[int, ...]:
    return (
        Pupil.unscoped.count(),
        Enrolment.unscoped.count(),
        Carer.unscoped.count(),
        RegisterYear.unscoped.count(),
        sum(len(m) - m.count("-") for m in RegisterYear.unscoped.values_list("marks", flat=True)),
    )


@st.composite
def damaged(draw: st.DrawFn, original: bytes) -> bytes:
    """A file as it arrives after going wrong: cut short, bytes overwritten,
    bytes inserted, or re-encoded."""
    data = bytearray(original)
    how = draw(st.sampled_from(["truncate", "overwrite", "insert", "encode", "several"]))
    steps = draw(st.integers(2, 5)) if how == "several" else 1
    for _ in range(steps):
        step = how if how != "several" else draw(st.sampled_from(["overwrite", "insert"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if step == "truncate":
            del data[at:]
        elif step == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=8))
            data[at : at + len(chunk)] = chunk
        elif step == "insert":
            data[at:at] = draw(
                st.sampled_from([b"\x00", b"\xff\xfe", b",,,,", b"\n\n", b'"', b"<", b"&", b"\r"])
                | st.binary(min_size=1, max_size=16)
            )
        elif step == "encode":
            codec = draw(st.sampled_from(["utf-16", "utf-32", "cp500"]))
            data = bytearray(bytes(data).decode("utf-8", "replace").encode(codec))
    return bytes(data)


def assert_whole_or_refused(report, before: tuple[int, ...]) -> None:
    if report.succeeded:
        return
    assert report.errors, "a refused file must say why"
    assert all(str(error).strip() for error in report.errors)
    assert snapshot() == before, "a refused file must change nothing"


@pytest.fixture
def school():
    school = riverside(urn="121212")
    for upn in (UPN_A, UPN_B):
        EnrolmentFactory(pupil=PupilFactory(upn=upn, school=None), school=school, start=MON)
    return school


@FUZZ
@given(data=damaged(VALID_CSV))
def test_a_damaged_marks_csv_is_imported_or_refused_whole(school, data):
    before = snapshot()
    report = marks_csv_import(source=data, school=school, acting_user=None, batch=None)
    assert_whole_or_refused(report, before)


@FUZZ
@given(data=damaged(SAMPLE_CTF.read_bytes()))
def test_a_damaged_ctf_is_imported_or_refused_whole(data):
    before = snapshot()
    report = ctf_import(source=data, batch=None, acting_user=None)
    assert_whole_or_refused(report, before)


HOSTILE_XML = {
    "entity expansion (billion laughs)": b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<CTfile><Header>&lol3;</Header></CTfile>""",
    "external entity": b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><CTfile>&x;</CTfile>""",
    "deep nesting": b"<CTfile>" + b"<a>" * 50_000 + b"</a>" * 50_000 + b"</CTfile>",
    "not XML at all": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
}


@pytest.mark.parametrize("kind", HOSTILE_XML)
def test_a_hostile_ctf_is_refused_with_a_message_and_bounded_memory(kind):
    before = snapshot()
    tracemalloc.start()
    try:
        report = ctf_import(source=HOSTILE_XML[kind], batch=None, acting_user=None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not report.succeeded
    assert report.errors
    assert snapshot() == before
    assert peak < 50 * 1024 * 1024, f"{kind}: {peak / 1e6:.0f} MB"


def test_an_oversized_marks_csv_line_is_refused_with_bounded_memory(school):
    """One 'line' of 20 MB with no line break (a file saved wrongly): refused,
    and the importer does not hold several copies of it."""
    data = b"upn,date,session,code\n" + b"H" * 20_000_000
    before = snapshot()
    tracemalloc.start()
    try:
        report = marks_csv_import(source=data, school=school, acting_user=None, batch=None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not report.succeeded
    assert "is not a marks file saved as CSV" in str(report.errors[0])
    assert snapshot() == before
    assert peak < 100 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
