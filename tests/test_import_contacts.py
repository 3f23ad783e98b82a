"""Contacts' relationships from the DfE's CBDS codes, as real CTFs carry them
(docs/rules.md#ctf-contacts): PAM mother, PAF father, STM step-mother, STF
step-father, FOM and FOF foster carers, and the rest; parental responsibility
from <Responsibility>; an unknown code is a warning naming the pupil, the
contact and the code."""

from __future__ import annotations

import pytest

from attendance.services.imports import ctf_import
from pupils.models import PupilCarer

from .factories_attendance import (
    UPN_A,
    ctf_contact,
    ctf_document,
    ctf_pupil,
    ctf_year,
    riverside,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def school():
    return riverside()


WEEK = "/\\" * 5


def import_contacts(*contacts: str):
    report = ctf_import(
        source=ctf_document(ctf_pupil(UPN_A, ctf_year(WEEK), contacts=contacts)),
        batch=None,
        acting_user=None,
    )
    assert report.succeeded, report.errors
    links = PupilCarer.unscoped.filter(pupil__upn=UPN_A).select_related("carer")
    return report, {link.carer.forename: link for link in links}


def test_parents_step_parents_and_foster_carers_are_stored_from_their_cbds_codes():
    # The gender and title deliberately disagree with the code: the code decides.
    codes = {"Ann": "PAM", "Ben": "PAF", "Cat": "STM", "Dan": "STF", "Eve": "FOM", "Fin": "FOF"}
    _, links = import_contacts(
        *(
            ctf_contact(
                name,
                "Lee",
                order=n,
                relationship=code,
                title="",
                gender="",
                responsibility=None,
                email=f"{name}@example.org",
            )
            for n, (name, code) in enumerate(codes.items(), start=1)
        )
    )

    relationships = {name: link.get_relationship_display() for name, link in links.items()}
    assert relationships == {
        "Ann": "Mother",
        "Ben": "Father",
        "Cat": "Step-mother",
        "Dan": "Step-father",
        "Eve": "Foster carer",
        "Fin": "Foster carer",
    }
    # With no <Responsibility>, it is assumed for a mother or father only.
    responsible = {name for name, link in links.items() if link.parental_responsibility}
    assert responsible == {"Ann", "Ben"}


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("CAR", "Carer"),
        ("FAM", "Other relative or family member"),
        ("REL", "Other relative or family member"),
        ("CHM", "Childminder"),
        ("DOC", "Doctor"),
        ("SWR", "Social worker"),
        ("TCH", "Teacher"),
        ("HTC", "Head teacher"),
        ("RLG", "Religious contact"),
        ("OTH", "Other contact"),
    ],
)
def test_every_other_cbds_code_has_its_own_relationship(code, shown):
    report, links = import_contacts(ctf_contact("Ann", "Lee", relationship=code))
    assert links["Ann"].get_relationship_display() == shown
    assert not [w for w in report.warnings if "relationship" in w]


def test_responsibility_in_the_file_decides_for_any_relationship():
    _, links = import_contacts(
        ctf_contact("Ann", "Lee", relationship="PAM", responsibility="false", email="a@x.org"),
        ctf_contact(
            "Cat", "Lee", order=2, relationship="STM", responsibility="true", email="c@x.org"
        ),
    )
    assert links["Ann"].parental_responsibility is False
    assert links["Cat"].parental_responsibility is True


def test_the_older_par_and_stp_codes_take_the_sex_from_gender_or_title():
    _, links = import_contacts(
        ctf_contact("Ann", "Lee", relationship="PAR", gender="F", email="a@x.org"),
        ctf_contact(
            "Bo", "Lee", order=2, relationship="PAR", gender="", title="Mr", email="b@x.org"
        ),
        ctf_contact(
            "Cy", "Lee", order=3, relationship="STP", gender="", title="Dr", email="c@x.org"
        ),
    )
    assert links["Ann"].relationship == PupilCarer.Relationship.MOTHER
    assert links["Bo"].relationship == PupilCarer.Relationship.FATHER
    # Neither says: a parent of unknown sex, never "other".
    assert links["Cy"].get_relationship_display() == "Step-parent"


def test_an_unknown_code_is_reported_naming_the_pupil_the_contact_and_the_code():
    report, links = import_contacts(ctf_contact("Ann", "Lee", relationship="XYZ"))

    assert links["Ann"].relationship == PupilCarer.Relationship.OTHER
    (warning,) = [w for w in report.warnings if "relationship" in w]
    assert UPN_A in warning
    assert "Ann Lee" in warning
    assert "'XYZ'" in warning
    assert "not a CBDS relationship code" in warning
