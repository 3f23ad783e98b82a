"""UPNs are checked as the DfE's UPN guidance defines them (docs/rules.md#upn):
13 characters, a check letter from the weighted sum of the other 12 modulo 23,
any three-digit LA number, and temporary UPNs ending in a letter."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from attendance.services.imports import ctf_import
from pupils.models import Pupil
from pupils.upn import upn_check_letter, upn_problem, validate_upn

from .factories_attendance import ctf_document, ctf_pupil, ctf_year


@pytest.mark.parametrize(
    "upn",
    [
        # Worked example of the check letter, from python-stdnum's UPN documentation.
        "B801200005001",
        # LAs created since 2019, which python-stdnum's list of LA numbers lacks.
        # By hand: 2x9 + 3x4 + 4x0 + 5x1 + 6x2 + 7x3 + 8x4 + 9x2 + 10x5 + 11x0 + 12x0
        # + 13x1 = 181; 181 mod 23 = 20, the 21st of ABCDEFGHJKLMNPQRTUVWXYZ: X.
        "X940123425001",
        # 2x8 + 3x3 + 4x8 + 5x2 + 10x5 + 13x1 = 130; 130 mod 23 = 15: R.
        "R838200005001",
        "W839200005001",
        "R941200005001",
        "W942200005001",
        "A943200005001",
    ],
)
def test_valid_upns_pass_whatever_the_la_number(upn):
    assert upn_check_letter(upn[1:]) == upn[0]
    assert upn_problem(upn) is None
    validate_upn(upn)


def test_a_temporary_upn_ends_in_a_letter_that_counts_towards_the_check():
    body = "80120000500A"
    upn = upn_check_letter(body) + body
    assert upn_problem(upn) is None
    # The letter's value (A = 0) is weighted like a digit's: A and 0 give the same check.
    assert upn_check_letter(body) == upn_check_letter("801200005000")
    assert upn_problem(upn[:-1] + "I") is not None  # I, O and S are never used


@pytest.mark.parametrize(
    ("upn", "says"),
    [
        ("B80120000500", "a UPN has 13 characters; this has 12"),
        ("1801200005001", "starts with its check letter (A to Z, but not I, O or S)"),
        ("X80120000A001", "character 10 is 'A'"),
        ("B80120000500!", "the last character of a UPN is a digit"),
        (
            "A801200005001",
            "the check letter A does not match the other 12 characters, which give B",
        ),
    ],
)
def test_each_failed_test_is_named(upn, says):
    assert says in upn_problem(upn)
    with pytest.raises(ValidationError, match="Enter a valid UPN"):
        validate_upn(upn)


@pytest.mark.django_db
def test_a_ctf_from_la_940_imports_whole():
    upns = [upn_check_letter(f"9401234250{n:02d}") + f"9401234250{n:02d}" for n in range(1, 4)]
    data = ctf_document(
        *(ctf_pupil(upn, ctf_year("/\\" * 5, lea="940", estab="1234")) for upn in upns),
        lea="940",
        estab="1234",
    )

    report = ctf_import(source=data, batch=None, acting_user=None)

    assert report.succeeded, report.errors
    assert sorted(Pupil.unscoped.values_list("upn", flat=True)) == sorted(upns)
